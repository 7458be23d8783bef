//! The opt-in file store: one `0600` JSON file mapping platform URL to token.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::private_files;
use crate::secret::Secret;

const FILE_NAME: &str = "credentials.json";

#[derive(Default, Serialize, Deserialize)]
// What serde says it expected, where it would name the type.
#[serde(expecting = "an object with the platforms' `tokens`")]
struct TokenFile {
    /// Nothing else is kept: what another version of keystroke saved here may be a secret, which
    /// the first rewrite (a sign-out) drops, rather than leave on disk.
    #[serde(default)]
    tokens: BTreeMap<String, String>,
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

fn load(dir: &Path) -> anyhow::Result<TokenFile> {
    let path = path(dir);
    match private_files::read(&path)? {
        Some(text) => {
            refuse_if_others_can_read(&path)?;
            serde_json::from_str(&text).map_err(|err| {
                // serde quotes what it could not place, which here may be a token.
                let why = keystroke_api::redact_secrets(&err.to_string(), keystroke_api::SECRET_NOT_REPEATED);
                CliError::failure(format!("{} is not valid: {why}", path.display()))
                    .with_hint(
                        "fix it, or delete it and sign in again with `keystroke auth login --insecure-storage`: it \
                         holds the session tokens that sign-in stored there, and nothing else",
                    )
                    .into()
            })
        }
        None => Ok(TokenFile::default()),
    }
}

/// Like ssh with a private key, the CLI refuses a token file that others can read: the mode it
/// promises is `0600`, and a token someone else may have read should be replaced, not used.
#[cfg(unix)]
fn refuse_if_others_can_read(path: &Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::os::unix::fs::PermissionsExt;
    let mode =
        std::fs::metadata(path).with_context(|| format!("could not read {}", path.display()))?.permissions().mode();
    if mode & 0o077 == 0 {
        return Ok(());
    }
    Err(CliError::failure(format!(
        "refusing to use {}: other users can read or write it (mode {:o}, expected 600)",
        path.display(),
        mode & 0o7777
    ))
    .with_hint(format!(
        "run `chmod 600 {}`; if someone else may have read it, sign out with `keystroke auth logout --revoke` (which \
         ends its session everywhere) and sign in again",
        crate::private_files::shell_word(path)
    ))
    .into())
}

#[cfg(not(unix))]
fn refuse_if_others_can_read(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

fn save(dir: &Path, file: &TokenFile) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(file)?;
    private_files::write(dir, FILE_NAME, text.as_bytes())
}

pub fn get(dir: &Path, url: &str) -> anyhow::Result<Option<Secret<String>>> {
    Ok(load(dir)?.tokens.remove(url).map(Secret::new))
}

pub fn set(dir: &Path, url: &str, token: &Secret<String>) -> anyhow::Result<()> {
    // Locked like the config, so that sign-ins at once to two platforms keep both tokens.
    let _lock = private_files::lock(dir)?;
    let mut file = load(dir)?;
    file.tokens.insert(url.to_string(), token.expose().clone());
    save(dir, &file)
}

pub fn delete(dir: &Path, url: &str) -> anyhow::Result<bool> {
    let _lock = private_files::lock(dir)?;
    let mut file = load(dir)?;
    let removed = file.tokens.remove(url).is_some();
    if removed {
        save(dir, &file)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_kept_per_platform() {
        let dir = tempfile::tempdir().unwrap();
        let token = Secret::new("kss_one".to_string());
        set(dir.path(), "http://a", &token).unwrap();
        assert_eq!(get(dir.path(), "http://a").unwrap(), Some(token));
        assert_eq!(get(dir.path(), "http://b").unwrap(), None);
        assert!(delete(dir.path(), "http://a").unwrap());
        assert!(!delete(dir.path(), "http://a").unwrap());
    }
}
