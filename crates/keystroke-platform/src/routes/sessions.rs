//! The signed-in user's sessions: listed, revoked one by one, or ended by signing out.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keystroke_api::Session;

use crate::auth::Principal;
use crate::clock::{now, to_datetime};
use crate::error::{ApiError, ApiPath, ApiResult};
use crate::state::AppState;
use crate::storage::SessionRecord;

pub(super) fn to_api(record: SessionRecord, current_id: &str) -> Session {
    Session {
        current: record.id == current_id,
        id: record.id,
        client: record.client,
        device: record.device,
        created_at: to_datetime(record.created_at),
        last_used_at: record.last_used_at.map(to_datetime),
        expires_at: to_datetime(record.expires_at),
        revoked_at: None,
    }
}

pub async fn list(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<Vec<Session>>> {
    let session = principal.require_session()?;
    // Every client's: the CLI's and the web pages' (`client: "web"`), so each can be revoked.
    let records = state.storage.sessions_of(&session.user_id, now())?;
    Ok(Json(records.into_iter().map(|r| to_api(r, &session.session_id)).collect()))
}

/// Answers with the session as it was listed, and when it was revoked, like a key's revoke.
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Session>> {
    let session = principal.require_session()?;
    let not_found = || ApiError::not_found(format!("no active session {}", keystroke_api::quoted(&id)));
    let revoked_at = now();
    let record = state
        .storage
        .sessions_of(&session.user_id, revoked_at)?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(not_found)?;
    // Revoked by another request between the lookup and now: not this one's to report.
    if !state.storage.revoke_session(&session.user_id, &id, revoked_at)? {
        return Err(not_found());
    }
    Ok(Json(Session { revoked_at: Some(to_datetime(revoked_at)), ..to_api(record, &session.session_id) }))
}

/// Revokes the session that makes the request, and only that one.
pub async fn logout(State(state): State<AppState>, principal: Principal) -> ApiResult<StatusCode> {
    let session = principal.require_session()?;
    state.storage.revoke_session(&session.user_id, &session.session_id, now())?;
    Ok(StatusCode::NO_CONTENT)
}
