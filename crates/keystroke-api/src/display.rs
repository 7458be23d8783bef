//! How the CLI, the operator commands and the web pages show text to people: what could drive a
//! terminal written out, what is too long cut short, times to the minute in UTC.

use std::borrow::Cow;

use time::{OffsetDateTime, UtcOffset};

/// `text` with each character `unsafe_char` picks written out as its escape (`\u{1b}`): how the
/// CLI and the platform's operator commands show text that could drive a terminal or hide in it.
/// Borrowed when there is none.
pub fn written_out(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.contains(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            safe.extend(c.escape_unicode());
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

/// `text` cut after `longest` characters, saying how many more it had (a pasted megabyte, or a
/// message from something that is not the platform, would fill the terminal). Borrowed when it
/// is short enough.
pub fn cut_at(text: &str, longest: usize) -> Cow<'_, str> {
    match text.char_indices().nth(longest) {
        Some((cut, _)) => match text[cut..].chars().count() {
            1 => format!("{}… (1 character more)", &text[..cut]).into(),
            more => format!("{}… ({more} characters more)", &text[..cut]).into(),
        },
        None => text.into(),
    }
}

/// How much of a line typed or pasted the CLI and the operator commands quote back (a usage
/// error's): a screenful.
pub const LONGEST_LINE_QUOTED: usize = 500;

/// `text` with each line longer than `longest` characters cut there ([`cut_at`]): how the CLI and
/// the operator commands quote what was typed ([`LONGEST_LINE_QUOTED`]).
pub fn lines_cut_at(text: &str, longest: usize) -> String {
    let lines = text.split_inclusive('\n').map(|line| {
        let body = line.strip_suffix('\n');
        let cut = cut_at(body.unwrap_or(line), longest);
        if body.is_some() { format!("{cut}\n") } else { cut.into_owned() }
    });
    lines.collect()
}

/// A time for people, as the CLI and the web pages show it: `2026-11-28 10:55 UTC`. Minutes are
/// precise enough; UTC keeps it unambiguous.
pub fn utc_minute(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_saying_how_much_is_left_out() {
        let long = "é".repeat(5_000);
        assert_eq!(cut_at(&long, 1_000), format!("{}… (4000 characters more)", "é".repeat(1_000)));
        assert_eq!(cut_at(&"x".repeat(1_001), 1_000), format!("{}… (1 character more)", "x".repeat(1_000)));
        assert!(matches!(cut_at("org `x` not found", 1_000), Cow::Borrowed("org `x` not found")));
        let lines = format!("short\n{}\n{}", "y".repeat(12), "z".repeat(11));
        assert_eq!(lines_cut_at(&lines, 10), "short\nyyyyyyyyyy… (2 characters more)\nzzzzzzzzzz… (1 character more)");
    }

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        let at = OffsetDateTime::from_unix_timestamp(1_795_000_000)
            .unwrap()
            .to_offset(UtcOffset::from_hms(1, 0, 0).unwrap());
        assert_eq!(utc_minute(at), "2026-11-18 11:06 UTC");
    }
}
