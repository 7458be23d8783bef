//! The files keystroke keeps in its config directory (`config.json`, the opt-in
//! `credentials.json`) and the lock beside them. Written atomically, readable by the user only,
//! in a directory nobody else can write; read only when nobody else could have written them.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::env;
use crate::error::CliError;

/// What keystroke writes in its config directory is a few kB at most.
const MAX_CONFIG_FILE_BYTES: u64 = 1 << 20;

/// A file keystroke wrote in its config directory (`config.json`, `credentials.json`), or `None`
/// when there is none. Anything else in its place is refused before it is read (a pipe would
/// wait forever and a link to `/dev/zero` fill the memory), and so is a file another user could
/// have written ([`refuse_untrusted`]).
pub fn read(path: &Path) -> anyhow::Result<Option<String>> {
    use std::io::Read;
    let not_ours = |what: &str| {
        CliError::failure(format!("{} is {what}, not a file keystroke wrote", path.display()))
            .with_hint("delete it (or move it away), then run the command again")
    };
    let file = match open_without_waiting(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(CliError::failure(format!("could not read {}: {err}", path.display()))
                .with_hint(format!(
                    "it should be yours and readable by you (`chmod 600 {}`); or set `{}` to another directory",
                    shell_word(path),
                    env::CONFIG_DIR
                ))
                .into());
        }
        Err(err) => return Err(err).with_context(|| format!("could not read {}", path.display())),
    };
    // What was opened, not what the path named a moment before.
    let metadata = file.metadata().with_context(|| format!("could not read {}", path.display()))?;
    if !metadata.is_file() {
        return Err(not_ours("not a regular file").into());
    }
    if metadata.len() > MAX_CONFIG_FILE_BYTES {
        return Err(not_ours("larger than 1 MiB").into());
    }
    // Whoever can replace the file can point the platform URL, and with it the token, at theirs:
    // the folder of the file a link leads to is held to the same rule as the config directory.
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    refuse_untrusted(dir, path, &metadata)?;
    if let Some(target) = link_target(path) {
        refuse_untrusted(target.parent().unwrap_or(Path::new("/")), &target, &metadata)?;
    }
    let mut bytes = Vec::new();
    // Bounded as well, should it grow while being read.
    file.take(MAX_CONFIG_FILE_BYTES)
        .read_to_end(&mut bytes)
        .with_context(|| format!("could not read {}", path.display()))?;
    String::from_utf8(bytes).map(Some).map_err(|_| not_ours("not UTF-8 text").into())
}

/// Opening a pipe for reading waits for a writer, unless told not to.
#[cfg(unix)]
fn open_without_waiting(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
fn open_without_waiting(path: &Path) -> std::io::Result<fs::File> {
    fs::File::open(path)
}

/// An exclusive lock on the config directory's files, for one read-change-write round; it ends
/// when the returned guard is dropped (or the process exits). Rounds never wait on the network
/// or a person; a sign-in's round waits on its credential stores, each call bounded by
/// `KEYSTROKE_KEYRING_TIMEOUT`, so waiting for the lock is brief; a holder that keeps it far
/// longer (stopped, or hung) gets this command refused, saying so, rather than waited on forever.
///
/// Taken again by the thread that holds it, it is the same lock: a sign-in holds it across its
/// token, its config and the copy it removes from another store, each of which takes it too.
/// (A process works in one config directory.)
pub fn lock(dir: &Path) -> anyhow::Result<DirLock> {
    /// How many credential store calls' worth of time a holder gets: a sign-in's round makes up
    /// to four (the previous tokens, the new one, a copy elsewhere), with time to spare.
    const LOCK_ROUNDS_OF_STORE_CALLS: u32 = 6;
    const LOCK_FILE: &str = ".lock";
    if HELD.get() > 0 {
        HELD.set(HELD.get() + 1);
        return Ok(DirLock { _file: None, _this_thread: std::marker::PhantomData });
    }
    let path = dir.join(LOCK_FILE);
    private_dir(dir, &path)?;
    let file = open_private(&path).map_err(|err| could_not("open", &path, err))?;
    // A holder's round is a few credential store calls, each bounded; one that holds it longer was
    // stopped (Ctrl-Z) or hangs, and waiting on it would hang this command with no word of why.
    let patience = env::keyring_timeout()? * LOCK_ROUNDS_OF_STORE_CALLS;
    let started = std::time::Instant::now();
    let exclusive = loop {
        match file.try_lock() {
            Ok(()) => break true,
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < patience => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(CliError::failure(format!(
                    "{LOCK_HELD} ({}) is held by another keystroke command: waited {:.1} s for it",
                    path.display(),
                    patience.as_secs_f64()
                ))
                .with_hint(
                    "let it finish, or end it (one stopped with Ctrl-Z is resumed with `fg`), then run this again",
                )
                .into());
            }
            // A file system without locks (some network mounts) only brings back the rare race
            // the lock prevents; refusing every sign-in there would be worse.
            Err(fs::TryLockError::Error(_)) => break false,
        }
    };
    EXCLUSIVE.set(exclusive);
    HELD.set(1);
    Ok(DirLock { _file: Some(file), _this_thread: std::marker::PhantomData })
}

