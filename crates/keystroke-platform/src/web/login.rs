//! `/login`: signing in to the web pages (Settings > API keys) with email and password.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{
    PageResult, SESSION_COOKIE, SIGN_IN_FORM_EXPIRED, WRONG_SIGN_IN, WebForm, WebQuery, WebSession, cookie,
    credential_fields, csrf_for, error_paragraph, escape, page, session_csrf_ok, set_cookie, set_sign_in_cookies,
    sign_in_csrf_ok, sign_in_form_page, sign_in_with_password, sign_out_form, web_session,
};
use crate::clock::now;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// The sign-in form, saying first who is signed in already (the form signs in someone else), or
/// that the sign-in this browser had has ended (what a page of it sends people here for).
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    WebQuery(query): WebQuery<NextQuery>,
) -> PageResult {
    let next = local_path(query.next.as_deref());
    let notice = match web_session(&state, &headers)? {
        Some(visitor) => match state.storage.user_by_id(&visitor.user_id)? {
            Some(user) => format!(
                "<p class=\"notice\">You are signed in as {email}: <a href=\"{}\">continue as {email}</a>, or sign in \
                 as someone else below.</p>\n",
                escape(next),
                email = escape(&user.email),
            ),
            None => String::new(),
        },
        None if cookie(&state, &headers, SESSION_COOKIE).is_some() => format!(
            "<p class=\"notice\">Your sign-in has ended (one lasts {} minutes): sign in again.</p>\n",
            state.config.web_session_ttl_secs / 60
        ),
        None => String::new(),
    };
    Ok(login_page(&state, Some(next), "", None, &notice, StatusCode::OK))
}

pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    WebForm(form): WebForm<LoginForm>,
) -> PageResult {
    if !sign_in_csrf_ok(&state, &headers, &form.csrf) {
        let expired = Some(SIGN_IN_FORM_EXPIRED);
        return Ok(login_page(&state, form.next.as_deref(), &form.email, expired, "", StatusCode::FORBIDDEN));
    }
    let client = state.client_key(&headers, peer);
    let wrong =
        || login_page(&state, form.next.as_deref(), &form.email, Some(WRONG_SIGN_IN), "", StatusCode::UNAUTHORIZED);
    let (user, token) =
        match sign_in_with_password(&state, &headers, &client, &form.email, form.password, wrong).await? {
            Ok(signed_in) => signed_in,
            Err(answer) => return Ok(answer),
        };
    let mut response = Redirect::to(local_path(form.next.as_deref())).into_response();
    set_sign_in_cookies(&mut response, &state, &headers, &token, &user);
    Ok(response)
}

#[derive(Deserialize)]
pub struct SignOutForm {
    csrf: String,
}

/// `GET /logout` (typed into the address bar): signed in, a page with the sign-out button;
/// signing out itself takes the POST, so that no link or image can do it.
pub async fn sign_out_page(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let Some(session) = web_session(&state, &headers)? else {
        return Ok(Redirect::to("/login").into_response());
    };
    sign_out_asked(&state, &session, "", StatusCode::OK)
}

/// The sign-out page: who is signed in, the button, and the way back.
fn sign_out_asked(state: &AppState, session: &WebSession, notice: &str, status: StatusCode) -> PageResult {
    let email = state.storage.user_by_id(&session.user_id)?.map(|user| user.email).unwrap_or_default();
    let body = format!(
        "{notice}<h1>Sign out</h1>\n<p>Signed in as <strong>{}</strong>.</p>\n{}\n<p><a href=\"{}\">Cancel</a></p>",
        escape(&email),
        sign_out_form(&csrf_for(&session.token)),
        super::api_keys::PAGE
    );
    Ok(page(status, "Sign out", &body))
}

/// `POST /logout`: ends the browser session (a CSRF-protected form, so no page can sign you out).
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    WebForm(form): WebForm<SignOutForm>,
) -> PageResult {
    let Some(session) = web_session(&state, &headers)? else {
        return Ok(Redirect::to("/login").into_response());
    };
    if !session_csrf_ok(&session.token, &form.csrf) {
        // A page of an earlier sign-in (another tab signed in since): asked again from this one,
        // rather than refused with nothing said of whether the sign-out happened.
        let notice = "<p class=\"notice\" role=\"status\">You are still signed in: that page was from an \
                      earlier sign-in. Sign out from this one.</p>\n";
        return sign_out_asked(&state, &session, notice, StatusCode::FORBIDDEN);
    }
    state.storage.revoke_session(&session.user_id, &session.session_id, now())?;
    let mut response = Redirect::to("/login").into_response();
    set_cookie(&mut response, &state, SESSION_COOKIE, "", 0);
    Ok(response)
}

/// `next` when it is a path on this platform, so a sign-in link cannot send people elsewhere:
/// one leading slash, then printable ASCII only (browsers drop tabs and newlines, which would
/// turn `/<TAB>/evil.example` into `//evil.example`), and no backslash.
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
                && !keystroke_api::contains_secret(path) =>
        {
            path
        }
        _ => super::api_keys::PAGE,
    }
}

/// Where a page sends a person who is not signed in.
pub fn to_login(next: &str) -> Response {
    Redirect::to(&format!("/login?next={}", super::query_value(next))).into_response()
}

/// `email` is what was typed before a wrong password, given back (unless it is a key or token).
fn login_page(
    state: &AppState,
    next: Option<&str>,
    email: &str,
    error: Option<&str>,
    notice: &str,
    status: StatusCode,
) -> Response {
    sign_in_form_page(state, status, "Sign in", |csrf| {
        format!(
            r#"<h1>Sign in to Keystroke</h1>
{notice}{error}<form method="post" action="/login">
{fields}<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<button type="submit">Sign in</button>
</form>"#,
            error = error_paragraph(error),
            fields = credential_fields(email, error),
            next = escape(local_path(next)),
        )
    })
}
