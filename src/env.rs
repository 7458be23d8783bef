//! Every environment variable `keystroke` reads, named once.
//!
//! Flags that fall back to a variable (`--platform-url`, `--org`) name it in their `--help`
//! through these constants too, so the help and this list cannot disagree.

use std::ops::RangeInclusive;
use std::time::Duration;

use crate::error::CliError;

/// The platform to talk to, like `--platform-url`.
pub const PLATFORM_URL: &str = "KEYSTROKE_PLATFORM_URL";

/// The org of a command, like `--org`. Never changes the org saved by `keystroke org switch`.
pub const ORG: &str = "KEYSTROKE_ORG";

/// A user session token used instead of the stored one (CI, containers). It shadows, but never
/// replaces, what `keystroke auth login` stored.
pub const TOKEN: &str = "KEYSTROKE_TOKEN";

/// Forces a credential store: `secret-service`, `keyutils`, `keychain`, `windows`, or `file`
/// (the explicit opt-in to a `0600` file under the config directory); `auto` is as if unset.
pub const CREDENTIAL_STORE: &str = "KEYSTROKE_CREDENTIAL_STORE";

/// Seconds a credential store call may take before `keystroke` gives up on it
/// ([`keyring_timeout`]).
pub const KEYRING_TIMEOUT: &str = "KEYSTROKE_KEYRING_TIMEOUT";

/// Seconds a request to the platform may take, answer included, before `keystroke` gives up
/// on it ([`request_timeout`]).
pub const HTTP_TIMEOUT: &str = "KEYSTROKE_HTTP_TIMEOUT";

/// Directory of `config.json` (and of the opt-in credentials file), instead of the OS default.
pub const CONFIG_DIR: &str = "KEYSTROKE_CONFIG_DIR";

/// Set by a shell's dynamic completion script (`COMPLETE=bash keystroke`, see `keystroke
/// completion --help`): `keystroke` then prints that script, or the candidates for a command line.
pub const COMPLETE: &str = "COMPLETE";

/// Any non-empty value turns colors off unless `--color always` asks for them
/// (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";

/// `dumb` names a terminal that shows escape codes as text: no colors there either, and questions
/// asked a line at a time.
pub const TERM: &str = "TERM";

/// The terminal's width in columns, when set: tables on a terminal fit within it (otherwise the
/// terminal is asked).
pub const COLUMNS: &str = "COLUMNS";

/// A proxy for requests to an `https://` platform (read by reqwest, as curl reads it, with its
/// lowercase spelling, [`HTTP_PROXY`]'s for an `http://` one, [`ALL_PROXY`] for either and
/// `NO_PROXY` for hosts to reach directly). Never used for a platform on this machine.
pub const HTTPS_PROXY: &str = "HTTPS_PROXY";

/// [`HTTPS_PROXY`] for an `http://` platform.
pub const HTTP_PROXY: &str = "HTTP_PROXY";

/// [`HTTPS_PROXY`] for a platform of either scheme, where the scheme's own is not set.
pub const ALL_PROXY: &str = "ALL_PROXY";

/// A file of trusted certificates (PEM) in place of the system's, which the TLS verifier reads
/// (OpenSSL's variable, as curl and git take it): named in the hint of an untrusted certificate.
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// The variables a person sets, with what each does in a few words, as `keystroke --help` and
/// `man keystroke` list them (the README's table says more).
pub const IN_HELP: [(&str, &str); 11] = [
    (PLATFORM_URL, "the platform, like --platform-url"),
    (ORG, "the org of a command, like --org (the active org stays)"),
    (TOKEN, "a session token to use instead of the stored one (never an API key)"),
    (CREDENTIAL_STORE, "force a store: secret-service, keyutils, keychain, windows or file"),
    (KEYRING_TIMEOUT, "seconds a credential store call may take (default 5)"),
    (HTTP_TIMEOUT, "seconds a request to the platform may take (default 30)"),
    (CONFIG_DIR, "the directory of config.json (and of the opt-in credentials file)"),
    (NO_COLOR, "no colors unless --color always"),
    (TERM, "dumb: no colors (unless --color always), questions a line at a time"),
    (COLUMNS, "the terminal's width for tables and help"),
    (HTTPS_PROXY, "a proxy (also HTTP_PROXY, ALL_PROXY, NO_PROXY); never for this machine"),
];

