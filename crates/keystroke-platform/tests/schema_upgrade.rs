//! A database written by an earlier schema opens under this one: migration 0002 adds sessions'
//! device and last use, and what was there keeps working (a live session, a device sign-in
//! approved before the upgrade and redeemed after it); 0003 lowercases stored emails; 0004 gives
//! audit events a detail, for the membership changes recorded from then on; 0005 indexes device
//! authorizations by expiry, so that old ones can be deleted; 0006 keeps memberships in the order
//! they are looked up by and indexes projects in the order they are listed; 0007 keeps user codes
//! as their hashes; 0008 indexes keys by secret hash with the columns their lookup reads (a key
//! made before it is found by it: migration 6's test looks one up after the upgrade); 0009
//! records the session a device authorization gave (a sign-in approved before it is redeemed
//! after it: the schema-1 test); 0010 composes stored emails (NFC); 0011 indexes the audit trail by
//! org. A database of a newer schema is refused, untouched.

use keystroke_api::Role;
use keystroke_platform::storage::{
    Accounts, ApiKeys, DeviceAuthorizations, NewSession, OrgResources, PollOutcome, Sessions, SqliteStorage,
};
use keystroke_platform::tokens::hash_secret;

/// The migrations as shipped, oldest first.
const MIGRATIONS: [&str; 6] = [
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_session_device.sql"),
    // Its Rust step (lowercasing stored emails) has nothing to do in a database written with
    // lowercase emails.
    include_str!("../migrations/0003_lowercase_emails.sql"),
    include_str!("../migrations/0004_membership_audit.sql"),
    include_str!("../migrations/0005_device_code_expiry.sql"),
    // Its Rust step logs the memberships left out and drops their temporary table, which goes
    // with the connection anyway.
    include_str!("../migrations/0006_lookup_order.sql"),
];

/// A database as a platform whose schema was version `schema` left it.
fn database_at_schema(path: &std::path::Path, schema: usize) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    for migration in &MIGRATIONS[..schema] {
        conn.execute_batch(migration).unwrap();
    }
    conn.pragma_update(None, "user_version", schema).unwrap();
    conn
}

#[test]
fn a_schema_1_database_upgrades_and_keeps_its_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    {
        let conn = database_at_schema(&path, 1);
        conn.execute_batch(
            "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('usr_1', 'ada@example.test', 'Ada', 'x', 1);
             INSERT INTO sessions (id, user_id, client, token_hash, created_at, expires_at)
                 VALUES ('ses_old', 'usr_1', 'keystroke-cli', x'01', 100, 4000000000);",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO device_authorizations (id, device_code_hash, user_code, client_id, client_name, requester_ip,
                 created_at, expires_at, interval_secs, status, user_id)
             VALUES ('dev_1', ?1, 'BCDF-GHJK', 'keystroke-cli', 'keystroke/0.1', '127.0.0.1', 100, 4000000000, 1,
                 'approved', 'usr_1')",
            [&hash_secret("device-code").0[..]],
        )
        .unwrap();
    }

    let storage = SqliteStorage::open(&path).unwrap();
    let sessions = storage.sessions_of("usr_1", 200).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!((sessions[0].id.as_str(), &sessions[0].device, sessions[0].last_used_at), ("ses_old", &None, None));
    assert!(storage.touch_session("ses_old", 300), "the new column takes the first use");
    assert!(!storage.touch_session("ses_old", 330), "at most once a minute");
    assert_eq!(storage.sessions_of("usr_1", 400).unwrap()[0].last_used_at, Some(300));

    let issued = NewSession {
        id: "ses_new".into(),
        client: "keystroke-cli".into(),
        token_hash: hash_secret("kss_new"),
        created_at: 500,
        expires_at: 4_000_000_000,
        device: None,
    };
    let outcome = storage.poll_device_authorization(&hash_secret("device-code"), 500_000, &issued).unwrap();
    assert_eq!(outcome, PollOutcome::Issued);
    let sessions = storage.sessions_of("usr_1", 600).unwrap();
    let new = sessions.iter().find(|s| s.id == "ses_new").unwrap();
    assert_eq!(new.device, None, "approved before the upgrade: no device name was recorded");

    let version: i64 =
        rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 11, "every migration ran, 0011 (the audit trail indexed by org) too");
}

