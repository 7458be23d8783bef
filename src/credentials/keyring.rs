//! OS credential stores (keyring-core stores, and keyutils on Linux), each call on its own thread
//! with a deadline: a locked keyring that waits for an unlock prompt nobody sees must not hang
//! the CLI.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry, Error as KeyringError};

use super::{SERVICE, StoreKind, store_hint};
use crate::env;
use crate::error::CliError;
use crate::secret::Secret;

pub fn get(kind: StoreKind, url: &str, timeout: Duration) -> anyhow::Result<Option<Secret<String>>> {
    let url = url.to_string();
    let result = bounded(kind, "read the token from", timeout, move || {
        #[cfg(target_os = "linux")]
        if kind == StoreKind::Keyutils {
            return super::keyutils::get(&url);
        }
        match entry(kind, &url)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(KeyringError::NoEntry) => Ok(None),
            // Not text: no token, read as damaged (as the kernel keyring's, `keyutils::get`).
            Err(KeyringError::BadEncoding(bytes)) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(err) => Err(explain(err)),
        }
    })?;
    Ok(result.map(Secret::new))
}

pub fn set(kind: StoreKind, url: &str, token: &Secret<String>, timeout: Duration) -> anyhow::Result<()> {
    let url = url.to_string();
    let token = token.clone();
    bounded(kind, "save the token in", timeout, move || {
        #[cfg(target_os = "linux")]
        if kind == StoreKind::Keyutils {
            return super::keyutils::set(&url, token.expose());
        }
        entry(kind, &url)?.set_password(token.expose()).map_err(explain)
    })
}

pub fn delete(kind: StoreKind, url: &str, timeout: Duration) -> anyhow::Result<bool> {
    let url = url.to_string();
    bounded(kind, "remove the token from", timeout, move || {
        #[cfg(target_os = "linux")]
        if kind == StoreKind::Keyutils {
            return super::keyutils::delete(&url);
        }
        match entry(kind, &url)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(err) => Err(explain(err)),
        }
    })
}

/// The best OS store of this machine. On Linux: without `DBUS_SESSION_BUS_ADDRESS` (servers,
/// containers, SSH sessions that were given no user bus; a bus socket found without the variable
/// is not enough, since the desktop keyring behind it is usually locked there), the kernel
/// keyring, the documented fallback for headless machines that `auth status` and `auth login`
/// report with its caveat. With a session bus, the Secret Service, and nothing else: a desktop
/// whose keyring does not answer gets an error that says what to do, never a silent switch to a
/// store that forgets the token at the next reboot.
pub fn detect(timeout: Duration) -> anyhow::Result<StoreKind> {
    if cfg!(target_os = "macos") {
        return Ok(StoreKind::Keychain);
    }
    if cfg!(windows) {
        return Ok(StoreKind::Windows);
    }
    if cfg!(target_os = "linux") {
        if env::var(env::DBUS_SESSION_BUS_ADDRESS).is_none() {
            return Ok(StoreKind::Keyutils);
        }
        let probe = bounded(StoreKind::SecretService, "connect to", timeout, || {
            store(StoreKind::SecretService).map(drop).map_err(explain)
        });
        return match probe {
            Ok(()) => Ok(StoreKind::SecretService),
            Err(err) => Err(secret_service_unavailable(err)),
        };
    }
    Err(CliError::failure("this system has no credential store that keystroke supports")
        .with_hint(store_hint(None))
        .into())
}

/// A session bus is set, so this is a desktop session whose keyring should hold the token; it
/// did not answer. Says why, and every way forward, the weaker ones named as such.
fn secret_service_unavailable(err: anyhow::Error) -> anyhow::Error {
    let why = err.downcast_ref::<CliError>().map_or_else(|| format!("{err:#}"), |cli| cli.message.clone());
    CliError::failure(format!(
        "{why} (`{}` is set, so keystroke uses the desktop keyring and does not fall back silently)",
        env::DBUS_SESSION_BUS_ADDRESS
    ))
    .with_hint(format!(
        "unlock your keyring (or start it) and retry; or choose the kernel keyring explicitly with \
         `{store}=keyutils` (the session's keyring, gone at logout or reboot); or opt in to a 0600 file with \
         `--insecure-storage` (or `{store}=file`); or set `{token}` to a session token",
        store = env::CREDENTIAL_STORE,
        token = env::TOKEN
    ))
    .into()
}