/// How [`lock`]'s refusal begins, when another command holds the lock: see [`is_held_elsewhere`].
const LOCK_HELD: &str = "the config directory's lock";

/// Whether `err` is [`lock`]'s refusal because another command held the lock past the wait (and
/// not a directory that cannot be locked at all, which a sign-out may do without).
pub fn is_held_elsewhere(err: &anyhow::Error) -> bool {
    err.downcast_ref::<CliError>().is_some_and(|err| err.message.starts_with(LOCK_HELD))
}

thread_local! {
    /// How many [`DirLock`]s this thread holds: the first holds the file lock.
    static HELD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// Whether the lock the first holds keeps other processes out (not on a file system without
    /// locks).
    static EXCLUSIVE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The config directory's lock, held until dropped: see [`lock`]. Not `Send`: the count of
/// holders is the thread's.
pub struct DirLock {
    _file: Option<fs::File>,
    _this_thread: std::marker::PhantomData<*const ()>,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        HELD.set(HELD.get().saturating_sub(1));
    }
}

/// Writes `dir/name` readable by the owner only, replacing it atomically so that a crash never
/// leaves a half-written file behind.
///
/// The temporary file has a random name and is created with `O_EXCL` and mode `0600`, so nothing
/// planted in the directory beforehand (a symlink to somewhere the attacker can read, say) is
/// ever written through. A directory that other users may write to is refused outright: they
/// could replace what keystroke reads from it.
pub fn write(dir: &Path, name: &str, contents: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(name);
    private_dir(dir, &path)?;
    let _lock = lock(dir)?;
    remove_leftover_temps(dir, name, EXCLUSIVE.get());
    // A link to the file (a dotfiles manager's) stays a link: the file it leads to is replaced,
    // in its own folder, which must be as private as this one. A link to nothing is replaced.
    let linked = link_target(&path);
    let (dir, path) = match &linked {
        Some(target) => {
            let folder = target.parent().unwrap_or(Path::new("/"));
            refuse_shared_parent(Access::Write, folder, target)?;
            refuse_shared_dir(folder, target)?;
            // Another directory's files may be there too, written under its own lock.
            remove_leftover_temps(folder, name, false);
            (folder, target.clone())
        }
        None => (dir, path),
    };
    let (temp, mut file) = create_temp(dir, name).map_err(|err| could_not("write", &path, err))?;
    let mut write = || -> std::io::Result<()> {
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&temp, &path)
    };
    write().map_err(|err| {
        let _ = fs::remove_file(&temp);
        could_not("write", &path, err)
    })
}

/// A file of the config directory that could not be opened or written; where the directory
/// cannot be written at all (a read-only mount, a directory of root's), the way out is another.
fn could_not(verb: &str, path: &Path, err: std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind::{
        IsADirectory, NotADirectory, PermissionDenied, QuotaExceeded, ReadOnlyFilesystem, StorageFull,
    };
    let failure = CliError::failure(format!("could not {verb} {}: {err}", path.display()));
    let hint = match err.kind() {
        PermissionDenied | ReadOnlyFilesystem => {
            format!("make the directory writable, or set `{}` to one you can write", env::CONFIG_DIR)
        }
        IsADirectory => "a folder is where keystroke keeps that file: move it out of the way".to_owned(),
        NotADirectory => {
            format!("a file is where a folder of that path should be: set `{}` elsewhere", env::CONFIG_DIR)
        }
        StorageFull | QuotaExceeded => {
            "free some space on that disk (or your quota there), then run this again".to_owned()
        }
        _ => return failure.into(),
    };
    failure.with_hint(hint).into()
}

/// Where `path` leads when it is a link to a file (a dotfiles manager's); `None` for a file, or a
/// link to nothing.
fn link_target(path: &Path) -> Option<PathBuf> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|entry| entry.file_type().is_symlink());
    is_link.then(|| fs::canonicalize(path).ok()).flatten()
}

