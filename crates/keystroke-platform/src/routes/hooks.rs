//! `/api/hooks/deploy`: a webhook-style endpoint. Webhook senders often cannot set headers, so
//! this route alone also accepts `?token=` and `?api_key=` (which the request log redacts).
//! A deploy is recorded in the org's audit trail with the key or session that triggered it.

use axum::Json;
use axum::extract::State;
use keystroke_api::{HookAccepted, Role};

use crate::auth::HookPrincipal;
use crate::auth::{NamedOrg, ended_meanwhile, request_org};
use crate::clock::now;
use crate::error::ApiResult;
use crate::state::AppState;

pub async fn deploy(
    State(state): State<AppState>,
    HookPrincipal(principal): HookPrincipal,
    named: NamedOrg,
) -> ApiResult<Json<HookAccepted>> {
    let access = request_org(&state, principal, &named)?;
    access.require(Role::Builder, "triggering a deploy")?;
    // Recorded before it is accepted: a deploy nobody can trace is worse than a 503 while the
    // database is locked, which the sender retries.
    state
        .storage
        .record_deploy(&access.org_id, &access.user_id, &access.credential_id, now())
        .map_err(ended_meanwhile(&access))?;
    tracing::info!(org = %access.org_slug, "deploy hook accepted");
    Ok(Json(HookAccepted { accepted: true, org: access.org_slug }))
}
