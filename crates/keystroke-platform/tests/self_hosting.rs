//! Self-hosting with the real binary: bootstrap users, an org and roles from the command line,
//! `serve` a production platform on loopback, sign in through the device flow, stop on SIGTERM.

mod common;
#[path = "../../../tests/skip/mod.rs"]
mod skip;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::Spawned;
use serde_json::Value;

fn platform(db: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
        .args(args)
        .arg("--db")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command refused before it reads its input (another program's database, say) may have
    // exited already: the closed pipe is part of what is tested, not a failure of the harness.
    if let Err(error) = child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes()) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "writing the command's stdin");
    }
    child.wait_with_output().unwrap()
}

/// `keystroke-platform serve --bind BIND --db DB`, its log (uncolored) on a pipe; stopped when
/// dropped.
fn serving(db: &Path, bind: &str) -> Spawned {
    Spawned(
        Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
            .args(["serve", "--bind", bind, "--db"])
            .arg(db)
            .env("NO_COLOR", "1")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bootstrap_serve_and_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let password = "correct horse battery staple";

    let added = platform(
        &db,
        &["user", "add", "--email", "owner@example.test", "--name", "Olive Owner"],
        Some(&format!("{password}\n")),
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stderr(&added).starts_with("Added user Olive Owner <owner@example.test>"));
    let created =
        format!("Created the database {} (a new installation; if you meant another, check `--db`)", db.display());
    assert!(stderr(&added).contains(&created), "{}", stderr(&added));
    // It holds password digests: other users lose their permissions, the owner keeps theirs.
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    assert!(platform(&db, &["user", "list"], None).status.success());
    assert_eq!(mode(&db), 0o400, "still read-only, as its owner made it");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    // A read while it was read-only may leave `-wal` and `-shm` with its mode (SQLite gives them
    // the database's): here made so whether that read did or not. Made writable again, the
    // database takes them along, and the next change goes through (root's was refused, the
    // owner's could not write them).
    let companions = ["platform.db-wal", "platform.db-shm"].map(|name| dir.path().join(name));
    for file in &companions {
        if !file.exists() {
            std::fs::write(file, "").unwrap();
        }
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o400)).unwrap();
    }
    let changed =
        platform(&db, &["user", "add", "--email", "c@example.test", "--name", "Cy"], Some("long enough, too\n"));
    assert!(changed.status.success(), "{}", stderr(&changed));
    for file in companions.iter().filter(|file| file.exists()) {
        assert_eq!(mode(file), 0o600, "{} follows the database", file.display());
    }
    let again = platform(
        &db,
        &["user", "add", "--email", "owner@example.test", "--name", "Olive"],
        Some(&format!("{password}\n")),
    );
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        stderr(&again),
        "error: a user with email owner@example.test exists already (`keystroke-platform user set-password --email \
         owner@example.test` gives them a new password)\n"
    );
    let short = platform(&db, &["user", "add", "--email", "b@example.test", "--name", "Bo"], Some("short\n"));
    assert_eq!(stderr(&short), "error: the password must be at least 12 characters long\n");
    // Refused before any file is made: a mistyped path stays a typo for the next command.
    let elsewhere = dir.path().join("other.db");
    let refused = platform(&elsewhere, &["user", "add", "--email", "b@example.test", "--name", "Bo"], Some("short\n"));
    assert!(!refused.status.success());
    assert!(!elsewhere.exists(), "no database was made");
    assert!(
        platform(
            &db,
            &["user", "add", "--email", "b@example.test", "--name", "Bo Builder"],
            Some("another long password\n")
        )
        .status
        .success()
    );

    // Past the first user, a database path that leads nowhere is a typo, not a new installation.
    let typo = dir.path().join("platfrom.db");
    for args in [
        &["org", "create", "--slug", "example", "--name", "Example", "--owner", "owner@example.test"][..],
        &["member", "add", "--org", "example", "--email", "b@example.test", "--role", "builder"],
    ] {
        let refused = platform(&typo, args, None);
        assert_eq!(refused.status.code(), Some(1), "{args:?}");
        assert!(stderr(&refused).starts_with(&format!("error: there is no database at {}:", typo.display())));
        assert!(!typo.exists(), "{args:?} made a database");
    }
    std::fs::write(&typo, "").unwrap();
    let empty = platform(&typo, &["member", "remove", "--org", "example", "--email", "b@example.test"], None);
    assert_eq!(
        stderr(&empty),
        format!(
            "error: {} is an empty file, not a database with users: add the first user with `user add`\n",
            typo.display()
        )
    );
    assert_eq!(std::fs::metadata(&typo).unwrap().len(), 0, "left as it was");

    // The owner's email typed in capitals is the same account, and named as it is stored.
    let org = platform(
        &db,
        &["org", "create", "--slug", "example", "--name", "Example", "--owner", "Owner@Example.TEST"],
        None,
    );
    assert!(org.status.success(), "{}", stderr(&org));
    assert_eq!(stderr(&org), "Created org `example` (Example) owned by owner@example.test\n");
    let again =
        platform(&db, &["org", "create", "--slug", "example", "--name", "Twin", "--owner", "owner@example.test"], None);
    assert_eq!(
        stderr(&again),
        "error: an org with slug `example` exists already: pick another (`keystroke-platform org list` shows them)\n"
    );
    assert_eq!(
        stderr(&platform(&db, &["member", "list", "--org", "exmaple"], None)),
        "error: no org with slug `exmaple` (`keystroke-platform org list` shows every org)\n"
    );
    // A slug that reads as a secret would be hidden by every log line and error naming it.
    let secret_like = "acmeproductioneuwest2026abcdefghijklmn";
    let refused =
        platform(&db, &["org", "create", "--slug", secret_like, "--name", "X", "--owner", "owner@example.test"], None);
    assert_eq!(
        stderr(&refused),
        "error: that slug reads as a secret (the body of a key's secret, in small letters), which logs and errors \
         hide: break it with dashes\n"
    );
    for slug in [&["--slug", "Not OK"][..], &["--slug", "-dash-first"]] {
        let args = [&["org", "create"][..], slug, &["--name", "x", "--owner", "owner@example.test"]].concat();
        let bad_slug = platform(&db, &args, None);
        assert!(!bad_slug.status.success());
        assert!(stderr(&bad_slug).contains("is not a valid org slug: slugs are 2 to 40"), "{}", stderr(&bad_slug));
    }
    // Names end up in the CLI's tables and on web pages: no terminal escapes, a bounded length.
    let escapes = "Org\u{1b}]0;pwned\u{7}";
    let bad_name =
        platform(&db, &["org", "create", "--slug", "evil", "--name", escapes, "--owner", "owner@example.test"], None);
    assert_eq!(stderr(&bad_name), "error: the org name must not contain control characters\n");
    let long = "x".repeat(5_000);
    let bad_name =
        platform(&db, &["org", "create", "--slug", "long", "--name", &long, "--owner", "owner@example.test"], None);
    assert_eq!(stderr(&bad_name), "error: the org name is 5000 characters long; the limit is 100\n");
    let bad_user = platform(
        &db,
        &["user", "add", "--email", "e@example.test", "--name", "Evil\u{1b}[31mRED"],
        Some("a long enough password\n"),
    );
    assert_eq!(stderr(&bad_user), "error: the user name must not contain control characters\n");
    let bad_email = platform(
        &db,
        &["user", "add", "--email", "e\u{1b}[2J@example.test", "--name", "Eve"],
        Some("a long enough password\n"),
    );
    assert_eq!(
        stderr(&bad_email),
        "error: `e\\u{1b}[2J@example.test` is not an email address: it has an invisible or control character\n"
    );
    let filler = platform(
        &db,
        &["user", "add", "--email", "e\u{3164}@example.test", "--name", "Eve"],
        Some("a long enough password\n"),
    );
    assert_eq!(
        stderr(&filler),
        "error: `e\\u{3164}@example.test` is not an email address: it has an invisible or control character\n"
    );
    for (email, problem) in [
        ("dave@@example.test", "`dave@@example.test` is not an email address, like `ada@example.com`"),
        ("<b>e</b>@example.test", "`<b>e</b>@example.test` is not an email address, like `ada@example.com`"),
        ("no-at-sign", "`no-at-sign` is not an email address, like `ada@example.com`"),
        ("a b@example.test", "`a b@example.test` is not an email address: it has a space"),
        // Quoted back cut short, not whole.
        (
            &format!("{}@@x.test", "a".repeat(5_000)),
            &format!("`{}…` is not an email address, like `ada@example.com`", "a".repeat(40)),
        ),
        // A key pasted into the wrong argument is not repeated.
        ("key_live_HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhC", "(a secret, not repeated here) is not an email address"),
    ] {
        // Refused before a password is asked for (none is given here), not after it was typed twice.
        let refused = platform(&db, &["user", "add", "--email", email, "--name", "Eve"], None);
        assert_eq!(stderr(&refused), format!("error: {problem}\n"));
    }
    // Whatever a message quotes back, an escape sequence in it is written out, not run.
    let removed = platform(&db, &["member", "remove", "--org", "example", "--email", "x\u{1b}[31m@y.test"], None);
    assert!(!stderr(&removed).contains('\u{1b}') && stderr(&removed).contains("\\u{1b}[31m"), "{}", stderr(&removed));
    let nobody = platform(&db, &["user", "set-password", "--email", "nobody@example.test"], None);
    assert_eq!(
        stderr(&nobody),
        "error: no user with email nobody@example.test (`keystroke-platform user list` shows every user; `user add` \
         adds one)\n"
    );
    // One address is one account however it is typed, beyond ASCII too.
    let umlaut = platform(
        &db,
        &["user", "add", "--email", "Bob@Exämple.test", "--name", "Bob"],
        Some("a long enough password\n"),
    );
    assert!(stderr(&umlaut).starts_with("Added user Bob <bob@exämple.test> (usr_"), "{}", stderr(&umlaut));
    assert!(!stderr(&umlaut).contains("Created the database"), "{}", stderr(&umlaut));
    // Also said before a password is asked for.
    let twin = platform(&db, &["user", "add", "--email", "BOB@EXÄMPLE.TEST", "--name", "Bob2"], None);
    assert!(
        stderr(&twin).starts_with("error: a user with email bob@exämple.test exists already ("),
        "{}",
        stderr(&twin)
    );
    let add =
        platform(&db, &["member", "add", "--org", "example", "--email", "b@example.test", "--role", "builder"], None);
    assert_eq!(stderr(&add), "Added b@example.test to `example` as builder\n");
    let promote = platform(
        &db,
        &["member", "set-role", "--org", "example", "--email", "b@example.test", "--role", "admin"],
        None,
    );
    assert_eq!(stderr(&promote), "b@example.test is now admin in `example`\n");
    let again = platform(
        &db,
        &["member", "set-role", "--org", "example", "--email", "b@example.test", "--role", "admin"],
        None,
    );
    assert_eq!(stderr(&again), "b@example.test is admin in `example` already; nothing changed\n");
    let listed = platform(&db, &["member", "list", "--org", "example"], None);
    assert_eq!(
        String::from_utf8(listed.stdout).unwrap(),
        "EMAIL               ROLE   NAME\n\
         b@example.test      admin  Bo Builder\n\
         owner@example.test  owner  Olive Owner\n"
    );
    let users = platform(&db, &["user", "list"], None);
    assert_eq!(
        String::from_utf8(users.stdout).unwrap(),
        "EMAIL               NAME\n\
         b@example.test      Bo Builder\n\
         bob@exämple.test    Bob\n\
         c@example.test      Cy\n\
         owner@example.test  Olive Owner\n"
    );
    let orgs = platform(&db, &["org", "list"], None);
    assert_eq!(String::from_utf8(orgs.stdout).unwrap(), "SLUG     MEMBERS  NAME\nexample  2        Example\n");
    // The same lists for scripts: one JSON array each, nothing on stderr.
    let listed_json = |args: &[&str]| -> Value {
        let output = platform(&db, &[args, &["--json"]].concat(), None);
        assert!(output.status.success() && output.stderr.is_empty(), "{args:?}: {}", stderr(&output));
        serde_json::from_slice(&output.stdout).unwrap()
    };
    assert_eq!(
        listed_json(&["member", "list", "--org", "example"]),
        serde_json::json!([
            {"email": "b@example.test", "role": "admin", "name": "Bo Builder"},
            {"email": "owner@example.test", "role": "owner", "name": "Olive Owner"},
        ])
    );
    assert_eq!(
        listed_json(&["user", "list"]),
        serde_json::json!([
            {"email": "b@example.test", "name": "Bo Builder"},
            {"email": "bob@exämple.test", "name": "Bob"},
            {"email": "c@example.test", "name": "Cy"},
            {"email": "owner@example.test", "name": "Olive Owner"},
        ])
    );
    assert_eq!(
        listed_json(&["org", "list"]),
        serde_json::json!([{"slug": "example", "members": 2, "name": "Example"}])
    );
    // Keys in the columns' order, not sorted.
    let raw = platform(&db, &["member", "list", "--org", "example", "--json"], None).stdout;
    let raw = String::from_utf8(raw).unwrap();
    let at = |key: &str| raw.find(&format!("\"{key}\"")).unwrap();
    assert!(at("email") < at("role") && at("role") < at("name"), "{raw}");
    // A reader gone before the list is written (`| head -0`), or a stderr nobody reads: the
    // command's outcome and exit code stand, with no panic.
    let closed_pipe = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        writer
    };
    let mut list = Command::new(env!("CARGO_BIN_EXE_keystroke-platform"));
    let list = list.args(["user", "list", "--db"]).arg(&db).stdout(closed_pipe()).output().unwrap();
    assert_eq!((list.status.code(), stderr(&list)), (Some(0), String::new()));
    let unheard = Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
        .args(["member", "set-role", "--org", "example", "--email", "b@example.test", "--role", "builder", "--db"])
        .arg(&db)
        .stderr(closed_pipe())
        .output()
        .unwrap();
    assert_eq!(unheard.status.code(), Some(0));
    assert_eq!(listed_json(&["member", "list", "--org", "example"])[0]["role"], "builder", "done all the same");
    let bad_role =
        platform(&db, &["member", "set-role", "--org", "example", "--email", "b@example.test", "--role", "root"], None);
    assert_eq!(bad_role.status.code(), Some(2));
    assert!(stderr(&bad_role).contains("unknown role `root`"));
    let remove = platform(&db, &["member", "remove", "--org", "example", "--email", "b@example.test"], None);
    assert!(remove.status.success());
    let remove_again = platform(&db, &["member", "remove", "--org", "example", "--email", "b@example.test"], None);
    assert_eq!(stderr(&remove_again), "error: b@example.test is not a member of `example`\n");
    let remove_nobody =
        platform(&db, &["member", "remove", "--org", "example", "--email", "nobody@example.test"], None);
    assert_eq!(
        stderr(&remove_nobody),
        "error: nobody@example.test is not a member of `example`: no user has that email\n"
    );
    // A key pasted into the wrong argument is never repeated.
    let key = "key_live_HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhC";
    let remove_key = platform(&db, &["member", "remove", "--org", "example", "--email", key], None);
    assert_eq!(
        stderr(&remove_key),
        "error: (a secret, not repeated here) is not a member of `example`: no user has that email\n"
    );
    let org_key = platform(&db, &["org", "create", "--slug", key, "--name", "X", "--owner", "b@example.test"], None);
    assert!(stderr(&org_key).starts_with("error: (a secret, not repeated here) is not a valid org slug"));
    // A path that leads to some other file is named.
    let not_a_database = dir.path().join("notes.txt");
    std::fs::write(&not_a_database, "x".repeat(4096)).unwrap();
    let wrong_file =
        platform(&not_a_database, &["member", "remove", "--org", "example", "--email", "b@example.test"], None);
    let expected = format!(
        "error: {} is not a SQLite database: give `--db` the platform's database, or a new file\n",
        not_a_database.display()
    );
    assert_eq!(stderr(&wrong_file), expected);
    // Another program's SQLite database is refused, by every command, and left exactly as it was:
    // one with a schema version of its own, and one in WAL mode (a read-only open of that would
    // leave `-wal` and `-shm` files behind).
    for (file, setup) in [
        ("invoices.db", "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER); PRAGMA user_version = 2;"),
        ("journal.db", "PRAGMA journal_mode = WAL; CREATE TABLE entries (id INTEGER PRIMARY KEY, text TEXT);"),
    ] {
        let theirs = dir.path().join(file);
        let conn = rusqlite::Connection::open(&theirs).unwrap();
        conn.execute_batch(setup).unwrap();
        drop(conn);
        let before = std::fs::read(&theirs).unwrap();
        for args in [&["user", "list"][..], &["user", "add", "--email", "c@example.test", "--name", "C"]] {
            let refused = platform(&theirs, args, Some("a long enough password\n"));
            assert_eq!(
                stderr(&refused),
                format!(
                    "error: {} is a SQLite database of another program (its tables are not keystroke's); it was \
                     left as it is: give `--db` the platform's database, or a new file\n",
                    theirs.display()
                )
            );
        }
        assert_eq!(std::fs::read(&theirs).unwrap(), before, "not a byte of {file} changed");
        let beside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.starts_with(file) && name != file)
            .collect();
        assert!(beside.is_empty(), "no files beside {file}: {beside:?}");
    }
    // What is not a regular file is refused before SQLite opens it: opening a device or a pipe
    // would change its permissions for everyone and leave a journal beside it.
    let pipe = dir.path().join("pipe.db");
    assert!(Command::new("mkfifo").args(["-m", "644"]).arg(&pipe).status().unwrap().success());
    let folder = dir.path().join("folder.db");
    std::fs::create_dir(&folder).unwrap();
    for not_a_file in [&pipe, &folder] {
        for args in [&["user", "list"][..], &["user", "add", "--email", "c@example.test", "--name", "C"]] {
            let refused = platform(not_a_file, args, Some("a long enough password\n"));
            assert_eq!(
                stderr(&refused),
                format!(
                    "error: {} is not a regular file (a folder, a device or a pipe): give `--db` the platform's \
                     database file\n",
                    not_a_file.display()
                ),
                "{args:?}"
            );
        }
    }
    assert_eq!(mode(&pipe), 0o644, "the pipe's mode is kept");
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("pipe.db-") || name.starts_with("folder.db-"))
        .collect();
    assert!(beside.is_empty(), "no journal beside them: {beside:?}");

    // A directory that is not there is named with what to check.
    let nowhere = dir.path().join("no-such-dir/platform.db");
    let cannot = platform(
        &nowhere,
        &["user", "add", "--email", "c@example.test", "--name", "C"],
        Some("a long enough password\n"),
    );
    assert_eq!(
        stderr(&cannot),
        format!(
            "error: cannot open the database {}: its folder {folder} does not exist: create it (`install -d -m 700 \
             {folder}`)\n",
            nowhere.display(),
            folder = nowhere.parent().unwrap().display()
        )
    );

    // Serve it on a free loopback port; the log line tells which.
    let mut server = serving(&db, "127.0.0.1:0");
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let listening =
        lines.by_ref().map_while(Result::ok).find(|line| line.contains("address=")).expect("a listening line");
    let address = listening.split("address=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    // What an operator checks the setup by, in the same line.
    assert!(listening.contains(&format!(" public_url=http://{address} behind_proxy=false")), "{listening}");
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<String>>());
    let url = format!("http://{address}");

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::blocking::Client::new();
    let auth: Value = http
        .post(format!("{url}/oauth/device/code"))
        .form(&[("client_id", "keystroke-cli")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(auth["interval"], 5);
    let user_code = auth["user_code"].as_str().unwrap();
    // A new password set from the command line: the old one no longer signs in.
    let reset =
        platform(&db, &["user", "set-password", "--email", "owner@example.test"], Some("a brand new passphrase\n"));
    assert_eq!(
        stderr(&reset),
        "Set a new password for owner@example.test; their sessions already signed in stay valid: end them with \
         `keystroke-platform user sign-out --email owner@example.test`\n"
    );
    let decide = keystroke_platform::dev::browser::decide;
    let old_password = decide(&url, user_code, "owner@example.test", password, "approve").unwrap_err();
    assert_eq!(old_password.to_string(), "signing in on the approval page failed with HTTP 401");
    decide(&url, user_code, "owner@example.test", "a brand new passphrase", "approve").unwrap();
    let token: Value = http
        .post(format!("{url}/oauth/token"))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", auth["device_code"].as_str().unwrap()),
            ("client_id", "keystroke-cli"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let session = token["access_token"].as_str().expect("a session token");
    let created: Value = http
        .post(format!("{url}/api/orgs/example/api-keys"))
        .bearer_auth(session)
        .json(&serde_json::json!({"name": "self-hosted"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(created["secret"].as_str().unwrap().starts_with("key_live_"));
    // The admin reads what happened in the org, on the running platform's database.
    let audit = platform(&db, &["audit", "list", "--org", "example"], None);
    let audit = String::from_utf8(audit.stdout).unwrap();
    let lines: Vec<Vec<&str>> = audit.lines().map(|line| line.split_whitespace().collect()).collect();
    assert_eq!(lines[0], ["TIME", "ACTION", "USER", "TARGET", "DETAIL"], "{audit}");
    // Membership first (the org's creation, then Bo added, promoted, demoted and removed by the
    // admin commands), each with the role; then the key.
    let without_time_and_ids: Vec<Vec<&str>> = lines[1..]
        .iter()
        .map(|line| line[1..].iter().copied().filter(|field| !field.starts_with("usr_")).collect())
        .collect();
    assert_eq!(
        without_time_and_ids,
        [
            vec!["member.add", "owner@example.test", "owner"],
            vec!["member.add", "b@example.test", "builder"],
            vec!["member.set_role", "b@example.test", "admin"],
            vec!["member.set_role", "b@example.test", "builder"],
            vec!["member.remove", "b@example.test", "builder"],
            vec!["api_key.create", "owner@example.test", created["id"].as_str().unwrap()],
        ],
        "{audit}"
    );
    let key_line = lines.last().unwrap();
    assert!(key_line[0].ends_with('Z') && key_line[0].len() == "2026-11-26T23:40:08Z".len(), "{audit}");
    let audit = platform(&db, &["audit", "list", "--org", "example", "--json"], None);
    assert!(audit.status.success() && audit.stderr.is_empty(), "{}", stderr(&audit));
    let audit: Value = serde_json::from_slice(&audit.stdout).unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 6, "{audit}");
    let key_event = &audit[5];
    assert_eq!(key_event["action"], "api_key.create", "{audit}");
    assert_eq!((&key_event["actor_email"], &key_event["target_id"]), (&"owner@example.test".into(), &created["id"]));
    assert_eq!((&key_event["detail"], &audit[2]["detail"]), (&Value::Null, &"admin".into()));
    assert_eq!(key_event["created_at"].as_str().unwrap(), key_line[0], "the same time as in the columns");
    // `--since` keeps the events at or after a date, a time or an age.
    let since = |when: &str| {
        let listed = platform(&db, &["audit", "list", "--org", "example", "--json", "--since", when], None);
        assert!(listed.status.success(), "{}", stderr(&listed));
        serde_json::from_slice::<Value>(&listed.stdout).unwrap().as_array().unwrap().len()
    };
    assert_eq!((since("1d"), since("2026-01-01"), since("2w")), (6, 6, 6));
    // At the key's second: the key, and what came in that second before it (times in one format,
    // so that their text sorts as they do).
    let at_or_after_key =
        audit.as_array().unwrap().iter().filter(|event| event["created_at"].as_str() >= Some(key_line[0]));
    assert_eq!(since(key_line[0]), at_or_after_key.count());
    assert_eq!((since("2999-01-01"), since("2999-01-01T00:00:00Z")), (0, 0));
    let to_come = platform(&db, &["audit", "list", "--org", "example", "--since", "2999-01-01"], None);
    assert_eq!(stderr(&to_come), "2999-01-01T00:00:00Z is still to come: no event is at or after it\n");
    let unclear = platform(&db, &["audit", "list", "--org", "example", "--since", "last week"], None);
    assert_eq!(unclear.status.code(), Some(2));
    assert!(stderr(&unclear).contains("expected a date (2026-11-28), a time (2026-11-28T09:30:00Z) or an age"));
    // `6m` is six minutes to some and six months to others: refused, as the CLI's `--expires-in`
    // refuses it, rather than read as the fewer events.
    let ambiguous = platform(&db, &["audit", "list", "--org", "example", "--since", "6m"], None);
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(stderr(&ambiguous).contains("`m` is ambiguous: write `min` for minutes or `mo` for months"));
    // Signed out everywhere by the admin: the session stops working at once, the key does not.
    let me = || http.get(format!("{url}/api/me")).bearer_auth(session).send().unwrap().status();
    assert_eq!(me(), reqwest::StatusCode::OK);
    let sign_out = platform(&db, &["user", "sign-out", "--email", "Owner@Example.test"], None);
    assert_eq!(
        stderr(&sign_out),
        // The CLI's, and the web page's from approving it.
        "Ended 2 sessions of owner@example.test; their API keys keep working (`member remove` ends those)\n"
    );
    assert_eq!(me(), reqwest::StatusCode::UNAUTHORIZED);
    let key = created["secret"].as_str().unwrap();
    let projects = http.get(format!("{url}/api/projects")).header("x-api-key", key).send().unwrap();
    assert_eq!(projects.status(), reqwest::StatusCode::OK);

    // Guessing at passwords from one address: refused past ten tries (the code's page counts
    // too), and the log says so once, not once per try.
    let auth: Value = http
        .post(format!("{url}/oauth/device/code"))
        .form(&[("client_id", "keystroke-cli")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let user_code = auth["user_code"].as_str().unwrap();
    // The address's ten wrong passwords are checked (401), the old password above one of them;
    // past them it waits (429).
    for guess in 2..=13 {
        let refused = decide(&url, user_code, "owner@example.test", "a wrong guess", "approve").unwrap_err();
        let expected = if guess <= 10 { "HTTP 401" } else { "HTTP 429" };
        assert!(refused.to_string().ends_with(expected), "guess {guess}: {refused:#}");
    }

    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    let mut stopped = None;
    for _ in 0..100 {
        if let Some(status) = server.try_wait().unwrap() {
            stopped = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(stopped.expect("the platform stops on SIGTERM").success());
    let log = log.join().unwrap();
    let refusals: Vec<&String> = log.iter().filter(|line| line.contains("too many failed sign-ins")).collect();
    assert_eq!(refusals.len(), 1, "{log:#?}");
    assert!(
        refusals[0].contains(" WARN ")
            && refusals[0].ends_with("too many failed sign-ins (10): refused for 15 more minutes key=\"127.0.0.1\""),
        "{refusals:#?}"
    );
    let stopping = log.iter().position(|line| line.contains("stopping: no new connections")).expect("{log:#?}");
    assert!(log[stopping..].iter().any(|line| line.ends_with("stopped")), "{log:#?}");
}

/// An org keeps an owner, the public URL is one people can open, and an admin command that meets
/// a locked database says what happened.
#[test]
fn admin_commands_refuse_what_would_break_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    for (email, name) in [("olive@example.test", "Olive Owner"), ("ann@example.test", "Ann Admin")] {
        let added = platform(&db, &["user", "add", "--email", email, "--name", name], Some("a long enough password\n"));
        assert!(added.status.success(), "{}", stderr(&added));
    }
    let org =
        platform(&db, &["org", "create", "--slug", "solo", "--name", "Solo", "--owner", "olive@example.test"], None);
    assert!(org.status.success(), "{}", stderr(&org));

    let only_owner = "they are the only owner of `solo`; make another member owner first";
    let demote = platform(
        &db,
        &["member", "set-role", "--org", "solo", "--email", "olive@example.test", "--role", "builder"],
        None,
    );
    assert_eq!(demote.status.code(), Some(1));
    assert!(
        stderr(&demote).contains(&format!("refusing to demote olive@example.test: {only_owner}")),
        "{}",
        stderr(&demote)
    );
    let remove = platform(&db, &["member", "remove", "--org", "solo", "--email", "olive@example.test"], None);
    assert!(
        stderr(&remove).contains(&format!("refusing to remove olive@example.test: {only_owner}")),
        "{}",
        stderr(&remove)
    );

    // With a second owner, either may go.
    let add =
        platform(&db, &["member", "add", "--org", "solo", "--email", "ann@example.test", "--role", "owner"], None);
    assert!(add.status.success(), "{}", stderr(&add));
    let demote = platform(
        &db,
        &["member", "set-role", "--org", "solo", "--email", "olive@example.test", "--role", "admin"],
        None,
    );
    assert!(demote.status.success(), "{}", stderr(&demote));

    for (bad, problem) in [
        ("notaurl", "is not an http:// or https:// URL with a host"),
        ("ftp://example.test", "is not an http:// or https:// URL with a host"),
        ("/relative", "is not an http:// or https:// URL with a host"),
        ("", "is not an http:// or https:// URL with a host"),
        ("https://user:hunter2@example.test", "holds a user name or password"),
        ("https://example.test/#x", "has a `#fragment`"),
        ("https://example.test/?a=b", "has a `?query`"),
        ("https://example.test/keystroke", "has a path; the platform is served at the root of its host name"),
        ("https://:443", "has no host name"),
        ("https://example.test:99999", "has a port that is not one (1 to 65535)"),
        ("https://example.test:0", "has a port that is not one (1 to 65535)"),
    ] {
        let serve = platform(&db, &["serve", "--bind", "127.0.0.1:0", "--public-url", bad], None);
        assert_eq!(serve.status.code(), Some(1), "{bad}: {}", stderr(&serve));
        assert!(stderr(&serve).contains(problem) && !stderr(&serve).contains("hunter2"), "{bad}: {}", stderr(&serve));
    }

    let empty = Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
        .args(["org", "create", "--slug", "other", "--name", "Other", "--owner", "olive@example.test"])
        .env("KEYSTROKE_PLATFORM_DB", "")
        .output()
        .unwrap();
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("set `KEYSTROKE_PLATFORM_DB` to a file"), "{}", stderr(&empty));

    let lock = rusqlite::Connection::open(&db).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let locked = platform(
        &db,
        &["member", "set-role", "--org", "solo", "--email", "olive@example.test", "--role", "builder"],
        None,
    );
    drop(lock);
    assert_eq!(locked.status.code(), Some(1));
    assert_eq!(
        stderr(&locked),
        "error: the database is locked by another process (a running command, an open `sqlite3` shell), \
         and the command did not complete\nhint: try again in a moment\n"
    );
}

/// `serve` on a database with nobody in it (a mistyped `--db`, or a first start) says so at
/// once, rather than leaving people to find out from sign-ins that fail.
#[test]
fn serve_warns_about_a_database_without_users() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platfrom.db");
    let mut server = serving(&db, "localhost:0"); // a host name resolves
    let lines: Vec<String> = BufReader::new(server.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .take_while(|line| !line.contains("listening"))
        .collect();
    let warning = format!(
        "the database {} is new: nobody can sign in until you add a user with `keystroke-platform user add --db {}` \
         (or check `--db`)",
        db.display(),
        db.display()
    );
    assert!(lines.iter().any(|line| line.contains(" WARN ") && line.ends_with(&warning)), "{lines:#?}");
}

/// A database upgraded by a newer keystroke-platform while this one serves it (its admin command
/// run before the old `serve` was stopped): this one stops, saying why, rather than go on failing
/// requests one by one while it seems up.
#[test]
fn serve_stops_once_a_newer_version_upgrades_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let mut server = serving(&db, "127.0.0.1:0");
    let mut log = BufReader::new(server.stderr.take().unwrap()).lines().map_while(Result::ok);
    assert!(log.by_ref().any(|line| line.contains("listening")), "never listened");
    // A platform that never notices would be read from for ever: ended after a minute (the test
    // then fails on how it ended).
    let (noticed, watched) = std::sync::mpsc::channel::<()>();
    let pid = server.id().to_string();
    std::thread::spawn(move || {
        if watched.recv_timeout(std::time::Duration::from_secs(60)).is_err() {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    });
    let newer = keystroke_platform::storage::sqlite::known_schema() + 1;
    // What a newer version's migration leaves: a schema this one does not know.
    rusqlite::Connection::open(&db).unwrap().pragma_update(None, "user_version", newer).unwrap();
    let rest: Vec<String> = log.collect(); // to the end: the platform stopped
    let status = server.wait().unwrap();
    let _ = noticed.send(());
    assert_eq!(status.code(), Some(1), "{rest:#?}");
    assert_eq!(
        rest.last().map(String::as_str),
        Some(&*format!(
            "error: stopped: the database was upgraded to schema {newer} (by a newer keystroke-platform) while this \
             one served it, and this one knows schema {} at most: serve it with the newer version",
            newer - 1
        )),
        "{rest:#?}"
    );
}

/// `serve` raises its soft open-file limit to the hard one (each connection takes a descriptor)
/// and serves that many connections at once, less 256 kept for the database and the rest.
#[test]
fn serve_raises_its_open_file_limit_and_caps_connections_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let hard: u64 = String::from_utf8(Command::new("sh").args(["-c", "ulimit -Hn"]).output().unwrap().stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap_or(1 << 20); // "unlimited"
    let log = serve_log_under("ulimit -Sn 300", dir.path());
    let limit = if hard > 300 { hard.min(1 << 20) } else { 300 };
    let raised = log.iter().find(|line| line.contains("raised the open-file limit"));
    if hard > 300 {
        let raised = raised.unwrap_or_else(|| panic!("no line saying so: {log:#?}"));
        assert!(raised.contains("before=300") && raised.contains(&format!("after={limit}")), "{raised}");
    } else {
        assert!(raised.is_none(), "{log:#?}");
    }
    let cap = log.last().unwrap();
    let expected = keystroke_platform::server::connection_cap(limit);
    assert!(cap.contains(&format!("max_connections={expected}")), "{log:#?}");

    // A hard limit too low to keep descriptors for the database and serve many: said at start.
    let log = serve_log_under("ulimit -Sn 200 && ulimit -Hn 200", dir.path());
    assert!(log.iter().any(|line| line.contains("WARN") && line.contains("the open-file limit is 200")), "{log:#?}");
    assert!(log.last().unwrap().contains("max_connections=16"), "{log:#?}");
}

/// `keystroke-platform serve` started by `sh` after `limits`, on a database in `dir`: its log up
/// to the line that gives its connection cap. The server is stopped on return.
fn serve_log_under(limits: &str, dir: &Path) -> Vec<String> {
    let mut server = Spawned(
        Command::new("sh")
            .args(["-c", &format!(r#"{limits} && exec "$0" "$@""#), env!("CARGO_BIN_EXE_keystroke-platform")])
            .args(["serve", "--bind", "127.0.0.1:0", "--db"])
            .arg(dir.join("platform.db"))
            .env("NO_COLOR", "1")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut log = Vec::new();
    for line in BufReader::new(server.stderr.take().unwrap()).lines().map_while(Result::ok) {
        let last = line.contains("at once, at most");
        log.push(line);
        if last {
            break;
        }
    }
    let _ = server.kill();
    log
}

/// `dev` without `--db` names its temporary database, so that `audit list` (the README's way to
/// read the audit trail) can be pointed at it while the platform runs (in a folder only its user
/// can list); it is gone after.
#[test]
fn dev_names_its_temporary_database_and_removes_it_on_exit() {
    let mut dev = Spawned(
        Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
            .args(["dev", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let banner: Vec<String> = BufReader::new(dev.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .take_while(|line| !line.starts_with("Press Ctrl-C"))
        .collect();
    // The owner is in two orgs: signed in as the banner says, without a terminal, no org is active.
    assert!(banner.iter().any(|line| line.trim_start().starts_with("keystroke org switch acme ")), "{banner:#?}");
    let database = banner.iter().find_map(|line| line.trim().strip_prefix("Database:")).expect("a Database line");
    let path = database.trim().strip_suffix(" (temporary: removed on exit)").expect("said to be temporary");
    // Its folder, as the files in it, is its user's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let folder = std::fs::metadata(Path::new(path).parent().unwrap()).unwrap();
        assert_eq!(folder.permissions().mode() & 0o777, 0o700);
    }
    let audit = platform(Path::new(path), &["audit", "list", "--org", "acme"], None);
    assert!(audit.status.success(), "{}", stderr(&audit));
    assert!(String::from_utf8_lossy(&audit.stdout).contains("member.add"), "the seed's members");

    Command::new("kill").args(["-INT", &dev.id().to_string()]).status().unwrap();
    assert!(dev.wait().unwrap().success());
    assert!(!Path::new(path).exists(), "{path} removed");
}

/// A port that is taken (by a dev platform started earlier, say) is said so, with the way out,
/// before the database is opened: made, or upgraded under the platform still serving it there.
#[test]
fn a_taken_port_is_named_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let dev = platform(&db, &["dev", "--port", &port], None);
    let serve = platform(&db, &["serve", "--bind", &format!("127.0.0.1:{port}")], None);
    assert!(!db.exists(), "no database made");
    for output in [dev, serve] {
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            stderr(&output).lines().last().unwrap(),
            format!(
                "error: cannot listen on 127.0.0.1:{port}: something listens there already (another keystroke \
                 platform, maybe); stop it, or choose another port (0 picks any free one)"
            )
        );
    }
}

/// `serve` refuses a database `dev` made: its users' passwords and session tokens were printed on
/// a terminal, and would sign in to the real thing.
#[test]
fn serve_refuses_a_database_dev_made() {
    use keystroke_platform::{Config, Mode, dev::DevServer};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tried.db");
    drop(DevServer::start_with(([127, 0, 0, 1], 0).into(), Some(&db), Config::new(Mode::Dev)).unwrap());
    let serve = platform(&db, &["serve", "--bind", "127.0.0.1:0"], None);
    assert_eq!(serve.status.code(), Some(1), "{}", stderr(&serve));
    assert!(
        stderr(&serve).contains(&format!("error: the database {} was made by `keystroke-platform dev`", db.display())),
        "{}",
        stderr(&serve)
    );
}

/// An accented address is one account whether its accents were typed as one character each or as
/// a letter and a combining mark (as some keyboards and pasted text give them).
#[test]
fn an_accented_email_is_one_account_however_its_accents_were_typed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let add =
        |email: &str| platform(&db, &["user", "add", "--email", email, "--name", "J"], Some("long enough, too\n"));
    let accented = add("J\u{dc}RGEN@example.test");
    assert!(accented.status.success(), "{}", stderr(&accented));
    assert_eq!(
        stderr(&add("ju\u{308}rgen@example.test")),
        "error: a user with email j\u{fc}rgen@example.test exists already (`keystroke-platform user set-password --email \
         j\u{fc}rgen@example.test` gives them a new password)\n"
    );
    let org = ["org", "create", "--slug", "umlauts", "--name", "U", "--owner", "JU\u{308}RGEN@example.test"];
    let created = platform(&db, &org, None);
    assert_eq!(stderr(&created), "Created org `umlauts` (U) owned by j\u{fc}rgen@example.test\n");
}

/// A password is at most 1024 characters (a longer one could be set and never used to sign in:
/// the page's form is bounded), typed twice at a terminal (unseen, a typo would set a password
/// nobody knows), and a database its owner made read-only stays so for root too.
#[test]
fn passwords_are_bounded_and_confirmed_and_read_only_stays_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let add = |email: &str, password: &str| {
        platform(&db, &["user", "add", "--email", email, "--name", "Someone"], Some(&format!("{password}\n")))
    };
    let long = add("long@example.test", &"p".repeat(1025));
    assert_eq!(stderr(&long), "error: the password is 1025 characters long; the limit is 1024\n");
    assert!(add("long@example.test", &"p".repeat(1024)).status.success());

    // At a terminal (util-linux `script`), asked twice; two that differ change nothing.
    let typed = Command::new("script")
        .args(["-qefc"])
        .arg(format!(
            "{} user add --db {} --email typo@example.test --name Typo",
            env!("CARGO_BIN_EXE_keystroke-platform"),
            db.display()
        ))
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut typed = Spawned(typed);
    let mut keys = typed.stdin.take().unwrap();
    for line in ["a long enough password\n", "a long enough passwort\n"] {
        std::thread::sleep(Duration::from_millis(300));
        keys.write_all(line.as_bytes()).unwrap();
    }
    let mut shown = String::new();
    std::io::Read::read_to_string(&mut typed.stdout.take().unwrap(), &mut shown).unwrap();
    assert!(shown.contains("Password again: "), "{shown:?}");
    assert!(shown.contains("error: the two passwords typed differ; nothing was changed"), "{shown:?}");
    let users = platform(&db, &["user", "list"], None);
    assert!(!String::from_utf8_lossy(&users.stdout).contains("typo@"), "not added");

    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).unwrap();
    let refused = add("late@example.test", "a long enough password");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("is read-only (its owner may not write it either): `chmod u+w"),
        "{}",
        stderr(&refused)
    );
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    let users = platform(&db, &["user", "list"], None);
    assert!(!String::from_utf8_lossy(&users.stdout).contains("late@"), "not added");
}

/// Two `user add` at once for one email: the one that loses the race is told the user exists,
/// as it would have been a moment later, not SQLite's "UNIQUE constraint failed".
#[test]
fn a_user_added_meanwhile_is_said_to_exist() {
    use keystroke_platform::SqliteStorage;
    use keystroke_platform::storage::Accounts;
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("platform.db")).unwrap();
    storage.create_user("race@example.test", "First", "hash", 1).unwrap();
    // Past the command's own check, as the second of two commands at once gets.
    let second = storage.create_user("race@example.test", "Second", "hash", 2).unwrap_err();
    assert!(second.to_string().starts_with("a user with email race@example.test exists already ("), "{second}");
}

/// A role set for someone removed meanwhile does not add them back, and a member added twice at
/// once is added once: each change checks the membership in its own transaction.
#[test]
fn membership_changes_check_the_membership_as_they_write() {
    use keystroke_api::Role;
    use keystroke_platform::storage::Accounts;
    use keystroke_platform::{SqliteStorage, admin};
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("platform.db")).unwrap();
    admin::add_user(&storage, "olive@example.test", "Olive", "a long enough password").unwrap();
    admin::add_user(&storage, "bo@example.test", "Bo", "a long enough password").unwrap();
    let (org, _) = admin::create_org(&storage, "solo", "Solo", "olive@example.test").unwrap();
    let bo = storage.user_by_email("bo@example.test").unwrap().unwrap().user.id;
    // Past the commands' own checks, as the second of two commands at once gets.
    assert!(!storage.set_role(&org.id, &bo, Role::Admin, 1).unwrap(), "not a member: not added");
    assert_eq!(storage.role_in(&org.id, &bo).unwrap(), None);
    assert!(storage.add_membership(&org.id, &bo, Role::Builder, 2).unwrap());
    assert!(!storage.add_membership(&org.id, &bo, Role::Admin, 3).unwrap(), "a member already: unchanged");
    assert_eq!(storage.role_in(&org.id, &bo).unwrap(), Some(Role::Builder));
}

/// Root runs admin commands on the database of the user the platform runs as (`sudo
/// keystroke-platform member list`): a database that is there is opened as it is, whoever owns it.
#[test]
fn root_opens_another_users_database() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        skip::skip("only root can make a database another user's");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let added = platform(&db, &["user", "add", "--email", "a@example.test", "--name", "A"], Some("long enough, too\n"));
    assert!(added.status.success(), "{}", stderr(&added));
    std::os::unix::fs::chown(&db, Some(65_534), Some(65_534)).unwrap();
    let listed = platform(&db, &["user", "list"], None);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("a@example.test"));

    // But not a file another user could have put there for the platform to fill: an empty one,
    // or one in a folder anyone may write (as `/tmp`).
    use std::os::unix::fs::PermissionsExt;
    let planted = dir.path().join("planted.db");
    std::fs::write(&planted, "").unwrap();
    std::os::unix::fs::chown(&planted, Some(65_534), Some(65_534)).unwrap();
    let refused =
        platform(&planted, &["user", "add", "--email", "b@example.test", "--name", "B"], Some("long enough, too\n"));
    assert!(stderr(&refused).contains("is another user's (uid 65534), and empty"), "{}", stderr(&refused));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o770)).unwrap();
    let refused = platform(&db, &["serve", "--bind", "127.0.0.1:0"], None);
    assert!(
        stderr(&refused).contains("is another user's (uid 65534), in a folder others may write"),
        "{}",
        stderr(&refused)
    );
}

/// In a folder every user may write (`/tmp`, a `777` folder), another user could put a
/// write-ahead log of theirs beside the database, which SQLite would play into it as its latest
/// changes (their account in place of ours): such a folder is refused, and the database left as
/// it was.
#[test]
fn a_database_in_a_folder_everyone_may_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let added = platform(&db, &["user", "add", "--email", "a@example.test", "--name", "A"], Some("long enough, too\n"));
    assert!(added.status.success(), "{}", stderr(&added));
    let before = std::fs::read(&db).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("copy.db");
    for mode in [0o1777, 0o777] {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode)).unwrap();
        let backup = ["backup", "--to", copy.to_str().unwrap()];
        for command in [&["user", "list"][..], &["serve", "--bind", "127.0.0.1:0"], &backup] {
            let refused = platform(&db, command, None);
            assert_eq!(refused.status.code(), Some(1), "{command:?}: {}", stderr(&refused));
            let expected = format!(
                "error: {} lets every user of this machine make files in it (mode {mode:o}): another could put a log \
                 beside the database",
                dir.path().display()
            );
            assert!(stderr(&refused).starts_with(&expected), "{command:?}: {}", stderr(&refused));
        }
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "left as it was");
    assert!(!dir.path().join("platform.db-wal").exists() && !copy.exists());

    // Nor through a link in such a folder (one planted in `/tmp` may lead anywhere), though the
    // database it leads to is in a private one.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let link = shared.path().join("platform.db");
    std::os::unix::fs::symlink(&db, &link).unwrap();
    let refused = platform(&link, &["user", "list"], None);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("lets every user of this machine make files in it (mode 1777)"),
        "{}",
        stderr(&refused)
    );
    assert!(platform(&db, &["user", "list"], None).status.success(), "the database itself, where it is");
}

