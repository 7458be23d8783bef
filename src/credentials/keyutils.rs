//! The Linux kernel key retention service: always present, even on headless machines, but held in
//! kernel memory only, in the login session's keyring: its entries are gone when the session ends
//! or the machine reboots.
//!
//! Entries use the description format of keyring-rs's keyutils store (`keyring:{user}@{service}`),
//! so tools built on keyring-rs see the same entry.

use linux_keyutils::{Key, KeyError, KeyRing, KeyRingIdentifier};

use super::SERVICE;

fn description(url: &str) -> String {
    format!("keyring:{url}@{SERVICE}")
}

/// Where tokens live: this login session's keyring, which goes when the session ends. Not the
/// user's persistent keyring, which would keep one sign-in for all their login sessions: every
/// process of the user can link that one to itself, and so can every container that runs as the
/// same user (root, say) without a user namespace of its own, where one pod would read another's
/// token.
fn home() -> Result<KeyRing, String> {
    KeyRing::from_special_id(KeyRingIdentifier::Session, false)
        .map_err(|err| format!("no session keyring ({})", explain(err)))
}

/// Who else reaches what this process's session keyring holds, when it is not one a login made
/// for this user: another user's (`su` without `-l`, `sudo`: the caller's keyring, which the
/// caller can read), or, where no login made one (a container's shell, `docker exec`, cron), the
/// user's own session keyring `_uid_ses.<uid>`, which every such process of the user shares until
/// a reboot, other containers running as that user without a user namespace included.
pub fn shared_with() -> Option<String> {
    let about = home().ok()?.metadata().ok()?;
    // SAFETY: getuid has no preconditions and cannot fail. (A keyring's owner is a real uid.)
    let me = unsafe { libc::getuid() };
    if about.get_uid() != me {
        return Some(format!(
            "the session keyring here belongs to another user (uid {}), who can read the token in it: after `su` \
             without `-l` or `sudo`, the caller; in a container, the runtime that made it, and so every process of \
             the container",
            about.get_uid()
        ));
    }
    about.get_description().starts_with("_uid_ses.").then(|| {
        "no login made a session keyring here (a container's shell, `docker exec`, cron): the token is in your \
         user's session keyring, which every such process of yours shares until a reboot, other containers running \
         as your user included"
            .to_owned()
    })
}

/// Whether an error means "no live key": none at all, or one that was invalidated (by `delete`)
/// or expired and that the kernel has not collected yet, which a search can still meet.
fn no_live_key(err: &KeyError) -> bool {
    matches!(err, KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired)
}

fn find(url: &str) -> Result<Option<Key>, String> {
    match home()?.search(&description(url)) {
        Ok(key) => Ok(Some(key)),
        Err(err) if no_live_key(&err) => Ok(None),
        Err(err) => Err(explain(err)),
    }
}

pub fn get(url: &str) -> Result<Option<String>, String> {
    let Some(key) = find(url)? else {
        return Ok(None);
    };
    let bytes = match key.read_to_vec() {
        Ok(bytes) => bytes,
        Err(err) if no_live_key(&err) => return Ok(None),
        Err(err) => return Err(explain(err)),
    };
    // Bytes that are not text (written by something else) are no token either: read as damaged,
    // which every command says and `auth logout` removes, where an error would stay for good.
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Replaces the entry of that description in the session keyring, if any (`add_key` updates it
/// in place).
pub fn set(url: &str, token: &str) -> Result<(), String> {
    home()?.add_key(&description(url), token).map_err(explain)?;
    Ok(())
}

pub fn delete(url: &str) -> Result<bool, String> {
    let Some(key) = find(url)? else {
        return Ok(false);
    };
    match key.invalidate() {
        Ok(()) => Ok(true),
        Err(err) if no_live_key(&err) => Ok(false),
        Err(err) => Err(explain(err)),
    }
}

fn explain(err: KeyError) -> String {
    match err {
        KeyError::AccessDenied => "access denied".into(),
        KeyError::QuotaExceeded => {
            "the kernel key quota is exhausted: your keys take it up (`keyctl show @u` lists them, `keyctl unlink` \
             removes one), up to /proc/sys/kernel/keys/maxkeys and maxbytes"
                .into()
        }
        KeyError::OperationNotSupported => "keyutils is not supported by this kernel".into(),
        other => format!("{other:?}"),
    }
}
