//! [`DeviceAuthorizations`] on SQLite.

use rusqlite::{OptionalExtension, params};

use super::sessions::insert_session_row;
use crate::storage::sqlite::SqliteStorage;
use crate::storage::{
    DEVICE_AUTHORIZATION_KEPT_SECS, DeviceAuthorizationRecord, DeviceAuthorizations, DeviceStatus,
    NewDeviceAuthorization, NewSession, PollOutcome, Result, Timestamp,
};
use crate::tokens::{SecretHash, hash_secret};

fn device_status(text: &str) -> DeviceStatus {
    match text {
        "approved" => DeviceStatus::Approved,
        "denied" => DeviceStatus::Denied,
        "redeemed" => DeviceStatus::Redeemed,
        _ => DeviceStatus::Pending,
    }
}

impl DeviceAuthorizations for SqliteStorage {
    fn insert_device_authorization(&self, auth: &NewDeviceAuthorization) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM device_authorizations WHERE expires_at < ?1",
                [auth.created_at - DEVICE_AUTHORIZATION_KEPT_SECS],
            )?;
            let inserted = tx.execute(
                "INSERT INTO device_authorizations (id, device_code_hash, user_code_hash, client_id, client_name,
                    requester_ip, created_at, expires_at, interval_secs, status, device_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10)",
                params![
                    auth.id,
                    &auth.device_code_hash.0[..],
                    &hash_secret(&auth.user_code).0[..],
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
                        && message.contains("device_authorizations.user_code_hash") =>
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
                "SELECT client_id, client_name, requester_ip, created_at, expires_at, status, device_name, user_id
                 FROM device_authorizations WHERE user_code_hash = ?1",
                [&hash_secret(user_code).0[..]],
                |r| {
                    Ok(DeviceAuthorizationRecord {
                        // Kept as its hash only: the code asked for is the record's.
                        user_code: user_code.to_owned(),
                        client_id: r.get(0)?,
                        client_name: r.get(1)?,
                        requester_ip: r.get(2)?,
                        created_at: r.get(3)?,
                        expires_at: r.get(4)?,
                        status: device_status(&r.get::<_, String>(5)?),
                        device_name: r.get(6)?,
                        decided_by: r.get(7)?,
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
             WHERE user_code_hash = ?1 AND status = 'pending' AND expires_at > ?4
               AND EXISTS (SELECT 1 FROM sessions WHERE id = ?2 AND revoked_at IS NULL AND expires_at > ?4)",
            params![
                &hash_secret(user_code).0[..],
                approver_session_id,
                if approve { "approved" } else { "denied" },
                now
            ],
        )?;
        Ok(decided == 1)
    }

    fn poll_device_authorization(
        &self,
        device_code_hash: &SecretHash,
        now_ms: i64,
        session: &NewSession,
    ) -> Result<PollOutcome> {
        // Anyone may poll with any code: one no sign-in started is answered from a read, without
        // queueing for the write lock that key, membership and session writes need.
        let known = self
            .conn()?
            .prepare_cached("SELECT 1 FROM device_authorizations WHERE device_code_hash = ?1")?
            .exists([&device_code_hash.0[..]])?;
        if !known {
            return Ok(PollOutcome::UnknownCode);
        }
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
                // RFC 6749 §4.1.2: a code used again ends the session it gave. Its holder asks
                // again when the answer that carried the session was lost on its way (the session
                // would stay valid, its token nowhere); anyone else has a copied code.
                let ended = tx.execute(
                    "UPDATE sessions SET revoked_at = ?2
                     WHERE id = (SELECT session_id FROM device_authorizations WHERE id = ?1) AND revoked_at IS NULL",
                    params![id, now_ms / 1000],
                )?;
                return Ok(PollOutcome::AlreadyRedeemed { session_ended: ended > 0 });
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
                    // The session is for the machine that asked to sign in.
                    let session =
                        NewSession { device: device_name.or_else(|| session.device.clone()), ..session.clone() };
                    insert_session_row(tx, &user_id, &session)?;
                    tx.execute(
                        "UPDATE device_authorizations SET status = 'redeemed', session_id = ?2 WHERE id = ?1",
                        params![id, session.id],
                    )?;
                    PollOutcome::Issued
                }
                (DeviceStatus::Denied, _) => PollOutcome::Denied,
                _ => PollOutcome::Pending,
            })
        })
    }
}
