//! Where the user session token lives.
//!
//! Order of use: `KEYSTROKE_TOKEN`, then the credential store that `keystroke auth login` wrote
//! to (recorded in the config file). Stores: the OS keyring through the keyring-rs family, or a
//! `0600` file, which is only ever used when the user opts in. A store that does not work is an
//! error that says what to do, never a silent switch to a weaker store.

mod file;
mod keyring;
#[cfg(target_os = "linux")]
mod keyutils;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::env;
use crate::error::CliError;
use crate::secret::Secret;

/// The service name of every keyring entry; the entry's user is the platform URL, so each
/// platform has its own entry.
pub const SERVICE: &str = "keystroke";

/// A sign-in in the store the config records, while `KEYSTROKE_CREDENTIAL_STORE` forces another.
pub struct HiddenSignIn {
    /// The store commands read.
    pub forced: StoreKind,
    /// The store that holds the sign-in.
    pub recorded: StoreKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// The desktop keyring over D-Bus (GNOME Keyring, KWallet, KeePassXC).
    SecretService,
    /// The Linux kernel key retention service: always there; the session's keyring, gone at logout or reboot.
    Keyutils,
    /// The macOS Keychain.
    Keychain,
    /// The Windows Credential Manager.
    Windows,
    /// A `0600` file in the config directory, only by explicit opt-in.
    File,
}

impl StoreKind {
    const ALL: [StoreKind; 5] =
        [StoreKind::SecretService, StoreKind::Keyutils, StoreKind::Keychain, StoreKind::Windows, StoreKind::File];

    /// The value of `KEYSTROKE_CREDENTIAL_STORE` that selects this store.
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::SecretService => "secret-service",
            StoreKind::Keyutils => "keyutils",
            StoreKind::Keychain => "keychain",
            StoreKind::Windows => "windows",
            StoreKind::File => "file",
        }
    }

    /// Whether the store exists on the system this build is for.
    fn on_this_system(self) -> bool {
        match self {
            StoreKind::SecretService | StoreKind::Keyutils => cfg!(target_os = "linux"),
            StoreKind::Keychain => cfg!(target_os = "macos"),
            StoreKind::Windows => cfg!(windows),
            StoreKind::File => true,
        }
    }

    /// For people: what the store is and what to know about it.
    pub fn label(self) -> &'static str {
        match self {
            StoreKind::SecretService => "Secret Service (desktop keyring)",
            StoreKind::Keyutils => "kernel keyring (keyutils; the session's keyring, gone at logout or reboot)",
            StoreKind::Keychain => "macOS Keychain",
            StoreKind::Windows => "Windows Credential Manager",
            // Windows has no modes: the file takes its folder's access rules (README).
            StoreKind::File if cfg!(windows) => "file, readable as its folder allows; opted in, not encrypted",
            StoreKind::File => "file, mode 0600; opted in, not encrypted",
        }
    }

    fn parse(value: &str) -> Result<Self, CliError> {
        let names: Vec<_> = Self::ALL.iter().filter(|kind| kind.on_this_system()).map(|kind| kind.name()).collect();
        let hint = format!("use one of this system's stores: {}", names.join(", "));
        let setting = format!("{}={}", env::CREDENTIAL_STORE, crate::ids::quoted(value));
        match Self::ALL.into_iter().find(|kind| kind.name() == value) {
            Some(kind) if kind.on_this_system() => Ok(kind),
            Some(kind) => {
                Err(CliError::usage(format!("{setting}: the {} is not on this system", kind.label())).with_hint(hint))
            }
            None => Err(CliError::usage(format!("{setting} is not a credential store")).with_hint(hint)),
        }
    }
}

/// Where the token of a command came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Env,
    Store(StoreKind),
}

/// What [`Credentials::peek`] found.
pub enum Peeked {
    Holds(Secret<String>),
    Empty,
    Unknown,
}

/// Access to the credential stores, configured from the environment. Creating it touches no store.
#[derive(Debug, Clone)]
pub struct Credentials {
    config_dir: PathBuf,
    forced: Option<StoreKind>,
    timeout: Duration,
}

impl Credentials {
    pub fn from_env(config_dir: PathBuf) -> anyhow::Result<Self> {
        let forced = env::var(env::CREDENTIAL_STORE)
            .filter(|value| value != "auto")
            .map(|value| StoreKind::parse(&value))
            .transpose()?;
        let timeout = env::keyring_timeout()?;
        Ok(Self { config_dir, forced, timeout })
    }

    /// `KEYSTROKE_TOKEN`, which shadows any stored token.
    pub fn env_token() -> Option<Secret<String>> {
        env::var(env::TOKEN).map(Secret::new)
    }