/// In a folder its group may write, what SQLite keeps beside the database must be the database
/// owner's or this user's: a log of anyone else's is refused before SQLite reads it, and the
/// folder is warned about.
#[test]
fn a_log_of_another_user_beside_the_database_in_a_group_folder_is_refused() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        skip::skip("only root can make a file another user's");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let added = platform(&db, &["user", "add", "--email", "a@example.test", "--name", "A"], Some("long enough, too\n"));
    assert!(added.status.success(), "{}", stderr(&added));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o770)).unwrap();
    let listed = platform(&db, &["user", "list"], None);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stderr(&listed).contains("the database's folder lets its group make files in it"), "{}", stderr(&listed));

    for companion in ["platform.db-wal", "platform.db-shm", "platform.db-journal"] {
        let planted = dir.path().join(companion);
        std::fs::write(&planted, "their changes").unwrap();
        std::os::unix::fs::chown(&planted, Some(65_534), Some(65_534)).unwrap();
        let refused = platform(&db, &["user", "list"], None);
        assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
        let expected =
            format!("{} is uid 65534's, not this user's, in a folder its group may write", planted.display());
        assert!(stderr(&refused).contains(&expected), "{}", stderr(&refused));
        assert_eq!(std::fs::read_to_string(&planted).unwrap(), "their changes", "left as it is");
        std::fs::remove_file(&planted).unwrap();
    }
    let listed = platform(&db, &["user", "list"], None);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("a@example.test"), "{}", stderr(&listed));
}

