//! How a statement waits for another connection's lock: SQLite's busy handler, with a patience
//! per thread and a cap on how many threads sleep at once.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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
pub(super) fn with_lock_patience<T>(patience: Duration, f: impl FnOnce() -> T) -> T {
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

/// How many statements are sleeping for another connection's lock now (those past their first
/// few short pauses): for tests to know that writes have reached a lock they hold.
#[cfg(feature = "test-support")]
pub fn statements_waiting_for_a_lock() -> usize {
    LOCK_WAITERS.load(Ordering::Relaxed)
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
pub(super) fn wait_while_locked(attempt: i32) -> bool {
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

pub(super) fn is_busy(error: &rusqlite::Error) -> bool {
    error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
}
