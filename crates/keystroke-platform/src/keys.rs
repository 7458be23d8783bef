//! An org's API keys as the JSON API (`routes/api_keys.rs`) and the web page
//! (`web/api_keys.rs`) both manage them: created, listed a page at a time, looked up and revoked,
//! each by a caller whose role says which keys they may see.
//!
//! Owners and admins see and revoke every key of the org; builders create keys and see and
//! revoke only their own. A key the caller may not see is "not found", never "forbidden".

use keystroke_api::{
    ApiKey, CreateApiKey, CreatedApiKey, DEFAULT_PAGE_LIMIT, MAX_KEY_LIFETIME_SECS, MAX_PAGE_LIMIT, Page, PageQuery,
};

use crate::auth::{OrgAccess, ended_meanwhile};
use crate::clock::{now, to_datetime};
use crate::error::{ApiError, ApiResult, validate_name};
use crate::state::AppState;
use crate::storage::{KeyRecord, KeyScope};
use crate::tokens::{KeyFor, new_api_key};

/// Which of the org's keys the caller may see: all of them, or a builder's own.
fn scope(access: &OrgAccess) -> KeyScope<'_> {
    if access.role.sees_all_keys() { KeyScope::WholeOrg } else { KeyScope::CreatedBy(&access.user_id) }
}

/// A key as the API shows it: its creator only to the roles that see every key.
fn to_api(record: KeyRecord, access: &OrgAccess) -> ApiKey {
    ApiKey {
        id: record.id,
        name: record.name,
        preview: record.preview,
        org: record.org_slug,
        created_at: to_datetime(record.created_at),
        created_by: access.role.sees_all_keys().then_some(record.created_by),
        last_used_at: record.last_used_at.map(to_datetime),
        expires_at: record.expires_at.map(to_datetime),
        revoked_at: None, // listed and shown keys are unrevoked (expired ones included)
    }
}

/// Creates a key in the caller's org, acting as the caller (a person: keys never make keys).
/// Shared by the API and the web page.
pub fn create_key(state: &AppState, access: &OrgAccess, request: &CreateApiKey) -> ApiResult<CreatedApiKey> {
    let name = validate_name("API key", &request.name)?;
    // From 1 second to ten years: the API's JSON is checked so as it is read (`key_lifetime`),
    // the web form's days before it gets here; checked again for any other caller, whose value
    // would otherwise wrap into an expiry in the past.
    let expires_in = match request.expires_in_seconds {
        None => None,
        Some(secs @ 1..=MAX_KEY_LIFETIME_SECS) => Some(secs as i64),
        Some(secs) => {
            return Err(ApiError::invalid_field(
                "invalid_request",
                format!("`expires_in_seconds` must be from 1 to {MAX_KEY_LIFETIME_SECS} (ten years), not {secs}"),
            ));
        }
    };
    // The same shape as the key's in `list` and `show`: the creator only for roles that see it.
    // Read before the key is made: nothing may fail between its making and its secret's answer.
    let creator = match access.role.sees_all_keys() {
        true => Some(state.storage.user_by_id(&access.user_id)?.ok_or_else(|| {
            anyhow::anyhow!("the user {} is a member but missing from the users table", access.user_id)
        })?),
        false => None,
    };
    let prefix = state.config.mode.key_prefix();
    let created_at = now();
    let (secret, key) = new_api_key(
        prefix,
        KeyFor {
            org_id: &access.org_id,
            created_by: &access.user_id,
            name,
            created_at,
            expires_at: expires_in.map(|secs| created_at + secs),
        },
    );
    state
        .storage
        .insert_api_keys(std::slice::from_ref(&key), Some(&access.credential_id))
        .map_err(ended_meanwhile(access))?;
    tracing::info!(key_id = %key.id, org = %access.org_slug, "api key created");
    Ok(CreatedApiKey {
        key: ApiKey {
            id: key.id,
            name: key.name,
            preview: key.preview,
            org: access.org_slug.clone(),
            created_at: to_datetime(created_at),
            created_by: creator,
            last_used_at: None,
            expires_at: key.expires_at.map(to_datetime),
            revoked_at: None,
        },
        secret,
    })
}

