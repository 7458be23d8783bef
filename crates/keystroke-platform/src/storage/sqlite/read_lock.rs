//! A WAL read lock held for the whole serving process, so that the read transactions of requests
//! take theirs without a system call.
//!
//! In WAL mode every read transaction takes a read lock on the `-shm` file and drops it when it
//! ends: two `fcntl` calls, made while SQLite holds its in-process mutex for that file, so that
//! the platform's workers queue for each other. On the API key check of every request that was
//! the largest cost after the HTTP work itself (figure 2 of BENCHMARKS.md). SQLite counts the
//! holders of each lock within a process and calls `fcntl` only for the first and the last: while
//! one connection holds the read lock that requests take, theirs are counted, never sent.
//!
//! Nothing is cached: each request still runs its own transaction on the latest commit, so a key
//! revoked by any process fails its next request. But a snapshot held open keeps checkpoints from
//! copying pages written after it and the WAL from starting over, so the holder lets go every
//! [`RENEW_EVERY`], copies what it can into the database (a passive checkpoint, which waits for
//! nobody) and takes the latest snapshot. While the database is being written it takes none: a
//! renewal that finds a commit since the one before lets the lock go until a renewal finds none,
//! since under steady writes each snapshot held would stop the WAL from starting over for 100
//! ms, every time, and it grew without end. The WAL stays within what SQLite alone keeps and
//! one renewal's writes; the requests of a platform being written take their locks themselves.
//!
//! Each renewal also reads the schema's version: another process (a newer keystroke-platform's
//! command) may have upgraded it beyond what this one knows, and the platform's requests would
//! fail from then on, one by one ([`HeldReadLock::outgrown_schema`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::logging::OnceAMinute;

/// How long a snapshot is held at most. Between renewals, requests that start after a write take
/// their read lock the usual way (with `fcntl`), as they did before this holder existed.
pub(super) const RENEW_EVERY: Duration = Duration::from_millis(100);

/// The holder's thread, which ends (and closes its connection) when this is dropped.
pub(super) struct HeldReadLock {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// The schema version found newer than this binary's, 0 while none was.
    outgrown: Arc<AtomicUsize>,
}

impl HeldReadLock {
    /// Holds a read lock on `conn`'s database, a connection of its own, until dropped; `known`
    /// is the newest schema this binary knows.
    pub(super) fn start(conn: Connection, known: usize) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel();
        let outgrown = Arc::new(AtomicUsize::new(0));
        let found = outgrown.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-read-lock".into())
            .spawn(move || hold(&conn, &stopped, known, &found))?;
        Ok(HeldReadLock { stop: Some(stop), thread: Some(thread), outgrown })
    }

    /// The schema version another process upgraded the database to, when it is newer than this
    /// binary knows (seen at the next renewal).
    pub(super) fn outgrown_schema(&self) -> Option<usize> {
        Some(self.outgrown.load(Ordering::SeqCst)).filter(|&schema| schema > 0)
    }
}

