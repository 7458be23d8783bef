//! The operator's commands, a file for each group (`user`, `org`, `member`, `key`, `audit`),
//! working on the database directly; `serve` and `dev` are in `serve.rs`.

pub(crate) mod audit;
pub(crate) mod key;
pub(crate) mod member;
pub(crate) mod org;
pub(crate) mod user;

use std::io::{BufRead, Read};

/// A stored time as the admin commands print it (`2026-11-28T10:00:00Z`).
fn rfc3339(at: keystroke_platform::storage::Timestamp) -> String {
    let at = keystroke_platform::clock::to_datetime(at);
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The first line of stdin (a password, spaces and all), read no further than one can be long
/// (`< /dev/zero` has no end).
fn first_line_of_stdin() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().take(64 * 1024).read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
