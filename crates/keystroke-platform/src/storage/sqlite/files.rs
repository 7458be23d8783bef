//! What a database path leads to, checked before SQLite opens it, and the permissions of the
//! files SQLite keeps there.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use rusqlite::Connection;

use super::lock_wait::wait_while_locked;

/// The database holds password and token digests: keep it, its WAL and its shared-memory file
/// from other users, taking away their permissions only (a file its owner made read-only stays
/// read-only, and writing to it then fails saying so).
pub(super) fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let file = beside(path, suffix);
            let Ok(metadata) = std::fs::metadata(&file) else { continue };
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0
                && let Err(error) = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700))
            {
                // Not fatal (the owner may know better), but never silent: others can read it.
                tracing::warn!(
                    file = %file.display(),
                    mode = format!("{mode:o}"),
                    %error,
                    "could not keep other users from reading the database; `chmod go-rwx` it"
                );
            }
        }
    }
}

/// Gives `-wal` and `-shm` back their owner's write permission once the database has it again.
/// SQLite makes them with the database's mode, so a read while it was read-only left them
/// read-only, and they stayed so after the owner's `chmod u+w` on the database: the owner's next
/// command could not write them. Done by their owner only, before SQLite opens them: root, who
/// can write them as they are, leaves them so rather than change another user's files, or its own
/// in a folder that another user could fill with links between the check and the `chmod`.
pub(super) fn companions_follow_database(path: &Path) {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        mend_companions(path, me);
    }
}

#[cfg(unix)]
fn mend_companions(path: &Path, me: u32) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(database) = std::fs::metadata(path) else { return };
    if me == 0 || database.uid() != me || database.permissions().mode() & 0o200 == 0 {
        return;
    }
    for suffix in ["-wal", "-shm"] {
        let file = beside(path, suffix);
        let Ok(metadata) = std::fs::symlink_metadata(&file) else { continue };
        let mode = metadata.permissions().mode() & 0o777;
        if metadata.is_file() && metadata.uid() == me && mode & 0o200 == 0 {
            let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode((mode & 0o700) | 0o200));
        }
    }
}

/// Whether this process may write `file` (root may write a read-only one).
#[cfg(unix)]
pub(super) fn may_write(file: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(file.as_os_str().as_bytes()) else { return true };
    // SAFETY: a valid NUL-terminated path; access only reads it.
    unsafe { libc::access(c_path.as_ptr(), libc::W_OK) == 0 }
}

/// Makes a database about to be created, empty and `0600`, before SQLite does: SQLite would make
/// it with the umask's mode (`0644`, usually), and another user who opened it in the moment before
/// [`restrict_permissions`] would keep reading it for as long as they hold it open. SQLite then
/// takes the empty file for a new database, and makes `-wal` and `-shm` with its mode. A file that
/// appeared there meanwhile must be this user's regular file (in a shared folder such as `/tmp`,
/// another user could put theirs, or a link, in its place); other failures are left for SQLite's
/// own attempt to explain.
pub(super) fn create_private(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    match create_new_private(path) {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => refuse_planted(path)?,
        _ => {}
    }
    Ok(())
}

/// Refuses to make a new database where a missing one's write-ahead log is still there (the file
/// moved, or deleted, while the platform ran): that log holds the missing database's latest
/// changes, which SQLite would discard for a new, empty one. The log is looked at before the path
/// again: another process making the same new database at this moment writes its own log only
/// after its file.
pub(super) fn refuse_a_missing_databases_log(path: &Path) -> anyhow::Result<()> {
    let log = beside(path, "-wal");
    match std::fs::metadata(&log) {
        Ok(file) if file.len() > 0 && matches!(path.try_exists(), Ok(false)) => anyhow::bail!(
            "{} is missing, but its write-ahead log {} ({} bytes) is there: it holds the missing database's latest \
             changes, which a new database made there would discard (put the database back where it was; to \
             restore a backup or start anew, remove {} and {} first)",
            path.display(),
            log.display(),
            file.len(),
            log.display(),
            beside(path, "-shm").display()
        ),
        _ => Ok(()),
    }
}

/// A new, empty file that only this user may read and write (`0600`); fails on anything already
/// at `path`, a link included.
pub(super) fn create_new_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut new_file = std::fs::OpenOptions::new();
    new_file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut new_file, 0o600);
    new_file.open(path)
}

