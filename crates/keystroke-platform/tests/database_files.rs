//! The database's files: where SQLite keeps them when `--db` is a link, and several processes
//! opening (and migrating) one database at once.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Barrier};

use keystroke_platform::storage::{SqliteStorage, Storage};

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
}

/// Platforms started together on one database (several `serve` processes, or an admin command as
/// `serve` starts) each find it migrated: none applies a step the other applied meanwhile.
#[test]
fn opening_one_new_database_from_several_places_at_once_migrates_it_once() {
    let dir = tempfile::tempdir().unwrap();
    for attempt in 0..5 {
        let db = Arc::new(dir.path().join(format!("platform-{attempt}.db")));
        let start = Arc::new(Barrier::new(4));
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let (db, start) = (db.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    SqliteStorage::open(&db).map(drop).map_err(|err| format!("{err:#}"))
                })
            })
            .collect();
        for opener in openers {
            assert_eq!(opener.join().unwrap(), Ok(()), "attempt {attempt}");
        }
        let conn = rusqlite::Connection::open(&*db).unwrap();
        let version: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
        let storage = SqliteStorage::open(&db).unwrap();
        storage.create_user("a@example.test", "A", "$argon2id$x", 1).unwrap();
        assert!(version >= 4, "migrated: schema {version}");
    }
}
