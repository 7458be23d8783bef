//! Times on the wire, and in `keystroke --json`: RFC 3339 in UTC, to the second
//! (`2026-11-28T09:30:00Z`), as `doc/json-output.md` promises scripts that compare them as text.
//! Read in any offset and precision (another platform's version, a proxy that rewrote them),
//! written always the one way.

use serde::{Deserializer, Serializer};
use time::{OffsetDateTime, UtcOffset};

/// In UTC, to the second; `None` outside the years RFC 3339 writes, 0000 to 9999, once in UTC
/// (`9999-12-31T23:00:00-02:00` is in the year 10000, where `to_offset` would panic;
/// `0000-01-01T00:30:00+01:00` in the year -1).
fn normalized(at: OffsetDateTime) -> Option<OffsetDateTime> {
    let at = at.checked_to_offset(UtcOffset::UTC)?.replace_nanosecond(0).ok()?;
    (0..=9999).contains(&at.year()).then_some(at)
}

/// Normalized as it is read, so that one that cannot be is refused there, with the rest of an
/// answer that does not read, rather than when it is written.
fn read(at: OffsetDateTime) -> Result<OffsetDateTime, String> {
    normalized(at).ok_or_else(|| format!("{at} is outside the years 0000 to 9999 once in UTC"))
}

pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    time::serde::rfc3339::serialize(&normalized(*at).unwrap_or(*at), serializer)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    read(time::serde::rfc3339::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

/// For an `Option<OffsetDateTime>`.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(at: &Option<OffsetDateTime>, serializer: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::option::serialize(&at.map(|at| normalized(at).unwrap_or(at)), serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<OffsetDateTime>, D::Error> {
        time::serde::rfc3339::option::deserialize(deserializer)?.map(read).transpose().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Dated {
        #[serde(with = "super")]
        at: time::OffsetDateTime,
        #[serde(with = "super::option")]
        until: Option<time::OffsetDateTime>,
    }

    #[test]
    fn times_are_written_in_utc_to_the_second() {
        let read: Dated =
            serde_json::from_str(r#"{"at":"2026-11-28T09:30:00.123456789+05:30","until":"2026-11-28T10:00:00-01:00"}"#)
                .unwrap();
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"at":"2026-11-28T04:00:00Z","until":"2026-11-28T11:00:00Z"}"#
        );
        let none: Dated = serde_json::from_str(r#"{"at":"2026-11-28T09:30:00Z","until":null}"#).unwrap();
        assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"at":"2026-11-28T09:30:00Z","until":null}"#);
    }

    /// Outside the years 0000 to 9999 once in UTC: refused as a time that does not read, not a
    /// panic, nor a document that cannot be written.
    #[test]
    fn a_time_past_what_utc_can_hold_is_refused_when_read() {
        for past in [
            r#"{"at":"9999-12-31T23:00:00-02:00","until":null}"#,
            r#"{"at":"2026-11-28T09:30:00Z","until":"9999-12-31T23:00:00-02:00"}"#,
            r#"{"at":"0000-01-01T00:30:00+01:00","until":null}"#,
        ] {
            let error = serde_json::from_str::<Dated>(past).err().map(|error| error.to_string()).unwrap_or_default();
            assert!(error.contains("is outside the years 0000 to 9999 once in UTC"), "{past}: {error}");
        }
    }
}
