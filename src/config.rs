//! Non-secret settings: the platform last signed in to, and per platform the active org, the
//! credential store that holds its token and that token's session id. One JSON file, written
//! atomically with mode `0600`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::credentials::StoreKind;
use crate::env;
use crate::error::CliError;
use crate::private_files;

pub const FILE_NAME: &str = "config.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
// What serde says it expected, where it would name the type.
#[serde(expecting = "an object of keystroke's settings")]
pub struct Config {
    /// The platform of the last `keystroke auth login`, used when no `--platform-url` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_url: Option<String>,
    /// Settings per platform URL.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub platforms: BTreeMap<String, PlatformSettings>,
    /// What another version of keystroke saved that this one does not know: written back as it
    /// was, so that a command of this one (an `org switch`) does not lose it for that one.
    #[serde(flatten)]
    pub unknown: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSettings {
    /// Saved by `keystroke org switch` (or at sign-in when the user has one org).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_org: Option<String>,
    /// Where `keystroke auth login` put the token, so later commands read it from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_store: Option<StoreKind>,
    /// The id (not a secret) of the stored token's session, which `keystroke auth logout` names
    /// when it cannot reach the platform to end it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The session came with `auth login --with-token`: made by a sign-in elsewhere, which may
    /// still use it, so `auth logout` leaves it valid unless told to end it (`--revoke`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub session_from_token: bool,
    /// As [`Config::unknown`].
    #[serde(flatten)]
    pub unknown: serde_json::Map<String, serde_json::Value>,
}

impl Config {
    pub fn platform(&self, url: &str) -> Option<&PlatformSettings> {
        self.platforms.get(url)
    }

    pub fn platform_mut(&mut self, url: &str) -> &mut PlatformSettings {
        self.platforms.entry(url.to_string()).or_default()
    }

    /// Forgets the sign-in recorded for `url` in `store` (its store, its session's id and where
    /// that came from): once its token is gone, or was another's, this directory reads as signed
    /// out. A record of another store (a sign-in made meanwhile) stays.
    pub fn forget_sign_in(&mut self, url: &str, store: StoreKind) {
        let settings = self.platform_mut(url);
        if settings.credential_store == Some(store) {
            settings.credential_store = None;
            settings.session_id = None;
            settings.session_from_token = false;
        }
    }

    pub fn active_org(&self, url: &str) -> Option<&str> {
        self.platform(url)?.active_org.as_deref()
    }

    /// The store the platform's sign-in was saved in, as `auth login` recorded it.
    pub fn recorded_store(&self, url: &str) -> Option<StoreKind> {
        self.platform(url)?.credential_store
    }

    /// The platforms a sign-in is recorded for here (a store that holds its token).
    pub fn signed_in_platforms(&self) -> impl Iterator<Item = &str> {
        self.platforms.iter().filter(|(_, settings)| settings.credential_store.is_some()).map(|(url, _)| url.as_str())
    }
}

/// The directory of the config file: `KEYSTROKE_CONFIG_DIR`, else the OS config dir.
pub fn config_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = env::var(env::CONFIG_DIR) {
        return config_dir_from_env(&dir);
    }
    let dirs = directories::ProjectDirs::from("", "", "keystroke").ok_or_else(|| {
        CliError::failure("could not find a home directory for the config file")
            .with_hint(format!("set `{}` to a directory", env::CONFIG_DIR))
    })?;
    // The local one: on Windows the roaming profile's would copy an opt-in token file to its
    // server and to every machine the profile reaches (the same folder on Linux and macOS).
    Ok(dirs.config_local_dir().to_path_buf())
}

/// `KEYSTROKE_CONFIG_DIR`, where a leading `~` is the home directory (a CI file's `env:` sets it
/// with no shell to expand it; taken literally, it made a folder named `~` in the checkout and put
/// the config, and a token in the opt-in file, there); `~user` is refused, for the same reason. A
/// relative path is made absolute against the current directory, so that every message names the
/// folder a token went to.
fn config_dir_from_env(dir: &str) -> anyhow::Result<PathBuf> {
    let path = match dir.strip_prefix('~') {
        Some(rest) if rest.chars().next().is_none_or(std::path::is_separator) => {
            let home = directories::BaseDirs::new().ok_or_else(|| {
                CliError::usage(format!("`{}` starts with `~`, and this user has no home directory", env::CONFIG_DIR))
                    .with_hint("set it to an absolute path")
            })?;
            home.home_dir().join(rest.trim_start_matches(std::path::is_separator))
        }
        // `~user/…`: another user's home, which is theirs to expand, not a folder to make here.
        Some(rest) => {
            let user: String = rest.chars().take_while(|c| !std::path::is_separator(*c)).collect();
            return Err(CliError::usage(format!(
                "`{}` starts with `~{user}`, which keystroke does not expand (only `~` and `~/…`)",
                env::CONFIG_DIR
            ))
            .with_hint(format!("write that home directory out, or let a shell expand it (`~{user}` unquoted)"))
            .into());
        }
        None => PathBuf::from(dir),
    };
    std::path::absolute(&path).map_err(|err| {
        CliError::failure(format!("`{}` ({}) cannot be made absolute: {err}", env::CONFIG_DIR, crate::ids::quoted(dir)))
            .into()
    })
}