/// Sign-ins under way across the upgrade to 0007 go on: their codes, kept as hashes from then
/// on, are found by the code as before, and no longer read in the file. One approved by a user
/// deleted by hand goes, rather than stop the upgrade at the copy's foreign key.
#[test]
fn migration_7_keeps_sign_ins_under_way_with_their_codes_hashed() {
    use keystroke_platform::storage::DeviceStatus;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    let now = keystroke_platform::clock::now();
    {
        let conn = database_at_schema(&path, 6);
        conn.execute(
            "INSERT INTO device_authorizations (id, device_code_hash, user_code, client_id, client_name,
                 requester_ip, created_at, expires_at, interval_secs, status, device_name)
             VALUES ('dev_1', ?1, 'BCDF-GHJK', 'keystroke-cli', 'keystroke/0.1', '127.0.0.1', ?2, ?3, 5, 'pending',
                 'laptop')",
            rusqlite::params![&hash_secret("device-code").0[..], now - 60, now + 540],
        )
        .unwrap();
        // Approved by a user since deleted by hand (a `sqlite3` shell has no foreign keys on).
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute(
            "INSERT INTO device_authorizations (id, device_code_hash, user_code, client_id, client_name,
                 requester_ip, created_at, expires_at, interval_secs, status, user_id)
             VALUES ('dev_2', ?1, 'LMNP-QRST', 'keystroke-cli', 'keystroke/0.1', '127.0.0.1', ?2, ?3, 5, 'approved',
                 'usr_gone')",
            rusqlite::params![&hash_secret("other-code").0[..], now - 60, now + 540],
        )
        .unwrap();
    }
    let storage = SqliteStorage::open(&path).expect("the upgrade does not stop at a sign-in of no one");
    assert!(storage.device_authorization("LMNP-QRST").unwrap().is_none(), "dropped with its missing user");
    let found = storage.device_authorization("BCDF-GHJK").unwrap().expect("found by its code");
    assert_eq!(
        (found.status, found.device_name.as_deref(), found.expires_at),
        (DeviceStatus::Pending, Some("laptop"), now + 540)
    );
    drop(storage);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('device_authorizations')")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        columns.contains(&"user_code_hash".to_owned()) && !columns.contains(&"user_code".to_owned()),
        "{columns:?}"
    );
    let indexed: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'device_authorizations_by_expiry'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(indexed, 1, "the index by expiry came back with the table");
    drop(conn);
    let file = std::fs::read(&path).unwrap();
    assert!(!file.windows(9).any(|bytes| bytes == b"BCDF-GHJK"), "the code is not in the file");
}

/// Emails were stored as typed before 0003; lookups are by the lowercase form now, so 0003
/// lowercases them, beyond ASCII too, unless two accounts would become one.
#[test]
fn migration_3_lowercases_stored_emails_unless_two_accounts_would_merge() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    {
        let conn = database_at_schema(&path, 2);
        conn.execute_batch(
            "INSERT INTO users (id, email, name, password_hash, created_at) VALUES
                 ('usr_1', 'Ada@Example.test', 'Ada', 'x', 1),
                 ('usr_2', 'ÖL@example.test', 'Öl', 'x', 1),
                 ('usr_3', 'BÖB@example.test', 'Bob', 'x', 1),
                 ('usr_4', 'böb@example.test', 'Bob too', 'x', 1);",
        )
        .unwrap();
    }
    let storage = SqliteStorage::open(&path).unwrap();
    let emails: Vec<(String, String)> =
        storage.users().unwrap().into_iter().map(|user| (user.id, user.email)).collect();
    let email_of = |id: &str| emails.iter().find(|(user, _)| user == id).unwrap().1.clone();
    assert_eq!(email_of("usr_1"), "ada@example.test");
    assert_eq!(email_of("usr_2"), "öl@example.test");
    assert_eq!(storage.user_by_email("öl@example.test").unwrap().unwrap().user.id, "usr_2");
    assert_eq!((email_of("usr_3"), email_of("usr_4")), ("BÖB@example.test".into(), "böb@example.test".into()));
    // Admin commands reach each of the two left apart: by its email as stored, else as it normalizes.
    let user_id = |typed: &str| keystroke_platform::admin::user(&storage, typed).unwrap().id;
    assert_eq!((user_id("BÖB@example.test"), user_id("böb@example.test")), ("usr_3".into(), "usr_4".into()));
    assert_eq!(user_id("Böb@Example.test"), "usr_4");
    assert_eq!(user_id("BÖB@EXAMPLE.TEST"), "usr_4", "not as stored: by how it normalizes");
    let (signed_out, _) = keystroke_platform::admin::sign_out_everywhere(&storage, "BÖB@example.test").unwrap();
    assert_eq!(signed_out.id, "usr_3", "not the other account");
}