/// A database whose pages are damaged is named, with what to do, and left as it is.
#[test]
fn a_damaged_database_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let added = platform(&db, &["user", "add", "--email", "a@example.test", "--name", "A"], Some("long enough, too\n"));
    assert!(added.status.success(), "{}", stderr(&added));
    let mut bytes = std::fs::read(&db).unwrap();
    // Past the file's 100-byte header: the first page's own header and cells.
    bytes[100..1000].fill(0xA5);
    std::fs::write(&db, &bytes).unwrap();
    for command in [&["user", "list"][..], &["serve", "--bind", "127.0.0.1:0"]] {
        let refused = platform(&db, command, None);
        assert_eq!(refused.status.code(), Some(1), "{command:?}: {}", stderr(&refused));
        let expected = format!(
            "error: {} is damaged: SQLite finds its pages malformed. It was left as it is: restore the latest backup",
            db.display()
        );
        assert!(stderr(&refused).contains(&expected), "{command:?}: {}", stderr(&refused));
    }
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "left as it is");
}

/// `keystroke-platform serve` on `db` as uid 65534, as the service user of a setup made as root.
fn serve_as_nobody(db: &Path) -> std::process::Output {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_keystroke-platform")])
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(db)
        .output()
        .unwrap()
}

/// The database made as root, then served as the service user (the README's order, done as
/// two users): the refusal names the file's owner and the user running, not a missing folder.
#[test]
fn a_database_of_another_user_is_named_with_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        skip::skip("only root can make a database another user cannot open");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = dir.path().join("platform.db");
    let added = platform(&db, &["user", "add", "--email", "a@example.test", "--name", "A"], Some("long enough, too\n"));
    assert!(added.status.success(), "{}", stderr(&added));
    let as_nobody = serve_as_nobody(&db);
    assert_eq!(as_nobody.status.code(), Some(1));
    assert!(
        stderr(&as_nobody).ends_with(&format!(
            "error: cannot open the database {db}: {db} belongs to uid 0 (mode 600), and this runs as uid 65534: run it \
             as that user, or give the database's folder and files to this one\n",
            db = db.display()
        )),
        "{}",
        stderr(&as_nobody)
    );
}