impl Drop for HeldReadLock {
    fn drop(&mut self) {
        // Disconnects the channel, which ends the thread's wait between renewals at once (a
        // renewal under way finishes first: a busy database holds it up to the busy handler's
        // patience).
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn hold(conn: &Connection, stopped: &mpsc::Receiver<()>, known: usize, outgrown: &AtomicUsize) {
    let mut seen_version = None;
    loop {
        let renewed = renew(conn, &mut seen_version);
        // Read at every renewal (a field of the database's header): one missed, the first or
        // after a write, would leave the platform serving a schema it does not know.
        if let Ok(schema) = conn.query_row("PRAGMA user_version", [], |row| row.get::<_, usize>(0))
            && schema > known
        {
            outgrown.store(schema, Ordering::SeqCst);
        }
        if let Err(error) = renewed {
            // Only speed is lost: requests take their locks themselves until the next renewal.
            static CANNOT_HOLD: OnceAMinute = OnceAMinute::new();
            if CANNOT_HOLD.due() {
                tracing::warn!(%error, "could not hold the database's read lock for requests; they go on without it");
            }
        }
        match stopped.recv_timeout(RENEW_EVERY) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("COMMIT");
    }
}

/// Lets go of the snapshot held, then takes the latest, unless the database was written since
/// the last renewal (`seen_version`, SQLite's count of other connections' commits).
fn renew(conn: &Connection, seen_version: &mut Option<i64>) -> rusqlite::Result<()> {
    if !conn.is_autocommit() {
        conn.execute_batch("COMMIT")?;
    }
    // While writes go on, a snapshot is nearly always taken past what was copied, and held, it
    // keeps the WAL from starting over for its 100 ms, each time: it would grow without end. So
    // the lock waits for a renewal with no write since the one before, and requests meanwhile
    // take theirs themselves.
    let version: i64 = conn.query_row("PRAGMA data_version", [], |row| row.get(0))?;
    if seen_version.replace(version).is_some_and(|seen| seen != version) {
        return Ok(());
    }
    // One already under way elsewhere (an admin command's) is left to finish; the lock is taken
    // all the same.
    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    conn.execute_batch("BEGIN")?;
    // A deferred transaction takes its snapshot, and the read lock, at its first read.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::SqliteStorage;
    use std::path::Path;

    fn writer(db: &Path) -> Connection {
        let conn = Connection::open(db).unwrap();
        // Many small writes: not one disk flush each.
        conn.execute_batch("PRAGMA synchronous = OFF; CREATE TABLE IF NOT EXISTS filler (body BLOB)").unwrap();
        conn
    }

    fn wal_bytes(db: &Path) -> u64 {
        std::fs::metadata(db.with_extension("db-wal")).map_or(0, |meta| meta.len())
    }

    /// The WAL read locks this process holds on `db` (as the kernel lists them): SQLite takes
    /// one on a byte of the `-shm` file from 123 to 127 (one per reader slot) for each read
    /// transaction. Every open connection also holds byte 128, which is not counted.
    fn read_locks(db: &Path) -> usize {
        use std::os::unix::fs::MetadataExt;
        let Ok(shm) = std::fs::metadata(db.with_extension("db-shm")) else { return 0 };
        let (pid, inode) = (std::process::id().to_string(), shm.ino().to_string());
        let locks = std::fs::read_to_string("/proc/locks").unwrap();
        locks
            .lines()
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            // `1: POSIX  ADVISORY  READ 4242 fd:01:1234 123 123`
            .filter(|fields| fields.len() == 8 && fields[3] == "READ" && fields[4] == pid)
            .filter(|fields| fields[5].rsplit(':').next() == Some(inode.as_str()))
            .filter(|fields| fields[6].parse::<u32>().is_ok_and(|start| (123..=127).contains(&start)))
            .count()
    }

    /// While the platform serves, one read lock is held between requests; none without the
    /// holder, and none once the storage is dropped, when SQLite (its last connection closed)
    /// removes the WAL and its index as it did before the lock was held.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_read_lock_is_held_while_serving_and_let_go_after() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        let admin = SqliteStorage::open(&db).unwrap();
        admin.conn().unwrap().query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())).unwrap();
        assert_eq!(read_locks(&db), 0, "an admin command's storage holds none between statements");
        drop(admin);
        let storage = SqliteStorage::open(&db).unwrap().for_serving().unwrap();
        // Taken by the holder's thread once it runs (at once, but for a loaded machine).
        let limit = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while read_locks(&db) == 0 && std::time::Instant::now() < limit {
            std::thread::sleep(RENEW_EVERY / 10);
        }
        assert_eq!(read_locks(&db), 1);
        drop(storage);
        assert_eq!(read_locks(&db), 0);
        assert!(!db.with_extension("db-wal").exists(), "the WAL is left: a connection is still open");
        assert!(!db.with_extension("db-shm").exists());
    }

    /// A commit of another connection is read at once while the lock is held: the held snapshot
    /// is not the one requests read.
    #[test]
    fn reads_see_every_commit_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        let storage = SqliteStorage::open(&db).unwrap().for_serving().unwrap();
        let other = writer(&db);
        std::thread::sleep(RENEW_EVERY * 2);
        for count in 1..=3 {
            other.execute("INSERT INTO filler VALUES (x'00')", []).unwrap();
            let seen: i64 = storage.conn().unwrap().query_row("SELECT count(*) FROM filler", [], |r| r.get(0)).unwrap();
            assert_eq!(seen, count);
        }
    }

    /// A snapshot held for good keeps the WAL from starting over, so every write makes it
    /// longer: 8 MB of rows written (and deleted) in bursts while it is held made it 13.5 MB.
    /// Renewed, the WAL stays within what SQLite alone keeps (4.1 MB here: it copies the WAL
    /// after 1000 pages) and one renewal's writes.
    #[test]
    fn the_wal_does_not_grow_with_every_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        let storage = SqliteStorage::open(&db).unwrap().for_serving().unwrap();
        let other = writer(&db);
        let mut largest = 0;
        for _ in 0..10 {
            for _ in 0..25 {
                other.execute("INSERT INTO filler VALUES (zeroblob(32768))", []).unwrap();
                other.execute("DELETE FROM filler", []).unwrap();
            }
            largest = largest.max(wal_bytes(&db));
            std::thread::sleep(RENEW_EVERY + RENEW_EVERY / 2);
        }
        assert!(largest < 8_000_000, "the WAL grew to {largest} bytes");
        drop(storage);
    }

    /// A write larger than the WAL usually holds (an import, a burst of seeding) grows it once;
    /// the platform's first write after the WAL starts over gives the space back, down to 8 MiB
    /// (`journal_size_limit`), where the file kept its largest size until the platform stopped.
    #[test]
    fn the_wal_gives_back_the_space_of_a_large_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        let storage = SqliteStorage::open(&db).unwrap();
        let other = writer(&db);
        other.execute("INSERT INTO filler VALUES (zeroblob(20000000))", []).unwrap();
        assert!(wal_bytes(&db) > 20_000_000, "{}", wal_bytes(&db));
        // Copied into the database at that commit (SQLite's checkpoint past 1000 pages), the WAL
        // starts over at the next write: the platform's.
        storage.conn().unwrap().execute("DELETE FROM filler", []).unwrap();
        assert!(wal_bytes(&db) <= 8_388_608, "the WAL kept {} bytes", wal_bytes(&db));
    }

    /// Writes without a pause (a script creating keys, a busy web page) leave no moment for the
    /// WAL to start over while a snapshot is held: the holder lets go while the database is
    /// being written, and the WAL stays within what SQLite alone keeps (1000 pages) and what
    /// one renewal's 100 ms of writes add. Held regardless, it grew without end: here, at about
    /// a thousand commits a second for 2 s, to 20 MB (a real platform's WAL, at 800 commits a
    /// second, by 12 MB a second).
    #[test]
    fn the_wal_stays_bounded_under_writes_without_a_pause() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        let storage = SqliteStorage::open(&db).unwrap().for_serving().unwrap();
        let other = writer(&db);
        let started = std::time::Instant::now();
        while started.elapsed() < RENEW_EVERY * 20 {
            other.execute("INSERT INTO filler VALUES (zeroblob(4096))", []).unwrap();
            other.execute("DELETE FROM filler", []).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(wal_bytes(&db) < 8_000_000, "the WAL grew to {} bytes", wal_bytes(&db));
        drop(storage);
    }
}
