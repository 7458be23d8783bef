//! [`Sessions`] on SQLite.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::storage::sqlite::SqliteStorage;
use crate::storage::{NewSession, Result, SessionCredential, SessionRecord, Sessions, Timestamp};
use crate::tokens::SecretHash;

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

pub(super) fn insert_session_row(conn: &Connection, user_id: &str, s: &NewSession) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO sessions (id, user_id, client, token_hash, created_at, expires_at, device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![s.id, user_id, s.client, &s.token_hash.0[..], s.created_at, s.expires_at, s.device],
    )
}

impl Sessions for SqliteStorage {
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
        let update = "UPDATE sessions SET last_used_at = ?2
                      WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3 OR last_used_at > ?2)";
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
}