/// Removes the temporary files of writes of `name` that never finished (a process killed before
/// its rename): they may hold a token. Under the directory's lock (`exclusive`) no other write is
/// under way, so every one goes; else, where the file system gives no lock, those a minute old
/// (a write takes milliseconds). (An NFS mount with `local_lock` gives a lock that other machines
/// do not see: a config directory there shared by several machines is beyond what this covers.)
fn remove_leftover_temps(dir: &Path, name: &str, exclusive: bool) {
    const UNFINISHED_AFTER: std::time::Duration = std::time::Duration::from_secs(60);
    let prefix = format!(".{name}.");
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        // Regular files only: a link there is left alone, never followed.
        let Ok(metadata) = entry.metadata() else { continue };
        let old = exclusive
            || metadata.modified().ok().and_then(|at| at.elapsed().ok()).is_some_and(|age| age > UNFINISHED_AFTER);
        if metadata.is_file() && old && file_name.starts_with(&prefix) && file_name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A new file `dir/.name.RANDOM.tmp`, created by this call and by nobody else.
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, fs::File)> {
    const ATTEMPTS: usize = 16;
    for _ in 0..ATTEMPTS {
        let temp = dir.join(format!(".{name}.{}.tmp", random_suffix()));
        match open_new_private(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free temporary file name"))
}

/// 64 unpredictable bits: std's hasher keys come from the OS random source.
fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    hasher.write_u128(now.as_nanos());
    format!("{:016x}", hasher.finish())
}

/// The directory `path` is written in, created if need be, once it is known to be safe: like
/// ssh with `~/.ssh`, it must be the user's, writable by nobody else, and not inside a directory
/// where anyone could rename it away and put their own in its place. The parent is checked
/// first, so that a refusal leaves nothing behind.
fn private_dir(dir: &Path, path: &Path) -> anyhow::Result<()> {
    refuse_shared_parent(Access::Write, dir, path)?;
    create_private_dir(dir)?;
    refuse_shared_dir(dir, path)
}

/// What a refusal was about to do with a file in the config directory.
#[derive(Clone, Copy)]
enum Access {
    // Reads are refused on Unix modes only.
    #[cfg_attr(not(unix), allow(dead_code))]
    Read,
    Write,
}

impl Access {
    #[cfg(unix)]
    fn verb(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

#[cfg(unix)]
fn refuse(access: Access, path: &Path, why: String, hint: String) -> anyhow::Result<()> {
    Err(CliError::failure(format!("refusing to {} {}: {why}", access.verb(), path.display())).with_hint(hint).into())
}

#[cfg(unix)]
fn elsewhere() -> String {
    format!("or {}", own_directory())
}

#[cfg(unix)]
fn own_directory() -> String {
    format!("set `{}` to a directory only you can write", env::CONFIG_DIR)
}

/// The directory keystroke writes in must be the user's and writable by nobody else (reads have
/// their own, wider rule: [`refuse_untrusted`]).
#[cfg(unix)]
fn refuse_shared_dir(dir: &Path, path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let metadata = fs::metadata(dir).with_context(|| format!("could not read {}", dir.display()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if metadata.uid() != me {
        return refuse(
            Access::Write,
            path,
            format!("its directory belongs to another user (uid {}), who could read or replace it", metadata.uid()),
            format!("use a directory of your own: `chown {me} {}`, {}", shell_word(dir), elsewhere()),
        );
    }
    let mode = metadata.permissions().mode();
    if mode & 0o022 != 0 {
        // A directory with the sticky bit (`/tmp`) is shared by design: not one to make private.
        let hint = match mode & 0o1000 != 0 {
            true => format!("it is a shared directory (like /tmp): {}", own_directory()),
            false => format!("make the directory private with `chmod go-w {}`, {}", shell_word(dir), elsewhere()),
        };
        return refuse(
            Access::Write,
            path,
            format!(
                "its directory is writable by other users (mode {:o}), who could read or replace it",
                mode & 0o7777
            ),
            hint,
        );
    }
    Ok(())
}

#[cfg(unix)]
fn refuse_shared_parent(access: Access, dir: &Path, path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // `.` or `..` names its parent only once resolved (`absolute` keeps `..`, and a directory not
    // made yet cannot be resolved).
    let resolved = fs::canonicalize(dir).or_else(|_| std::path::absolute(dir)).ok();
    let dir = resolved.as_deref().unwrap_or(dir);
    let parent = dir.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // Folders still to be made are made private; the nearest that exists is the one to check.
    let existing = parent.ancestors().find(|folder| folder.as_os_str().is_empty() || folder.exists());
    let existing = existing.filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if let Ok(mode) = fs::metadata(existing).map(|m| m.permissions().mode()) {
        // Writable by others without the sticky bit (which /tmp has): they may rename what is in it.
        if mode & 0o022 != 0 && mode & 0o1000 == 0 {
            let (folder, mode) = (existing.display(), mode & 0o7777);
            let why = if existing == parent {
                format!("its parent {folder} is writable by other users (mode {mode:o}),")
            } else {
                format!("it would be made in {folder}, which is writable by other users (mode {mode:o}),")
            };
            return refuse(
                access,
                path,
                format!("{why} who could swap the directory for their own"),
                format!("run `chmod go-w {}` (or `chmod +t`), {}", shell_word(existing), elsewhere()),
            );
        }
    }
    Ok(())
}

/// A file of the config directory to read only if no other user could have written it, as ssh
/// reads `~/.ssh/config`: the file and its directory are the user's or root's (a directory set
/// up for them), the file writable by nobody else, the directory only with the sticky bit (where
/// nobody else may replace what is in it), and its parent as when writing.
#[cfg(unix)]
fn refuse_untrusted(dir: &Path, path: &Path, metadata: &fs::Metadata) -> anyhow::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    refuse_shared_parent(Access::Read, dir, path)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let trusted = |uid: u32| uid == me || uid == 0;
    // Root reading another user's files (`sudo` keeping `HOME`) is that user's to run.
    // Another user's file is theirs to change: the way out is elsewhere (or as them).
    let someone_elses = |what: &str, uid: u32| {
        let fix = if me == 0 { "run keystroke as the user it belongs to, not with sudo" } else { "ask its owner" };
        (format!("{what} belongs to another user (uid {uid}), who could replace it"), format!("{fix}, {}", elsewhere()))
    };
    let folder = fs::metadata(dir).with_context(|| format!("could not read {}", dir.display()))?;
    if !trusted(folder.uid()) {
        let (why, hint) = someone_elses("its directory", folder.uid());
        return refuse(Access::Read, path, why, hint);
    }
    let folder_mode = folder.permissions().mode() & 0o7777;
    if folder_mode & 0o022 != 0 && folder_mode & 0o1000 == 0 {
        return refuse(
            Access::Read,
            path,
            format!("its directory is writable by other users (mode {folder_mode:o}), who could replace it"),
            format!("make the directory private with `chmod go-w {}`, {}", shell_word(dir), elsewhere()),
        );
    }
    if !trusted(metadata.uid()) {
        let (why, hint) = someone_elses("it", metadata.uid());
        return refuse(Access::Read, path, why, hint);
    }
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return refuse(
            Access::Read,
            path,
            format!("it is writable by other users (mode {mode:o}), who could replace what it says"),
            format!("make it private with `chmod go-w {}`", shell_word(path)),
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_untrusted(_dir: &Path, _path: &Path, _metadata: &fs::Metadata) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared_parent(_access: Access, _dir: &Path, _path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared_dir(_dir: &Path, _path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|err| could_not("create", dir, err))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir).map_err(|err| could_not("create", dir, err))
}

/// Opens `path`, creating it with mode `0600` if needed. Only for files whose content does not
/// matter (the lock): anything planted there was refused with its directory.
#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Not waiting on a pipe planted there by the user's own hand: it fails instead (no reader).
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create(true).truncate(false).open(path)
}

/// `create_new` is `O_CREAT | O_EXCL`: it fails on anything already at `path`, a symlink included
/// (which it never follows).
#[cfg(unix)]
fn open_new_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn open_new_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

/// `path` as one word of a shell command to paste (`chmod 600 …`): quoted when it holds anything
/// but letters, digits and `/._-+,:@%=` (the macOS default, `~/Library/Application Support/…`,
/// holds a space).
pub fn shell_word(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c);
    match !text.is_empty() && text.chars().all(plain) {
        true => text,
        false => format!("'{}'", text.replace('\'', r"'\''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_commands_to_paste_are_quoted_when_they_must_be() {
        assert_eq!(shell_word(Path::new("/home/ada/.config/keystroke")), "/home/ada/.config/keystroke");
        assert_eq!(
            shell_word(Path::new("/Users/ada/Library/Application Support/keystroke")),
            "'/Users/ada/Library/Application Support/keystroke'"
        );
        assert_eq!(shell_word(Path::new("/tmp/it's")), r"'/tmp/it'\''s'");
    }

    #[test]
    fn temporary_files_get_unpredictable_names() {
        let dir = tempfile::tempdir().unwrap();
        let (first, _) = create_temp(dir.path(), "config.json").unwrap();
        let (second, _) = create_temp(dir.path(), "config.json").unwrap();
        assert_ne!(first, second);
        let name = first.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with(".config.json.") && name.ends_with(".tmp"), "{name}");
        assert!(!name.contains(&std::process::id().to_string()), "{name}");
    }

    /// A `config.json` that links elsewhere (a dotfiles manager's) stays a link: the file it leads
    /// to is written, unless its folder is one others may write.
    #[cfg(unix)]
    #[test]
    fn a_link_to_the_file_is_written_through_to_a_private_folder() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let (dir, dotfiles) = (home.path().join("config"), home.path().join("dotfiles"));
        fs::create_dir(&dir).unwrap();
        fs::create_dir(&dotfiles).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        fs::set_permissions(&dotfiles, fs::Permissions::from_mode(0o755)).unwrap();
        let target = dotfiles.join("keystroke.json");
        fs::write(&target, "{}").unwrap();
        std::os::unix::fs::symlink(&target, dir.join("config.json")).unwrap();

        write(&dir, "config.json", b"{\"written\": true}").unwrap();
        assert!(fs::symlink_metadata(dir.join("config.json")).unwrap().file_type().is_symlink(), "still a link");
        assert_eq!(fs::read_to_string(&target).unwrap(), "{\"written\": true}");
        assert_eq!(fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);

        assert_eq!(read(&dir.join("config.json")).unwrap().as_deref(), Some("{\"written\": true}"), "and read there");

        fs::set_permissions(&dotfiles, fs::Permissions::from_mode(0o777)).unwrap();
        let refused = write(&dir, "config.json", b"{}").unwrap_err().to_string();
        assert!(refused.contains("writable by other users"), "{refused}");
        let unread = read(&dir.join("config.json")).unwrap_err().to_string();
        assert!(unread.contains("refusing to read"), "nor read there: {unread}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "{\"written\": true}", "left as it was");
    }

    /// A write killed before its rename leaves its temporary file, which may hold a token: the
    /// next write of that file removes it, under the lock at once (a link is left alone, and its
    /// target untouched); where the file system gives no lock, once it is a minute old.
    #[cfg(unix)]
    #[test]
    fn a_write_removes_the_temporary_files_of_writes_that_never_finished() {
        let dir = tempfile::tempdir().unwrap();
        let temp = |name: &str, contents: &str, age_secs: u64| {
            let path = dir.path().join(name);
            fs::write(&path, contents).unwrap();
            let modified = std::time::SystemTime::now() - std::time::Duration::from_secs(age_secs);
            fs::File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();
            path
        };
        let leftover = temp(".credentials.json.Ab3dE.tmp", r#"{"tokens":{"http://a":"kss_left_behind"}}"#, 120);
        let just_left = temp(".credentials.json.Cd4eF.tmp", r#"{"tokens":{"http://a":"kss_just_left"}}"#, 0);
        let other = temp(".config.json.Xy9Zz.tmp", "{}", 120);
        let target = dir.path().join("kept");
        fs::write(&target, "kept").unwrap();
        let link = dir.path().join(".credentials.json.link.tmp");
        std::os::unix::fs::symlink(&target, &link).unwrap();

        // Without a lock, one just made may be a write under way.
        remove_leftover_temps(dir.path(), "credentials.json", false);
        assert!(!leftover.exists(), "removed");
        assert!(just_left.exists(), "left to its writer");

        write(dir.path(), "credentials.json", b"{}").unwrap();
        assert!(!just_left.exists(), "under the lock no write is under way: removed at once");
        assert!(other.exists(), "another file's write is another round");
        assert!(fs::symlink_metadata(&link).is_ok() && fs::read_to_string(&target).unwrap() == "kept");
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_never_written_through() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("readable-by-the-attacker");
        fs::write(&victim, "").unwrap();
        let planted = dir.path().join(".credentials.json.tmp");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();

        let err = open_new_private(&planted).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&victim).unwrap(), "");

        // A dangling symlink is refused too, rather than followed to create its target.
        let dangling = dir.path().join(".config.json.dangling.tmp");
        std::os::unix::fs::symlink(dir.path().join("created-by-the-link"), &dangling).unwrap();
        assert!(open_new_private(&dangling).is_err());
        assert!(!dir.path().join("created-by-the-link").exists());

        let file = open_new_private(&dir.path().join("fresh")).unwrap();
        assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    }
}
