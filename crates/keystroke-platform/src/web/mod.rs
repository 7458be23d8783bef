//! The platform's few web pages: sign-in and sign-out, the device-flow approval page, and
//! Settings > API keys.
//! Server-rendered HTML; the one script is the reveal dialog's Copy button, which the page does
//! without. A person signs in with email and password, and every form that changes something
//! carries a CSRF token.

pub mod api_keys;
pub mod device;
pub mod known_browsers;
pub mod login;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use keystroke_api::User;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::auth::{WEB_CLIENT, accepted_web_session};
use crate::error::{ApiError, ApiResult};
use crate::expiring::ExpiringMap;
use crate::passwords;
use crate::state::AppState;
use crate::tokens::{constant_time_eq, random_base62};
use known_browsers::KNOWN_BROWSER_COOKIE;

/// What a value in a URL's query keeps as it is: letters, digits, RFC 3986's `-._~`, and `/` (so
/// that a path given as `next` stays readable); the rest is percent-encoded.
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

/// `value`, percent-encoded for a URL's query (or a form's body).
pub fn query_value(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

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
    Ok(accepted_web_session(state, &token)?.map(|c| WebSession { token, user_id: c.user_id, session_id: c.session_id }))
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
    let name = cookie_name(state, name);
    let cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

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

/// The "Sign out" button: a CSRF-protected POST, so no other page can sign anyone out.
pub fn sign_out_form(csrf: &str) -> String {
    format!(
        "<form class=\"inline\" method=\"post\" action=\"/logout\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button type=\"submit\">Sign out</button></form>"
    )
}

/// A page's failure on the platform's side (the database locked for too long, an internal
/// error): answered as a page with its status, as every web page answers, never in the API's
/// JSON, which a browser would show as text.
pub struct PageError(ApiError);

pub type PageResult<T = Response> = Result<T, PageError>;

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError(error)
    }
}

impl From<anyhow::Error> for PageError {
    fn from(error: anyhow::Error) -> Self {
        PageError(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(error) = self;
        message_page(error.status, "Could not do that", &sentence(&error.message))
    }
}

/// A page that says one thing. A refusal or failure also offers a way on, as the missing page's
/// does (Settings > API keys, or the sign-in first), rather than a dead end.
pub fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    let way_on = match status.is_client_error() || status.is_server_error() {
        true => format!("\n<p><a href=\"{}\">Go to your API keys</a>.</p>", api_keys::PAGE),
        false => String::new(),
    };
    page(status, title, &format!("<h1>{}</h1>\n<p>{}</p>{way_on}", escape(title), escape(message)))
}

/// A message of the API's (written to follow "error: ", in lower case) as a sentence on a page.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut sentence: String =
        chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if !sentence.ends_with(['.', '!', '?']) {
        sentence.push('.');
    }
    sentence
}

pub fn error_paragraph(error: Option<&str>) -> String {
    error.map(|e| problem_paragraph(&escape(e))).unwrap_or_default()
}

/// The paragraph that says why a form was refused (`html`, escaped already), which the fields it
/// is about point at ([`POINTS_AT_PROBLEM`]).
pub fn problem_paragraph(html: &str) -> String {
    format!("<p class=\"error\" id=\"problem\" role=\"alert\">{html}</p>\n")
}

/// The attributes of a field a refusal is about: marked invalid, and pointing at the
/// [`problem_paragraph`] that says why.
pub const POINTS_AT_PROBLEM: &str = r#" aria-invalid="true" aria-describedby="problem""#;

pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    page_with_script(status, title, body, "")
}

