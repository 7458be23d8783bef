//! [`ApiKeys`] on SQLite.

use std::time::Duration;

use keystroke_api::{Role, User};
use rusqlite::{OptionalExtension, Row, params};

use super::{live_credential, not_written, parse_role, record_event};
use crate::storage::sqlite::SqliteStorage;
use crate::storage::{
    ApiKeys, KeyCredential, KeyRecord, KeyScope, NewApiKey, NotAMember, OperatorRevocation, REVOKED_BY_OPERATOR,
    Result, Timestamp,
};
use crate::tokens::SecretHash;

/// How long recording a key's use may wait for a lock: enough for the platform's own writes.
const TOUCH_LOCK_PATIENCE: Duration = Duration::from_millis(100);

const KEY_COLUMNS: &str = "k.id, o.slug AS org_slug, k.name, k.preview, k.created_at, k.expires_at,
     k.last_used_at, u.id AS user_id, u.email AS user_email, u.name AS user_name
     FROM api_keys k JOIN orgs o ON o.id = k.org_id JOIN users u ON u.id = k.created_by";

/// A key by its secret's hash, with its org's slug and its creator's role there: on the path of
/// every request with a key. Each table is read through the index of migration 0008 that holds
/// every column read from it, one B-tree descent each (named, as the planner, without statistics,
/// picks the `UNIQUE` index, which leaves a second descent into the table).
const KEY_CREDENTIAL: &str =
    "SELECT k.id, k.org_id, o.slug, k.created_by, m.role, k.expires_at, k.last_used_at, k.revoked_at
     FROM api_keys k INDEXED BY api_keys_by_secret
     JOIN orgs o INDEXED BY orgs_slug_by_id ON o.id = k.org_id
     LEFT JOIN memberships m ON m.org_id = k.org_id AND m.user_id = k.created_by
     WHERE k.secret_hash = ?1";

/// The id of the org's active key `?3` places after the one numbered `?2` (or it itself, at 0).
const ID_ABOVE_IN_ORG: &str = "SELECT id FROM api_keys WHERE org_id = ?1 AND revoked_at IS NULL AND seq >= ?2
     ORDER BY seq ASC LIMIT 1 OFFSET ?3";
/// [`ID_ABOVE_IN_ORG`] among the keys `?4` created.
const ID_ABOVE_BY_CREATOR: &str =
    "SELECT id FROM api_keys WHERE org_id = ?1 AND created_by = ?4 AND revoked_at IS NULL AND seq >= ?2
     ORDER BY seq ASC LIMIT 1 OFFSET ?3";

fn key_record(row: &Row<'_>) -> rusqlite::Result<KeyRecord> {
    Ok(KeyRecord {
        id: row.get("id")?,
        org_slug: row.get("org_slug")?,
        name: row.get("name")?,
        preview: row.get("preview")?,
        created_by: User { id: row.get("user_id")?, email: row.get("user_email")?, name: row.get("user_name")? },
        created_at: row.get("created_at")?,
        expires_at: row.get("expires_at")?,
        last_used_at: row.get("last_used_at")?,
    })
}

impl ApiKeys for SqliteStorage {
    fn insert_api_keys(&self, keys: &[NewApiKey], credential_id: Option<&str>) -> Result<()> {
        self.write(|tx| {
            let mut insert_key = tx.prepare_cached(&format!(
                "INSERT INTO api_keys (id, org_id, created_by, name, preview, secret_hash, created_at, expires_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
                 WHERE EXISTS (SELECT 1 FROM memberships WHERE org_id = ?2 AND user_id = ?3)
                 AND (?9 IS NULL OR {})",
                live_credential("?9")
            ))?;
            for key in keys {
                let inserted = insert_key.execute(params![
                    key.id,
                    key.org_id,
                    key.created_by,
                    key.name,
                    key.preview,
                    &key.secret_hash.0[..],
                    key.created_at,
                    key.expires_at,
                    credential_id,
                ])?;
                if inserted == 0 {
                    return Err(not_written(tx, &key.org_id, &key.created_by)?);
                }
                record_event(tx, &key.org_id, &key.created_by, "api_key.create", &key.id, None, key.created_at)?;
            }
            Ok(())
        })
    }

