//! Signing in with a password, shared by the sign-in page (`login.rs`) and the approval page
//! (`device.rs`): the throttles, the check, and the browser session it starts.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use keystroke_api::User;

use super::known_browsers::KNOWN_BROWSER_COOKIE;
use super::{
    POINTS_AT_PROBLEM, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE, SIGN_IN_FORM_EXPIRED, cookie, known_browsers, message_page,
    page, refill, set_cookie, web_session,
};
use crate::auth::WEB_CLIENT;
use crate::error::ApiResult;
use crate::passwords;
use crate::state::AppState;
use crate::tokens::random_base62;

pub fn too_many_attempts() -> Response {
    let minutes = crate::throttle::SIGN_IN_WINDOW.as_secs() / 60;
    let mut response = message_page(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        &format!(
            "Too many wrong codes or passwords, from your address or for this account. Wait up to {minutes} \
             minutes and try again."
        ),
    );
    // The whole window: by then the failures that closed the door have aged out.
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(crate::throttle::SIGN_IN_WINDOW.as_secs()));
    response
}

enum PasswordCheck {
    SignedIn(User),
    Wrong,
    Throttled,
}

/// What a wrong email or password is told, on every sign-in form.
pub const WRONG_SIGN_IN: &str = "Wrong email or password.";

/// A sign-in form's email and password checked ([`verify_sign_in`]): the user, signed in with a
/// new browser session whose token comes beside, or the page that answers instead: too many
/// attempts, or `wrong`'s page.
pub async fn sign_in_with_password(
    state: &AppState,
    headers: &HeaderMap,
    client: &str,
    email: &str,
    password: String,
    wrong: impl FnOnce() -> Response,
) -> ApiResult<Result<(User, String), Response>> {
    Ok(match verify_sign_in(state, headers, client, email, password).await? {
        PasswordCheck::SignedIn(user) => {
            let token = start_browser_session(state, headers, &user.id)?;
            Ok((user, token))
        }
        PasswordCheck::Throttled => Err(too_many_attempts()),
        PasswordCheck::Wrong => Err(wrong()),
    })
}

/// A page with a sign-in form: the form's CSRF token is minted here, given to `body` to put in
/// the form, and set as the cookie that [`sign_in_csrf_ok`] compares it with.
pub fn sign_in_form_page(
    state: &AppState,
    status: StatusCode,
    title: &str,
    body: impl FnOnce(&str) -> String,
) -> Response {
    let csrf = random_base62(32);
    let mut response = page(status, title, &body(&csrf));
    set_cookie(&mut response, state, SIGN_IN_CSRF_COOKIE, &csrf, state.config.web_session_ttl_secs);
    response
}

/// A sign-in form's email and password fields, the email refilled with what was typed before a
/// refusal when it has an address's shape (one `@`, a dot in the domain, no space): a password
/// typed into the email field (the wrong field, or the browser's autofill) is not shown back in
/// clear, `P@ssw0rd` included. An address without a dot in its domain is typed again. After a
/// wrong email or password (`refused`) both fields point at the [`error_paragraph`] saying so,
/// and the email has the focus, as a refused create form's field has.
pub fn credential_fields(email: &str, error: Option<&str>) -> String {
    let shaped_like_an_address = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@') && !email.contains(char::is_whitespace)
    });
    let refused = error == Some(WRONG_SIGN_IN);
    let email = if shaped_like_an_address { refill(email) } else { String::new() };
    // A form that had expired (`SIGN_IN_FORM_EXPIRED`) is sent again with its email refilled:
    // the password is what is left to type.
    let again = error == Some(SIGN_IN_FORM_EXPIRED) && !email.is_empty();
    format!(
        r#"<label>Email <input name="email" type="email" value="{email}" autocomplete="username" required{marked}{focus}></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required{marked}{again}></label>
"#,
        marked = if refused { POINTS_AT_PROBLEM } else { "" },
        focus = if refused || (error == Some(SIGN_IN_FORM_EXPIRED) && !again) { " autofocus" } else { "" },
        again = if again { " autofocus" } else { "" },
    )
}

