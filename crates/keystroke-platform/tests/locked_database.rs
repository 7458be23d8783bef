//! Another process holding the database's write lock (an admin command, someone's
//! `sqlite3` shell) makes writes wait, not the whole platform: reads and health checks keep
//! answering meanwhile, API keys keep working, waiting writes land once the lock goes, and a
//! write that waits too long gets a 503 that says why, with nothing half-written.

mod common;

use std::thread::JoinHandle;
use std::time::Duration;

use common::{Cred, Harness, http_client, status_json};
use keystroke_api::Role;
use reqwest::StatusCode;
use serde_json::json;

/// Held with each test's lock: the count of statements waiting for a lock is the process's,
/// which `cargo test` shares between this binary's tests.
static ONE_LOCK_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A separate connection to the platform's database holding its write lock until dropped, while
/// no other test of this binary holds one.
struct HeldLock {
    conn: rusqlite::Connection,
    _alone: std::sync::MutexGuard<'static, ()>,
}

impl std::ops::Deref for HeldLock {
    type Target = rusqlite::Connection;
    fn deref(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

fn hold_write_lock(harness: &Harness) -> HeldLock {
    let alone = ONE_LOCK_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let conn = rusqlite::Connection::open(&harness.dev.db_path).expect("opening the platform's database");
    conn.execute_batch("BEGIN IMMEDIATE").expect("taking the write lock");
    HeldLock { conn, _alone: alone }
}

/// Starts a sign-in through the device flow: its device code.
fn start_sign_in(harness: &Harness) -> String {
    let started = http_client().post(harness.url("/oauth/device/code")).form(&[("client_id", "keystroke-cli")]);
    let (status, body) = status_json(started.send().unwrap());
    assert_eq!(status, StatusCode::OK, "{body}");
    body["device_code"].as_str().expect("a device code").to_owned()
}

/// The form that polls the token endpoint with `device_code`.
fn token_form(device_code: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code".to_owned()),
        ("client_id", "keystroke-cli".to_owned()),
        ("device_code", device_code.to_owned()),
    ]
}

/// Key names in acme as the owner sees them.
fn key_names(harness: &Harness, owner: &str) -> Vec<String> {
    let (status, body) = status_json(harness.get("/api/orgs/acme/api-keys?limit=100", Cred::Bearer(owner)));
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].as_array().expect("a key list").iter().map(|k| k["name"].as_str().unwrap().to_owned()).collect()
}

/// Starts `count` key creations, each on its own connection and thread; they return their status.
fn create_keys_in_background(harness: &Harness, owner: &str, count: usize) -> Vec<JoinHandle<StatusCode>> {
    (0..count)
        .map(|i| {
            let url = harness.url("/api/orgs/acme/api-keys");
            let owner = owner.to_owned();
            std::thread::spawn(move || {
                let response = http_client()
                    .post(url)
                    .bearer_auth(owner)
                    .json(&json!({ "name": format!("made while locked {i}") }))
                    .send()
                    .expect("the platform answers");
                response.status()
            })
        })
        .collect()
}

