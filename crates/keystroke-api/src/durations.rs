//! The units durations are written in, for the CLI's key lifetimes (`--expires-in 90d`) and the
//! platform's audit ages (`audit list --since 7d`) alike: an operator's `6m` must not be six
//! minutes where a user's is refused as six months or six minutes.

const DAY: u64 = 86_400;

/// What a unit, as written after a number, stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// So many seconds: `s`, `min`, `h`, `d`, `w`, `mo` (30 days), `y` (365 days), and their words.
    Seconds(u64),
    /// `m` or `M`: minutes to some, months to others.
    Ambiguous,
    /// `ms`, `us`, `ns`: finer than these durations are counted.
    TooFine,
    /// Anything else.
    Unknown,
}

/// A year is 365 days and a month 30, so that `1y` ends at the time of day it starts (a day later
/// in a leap year).
pub fn duration_unit(unit: &str) -> DurationUnit {
    DurationUnit::Seconds(match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => DAY,
        "w" | "week" | "weeks" => 7 * DAY,
        "mo" | "month" | "months" => 30 * DAY,
        "y" | "yr" | "yrs" | "year" | "years" => 365 * DAY,
        "m" | "M" => return DurationUnit::Ambiguous,
        "ms" | "us" | "ns" => return DurationUnit::TooFine,
        _ => return DurationUnit::Unknown,
    })
}

/// Said for [`DurationUnit::Ambiguous`], on both sides.
pub fn ambiguous_unit(unit: &str) -> String {
    format!("`{unit}` is ambiguous: write `min` for minutes or `mo` for months")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_as_people_write_them() {
        assert_eq!(duration_unit("min"), DurationUnit::Seconds(60));
        assert_eq!(duration_unit("hours"), DurationUnit::Seconds(3_600));
        assert_eq!(duration_unit("mo"), DurationUnit::Seconds(30 * DAY));
        assert_eq!(duration_unit("y"), DurationUnit::Seconds(365 * DAY));
        assert_eq!(duration_unit("m"), DurationUnit::Ambiguous);
        assert_eq!(duration_unit("M"), DurationUnit::Ambiguous);
        assert_eq!(duration_unit("ms"), DurationUnit::TooFine);
        assert_eq!(duration_unit("fortnight"), DurationUnit::Unknown);
        assert_eq!(duration_unit(""), DurationUnit::Unknown);
    }
}
