//! [`Storage`] on SQLite: every query the platform makes.

use std::time::Duration;

use anyhow::{Context, bail};
use keystroke_api::{Membership, Org, Role, User};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStorage;
use crate::storage::*;
use crate::tokens::{SecretHash, public_id};

/// How long recording a key's use may wait for a lock: enough for the platform's own writes.
const TOUCH_LOCK_PATIENCE: Duration = Duration::from_millis(100);

/// A membership change: the member is both whom it is about and its target (the admin
/// commands that make these changes act as no user), and the detail is the role.
fn record_member_event(
    tx: &rusqlite::Transaction<'_>,
    org_id: &str,
    user_id: &str,
    action: &str,
    role: &str,
    now: Timestamp,
) -> rusqlite::Result<()> {
    record_event(tx, org_id, user_id, action, user_id, Some(role), now)
}

/// The columns [`session_record`] reads, in its order.
const SESSION_COLUMNS: &str = "id, client, created_at, expires_at, device, last_used_at";

fn session_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: r.get(0)?,
        client: r.get(1)?,
        created_at: r.get(2)?,
        expires_at: r.get(3)?,
        device: r.get(4)?,
        last_used_at: r.get(5)?,
    })
}

/// One audit event, in the transaction of the change it records (a key's creation or
/// revocation, a membership change). Removals record theirs for every key at once, and deploys
/// theirs only while the actor is a member, each in their own statement.
fn record_event(
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

/// Whether the user is the org's one and only owner (read inside the caller's write
/// transaction, so that two admins cannot each remove "the other" owner).
fn is_only_owner(tx: &rusqlite::Transaction<'_>, org_id: &str, user_id: &str) -> rusqlite::Result<bool> {
    tx.query_row(
        "SELECT coalesce((SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2) = 'owner', 0)
            AND (SELECT count(*) FROM memberships WHERE org_id = ?1 AND role = 'owner') = 1",
        params![org_id, user_id],
        |r| r.get(0),
    )
}

fn parse_role(text: String) -> rusqlite::Result<Role> {
    text.parse()
        .map_err(|e: String| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}

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

const KEY_COLUMNS: &str = "k.id, o.slug AS org_slug, k.name, k.preview, k.created_at, k.expires_at,
     k.last_used_at, u.id AS user_id, u.email AS user_email, u.name AS user_name
     FROM api_keys k JOIN orgs o ON o.id = k.org_id JOIN users u ON u.id = k.created_by";

fn device_status(text: &str) -> DeviceStatus {
    match text {
        "approved" => DeviceStatus::Approved,
        "denied" => DeviceStatus::Denied,
        "redeemed" => DeviceStatus::Redeemed,
        _ => DeviceStatus::Pending,
    }
}

fn insert_session_row(conn: &Connection, user_id: &str, s: &NewSession) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO sessions (id, user_id, client, token_hash, created_at, expires_at, device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![s.id, user_id, s.client, &s.token_hash.0[..], s.created_at, s.expires_at, s.device],
    )
}

impl Storage for SqliteStorage {
    fn create_user(&self, email: &str, name: &str, password_hash: &str, now: Timestamp) -> Result<User> {
        let user = User { id: public_id("usr_"), email: email.to_owned(), name: name.to_owned() };
        self.conn()?
            .execute(
                "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user.id, user.email, user.name, password_hash, now],
            )
            .map_err(|error| match error {
                // Added by another command since the caller looked: said as the caller would have.
                rusqlite::Error::SqliteFailure(failure, _)
                    if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                {
                    anyhow::anyhow!("a user with email {email} exists already")
                }
                error => anyhow::Error::new(error).context(format!("adding user {email}")),
            })?;
        Ok(user)
    }

    fn user_by_email(&self, email: &str) -> Result<Option<UserWithPassword>> {
        Ok(self
            .conn()?
            .query_row("SELECT id, email, name, password_hash FROM users WHERE email = ?1", [email], |r| {
                Ok(UserWithPassword {
                    user: User { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? },
                    password_hash: r.get(3)?,
                })
            })
            .optional()?)
    }

    fn user_by_id(&self, id: &str) -> Result<Option<User>> {
        Ok(self
            .conn()?
            .query_row("SELECT id, email, name FROM users WHERE id = ?1", [id], |r| {
                Ok(User { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? })
            })
            .optional()?)
    }

    fn users(&self) -> Result<Vec<User>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT id, email, name FROM users ORDER BY email")?;
        let rows = stmt.query_map([], |r| Ok(User { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn set_password_hash(&self, user_id: &str, password_hash: &str) -> Result<()> {
        self.conn()?.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user_id, password_hash])?;
        Ok(())
    }

    fn create_org(&self, slug: &str, name: &str, owner_id: &str, now: Timestamp) -> Result<Org> {
        let org = Org { id: public_id("org_"), slug: slug.to_owned(), name: name.to_owned() };
        self.write(|tx| {
            tx.execute(
                "INSERT INTO orgs (id, slug, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![org.id, org.slug, org.name, now],
            )
            .with_context(|| format!("creating org {slug} (does that slug exist already?)"))?;
            tx.execute(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, 'owner', ?3)",
                params![org.id, owner_id, now],
            )?;
            record_member_event(tx, &org.id, owner_id, "member.add", Role::Owner.as_str(), now)?;
            Ok(())
        })?;
        Ok(org)
    }

    fn org_by_slug(&self, slug: &str) -> Result<Option<Org>> {
        Ok(self
            .conn()?
            .query_row("SELECT id, slug, name FROM orgs WHERE slug = ?1", [slug], |r| {
                Ok(Org { id: r.get(0)?, slug: r.get(1)?, name: r.get(2)? })
            })
            .optional()?)
    }

    fn orgs(&self) -> Result<Vec<(Org, usize)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT o.id, o.slug, o.name, COUNT(m.user_id) FROM orgs o LEFT JOIN memberships m ON m.org_id = o.id
             GROUP BY o.id ORDER BY o.slug",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((Org { id: r.get(0)?, slug: r.get(1)?, name: r.get(2)? }, r.get::<_, i64>(3)? as usize))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn add_membership(&self, org_id: &str, user_id: &str, role: Role, now: Timestamp) -> Result<bool> {
        self.change_membership(org_id, user_id, role, now, Expected::New)
    }

    fn set_role(&self, org_id: &str, user_id: &str, role: Role, now: Timestamp) -> Result<bool> {
        self.change_membership(org_id, user_id, role, now, Expected::Existing)
    }

    fn remove_membership(&self, org_id: &str, user_id: &str, now: Timestamp) -> Result<bool> {
        self.write(|tx| {
            if is_only_owner(tx, org_id, user_id)? {
                bail!(LastOwner);
            }
            let role: Option<String> = tx
                .query_row(
                    "DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2 RETURNING role",
                    params![org_id, user_id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(role) = role else {
                return Ok(false);
            };
            record_member_event(tx, org_id, user_id, "member.remove", &role, now)?;
            // Their keys are revoked, not just orphaned: adding them back must not revive them.
            tx.execute(
                "INSERT INTO audit_events (org_id, actor_id, action, target_id, created_at)
                 SELECT org_id, created_by, 'api_key.revoke_on_removal', id, ?3 FROM api_keys
                 WHERE org_id = ?1 AND created_by = ?2 AND revoked_at IS NULL",
                params![org_id, user_id, now],
            )?;
            tx.execute(
                "UPDATE api_keys SET revoked_at = ?3 WHERE org_id = ?1 AND created_by = ?2 AND revoked_at IS NULL",
                params![org_id, user_id, now],
            )?;
            Ok(true)
        })
    }

    fn role_in(&self, org_id: &str, user_id: &str) -> Result<Option<Role>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2",
                params![org_id, user_id],
                |r| parse_role(r.get(0)?),
            )
            .optional()?)
    }

    fn memberships_of(&self, user_id: &str) -> Result<Vec<Membership>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT o.id, o.slug, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ?1 ORDER BY o.slug",
        )?;
        let rows = stmt.query_map([user_id], |r| {
            Ok(Membership {
                org: Org { id: r.get(0)?, slug: r.get(1)?, name: r.get(2)? },
                role: parse_role(r.get(3)?)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn members_of(&self, org_id: &str) -> Result<Vec<(User, Role)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT u.id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = ?1 ORDER BY u.email",
        )?;
        let rows = stmt.query_map([org_id], |r| {
            Ok((User { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? }, parse_role(r.get(3)?)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn insert_api_keys(&self, keys: &[NewApiKey], through: Option<&str>) -> Result<()> {
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
                    through,
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
        let mut stmt = conn.prepare_cached(
            "SELECT k.id, k.org_id, o.slug, k.created_by, m.role, k.expires_at, k.last_used_at, k.revoked_at
             FROM api_keys k
             JOIN orgs o ON o.id = k.org_id
             LEFT JOIN memberships m ON m.org_id = k.org_id AND m.user_id = k.created_by
             WHERE k.secret_hash = ?1",
        )?;
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
        let update =
            "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)";
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
        let created_by = scope.created_by();
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM api_keys WHERE org_id = ?1 AND (?4 IS NULL OR created_by = ?4) AND revoked_at IS NULL
             AND seq >= ?2 ORDER BY seq ASC LIMIT 1 OFFSET ?3",
        )?;
        Ok(stmt.query_row(params![org_id, from_seq, skip, created_by], |row| row.get(0)).optional()?)
    }

    fn api_key_seq(&self, org_id: &str, scope: KeyScope<'_>, key_id: &str) -> Result<Option<i64>> {
        let conn = self.conn()?;
        let created_by = scope.created_by();
        let mut stmt = conn.prepare_cached(
            "SELECT seq FROM api_keys WHERE org_id = ?1 AND id = ?2 AND (?3 IS NULL OR created_by = ?3)",
        )?;
        Ok(stmt.query_row(params![org_id, key_id, created_by], |row| row.get(0)).optional()?)
    }

    fn api_key(&self, org_id: &str, key_id: &str) -> Result<Option<KeyRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} WHERE k.org_id = ?1 AND k.id = ?2 AND k.revoked_at IS NULL"
        ))?;
        Ok(stmt.query_row(params![org_id, key_id], key_record).optional()?)
    }

    fn revoke_api_key(&self, org_id: &str, key_id: &str, actor_id: &str, now: Timestamp) -> Result<bool> {
        self.write(|tx| {
            let revoked = tx.execute(
                "UPDATE api_keys SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
                params![org_id, key_id, now],
            )?;
            if revoked == 1 {
                record_event(tx, org_id, actor_id, "api_key.revoke", key_id, None, now)?;
            }
            Ok(revoked == 1)
        })
    }

    fn audit_events(&self, org_id: &str) -> Result<Vec<AuditEvent>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT u.email, e.action, e.target_id, e.created_at, e.detail
             FROM audit_events e JOIN users u ON u.id = e.actor_id WHERE e.org_id = ?1 ORDER BY e.seq",
        )?;
        let rows = stmt.query_map([org_id], |r| {
            Ok(AuditEvent {
                actor_email: r.get(0)?,
                action: r.get(1)?,
                target_id: r.get(2)?,
                created_at: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn record_deploy(&self, org_id: &str, actor_id: &str, credential_id: &str, now: Timestamp) -> Result<()> {
        self.write(|tx| {
            let recorded = tx.execute(
                &format!(
                    "INSERT INTO audit_events (org_id, actor_id, action, target_id, created_at)
                     SELECT ?1, ?2, 'deploy.trigger', ?3, ?4
                     WHERE EXISTS (SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2) AND {}",
                    live_credential("?3")
                ),
                params![org_id, actor_id, credential_id, now],
            )?;
            if recorded == 0 {
                return Err(not_written(tx, org_id, actor_id)?);
            }
            Ok(())
        })
    }

    fn insert_session(&self, user_id: &str, session: &NewSession) -> Result<()> {
        insert_session_row(&*self.conn()?, user_id, session)?;
        Ok(())
    }

    fn session_credential(&self, token_hash: &SecretHash) -> Result<Option<SessionCredential>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, user_id, client, expires_at, revoked_at, last_used_at FROM sessions WHERE token_hash = ?1",
        )?;
        Ok(stmt
            .query_row([&token_hash.0[..]], |r| {
                Ok(SessionCredential {
                    session_id: r.get(0)?,
                    user_id: r.get(1)?,
                    client: r.get(2)?,
                    expires_at: r.get(3)?,
                    revoked: r.get::<_, Option<i64>>(4)?.is_some(),
                    last_used_at: r.get(5)?,
                })
            })
            .optional()?)
    }

    fn touch_session(&self, session_id: &str, now: Timestamp) -> bool {
        // Every page view and API call with a session comes here: it never waits for a lock (nor
        // counts among the waiters that real writes compete with).
        let update =
            "UPDATE sessions SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)";
        self.record_use(update, session_id, now, Duration::ZERO)
    }

    fn session(&self, session_id: &str) -> Result<Option<SessionRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"))?;
        Ok(stmt.query_row([session_id], session_record).optional()?)
    }

    fn sessions_of(&self, user_id: &str, now: Timestamp) -> Result<Vec<SessionRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2
             ORDER BY created_at DESC, rowid DESC"
        ))?;
        let rows = stmt.query_map(params![user_id, now], session_record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn revoke_session(&self, user_id: &str, session_id: &str, now: Timestamp) -> Result<bool> {
        let revoked = self.conn()?.execute(
            "UPDATE sessions SET revoked_at = ?3 WHERE user_id = ?1 AND id = ?2 AND revoked_at IS NULL",
            params![user_id, session_id, now],
        )?;
        Ok(revoked == 1)
    }

    fn revoke_sessions_of(&self, user_id: &str, now: Timestamp) -> Result<usize> {
        self.write(|tx| {
            // A CLI sign-in approved but not yet collected would otherwise become a session after this.
            tx.execute(
                "UPDATE device_authorizations SET status = 'denied' WHERE user_id = ?1 AND status = 'approved'",
                [user_id],
            )?;
            Ok(tx.execute(
                "UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                params![user_id, now],
            )?)
        })
    }

    fn insert_device_authorization(&self, auth: &NewDeviceAuthorization) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM device_authorizations WHERE expires_at < ?1",
                [auth.created_at - DEVICE_AUTHORIZATION_KEPT_SECS],
            )?;
            let inserted = tx.execute(
                "INSERT INTO device_authorizations (id, device_code_hash, user_code, client_id, client_name,
                    requester_ip, created_at, expires_at, interval_secs, status, device_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10)",
                params![
                    auth.id,
                    &auth.device_code_hash.0[..],
                    auth.user_code,
                    auth.client_id,
                    auth.client_name,
                    auth.requester_ip,
                    auth.created_at,
                    auth.expires_at,
                    auth.interval_secs,
                    auth.device_name
                ],
            );
            match inserted {
                Ok(_) => Ok(true),
                // The user code of a recent authorization: the one column where a collision is to be
                // expected (one in 20⁸). Any other refusal is a bug, and says so.
                Err(rusqlite::Error::SqliteFailure(e, Some(message)))
                    if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        && message.contains("device_authorizations.user_code") =>
                {
                    Ok(false)
                }
                Err(e) => Err(e.into()),
            }
        })
    }

    fn device_authorization(&self, user_code: &str) -> Result<Option<DeviceAuthorizationRecord>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT user_code, client_id, client_name, requester_ip, created_at, expires_at, status, device_name
                 FROM device_authorizations WHERE user_code = ?1",
                [user_code],
                |r| {
                    Ok(DeviceAuthorizationRecord {
                        user_code: r.get(0)?,
                        client_id: r.get(1)?,
                        client_name: r.get(2)?,
                        requester_ip: r.get(3)?,
                        created_at: r.get(4)?,
                        expires_at: r.get(5)?,
                        status: device_status(&r.get::<_, String>(6)?),
                        device_name: r.get(7)?,
                    })
                },
            )
            .optional()?)
    }

    fn decide_device_authorization(
        &self,
        user_code: &str,
        approver_session_id: &str,
        approve: bool,
        now: Timestamp,
    ) -> Result<bool> {
        let decided = self.conn()?.execute(
            "UPDATE device_authorizations
             SET status = ?3,
                 user_id = (SELECT user_id FROM sessions WHERE id = ?2 AND revoked_at IS NULL AND expires_at > ?4)
             WHERE user_code = ?1 AND status = 'pending' AND expires_at > ?4
               AND EXISTS (SELECT 1 FROM sessions WHERE id = ?2 AND revoked_at IS NULL AND expires_at > ?4)",
            params![user_code, approver_session_id, if approve { "approved" } else { "denied" }, now],
        )?;
        Ok(decided == 1)
    }

    fn poll_device_authorization(
        &self,
        device_code_hash: &SecretHash,
        now_ms: i64,
        session: &NewSession,
    ) -> Result<PollOutcome> {
        self.write(|tx| {
            let row = tx
                .query_row(
                    "SELECT id, status, expires_at, interval_secs, last_polled_ms, user_id, device_name
                     FROM device_authorizations WHERE device_code_hash = ?1",
                    [&device_code_hash.0[..]],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<i64>>(4)?,
                            r.get::<_, Option<String>>(5)?,
                            r.get::<_, Option<String>>(6)?,
                        ))
                    },
                )
                .optional()?;
            let Some((id, status, expires_at, interval_secs, last_polled_ms, user_id, device_name)) = row else {
                return Ok(PollOutcome::UnknownCode);
            };
            let status = device_status(&status);
            if status == DeviceStatus::Redeemed {
                return Ok(PollOutcome::AlreadyRedeemed);
            }
            if now_ms >= expires_at * 1000 {
                return Ok(PollOutcome::Expired);
            }
            if let Some(last) = last_polled_ms
                && now_ms - last < interval_secs * 1000
            {
                // RFC 8628 §3.5: a client that polls too fast must add 5 seconds to its interval.
                let interval_secs = interval_secs + 5;
                tx.execute(
                    "UPDATE device_authorizations SET interval_secs = ?2, last_polled_ms = ?3 WHERE id = ?1",
                    params![id, interval_secs, now_ms],
                )?;
                return Ok(PollOutcome::SlowDown { interval_secs });
            }
            tx.execute("UPDATE device_authorizations SET last_polled_ms = ?2 WHERE id = ?1", params![id, now_ms])?;
            Ok(match (status, user_id) {
                (DeviceStatus::Approved, Some(user_id)) => {
                    tx.execute("UPDATE device_authorizations SET status = 'redeemed' WHERE id = ?1", [&id])?;
                    // The session is for the machine that asked to sign in.
                    let session =
                        NewSession { device: device_name.or_else(|| session.device.clone()), ..session.clone() };
                    insert_session_row(tx, &user_id, &session)?;
                    PollOutcome::Issued
                }
                (DeviceStatus::Denied, _) => PollOutcome::Denied,
                _ => PollOutcome::Pending,
            })
        })
    }

    fn projects_of(&self, org_id: &str) -> Result<Vec<ProjectRecord>> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare_cached("SELECT id, name, created_at FROM projects WHERE org_id = ?1 ORDER BY created_at, id")?;
        let rows =
            stmt.query_map([org_id], |r| Ok(ProjectRecord { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn create_project(
        &self,
        org_id: &str,
        name: &str,
        created_by: &str,
        through: &str,
        now: Timestamp,
    ) -> Result<ProjectRecord> {
        let project = ProjectRecord { id: public_id("prj_"), name: name.to_owned(), created_at: now };
        self.write(|tx| {
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO projects (id, org_id, name, created_by, created_at) SELECT ?1, ?2, ?3, ?4, ?5
                     WHERE EXISTS (SELECT 1 FROM memberships WHERE org_id = ?2 AND user_id = ?4) AND {}",
                    live_credential("?6")
                ),
                params![project.id, org_id, project.name, created_by, now, through],
            )?;
            if inserted == 0 {
                return Err(not_written(tx, org_id, created_by)?);
            }
            Ok(project)
        })
    }
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

/// Which membership a change is for: one to make, or one that must be there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expected {
    New,
    Existing,
}

impl SqliteStorage {
    /// Adds or changes a membership, in one transaction with its checks and its audit event;
    /// `false` when the membership is not `expected` (there already, or gone).
    fn change_membership(
        &self,
        org_id: &str,
        user_id: &str,
        role: Role,
        now: Timestamp,
        expected: Expected,
    ) -> Result<bool> {
        self.write(|tx| {
            let before: Option<String> = tx
                .query_row(
                    "SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2",
                    params![org_id, user_id],
                    |r| r.get(0),
                )
                .optional()?;
            if before.is_some() != (expected == Expected::Existing) {
                return Ok(false);
            }
            if role != Role::Owner && is_only_owner(tx, org_id, user_id)? {
                bail!(LastOwner);
            }
            tx.execute(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role",
                params![org_id, user_id, role.as_str(), now],
            )?;
            match before {
                None => record_member_event(tx, org_id, user_id, "member.add", role.as_str(), now)?,
                Some(before) if before != role.as_str() => {
                    record_member_event(tx, org_id, user_id, "member.set_role", role.as_str(), now)?
                }
                Some(_) => {} // The role it had already: nothing changed.
            }
            Ok(true)
        })
    }
}