/// The database is its user's and writable, but its folder (theirs too) is read-only, so SQLite
/// cannot make the `-wal` and `-shm` files beside it: the folder is named, not "run as the owner"
/// (they are).
#[test]
fn a_read_only_folder_is_named_as_the_cause() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        skip::skip("root writes in a read-only folder; only root can run this as another user");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("var");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("platform.db");
    let added = platform(&db, &["user", "add", "--email", "a@example.test", "--name", "A"], Some("long enough, too\n"));
    assert!(added.status.success(), "{}", stderr(&added));
    for path in [&folder, &db] {
        std::os::unix::fs::chown(path, Some(65_534), Some(65_534)).unwrap();
    }
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    let as_nobody = serve_as_nobody(&db);
    assert_eq!(as_nobody.status.code(), Some(1), "{}", stderr(&as_nobody));
    assert!(
        stderr(&as_nobody).contains(&format!(
            "the database's folder {} is read-only (its owner may not write it either), and SQLite makes its `-wal` \
             and `-shm` files there: `chmod u+w {}`, as its owner",
            folder.display(),
            folder.display()
        )),
        "{}",
        stderr(&as_nobody)
    );
    // A new database there is refused for the same cause, said the same way.
    let new = serve_as_nobody(&folder.join("new.db"));
    assert_eq!(new.status.code(), Some(1), "{}", stderr(&new));
    let expected = format!(
        "cannot open the database {}: its folder {} is read-only (its owner may not write it either): `chmod u+w {}`, \
         as its owner",
        folder.join("new.db").display(),
        folder.display(),
        folder.display()
    );
    assert!(stderr(&new).contains(&expected), "{}", stderr(&new));
    // Another user's folder: chmod is theirs to do, so the way out is still to run as them.
    std::os::unix::fs::chown(&folder, Some(0), Some(0)).unwrap();
    let as_nobody = serve_as_nobody(&db);
    assert!(
        stderr(&as_nobody).contains("is read-only for this user: run as the user who owns it"),
        "{}",
        stderr(&as_nobody)
    );
}

