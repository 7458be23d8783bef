//! `/api/projects`: the org-scoped resource of the curl example in `doc/api-keys.md`. An API key
//! implies its org; a user session names it in the `x-keystroke-org` header.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use keystroke_api::{CreateProject, Project, Role};

use crate::auth::{NamedOrg, Principal, ended_meanwhile, request_org};
use crate::clock::{now, to_datetime};
use crate::error::{ApiError, ApiJson, ApiResult, validate_name};
use crate::state::AppState;
use crate::storage::ProjectRecord;

fn to_api(record: ProjectRecord) -> Project {
    Project { id: record.id, name: record.name, created_at: to_datetime(record.created_at) }
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    named: NamedOrg,
) -> ApiResult<Json<Vec<Project>>> {
    let access = request_org(&state, principal, &named)?;
    access.require(Role::Builder, "listing projects")?;
    let projects = state.storage.projects_of(&access.org_id)?;
    Ok(Json(projects.into_iter().map(to_api).collect()))
}

pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    named: NamedOrg,
    body: Result<ApiJson<CreateProject>, ApiError>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let access = request_org(&state, principal, &named)?;
    access.require(Role::Builder, "creating a project")?;
    let ApiJson(request) = body?;
    let name = validate_name("project", &request.name)?;
    let project = state
        .storage
        .create_project(&access.org_id, &name, &access.user_id, &access.credential_id, now())
        .map_err(ended_meanwhile(&access))?;
    Ok((StatusCode::CREATED, Json(to_api(project))))
}