    fn key_credential(&self, secret_hash: &SecretHash) -> Result<Option<KeyCredential>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(KEY_CREDENTIAL)?;
        Ok(stmt
            .query_row([&secret_hash.0[..]], |r| {
                Ok(KeyCredential {
                    key_id: r.get(0)?,
                    org_id: r.get(1)?,
                    org_slug: r.get(2)?,
                    user_id: r.get(3)?,
                    role: r.get::<_, Option<String>>(4)?.map(parse_role).transpose()?,
                    expires_at: r.get(5)?,
                    last_used_at: r.get(6)?,
                    revoked: r.get::<_, Option<i64>>(7)?.is_some(),
                })
            })
            .optional()?)
    }

    fn touch_api_key(&self, key_id: &str, now: Timestamp) -> bool {
        // It waits out the platform's own short writes, not an admin command's or a stuck writer's.
        let update = "UPDATE api_keys SET last_used_at = ?2
                      WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3 OR last_used_at > ?2)";
        self.record_use(update, key_id, now, TOUCH_LOCK_PATIENCE)
    }

    fn list_api_keys(
        &self,
        org_id: &str,
        scope: KeyScope<'_>,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<KeyRecord>> {
        let conn = self.conn()?;
        let before = before_seq.unwrap_or(i64::MAX);
        let rows = match scope {
            KeyScope::WholeOrg => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} WHERE k.org_id = ?1 AND k.revoked_at IS NULL AND k.seq < ?2
                     ORDER BY k.seq DESC LIMIT ?3"
                ))?;
                stmt.query_map(params![org_id, before, limit], key_record)?.collect::<rusqlite::Result<Vec<_>>>()?
            }
            KeyScope::CreatedBy(user_id) => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} WHERE k.org_id = ?1 AND k.created_by = ?4 AND k.revoked_at IS NULL
                     AND k.seq < ?2 ORDER BY k.seq DESC LIMIT ?3"
                ))?;
                stmt.query_map(params![org_id, before, limit, user_id], key_record)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        Ok(rows)
    }

    fn api_key_id_above(&self, org_id: &str, scope: KeyScope<'_>, from_seq: i64, skip: u32) -> Result<Option<String>> {
        let conn = self.conn()?;
        // A statement for each scope, as for the list: with `(?4 IS NULL OR created_by = ?4)` the
        // planner could not use the creator's index, and a builder's walked the whole org's keys.
        let found = match scope {
            KeyScope::WholeOrg => {
                conn.prepare_cached(ID_ABOVE_IN_ORG)?.query_row(params![org_id, from_seq, skip], |row| row.get(0))
            }
            KeyScope::CreatedBy(user_id) => conn
                .prepare_cached(ID_ABOVE_BY_CREATOR)?
                .query_row(params![org_id, from_seq, skip, user_id], |row| row.get(0)),
        };
        Ok(found.optional()?)
    }

    fn api_key_seq(&self, org_id: &str, scope: KeyScope<'_>, key_id: &str) -> Result<Option<i64>> {
        let conn = self.conn()?;
        let created_by = scope.created_by();
        let mut stmt = conn.prepare_cached(
            "SELECT seq FROM api_keys WHERE org_id = ?1 AND id = ?2 AND (?3 IS NULL OR created_by = ?3)",
        )?;
        Ok(stmt.query_row(params![org_id, key_id, created_by], |row| row.get(0)).optional()?)
    }

    fn active_api_key(&self, org_id: &str, key_id: &str) -> Result<Option<KeyRecord>> {
        self.key_by_id(org_id, key_id, "k.revoked_at IS NULL")
    }

    fn revoked_api_key(&self, org_id: &str, key_id: &str) -> Result<Option<KeyRecord>> {
        self.key_by_id(org_id, key_id, "k.revoked_at IS NOT NULL")
    }

    fn revoke_api_key(
        &self,
        org_id: &str,
        key_id: &str,
        actor_id: &str,
        credential_id: &str,
        now: Timestamp,
    ) -> Result<bool> {
        self.write(|tx| {
            // Who may revoke is read in the write's own statement: a member their own keys, an
            // owner or admin any.
            let revoked = tx.execute(
                &format!(
                    "UPDATE api_keys SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL
                     AND EXISTS (SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?4
                                 AND (role IN ({}) OR api_keys.created_by = ?4))
                     AND {}",
                    roles_seeing_all_keys(),
                    live_credential("?5")
                ),
                params![org_id, key_id, now, actor_id, credential_id],
            )?;
            if revoked == 1 {
                record_event(tx, org_id, actor_id, "api_key.revoke", key_id, None, now)?;
                return Ok(true);
            }
            // Nothing revoked: the revoker gone from the org or their credential ended (errors),
            // else no active key of the org that they may revoke (revoked meanwhile, or theirs
            // to revoke no longer, their role lowered).
            let why = not_written(tx, org_id, actor_id)?;
            let live: bool =
                tx.query_row(&format!("SELECT {}", live_credential("?1")), [credential_id], |r| r.get(0))?;
            match why.is::<NotAMember>() || !live {
                true => Err(why),
                false => Ok(false),
            }
        })
    }

    fn revoke_api_key_as_operator(&self, key_id: &str, now: Timestamp) -> Result<Option<OperatorRevocation>> {
        self.write(|tx| {
            let found = tx
                .query_row(&format!("SELECT k.org_id, k.revoked_at, {KEY_COLUMNS} WHERE k.id = ?1"), [key_id], |row| {
                    Ok((
                        row.get::<_, String>("org_id")?,
                        row.get::<_, Option<Timestamp>>("revoked_at")?,
                        key_record(row)?,
                    ))
                })
                .optional()?;
            let Some((org_id, revoked_at, key)) = found else {
                return Ok(None);
            };
            if let Some(revoked_at) = revoked_at {
                return Ok(Some(OperatorRevocation { key, revoked_at, already: true }));
            }
            tx.execute("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1", params![key_id, now])?;
            let (creator, action) = (&key.created_by.id, "api_key.revoke_by_operator");
            record_event(tx, &org_id, creator, action, key_id, Some(REVOKED_BY_OPERATOR), now)?;
            Ok(Some(OperatorRevocation { key, revoked_at: now, already: false }))
        })
    }
}

