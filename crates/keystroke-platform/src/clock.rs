//! The time, as the platform stores it (whole seconds since the Unix epoch, [`Timestamp`]) and
//! shows it.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::storage::Timestamp;

/// Now, in whole seconds.
pub fn now() -> Timestamp {
    now_ms() / 1000
}

/// Now, in milliseconds (for what is paced finer than a second: sign-in polls).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A stored time as a date and time (UTC). One beyond the years RFC 3339 writes (0000 to 9999:
/// only a database changed by hand holds such a time) is shown as the nearest that can be, and
/// logged: as the epoch, a key that expires in the year 300000 read as long expired.
pub fn to_datetime(ts: Timestamp) -> time::OffsetDateTime {
    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    const SHOWN: std::ops::RangeInclusive<Timestamp> = -62_167_219_200..=253_402_300_799;
    if !SHOWN.contains(&ts) {
        static OUT_OF_RANGE: crate::logging::OnceAMinute = crate::logging::OnceAMinute::new();
        if OUT_OF_RANGE.due() {
            tracing::warn!(seconds = ts, "a stored time is beyond the years a date can show; shown as the nearest");
        }
    }
    let shown = ts.clamp(*SHOWN.start(), *SHOWN.end());
    time::OffsetDateTime::from_unix_timestamp(shown).expect("within the years a date shows")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_beyond_what_a_date_shows_is_shown_as_the_nearest() {
        use time::format_description::well_known::Rfc3339;
        let written = |ts| to_datetime(ts).format(&Rfc3339).unwrap();
        assert_eq!(written(1_795_824_000), "2026-11-28T00:00:00Z");
        assert_eq!(written(-100), "1969-12-31T23:58:20Z");
        assert_eq!(written(10_000_000_000_000), "9999-12-31T23:59:59Z");
        assert_eq!(written(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(written(i64::MIN), "0000-01-01T00:00:00Z");
    }
}
