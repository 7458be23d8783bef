//! The cap on writes waiting for a lock, alone in its test binary: the count of waiting threads
//! is process-wide, and the other lock tests (tests/locked_database.rs) must not share it.

mod common;

use std::time::Duration;

use common::{Harness, http_client};
use keystroke_api::Role;
use keystroke_platform::storage::sqlite::MAX_LOCK_WAITERS;
use reqwest::StatusCode;
use serde_json::json;

/// However long a lock is held, waiting writes hold at most `MAX_LOCK_WAITERS` threads: the rest
/// are told at once to try again, and the waiting ones still land when the lock goes.
#[test]
fn waiting_writes_are_capped_and_the_rest_are_refused_at_once() {
    let harness = Harness::start();
    let owner = harness.token(Role::Owner);
    let lock = rusqlite::Connection::open(&harness.dev.db_path).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let over = 16;
    // One client for all: built each, they parse the system's trust store 80 times, which on a
    // loaded machine spreads the writers' arrival over seconds.
    let client = http_client();
    let writers: Vec<_> = (0..MAX_LOCK_WAITERS + over)
        .map(|i| {
            let (url, owner, client) = (harness.url("/api/orgs/acme/api-keys"), owner.clone(), client.clone());
            std::thread::spawn(move || {
                let request = client.post(url).bearer_auth(owner).json(&json!({ "name": format!("writer {i}") }));
                request.send().expect("the platform answers").status()
            })
        })
        .collect();

    // The writes over the cap are refused while the lock is held, and no other write ends while
    // it is (each waits up to 5 s for it). Without the cap, nothing ends any write until those
    // 5 s are up, and then the writes end one after another, as each one's 5 s do: more than the
    // `over` would have ended a moment later.
    let finished = || writers.iter().filter(|writer| writer.is_finished()).count();
    while finished() < over {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(finished(), over, "only the writes over the cap ended while the lock was held");
    drop(lock);
    let statuses: Vec<StatusCode> = writers.into_iter().map(|writer| writer.join().unwrap()).collect();
    let refused = statuses.iter().filter(|&&status| status == StatusCode::SERVICE_UNAVAILABLE).count();
    let created = statuses.iter().filter(|&&status| status == StatusCode::CREATED).count();
    assert_eq!(refused + created, statuses.len(), "{statuses:?}");
    assert!(refused >= over && created <= MAX_LOCK_WAITERS, "refused {refused}, created {created}");
    assert!(created > 0, "the capped waiters were still waiting when the lock went, and landed");
}
