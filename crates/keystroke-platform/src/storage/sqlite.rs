//! [`Storage`] on SQLite in WAL mode, with a pool of connections: one is opened whenever none is
//! idle, and kept for reuse (as many as requests ever ran at once).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use keystroke_api::{Membership, Org, Role, User};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::*;
use crate::tokens::{SecretHash, public_id};

/// Schema migrations, applied in order at start; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[(&str, Option<RustStep>)] = &[
    (include_str!("../../migrations/0001_initial.sql"), None),
    (include_str!("../../migrations/0002_session_device.sql"), None),
    (include_str!("../../migrations/0003_lowercase_emails.sql"), Some(lowercase_stored_emails)),
    (include_str!("../../migrations/0004_membership_audit.sql"), None),
    (include_str!("../../migrations/0005_device_code_expiry.sql"), None),
];

/// What a migration does that SQL cannot, in its transaction after its SQL.
type RustStep = fn(&rusqlite::Transaction<'_>) -> anyhow::Result<()>;

/// How long recording a key's use may wait for a lock: enough for the platform's own writes.
const TOUCH_LOCK_PATIENCE: Duration = Duration::from_millis(100);

pub struct SqliteStorage {
    path: std::path::PathBuf,
    idle: Mutex<Vec<Connection>>,
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
            self.pool.idle.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
        }
    }
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let path = &database_file(path)?;
        refuse_another_programs_database(path)?;
        let storage = SqliteStorage { path: path.to_owned(), idle: Mutex::new(Vec::new()) };
        let mut conn = storage.connect(Create::Yes)?;
        migrate(&mut conn).map_err(|error| {
            // A database this user may only read, with a migration pending.
            let read_only_refusal =
                error.downcast_ref::<rusqlite::Error>().and_then(rusqlite::Error::sqlite_error_code);
            match read_only_refusal {
                Some(rusqlite::ErrorCode::ReadOnly) => read_only(path),
                _ => error.context(format!("migrating database {}", path.display())),
            }
        })?;
        storage.idle.lock().unwrap().push(conn);
        Ok(storage)
    }

    /// Refuses a database this user may only read: a platform serving it would start, then fail
    /// every sign-in and every key it was asked to create.
    pub fn require_writable(&self) -> anyhow::Result<()> {
        if self.conn()?.is_readonly(rusqlite::MAIN_DB)? {
            return Err(read_only(&self.path));
        }
        // SQLite makes `-wal` and `-shm` with the database's mode: a read of a database made
        // read-only leaves them read-only after the database is writable again. Told from their
        // modes: opening them here and closing them again would drop the locks SQLite holds on
        // them (POSIX locks belong to the process, and any close releases them), and another
        // process would then truncate the shared memory this one has mapped (SIGBUS).
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let Ok(database) = std::fs::metadata(&self.path) else { return Ok(()) };
            for suffix in ["-wal", "-shm"] {
                let file = beside(&self.path, suffix);
                let Ok(metadata) = std::fs::metadata(&file) else { continue };
                let writable = |metadata: &std::fs::Metadata| metadata.permissions().mode() & 0o200 != 0;
                if metadata.uid() == database.uid() && writable(&database) && !writable(&metadata) {
                    return Err(read_only(&file));
                }
            }
        }
        Ok(())
    }

    fn connect(&self, create: Create) -> anyhow::Result<Connection> {
        use rusqlite::OpenFlags;
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create == Create::Yes {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        } else if self.path.try_exists().is_ok_and(|exists| !exists) {
            // Deleted or moved while the platform ran: opening would make an empty database there.
            bail!(
                "the database {} is gone (deleted or moved while the platform ran): put it back, then restart the \
                 platform",
                self.path.display()
            );
        }
        let conn = Connection::open_with_flags(&self.path, flags).map_err(|error| cannot_open(&self.path, error))?;
        // First, so that even the pragmas wait the platform's way.
        conn.busy_handler(Some(wait_while_locked))?;
        // The first statement to read the file: where a path leads to something else, it says so.
        let mut attempt = 0;
        let set_up = loop {
            match conn.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;",
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
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            // Only the first connection, made by `open`, may create the file.
            None => self.connect(Create::No)?,
        };
        Ok(Pooled { conn: Some(conn), pool: self })
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
                tracing::warn!(%error, "could not record when a credential was last used; the request goes on");
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

/// How long a statement waits for another connection's lock (an admin command's transaction,
/// another writer) before it fails with "busy", which the API answers with 503.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// At most this many threads sleep in [`wait_while_locked`] at once after its first few short
/// pauses; beyond, a statement fails at once. Each sleeper holds a thread (`block_in_place`), and
/// a lock held for long must not let waiting writes, some of them unauthenticated (device-code
/// requests), grow threads unbounded. Writes queued behind the platform's own millisecond writes
/// are done before they count.
pub const MAX_LOCK_WAITERS: usize = 64;

/// Pauses before a waiting statement counts toward [`MAX_LOCK_WAITERS`] (about 40 ms).
const UNCOUNTED_PAUSES: i32 = 5;

static LOCK_WAITERS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// How long statements on this thread may wait for a lock: [`LOCK_WAIT`], unless a caller
    /// asked for less with [`with_lock_patience`].
    static LOCK_PATIENCE: Cell<Duration> = const { Cell::new(LOCK_WAIT) };
}