/// The roles that see and revoke every key of their org ([`Role::sees_all_keys`], the one rule for
/// both), as a list for SQL's `IN`: `'admin', 'owner'`.
fn roles_seeing_all_keys() -> String {
    let names: Vec<String> =
        Role::ALL.iter().filter(|role| role.sees_all_keys()).map(|role| format!("'{role}'")).collect();
    names.join(", ")
}

impl SqliteStorage {
    /// The org's key with this id, if it meets `revoked` (a condition on `k.revoked_at`).
    fn key_by_id(&self, org_id: &str, key_id: &str, revoked: &str) -> Result<Option<KeyRecord>> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {KEY_COLUMNS} WHERE k.org_id = ?1 AND k.id = ?2 AND {revoked}"))?;
        Ok(stmt.query_row(params![org_id, key_id], key_record).optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::query_plan;
    use super::*;

    /// The key lookup reads every column it needs from the indexes it searches: a column added
    /// to it but not to its index would cost every request with a key a second descent, and
    /// still give the right answer, so nothing else would notice.
    #[test]
    fn the_key_lookup_reads_only_indexes() {
        assert_eq!(
            query_plan(KEY_CREDENTIAL),
            [
                "SEARCH k USING COVERING INDEX api_keys_by_secret (secret_hash=?)",
                "SEARCH o USING COVERING INDEX orgs_slug_by_id (id=?)",
                "SEARCH m USING PRIMARY KEY (org_id=? AND user_id=?) LEFT-JOIN",
            ]
        );
    }

    /// A builder's "Newer keys" link is found through the index of their own keys, not by walking
    /// every key of the org above the page.
    #[test]
    fn the_key_above_a_page_is_found_through_its_scopes_index() {
        assert_eq!(query_plan(ID_ABOVE_IN_ORG), ["SEARCH api_keys USING INDEX api_keys_by_org (org_id=? AND seq>?)"]);
        assert_eq!(
            query_plan(ID_ABOVE_BY_CREATOR),
            ["SEARCH api_keys USING INDEX api_keys_by_org_creator (org_id=? AND created_by=? AND seq>?)"]
        );
    }

    #[test]
    fn owners_and_admins_revoke_every_key_of_their_org() {
        assert_eq!(roles_seeing_all_keys(), "'admin', 'owner'");
    }
}
