//! Non-secret settings: the platform last signed in to, and per platform the active org and the
//! credential store that holds its token. One JSON file, written atomically with mode `0600`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::credentials::StoreKind;
use crate::env;
use crate::error::CliError;

const FILE_NAME: &str = "config.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The platform of the last `keystroke auth login`, used when no `--platform-url` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_url: Option<String>,
    /// Settings per platform URL.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub platforms: BTreeMap<String, PlatformSettings>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSettings {
    /// Saved by `keystroke org switch` (or at sign-in when the user has one org).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_org: Option<String>,
    /// Where `keystroke auth login` put the token, so later commands read it from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_store: Option<StoreKind>,
}

impl Config {
    pub fn platform(&self, url: &str) -> Option<&PlatformSettings> {
        self.platforms.get(url)
    }

    pub fn platform_mut(&mut self, url: &str) -> &mut PlatformSettings {
        self.platforms.entry(url.to_string()).or_default()
    }

    pub fn active_org(&self, url: &str) -> Option<&str> {
        self.platform(url)?.active_org.as_deref()
    }
}

/// The directory of the config file: `KEYSTROKE_CONFIG_DIR`, else the OS config dir.
pub fn config_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = env::var(env::CONFIG_DIR) {
        return Ok(PathBuf::from(dir));
    }
    let dirs = directories::ProjectDirs::from("", "", "keystroke").ok_or_else(|| {
        CliError::failure("could not find a home directory for the config file")
            .with_hint(format!("set `{}` to a directory", env::CONFIG_DIR))
    })?;
    Ok(dirs.config_dir().to_path_buf())
}

pub fn load(dir: &Path) -> anyhow::Result<Config> {
    let path = dir.join(FILE_NAME);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(err) => return Err(err).with_context(|| format!("could not read {}", path.display())),
    };
    serde_json::from_str(&text).map_err(|err| {
        CliError::failure(format!("{} is not valid: {err}", path.display()))
            .with_hint("fix or delete the file; it holds no secrets")
            .into()
    })
}

pub fn save(dir: &Path, config: &Config) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(config)?;
    text.push('\n');
    write_private_file(dir, FILE_NAME, text.as_bytes())
}

/// Writes `dir/name` readable by the owner only, replacing it atomically so that a crash never
/// leaves a half-written file behind.
pub fn write_private_file(dir: &Path, name: &str, contents: &[u8]) -> anyhow::Result<()> {
    create_private_dir(dir)?;
    let path = dir.join(name);
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = open_private(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&temp, &path)
    };
    write().map_err(|err| {
        let _ = fs::remove_file(&temp);
        anyhow::Error::new(err).context(format!("could not write {}", path.display()))
    })
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("could not create {}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create(true).truncate(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_an_empty_config() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), Config::default());
    }

    #[test]
    fn saved_settings_load_back_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("keystroke");
        let mut config = Config { platform_url: Some("http://127.0.0.1:1".into()), ..Config::default() };
        let settings = config.platform_mut("http://127.0.0.1:1");
        settings.active_org = Some("acme".into());
        settings.credential_store = Some(StoreKind::Keyutils);
        save(&nested, &config).unwrap();
        assert_eq!(load(&nested).unwrap(), config);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(nested.join(FILE_NAME)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