fn entry(kind: StoreKind, url: &str) -> Result<Entry, String> {
    Entry::new_in_store(&store(kind).map_err(explain)?, SERVICE, url).map_err(explain)
}

fn store(kind: StoreKind) -> keyring_core::Result<Arc<CredentialStore>> {
    match kind {
        #[cfg(target_os = "linux")]
        StoreKind::SecretService if !session_bus_exists() => Err(KeyringError::NotSupportedByStore(format!(
            "there is no D-Bus session bus to reach it (`{}` is not set, and there is no \
             `$XDG_RUNTIME_DIR/bus`)",
            env::DBUS_SESSION_BUS_ADDRESS
        ))),
        #[cfg(target_os = "linux")]
        StoreKind::SecretService => Ok(zbus_secret_service_keyring_store::Store::new()?),
        #[cfg(target_os = "macos")]
        StoreKind::Keychain => Ok(apple_native_keyring_store::keychain::Store::new()?),
        #[cfg(windows)]
        StoreKind::Windows => Ok(windows_native_keyring_store::Store::new()?),
        other => {
            Err(KeyringError::NotSupportedByStore(format!("the {} is not available on this system", other.name())))
        }
    }
}

/// Where the D-Bus client looks for the session bus: the variable, else systemd's per-user
/// socket (common over SSH, where the variable is often not set).
#[cfg(target_os = "linux")]
fn session_bus_exists() -> bool {
    env::var(env::DBUS_SESSION_BUS_ADDRESS).is_some()
        || std::env::var_os(env::XDG_RUNTIME_DIR).is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists())
}

/// Runs `call` on a thread and waits at most `timeout` for it. A call that overruns is left
/// behind: the thread dies with the process.
fn bounded<T: Send + 'static>(
    kind: StoreKind,
    action: &str,
    timeout: Duration,
    call: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> anyhow::Result<T> {
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new().name(format!("keyring-{}", kind.name())).spawn(move || {
        let _ = sender.send(call());
    })?;
    match receiver.recv_timeout(timeout) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(why)) => Err(CliError::failure(format!("could not {action} the {}: {why}", kind.label()))
            .with_hint(store_hint(Some(kind)))
            .into()),
        Err(_) => Err(CliError::failure(format!(
            "could not {action} the {}: no answer within {} s (is it locked and waiting for a password?)",
            kind.label(),
            timeout.as_secs_f64()
        ))
        .with_hint(store_hint(Some(kind)))
        .into()),
    }
}

fn explain(err: KeyringError) -> String {
    match err {
        KeyringError::NoStorageAccess(inner) => format!("access was refused ({})", in_words(&inner.to_string())),
        KeyringError::PlatformFailure(inner) => in_words(&inner.to_string()),
        KeyringError::NotSupportedByStore(why) => why,
        other => other.to_string(),
    }
}

/// A store library's error without the library's name, which means nothing to the user: the
/// Secret Service's (`zbus error: Failed to connect to address …`) says what failed instead.
fn in_words(error: &str) -> String {
    match error.strip_prefix("zbus error: ") {
        Some(why) => format!("its D-Bus connection failed: {why}"),
        None => error.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_library_is_not_named_in_its_errors() {
        let failed = KeyringError::PlatformFailure("zbus error: Failed to connect to address `unix:path=/x`".into());
        assert_eq!(explain(failed), "its D-Bus connection failed: Failed to connect to address `unix:path=/x`");
        let other = KeyringError::PlatformFailure("the keychain is locked".into());
        assert_eq!(explain(other), "the keychain is locked");
    }

    #[test]
    fn a_store_that_does_not_answer_is_given_up_on_with_advice() {
        // A call that waited for the store would return its `Ok`: an error is the wait given up.
        let err = bounded(StoreKind::SecretService, "read the token from", Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(10));
            Ok(())
        })
        .unwrap_err();
        let err = err.downcast::<CliError>().unwrap();
        assert_eq!(
            err.message,
            "could not read the token from the Secret Service (desktop keyring): no answer within 0.05 s \
             (is it locked and waiting for a password?)"
        );
        assert!(err.hint.unwrap().contains("KEYSTROKE_CREDENTIAL_STORE=file"));
    }
}
