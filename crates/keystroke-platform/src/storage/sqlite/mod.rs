//! [`Storage`](crate::storage::Storage) on SQLite in WAL mode, with a pool of connections: one is
//! opened whenever none is idle, up to [`MAX_CONNECTIONS`], and up to [`MAX_IDLE`] are kept for
//! reuse.
//!
//! [`files`] checks what a path leads to before SQLite opens it, [`migrations`] brings the schema
//! up to date, [`lock_wait`] is how a statement waits for another connection's lock, and
//! [`queries`] implements the storage traits, a file for each. A serving platform also holds a read
//! lock for its requests ([`read_lock`]).

mod files;
mod lock_wait;
mod migrations;
mod queries;
mod read_lock;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use rusqlite::{Connection, TransactionBehavior, params};

use super::{LAST_USED_RESOLUTION_SECS, Result, Timestamp};
use crate::logging::OnceAMinute;
use files::{
    Create, beside, cannot_open, companions_follow_database, create_new_private, create_private, damaged,
    database_file, made_read_only, may_write, read_only, refuse_a_missing_databases_log,
    refuse_another_programs_database, refuse_planted, restrict_permissions, warn_of_a_group_folder,
};
use lock_wait::{is_busy, wait_while_locked, with_lock_patience};
use migrations::migrate;
use read_lock::HeldReadLock;

pub use files::{is_empty_database, is_new_database};
#[cfg(feature = "test-support")]
pub use lock_wait::statements_waiting_for_a_lock;
pub use lock_wait::{MAX_LOCK_WAITERS, is_locked_out};
pub use migrations::known_schema;

/// At most this many connections are open at once, each with three file descriptors (the
/// database, its WAL, its shared memory) that the server keeps back for them. Requests are sync
/// work on a connection, so at ordinary times about as many are in use as the runtime has workers;
/// the rest is for writes waiting out another writer's lock, each holding one. A write that would
/// need one more is answered as the lock's waiters beyond [`MAX_LOCK_WAITERS`] are: busy (503).
pub const MAX_CONNECTIONS: usize = 96;

/// Connections kept open for reuse once given back; those beyond (a burst of writes that waited
/// on a lock) are closed, which gives back their memory (a page cache each). SQLite keeps a
/// closed connection's database descriptor for the next connection it opens while another one of
/// the process holds a lock on the file (closing it would drop that lock), so the descriptors stay
/// within what [`MAX_CONNECTIONS`] took.
const MAX_IDLE: usize = 16;

pub struct SqliteStorage {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Connections open, idle or in use (not counting [`HeldReadLock`]'s own).
    open: AtomicUsize,
    /// Held by a serving platform only ([`SqliteStorage::for_serving`]).
    read_lock: Option<HeldReadLock>,
}

/// A pooled connection, returned to the pool on drop.
struct Pooled<'a> {
    conn: Option<Connection>,
    pool: &'a SqliteStorage,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until drop")
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("present until drop")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            } else {
                drop(idle);
                self.pool.closed(conn);
            }
        }
    }
}

/// Said as SQLite's "busy", which the API answers as it does a lock waited out: 503, try again.
fn all_connections_in_use() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
        Some(format!(
            "all {MAX_CONNECTIONS} database connections are in use (writes waiting for another writer's lock)"
        )),
    )
}

/// Copies the database at `path` to `to`, a new file only this user can read (it holds password
/// and token digests), with what is still in the WAL: one read transaction, so a platform
/// serving it meanwhile neither waits nor tears the copy (a copy of the file alone misses the
/// latest writes). The database is opened read-only and copied as it is, never migrated: a
/// backup taken before an upgrade must keep the old schema, and so must the database.
pub fn backup(path: &Path, to: &Path) -> anyhow::Result<()> {
    use rusqlite::OpenFlags;
    let path = &database_file(path)?;
    refuse_another_programs_database(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|error| cannot_open(path, error))?;
    if let Err(error) = create_new_private(to) {
        return Err(match error.kind() {
            std::io::ErrorKind::AlreadyExists => {
                anyhow!("{} exists already: name a new file for the backup", to.display())
            }
            _ => anyhow::Error::new(error).context(format!("cannot create {}", to.display())),
        });
    }
    // SQLite writes into the empty file it is given, keeping its mode; by its absolute path, since
    // a relative `file:…` would be read as a URI and written elsewhere. It does not sync what it
    // wrote: done here, before the copy is said to be made.
    let copied = (|| -> anyhow::Result<()> {
        let target = std::path::absolute(to)?;
        let target = target.to_str().with_context(|| format!("{} is not a UTF-8 path", to.display()))?;
        conn.execute("VACUUM INTO ?1", [target])?;
        std::fs::File::open(to)?.sync_all()?;
        Ok(())
    })();
    if let Err(error) = copied {
        let _ = std::fs::remove_file(to);
        return Err(error.context(format!("backing up {} to {}", path.display(), to.display())));
    }
    Ok(())
}

