//! `/api/projects`: the org-scoped resource of the seed page's curl example. An API key implies
//! its org; a user session names it in the `x-keystroke-org` header.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use keystroke_api::{CreateProject, ORG_HEADER, Project, Role};

use crate::auth::{OrgAccess, Principal, org_access};
use crate::error::{ApiError, ApiJson, ApiResult, validate_name};
use crate::state::{AppState, now, to_datetime};
use crate::storage::ProjectRecord;

/// The org a request acts in: the API key's own, or the one a session names.
pub fn request_org(state: &AppState, principal: &Principal, headers: &HeaderMap) -> ApiResult<OrgAccess> {
    let mut values = headers.get_all(ORG_HEADER).iter();
    let named = match (values.next(), values.next()) {
        (_, Some(_)) => return Err(ApiError::bad_request(format!("send one `{ORG_HEADER}` header, not several"))),
        (Some(value), None) => Some(
            value
                .to_str()
                .map_err(|_| {
                    ApiError::bad_request(format!("the `{ORG_HEADER}` header is not an org slug: send the org's slug"))
                })?
                .trim(),
        ),
        (None, None) => None,
    };
    // An empty header is a template left unfilled, as good as none.
    match (principal, named.filter(|slug| !slug.is_empty())) {
        (Principal::ApiKey(key), None) => org_access(state, principal, &key.org_slug.clone()),
        (_, Some(slug)) => org_access(state, principal, slug),
        _ => Err(ApiError::bad_request(format!(
            "a user session must name the org: send the `{ORG_HEADER}` header with the org's slug"
        ))),
    }
}

fn to_api(record: ProjectRecord) -> Project {
    Project { id: record.id, name: record.name, created_at: to_datetime(record.created_at) }
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<Project>>> {
    let access = request_org(&state, &principal, &headers)?;
    access.require(Role::Builder, "listing projects")?;
    let projects = state.storage.projects_of(&access.org_id)?;
    Ok(Json(projects.into_iter().map(to_api).collect()))
}

pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: Result<ApiJson<CreateProject>, ApiError>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let access = request_org(&state, &principal, &headers)?;
    access.require(Role::Builder, "creating a project")?;
    let ApiJson(request) = body?;
    let name = validate_name("project", &request.name)?;
    let project = state.storage.create_project(&access.org_id, &name, &access.user_id, now())?;
    Ok((StatusCode::CREATED, Json(to_api(project))))
}