/// Runs `f` with its statements waiting at most `patience` for a lock.
fn with_lock_patience<T>(patience: Duration, f: impl FnOnce() -> T) -> T {
    struct Restore(Duration);
    impl Drop for Restore {
        fn drop(&mut self) {
            LOCK_PATIENCE.with(|cell| cell.set(self.0));
        }
    }
    let _restore = Restore(LOCK_PATIENCE.with(|cell| cell.replace(patience)));
    f()
}

/// The pause before retry number `attempt`: short at first, since most locks last microseconds.
fn lock_retry_pause(attempt: i32) -> Duration {
    Duration::from_millis(match attempt {
        0 => 1,
        1 => 2,
        2 => 5,
        3 => 10,
        4 => 20,
        _ => 50,
    })
}

/// A sleeper counted in `LOCK_WAITERS` until dropped, with how many were counted before it.
struct CountedSleeper {
    ahead: usize,
}

impl CountedSleeper {
    fn join() -> Self {
        CountedSleeper { ahead: LOCK_WAITERS.fetch_add(1, Ordering::Relaxed) }
    }
}

impl Drop for CountedSleeper {
    fn drop(&mut self) {
        LOCK_WAITERS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// SQLite's busy handler: sleeps, then lets SQLite try again, until the thread's patience has
/// run out. On a platform worker thread the sleep goes through `block_in_place`, which hands the
/// worker's other requests to another thread first: a write waiting for a lock must not stall
/// the reads and health checks queued behind it.
fn wait_while_locked(attempt: i32) -> bool {
    let waited: Duration = (0..attempt).map(lock_retry_pause).sum();
    if waited >= LOCK_PATIENCE.with(Cell::get) {
        return false;
    }
    let counted = (attempt >= UNCOUNTED_PAUSES).then(CountedSleeper::join);
    if counted.as_ref().is_some_and(|sleeper| sleeper.ahead >= MAX_LOCK_WAITERS) {
        return false;
    }
    let pause = lock_retry_pause(attempt);
    let on_async_worker = tokio::runtime::Handle::try_current()
        .is_ok_and(|runtime| runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if on_async_worker {
        tokio::task::block_in_place(|| std::thread::sleep(pause));
    } else {
        std::thread::sleep(pause);
    }
    true
}

/// Whether `error` is a statement that gave up waiting for another connection's lock.
pub fn is_locked_out(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.downcast_ref().is_some_and(is_busy))
}

fn is_busy(error: &rusqlite::Error) -> bool {
    error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
}

/// The database holds password and token digests: keep it, its WAL and its shared-memory file
/// from other users, taking away their permissions only (a file its owner made read-only stays
/// read-only, and writing to it then fails saying so).
fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let file = beside(path, suffix);
            let Ok(metadata) = std::fs::metadata(&file) else { continue };
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700));
            }
        }
    }
}

/// A file SQLite keeps beside the database (`-wal`, `-shm`), named by `suffix`.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut file = path.as_os_str().to_owned();
    file.push(suffix);
    file.into()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Create {
    Yes,
    No,
}

/// The file a database path names, checked before SQLite opens it. A symbolic link is followed
/// here: SQLite keeps `-wal` and `-shm` beside the file it leads to, and those hold password
/// hashes, so [`restrict_permissions`] must find them there (a link to nothing is refused, since
/// SQLite would create the file and those beside it where this code does not look). Anything but
/// a regular file (a folder, a device such as `/dev/null`, a pipe) is refused: opening it would
/// change its permissions for everyone and leave a journal beside it.
fn database_file(path: &Path) -> anyhow::Result<PathBuf> {
    let shown = path.display();
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
    std::fs::canonicalize(path).with_context(|| format!("cannot read the database {shown}"))
}