/// A database file that is there already and is another user's: opened as it is when it is a
/// database in a folder nobody else may write (root running an admin command on the service
/// user's, say); refused when it is empty (a new database would be made in a file its owner reads)
/// or in a folder anyone may write, such as `/tmp`, where another user could have put it.
pub(super) fn refuse_planted(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(found) = std::fs::symlink_metadata(path) else { return Ok(()) };
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if found.uid() == me {
            return Ok(());
        }
        // Users other than the folder's owner may make files in it (`/tmp`, a group's folder).
        let shared_folder = folder_mode(path).is_some_and(|mode| mode & 0o022 != 0);
        anyhow::ensure!(
            found.is_file() && found.len() > 0 && !shared_folder,
            "{} is another user's (uid {}){}: it could read what the platform writes there; give `--db` a path in a \
             folder only you can write",
            path.display(),
            found.uid(),
            if found.len() == 0 { ", and empty" } else { ", in a folder others may write" }
        );
    }
    Ok(())
}

/// A folder every user of the machine may make files in (`/tmp`, a `777` folder) is refused for
/// the database, before SQLite opens anything there: another user could put a write-ahead log (or
/// rollback journal) beside it, which SQLite would play into the database as its latest changes
/// (their accounts in place of ours), or swap one in while the platform runs; run as root, SQLite
/// even makes a log it opens the database owner's. A folder its group may write is the group's to
/// trust, and warned about ([`warn_of_a_group_folder`]): what is beside the database there must
/// be this user's (another user's database there is refused already, [`refuse_planted`]).
pub(super) fn refuse_a_shared_folder(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let folder = folder_of(path);
        let Some(mode) = folder_mode(path) else { return Ok(()) };
        anyhow::ensure!(
            mode & 0o002 == 0,
            "{} lets every user of this machine make files in it (mode {:o}): another could put a log beside the \
             database that SQLite would play into it as its latest changes; give `--db` a path in a folder only you \
             can write (`install -d -m 700 FOLDER`)",
            folder.display(),
            mode & 0o7777
        );
        if mode & 0o020 == 0 {
            return Ok(());
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        for suffix in ["-wal", "-shm", "-journal"] {
            let file = beside(path, suffix);
            let Ok(found) = std::fs::symlink_metadata(&file) else { continue };
            anyhow::ensure!(
                found.uid() == me,
                "{} is uid {}'s, not this user's, in a folder its group may write: SQLite would take it for the \
                 database's own (a log's changes are played into the database); both were left as they are: find \
                 out who made it (never remove a running platform's log: it holds its latest changes), and give the \
                 database a folder only its user can write",
                file.display(),
                found.uid()
            );
        }
    }
    Ok(())
}

/// A database in a folder its group may write is warned about: the group's members could put
/// files beside it.
pub(super) fn warn_of_a_group_folder(path: &Path) {
    #[cfg(unix)]
    if folder_mode(path).is_some_and(|mode| mode & 0o020 != 0) {
        tracing::warn!(
            folder = %folder_of(path).display(),
            "the database's folder lets its group make files in it, which SQLite could take for the database's own; \
             give the database a folder only its user can write"
        );
    }
}

/// The folder `path` is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The permission bits of the folder `path` is in, when it can be read.
#[cfg(unix)]
fn folder_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(folder_of(path)).ok().map(|folder| folder.permissions().mode())
}

/// A database its owner made read-only (no owner write permission), which stays so whoever opens
/// it, root included.
pub(super) fn made_read_only(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|file| file.is_file() && file.permissions().mode() & 0o200 == 0)
    }
    #[cfg(not(unix))]
    false
}

/// A file SQLite keeps beside the database (`-wal`, `-shm`), named by `suffix`.
pub(super) fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut file = path.as_os_str().to_owned();
    file.push(suffix);
    file.into()
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Create {
    Yes,
    No,
}

/// The file a database path names, checked before SQLite opens it. A symbolic link is followed
/// here: SQLite keeps `-wal` and `-shm` beside the file it leads to, and those hold password
/// hashes, so [`restrict_permissions`] must find them there (a link to nothing is refused, since
/// SQLite would create the file and those beside it where this code does not look). Anything but
/// a regular file (a folder, a device such as `/dev/null`, a pipe) is refused: opening it would
/// change its permissions for everyone and leave a journal beside it.
pub(super) fn database_file(path: &Path) -> anyhow::Result<PathBuf> {
    let shown = path.display();
    // Where it was given, a link included (one planted in `/tmp` may lead anywhere), and below
    // where a link leads.
    refuse_a_shared_folder(path)?;
    let is_link = match std::fs::symlink_metadata(path) {
        // Not there: a new database (a missing folder is named when SQLite cannot create it).
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(path.to_owned()),
        Err(error) => return Err(error).with_context(|| format!("cannot read the database {shown}")),
        Ok(entry) => entry.is_symlink(),
    };
    let target = match std::fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => bail!(
            "{shown} is a symbolic link to a file that does not exist: give `--db` the path of the database itself"
        ),
        Err(error) => return Err(error).with_context(|| format!("cannot read the database {shown}")),
        Ok(target) => target,
    };
    if !target.is_file() {
        bail!("{shown} is not a regular file (a folder, a device or a pipe): give `--db` the platform's database file");
    }
    if !is_link {
        return Ok(path.to_owned());
    }
    let target = std::fs::canonicalize(path).with_context(|| format!("cannot read the database {shown}"))?;
    refuse_a_shared_folder(&target)?;
    Ok(target)
}

