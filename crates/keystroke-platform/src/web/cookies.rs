//! The pages' cookies (`__Host-` prefixed on https) and their CSRF checks: the web session's, the
//! sign-in form's, and the active org.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use sha2::{Digest, Sha256};

use crate::auth::accepted_web_session;
use crate::error::ApiResult;
use crate::logging::CredentialId;
use crate::state::AppState;
use crate::tokens::constant_time_eq;

/// The signed-in browser session (an HttpOnly cookie, never readable by scripts).
pub const SESSION_COOKIE: &str = "ks_web";
/// Double-submit CSRF token of the sign-in form, before there is a session to bind one to.
pub const SIGN_IN_CSRF_COOKIE: &str = "ks_csrf";
/// The browser's active org on Settings > API keys: the last one chosen there.
pub const ACTIVE_ORG_COOKIE: &str = "ks_org";

/// A signed-in browser.
pub struct WebSession {
    /// The cookie's token, from which the page's CSRF token is derived.
    pub token: String,
    pub user_id: String,
    pub session_id: String,
}

/// The signed-in browser session behind the cookie, if it is live.
pub fn web_session(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<WebSession>> {
    let Some(token) = cookie(state, headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = accepted_web_session(state, &token)? else {
        return Ok(None);
    };
    CredentialId::record(&session.session_id);
    Ok(Some(WebSession { token, user_id: session.user_id, session_id: session.session_id }))
}

/// The CSRF token of a signed-in page: derived from the session token, so an attacker who
/// cannot read the HttpOnly cookie cannot compute it, and nothing more needs storing.
pub fn csrf_for(web_token: &str) -> String {
    let digest = Sha256::digest(format!("keystroke-csrf:{web_token}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A cookie's name as the platform sets and reads it: on https, with the `__Host-` prefix, which
/// browsers take only from this very origin (`Secure`, `Path=/`, no `Domain`), so that no sibling
/// subdomain can plant one (a sign-in CSRF cookie of its choosing, a session of its own).
fn cookie_name(state: &AppState, name: &str) -> String {
    match state.serves_https() {
        true => format!("__Host-{name}"),
        false => name.to_owned(),
    }
}

/// The request's cookie `name`; none when it comes more than once, which only a cookie planted
/// beside ours (another path, another subdomain) would do: the browser would send that one first.
pub fn cookie(state: &AppState, headers: &HeaderMap, name: &str) -> Option<String> {
    let name = cookie_name(state, name);
    let mut values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned());
    match (values.next(), values.next()) {
        (Some(value), None) => Some(value),
        _ => None,
    }
}

pub fn set_cookie(response: &mut Response, state: &AppState, name: &str, value: &str, max_age: i64) {
    let secure = if state.serves_https() { "; Secure" } else { "" };
    // `Lax`: the cookies go along with a link followed from elsewhere (docs, mail, chat), which
    // `Strict` answered with the sign-in form and the first org, as if the browser were new.
    // Never with another site's form or script: every form is checked by its CSRF token and
    // `Sec-Fetch-Site`, and no GET acts (one from another site does not even look up a code).
    let name = cookie_name(state, name);
    let cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Whether the sign-in form came back with the CSRF token its page set in a cookie.
pub fn sign_in_csrf_ok(state: &AppState, headers: &HeaderMap, form_csrf: &str) -> bool {
    let expected = cookie(state, headers, SIGN_IN_CSRF_COOKIE).unwrap_or_default();
    !expected.is_empty() && constant_time_eq(expected.as_bytes(), form_csrf.as_bytes())
}

/// Whether a signed-in page's form came back with the CSRF token derived from its session.
pub fn session_csrf_ok(web_token: &str, form_csrf: &str) -> bool {
    constant_time_eq(csrf_for(web_token).as_bytes(), form_csrf.as_bytes())
}