/// A SQLite file of another program is refused before anything is written to it: migrating it
/// would add keystroke's tables to someone else's data, and WAL mode would stay switched on. A
/// database is keystroke's when it is empty (new) or has a schema version and keystroke's tables.
fn refuse_another_programs_database(path: &Path) -> anyhow::Result<()> {
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
    let conn = open_untouched(path).map_err(|error| cannot_open(path, error))?;
    conn.busy_handler(Some(wait_while_locked))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(|e| cannot_open(path, e))?;
    let mut tables = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    let tables: Vec<String> = tables.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
    let ours = ["users", "orgs", "api_keys"].iter().all(|table| tables.iter().any(|name| name == table));
    Ok((version == 0 && tables.is_empty()) || (version > 0 && ours))
}

/// A missing or empty file: a database to create.
pub fn is_new_database(path: &Path) -> bool {
    std::fs::metadata(path).map_or(true, |file| file.len() == 0)
}

/// A read-only connection that leaves no file behind: without a `-wal` file the database is read
/// as immutable (a plain read-only open of a WAL-mode file would create `-wal` and `-shm` files
/// beside it); with one, that file and its `-shm` exist already and hold what was written last.
fn open_untouched(path: &Path) -> rusqlite::Result<Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if beside(path, "-wal").exists() {
        return Connection::open_with_flags(path, flags);
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let escaped = percent_encoding::utf8_percent_encode(&absolute.to_string_lossy(), URI_PATH).to_string();
    Connection::open_with_flags(format!("file:{escaped}?immutable=1"), flags | OpenFlags::SQLITE_OPEN_URI)
}

/// What a file path must escape to go into a `file:` URI.
const URI_PATH: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'?').add(b'<').add(b'>');

/// Why a database could not be opened, with what to check: SQLite's own words ("unable to open
/// database file") name neither the path nor the usual causes.
fn cannot_open(path: &Path, error: rusqlite::Error) -> anyhow::Error {
    let shown = path.display();
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::CannotOpen) => anyhow::anyhow!(
            "cannot open the database {shown}: check that its directory exists and that this user may write to \
             both (SQLite keeps `-wal` and `-shm` files beside it)"
        ),
        Some(rusqlite::ErrorCode::ReadOnly) => read_only(path),
        Some(rusqlite::ErrorCode::NotADatabase) => {
            anyhow::anyhow!("{shown} is not a SQLite database: give `--db` the platform's database, or a new file")
        }
        _ => anyhow::Error::new(error).context(format!("opening database {shown}")),
    }
}

fn read_only(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "the database {} is read-only for this user: run as the user who owns it, or let that user write to it \
         and to its directory (SQLite keeps `-wal` and `-shm` files beside it)",
        path.display()
    )
}

fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    loop {
        let applied = schema_version(conn)?;
        let Some((sql, rust_step)) = MIGRATIONS.get(applied) else {
            return Ok(());
        };
        // Another process may open the same database at once (a second `serve`, an admin command
        // as `serve` starts): the version is read again under the write lock, and a step the
        // other one applied meanwhile is not applied twice.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if schema_version(&tx)? != applied {
            continue;
        }
        tx.execute_batch(sql)?;
        if let Some(step) = rust_step {
            step(&tx)?;
        }
        tx.pragma_update(None, "user_version", applied + 1)?;
        tx.commit()?;
    }
}

/// How many [`MIGRATIONS`] the database has had; an error if it has more than this binary knows.
fn schema_version(conn: &Connection) -> anyhow::Result<usize> {
    let applied: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if applied > MIGRATIONS.len() {
        bail!(
            "the database was written by a newer keystroke-platform (schema {applied}, this one knows {})",
            MIGRATIONS.len()
        );
    }
    Ok(applied)
}

/// Migration 0003: emails stored before they were lowercased on the way in, lowercased (all of
/// Unicode: the column's `NOCASE` and SQL's `lower()` fold ASCII only, so `Öl@…` was out of reach
/// of a lookup by `öl@…`). Two accounts that differ only in such letters are left as they are,
/// with a warning: merging them is a person's decision.
fn lowercase_stored_emails(tx: &rusqlite::Transaction<'_>) -> anyhow::Result<()> {
    let mut select = tx.prepare("SELECT id, email FROM users")?;
    let users: Vec<(String, String)> =
        select.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut accounts_per_address = std::collections::HashMap::new();
    for (_, email) in &users {
        *accounts_per_address.entry(email.to_lowercase()).or_insert(0) += 1;
    }
    for (id, email) in &users {
        let lowercase = email.to_lowercase();
        if lowercase == *email {
            continue;
        }
        if accounts_per_address[&lowercase] > 1 {
            tracing::warn!(%email, "another account has this email but for letter case; both are left as they are");
            continue;
        }
        tx.execute("UPDATE users SET email = ?2 WHERE id = ?1", params![id, lowercase])?;
    }
    Ok(())
}

