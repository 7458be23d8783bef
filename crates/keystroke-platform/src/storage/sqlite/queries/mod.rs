//! The storage traits on SQLite: every query the platform makes, in a file per trait
//! ([`crate::storage::Accounts`] in `accounts.rs`, [`crate::storage::ApiKeys`] in `api_keys.rs`,
//! and so on). Here: what the writes of several of them share.

mod accounts;
mod api_keys;
mod device_authorizations;
mod org_resources;
mod sessions;

use keystroke_api::Role;
use rusqlite::params;

use crate::storage::{CredentialEnded, NotAMember, Result, Timestamp};

/// One audit event, in the transaction of the change it records (a key's creation or
/// revocation, a membership change). Removals record theirs for every key at once, and deploys
/// theirs only while the actor is a member, each in their own statement.
pub(super) fn record_event(
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

fn parse_role(text: String) -> rusqlite::Result<Role> {
    text.parse()
        .map_err(|e: String| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}

/// SQL that holds while the credential whose id is the parameter `id` (an API key's or a
/// session's: their prefixes tell them apart, so one table at most has it) is live: not revoked,
/// not expired. Checked in a write's own statement, as its membership is: a revocation made after
/// the request was let in must hold for that request's write too. Expiry is judged at the
/// statement's own time (`unixepoch()`, seconds as every timestamp here), not the request's: the
/// write may have waited for the lock.
fn live_credential(id: &str) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM api_keys WHERE id = {id} AND revoked_at IS NULL
                  AND (expires_at IS NULL OR expires_at > unixepoch()))
          OR EXISTS (SELECT 1 FROM sessions WHERE id = {id} AND revoked_at IS NULL AND expires_at > unixepoch()))"
    )
}

/// Why a write made as `user_id` through a credential wrote nothing: the membership is gone
/// ([`NotAMember`]), else the credential ended ([`CredentialEnded`]). Asked in the write's
/// transaction, which sees what its statement saw.
fn not_written(tx: &rusqlite::Transaction<'_>, org_id: &str, user_id: &str) -> Result<anyhow::Error> {
    let member: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2)",
        [org_id, user_id],
        |r| r.get(0),
    )?;
    Ok(if member { CredentialEnded.into() } else { NotAMember.into() })
}

/// The steps SQLite's planner takes for `sql` (`EXPLAIN QUERY PLAN`) on a new database, each
/// parameter bound as NULL (without statistics the plan does not depend on the values): for the
/// tests that pin which index a hot or growing query uses.
#[cfg(test)]
fn query_plan(sql: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let storage = super::SqliteStorage::open(&dir.path().join("platform.db")).unwrap();
    let conn = storage.conn().unwrap();
    let mut explain = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let nulls = vec![rusqlite::types::Null; explain.parameter_count()];
    let steps = explain.query_map(rusqlite::params_from_iter(nulls), |row| row.get(3)).unwrap();
    steps.map(|step| step.unwrap()).collect()
}
