//! `/api/orgs/{org}/api-keys`: create, list, show and revoke an org's API keys.
//!
//! Key management needs a user session: an API key cannot create or revoke keys. Who may see
//! and revoke which key is `keys.rs`'s, shared with the web page.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keystroke_api::{ApiKey, CreateApiKey, Page, PageQuery};

use crate::auth::{OrgAccess, Principal, org_access};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::keys::{create_key, list_keys, revoke_key, show_key};
use crate::state::AppState;

/// The caller's access to the org, for the key routes: a person's only (keys never manage keys).
fn session_access(state: &AppState, principal: Principal, org: &str) -> ApiResult<OrgAccess> {
    principal.require_session()?;
    org_access(state, principal, org)
}

pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(org): ApiPath<String>,
    body: Result<ApiJson<CreateApiKey>, ApiError>,
) -> ApiResult<Response> {
    // Who may do this is answered before what the body says, as for every other request.
    let access = session_access(&state, principal, &org)?;
    let ApiJson(request) = body?;
    let body = create_key(&state, &access, &request)?;
    // The only response that ever carries the secret: no cache keeps it (`no-store`, as on every
    // answer: `routes::headers_on_every_answer`).
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(org): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<ApiKey>>> {
    let access = session_access(&state, principal, &org)?;
    list_keys(&state, &access, &query).map(Json)
}

pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> ApiResult<Json<ApiKey>> {
    let access = session_access(&state, principal, &org)?;
    show_key(&state, &access, &id).map(Json)
}

pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((org, id)): ApiPath<(String, String)>,
) -> ApiResult<Json<ApiKey>> {
    let access = session_access(&state, principal, &org)?;
    revoke_key(&state, &access, &id).map(Json)
}