/// Emails were stored lowercased but as typed before 0010 (`ü` as `u` and a combining mark, as
/// some keyboards and pasted text give it); lookups are by the composed form now, so 0010
/// composes them, unless two accounts would become one.
#[test]
fn migration_10_composes_stored_emails_unless_two_accounts_would_merge() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    drop(SqliteStorage::open(&path).unwrap());
    {
        // 0010 changes no table: a database at 9 is this one with its version set back, without
        // 0011's index.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("DROP INDEX audit_events_by_org").unwrap();
        let mut insert = conn
            .prepare("INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, 'N', 'x', 1)")
            .unwrap();
        for (id, email) in [
            ("usr_1", "ju\u{308}rgen@example.test"),
            ("usr_2", "zo\u{308}e@example.test"),
            ("usr_3", "z\u{f6}e@example.test"),
        ] {
            insert.execute([id, email]).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
    }
    let storage = SqliteStorage::open(&path).unwrap();
    assert_eq!(storage.user_by_email("j\u{fc}rgen@example.test").unwrap().unwrap().user.id, "usr_1");
    let emails: Vec<(String, String)> =
        storage.users().unwrap().into_iter().map(|user| (user.id, user.email)).collect();
    let email_of = |id: &str| emails.iter().find(|(user, _)| user == id).unwrap().1.clone();
    assert_eq!(email_of("usr_1"), "j\u{fc}rgen@example.test");
    assert_eq!(
        (email_of("usr_2"), email_of("usr_3")),
        ("zo\u{308}e@example.test".into(), "z\u{f6}e@example.test".into()),
        "left as they were: they would be one account"
    );
    let user_id = |typed: &str| keystroke_platform::admin::user(&storage, typed).unwrap().id;
    assert_eq!(user_id("zo\u{308}e@example.test"), "usr_2", "by its email as stored");
    assert_eq!(user_id("Z\u{f6}e@example.test"), "usr_3");
}

/// Key events written before 0004 keep their place, with no detail; membership changes are on
/// record from then on, with the role.
#[test]
fn migration_4_keeps_the_audit_trail_and_records_membership_from_then_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    {
        let conn = database_at_schema(&path, 3);
        conn.execute_batch(
            "INSERT INTO users (id, email, name, password_hash, created_at) VALUES
                 ('usr_1', 'ada@example.test', 'Ada', 'x', 1), ('usr_2', 'bo@example.test', 'Bo', 'x', 1);
             INSERT INTO orgs (id, slug, name, created_at) VALUES ('org_1', 'acme', 'Acme', 1);
             INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ('org_1', 'usr_1', 'owner', 1);
             INSERT INTO audit_events (org_id, actor_id, action, target_id, created_at)
                 VALUES ('org_1', 'usr_1', 'api_key.create', 'ak_old', 2);",
        )
        .unwrap();
    }
    let storage = SqliteStorage::open(&path).unwrap();
    assert!(storage.add_membership("org_1", "usr_2", Role::Builder, 3).unwrap());
    assert!(storage.set_role("org_1", "usr_2", Role::Admin, 4).unwrap());
    assert!(storage.set_role("org_1", "usr_2", Role::Admin, 5).unwrap()); // no change, no event
    assert!(storage.remove_membership("org_1", "usr_2", 6).unwrap());
    let events: Vec<_> = storage
        .audit_events("org_1")
        .unwrap()
        .into_iter()
        .map(|event| (event.action, event.actor_email, event.target_id, event.detail, event.created_at))
        .collect();
    let bo = || ("bo@example.test".to_owned(), "usr_2".to_owned());
    assert_eq!(
        events,
        [
            ("api_key.create".into(), "ada@example.test".into(), "ak_old".into(), None, 2),
            ("member.add".into(), bo().0, bo().1, Some("builder".into()), 3),
            ("member.set_role".into(), bo().0, bo().1, Some("admin".into()), 4),
            ("member.remove".into(), bo().0, bo().1, Some("admin".into()), 6),
        ]
    );
}

