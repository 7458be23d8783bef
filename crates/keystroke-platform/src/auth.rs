//! Who is calling: turning the request's one credential into a [`Principal`], and a principal
//! plus an org into an [`OrgAccess`] with the role to check.

use axum::extract::{FromRequestParts, Query};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use keystroke_api::{ORG_HEADER, Role};

use crate::clock::now;
use crate::error::{ApiError, ApiResult};
use crate::logging::CredentialId;
use crate::state::AppState;
use crate::storage::{CredentialEnded, NotAMember, Storage, use_recorded_recently};
use crate::tokens::{SESSION_PREFIX, hash_secret, is_well_formed, new_session};

pub const API_KEY_HEADER: &str = "x-api-key";
/// Query parameters that carry a credential on webhook routes (and are redacted from logs).
pub const QUERY_CREDENTIAL_PARAMS: [&str; 2] = ["token", "api_key"];
/// Client name of the web pages' sessions (approval page, Settings); they live in an HttpOnly
/// cookie and are never accepted as bearer tokens.
pub const WEB_CLIENT: &str = "web";

/// A new session of `client` (the CLI's, or the web pages' [`WEB_CLIENT`]) for the
/// user: returns its token, of which the database keeps only the hash.
pub fn start_session(storage: &dyn Storage, user_id: &str, client: &str, ttl_secs: i64) -> anyhow::Result<String> {
    let (token, session) = new_session(client, ttl_secs);
    storage.insert_session(user_id, &session)?;
    Ok(token)
}

#[derive(Debug, Clone)]
pub enum Principal {
    Session(SessionPrincipal),
    ApiKey(KeyPrincipal),
}

#[derive(Debug, Clone)]
pub struct SessionPrincipal {
    pub session_id: String,
    pub user_id: String,
}

#[derive(Debug, Clone)]
pub struct KeyPrincipal {
    pub key_id: String,
    pub org_id: String,
    pub org_slug: String,
    pub user_id: String,
    /// The creator's role in the key's org, read on this request.
    pub role: Role,
}

impl Principal {
    /// The public id of the credential: the key's `ak_…` or the session's `ses_…`.
    pub fn credential_id(&self) -> &str {
        match self {
            Principal::Session(session) => &session.session_id,
            Principal::ApiKey(key) => &key.key_id,
        }
    }

    /// Key management and account endpoints need a person, not a key: a leaked key must not be
    /// able to mint keys that outlive it.
    pub fn require_session(&self) -> ApiResult<&SessionPrincipal> {
        match self {
            Principal::Session(session) => Ok(session),
            Principal::ApiKey(_) => Err(ApiError::forbidden(
                "this endpoint needs a user session: API keys reach org resources only, never API keys, sessions \
                 or the account; sign in as a user with `keystroke auth login`",
            )),
        }
    }
}

/// A caller's standing in one org.
#[derive(Debug, Clone)]
pub struct OrgAccess {
    pub org_id: String,
    pub org_slug: String,
    pub user_id: String,
    pub role: Role,
    /// The id of the credential the request came with (`ak_…`, `ses_…`), which the org's writes
    /// check is still live when they are made.
    pub credential_id: String,
    /// Its kind, which decides how a write refused meanwhile is answered ([`ended_meanwhile`]).
    pub credential: Credential,
}

impl OrgAccess {
    pub fn require(&self, needed: Role, action: &str) -> ApiResult<()> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{action} needs the {needed} role or higher in org `{}`; this credential acts as a {}",
                self.org_slug, self.role
            )))
        }
    }
}

/// Resolves the caller's access to the org with this slug. An org the user does not belong to is
/// "not found": its existence is not revealed. An API key is refused any org but its own, which
/// its holder knows already, whether the other exists or not.
pub fn org_access(state: &AppState, principal: Principal, slug: &str) -> ApiResult<OrgAccess> {
    match principal {
        Principal::ApiKey(key) if key.org_slug == slug => Ok(key.into_access()),
        Principal::ApiKey(key) if keystroke_api::is_org_slug(slug) => Err(ApiError::forbidden(format!(
            "this API key belongs to org `{}` and acts only there, not in `{slug}`: use a key made in `{slug}`",
            key.org_slug
        ))),
        Principal::ApiKey(key) => Err(ApiError::forbidden(format!(
            "this API key belongs to org `{}` and acts only there; {} is not an org slug",
            key.org_slug,
            not_a_slug(slug)
        ))),
        Principal::Session(session) => member_access(state, slug, &session.user_id, &session.session_id),
    }
}