/// One page of the keys the caller may see, newest first.
pub fn list_keys(state: &AppState, access: &OrgAccess, query: &PageQuery) -> ApiResult<Page<ApiKey>> {
    let limit = match query.limit {
        None => DEFAULT_PAGE_LIMIT,
        Some(limit @ 1..=MAX_PAGE_LIMIT) => limit,
        Some(_) => {
            return Err(ApiError::bad_request(format!("`limit` must be between 1 and {MAX_PAGE_LIMIT}")));
        }
    };
    let before = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(cursor_position(state, access, cursor)?),
    };
    // One row more than asked tells whether another page exists without a second query.
    let mut records = state.storage.list_api_keys(&access.org_id, scope(access), before, limit + 1)?;
    let next_cursor = if records.len() > limit as usize {
        records.truncate(limit as usize);
        // The cursor is the last key's own id: it says nothing the page does not (a position in
        // a sequence shared by every org would tell how many keys the others make).
        records.last().map(|last| last.id.clone())
    } else {
        None
    };
    let data = records.into_iter().map(|r| to_api(r, access)).collect();
    Ok(Page { data, next_cursor })
}

/// Revokes a key the caller may see: any member their own, owners and admins any.
pub fn revoke_key(state: &AppState, access: &OrgAccess, id: &str) -> ApiResult<ApiKey> {
    let record = visible_key(state, access, id)?;
    let revoked_at = now();
    let revoked = state
        .storage
        .revoke_api_key(&access.org_id, id, &access.user_id, &access.credential_id, revoked_at)
        .map_err(ended_meanwhile(access))?;
    if !revoked {
        // Revoked by someone else between the lookup and now, or the caller's role lowered.
        return Err(key_not_found(id, &access.org_slug));
    }
    tracing::info!(key_id = %id, org = %access.org_slug, "api key revoked");
    Ok(ApiKey { revoked_at: Some(to_datetime(revoked_at)), ..to_api(record, access) })
}

/// A key the caller may see, as the API shows it.
pub fn show_key(state: &AppState, access: &OrgAccess, id: &str) -> ApiResult<ApiKey> {
    Ok(to_api(visible_key(state, access, id)?, access))
}

/// An unrevoked key of the org (expired or not) that this caller may see and revoke.
pub fn visible_key(state: &AppState, access: &OrgAccess, id: &str) -> ApiResult<KeyRecord> {
    state
        .storage
        .active_api_key(&access.org_id, id)?
        .filter(|record| may_see(access, record))
        .ok_or_else(|| key_not_found(id, &access.org_slug))
}

/// Whether this caller may see (and revoke) the key: every key of the org for owners and admins,
/// their own for builders.
pub fn may_see(access: &OrgAccess, record: &KeyRecord) -> bool {
    access.role.sees_all_keys() || record.created_by.id == access.user_id
}

/// The id is quoted as `quoted` does everywhere: cut to 40 characters (a path of up to 64 KB would
/// come back whole) and never a secret pasted in its place.
fn key_not_found(id: &str, org: &str) -> ApiError {
    ApiError::not_found(format!("no active API key {} in org `{org}` that you can see", keystroke_api::quoted(id)))
}

/// The cursor of the page before (newer than) the one at `cursor`, for the web page's "Newer
/// keys": `None` when that page is the newest, which needs no cursor.
pub fn newer_page_cursor(state: &AppState, access: &OrgAccess, cursor: &str) -> ApiResult<Option<String>> {
    // The current page starts below the cursor's key, the last of the newer page; that page's
    // own cursor is the key just above its start, `DEFAULT_PAGE_LIMIT` keys up, and there is none
    // when it is the newest page.
    let last_of_newer = cursor_position(state, access, cursor)?;
    Ok(state.storage.api_key_id_above(&access.org_id, scope(access), last_of_newer, DEFAULT_PAGE_LIMIT)?)
}

/// A cursor is the id of the last key of the page before, in this org: where the next page
/// starts below. Any other string was not issued for this list.
fn cursor_position(state: &AppState, access: &OrgAccess, cursor: &str) -> ApiResult<i64> {
    let not_issued =
        || ApiError::bad_request("`cursor` is not one this platform issued for this list; start again without it");
    if !cursor.starts_with(keystroke_api::API_KEY_ID_PREFIX) {
        return Err(not_issued());
    }
    state.storage.api_key_seq(&access.org_id, scope(access), cursor)?.ok_or_else(not_issued)
}