pub fn load(dir: &Path) -> anyhow::Result<Config> {
    let path = dir.join(FILE_NAME);
    let Some(text) = private_files::read(&path)? else {
        return Ok(Config::default());
    };
    // A byte-order mark, which some Windows editors put first, is no reason to refuse the file.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    serde_json::from_str(text).map_err(|err| {
        // A choice this version does not know (a credential store): a newer keystroke's, maybe.
        let newer = match err.to_string().starts_with("unknown variant") {
            true => "if a newer keystroke wrote it, update this one; else ",
            false => "",
        };
        CliError::failure(format!("{} is not valid: {err}", path.display()))
            .with_hint(format!(
                "{newer}fix or delete the file; it holds no secrets, only settings: deleted, it forgets the platform \
                 URL, the active org, which store holds a token, and which sign-ins came with `--with-token` (`auth \
                 logout` then ends their sessions, not leaves them valid)"
            ))
            .into()
    })
}

fn save(dir: &Path, config: &Config) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(config)?;
    text.push('\n');
    private_files::write(dir, FILE_NAME, text.as_bytes())
}

/// Reads the saved config, applies `change` and writes it back, under the directory's lock:
/// two commands at once (sign-ins to two platforms, say) each keep their change, where two
/// plain read-then-write rounds would lose one.
pub fn update<T>(dir: &Path, change: impl FnOnce(&mut Config) -> T) -> anyhow::Result<T> {
    let _lock = private_files::lock(dir)?;
    let mut config = load(dir)?;
    let result = change(&mut config);
    save(dir, &config)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn a_change_waits_while_another_holds_the_lock() {
        use std::sync::mpsc;
        use std::time::Duration;
        let dir = tempfile::tempdir().unwrap();
        let held = private_files::lock(dir.path()).unwrap();
        let (done, changed) = mpsc::channel();
        let path = dir.path().to_owned();
        let writer = std::thread::spawn(move || {
            update(&path, |config| config.platform_url = Some("http://127.0.0.1:8080".into())).unwrap();
            done.send(()).unwrap();
        });
        assert!(changed.recv_timeout(Duration::from_millis(300)).is_err(), "it waits while the lock is held");
        assert_eq!(load(dir.path()).unwrap(), Config::default());
        drop(held);
        changed.recv_timeout(Duration::from_secs(10)).expect("it goes on once the lock is released");
        writer.join().unwrap();
        assert_eq!(load(dir.path()).unwrap().platform_url.as_deref(), Some("http://127.0.0.1:8080"));
    }

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
        let mut names: Vec<_> = fs::read_dir(&nested).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, [".lock", FILE_NAME], "no temporary file is left behind, only the lock");
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_other_users_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o770, 0o1777, 0o702] {
            fs::set_permissions(dir.path(), fs::Permissions::from_mode(mode)).unwrap();
            let err = save(dir.path(), &Config::default()).unwrap_err();
            let err = err.downcast::<CliError>().unwrap();
            assert_eq!(
                err.message,
                format!(
                    "refusing to write {}: its directory is writable by other users (mode {mode:o}), \
                     who could read or replace it",
                    dir.path().join(FILE_NAME).display()
                )
            );
            // A shared directory by design (sticky, like /tmp) is not one to be told to chmod.
            let hint = err.hint.unwrap();
            assert_eq!(hint.contains("chmod go-w"), mode & 0o1000 == 0, "{hint}");
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
        }
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        save(dir.path(), &Config::default()).unwrap();
    }

    /// What another user could have written is not read either: a platform URL of theirs would
    /// receive the token.
    #[cfg(unix)]
    #[test]
    fn a_config_others_could_have_written_is_not_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let saved = Config { platform_url: Some("https://keystroke.example.com".into()), ..Config::default() };
        save(dir.path(), &saved).unwrap();
        let file = dir.path().join(FILE_NAME);
        let refusal = |path: &Path| load(path).unwrap_err().downcast::<CliError>().unwrap().message;
        let read = |path: &Path| load(path).unwrap().platform_url;
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(
            refusal(dir.path()),
            format!(
                "refusing to read {}: its directory is writable by other users (mode 777), who could replace it",
                file.display()
            )
        );
        // With the sticky bit (as `/tmp` has), nobody else may replace the file in it.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        assert_eq!(read(dir.path()), saved.platform_url);
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(
            refusal(dir.path()),
            format!(
                "refusing to read {}: it is writable by other users (mode 666), who could replace what it says",
                file.display()
            )
        );
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read(dir.path()), saved.platform_url, "readable by others is no danger: it holds no secret");
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_anyone_could_swap_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let outer = tempfile::tempdir().unwrap();
        let dir = outer.path().join("keystroke");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        fs::set_permissions(outer.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let err = save(&dir, &Config::default()).unwrap_err().downcast::<CliError>().unwrap();
        assert_eq!(
            err.message,
            format!(
                "refusing to write {}: its parent {} is writable by other users (mode 777), who could swap the \
                 directory for their own",
                dir.join(FILE_NAME).display(),
                outer.path().display()
            )
        );
        // Refused before the directory is made, deeper folders included: nothing is left behind.
        let not_yet = outer.path().join("not-yet").join("keystroke");
        let err = update(&not_yet, |_| ()).unwrap_err().downcast::<CliError>().unwrap();
        assert_eq!(
            err.message,
            format!(
                "refusing to write {}: it would be made in {}, which is writable by other users (mode 777), \
                 who could swap the directory for their own",
                not_yet.join(".lock").display(),
                outer.path().display()
            )
        );
        assert!(!outer.path().join("not-yet").exists());
        // With the sticky bit, as /tmp has, only the owner may rename it.
        fs::set_permissions(outer.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        save(&dir, &Config::default()).unwrap();
    }
}