/// Sign-ins that expired over an hour before the upgrade to 0005 go with it; recent ones stay.
#[test]
fn migration_5_deletes_the_sign_ins_that_piled_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    let now = keystroke_platform::clock::now();
    {
        let conn = database_at_schema(&path, 4);
        for (id, expires_at) in [("dev_old", now - 2 * 3600), ("dev_recent", now - 60), ("dev_live", now + 600)] {
            conn.execute(
                "INSERT INTO device_authorizations (id, device_code_hash, user_code, client_id, client_name,
                     requester_ip, created_at, expires_at, interval_secs, status)
                 VALUES (?1, ?2, ?1, 'keystroke-cli', 'keystroke/0.1', '127.0.0.1', ?3, ?4, 5, 'pending')",
                rusqlite::params![id, &hash_secret(id).0[..], expires_at - 600, expires_at],
            )
            .unwrap();
        }
    }
    drop(SqliteStorage::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM device_authorizations ORDER BY expires_at")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, ["dev_recent", "dev_live"]);
}

/// Memberships and projects written before 0006 are all there after it (but a membership whose
/// user was deleted by hand), found and listed as before: a membership in one B-tree descent,
/// an org's projects in the index's order, without sorting.
#[test]
fn migration_6_keeps_memberships_and_projects_and_reads_them_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    {
        let conn = database_at_schema(&path, 5);
        conn.execute_batch(
            "INSERT INTO users (id, email, name, password_hash, created_at) VALUES
                 ('usr_1', 'ada@example.test', 'Ada', 'x', 1), ('usr_2', 'bo@example.test', 'Bo', 'x', 1);
             INSERT INTO orgs (id, slug, name, created_at) VALUES ('org_1', 'acme', 'Acme', 1), ('org_2', 'globex', 'Globex', 1);
             INSERT INTO memberships (org_id, user_id, role, created_at) VALUES
                 ('org_1', 'usr_1', 'owner', 1), ('org_1', 'usr_2', 'builder', 2), ('org_2', 'usr_2', 'admin', 3);
             INSERT INTO projects (id, org_id, name, created_by, created_at) VALUES
                 ('prj_b', 'org_1', 'Second', 'usr_1', 20), ('prj_c', 'org_1', 'Third', 'usr_1', 20),
                 ('prj_a', 'org_1', 'First', 'usr_1', 10), ('prj_x', 'org_2', 'Other', 'usr_2', 5);
             -- A user deleted by hand in a `sqlite3` shell, where foreign keys are off: their
             -- membership is left pointing at no one.
             PRAGMA foreign_keys = OFF;
             INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('usr_3', 'cy@example.test', 'Cy', 'x', 1);
             INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ('org_1', 'usr_3', 'admin', 4);
             DELETE FROM users WHERE id = 'usr_3';",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO api_keys (id, org_id, created_by, name, preview, secret_hash, created_at)
             VALUES ('ak_cy', 'org_1', 'usr_3', 'Cy''s', 'key_test_…', ?1, 4)",
            [&hash_secret("cy's key").0[..]],
        )
        .unwrap();
    }
    // Upgraded by a command, whose log names what it left out.
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
        .args(["user", "list", "--db"])
        .arg(&path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&listed.stderr);
    assert!(
        said.contains(
            "a membership of a user or org that no longer exists (deleted outside keystroke-platform) was \
                       left out org=org_1 user=usr_3 role=admin"
        ),
        "{said}"
    );
    let storage = SqliteStorage::open(&path).unwrap();
    assert_eq!(storage.role_in("org_1", "usr_1").unwrap(), Some(Role::Owner));
    assert_eq!(storage.role_in("org_1", "usr_2").unwrap(), Some(Role::Builder));
    assert_eq!(storage.role_in("org_2", "usr_2").unwrap(), Some(Role::Admin));
    assert_eq!(storage.role_in("org_2", "usr_1").unwrap(), None);
    assert_eq!(storage.role_in("org_1", "usr_3").unwrap(), None, "the membership of no one is gone");
    // The key of that user had worked through it; now it is refused, as a removed member's are.
    let key = storage.key_credential(&hash_secret("cy's key")).unwrap().unwrap();
    assert_eq!((key.key_id.as_str(), key.role), ("ak_cy", None));
    let orgs: Vec<_> = storage.memberships_of("usr_2").unwrap().into_iter().map(|m| (m.org.slug, m.role)).collect();
    assert_eq!(orgs, [("acme".to_owned(), Role::Builder), ("globex".to_owned(), Role::Admin)]);
    let listed: Vec<_> = storage.projects_of("org_1").unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(listed, ["prj_a", "prj_b", "prj_c"]);
    drop(storage);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let plan = |sql: &str| -> String {
        let mut explain = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = explain.query_map(["org_1", "usr_1"], |row| row.get::<_, String>(3)).unwrap();
        rows.map(|row| row.unwrap()).collect::<Vec<_>>().join("; ")
    };
    let membership = plan("SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2");
    assert_eq!(membership, "SEARCH memberships USING PRIMARY KEY (org_id=? AND user_id=?)");
    // `projects_of`'s query (storage/sqlite/queries/org_resources.rs), with `?2` to take the second parameter.
    let projects = plan("SELECT id, name, created_at FROM projects WHERE org_id = ?1 AND ?2 ORDER BY created_at, id");
    assert_eq!(projects, "SEARCH projects USING INDEX projects_by_org (org_id=?)");
    let foreign_key_problems: i64 =
        conn.query_row("SELECT count(*) FROM pragma_foreign_key_check('memberships')", [], |row| row.get(0)).unwrap();
    assert_eq!(foreign_key_problems, 0);
}