/// A key or token pasted where the admin commands take a value or a path is not repeated in
/// their errors (stderr ends up in shell logs and the journal): neither clap's nor their own.
#[test]
fn admin_command_errors_do_not_repeat_a_pasted_secret() {
    let key = "key_live_8Zq1wErTy6UiOpAsDfGhJkLzXcVb0123456";
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_keystroke-platform")).args(args).output().unwrap();
    let wrong_role = run(&["member", "add", "--org", "acme", "--email", "e@example.test", "--role", key]);
    let missing_db = run(&["user", "list", "--db", &dir.path().join(key).display().to_string()]);
    for (output, code) in [(&wrong_role, 2), (&missing_db, 1)] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains("(a secret, not repeated here)"), "{stderr}");
        assert!(!stderr.contains("8Zq1wErTy6UiOpAsDfGhJkLzXcVb"), "{stderr}");
    }
}

/// clap quotes what it could not place: a control character in it (a carriage return would let
/// the rest of the line overwrite the error) is written out, and a pasted megabyte is cut to a
/// line.
#[test]
fn admin_usage_errors_quote_what_was_typed_safely_and_cut_short() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_keystroke-platform")).args(args).output().unwrap();
    let escape = run(&["member", "add", "--org", "acme", "--email", "e@example.test", "--role", "x\rPWNED"]);
    let stderr = String::from_utf8_lossy(&escape.stderr);
    assert_eq!(escape.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid value 'x\\u{d}PWNED'"), "{stderr}");
    assert!(!stderr.contains('\r'), "{stderr}");
    let pasted = "x".repeat(100_000);
    let cut = run(&["user", "list", &pasted]);
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert_eq!(cut.status.code(), Some(2), "{stderr}");
    let first = stderr.lines().next().unwrap();
    assert!(first.starts_with("error: unexpected argument 'xxx"), "{first}");
    assert!(first.ends_with("… (99535 characters more)") && first.chars().count() < 600, "{first}");
}

