//! The signed-in user: who they are, which orgs they belong to, and the session they use.

use axum::Json;
use axum::extract::State;
use keystroke_api::Me;

use super::sessions::to_api;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub async fn me(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<Me>> {
    let session = principal.require_session()?;
    let user = state.storage.user_by_id(&session.user_id)?.ok_or_else(ApiError::invalid_credential)?;
    let memberships = state.storage.memberships_of(&user.id)?;
    // Found live by its token a moment ago: the row is there.
    let current = state.storage.session(&session.session_id)?.ok_or_else(ApiError::invalid_credential)?;
    Ok(Json(Me { user, memberships, session: to_api(current, &session.session_id) }))
}
