//! [`Accounts`] on SQLite: users, orgs, memberships and the audit trail.

use anyhow::{Context, bail};
use keystroke_api::{Membership, Org, Role, User};
use rusqlite::{OptionalExtension, params};

use super::{parse_role, record_event};
use crate::storage::sqlite::SqliteStorage;
use crate::storage::{Accounts, AuditEvent, LastOwner, Result, Timestamp, UserWithPassword};
use crate::tokens::public_id;

/// An org's audit trail, oldest first, found through migration 0011's index.
const ORG_AUDIT_EVENTS: &str = "SELECT u.email, e.action, e.target_id, e.created_at, e.detail
     FROM audit_events e JOIN users u ON u.id = e.actor_id WHERE e.org_id = ?1 ORDER BY e.seq";

impl Accounts for SqliteStorage {
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
                    crate::storage::email_taken(email)
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

    fn audit_events(&self, org_id: &str) -> Result<Vec<AuditEvent>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(ORG_AUDIT_EVENTS)?;
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
}

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

#[cfg(test)]
mod tests {
    use super::super::query_plan;
    use super::*;

    /// One org's events are found through its index, in order, not by a scan of every org's (a
    /// table a row longer at each deploy) and a sort.
    #[test]
    fn an_orgs_audit_trail_is_read_through_its_index() {
        assert_eq!(
            query_plan(ORG_AUDIT_EVENTS),
            [
                "SEARCH e USING INDEX audit_events_by_org (org_id=?)",
                "SEARCH u USING INDEX sqlite_autoindex_users_1 (id=?)"
            ]
        );
    }
}