/// A revocation checks, in its own write, what the request was let in with, as creations do:
/// an admin lowered to builder meanwhile revokes no other member's key, a member removed
/// meanwhile none, and a session ended meanwhile revokes nothing.
#[test]
fn a_revocation_checks_the_revokers_standing_as_it_writes() {
    use keystroke_api::CLI_CLIENT_ID;
    use keystroke_api::Role;
    use keystroke_platform::admin;
    use keystroke_platform::storage::{Accounts, ApiKeys, CredentialEnded, NotAMember, Sessions, SqliteStorage};
    use keystroke_platform::tokens::{KeyFor, hash_secret, new_api_key};
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("platform.db")).unwrap();
    admin::add_user(&storage, "olive@example.test", "Olive", "a long enough password").unwrap();
    admin::add_user(&storage, "bo@example.test", "Bo", "a long enough password").unwrap();
    let (org, _) = admin::create_org(&storage, "solo", "Solo", "olive@example.test").unwrap();
    admin::add_member(&storage, "solo", "bo@example.test", Role::Admin).unwrap();
    let id_of = |email: &str| storage.user_by_email(email).unwrap().unwrap().user.id;
    let (olive, bo) = (id_of("olive@example.test"), id_of("bo@example.test"));
    let key_of = |user: &str, name: &str| {
        let (_, key) = new_api_key(
            "key_live_",
            KeyFor { org_id: &org.id, created_by: user, name: name.to_owned(), created_at: 1, expires_at: None },
        );
        storage.insert_api_keys(std::slice::from_ref(&key), None).unwrap();
        key.id
    };
    let session_of = |user: &str| {
        let token = keystroke_platform::auth::start_session(&storage, user, CLI_CLIENT_ID, 3600).unwrap();
        storage.session_credential(&hash_secret(&token)).unwrap().unwrap().session_id
    };
    let active = |key: &str| storage.active_api_key(&org.id, key).unwrap().is_some();
    let (olives_key, bos_key, bos_other_key) = (key_of(&olive, "o"), key_of(&bo, "b"), key_of(&bo, "b2"));
    let bos_session = session_of(&bo);
    let now = keystroke_platform::clock::now();

    // Lowered to builder after the request was let in as admin: another member's key stays.
    admin::set_role(&storage, "solo", "bo@example.test", Role::Builder).unwrap();
    assert!(!storage.revoke_api_key(&org.id, &olives_key, &bo, &bos_session, now).unwrap());
    assert!(active(&olives_key));
    assert!(storage.revoke_api_key(&org.id, &bos_key, &bo, &bos_session, now).unwrap(), "their own, still");
    assert!(!active(&bos_key));
    // Signed out everywhere meanwhile: nothing revoked, and said as an ended credential.
    storage.revoke_sessions_of(&bo, now).unwrap();
    let ended = storage.revoke_api_key(&org.id, &bos_other_key, &bo, &bos_session, now).unwrap_err();
    assert!(ended.is::<CredentialEnded>(), "{ended:#}");
    assert!(active(&bos_other_key));
    // Removed meanwhile (with a live session): nothing revoked, and said as a removal.
    let bos_new_session = session_of(&bo);
    admin::remove_member(&storage, "solo", "bo@example.test").unwrap();
    let removed = storage.revoke_api_key(&org.id, &olives_key, &bo, &bos_new_session, now).unwrap_err();
    assert!(removed.is::<NotAMember>(), "{removed:#}");
    assert!(active(&olives_key));
    // The owner revokes any key, once.
    let olives_session = session_of(&olive);
    assert!(storage.revoke_api_key(&org.id, &olives_key, &olive, &olives_session, now).unwrap());
    assert!(!storage.revoke_api_key(&org.id, &olives_key, &olive, &olives_session, now).unwrap());
    let audit: Vec<_> = storage.audit_events(&org.id).unwrap().into_iter().map(|e| (e.action, e.actor_email)).collect();
    let revokes = audit.iter().filter(|(action, _)| action == "api_key.revoke").count();
    assert_eq!(revokes, 2, "one by bo, one by olive: {audit:?}");
}