    /// The store to read a platform's token from, `None` when this config directory is signed
    /// out of it. In order:
    ///
    /// 1. A config that records a store: the forced one (`KEYSTROKE_CREDENTIAL_STORE`), else that
    ///    one.
    /// 2. This directory's opt-in file, if it holds the platform's token: only an explicit opt-in
    ///    writes one there (a sign-in whose config could not be saved may have left it), and it
    ///    must not be left behind, valid and unused.
    /// 3. A config that knows the platform, but no store: signed out (`auth logout`, or only
    ///    ever `KEYSTROKE_TOKEN`). A token that another config directory's sign-in keeps in the
    ///    keyring is not this one's, and a second `auth logout` would end that sign-in.
    /// 4. A config that knows nothing of the platform (`config.json` deleted, as its error
    ///    allows, or a new `KEYSTROKE_CONFIG_DIR`): where a sign-in would write.
    pub fn store_for_reading(&self, config: &Config, url: &str) -> anyhow::Result<Option<StoreKind>> {
        if let Some(recorded) = config.recorded_store(url) {
            return Ok(Some(self.forced.unwrap_or(recorded)));
        }
        if self.forced.is_none_or(|kind| kind == StoreKind::File) && file::get(&self.config_dir, url)?.is_some() {
            return Ok(Some(StoreKind::File));
        }
        match config.platform(url) {
            Some(_) => Ok(None),
            None => self.forced.map_or_else(|| self.detect(), Ok).map(Some),
        }
    }

    /// This platform's sign-in, when `KEYSTROKE_CREDENTIAL_STORE` makes commands read another
    /// store than the one that holds it: with nothing there, the user is signed in after all,
    /// out of sight. Only if the recorded store still has the token (the kernel keyring's is
    /// gone after a reboot, and the config does not know).
    pub fn hidden_sign_in(&self, config: &Config, url: &str) -> Option<HiddenSignIn> {
        let recorded = config.recorded_store(url)?;
        let forced = self.forced.filter(|forced| *forced != recorded)?;
        self.get(recorded, url).ok().flatten().map(|_| HiddenSignIn { forced, recorded })
    }

    /// The store a sign-in writes to: the forced one, the file when the user opted in with
    /// `--insecure-storage`, else the best OS store of this machine.
    pub fn store_for_writing(&self, insecure_storage: bool) -> anyhow::Result<StoreKind> {
        match (self.forced, insecure_storage) {
            (Some(kind), false) => Ok(kind),
            (Some(kind), true) if kind != StoreKind::File => Err(CliError::usage(format!(
                "`--insecure-storage` conflicts with `{}={}`",
                env::CREDENTIAL_STORE,
                kind.name()
            ))
            .with_hint(format!("drop one of them, or set `{}=file`", env::CREDENTIAL_STORE))
            .into()),
            (_, true) => Ok(StoreKind::File),
            (None, false) => self.detect(),
        }
    }

    fn detect(&self) -> anyhow::Result<StoreKind> {
        keyring::detect(self.timeout)
    }

    /// The platform's stored token, without the spaces and line ends an edit by hand may add.
    pub fn get(&self, kind: StoreKind, url: &str) -> anyhow::Result<Option<Secret<String>>> {
        let stored = match kind {
            StoreKind::File => file::get(&self.config_dir, url),
            _ => keyring::get(kind, url, self.timeout),
        }?;
        Ok(stored.map(|token| Secret::new(token.expose().trim().to_owned())))
    }

    /// What `kind` holds for `url`, looked at only where reading asks nobody: a file, the kernel
    /// keyring. An OS keyring (which may ask to be unlocked) is not looked at, and a store that
    /// cannot be read tells nothing: both [`Peeked::Unknown`], for the caller to take at its word.
    pub fn peek(&self, kind: StoreKind, url: &str) -> Peeked {
        match kind {
            StoreKind::File | StoreKind::Keyutils => match self.get(kind, url) {
                Ok(Some(token)) => Peeked::Holds(token),
                Ok(None) => Peeked::Empty,
                Err(_) => Peeked::Unknown,
            },
            _ => Peeked::Unknown,
        }
    }

    pub fn set(&self, kind: StoreKind, url: &str, token: &Secret<String>) -> anyhow::Result<()> {
        match kind {
            StoreKind::File => file::set(&self.config_dir, url, token),
            _ => keyring::set(kind, url, token, self.timeout),
        }
    }

    /// Removes the platform's token; `false` when there was none.
    pub fn delete(&self, kind: StoreKind, url: &str) -> anyhow::Result<bool> {
        match kind {
            StoreKind::File => file::delete(&self.config_dir, url),
            _ => keyring::delete(kind, url, self.timeout),
        }
    }

    /// Who else reaches a token stored in `kind` here, beyond this login session: for the kernel
    /// keyring without a session keyring of this login's own (see `keyutils::shared_with`).
    fn shared_with(&self, kind: StoreKind) -> Option<String> {
        #[cfg(target_os = "linux")]
        if kind == StoreKind::Keyutils {
            return keyutils::shared_with();
        }
        let _ = kind;
        None
    }

