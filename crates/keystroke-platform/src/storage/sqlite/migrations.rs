//! The schema's migrations, applied in order when the platform opens the database.

use anyhow::bail;
use rusqlite::{Connection, TransactionBehavior, params};

/// Schema migrations, applied in order at start; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[(&str, Option<RustStep>)] = &[
    (include_str!("../../../migrations/0001_initial.sql"), None),
    (include_str!("../../../migrations/0002_session_device.sql"), None),
    (include_str!("../../../migrations/0003_lowercase_emails.sql"), Some(lowercase_stored_emails)),
    (include_str!("../../../migrations/0004_membership_audit.sql"), None),
    (include_str!("../../../migrations/0005_device_code_expiry.sql"), None),
    (include_str!("../../../migrations/0006_lookup_order.sql"), Some(name_memberships_of_no_one)),
    (include_str!("../../../migrations/0007_user_code_hash.sql"), Some(hash_user_codes)),
    (include_str!("../../../migrations/0008_key_lookup_covering.sql"), None),
    (include_str!("../../../migrations/0009_device_session.sql"), None),
    (include_str!("../../../migrations/0010_composed_emails.sql"), Some(compose_stored_emails)),
    (include_str!("../../../migrations/0011_audit_by_org.sql"), None),
];

/// The newest schema version this binary knows: how many [`MIGRATIONS`] there are.
pub fn known_schema() -> usize {
    MIGRATIONS.len()
}

/// What a migration does that SQL cannot, in its transaction after its SQL.
type RustStep = fn(&rusqlite::Transaction<'_>) -> anyhow::Result<()>;

pub(super) fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    let found = schema_version(conn)?;
    // Said by the process that upgraded, not by another started at the same moment.
    let mut upgraded_here = false;
    loop {
        let applied = schema_version(conn)?;
        let Some((sql, rust_step)) = MIGRATIONS.get(applied) else {
            // Said, since older versions of the platform refuse the database from now on.
            if found > 0 && upgraded_here {
                tracing::info!(from = found, to = applied, "upgraded the database's schema");
            }
            return Ok(());
        };
        // Another process may open the same database at once (a second `serve`, an admin command
        // as `serve` starts): the version is read again under the write lock, and a step the
        // other one applied meanwhile is not applied twice.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if schema_version(&tx)? != applied {
            continue;
        }
        let step = || -> anyhow::Result<()> {
            tx.execute_batch(sql)?;
            if let Some(step) = rust_step {
                step(&tx)?;
            }
            tx.pragma_update(None, "user_version", applied + 1)?;
            Ok(())
        };
        // Each step is a transaction of its own: one that fails is rolled back whole, and those
        // before it stay, which older versions then refuse as they would the whole upgrade.
        step().and_then(|()| Ok(tx.commit()?)).map_err(|error| {
            let kept = match applied > found {
                true => format!(
                    "the database is at schema {applied} now (upgraded from {found}, which older versions refuse)"
                ),
                false => format!("the database is still at schema {applied}"),
            };
            error.context(format!(
                "upgrading the database's schema to {} failed at step {}; {kept}: once the cause is fixed (a full \
                 disk, say), run the command again to finish the upgrade, or restore the backup taken before it",
                MIGRATIONS.len(),
                applied + 1
            ))
        })?;
        upgraded_here = true;
    }
}

/// How many [`MIGRATIONS`] the database has had; an error if it has more than this binary knows.
fn schema_version(conn: &Connection) -> anyhow::Result<usize> {
    let applied: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if applied > MIGRATIONS.len() {
        bail!(
            "the database was written by a newer keystroke-platform (schema {applied}, this one knows {}): run that \
             version, or, to go back to this one, restore the backup taken before the upgrade",
            MIGRATIONS.len()
        );
    }
    Ok(applied)
}

/// Migration 0003: emails stored before they were lowercased on the way in, lowercased (all of
/// Unicode: the column's `NOCASE` and SQL's `lower()` fold ASCII only, so `Öl@…` was out of reach
/// of a lookup by `öl@…`).
fn lowercase_stored_emails(tx: &rusqlite::Transaction<'_>) -> anyhow::Result<()> {
    store_emails_as(tx, |email| email.to_lowercase(), "letter case")
}

