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

/// A stored time as a date and time (UTC); one out of range as the epoch.
pub fn to_datetime(ts: Timestamp) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(ts).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
