//! Key lifetimes as people write them (`--expires-in 90d`, `1y 6w`), read into seconds, with a
//! reason for every value that does not read (`1.5d` gets its whole-number spelling back).

use std::time::Duration;

use keystroke_api::{DurationUnit, MAX_KEY_LIFETIME_SECS, ambiguous_unit, contains_secret, duration_unit};

use crate::ids::quoted;

const DAY: u64 = 86_400;

const NOT_WHOLE: &str = "a lifetime is written in whole numbers, like `36h` rather than `1.5d`";

const LIFETIME_EXAMPLES: &str = "write a duration like `30d`, `12h`, `90min` or `1y 6w`";

/// `30d`, `12h`, `1y 6w`: whole numbers with a unit, added up. A year is 365 days and a month
/// (`mo`) 30, so that `1y` ends on the same time of day it starts, a day later in a leap year.
pub fn parse_lifetime(value: &str) -> Result<Duration, String> {
    // Checked whole first: the messages below quote parts of the value.
    if contains_secret(value) {
        return Err(format!("that is a key or token, not a duration; {LIFETIME_EXAMPLES}"));
    }
    // `1d\n2d` would read as 3 days: a value of two lines is two values, or a paste gone wrong.
    if value.contains(char::is_control) {
        return Err(format!("a lifetime is one line of text; {LIFETIME_EXAMPLES}"));
    }
    // No lifetime takes more to write (`1 year 2 months 3 weeks 4 days 5 hours` is 38): a longer
    // value is a paste gone wrong, quoted back cut short, not three times over.
    const LONGEST: usize = 64;
    if value.chars().count() > LONGEST {
        return Err(format!("{} is too long to be a lifetime; {LIFETIME_EXAMPLES}", quoted(value)));
    }
    if let Some(after_dash) = value.strip_prefix('-') {
        return Err(if after_dash.starts_with(|c: char| c.is_ascii_digit()) {
            format!("a lifetime cannot be negative; {LIFETIME_EXAMPLES}")
        } else {
            format!("{} is a flag, not a duration; {LIFETIME_EXAMPLES}", quoted(value))
        });
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the unit is missing: `{value}d`, `{value}h` or `{value}min`?"));
    }
    let too_long = || "the lifetime can be at most ten years (`3650d`)".to_string();
    let mut rest = value.trim_start();
    if rest.is_empty() {
        return Err(format!("the lifetime is empty; {LIFETIME_EXAMPLES}"));
    }
    let mut seconds: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, after) = rest.split_at(digits);
        if !number.is_empty() && after.starts_with(['.', ',']) {
            return Err(whole_numbers_instead(number, after));
        }
        let after = after.trim_start();
        let unit_len = after.len() - after.trim_start_matches(|c: char| c.is_ascii_alphabetic()).len();
        let (unit, after) = after.split_at(unit_len);
        if number.is_empty() {
            return Err(format!("{} is not a duration; {LIFETIME_EXAMPLES}", quoted(value)));
        }
        if unit.is_empty() {
            return Err(format!("{} in {} has no unit; {LIFETIME_EXAMPLES}", quoted(number), quoted(value)));
        }
        let unit_seconds = unit_seconds(unit)?;
        let term = number.parse::<u64>().ok().and_then(|n| n.checked_mul(unit_seconds)).ok_or_else(too_long)?;
        seconds = seconds.checked_add(term).ok_or_else(too_long)?;
        rest = after.trim_start();
    }
    if seconds == 0 {
        return Err("the lifetime must be at least one second".into());
    }
    if seconds > MAX_KEY_LIFETIME_SECS {
        return Err(too_long());
    }
    Ok(Duration::from_secs(seconds))
}

/// For `1.5d` (`number` "1", `separator_and_rest` ".5d…"): the same lifetime in whole numbers,
/// `1d 12h`, where it has one in seconds.
fn whole_numbers_instead(number: &str, separator_and_rest: &str) -> String {
    let (separator, fraction_and_rest) = separator_and_rest.split_at(1);
    let digits = fraction_and_rest.len() - fraction_and_rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (fraction, after) = fraction_and_rest.split_at(digits);
    let unit = after.trim_start();
    let unit = &unit[..unit.len() - unit.trim_start_matches(|c: char| c.is_ascii_alphabetic()).len()];
    let space = &after[..after.len() - after.trim_start().len()];
    if separator == "," && fraction.len() == 3 && !number.starts_with('0') {
        return format!("write the lifetime without a thousands separator: `{number}{fraction}{space}{unit}`");
    }
    let unit_seconds = match unit_seconds(unit) {
        Ok(seconds) => seconds,
        // `1.5m`: which unit is meant comes first.
        Err(problem) if !unit.is_empty() => return problem,
        Err(_) => return NOT_WHOLE.into(),
    };
    let exact_seconds = (|| {
        let scale = 10u64.checked_pow(u32::try_from(fraction.len()).ok()?)?;
        let scaled_number =
            number.parse::<u64>().ok()?.checked_mul(scale)?.checked_add(fraction.parse().unwrap_or(0))?;
        let scaled = scaled_number.checked_mul(unit_seconds)?;
        (scaled % scale == 0 && scaled > 0).then_some(scaled / scale)
    })();
    let Some(mut seconds) = exact_seconds.filter(|&seconds| seconds <= MAX_KEY_LIFETIME_SECS) else {
        return NOT_WHOLE.into();
    };
    let mut terms = Vec::new();
    for (unit_seconds, unit) in [(DAY, "d"), (3_600, "h"), (60, "min"), (1, "s")] {
        if seconds >= unit_seconds {
            terms.push(format!("{}{unit}", seconds / unit_seconds));
            seconds %= unit_seconds;
        }
    }
    let written = format!("{number}{separator}{fraction}{space}{unit}");
    format!("a lifetime is written in whole numbers: `{}` rather than `{written}`", terms.join(" "))
}

