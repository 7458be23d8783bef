//! The approval page of the device authorization grant: a person signs in with email and
//! password, sees which client asks for access (from which address, when), and approves or
//! denies. Server-rendered HTML, no JavaScript.
//!
//! Opening `verification_uri_complete` only fills in the code: approval always takes a signed-in
//! person pressing Approve on a form carrying a CSRF token. Wrong passwords and wrong codes
//! count against the client address in the sign-in throttle.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::{WEB_CLIENT, session_credential};
use crate::error::ApiResult;
use crate::passwords;
use crate::state::{AppState, now, to_datetime};
use crate::storage::{DeviceAuthorizationRecord, DeviceStatus, NewSession};
use crate::tokens::{SESSION_PREFIX, constant_time_eq, mint, normalize_user_code, public_id, random_base62};

/// The signed-in browser session (an HttpOnly cookie, never readable by scripts).
const SESSION_COOKIE: &str = "ks_web";
/// Double-submit CSRF token of the sign-in form, before there is a session to bind one to.
const SIGN_IN_CSRF_COOKIE: &str = "ks_csrf";

#[derive(Deserialize)]
pub struct CodeQuery {
    user_code: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    user_code: String,
    csrf: String,
}

#[derive(Deserialize)]
pub struct DecisionForm {
    user_code: String,
    csrf: String,
    decision: String,
}

/// `GET /device`: the code form, the sign-in form, or (signed in, with a code) the approval.
pub async fn show(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<CodeQuery>,
) -> ApiResult<Response> {
    let typed_code = query.user_code.unwrap_or_default();
    let Some((web_token, user_id)) = web_session(&state, &headers)? else {
        return Ok(sign_in_page(&state, &typed_code, None, StatusCode::OK));
    };
    if typed_code.is_empty() {
        return Ok(code_page(None, StatusCode::OK));
    }
    let client = peer.ip().to_string();
    if !state.sign_in_throttle.allows(&client) {
        return Ok(too_many_attempts());
    }
    match pending_authorization(&state, &typed_code)? {
        Some(auth) => {
            let user = state.storage.user_by_id(&user_id)?;
            let email = user.map(|u| u.email).unwrap_or_default();
            Ok(approval_page(&auth, &email, &csrf_for(&web_token), None))
        }
        None => {
            state.sign_in_throttle.record_failure(&client);
            Ok(code_page(Some(UNKNOWN_CODE), StatusCode::NOT_FOUND))
        }
    }
}

const UNKNOWN_CODE: &str =
    "That code is not valid, has expired or was already used. Check your terminal and try again.";

/// `POST /device`: email, password and code; on success a browser session and the approval page.
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> ApiResult<Response> {
    let cookie_csrf = cookie(&headers, SIGN_IN_CSRF_COOKIE).unwrap_or_default();
    if cookie_csrf.is_empty() || !constant_time_eq(cookie_csrf.as_bytes(), form.csrf.as_bytes()) {
        return Ok(message_page(
            StatusCode::FORBIDDEN,
            "Session expired",
            "The form expired or was not sent by this page. Reload the page and try again.",
        ));
    }
    let client = peer.ip().to_string();
    if !state.sign_in_throttle.allows(&client) {
        return Ok(too_many_attempts());
    }
    let Some(auth) = pending_authorization(&state, &form.user_code)? else {
        state.sign_in_throttle.record_failure(&client);
        return Ok(sign_in_page(&state, &form.user_code, Some(UNKNOWN_CODE), StatusCode::NOT_FOUND));
    };
    let account = state.storage.user_by_email(form.email.trim())?;
    let password_ok = passwords::verify(form.password, account.as_ref().map(|a| a.password_hash.clone())).await;
    let Some(account) = account.filter(|_| password_ok) else {
        state.sign_in_throttle.record_failure(&client);
        return Ok(sign_in_page(&state, &form.user_code, Some("Wrong email or password."), StatusCode::UNAUTHORIZED));
    };
    let token = mint(SESSION_PREFIX);
    let created_at = now();
    let ttl = state.config.web_session_ttl_secs;
    state.storage.insert_session(
        &account.user.id,
        &NewSession {
            id: public_id("ses_"),
            client: WEB_CLIENT.to_owned(),
            token_hash: token.hash,
            created_at,
            expires_at: created_at + ttl,
        },
    )?;
    let mut response = approval_page(&auth, &account.user.email, &csrf_for(&token.plaintext), None);
    set_cookie(&mut response, &state, SESSION_COOKIE, &token.plaintext, ttl);
    set_cookie(&mut response, &state, SIGN_IN_CSRF_COOKIE, "", 0);
    Ok(response)
}