/// The database deleted or moved while the platform ran. Its `-wal` and `-shm` files stay
/// behind (SQLite does not remove those of a file that is gone), and SQLite would apply them to
/// whatever database is put in its place: to a backup, they are garbage that damages it.
fn gone(path: &Path) -> anyhow::Error {
    anyhow!(
        "the database {} is gone (deleted or moved while the platform ran): move it back, then restart the \
         platform; to restore a backup instead, stop the platform and remove {} and {} first (they belong to the \
         missing file, and would damage the backup)",
        path.display(),
        beside(path, "-wal").display(),
        beside(path, "-shm").display()
    )
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let path = &database_file(path)?;
        warn_of_a_group_folder(path);
        refuse_another_programs_database(path)?;
        let storage = SqliteStorage {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            open: AtomicUsize::new(1),
            read_lock: None,
        };
        let mut conn = storage.connect(Create::Yes)?;
        migrate(&mut conn).map_err(|error| {
            // A database this user may only read, with a migration pending.
            let read_only_refusal =
                error.downcast_ref::<rusqlite::Error>().and_then(rusqlite::Error::sqlite_error_code);
            match read_only_refusal {
                // An up-to-date database is not written to by `migrate`: this one is older.
                Some(rusqlite::ErrorCode::ReadOnly) => read_only(path).context(
                    "the database was made by an older keystroke-platform, and upgrading it to this version's schema \
                     writes to it",
                ),
                Some(rusqlite::ErrorCode::DatabaseCorrupt) => damaged(path),
                _ => error.context(format!("migrating database {}", path.display())),
            }
        })?;
        storage.idle.lock().unwrap().push(conn);
        Ok(storage)
    }

    /// The storage of a platform that serves requests (`serve`, `dev`): [`SqliteStorage::open`]
    /// for a database this user may write ([`SqliteStorage::require_writable`]), served
    /// [`SqliteStorage::for_serving`].
    pub fn open_for_serving(path: &Path) -> anyhow::Result<Self> {
        let storage = SqliteStorage::open(path)?;
        storage.require_writable()?;
        storage.for_serving()
    }

    /// A connection of its own holds the database's read lock, so that the requests' read
    /// transactions take theirs without a system call (see [`read_lock`]). Admin commands, with a
    /// statement or two, go without.
    pub fn for_serving(mut self) -> anyhow::Result<Self> {
        let holder = self.connect(Create::No)?;
        let known = migrations::known_schema();
        let holder = HeldReadLock::start(holder, known).context("starting the thread that holds the read lock")?;
        self.read_lock = Some(holder);
        Ok(self)
    }

    /// For a serving storage: the schema version the database was upgraded to by another process
    /// (a newer keystroke-platform) while this one served it, which this version cannot serve.
    pub fn outgrown_schema(&self) -> Option<usize> {
        self.read_lock.as_ref().and_then(HeldReadLock::outgrown_schema)
    }

    /// Refuses a database this user may only read: a platform serving it would start, then fail
    /// every sign-in and every key it was asked to create.
    pub fn require_writable(&self) -> anyhow::Result<()> {
        if self.conn()?.is_readonly(rusqlite::MAIN_DB)? {
            return Err(read_only(&self.path));
        }
        // SQLite makes `-wal` and `-shm` with the database's mode: a read of a database made
        // read-only leaves them read-only after the database is writable again, which
        // `companions_follow_database` mends for their owner (root writes them as they are);
        // anyone else is told. Told from their modes and `access`: opening them here and closing
        // them again would drop the locks SQLite holds on them (POSIX locks belong to the process,
        // and any close releases them), and another process would then truncate the shared memory
        // this one has mapped (SIGBUS).
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let Ok(database) = std::fs::metadata(&self.path) else { return Ok(()) };
            let writable = |metadata: &std::fs::Metadata| metadata.permissions().mode() & 0o200 != 0;
            for suffix in ["-wal", "-shm"] {
                let file = beside(&self.path, suffix);
                let Ok(metadata) = std::fs::metadata(&file) else { continue };
                if metadata.uid() == database.uid() && writable(&database) && !may_write(&file) {
                    return Err(read_only(&file));
                }
            }
        }
        Ok(())
    }

    fn connect(&self, create: Create) -> anyhow::Result<Connection> {
        use rusqlite::OpenFlags;
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if made_read_only(&self.path) {
            // Root could write it all the same, and SQLite would (the WAL switch, a migration):
            // opened read-only, as for any other user, so that every change is refused.
            flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        } else if create == Create::Yes {
            // A database still to make is made here; one that is there is opened as it is, unless
            // another user could have put it there for this one to fill.
            match self.path.try_exists() {
                Ok(false) => {
                    refuse_a_missing_databases_log(&self.path)?;
                    create_private(&self.path)?
                }
                _ => refuse_planted(&self.path)?,
            }
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        } else if self.path.try_exists().is_ok_and(|exists| !exists) {
            // Deleted or moved while the platform ran: opening would make an empty database there.
            return Err(gone(&self.path));
        }
        companions_follow_database(&self.path);
        let conn = Connection::open_with_flags(&self.path, flags).map_err(|error| cannot_open(&self.path, error))?;
        // First, so that even the pragmas wait the platform's way.
        conn.busy_handler(Some(wait_while_locked))?;
        // The first statement to read the file: where a path leads to something else, it says so.
        let mut attempt = 0;
        let set_up = loop {
            match conn.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA journal_size_limit = 8388608;",
            ) {
                // Switching a new database to WAL needs it to itself, and SQLite calls no busy
                // handler when another process (opening it at the same moment) holds it: wait here.
                Err(error) if is_busy(&error) && wait_while_locked(attempt) => attempt += 1,
                set_up => break set_up,
            }
        };
        set_up.map_err(|error| cannot_open(&self.path, error))?;
        restrict_permissions(&self.path);
        Ok(conn)
    }

    fn conn(&self) -> Result<Pooled<'_>> {
        let idle = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            // Opened read-only while the file was (an operator's `chmod`): it would fail every
            // write it is given long after the file is writable again, so it is closed once it is.
            let read_only = |conn: &Connection| conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false);
            if idle.last().is_some_and(read_only) && !made_read_only(&self.path) {
                let before = idle.len();
                idle.retain(|conn| !read_only(conn));
                self.open.fetch_sub(before - idle.len(), Ordering::Relaxed);
            }
            idle.pop()
        };
        let conn = match idle {
            Some(conn) => conn,
            None => {
                if self.open.fetch_add(1, Ordering::Relaxed) >= MAX_CONNECTIONS {
                    self.open.fetch_sub(1, Ordering::Relaxed);
                    return Err(all_connections_in_use().into());
                }
                // Only the first connection, made by `open`, may create the file.
                self.connect(Create::No).inspect_err(|_| {
                    self.open.fetch_sub(1, Ordering::Relaxed);
                })?
            }
        };
        Ok(Pooled { conn: Some(conn), pool: self })
    }

    /// Closes a connection of the pool's.
    fn closed(&self, conn: Connection) {
        drop(conn);
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    /// Records a use in `last_used_at`, at most once a minute (`update` binds the id, now and the
    /// oldest time that is not recent). Bookkeeping must not hold up or fail the request it
    /// records: it waits for another connection's lock at most `patience`, and a write it cannot
    /// make (still locked, disk full, an I/O error) is skipped, logged unless it was the lock, and
    /// tried again at the next use. `false` when nothing was written.
    fn record_use(&self, update: &str, id: &str, now: Timestamp, patience: Duration) -> bool {
        let recorded = self.conn().and_then(|conn| {
            with_lock_patience(patience, || conn.execute(update, params![id, now, now - LAST_USED_RESOLUTION_SECS]))
                .map_err(Into::into)
        });
        match recorded {
            Ok(changed) => changed == 1,
            Err(error) if is_locked_out(&error) => false,
            Err(error) => {
                // A full disk fails every use.
                static CANNOT_RECORD: OnceAMinute = OnceAMinute::new();
                if CANNOT_RECORD.due() {
                    tracing::warn!(%error, "could not record when a credential was last used; the request goes on");
                }
                false
            }
        }
    }

    /// Runs `f` in an immediate (write-locking) transaction, so concurrent writers queue
    /// instead of failing to upgrade a read lock.
    fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|error| match error {
            // Said with the path and what to do, for admin commands run as another user.
            error if error.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) => read_only(&self.path),
            error => error.into(),
        })?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `.cargo/config.toml` compiles SQLite without the two process-wide mutexes that the
    /// platform's workers took on every query; a build that misses it is slower, not wrong, so
    /// nothing else would notice.
    #[test]
    fn sqlite_is_built_without_process_wide_page_cache_and_allocation_mutexes() {
        let conn = Connection::open_in_memory().unwrap();
        let mut pragma = conn.prepare("PRAGMA compile_options").unwrap();
        let options: Vec<String> = pragma.query_map([], |row| row.get(0)).unwrap().map(|o| o.unwrap()).collect();
        assert!(!options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    }

    /// A new database is `0600` from its first byte: made empty and private before SQLite opens
    /// it, where SQLite would make it with the umask's mode and another user could open it before
    /// its mode was changed. Watched while it is made: no other mode is ever seen.
    #[cfg(unix)]
    #[test]
    fn a_new_database_is_never_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        let made = AtomicBool::new(false);
        let modes_seen = std::thread::scope(|scope| {
            let watcher = scope.spawn(|| {
                let mut seen = std::collections::BTreeSet::new();
                // Looks until the database is made, and once more after (a watcher that only ran
                // then has looked at least once).
                loop {
                    let done = made.load(Ordering::SeqCst);
                    if let Ok(file) = std::fs::metadata(&db) {
                        seen.insert(file.permissions().mode() & 0o777);
                    }
                    if done {
                        break seen;
                    }
                }
            });
            let storage = SqliteStorage::open(&db).unwrap();
            made.store(true, Ordering::SeqCst);
            for suffix in ["-wal", "-shm"] {
                let mode = std::fs::metadata(beside(&db, suffix)).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{suffix}");
            }
            drop(storage);
            watcher.join().unwrap()
        });
        assert_eq!(modes_seen.into_iter().collect::<Vec<_>>(), [0o600]);
    }

    /// Connections opened while the database was made read-only are not kept once it is
    /// writable again: writes failed for as long as one of them was picked (until a restart).
    #[cfg(unix)]
    #[test]
    fn read_only_connections_go_once_the_database_is_writable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        let storage = SqliteStorage::open(&db).unwrap();
        let mode = |mode| std::fs::set_permissions(&db, std::fs::Permissions::from_mode(mode)).unwrap();
        mode(0o400);
        {
            let (opened_before, opened_meanwhile) = (storage.conn().unwrap(), storage.conn().unwrap());
            assert!(opened_meanwhile.is_readonly(rusqlite::MAIN_DB).unwrap());
            drop((opened_meanwhile, opened_before));
        }
        mode(0o600);
        let both = [storage.conn().unwrap(), storage.conn().unwrap()];
        assert!(both.iter().all(|conn| !conn.is_readonly(rusqlite::MAIN_DB).unwrap()), "a read-only one was kept");
        drop(both);
        let idle = storage.idle.lock().unwrap().len();
        assert_eq!(storage.open.load(Ordering::Relaxed), idle, "the read-only ones closed are counted out");
    }

    /// A burst of writes waiting out a long lock takes a connection each: the pool opens no more
    /// than its descriptors were kept back for, says busy beyond (answered 503, try again), and
    /// closes what the burst opened once it is over, all but the idle ones it keeps. A read-only
    /// connection dropped from the pool is counted out too.
    #[test]
    fn the_pool_is_bounded_and_closes_what_a_burst_opened() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("platform.db")).unwrap();
        let burst: Vec<_> = (0..MAX_CONNECTIONS).map(|_| storage.conn().unwrap()).collect();
        let refused = storage.conn().err().expect("one connection too many");
        assert!(is_locked_out(&refused), "{refused:#}");
        assert!(format!("{refused:#}").contains("all 96 database connections are in use"), "{refused:#}");
        drop(burst);
        assert_eq!(storage.idle.lock().unwrap().len(), MAX_IDLE);
        assert_eq!(storage.open.load(Ordering::Relaxed), MAX_IDLE, "the others are closed");
        let again: Vec<_> = (0..MAX_CONNECTIONS).map(|_| storage.conn().unwrap()).collect();
        assert_eq!(again.len(), MAX_CONNECTIONS, "served as before");
    }

    /// A database deleted while the platform runs is not made again, empty, by the next
    /// connection the pool opens: that connection fails, naming what happened.
    #[test]
    fn connections_after_the_first_never_create_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        let storage = SqliteStorage::open(&db).unwrap();
        // Every connection in use, so that the pool must open another.
        let busy = [storage.conn().unwrap(), storage.conn().unwrap()];
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let gone = storage.conn().err().map(|err| err.to_string());
        drop(busy);
        let db = db.display();
        assert_eq!(
            gone.as_deref(),
            Some(&*format!(
                "the database {db} is gone (deleted or moved while the platform ran): move it back, then restart the \
                 platform; to restore a backup instead, stop the platform and remove {db}-wal and {db}-shm first \
                 (they belong to the missing file, and would damage the backup)"
            ))
        );
        assert!(!dir.path().join("platform.db").exists(), "no empty database in its place");
    }
}