/// A page that runs `script` (none when empty): allowed by a nonce of its own in the content
/// security policy, so that nothing injected could run beside it.
pub fn page_with_script(status: StatusCode, title: &str, body: &str, script: &str) -> Response {
    let nonce = (!script.is_empty()).then(|| random_base62(24));
    let script =
        nonce.as_ref().map(|nonce| format!("\n<script nonce=\"{nonce}\">\n{script}\n</script>")).unwrap_or_default();
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · Keystroke</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:3rem auto;padding:0 1rem;color:#222}}
form{{max-width:32rem}}table{{border-collapse:collapse;width:100%;margin:1rem 0}}
th,td{{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}}
td code{{white-space:nowrap}}form.inline{{display:inline}}form.inline button{{margin:0;padding:.1rem .5rem;font-size:.9rem}}td form{{margin:0}}td button{{margin:0;padding:.2rem .6rem;font-size:.9rem}}
nav{{color:#555;margin-bottom:1rem}}.notice{{color:#05620a}}input.secret{{font-family:monospace}}
label{{display:block;margin:.75rem 0}}input{{display:block;width:100%;padding:.4rem;font-size:1rem}}
button{{margin:.75rem .5rem 0 0;padding:.5rem 1rem;font-size:1rem}}.error{{color:#b00020}}
dt{{font-weight:600}}dd{{margin:0 0 .5rem 0}}dialog{{position:static;max-width:40rem;border:2px solid #222;border-radius:.5rem;padding:1rem 1.5rem}}</style></head>
<body>{body}{script}</body></html>"#,
        title = escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    let scripts = nonce.map(|nonce| format!("; script-src 'nonce-{nonce}'")).unwrap_or_default();
    let policy = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'{scripts}"
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).expect("a header value"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

pub fn escape(text: &str) -> String {
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

/// What a person typed, for the field it goes back into after a refusal: escaped, and left out
/// when it holds a key or token pasted in the wrong place (the page would repeat it), or is
/// longer than anything a field takes by far (a link's `?user_code=` of 30,000 characters came
/// back whole).
pub fn refill(typed: &str) -> String {
    const REFILLED_CHARS: usize = 1_000;
    if keystroke_api::contains_secret(typed) || typed.chars().nth(REFILLED_CHARS).is_some() {
        return String::new();
    }
    escape(typed)
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

/// `Form` for the pages: a form that does not parse (a field missing, its CSRF token included,
/// or a wrong content type) gets a refusal page that says so instead of axum's plain-text error.
/// Our pages always send every field, so it was changed on the way or sent by something else.
/// A form a browser says came from another site is refused before it is read.
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Beside the CSRF token and the `SameSite=Strict` cookies: a browser says when a form
        // was sent from a page of another site, and no page of this platform is that.
        if request.headers().get("sec-fetch-site").is_some_and(|site| site == "cross-site") {
            return Err(message_page(
                StatusCode::FORBIDDEN,
                "Request refused",
                "This form was sent from another website. Open this platform's page and send it from there.",
            ));
        }
        match Form::<T>::from_request(request, state).await {
            Ok(Form(form)) => Ok(WebForm(form)),
            Err(_) => Err(message_page(
                StatusCode::FORBIDDEN,
                "Request refused",
                "The form arrived incomplete or was not sent by this page. Reload it and try again.",
            )),
        }
    }
}

/// `Query` for the pages: a query that does not parse (a parameter twice, a value the page cannot
/// read) gets a page that says so instead of axum's plain-text error. Parameters the page does
/// not know are ignored.
pub struct WebQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for WebQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(query)) => Ok(WebQuery(query)),
            Err(_) => Err(message_page(
                StatusCode::BAD_REQUEST,
                "Address not understood",
                "The page's address has a part twice, or one the page cannot read. Open the page from its link \
                 and try again.",
            )),
        }
    }
}

/// The answer to a signed-in form without its CSRF token.
pub fn form_refused() -> Response {
    message_page(
        StatusCode::FORBIDDEN,
        "Request refused",
        "The form was not sent by this page. Reload it and try again.",
    )
}

/// The answer to a sign-in form without its CSRF token (expired, or not sent by our page).
pub fn sign_in_form_expired() -> Response {
    message_page(
        StatusCode::FORBIDDEN,
        "Session expired",
        "The form expired or was not sent by this page. Reload the page and try again.",
    )
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
pub fn credential_fields(email: &str, refused: bool) -> String {
    let shaped_like_an_address = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@') && !email.contains(char::is_whitespace)
    });
    format!(
        r#"<label>Email <input name="email" type="email" value="{email}" autocomplete="username" required{marked}{focus}></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required{marked}></label>
"#,
        email = if shaped_like_an_address { refill(email) } else { String::new() },
        marked = if refused { POINTS_AT_PROBLEM } else { "" },
        focus = if refused { " autofocus" } else { "" },
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
    let email = crate::storage::normalize_email(email);
    let Some(by_address) = state.sign_in_throttle.begin_attempt(&[client]) else {
        return Ok(PasswordCheck::Throttled);
    };
    // No account has an email this long (`user add` refuses it): wrong, counted against the
    // address alone, as the account's count would keep every such string (up to the body limit)
    // for its whole window.
    if email.chars().count() > crate::admin::MAX_EMAIL_CHARS {
        return Ok(PasswordCheck::Wrong);
    }
    let account_key = format!("account:{email}");
    let by_account = state.account_sign_in_throttle.begin_attempt(&[&account_key]);
    // Counted as a try of the browser's own only where it stands in for the account's count.
    let known_browser = by_account.is_none()
        && cookie(state, headers, KNOWN_BROWSER_COOKIE)
            .is_some_and(|token| state.known_browsers.begin_attempt(&token, &email));
    if by_account.is_none() && !known_browser {
        state.sign_in_throttle.forgive(&[client], by_address); // not tried: not counted
        return Ok(PasswordCheck::Throttled);
    }
    let account = state.storage.user_by_email(&email)?;
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
        state.storage.revoke_session(&previous.user_id, &previous.session_id, crate::state::now())?;
    }
    Ok(crate::auth::start_session(&*state.storage, user_id, WEB_CLIENT, state.config.web_session_ttl_secs)?)
}

/// After a sign-in as `user`: sets the session cookie, drops the sign-in form's CSRF cookie, and
/// remembers the browser as one that signed in to the account.
pub fn set_sign_in_cookies(response: &mut Response, state: &AppState, headers: &HeaderMap, token: &str, user: &User) {
    set_cookie(response, state, SESSION_COOKIE, token, state.config.web_session_ttl_secs);
    set_cookie(response, state, SIGN_IN_CSRF_COOKIE, "", 0);
    let previous = cookie(state, headers, KNOWN_BROWSER_COOKIE);
    let account = crate::storage::normalize_email(&user.email);
    if let Some(known) = state.known_browsers.remember(previous.as_deref(), &account) {
        set_cookie(response, state, KNOWN_BROWSER_COOKIE, &known, known_browsers::REMEMBERED_FOR.as_secs() as i64);
    }
}

/// Forms that act once (creating a key): each page's form carries a fresh id, and the form sent
/// again (Reload on the page that answered it) is told so instead of acting again. Ids are kept
/// as long as a page's form stays usable (the web session's lifetime), in this process: another
/// platform process on the same database would not know them.
pub struct SentForms {
    /// When each form was sent.
    sent: Mutex<ExpiringMap<Instant>>,
    kept_for: Duration,
}

impl SentForms {
    pub fn new(kept_for: Duration) -> Self {
        SentForms { sent: Mutex::new(ExpiringMap::new(Self::SWEEP_ABOVE)), kept_for }
    }

    const ID_LENGTH: usize = 24;
    /// Past this many forms remembered, the expired are swept out ([`ExpiringMap`]).
    const SWEEP_ABOVE: usize = 1024;
    /// Past this many forms remembered, new ones are not (they act as forms without an id).
    const MOST_REMEMBERED: usize = 100_000;

    /// A new id for a form about to be shown.
    pub fn new_id() -> String {
        random_base62(Self::ID_LENGTH)
    }

    /// Records the form as sent; false when it was sent before. An id of another shape than
    /// [`SentForms::new_id`]'s is none: the form acts, and nothing is remembered.
    pub fn first_sending(&self, id: &str) -> bool {
        if id.len() != Self::ID_LENGTH || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return true;
        }
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        // Swept as it grows, and bounded: only signed-in people's forms get here.
        sent.sweep_if_grown(|at| at.elapsed() < self.kept_for);
        let forms = &mut sent.entries;
        match forms.get(id) {
            Some(at) if at.elapsed() < self.kept_for => false,
            _ if forms.len() >= Self::MOST_REMEMBERED => true,
            _ => {
                forms.insert(id.to_owned(), Instant::now());
                true
            }
        }
    }

    /// Forgets a sending that did not act (the platform failed), so the same form may be sent
    /// again.
    pub fn forget(&self, id: &str) {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).entries.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A form is acted on once while remembered; the forms remembered are swept of the expired as
    /// they grow, but not at every sending while the live ones fill the map.
    #[test]
    fn a_form_acts_once_and_the_remembered_are_swept_as_they_grow() {
        let live = SentForms::new(Duration::from_secs(3600));
        let id = SentForms::new_id();
        assert!(live.first_sending(&id));
        assert!(!live.first_sending(&id), "sent again");
        live.forget(&id);
        assert!(live.first_sending(&id), "forgotten: it may act again");
        assert!(live.first_sending("not-an-id"), "an id of another shape is none");
        for _ in 0..SentForms::SWEEP_ABOVE {
            live.first_sending(&SentForms::new_id());
        }
        assert!(!live.first_sending(&id), "still remembered (and a sweep of nothing: every form is live)");
        let swept_at = live.sent.lock().unwrap().sweep_above();
        assert_eq!(swept_at, 2 * (SentForms::SWEEP_ABOVE + 1), "all live: the next sweep waits for twice as many");

        let expiring = SentForms::new(Duration::ZERO);
        for _ in 0..=SentForms::SWEEP_ABOVE + 1 {
            expiring.first_sending(&SentForms::new_id());
        }
        assert!(expiring.sent.lock().unwrap().entries.len() <= 1, "the expired are swept");
    }
}