fn unit_seconds(unit: &str) -> Result<u64, String> {
    match duration_unit(unit) {
        DurationUnit::Seconds(seconds) => Ok(seconds),
        // `6m` for six months would make a six-minute key.
        DurationUnit::Ambiguous => Err(ambiguous_unit(unit)),
        DurationUnit::TooFine => Err("a lifetime is counted in seconds or longer".into()),
        DurationUnit::Unknown => Err(format!("{} is not a unit; {LIFETIME_EXAMPLES}", quoted(unit))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_like_people_write_them() {
        let secs = |value: &str| parse_lifetime(value).map(|lifetime| lifetime.as_secs());
        assert_eq!(secs("30d"), Ok(30 * DAY));
        assert_eq!(secs("12h"), Ok(12 * 3_600));
        assert_eq!(secs("90min"), Ok(90 * 60));
        assert_eq!(secs("1y"), Ok(365 * DAY));
        assert_eq!(secs("2 years"), Ok(730 * DAY));
        assert_eq!(secs("1y 6w"), Ok(365 * DAY + 42 * DAY));
        assert_eq!(secs("1d12h"), Ok(DAY + 12 * 3_600));
        assert_eq!(secs("3mo"), Ok(90 * DAY));
        assert_eq!(secs("1s"), Ok(1));
        assert_eq!(secs("3650d"), Ok(3_650 * DAY));
    }

    #[test]
    fn lifetimes_that_do_not_read_get_a_reason() {
        let error = |value: &str| parse_lifetime(value).unwrap_err();
        assert_eq!(error("0s"), "the lifetime must be at least one second");
        assert_eq!(error("90"), "the unit is missing: `90d`, `90h` or `90min`?");
        assert!(error("-5d").starts_with("a lifetime cannot be negative"));
        assert!(error("--name").starts_with("`--name` is a flag, not a duration"));
        assert_eq!(error("100000d"), "the lifetime can be at most ten years (`3650d`)");
        assert_eq!(error("3651d"), "the lifetime can be at most ten years (`3650d`)");
        assert_eq!(error("99999999999999999999d"), "the lifetime can be at most ten years (`3650d`)");
        let pasted = "9".repeat(100_000);
        assert!(error(&pasted).starts_with(&format!("`{}…` is too long to be a lifetime;", &pasted[..40])));
        assert!(error(&pasted).len() < 200, "quoted once, cut short");
        assert_eq!(error("18446744073709551615y"), "the lifetime can be at most ten years (`3650d`)");
        assert!(error("soon").starts_with("`soon` is not a duration;"), "{}", error("soon"));
        assert!(error("5x").starts_with("`x` is not a unit;"));
        assert!(error("1d 5").starts_with("`5` in `1d 5` has no unit;"));
        assert_eq!(error("1.5d"), "a lifetime is written in whole numbers: `1d 12h` rather than `1.5d`");
        assert_eq!(error("1.5h"), "a lifetime is written in whole numbers: `1h 30min` rather than `1.5h`");
        assert_eq!(error("2.5w"), "a lifetime is written in whole numbers: `17d 12h` rather than `2.5w`");
        assert_eq!(error("0,25 days"), "a lifetime is written in whole numbers: `6h` rather than `0,25 days`");
        assert_eq!(error("1,500h"), "write the lifetime without a thousands separator: `1500h`");
        assert_eq!(error("1.5m"), "`m` is ambiguous: write `min` for minutes or `mo` for months");
        assert!(error("1.5x").starts_with("`x` is not a unit;"));
        for unexact in ["1.5s", "1.5", "3650.5d", "1.99999999999999999999999y"] {
            assert_eq!(error(unexact), NOT_WHOLE);
        }
        assert!(error("").starts_with("the lifetime is empty"));
        assert_eq!(error("1M"), "`M` is ambiguous: write `min` for minutes or `mo` for months");
        assert_eq!(error("6m"), "`m` is ambiguous: write `min` for minutes or `mo` for months");
        assert_eq!(error("500ms"), "a lifetime is counted in seconds or longer");
        for two_lines in ["1d\n2d", "1d\r\n", "1d\t2h"] {
            assert!(error(two_lines).starts_with("a lifetime is one line of text;"), "{two_lines:?}");
        }
        // A key pasted in the wrong place, with its prefix or without: no part of it is quoted.
        for pasted in ["0UcFAzhOwHanzCN2XP3E3sYNoE6Kmwl24B4rJ5", "6JtBE4DQdPldl6qkVb8HguBtFP2zFjUd4DmK7Q", "kss_x"] {
            assert!(error(pasted).starts_with("that is a key or token, not a duration"), "{}", error(pasted));
        }
    }
}