/// Waits until at least `writes` statements sleep for a lock: the test's writes have reached the
/// one it holds (with it, [`ONE_LOCK_AT_A_TIME`]: no other test's writes wait meanwhile).
fn until_waiting_for_the_lock(writes: usize) {
    use keystroke_platform::storage::sqlite::statements_waiting_for_a_lock;
    let limit = std::time::Instant::now() + Duration::from_secs(20);
    while statements_waiting_for_a_lock() < writes {
        assert!(std::time::Instant::now() < limit, "the writes never waited for the lock");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn writes_wait_for_a_held_lock_while_reads_keep_answering() {
    let harness = Harness::start();
    let owner = harness.token(Role::Owner);
    let lock = hold_write_lock(&harness);

    // More waiting writers than the platform has worker threads (two).
    let writers = create_keys_in_background(&harness, &owner, 4);
    until_waiting_for_the_lock(4);

    let health = harness.get("/healthz", Cred::None);
    assert_eq!(health.status(), StatusCode::OK);
    let before = key_names(&harness, &owner);
    assert!(
        writers.iter().all(|writer| !writer.is_finished()),
        "the reads were answered only after the writers gave up: the waiting writes stalled the platform"
    );
    assert!(!before.iter().any(|name| name.starts_with("made while locked")), "{before:?}");

    drop(lock); // rolls back the holder's empty transaction: the lock is free
    for writer in writers {
        assert_eq!(writer.join().expect("writer thread"), StatusCode::CREATED);
    }
    let after = key_names(&harness, &owner);
    for i in 0..4 {
        assert!(after.contains(&format!("made while locked {i}")), "key {i} missing from {after:?}");
    }
}

#[test]
fn a_write_that_waits_too_long_gets_503_and_writes_nothing() {
    let harness = Harness::start();
    let owner = harness.token(Role::Owner);
    let started_sign_in = start_sign_in(&harness);
    let lock = hold_write_lock(&harness);

    // The sign-in routes wait as well, and give up in RFC 6749's shape, which OAuth clients read.
    let oauth = |path: &str, form: Vec<(&'static str, String)>| {
        let request = http_client().post(harness.url(path)).form(&form);
        std::thread::spawn(move || status_json(request.send().unwrap()))
    };
    let sign_ins = [
        oauth("/oauth/device/code", vec![("client_id", "keystroke-cli".to_owned())]),
        oauth("/oauth/token", token_form(&started_sign_in)),
    ];
    // And the web pages' sign-in, in a page of its own.
    let ada = harness.dev.user(Role::Owner);
    let fields = [("email", ada.email.as_str()), ("password", ada.password.as_str())];
    let web_sign_in = harness.form_from_page(&http_client(), "/login", "/login", &fields);
    let web_sign_in = std::thread::spawn(move || {
        let response = web_sign_in.send().unwrap();
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        (response.status(), content_type, response.text().unwrap())
    });
    let started = std::time::Instant::now();
    let created =
        harness.post_json("/api/orgs/acme/api-keys", Cred::Bearer(&owner), json!({ "name": "made while locked" }));
    let retry_after = created.headers().get("retry-after").map(|value| value.to_str().unwrap().to_owned());
    let (status, body) = status_json(created);
    // A lower bound, not a speed claim: the write waited for the lock before giving up.
    assert!(started.elapsed() >= std::time::Duration::from_secs(4), "gave up after {:?}", started.elapsed());
    let sign_ins = sign_ins.map(|sign_in| sign_in.join().unwrap()); // they too give up before the lock goes
    let (web_status, content_type, page) = web_sign_in.join().unwrap();
    drop(lock);

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(retry_after.as_deref(), Some("1"), "says when to try again");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("database is busy") && message.contains("try again"), "{message}");
    assert_eq!((web_status, content_type.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "text/html; charset=utf-8"));
    assert!(page.contains("database is busy") && page.contains("<h1>Could not do that</h1>"), "{page}");
    for (status, body) in sign_ins {
        assert_eq!((status, &body["error"]), (StatusCode::SERVICE_UNAVAILABLE, &json!("temporarily_unavailable")));
        assert!(body["error_description"].as_str().unwrap().contains("database is busy"), "{body}");
    }
    let names = key_names(&harness, &owner);
    assert!(!names.contains(&"made while locked".to_owned()), "{names:?}");
    // The platform is unharmed: the same write goes through now.
    harness.create_key(&owner, "acme", "made after the lock");
    assert!(key_names(&harness, &owner).contains(&"made after the lock".to_owned()));
}

#[test]
fn keys_keep_working_while_locked_and_record_their_use_afterwards() {
    let harness = Harness::start();
    let owner = harness.token(Role::Owner);
    let key = harness.create_key(&owner, "acme", "used while locked");
    let lock = hold_write_lock(&harness);

    // Its first use would record `last_used_at`, a write: that is skipped rather than waited for.
    assert_eq!(harness.projects_status(&key.secret), StatusCode::OK);
    let (_, shown) = status_json(harness.get(&format!("/api/orgs/acme/api-keys/{}", key.key.id), Cred::Bearer(&owner)));
    assert_eq!(shown["last_used_at"], serde_json::Value::Null, "{shown}");
    drop(lock);

    assert_eq!(harness.projects_status(&key.secret), StatusCode::OK);
    let (_, shown) = status_json(harness.get(&format!("/api/orgs/acme/api-keys/{}", key.key.id), Cred::Bearer(&owner)));
    assert!(shown["last_used_at"].is_string(), "{shown}");
}

#[test]
fn sessions_keep_working_while_locked_and_record_their_use_afterwards() {
    let harness = Harness::start();
    let owner = harness.token(Role::Owner);
    let laptop = keystroke_platform::admin::issue_session(harness.dev.storage(), "ada@acme.test", 3_600).unwrap();
    let lock = hold_write_lock(&harness);

    // Recording a session's use never waits for a lock: it is skipped, and the request answers.
    assert_eq!(harness.get("/api/me", Cred::Bearer(&laptop)).status(), StatusCode::OK);
    drop(lock);
    let last_used = |token: &str| {
        let (_, sessions) = status_json(harness.get("/api/sessions", Cred::Bearer(token)));
        let laptop =
            sessions.as_array().unwrap().iter().find(|s| s["current"] == false && s["client"] == "keystroke-cli");
        laptop.map(|s| s["last_used_at"].clone())
    };
    assert_eq!(last_used(&owner), Some(serde_json::Value::Null), "skipped while locked");

    assert_eq!(harness.get("/api/me", Cred::Bearer(&laptop)).status(), StatusCode::OK);
    assert!(last_used(&owner).is_some_and(|at| at.is_string()), "recorded by the next use");
}

/// A key or session revoked after its request was let in, while the request's write waited for
/// the lock, is revoked for that write too: nothing is recorded after the revocation that said it
/// took effect at once. (A deploy through a key revoked meanwhile was recorded after the
/// revocation, in every try of a probe.) Here the lock's holder is the revocation.
#[test]
fn a_write_through_a_credential_revoked_while_it_waited_is_refused() {
    let harness = Harness::start();
    let admin = harness.token(Role::Admin);
    let builder = harness.token(Role::Builder);
    let deploy_key = harness.create_key(&admin, "acme", "deploys").secret;
    let project_key = harness.create_key(&admin, "acme", "projects").secret;
    let lock = hold_write_lock(&harness);

    let send =
        |request: reqwest::blocking::RequestBuilder| std::thread::spawn(move || status_json(request.send().unwrap()));
    let http = http_client();
    let writes = [
        send(http.post(harness.url("/api/hooks/deploy")).header("x-api-key", &deploy_key)),
        send(http.post(harness.url("/api/projects")).bearer_auth(&project_key).json(&json!({"name": "late project"}))),
        send(
            http.post(harness.url("/api/orgs/acme/api-keys")).bearer_auth(&builder).json(&json!({"name": "late key"})),
        ),
    ];
    until_waiting_for_the_lock(3);
    assert!(writes.iter().all(|write| !write.is_finished()), "the writes wait for the lock");
    // What `api-key revoke` and `user sign-out` write, committed while the writes wait.
    lock.execute("UPDATE api_keys SET revoked_at = unixepoch() WHERE name IN ('deploys', 'projects')", []).unwrap();
    lock.execute(
        "UPDATE sessions SET revoked_at = unixepoch()
         WHERE user_id = (SELECT id FROM users WHERE email = 'grace@acme.test')",
        [],
    )
    .unwrap();
    lock.execute_batch("COMMIT").unwrap();

    for write in writes {
        let (status, body) = write.join().unwrap();
        assert_eq!((status, common::error_code(&body)), (StatusCode::UNAUTHORIZED, "unauthorized"), "{body}");
    }
    let events = harness.key_and_deploy_events("acme");
    assert!(events.iter().all(|event| event.action != "deploy.trigger"), "no deploy recorded: {events:?}");
    let acme = harness.dev.storage().org_by_slug("acme").unwrap().unwrap().id;
    assert!(harness.dev.storage().projects_of(&acme).unwrap().is_empty(), "no project written");
    let owner = harness.token(Role::Owner);
    assert!(!key_names(&harness, &owner).contains(&"late key".to_owned()), "no key written");
}

/// The token endpoint takes no credential: anyone may poll it, with anything. A code no sign-in
/// started is answered at once from a read, not queued for the write lock behind the org's key
/// writes (where a flood of them would starve those writes); a real one still waits its turn.
#[test]
fn polls_with_unknown_device_codes_do_not_wait_for_the_write_lock() {
    let harness = Harness::start();
    let started_sign_in = start_sign_in(&harness);
    let lock = hold_write_lock(&harness);
    let real_poll = {
        let request = http_client().post(harness.url("/oauth/token")).form(&token_form(&started_sign_in));
        std::thread::spawn(move || status_json(request.send().unwrap()))
    };

    let well_shaped_but_unknown = "A".repeat(started_sign_in.len());
    for device_code in ["garbage", "../etc/passwd", well_shaped_but_unknown.as_str()] {
        let poll = http_client().post(harness.url("/oauth/token")).form(&token_form(device_code));
        let (status, body) = status_json(poll.send().unwrap());
        assert_eq!((status, &body["error"]), (StatusCode::BAD_REQUEST, &json!("invalid_grant")), "{device_code}");
        assert_eq!(body["error_description"], "unknown device code");
    }
    assert!(!real_poll.is_finished(), "the real sign-in's poll, a write, waits for the lock");

    drop(lock);
    let (status, body) = real_poll.join().unwrap();
    assert_eq!((status, &body["error"]), (StatusCode::BAD_REQUEST, &json!("authorization_pending")), "{body}");
}

/// Sign-ins refused because the database was busy (503, "try again in a second") are no tries of
/// the address's: a client that tries again as told, as many times as the address may start
/// sign-ins, still gets one once the lock goes, rather than a 429 for 15 minutes.
#[test]
fn sign_ins_refused_while_busy_are_not_counted_against_the_address() {
    let harness = Harness::start();
    let lock = hold_write_lock(&harness);
    let as_many_as_an_address_may_start = 30; // the platform's `throttle::DEVICE_CODES_ALLOWED`
    let started: Vec<_> = (0..as_many_as_an_address_may_start)
        .map(|_| {
            let request = http_client().post(harness.url("/oauth/device/code")).form(&[("client_id", "keystroke-cli")]);
            std::thread::spawn(move || status_json(request.send().unwrap()))
        })
        .collect();
    for refused in started {
        let (status, body) = refused.join().unwrap();
        assert_eq!((status, &body["error"]), (StatusCode::SERVICE_UNAVAILABLE, &json!("temporarily_unavailable")));
    }
    drop(lock);
    start_sign_in(&harness);
}