/// An upgrade is said on stderr (older platforms refuse the database from then on), by whichever
/// command made it: a listing too.
#[test]
fn an_upgrade_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    drop(database_at_schema(&path, 2));
    let run = |path: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
            .args(["user", "list", "--db"])
            .arg(path)
            .output()
            .unwrap()
    };
    let listed = run(&path);
    assert!(listed.status.success(), "{listed:?}");
    let said = String::from_utf8_lossy(&listed.stderr);
    let now: usize =
        rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert!(said.contains("upgraded the database's schema") && said.contains(&format!("from=2 to={now}")), "{said}");
    let again = run(&path);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("upgraded"), "{again:?}");

    // A SQLite database with nothing in it is no platform's: a listing leaves it as it is.
    let empty = dir.path().join("empty.db");
    rusqlite::Connection::open(&empty).unwrap().execute_batch("CREATE TABLE t (x); DROP TABLE t;").unwrap();
    let before = std::fs::read(&empty).unwrap();
    let refused = run(&empty);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("is an empty SQLite database, not one with users (it was left as it is)"), "{said}");
    assert_eq!(std::fs::read(&empty).unwrap(), before);
}

/// A database a newer platform upgraded is refused by this one, untouched, saying what to do.
#[test]
fn a_database_from_a_newer_platform_is_refused_with_the_way_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    drop(SqliteStorage::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let known: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    conn.pragma_update(None, "user_version", known + 1).unwrap();
    drop(conn);
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
        .args(["user", "list", "--db"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&listed.stderr),
        format!(
            "error: migrating database {}: the database was written by a newer keystroke-platform (schema {}, this \
             one knows {known}): run that version, or, to go back to this one, restore the backup taken before the \
             upgrade\n",
            path.display(),
            known + 1
        )
    );
    let version: usize =
        rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, known + 1, "untouched");
}

/// An upgrade that fails part of the way (a full disk, say; here an index in the way of step 5)
/// keeps the steps made before, each its own transaction, and says where the database stands and
/// what to do: run it again once the cause is fixed, or restore the backup.
#[test]
fn an_upgrade_that_fails_part_of_the_way_says_where_the_database_stands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    {
        let conn = database_at_schema(&path, 3);
        conn.execute_batch("CREATE INDEX device_authorizations_by_expiry ON device_authorizations (id)").unwrap();
    }
    let error = format!("{:#}", SqliteStorage::open(&path).err().expect("step 5 fails"));
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count();
    let expected = format!(
        "upgrading the database's schema to {} failed at step 5; the database is at schema 4 now (upgraded from 3, \
         which older versions refuse): once the cause is fixed (a full disk, say), run the command again to finish \
         the upgrade, or restore the backup taken before it: ",
        shipped
    );
    assert!(error.contains(&expected), "{error}\n{expected}");
    assert!(error.contains("index device_authorizations_by_expiry already exists"), "{error}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
    assert_eq!(version, 4, "the step before is kept, the failed one rolled back");
    conn.execute_batch("DROP INDEX device_authorizations_by_expiry").unwrap();
    drop(conn);
    SqliteStorage::open(&path).expect("run again, it finishes");
}

/// A database an older version made, read-only: the upgrade would write to it, and the refusal
/// says so (a read-only database of this version's schema is read as it is).
#[cfg(unix)]
#[test]
fn a_read_only_older_database_says_the_upgrade_needs_to_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.db");
    // In WAL mode, as the platform leaves every database it opened.
    database_at_schema(&path, 2).pragma_update(None, "journal_mode", "WAL").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    let error = format!("{:#}", SqliteStorage::open(&path).err().expect("refused"));
    assert!(
        error.starts_with(
            "the database was made by an older keystroke-platform, and upgrading it to this version's schema writes \
             to it: the database "
        ),
        "{error}"
    );
    assert!(error.contains("is read-only"), "{error}");
}