/// A SQLite file of another program is refused before anything is written to it: migrating it
/// would add keystroke's tables to someone else's data, and WAL mode would stay switched on. A
/// database is keystroke's when it is empty (new) or has a schema version and keystroke's tables.
/// `path` is [`database_file`]'s: a place SQLite may open.
pub(super) fn refuse_another_programs_database(path: &Path) -> anyhow::Result<()> {
    // Read without taking locks (see `open_untouched`), the file may be caught halfway through
    // another process's checkpoint, as when platforms start together on a new database: any
    // verdict but "keystroke's" is taken only if it still holds a moment later.
    const ATTEMPTS: u32 = 3;
    let mut attempt = 1;
    loop {
        match is_keystrokes_or_new(path) {
            Ok(true) => return Ok(()),
            Ok(false) if attempt == ATTEMPTS => bail!(
                "{} is a SQLite database of another program (its tables are not keystroke's); it was left as it \
                 is: give `--db` the platform's database, or a new file",
                path.display()
            ),
            Err(error) if attempt == ATTEMPTS => return Err(error),
            _ => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Whether the file at `path` is empty (a new database) or has a schema version and keystroke's
/// tables.
fn is_keystrokes_or_new(path: &Path) -> anyhow::Result<bool> {
    if is_new_database(path) {
        return Ok(true);
    }
    let conn = open_untouched(path)?;
    conn.busy_handler(Some(wait_while_locked))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(|e| cannot_open(path, e))?;
    let tables = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").and_then(|mut tables| {
        tables.query_map([], |row| row.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()
    });
    let tables = tables.map_err(|error| cannot_open(path, error))?;
    let ours = ["users", "orgs", "api_keys"].iter().all(|table| tables.iter().any(|name| name == table));
    Ok((version == 0 && tables.is_empty()) || (version > 0 && ours))
}

/// A SQLite database with nothing in it (no schema version, no table), which a command that
/// reads users would otherwise take for a new one and make keystroke's.
pub fn is_empty_database(path: &Path) -> bool {
    // Where SQLite may open it ([`database_file`]); what it may not, `open` refuses saying why.
    let Ok(path) = database_file(path) else { return false };
    if is_new_database(&path) {
        return false;
    }
    let Ok(conn) = open_untouched(&path) else { return false };
    let version: Option<i64> = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).ok();
    let tables: Option<i64> =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |row| row.get(0)).ok();
    version == Some(0) && tables == Some(0)
}

/// A missing or empty file: a database to create.
pub fn is_new_database(path: &Path) -> bool {
    std::fs::metadata(path).map_or(true, |file| file.len() == 0)
}

/// A read-only connection that leaves no file behind: without a `-wal` file the database is read
/// as immutable (a plain read-only open of a WAL-mode file would create `-wal` and `-shm` files
/// beside it); with one, that file and its `-shm` exist already and hold what was written last.
/// Never in a folder others may write: its callers checked ([`refuse_a_shared_folder`]).
fn open_untouched(path: &Path) -> anyhow::Result<Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let opened = match beside(path, "-wal").exists() {
        true => Connection::open_with_flags(path, flags),
        false => {
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
            let escaped = percent_encoding::utf8_percent_encode(&absolute.to_string_lossy(), URI_PATH).to_string();
            Connection::open_with_flags(format!("file:{escaped}?immutable=1"), flags | OpenFlags::SQLITE_OPEN_URI)
        }
    };
    opened.map_err(|error| cannot_open(path, error))
}

/// What a file path must escape to go into a `file:` URI.
const URI_PATH: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'?').add(b'<').add(b'>');

/// Why a database could not be opened, with what to check: SQLite's own words ("unable to open
/// database file") name neither the path nor the usual causes.
pub(super) fn cannot_open(path: &Path, error: rusqlite::Error) -> anyhow::Error {
    let shown = path.display();
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::CannotOpen) => {
            anyhow::anyhow!("cannot open the database {shown}: {}", why_not_opened(path))
        }
        Some(rusqlite::ErrorCode::ReadOnly) => read_only(path),
        Some(rusqlite::ErrorCode::NotADatabase) => {
            anyhow::anyhow!("{shown} is not a SQLite database: give `--db` the platform's database, or a new file")
        }
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => damaged(path),
        _ => anyhow::Error::new(error).context(format!("opening database {shown}")),
    }
}

/// A database whose pages SQLite finds malformed (a disk's failure, a copy made while it was
/// written, another program's changes).
pub(super) fn damaged(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{} is damaged: SQLite finds its pages malformed. It was left as it is: restore the latest backup (README, \
         \"Backups, restores and upgrades\"); the `sqlite3` shell's `.recover` may save what can still be read",
        path.display()
    )
}