/// Checks an email and password, counting failures against both the client address and the
/// account, so that neither one address nor many addresses can guess a password. The account's
/// count does not hold back a browser that signed in to it before ([`known_browsers`]), so that
/// guessing from many addresses does not lock its owner out. An email longer than any account's
/// counts against the address only.
async fn verify_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    client: &str,
    email: &str,
    password: String,
) -> ApiResult<PasswordCheck> {
    let typed = email;
    let email = crate::storage::normalize_email(typed);
    let Some(by_address) = state.sign_in_throttle.begin_attempt(&[client]) else {
        return Ok(PasswordCheck::Throttled);
    };
    // No account has an email this long (`user add` refuses it): wrong, counted against the
    // address alone, as the account's count would keep every such string (up to the body limit)
    // for its whole window.
    if email.chars().count() > crate::admin::MAX_EMAIL_CHARS {
        return Ok(PasswordCheck::Wrong);
    }
    let account = crate::storage::account_by_email(state.storage.as_ref(), typed).inspect_err(|_| {
        // The database failing is no try of the client's.
        state.sign_in_throttle.forgive(&[client], by_address);
    })?;
    // Counted under the account's email as stored: two accounts an upgrade left apart (their
    // emails differ only in letter case or accents) are each their own, as is a browser that
    // signed in to one of them. An email no account has, as it normalizes.
    let account_name = account.as_ref().map_or(email.as_str(), |account| account.user.email.as_str());
    let account_key = format!("account:{account_name}");
    let by_account = state.account_sign_in_throttle.begin_attempt(&[&account_key]);
    // Counted as a try of the browser's own only where it stands in for the account's count.
    let known_browser = by_account.is_none()
        && cookie(state, headers, KNOWN_BROWSER_COOKIE)
            .is_some_and(|token| state.known_browsers.begin_attempt(&token, account_name));
    if by_account.is_none() && !known_browser {
        state.sign_in_throttle.forgive(&[client], by_address); // not tried: not counted
        return Ok(PasswordCheck::Throttled);
    }
    let password_ok = passwords::verify(password, account.as_ref().map(|a| a.password_hash.clone())).await;
    match account.filter(|_| password_ok) {
        Some(account) => {
            state.sign_in_throttle.forgive(&[client], by_address);
            if let Some(by_account) = by_account {
                state.account_sign_in_throttle.forgive(&[&account_key], by_account);
            }
            Ok(PasswordCheck::SignedIn(account.user))
        }
        None => Ok(PasswordCheck::Wrong),
    }
}

/// Starts a browser session for `user_id` and ends the one this browser held, if any (signing in
/// again, as the same person or someone else): one browser, one live session, so a cookie left
/// behind stops working.
/// Returns the new session's token, which only the cookie will hold.
fn start_browser_session(state: &AppState, headers: &HeaderMap, user_id: &str) -> ApiResult<String> {
    if let Some(previous) = web_session(state, headers)? {
        state.storage.revoke_session(&previous.user_id, &previous.session_id, crate::clock::now())?;
    }
    Ok(crate::auth::start_session(&*state.storage, user_id, WEB_CLIENT, state.config.web_session_ttl_secs)?)
}

/// After a sign-in as `user`: sets the session cookie, drops the sign-in form's CSRF cookie, and
/// remembers the browser as one that signed in to the account.
pub fn set_sign_in_cookies(response: &mut Response, state: &AppState, headers: &HeaderMap, token: &str, user: &User) {
    set_cookie(response, state, SESSION_COOKIE, token, state.config.web_session_ttl_secs);
    set_cookie(response, state, SIGN_IN_CSRF_COOKIE, "", 0);
    let previous = cookie(state, headers, KNOWN_BROWSER_COOKIE);
    // By its email as stored, as `verify_sign_in` counts it.
    if let Some(known) = state.known_browsers.remember(previous.as_deref(), &user.email) {
        set_cookie(response, state, KNOWN_BROWSER_COOKIE, &known, known_browsers::REMEMBERED_FOR.as_secs() as i64);
    }
}