    /// The file of the file store, where it keeps its tokens when it is the one chosen.
    pub fn file_store_path(&self) -> PathBuf {
        file::path(&self.config_dir)
    }

    /// Where a store keeps its entry, for `auth status`. The kernel keyring's label says it is
    /// gone at logout: not so of one that no login made ([`Credentials::sharing_warning`]).
    pub fn location(&self, kind: StoreKind) -> String {
        match kind {
            StoreKind::File => format!("{} ({})", self.file_store_path().display(), kind.label()),
            StoreKind::Keyutils if self.shared_with(kind).is_some() => {
                "kernel keyring (keyutils; a session keyring shared beyond this login)".to_owned()
            }
            _ => kind.label().to_string(),
        }
    }

    /// What to know of a store shared beyond this login, said by `auth login` when it stores a token
    /// there and by `auth status` while one is.
    pub fn sharing_warning(&self, kind: StoreKind) -> Option<String> {
        self.shared_with(kind).map(|who| {
            format!(
                "{who}; prefer `{}` there, or `--insecure-storage` for separate steps of a job, or `keyctl session - sh -c '…'` \
                 for one script with a keyring of its own",
                env::TOKEN
            )
        })
    }

    /// [`Credentials::location`] within a sentence: "stored in the kernel keyring …", but
    /// "stored in /home/…/credentials.json …".
    pub fn location_in_sentence(&self, kind: StoreKind) -> String {
        let article = if kind == StoreKind::File { "" } else { "the " };
        format!("{article}{}", self.location(kind))
    }
}

/// What to do when a store fails; shared by every store error. The ways out are the other
/// stores: the kernel keyring is not suggested when it is the one that failed.
fn store_hint(failed: Option<StoreKind>) -> String {
    let (store, token) = (env::CREDENTIAL_STORE, env::TOKEN);
    let keyutils = format!(
        "or, on Linux, choose the kernel keyring with `{store}=keyutils` (the session's keyring, gone at logout or reboot); "
    );
    format!(
        "{first}; {keyutils}or set `{store}=file` to keep the token in a 0600 file; or set `{token}` to a session token",
        first = if failed == Some(StoreKind::Keyutils) { "retry" } else { "unlock (or start) your keyring and retry" },
        keyutils = if failed == Some(StoreKind::Keyutils) { "" } else { keyutils.as_str() },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    #[test]
    fn a_failing_store_is_never_its_own_way_out() {
        assert!(!store_hint(Some(StoreKind::Keyutils)).contains("=keyutils"));
        assert!(store_hint(Some(StoreKind::Keyutils)).starts_with("retry; or set `KEYSTROKE_CREDENTIAL_STORE=file`"));
        assert!(store_hint(Some(StoreKind::SecretService)).contains("=keyutils"));
        assert!(store_hint(None).contains("=file") && store_hint(None).contains("KEYSTROKE_TOKEN"));
    }

    #[test]
    fn store_names_round_trip_on_the_system_that_has_them() {
        for kind in StoreKind::ALL {
            match StoreKind::parse(kind.name()) {
                Ok(parsed) => assert!(parsed == kind && kind.on_this_system(), "{kind:?}"),
                Err(err) => {
                    assert!(!kind.on_this_system() && err.message.ends_with("is not on this system"), "{kind:?}")
                }
            }
        }
        assert_eq!(StoreKind::parse("file").unwrap(), StoreKind::File);
        let err = StoreKind::parse("plaintext").unwrap_err();
        assert!(err.hint.unwrap().contains("file"));
    }

    #[test]
    fn the_forced_store_wins_over_the_recorded_one() {
        let credentials = Credentials {
            config_dir: PathBuf::new(),
            forced: Some(StoreKind::File),
            timeout: env::KEYRING_TIMEOUT_DEFAULT,
        };
        let url = "http://127.0.0.1:8080";
        let mut config = Config::default();
        config.platform_mut(url).credential_store = Some(StoreKind::Keyutils);
        let read = credentials.store_for_reading(&config, url);
        assert_eq!(read.unwrap(), Some(StoreKind::File));
        assert_eq!(credentials.store_for_writing(true).unwrap(), StoreKind::File);
    }

    #[test]
    fn insecure_storage_conflicts_with_a_forced_os_store() {
        let credentials = Credentials {
            config_dir: PathBuf::new(),
            forced: Some(StoreKind::Keyutils),
            timeout: env::KEYRING_TIMEOUT_DEFAULT,
        };
        let err = credentials.store_for_writing(true).unwrap_err();
        let err = err.downcast_ref::<CliError>().unwrap();
        assert_eq!(
            (err.exit, err.message.as_str()),
            (ExitCode::Usage, "`--insecure-storage` conflicts with `KEYSTROKE_CREDENTIAL_STORE=keyutils`")
        );
    }
}
