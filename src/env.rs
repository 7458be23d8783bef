//! Every environment variable `keystroke` reads, named once.
//!
//! Flags that fall back to a variable (`--platform-url`, `--org`) name it in their `--help`
//! through these constants too, so the help and this list cannot disagree.

/// The platform to talk to, like `--platform-url`.
pub const PLATFORM_URL: &str = "KEYSTROKE_PLATFORM_URL";

/// The org of a command, like `--org`. Never changes the org saved by `keystroke org switch`.
pub const ORG: &str = "KEYSTROKE_ORG";

/// A user session token used instead of the stored one (CI, containers). It shadows, but never
/// replaces, what `keystroke auth login` stored.
pub const TOKEN: &str = "KEYSTROKE_TOKEN";

/// Forces a credential store: `secret-service`, `keyutils`, `keychain`, `windows`, or `file`
/// (the explicit opt-in to a `0600` file under the config directory).
pub const CREDENTIAL_STORE: &str = "KEYSTROKE_CREDENTIAL_STORE";

/// Seconds a credential store call may take before `keystroke` gives up on it (default 5).
pub const KEYRING_TIMEOUT: &str = "KEYSTROKE_KEYRING_TIMEOUT";

/// Directory of `config.json` (and of the opt-in credentials file), instead of the OS default.
pub const CONFIG_DIR: &str = "KEYSTROKE_CONFIG_DIR";

/// Set by a shell's dynamic completion script (`COMPLETE=bash keystroke`, see `keystroke
/// completion --help`): `keystroke` then prints that script, or the candidates for a command line.
pub const COMPLETE: &str = "COMPLETE";

/// Any non-empty value turns colors off unless `--color always` asks for them
/// (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";

/// The terminal's width in columns, when set: tables on a terminal fit within it (otherwise the
/// terminal is asked).
pub const COLUMNS: &str = "COLUMNS";

/// Read by the Secret Service store's D-Bus connection; without it there is no session bus to ask.
pub const DBUS_SESSION_BUS_ADDRESS: &str = "DBUS_SESSION_BUS_ADDRESS";

/// A variable's value, treating an empty (or blank) value as unset, as shells often export `VAR=`.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}