impl KeyPrincipal {
    /// The key's access to its own org, as verified on this request.
    fn into_access(self) -> OrgAccess {
        OrgAccess {
            org_id: self.org_id,
            org_slug: self.org_slug,
            user_id: self.user_id,
            role: self.role,
            credential_id: self.key_id,
            credential: Credential::ApiKey,
        }
    }
}

/// The org a session names in the [`ORG_HEADER`] header, extracted on its own rather than with a
/// copy of every header: it is on the path of every request with a key to `/api/projects`.
pub struct NamedOrg(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for NamedOrg {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut values = parts.headers.get_all(ORG_HEADER).iter();
        let named = match (values.next(), values.next()) {
            (_, Some(_)) => {
                return Err(ApiError::bad_request(format!("send one `{ORG_HEADER}` header, not several")));
            }
            (Some(value), None) => value.to_str().map_err(|_| {
                ApiError::bad_request(format!("the `{ORG_HEADER}` header is not an org slug: send the org's slug"))
            })?,
            (None, None) => "",
        };
        // An empty header is a template left unfilled, as good as none.
        Ok(NamedOrg(Some(named.trim()).filter(|slug| !slug.is_empty()).map(str::to_owned)))
    }
}

/// The org a request acts in: the API key's own, or the one a session names.
pub fn request_org(state: &AppState, principal: Principal, named: &NamedOrg) -> ApiResult<OrgAccess> {
    match (principal, named.0.as_deref()) {
        (Principal::ApiKey(key), None) => Ok(key.into_access()),
        (principal, Some(slug)) => org_access(state, principal, slug),
        (Principal::Session(_), None) => Err(ApiError::bad_request(format!(
            "a user session must name the org: send the `{ORG_HEADER}` header with the org's slug"
        ))),
    }
}

/// A user's standing in the org with this slug, "not found" when they are not a member.
pub fn member_access(state: &AppState, slug: &str, user_id: &str, session_id: &str) -> ApiResult<OrgAccess> {
    let not_found = || not_among_your_orgs(slug);
    let org = state.storage.org_by_slug(slug)?.ok_or_else(not_found)?;
    let role = state.storage.role_in(&org.id, user_id)?.ok_or_else(not_found)?;
    Ok(OrgAccess {
        org_id: org.id,
        org_slug: org.slug,
        user_id: user_id.to_owned(),
        role,
        credential_id: session_id.to_owned(),
        credential: Credential::Session,
    })
}

/// Said the same way for an org that does not exist and one the user has left or never joined.
pub fn not_among_your_orgs(slug: &str) -> ApiError {
    if keystroke_api::is_org_slug(slug) {
        return ApiError::not_found(keystroke_api::org_not_found(slug));
    }
    ApiError::not_found(format!(
        "{} is not an org slug ({}), so none of your orgs",
        not_a_slug(slug),
        keystroke_api::ORG_SLUG_RULE
    ))
}

/// How an answer names an org that a request gave as something other than a slug: without
/// repeating it (a link's `?org=` would put its text on a page as the platform's own words), and
/// saying so when it is a secret pasted in the wrong place.
fn not_a_slug(named: &str) -> &'static str {
    match keystroke_api::contains_secret(named) {
        true => keystroke_api::SECRET_NOT_REPEATED,
        false => "the org given",
    }
}

/// The error of a write for `access` that storage refused because the request's standing ended
/// while it was on its way: the member removed from the org ([`NotAMember`]), or the key or
/// session revoked or expired ([`CredentialEnded`]). Said as the next request will hear it: a
/// session's org is not among the user's any more, a key of theirs was revoked with the removal,
/// an ended credential is refused.
pub fn ended_meanwhile(access: &OrgAccess) -> impl Fn(anyhow::Error) -> ApiError + '_ {
    move |error| match (error.is::<NotAMember>(), access.credential) {
        _ if error.is::<CredentialEnded>() => ApiError::invalid_credential(),
        (true, Credential::ApiKey) => ApiError::invalid_credential(),
        (true, Credential::Session) => not_among_your_orgs(&access.org_slug),
        (false, _) => error.into(),
    }
}

/// The kind of credential a request came with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Credential {
    Session,
    ApiKey,
}

/// Whether credentials in the query string are acceptable on a route.
#[derive(Clone, Copy, PartialEq, Eq)]
enum QueryCredentials {
    Refused,
    Accepted,
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let principal = authenticate(state, parts, QueryCredentials::Refused)?;
        CredentialId::record(principal.credential_id());
        Ok(principal)
    }
}

/// The principal of a webhook-style route, where `?token=` and `?api_key=` are also accepted
/// because the systems that call webhooks often cannot set headers.
pub struct HookPrincipal(pub Principal);