/// A membership change: the member is both whom it is about and its target (the admin
/// commands that make these changes act as no user), and the detail is the role.
fn record_member_event(
    tx: &rusqlite::Transaction<'_>,
    org_id: &str,
    user_id: &str,
    action: &str,
    role: &str,
    now: Timestamp,
) -> rusqlite::Result<()> {
    record_event(tx, org_id, user_id, action, user_id, Some(role), now)
}

/// The columns [`session_record`] reads, in its order.
const SESSION_COLUMNS: &str = "id, client, created_at, expires_at, device, last_used_at";

fn session_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: r.get(0)?,
        client: r.get(1)?,
        created_at: r.get(2)?,
        expires_at: r.get(3)?,
        device: r.get(4)?,
        last_used_at: r.get(5)?,
    })
}

/// One audit event, in the transaction of the change it records (a key's creation or
/// revocation, a deploy, a membership change). Removals record theirs for every key at once, in
/// their own statement.
fn record_event(
    tx: &rusqlite::Transaction<'_>,
    org_id: &str,
    actor_id: &str,
    action: &str,
    target_id: &str,
    detail: Option<&str>,
    now: Timestamp,
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit_events (org_id, actor_id, action, target_id, detail, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    insert.execute(params![org_id, actor_id, action, target_id, detail, now])?;
    Ok(())
}

/// Whether the user is the org's one and only owner (read inside the caller's write
/// transaction, so that two admins cannot each remove "the other" owner).
fn is_only_owner(tx: &rusqlite::Transaction<'_>, org_id: &str, user_id: &str) -> rusqlite::Result<bool> {
    tx.query_row(
        "SELECT coalesce((SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2) = 'owner', 0)
            AND (SELECT count(*) FROM memberships WHERE org_id = ?1 AND role = 'owner') = 1",
        params![org_id, user_id],
        |r| r.get(0),
    )
}

fn parse_role(text: String) -> rusqlite::Result<Role> {
    text.parse()
        .map_err(|e: String| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}

fn key_record(row: &Row<'_>) -> rusqlite::Result<KeyRecord> {
    Ok(KeyRecord {
        id: row.get("id")?,
        org_slug: row.get("org_slug")?,
        name: row.get("name")?,
        preview: row.get("preview")?,
        created_by: User { id: row.get("user_id")?, email: row.get("user_email")?, name: row.get("user_name")? },
        created_at: row.get("created_at")?,
        expires_at: row.get("expires_at")?,
        last_used_at: row.get("last_used_at")?,
    })
}

const KEY_COLUMNS: &str = "k.id, o.slug AS org_slug, k.name, k.preview, k.created_at, k.expires_at,
     k.last_used_at, u.id AS user_id, u.email AS user_email, u.name AS user_name
     FROM api_keys k JOIN orgs o ON o.id = k.org_id JOIN users u ON u.id = k.created_by";

fn device_status(text: &str) -> DeviceStatus {
    match text {
        "approved" => DeviceStatus::Approved,
        "denied" => DeviceStatus::Denied,
        "redeemed" => DeviceStatus::Redeemed,
        _ => DeviceStatus::Pending,
    }
}

fn insert_session_row(conn: &Connection, user_id: &str, s: &NewSession) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO sessions (id, user_id, client, token_hash, created_at, expires_at, device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![s.id, user_id, s.client, &s.token_hash.0[..], s.created_at, s.expires_at, s.device],
    )
}

impl Storage for SqliteStorage {
    fn create_user(&self, email: &str, name: &str, password_hash: &str, now: Timestamp) -> Result<User> {
        let user = User { id: public_id("usr_"), email: email.to_owned(), name: name.to_owned() };
        self.conn()?
            .execute(
                "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user.id, user.email, user.name, password_hash, now],
            )
            .with_context(|| format!("adding user {email}"))?;
        Ok(user)
    }

    fn user_by_email(&self, email: &str) -> Result<Option<UserWithPassword>> {
        Ok(self
            .conn()?
            .query_row("SELECT id, email, name, password_hash FROM users WHERE email = ?1", [email], |r| {
                Ok(UserWithPassword {
                    user: User { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? },
                    password_hash: r.get(3)?,
                })
            })
            .optional()?)
    }

    fn user_by_id(&self, id: &str) -> Result<Option<User>> {
        Ok(self
            .conn()?
            .query_row("SELECT id, email, name FROM users WHERE id = ?1", [id], |r| {
                Ok(User { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? })
            })
            .optional()?)
    }

    fn users(&self) -> Result<Vec<User>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT id, email, name FROM users ORDER BY email")?;
        let rows = stmt.query_map([], |r| Ok(User { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn set_password_hash(&self, user_id: &str, password_hash: &str) -> Result<()> {
        self.conn()?.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user_id, password_hash])?;
        Ok(())
    }

    fn create_org(&self, slug: &str, name: &str, owner_id: &str, now: Timestamp) -> Result<Org> {
        let org = Org { id: public_id("org_"), slug: slug.to_owned(), name: name.to_owned() };
        self.write(|tx| {
            tx.execute(
                "INSERT INTO orgs (id, slug, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![org.id, org.slug, org.name, now],
            )
            .with_context(|| format!("creating org {slug} (does that slug exist already?)"))?;
            tx.execute(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, 'owner', ?3)",
                params![org.id, owner_id, now],
            )?;
            record_member_event(tx, &org.id, owner_id, "member.add", Role::Owner.as_str(), now)?;
            Ok(())
        })?;
        Ok(org)
    }

    fn org_by_slug(&self, slug: &str) -> Result<Option<Org>> {
        Ok(self
            .conn()?
            .query_row("SELECT id, slug, name FROM orgs WHERE slug = ?1", [slug], |r| {
                Ok(Org { id: r.get(0)?, slug: r.get(1)?, name: r.get(2)? })
            })
            .optional()?)
    }

    fn orgs(&self) -> Result<Vec<(Org, usize)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT o.id, o.slug, o.name, COUNT(m.user_id) FROM orgs o LEFT JOIN memberships m ON m.org_id = o.id
             GROUP BY o.id ORDER BY o.slug",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((Org { id: r.get(0)?, slug: r.get(1)?, name: r.get(2)? }, r.get::<_, i64>(3)? as usize))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn set_membership(&self, org_id: &str, user_id: &str, role: Role, now: Timestamp) -> Result<()> {
        self.write(|tx| {
            if role != Role::Owner && is_only_owner(tx, org_id, user_id)? {
                bail!(LastOwner);
            }
            let before: Option<String> = tx
                .query_row(
                    "SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2",
                    params![org_id, user_id],
                    |r| r.get(0),
                )
                .optional()?;
            tx.execute(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role",
                params![org_id, user_id, role.as_str(), now],
            )?;
            match before {
                None => record_member_event(tx, org_id, user_id, "member.add", role.as_str(), now)?,
                Some(before) if before != role.as_str() => {
                    record_member_event(tx, org_id, user_id, "member.set_role", role.as_str(), now)?
                }
                Some(_) => {} // The role it had already: nothing changed.
            }
            Ok(())
        })
    }

    fn remove_membership(&self, org_id: &str, user_id: &str, now: Timestamp) -> Result<bool> {
        self.write(|tx| {
            if is_only_owner(tx, org_id, user_id)? {
                bail!(LastOwner);
            }
            let role: Option<String> = tx
                .query_row(
                    "DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2 RETURNING role",
                    params![org_id, user_id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(role) = role else {
                return Ok(false);
            };
            record_member_event(tx, org_id, user_id, "member.remove", &role, now)?;
            // Their keys are revoked, not just orphaned: adding them back must not revive them.
            tx.execute(
                "INSERT INTO audit_events (org_id, actor_id, action, target_id, created_at)
                 SELECT org_id, created_by, 'api_key.revoke_on_removal', id, ?3 FROM api_keys
                 WHERE org_id = ?1 AND created_by = ?2 AND revoked_at IS NULL",
                params![org_id, user_id, now],
            )?;
            tx.execute(
                "UPDATE api_keys SET revoked_at = ?3 WHERE org_id = ?1 AND created_by = ?2 AND revoked_at IS NULL",
                params![org_id, user_id, now],
            )?;
            Ok(true)
        })
    }

    fn role_in(&self, org_id: &str, user_id: &str) -> Result<Option<Role>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2",
                params![org_id, user_id],
                |r| parse_role(r.get(0)?),
            )
            .optional()?)
    }

    fn memberships_of(&self, user_id: &str) -> Result<Vec<Membership>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT o.id, o.slug, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ?1 ORDER BY o.slug",
        )?;
        let rows = stmt.query_map([user_id], |r| {
            Ok(Membership {
                org: Org { id: r.get(0)?, slug: r.get(1)?, name: r.get(2)? },
                role: parse_role(r.get(3)?)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn members_of(&self, org_id: &str) -> Result<Vec<(User, Role)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT u.id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = ?1 ORDER BY u.email",
        )?;
        let rows = stmt.query_map([org_id], |r| {
            Ok((User { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? }, parse_role(r.get(3)?)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn insert_api_keys(&self, keys: &[NewApiKey]) -> Result<()> {
        self.write(|tx| {
            let mut insert_key = tx.prepare_cached(
                "INSERT INTO api_keys (id, org_id, created_by, name, preview, secret_hash, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for key in keys {
                insert_key.execute(params![
                    key.id,
                    key.org_id,
                    key.created_by,
                    key.name,
                    key.preview,
                    &key.secret_hash.0[..],
                    key.created_at,
                    key.expires_at
                ])?;
                record_event(tx, &key.org_id, &key.created_by, "api_key.create", &key.id, None, key.created_at)?;
            }
            Ok(())
        })
    }

    fn key_credential(&self, secret_hash: &SecretHash) -> Result<Option<KeyCredential>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT k.id, k.org_id, o.slug, k.created_by, m.role, k.expires_at, k.last_used_at, k.revoked_at
             FROM api_keys k
             JOIN orgs o ON o.id = k.org_id
             LEFT JOIN memberships m ON m.org_id = k.org_id AND m.user_id = k.created_by
             WHERE k.secret_hash = ?1",
        )?;
        Ok(stmt
            .query_row([&secret_hash.0[..]], |r| {
                Ok(KeyCredential {
                    key_id: r.get(0)?,
                    org_id: r.get(1)?,
                    org_slug: r.get(2)?,
                    user_id: r.get(3)?,
                    role: r.get::<_, Option<String>>(4)?.map(parse_role).transpose()?,
                    expires_at: r.get(5)?,
                    last_used_at: r.get(6)?,
                    revoked: r.get::<_, Option<i64>>(7)?.is_some(),
                })
            })
            .optional()?)
    }

    fn touch_api_key(&self, key_id: &str, now: Timestamp) -> bool {
        // It waits out the platform's own short writes, not an admin command's or a stuck writer's.
        let update =
            "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)";
        self.record_use(update, key_id, now, TOUCH_LOCK_PATIENCE)
    }

    fn list_api_keys(
        &self,
        org_id: &str,
        scope: KeyScope<'_>,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<KeyRecord>> {
        let conn = self.conn()?;
        let before = before_seq.unwrap_or(i64::MAX);
        let rows = match scope {
            KeyScope::WholeOrg => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} WHERE k.org_id = ?1 AND k.revoked_at IS NULL AND k.seq < ?2
                     ORDER BY k.seq DESC LIMIT ?3"
                ))?;
                stmt.query_map(params![org_id, before, limit], key_record)?.collect::<rusqlite::Result<Vec<_>>>()?
            }
            KeyScope::CreatedBy(user_id) => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} WHERE k.org_id = ?1 AND k.created_by = ?4 AND k.revoked_at IS NULL
                     AND k.seq < ?2 ORDER BY k.seq DESC LIMIT ?3"
                ))?;
                stmt.query_map(params![org_id, before, limit, user_id], key_record)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        Ok(rows)
    }

    fn api_key_id_above(&self, org_id: &str, scope: KeyScope<'_>, from_seq: i64, skip: u32) -> Result<Option<String>> {
        let conn = self.conn()?;
        let created_by = scope.created_by();
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM api_keys WHERE org_id = ?1 AND (?4 IS NULL OR created_by = ?4) AND revoked_at IS NULL
             AND seq >= ?2 ORDER BY seq ASC LIMIT 1 OFFSET ?3",
        )?;
        Ok(stmt.query_row(params![org_id, from_seq, skip, created_by], |row| row.get(0)).optional()?)
    }

    fn api_key_seq(&self, org_id: &str, scope: KeyScope<'_>, key_id: &str) -> Result<Option<i64>> {
        let conn = self.conn()?;
        let created_by = scope.created_by();
        let mut stmt = conn.prepare_cached(
            "SELECT seq FROM api_keys WHERE org_id = ?1 AND id = ?2 AND (?3 IS NULL OR created_by = ?3)",
        )?;
        Ok(stmt.query_row(params![org_id, key_id, created_by], |row| row.get(0)).optional()?)
    }

    fn api_key(&self, org_id: &str, key_id: &str) -> Result<Option<KeyRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} WHERE k.org_id = ?1 AND k.id = ?2 AND k.revoked_at IS NULL"
        ))?;
        Ok(stmt.query_row(params![org_id, key_id], key_record).optional()?)
    }

    fn revoke_api_key(&self, org_id: &str, key_id: &str, actor_id: &str, now: Timestamp) -> Result<bool> {
        self.write(|tx| {
            let revoked = tx.execute(
                "UPDATE api_keys SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
                params![org_id, key_id, now],
            )?;
            if revoked == 1 {
                record_event(tx, org_id, actor_id, "api_key.revoke", key_id, None, now)?;
            }
            Ok(revoked == 1)
        })
    }

    fn audit_events(&self, org_id: &str) -> Result<Vec<AuditEvent>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT e.actor_id, u.email, e.action, e.target_id, e.created_at, e.detail
             FROM audit_events e JOIN users u ON u.id = e.actor_id WHERE e.org_id = ?1 ORDER BY e.seq",
        )?;
        let rows = stmt.query_map([org_id], |r| {
            Ok(AuditEvent {
                actor_id: r.get(0)?,
                actor_email: r.get(1)?,
                action: r.get(2)?,
                target_id: r.get(3)?,
                created_at: r.get(4)?,
                detail: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn record_deploy(&self, org_id: &str, actor_id: &str, credential_id: &str, now: Timestamp) -> Result<()> {
        self.write(|tx| Ok(record_event(tx, org_id, actor_id, "deploy.trigger", credential_id, None, now)?))
    }

    fn insert_session(&self, user_id: &str, session: &NewSession) -> Result<()> {
        insert_session_row(&*self.conn()?, user_id, session)?;
        Ok(())
    }

    fn session_credential(&self, token_hash: &SecretHash) -> Result<Option<SessionCredential>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, user_id, client, expires_at, revoked_at, last_used_at FROM sessions WHERE token_hash = ?1",
        )?;
        Ok(stmt
            .query_row([&token_hash.0[..]], |r| {
                Ok(SessionCredential {
                    session_id: r.get(0)?,
                    user_id: r.get(1)?,
                    client: r.get(2)?,
                    expires_at: r.get(3)?,
                    revoked: r.get::<_, Option<i64>>(4)?.is_some(),
                    last_used_at: r.get(5)?,
                })
            })
            .optional()?)
    }

    fn touch_session(&self, session_id: &str, now: Timestamp) -> bool {
        // Every page view and API call with a session comes here: it never waits for a lock (nor
        // counts among the waiters that real writes compete with).
        let update =
            "UPDATE sessions SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)";
        self.record_use(update, session_id, now, Duration::ZERO)
    }

    fn session(&self, session_id: &str) -> Result<Option<SessionRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"))?;
        Ok(stmt.query_row([session_id], session_record).optional()?)
    }

    fn sessions_of(&self, user_id: &str, now: Timestamp) -> Result<Vec<SessionRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2
             ORDER BY created_at DESC, rowid DESC"
        ))?;
        let rows = stmt.query_map(params![user_id, now], session_record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn revoke_session(&self, user_id: &str, session_id: &str, now: Timestamp) -> Result<bool> {
        let revoked = self.conn()?.execute(
            "UPDATE sessions SET revoked_at = ?3 WHERE user_id = ?1 AND id = ?2 AND revoked_at IS NULL",
            params![user_id, session_id, now],
        )?;
        Ok(revoked == 1)
    }

    fn revoke_sessions_of(&self, user_id: &str, now: Timestamp) -> Result<usize> {
        self.write(|tx| {
            // A CLI sign-in approved but not yet collected would otherwise become a session after this.
            tx.execute(
                "UPDATE device_authorizations SET status = 'denied' WHERE user_id = ?1 AND status = 'approved'",
                [user_id],
            )?;
            Ok(tx.execute(
                "UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                params![user_id, now],
            )?)
        })
    }

    fn insert_device_authorization(&self, auth: &NewDeviceAuthorization) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM device_authorizations WHERE expires_at < ?1",
                [auth.created_at - DEVICE_AUTHORIZATION_KEPT_SECS],
            )?;
            let inserted = tx.execute(
                "INSERT INTO device_authorizations (id, device_code_hash, user_code, client_id, client_name,
                    requester_ip, created_at, expires_at, interval_secs, status, device_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10)",
                params![
                    auth.id,
                    &auth.device_code_hash.0[..],
                    auth.user_code,
                    auth.client_id,
                    auth.client_name,
                    auth.requester_ip,
                    auth.created_at,
                    auth.expires_at,
                    auth.interval_secs,
                    auth.device_name
                ],
            );
            match inserted {
                Ok(_) => Ok(true),
                // The user code of a recent authorization: the only column a collision is likely in.
                Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => Ok(false),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn device_authorization(&self, user_code: &str) -> Result<Option<DeviceAuthorizationRecord>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT id, user_code, client_id, client_name, requester_ip, created_at, expires_at, status, device_name
                 FROM device_authorizations WHERE user_code = ?1",
                [user_code],
                |r| {
                    Ok(DeviceAuthorizationRecord {
                        id: r.get(0)?,
                        user_code: r.get(1)?,
                        client_id: r.get(2)?,
                        client_name: r.get(3)?,
                        requester_ip: r.get(4)?,
                        created_at: r.get(5)?,
                        expires_at: r.get(6)?,
                        status: device_status(&r.get::<_, String>(7)?),
                        device_name: r.get(8)?,
                    })
                },
            )
            .optional()?)
    }

    fn decide_device_authorization(
        &self,
        user_code: &str,
        user_id: &str,
        approve: bool,
        now: Timestamp,
    ) -> Result<bool> {
        let decided = self.conn()?.execute(
            "UPDATE device_authorizations SET status = ?3, user_id = ?2
             WHERE user_code = ?1 AND status = 'pending' AND expires_at > ?4",
            params![user_code, user_id, if approve { "approved" } else { "denied" }, now],
        )?;
        Ok(decided == 1)
    }

    fn poll_device_authorization(
        &self,
        device_code_hash: &SecretHash,
        now_ms: i64,
        session: &NewSession,
    ) -> Result<PollOutcome> {
        self.write(|tx| {
            let row = tx
                .query_row(
                    "SELECT id, status, expires_at, interval_secs, last_polled_ms, user_id, device_name
                     FROM device_authorizations WHERE device_code_hash = ?1",
                    [&device_code_hash.0[..]],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<i64>>(4)?,
                            r.get::<_, Option<String>>(5)?,
                            r.get::<_, Option<String>>(6)?,
                        ))
                    },
                )
                .optional()?;
            let Some((id, status, expires_at, interval_secs, last_polled_ms, user_id, device_name)) = row else {
                return Ok(PollOutcome::UnknownCode);
            };
            let status = device_status(&status);
            if status == DeviceStatus::Redeemed {
                return Ok(PollOutcome::AlreadyRedeemed);
            }
            if now_ms >= expires_at * 1000 {
                return Ok(PollOutcome::Expired);
            }
            if let Some(last) = last_polled_ms
                && now_ms - last < interval_secs * 1000
            {
                // RFC 8628 §3.5: a client that polls too fast must add 5 seconds to its interval.
                let interval_secs = interval_secs + 5;
                tx.execute(
                    "UPDATE device_authorizations SET interval_secs = ?2, last_polled_ms = ?3 WHERE id = ?1",
                    params![id, interval_secs, now_ms],
                )?;
                return Ok(PollOutcome::SlowDown { interval_secs });
            }
            tx.execute("UPDATE device_authorizations SET last_polled_ms = ?2 WHERE id = ?1", params![id, now_ms])?;
            Ok(match (status, user_id) {
                (DeviceStatus::Approved, Some(user_id)) => {
                    tx.execute("UPDATE device_authorizations SET status = 'redeemed' WHERE id = ?1", [&id])?;
                    // The session is for the machine that asked to sign in.
                    let session =
                        NewSession { device: device_name.or_else(|| session.device.clone()), ..session.clone() };
                    insert_session_row(tx, &user_id, &session)?;
                    PollOutcome::Issued
                }
                (DeviceStatus::Denied, _) => PollOutcome::Denied,
                _ => PollOutcome::Pending,
            })
        })
    }

    fn projects_of(&self, org_id: &str) -> Result<Vec<ProjectRecord>> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare_cached("SELECT id, name, created_at FROM projects WHERE org_id = ?1 ORDER BY created_at, id")?;
        let rows =
            stmt.query_map([org_id], |r| Ok(ProjectRecord { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn create_project(&self, org_id: &str, name: &str, created_by: &str, now: Timestamp) -> Result<ProjectRecord> {
        let project = ProjectRecord { id: public_id("prj_"), name: name.to_owned(), created_at: now };
        self.conn()?.execute(
            "INSERT INTO projects (id, org_id, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![project.id, org_id, project.name, created_by, now],
        )?;
        Ok(project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            gone.as_deref(),
            Some(&*format!(
                "the database {} is gone (deleted or moved while the platform ran): put it back, then restart the \
                 platform",
                db.display()
            ))
        );
        assert!(!db.exists(), "no empty database in its place");
    }
}
