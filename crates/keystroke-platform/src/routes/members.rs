//! `/api/orgs/{org}/members`: an org's members and their roles (`keystroke org members`); for
//! admins and owners, so it is also where a key shows that it carries its creator's current role.

use axum::Json;
use axum::extract::State;
use keystroke_api::{Member, Role};

use crate::auth::{Principal, org_access};
use crate::error::{ApiPath, ApiResult};
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(org): ApiPath<String>,
) -> ApiResult<Json<Vec<Member>>> {
    let access = org_access(&state, principal, &org)?;
    access.require(Role::Admin, "listing members")?;
    let members = state.storage.members_of(&access.org_id)?;
    Ok(Json(members.into_iter().map(|(user, role)| Member { user, role }).collect()))
}
