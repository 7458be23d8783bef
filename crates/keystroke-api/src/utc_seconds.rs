//! Times on the wire, and in `keystroke --json`: RFC 3339 in UTC, to the second
//! (`2026-11-28T09:30:00Z`), as `doc/json-output.md` promises scripts that compare them as text.
//! Read in any offset and precision (another platform's version, a proxy that rewrote them),
//! written always the one way.

use serde::{Deserializer, Serializer};
use time::{OffsetDateTime, UtcOffset};

fn normalized(at: OffsetDateTime) -> OffsetDateTime {
    at.to_offset(UtcOffset::UTC).replace_nanosecond(0).expect("0 is a valid nanosecond")
}

pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    time::serde::rfc3339::serialize(&normalized(*at), serializer)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    time::serde::rfc3339::deserialize(deserializer)
}

/// For an `Option<OffsetDateTime>`.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(at: &Option<OffsetDateTime>, serializer: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::option::serialize(&at.map(normalized), serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<OffsetDateTime>, D::Error> {
        time::serde::rfc3339::option::deserialize(deserializer)
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
}