impl FromRequestParts<AppState> for HookPrincipal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let principal = authenticate(state, parts, QueryCredentials::Accepted)?;
        CredentialId::record(principal.credential_id());
        Ok(HookPrincipal(principal))
    }
}

fn authenticate(state: &AppState, parts: &Parts, query: QueryCredentials) -> ApiResult<Principal> {
    let mut presented = header_credentials(&parts.headers);
    let query_credentials: Vec<String> = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default()
        .into_iter()
        // An empty value is a template left unfilled, not a credential: "no credentials" then.
        .filter(|(name, value)| QUERY_CREDENTIAL_PARAMS.contains(&name.as_str()) && !value.is_empty())
        .map(|(_, value)| value)
        .collect();
    // Two credentials are refused as such wherever they are (400, as README's API section says),
    // before a query credential is refused for its route.
    if presented.len() + query_credentials.len() > 1 {
        return Err(two_credentials());
    }
    // One at most now: usable, or refused for what it is.
    let presented = presented.pop().transpose()?;
    if !query_credentials.is_empty() && query == QueryCredentials::Refused {
        return Err(ApiError::unauthorized(
            "credentials in the query string (`?token=`, `?api_key=`) are accepted only on webhook routes; \
             send the key in the `Authorization: Bearer` or `x-api-key` header",
        ));
    }
    if query_credentials.iter().any(|token| token.starts_with(SESSION_PREFIX)) {
        // A session reaches every org of its user: it must not end up in URLs and proxy logs.
        return Err(ApiError::unauthorized(
            "user session tokens are never accepted in the query string; send them in the `Authorization` header",
        ));
    }
    match (presented, query_credentials.as_slice()) {
        (None, []) => Err(ApiError::unauthorized(
            "no credentials: send an API key as `Authorization: Bearer <key>` or `x-api-key: <key>`, \
             or sign in with `keystroke auth login`",
        )),
        (Some(token), []) => verify(state, token),
        (None, [token]) => verify(state, token),
        _ => Err(two_credentials()),
    }
}

fn two_credentials() -> ApiError {
    ApiError::bad_request(
        "the request carries more than one credential; send exactly one of `Authorization`, `x-api-key`, `?token=` \
         or `?api_key=`",
    )
}

/// The credentials in the request's headers, borrowed from them (this is on every request's
/// path): none, one, or more for the caller to refuse. One that cannot be used (another scheme
/// than `Bearer`, a session in `x-api-key`) still counts, so that two are refused as two first.
fn header_credentials(headers: &HeaderMap) -> Vec<ApiResult<&str>> {
    let authorization = headers.get_all(AUTHORIZATION).iter().map(|value| {
        let value = value.to_str().map_err(|_| ApiError::invalid_credential())?;
        // A tab after the scheme is as good as the space: the scheme was right.
        let (scheme, token) = value.split_once([' ', '\t']).unwrap_or((value, ""));
        match scheme.eq_ignore_ascii_case("bearer") {
            true => Ok(token.trim()),
            false => Err(ApiError::unauthorized("the `Authorization` header must use the `Bearer` scheme")),
        }
    });
    let api_key = headers.get_all(API_KEY_HEADER).iter().map(|value| {
        let token = value.to_str().map_err(|_| ApiError::invalid_credential())?.trim();
        match token.starts_with(SESSION_PREFIX) {
            // Named for keys: a session pasted there is a mistake worth naming, not a second way in.
            true => Err(ApiError::unauthorized(
                "`x-api-key` carries API keys only; send a user session token as `Authorization: Bearer <token>`",
            )),
            false => Ok(token),
        }
    });
    // An empty `Bearer` or `x-api-key:`, like an empty `?token=`, is no credential.
    authorization.chain(api_key).filter(|token| token.as_ref().map_or(true, |token| !token.is_empty())).collect()
}

fn verify(state: &AppState, token: &str) -> ApiResult<Principal> {
    if token.starts_with(SESSION_PREFIX) {
        verify_session(state, token).map(Principal::Session)
    } else {
        verify_api_key(state, token).map(Principal::ApiKey)
    }
}