/// Read by the Secret Service store's D-Bus connection; without it there is no session bus to ask.
pub const DBUS_SESSION_BUS_ADDRESS: &str = "DBUS_SESSION_BUS_ADDRESS";

/// Where a session bus's socket is found (`$XDG_RUNTIME_DIR/bus`) when
/// `DBUS_SESSION_BUS_ADDRESS` is not set.
#[cfg(target_os = "linux")]
pub const XDG_RUNTIME_DIR: &str = "XDG_RUNTIME_DIR";

/// The machine's name on Windows, which names a sign-in's device there.
#[cfg(not(unix))]
pub const COMPUTERNAME: &str = "COMPUTERNAME";

/// A variable's value without the spaces and line end around it (a YAML block or a CRLF `.env`
/// file adds them), treating an empty (or blank) value as unset, as shells often export `VAR=`.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|value| value.trim().to_owned()).filter(|value| !value.is_empty())
}

/// [`KEYRING_TIMEOUT`]'s default: time enough to type a keyring's password, short of a hang.
pub const KEYRING_TIMEOUT_DEFAULT: Duration = Duration::from_secs(5);

/// [`HTTP_TIMEOUT`]'s default.
const HTTP_TIMEOUT_DEFAULT: Duration = Duration::from_secs(30);

/// How long a credential store call may take: [`KEYRING_TIMEOUT`], else 5 s.
pub fn keyring_timeout() -> Result<Duration, CliError> {
    seconds(KEYRING_TIMEOUT, 0.1..=300.0, KEYRING_TIMEOUT_DEFAULT)
}

/// How long a whole request, answer included, may take: [`HTTP_TIMEOUT`], else 30 s.
pub fn request_timeout() -> Result<Duration, CliError> {
    seconds(HTTP_TIMEOUT, 0.1..=3600.0, HTTP_TIMEOUT_DEFAULT)
}

/// A variable holding a number of seconds within `range`; `default` when unset.
fn seconds(name: &str, range: RangeInclusive<f64>, default: Duration) -> Result<Duration, CliError> {
    parse_seconds(name, var(name).as_deref(), range, default)
}

fn parse_seconds(
    name: &str,
    value: Option<&str>,
    range: RangeInclusive<f64>,
    default: Duration,
) -> Result<Duration, CliError> {
    let Some(value) = value else {
        return Ok(default);
    };
    let secs = value.trim().parse::<f64>().ok().filter(|secs| range.contains(secs));
    secs.map(Duration::from_secs_f64).ok_or_else(|| {
        CliError::usage(format!(
            "{name}={} is not a number of seconds from {} to {}",
            crate::ids::quoted(value),
            range.start(),
            range.end()
        ))
        .with_hint(format!("the default is {} seconds; unset it to use that", default.as_secs_f64()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_numbers_within_the_range() {
        let read = |value: Option<&str>| parse_seconds("TIMEOUT", value, 0.1..=300.0, Duration::from_secs(5));
        assert_eq!(read(None).unwrap(), Duration::from_secs(5));
        assert_eq!(read(Some("5")).unwrap(), Duration::from_secs(5));
        assert_eq!(read(Some(" 0.5 ")).unwrap(), Duration::from_millis(500));
        assert_eq!(read(Some("300")).unwrap(), Duration::from_secs(300));
        for bad in ["1e30", "99999999999999999999", "301", "1e-10", "0", "-1", "abc", "NaN", "inf"] {
            let err = read(Some(bad)).unwrap_err();
            assert_eq!(err.message, format!("TIMEOUT=`{bad}` is not a number of seconds from 0.1 to 300"));
            assert_eq!(err.hint.as_deref(), Some("the default is 5 seconds; unset it to use that"));
        }
    }

    #[test]
    fn the_help_states_the_timeouts_defaults() {
        for (name, default) in [(KEYRING_TIMEOUT, KEYRING_TIMEOUT_DEFAULT), (HTTP_TIMEOUT, HTTP_TIMEOUT_DEFAULT)] {
            let (_, help) = IN_HELP.iter().find(|(variable, _)| *variable == name).unwrap();
            assert!(help.ends_with(&format!("(default {})", default.as_secs())), "{name}: {help}");
        }
    }
}
