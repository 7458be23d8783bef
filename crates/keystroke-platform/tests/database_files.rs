//! The database's files: where SQLite keeps them when `--db` is a link, and several processes
//! opening (and migrating) one new database at once.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use keystroke_platform::storage::{Accounts, SqliteStorage};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// SQLite keeps `-wal` and `-shm` beside the file a link leads to, not beside the link; they hold
/// password hashes, so they lose other users' permissions there too.
#[test]
fn a_database_reached_through_a_link_keeps_its_files_private() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let db = real.join("platform.db");
    SqliteStorage::open(&db).unwrap().create_user("a@example.test", "A", "$argon2id$x", 1).unwrap();
    // As a copy made with `sqlite3 .backup` under umask 022 would leave it.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.path().join("platform.db");
    std::os::unix::fs::symlink(&db, &link).unwrap();

    let storage = SqliteStorage::open(&link).unwrap();
    storage.create_user("b@example.test", "B", "$argon2id$y", 2).unwrap();
    let wal = real.join("platform.db-wal");
    let shm = real.join("platform.db-shm");
    assert!(wal.exists() && shm.exists(), "the open database has its WAL beside the real file");
    for file in [&db, &wal, &shm] {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    assert_eq!(storage.users().unwrap().len(), 2);

    // A link to nothing: SQLite would create the file, and its WAL, where the link leads.
    let nowhere = dir.path().join("nowhere.db");
    std::os::unix::fs::symlink(real.join("missing.db"), &nowhere).unwrap();
    let refused = SqliteStorage::open(&nowhere).err().map(|err| err.to_string());
    assert_eq!(
        refused.as_deref(),
        Some(&*format!(
            "{} is a symbolic link to a file that does not exist: give `--db` the path of the database itself",
            nowhere.display()
        ))
    );
    assert!(!real.join("missing.db").exists(), "nothing created");
}

/// Platforms started together on one database (several `serve` processes, or an admin command as
/// `serve` starts) each find it migrated: no process applies a step another applied meanwhile,
/// which would fail ("table users already exists", "duplicate column name").
#[test]
fn processes_opening_one_new_database_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count();
    for attempt in 0..3 {
        let db = dir.path().join(format!("platform-{attempt}.db"));
        let adders: Vec<_> = (0..4)
            .map(|n| {
                let mut add = Command::new(env!("CARGO_BIN_EXE_keystroke-platform"));
                add.args(["user", "add", "--email", &format!("u{n}@example.test"), "--name", "U", "--db"]).arg(&db);
                let mut child = add.stdin(Stdio::piped()).stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
                child.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
                child
            })
            .collect();
        for adder in adders {
            let done = adder.wait_with_output().unwrap();
            assert!(done.status.success(), "attempt {attempt}: {}", String::from_utf8_lossy(&done.stderr));
        }
        let conn = rusqlite::Connection::open(&db).unwrap();
        let version: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
        assert_eq!(version, migrations, "every migration, once");
        assert_eq!(SqliteStorage::open(&db).unwrap().users().unwrap().len(), 4);
    }
}

/// A database moved or deleted while it was served leaves its write-ahead log beside the path,
/// holding the latest writes: a new database is not made there (SQLite would discard the log),
/// and the refusal says what the file is and the two ways on.
#[test]
fn no_new_database_is_made_over_a_missing_ones_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let log = dir.path().join("platform.db-wal");
    std::fs::write(&log, vec![7u8; 4096]).unwrap();
    let refused = SqliteStorage::open(&db).err().expect("refused").to_string();
    assert_eq!(
        refused,
        format!(
            "{} is missing, but its write-ahead log {} (4096 bytes) is there: it holds the missing database's latest \
             changes, which a new database made there would discard (put the database back where it was; to \
             restore a backup or start anew, remove {} and {}-shm first)",
            db.display(),
            log.display(),
            log.display(),
            db.display()
        )
    );
    assert!(!db.exists(), "nothing made");
    assert_eq!(std::fs::read(&log).unwrap(), vec![7u8; 4096], "the log as it was");
    // Removed, as the refusal says, a new database is made.
    std::fs::remove_file(&log).unwrap();
    SqliteStorage::open(&db).unwrap();
}