/// Format and checksum first, so garbage costs no database work; then one indexed lookup joined
/// with the creator's current membership. Nothing is cached: a revoked key fails at once.
fn verify_api_key(state: &AppState, token: &str) -> ApiResult<KeyPrincipal> {
    if !is_well_formed(token, state.config.mode.key_prefix()) {
        tracing::debug!(reason = "malformed or bad checksum", "API key refused");
        return Err(ApiError::invalid_credential());
    }
    let Some(credential) = state.storage.key_credential(&hash_secret(token))? else {
        tracing::debug!(reason = "unknown", "API key refused");
        return Err(ApiError::invalid_credential());
    };
    let now = now();
    let expired = credential.expires_at.is_some_and(|at| at <= now);
    let (false, false, Some(role)) = (credential.revoked, expired, credential.role) else {
        tracing::debug!(key_id = %credential.key_id, revoked = credential.revoked, expired, "API key refused");
        // Named in the request's log line all the same: where a revoked (leaked) key is still
        // tried from is what an operator asks next.
        CredentialId::record(&credential.key_id);
        return Err(ApiError::invalid_credential());
    };
    tracing::debug!(key_id = %credential.key_id, org = %credential.org_slug, %role, "API key accepted");
    if !use_recorded_recently(credential.last_used_at, now) {
        state.storage.touch_api_key(&credential.key_id, now);
    }
    Ok(KeyPrincipal {
        key_id: credential.key_id,
        org_id: credential.org_id,
        org_slug: credential.org_slug,
        user_id: credential.user_id,
        role,
    })
}

/// A CLI session presented as a bearer token. Sessions of the web pages are refused here, with
/// their own message: only their holder can get it, and the one 401 message would send them to
/// sign in again, which they just did.
fn verify_session(state: &AppState, token: &str) -> ApiResult<SessionPrincipal> {
    match live_session(state, token)? {
        Some(credential) if credential.client != WEB_CLIENT => {
            record_use(state, &credential);
            Ok(SessionPrincipal { session_id: credential.session_id, user_id: credential.user_id })
        }
        Some(_) => Err(ApiError::web_session_refused()),
        None => Err(ApiError::invalid_credential()),
    }
}

/// The live (unrevoked, unexpired) web session behind the pages' cookie, if any: a CLI session is
/// none there, as a web session is refused as a bearer token. Its use is recorded (at most once a
/// minute), but only once it is accepted: a refused token is not a use that `keystroke session
/// list` should show.
pub fn accepted_web_session(state: &AppState, token: &str) -> ApiResult<Option<crate::storage::SessionCredential>> {
    let Some(credential) = live_session(state, token)?.filter(|credential| credential.client == WEB_CLIENT) else {
        return Ok(None);
    };
    record_use(state, &credential);
    Ok(Some(credential))
}

/// The live (unrevoked, unexpired) session, of either client, behind a well-formed token; its
/// use is not recorded.
fn live_session(state: &AppState, token: &str) -> ApiResult<Option<crate::storage::SessionCredential>> {
    if !is_well_formed(token, SESSION_PREFIX) {
        return Ok(None);
    }
    let now = now();
    let Some(found) = state.storage.session_credential(&hash_secret(token))? else {
        return Ok(None);
    };
    if found.revoked || found.expires_at <= now {
        // Named in the request's log line, as a refused key is.
        CredentialId::record(&found.session_id);
        return Ok(None);
    }
    Ok(Some(found))
}

fn record_use(state: &AppState, credential: &crate::storage::SessionCredential) {
    let now = now();
    if !use_recorded_recently(credential.last_used_at, now) {
        state.storage.touch_session(&credential.session_id, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write refused because its author was removed, or its credential ended, meanwhile is
    /// answered as the next request will be: a session's org is not among the user's, a key is
    /// dead (revoked with the removal), an ended key or session is refused.
    #[test]
    fn a_write_refused_meanwhile_is_answered_as_the_next_request_will_be() {
        let access = |credential| OrgAccess {
            org_id: "org_1".into(),
            org_slug: "acme".into(),
            user_id: "usr_1".into(),
            role: Role::Builder,
            credential_id: "ses_1".into(),
            credential,
        };
        let refused = |credential| ended_meanwhile(&access(credential))(anyhow::Error::new(NotAMember));
        let session = refused(Credential::Session);
        assert_eq!((session.status.as_u16(), session.message.as_str()), (404, "org `acme` not found among your orgs"));
        let key = refused(Credential::ApiKey);
        assert_eq!((key.status.as_u16(), key.code), (401, ApiError::invalid_credential().code));
        for credential in [Credential::Session, Credential::ApiKey] {
            let ended = ended_meanwhile(&access(credential))(anyhow::Error::new(CredentialEnded));
            assert_eq!((ended.status.as_u16(), ended.code), (401, ApiError::invalid_credential().code));
        }
        let other = ended_meanwhile(&access(Credential::ApiKey))(anyhow::anyhow!("disk full"));
        assert_eq!(other.status.as_u16(), 500);
    }
}