/// Migration 0010: emails stored before they were composed (NFC) on the way in, as lookups find
/// them now (`ü` typed as `u` and a combining diaeresis was another address byte for byte).
fn compose_stored_emails(tx: &rusqlite::Transaction<'_>) -> anyhow::Result<()> {
    store_emails_as(tx, crate::storage::normalize_email, "letter case or how its accents were typed")
}

/// Each stored email rewritten as `normalize` gives it. Two accounts that differ only in what it
/// folds (`difference`) are left as they are, with a warning: merging them is a person's decision.
fn store_emails_as(
    tx: &rusqlite::Transaction<'_>,
    normalize: fn(&str) -> String,
    difference: &str,
) -> anyhow::Result<()> {
    let mut select = tx.prepare("SELECT id, email FROM users")?;
    let users: Vec<(String, String)> =
        select.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut accounts_per_address = std::collections::HashMap::new();
    for (_, email) in &users {
        *accounts_per_address.entry(normalize(email)).or_insert(0) += 1;
    }
    for (id, email) in &users {
        let normalized = normalize(email);
        if normalized == *email {
            continue;
        }
        if accounts_per_address[&normalized] > 1 {
            tracing::warn!(
                user_id = %id,
                %email,
                "another account has this email but for {difference}; both are left as they are (admin commands \
                 given this email exactly as stored, as `user list` shows it, act on this one)"
            );
            continue;
        }
        tx.execute("UPDATE users SET email = ?2 WHERE id = ?1", params![id, normalized])?;
    }
    Ok(())
}

/// Migration 0007: each device authorization copied with its user code's hash in place of the
/// code, and the copy put in the table's place (with its index by expiry, which went with it).
fn hash_user_codes(tx: &rusqlite::Transaction<'_>) -> anyhow::Result<()> {
    // A sign-in approved by a user deleted by hand (outside keystroke-platform) would fail the
    // copy's foreign key, and the upgrade with it: it goes, said (its CLI hears "unknown code").
    let orphans = tx.execute(
        "DELETE FROM device_authorizations WHERE user_id IS NOT NULL AND user_id NOT IN (SELECT id FROM users)",
        [],
    )?;
    if orphans > 0 {
        tracing::warn!(orphans, "sign-ins approved by a user who no longer exists (deleted by hand) were dropped");
    }
    let mut select = tx.prepare("SELECT id, user_code FROM device_authorizations")?;
    let codes: Vec<(String, String)> =
        select.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    drop(select);
    for (id, code) in &codes {
        tx.execute(
            "INSERT INTO device_authorizations_hashed
             SELECT id, device_code_hash, ?2, client_id, client_name, requester_ip, created_at, expires_at,
                    interval_secs, last_polled_ms, status, user_id, device_name
             FROM device_authorizations WHERE id = ?1",
            params![id, &crate::tokens::hash_secret(code).0[..]],
        )?;
    }
    // The old table's pages are overwritten as they are freed, not left in the file with the codes.
    let secure_delete: i64 = tx.query_row("PRAGMA secure_delete", [], |row| row.get(0))?;
    tx.execute_batch(
        "PRAGMA secure_delete = ON;
         DROP TABLE device_authorizations;
         ALTER TABLE device_authorizations_hashed RENAME TO device_authorizations;
         CREATE INDEX device_authorizations_by_expiry ON device_authorizations (expires_at);",
    )?;
    tx.pragma_update(None, "secure_delete", secure_delete)?;
    Ok(())
}

/// Migration 0006: the memberships it left out, of a user or org deleted by hand, named in the
/// log (an org whose owner was deleted so may be left without one: `member set-role` gives it one).
fn name_memberships_of_no_one(tx: &rusqlite::Transaction<'_>) -> anyhow::Result<()> {
    let mut select = tx.prepare("SELECT org_id, user_id, role FROM temp.memberships_of_no_one")?;
    let left_out: Vec<(String, String, String)> =
        select.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    drop(select);
    for (org, user, role) in &left_out {
        tracing::warn!(
            %org, %user, %role,
            "a membership of a user or org that no longer exists (deleted outside keystroke-platform) was left out"
        );
    }
    tx.execute_batch("DROP TABLE temp.memberships_of_no_one")?;
    Ok(())
}