/// `backup` copies what a running platform has written, its WAL included (a copy of the file
/// alone misses that), into a new file only its owner can read, and never over another file.
#[test]
fn backup_copies_a_live_database_into_a_new_private_file() {
    use keystroke_platform::storage::Accounts;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let ada =
        platform(&db, &["user", "add", "--email", "ada@example.test", "--name", "Ada"], Some("a long password\n"));
    assert!(ada.status.success(), "{}", stderr(&ada));
    // Held open, as a running platform holds it: what it writes stays in the WAL for now.
    let live = keystroke_platform::SqliteStorage::open(&db).unwrap();
    keystroke_platform::admin::add_user(&live, "alan@example.test", "Alan", "another long password").unwrap();
    let plain_copy = dir.path().join("copy.db");
    std::fs::copy(&db, &plain_copy).unwrap();
    let has_alan = |path: &Path| {
        let copy = keystroke_platform::SqliteStorage::open(path).unwrap();
        copy.user_by_email("alan@example.test").unwrap().is_some()
    };
    assert!(!has_alan(&plain_copy), "the file alone lacks the latest write");

    let backup = dir.path().join("backup.db");
    let backed_up = platform(&db, &["backup", "--to", backup.to_str().unwrap()], None);
    assert_eq!(
        stderr(&backed_up),
        format!("Backed up {} to {} (readable by you only)\n", db.display(), backup.display())
    );
    assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(has_alan(&backup));

    let again = platform(&db, &["backup", "--to", backup.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(stderr(&again), format!("error: {} exists already: name a new file for the backup\n", backup.display()));
    assert!(has_alan(&backup), "left as it was");
    drop(live);

    // Read as it is, never changed (a backup before an upgrade): a database its owner made
    // read-only is backed up too. A relative `file:` name is a file name, not a SQLite URI.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).unwrap();
    let backed_up = Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
        .args(["backup", "--to", "file:later.db", "--db"])
        .arg(&db)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(backed_up.status.success(), "{}", stderr(&backed_up));
    let later = dir.path().join("file:later.db");
    assert_eq!(std::fs::metadata(&later).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(!dir.path().join("later.db").exists(), "not read as a URI");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(has_alan(&later));
}

/// The operator revokes one key of any org, by id or by its leaked secret (read from stdin, never
/// argv), while the platform serves: the next request with it is refused, and the org's audit
/// trail says the operator did it.
#[test]
fn the_operator_revokes_a_key_by_id_or_by_its_leaked_secret() {
    use keystroke_api::Role;
    let h = common::Harness::start();
    let db = &h.dev.db_path;
    let owner = h.token(Role::Owner);
    let leaked = h.create_key(&owner, "acme", "Leaked in a paste");
    let other = h.create_key(&owner, "acme", "Still in use");
    let owner_email = &h.dev.user(Role::Owner).email;

    let revoked = platform(db, &["key", "revoke", "--leaked"], Some(&format!("\n{}\n", leaked.secret)));
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert_eq!(
        stderr(&revoked),
        format!(
            "Revoked API key {} (\"Leaked in a paste\") of org `acme`, created by {owner_email}: refused from now on \
             (`audit list --org acme` records it)\n",
            leaked.key.id
        )
    );
    assert_eq!(h.projects_status(&leaked.secret), reqwest::StatusCode::UNAUTHORIZED, "refused at once");
    assert_eq!(h.projects_status(&other.secret), reqwest::StatusCode::OK, "the other key is untouched");
    let events = h.key_and_deploy_events("acme");
    // Its own action: not to be read as the creator revoking their key.
    let revocation = events.iter().find(|event| event.action == "api_key.revoke_by_operator").expect("recorded");
    assert_eq!(
        (revocation.target_id.as_str(), revocation.actor_email.as_str(), revocation.detail.as_deref()),
        (leaked.key.id.as_str(), owner_email.as_str(), Some("by the operator"))
    );

    // A write that fails (a full disk, here a trigger): said to have changed nothing.
    let conn = rusqlite::Connection::open(db).unwrap();
    let refuse = "CREATE TRIGGER refuse_revoke BEFORE UPDATE OF revoked_at ON api_keys
                  BEGIN SELECT RAISE(FAIL, 'disk full'); END";
    conn.execute_batch(refuse).unwrap();
    let failed = platform(db, &["key", "revoke", &other.key.id], None);
    assert!(
        stderr(&failed).starts_with("error: nothing was revoked, and the key still works: "),
        "{}",
        stderr(&failed)
    );
    assert_eq!(h.projects_status(&other.secret), reqwest::StatusCode::OK, "as said");
    conn.execute_batch("DROP TRIGGER refuse_revoke").unwrap();

    // By id, a second time: said, and nothing changes.
    let again = platform(db, &["key", "revoke", &leaked.key.id], None);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("was revoked already, at 20"), "{}", stderr(&again));
    let events = h.key_and_deploy_events("acme");
    assert_eq!(events.iter().filter(|e| e.action.starts_with("api_key.revoke")).count(), 1, "{events:?}");

    // A key that had expired was refused since then, not until now: said so, with when.
    let expired = h.create_key(&owner, "acme", "Expired already");
    let expired_at = keystroke_platform::clock::now() - 3_600;
    conn.execute("UPDATE api_keys SET expires_at = ?1 WHERE id = ?2", rusqlite::params![expired_at, expired.key.id])
        .unwrap();
    let revoked = platform(db, &["key", "revoke", &expired.key.id], None);
    assert_eq!(
        stderr(&revoked),
        format!(
            "Revoked API key {} (\"Expired already\") of org `acme`, created by {owner_email}: it had expired at {}, \
             and was refused since (`audit list --org acme` records the revocation)\n",
            expired.key.id,
            keystroke_platform::clock::to_datetime(expired_at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        )
    );

    // What cannot be revoked is named, and a secret is never repeated.
    let refused = |args: &[&str], stdin: Option<&str>| {
        let output = platform(db, args, stdin);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        stderr(&output)
    };
    let in_argv = refused(&["key", "revoke", &other.secret], None);
    assert!(in_argv.contains("is now in your shell's history") && !in_argv.contains(&other.secret), "{in_argv}");
    assert_eq!(h.projects_status(&other.secret), reqwest::StatusCode::OK, "a secret in argv revokes nothing");
    assert_eq!(
        refused(&["key", "revoke", "ak_NoSuchKey0123456789"], None),
        "error: no API key `ak_NoSuchKey0123456789` on this platform (`keystroke api-key list` shows an org's keys)\n"
    );
    assert!(refused(&["key", "revoke", "Production"], None).starts_with("error: `Production` is not an API key id"));
    let unknown = format!("{}\n", keystroke_platform::tokens::mint("key_test_").plaintext);
    assert!(refused(&["key", "revoke", "--leaked"], Some(&unknown)).starts_with("error: no API key of this platform"));
    assert_eq!(
        refused(&["key", "revoke", "--leaked"], Some("hunter2\n")),
        "error: what was read is not an API key's secret: check what you piped in (the secret as `api-key create` \
         printed it, on one line)\n"
    );
    // Its letters made one case by a tool, prefix and all or the rest only; or a character lost.
    let lowered_body = format!("{}{}", &other.secret[..9], other.secret[9..].to_lowercase());
    for changed in [other.secret.to_uppercase(), lowered_body] {
        let said = refused(&["key", "revoke", "--leaked"], Some(&changed));
        assert!(said.starts_with("error: what was read is an API key's secret with the case of its letters changed"));
        assert!(!said.contains(&changed[9..]), "{said}");
    }
    let cut = &other.secret[..other.secret.len() - 1];
    assert!(refused(&["key", "revoke", "--leaked"], Some(cut)).contains("a character is missing or wrong"));
    assert!(refused(&["key", "revoke", "--leaked"], Some("")).contains("no secret given"));
    // Several secrets piped at once: none revoked, rather than the first alone with no word of
    // the rest. A blank line before the one secret is no second one.
    let two = format!("{}\n{}\n", other.secret, leaked.secret);
    assert_eq!(
        refused(&["key", "revoke", "--leaked"], Some(&two)),
        "error: stdin holds 2 lines, not one secret: nothing was revoked (pipe one secret at a time)\n"
    );
    assert_eq!(h.projects_status(&other.secret), reqwest::StatusCode::OK, "nothing revoked");
    let both = platform(db, &["key", "revoke", "--leaked", &leaked.key.id], None);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
}