/// `POST /device/decision`: Approve or Deny, from a signed-in browser with the page's CSRF token.
pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> ApiResult<Response> {
    let Some((web_token, user_id)) = web_session(&state, &headers)? else {
        return Ok(message_page(
            StatusCode::UNAUTHORIZED,
            "Sign in first",
            "Your sign-in expired. Open the link from your terminal again.",
        ));
    };
    if !constant_time_eq(csrf_for(&web_token).as_bytes(), form.csrf.as_bytes()) {
        return Ok(message_page(
            StatusCode::FORBIDDEN,
            "Request refused",
            "The form was not sent by this page. Reload it and try again.",
        ));
    }
    let approve = match form.decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => {
            return Ok(message_page(StatusCode::BAD_REQUEST, "Request refused", "Choose Approve or Deny."));
        }
    };
    let Some(code) = normalize_user_code(&form.user_code) else {
        return Ok(message_page(StatusCode::NOT_FOUND, "Unknown code", UNKNOWN_CODE));
    };
    if !state.storage.decide_device_authorization(&code, &user_id, approve, now())? {
        return Ok(message_page(StatusCode::NOT_FOUND, "Unknown code", UNKNOWN_CODE));
    }
    tracing::info!(approved = approve, "device authorization decided");
    Ok(if approve {
        message_page(
            StatusCode::OK,
            "Device approved",
            "You are signed in on your terminal. You can close this window.",
        )
    } else {
        message_page(StatusCode::OK, "Request denied", "Nothing was signed in. You can close this window.")
    })
}

/// The signed-in browser session behind the cookie, as (token, user id).
fn web_session(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<(String, String)>> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(session_credential(state, &token)?.filter(|c| c.client == WEB_CLIENT).map(|c| (token, c.user_id)))
}

fn pending_authorization(state: &AppState, typed: &str) -> ApiResult<Option<DeviceAuthorizationRecord>> {
    let Some(code) = normalize_user_code(typed) else {
        return Ok(None);
    };
    Ok(state
        .storage
        .device_authorization(&code)?
        .filter(|auth| auth.status == DeviceStatus::Pending && auth.expires_at > now()))
}

/// The CSRF token of a signed-in page: derived from the session token, so an attacker who
/// cannot read the HttpOnly cookie cannot compute it, and nothing more needs storing.
fn csrf_for(web_token: &str) -> String {
    let digest = Sha256::digest(format!("keystroke-csrf:{web_token}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

fn set_cookie(response: &mut Response, state: &AppState, name: &str, value: &str, max_age: i64) {
    let secure = if state.public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path=/device; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn sign_in_page(state: &AppState, user_code: &str, error: Option<&str>, status: StatusCode) -> Response {
    let csrf = random_base62(32);
    let body = format!(
        r#"<h1>Sign in to approve a device</h1>
<p>A device asked to sign in to Keystroke as you. Enter the code shown in your terminal.</p>
{error}<form method="post" action="/device">
<label>Code <input name="user_code" value="{code}" autocomplete="off" required></label>
<label>Email <input name="email" type="email" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<input type="hidden" name="csrf" value="{csrf}">
<button type="submit">Continue</button>
</form>"#,
        error = error_paragraph(error),
        code = escape(user_code),
    );
    let mut response = page(status, "Sign in", &body);
    set_cookie(&mut response, state, SIGN_IN_CSRF_COOKIE, &csrf, state.config.web_session_ttl_secs);
    response
}

fn code_page(error: Option<&str>, status: StatusCode) -> Response {
    let body = format!(
        r#"<h1>Enter your code</h1>
{error}<form method="get" action="/device">
<label>Code <input name="user_code" autocomplete="off" required></label>
<button type="submit">Continue</button>
</form>"#,
        error = error_paragraph(error)
    );
    page(status, "Enter code", &body)
}

fn approval_page(auth: &DeviceAuthorizationRecord, email: &str, csrf: &str, error: Option<&str>) -> Response {
    let requested_at =
        to_datetime(auth.created_at).format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let body = format!(
        r#"<h1>Approve sign-in?</h1>
{error}<p>Signed in as <strong>{email}</strong>. Approve only if you started this sign-in yourself and the code matches your terminal.</p>
<dl>
<dt>Code</dt><dd><code>{code}</code></dd>
<dt>Client</dt><dd>{client_id} ({client_name})</dd>
<dt>From address</dt><dd>{ip}</dd>
<dt>Requested at</dt><dd>{requested_at}</dd>
</dl>
<form method="post" action="/device/decision">
<input type="hidden" name="user_code" value="{code}">
<input type="hidden" name="csrf" value="{csrf}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>"#,
        error = error_paragraph(error),
        email = escape(email),
        code = escape(&auth.user_code),
        client_id = escape(&auth.client_id),
        client_name = escape(&auth.client_name),
        ip = escape(&auth.requester_ip),
    );
    page(StatusCode::OK, "Approve sign-in", &body)
}

fn too_many_attempts() -> Response {
    message_page(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        "Too many wrong codes or passwords from your address. Wait a few minutes and try again.",
    )
}

fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, title, &format!("<h1>{}</h1>\n<p>{}</p>", escape(title), escape(message)))
}

fn error_paragraph(error: Option<&str>) -> String {
    error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e))).unwrap_or_default()
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · Keystroke</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}}
label{{display:block;margin:.75rem 0}}input{{display:block;width:100%;padding:.4rem;font-size:1rem}}
button{{margin:.75rem .5rem 0 0;padding:.5rem 1rem;font-size:1rem}}.error{{color:#b00020}}
dt{{font-weight:600}}dd{{margin:0 0 .5rem 0}}</style></head>
<body>{body}</body></html>"#,
        title = escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