/// The likeliest reason SQLite could not open `path`, told from what is there: a folder that
/// does not exist, or a file (or a folder this user may not write) of another user: the
/// database made as root, then served as the service user.
fn why_not_opened(path: &Path) -> String {
    let folder = folder_of(path);
    if let Err(error) = std::fs::metadata(folder) {
        return match error.kind() {
            std::io::ErrorKind::NotFound => format!(
                "its folder {shown} does not exist: create it (`install -d -m 700 {shown}`)",
                shown = folder.display()
            ),
            _ => format!("its folder {} cannot be reached by this user ({error})", folder.display()),
        };
    }
    if own_read_only_folder(folder) {
        // As for a database that is there ([`read_only`]): the folder is this user's to change.
        return format!(
            "its folder {shown} is read-only (its owner may not write it either): `chmod u+w {shown}`, as its owner",
            shown = folder.display()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let of_another_user = [path.to_owned(), beside(path, "-wal"), beside(path, "-shm"), folder.to_owned()]
            .into_iter()
            .filter(|file| !may_write(file))
            .filter_map(|file| std::fs::metadata(&file).ok().map(|metadata| (file, metadata)))
            .find(|(_, metadata)| metadata.uid() != me);
        if let Some((file, metadata)) = of_another_user {
            return format!(
                "{} belongs to uid {} (mode {:o}), and this runs as uid {me}: run it as that user, or give the \
                 database's folder and files to this one",
                file.display(),
                metadata.uid(),
                metadata.permissions().mode() & 0o7777
            );
        }
    }
    "check that this user may write to it and to its folder (SQLite keeps `-wal` and `-shm` files beside it)".to_owned()
}

pub(super) fn read_only(path: &Path) -> anyhow::Error {
    if made_read_only(path) {
        // Its owner's choice, whoever runs the command (root included): said as such.
        return anyhow::anyhow!(
            "the database {} is read-only (its owner may not write it either): `chmod u+w {}`, as its owner, to \
             let the platform change it",
            path.display(),
            path.display()
        );
    }
    if let Some(folder) = path.parent().filter(|folder| own_read_only_folder(folder)) {
        // The folder is this user's: "run as the owner" would send them in circles.
        return anyhow::anyhow!(
            "the database's folder {} is read-only (its owner may not write it either), and SQLite makes its \
             `-wal` and `-shm` files there: `chmod u+w {}`, as its owner",
            folder.display(),
            folder.display()
        );
    }
    anyhow::anyhow!(
        "the database {} is read-only for this user: run as the user who owns it, or let that user write to it \
         and to its directory (SQLite keeps `-wal` and `-shm` files beside it)",
        path.display()
    )
}

/// A folder of this user's that nobody may write to (no `w` in its mode).
fn own_read_only_folder(folder: &Path) -> bool {
    let folder = if folder.as_os_str().is_empty() { Path::new(".") } else { folder };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        std::fs::metadata(folder)
            .is_ok_and(|meta| meta.is_dir() && meta.uid() == me && meta.permissions().mode() & 0o222 == 0)
    }
    #[cfg(not(unix))]
    false
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    use super::*;

    /// The owner's `-wal` gets its write bit back (and loses others' bits); a link is left alone,
    /// and so is everything when the caller is root or not the owner.
    #[test]
    fn companions_follow_a_database_made_writable_again_for_their_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        let elsewhere = dir.path().join("elsewhere");
        for file in [&db, &beside(&db, "-wal"), &elsewhere] {
            std::fs::write(file, "").unwrap();
        }
        std::os::unix::fs::symlink(&elsewhere, beside(&db, "-shm")).unwrap();
        let set = |file: &Path, mode| std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).unwrap();
        let mode = |file: &Path| std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        set(&db, 0o600);
        set(&beside(&db, "-wal"), 0o444);
        set(&elsewhere, 0o400);
        // As a user who is not root: root made the files this test's own uid's where it can.
        // SAFETY: geteuid has no preconditions and cannot fail.
        let owner = match unsafe { libc::geteuid() } {
            0 => {
                for file in [&db, &beside(&db, "-wal"), &elsewhere] {
                    std::os::unix::fs::chown(file, Some(4242), None).unwrap();
                }
                4242
            }
            me => me,
        };
        assert_eq!(std::fs::metadata(&db).unwrap().uid(), owner);
        mend_companions(&db, 0);
        mend_companions(&db, owner + 1);
        assert_eq!(mode(&beside(&db, "-wal")), 0o444, "root and other users leave it");
        mend_companions(&db, owner);
        assert_eq!(mode(&beside(&db, "-wal")), 0o600);
        assert_eq!(mode(&elsewhere), 0o400, "a link is not followed");
    }
}
