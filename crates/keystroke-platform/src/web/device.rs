//! The approval page of the device authorization grant (`/device`): a person signs in with email and
//! password, sees which client asks for access (from which address, when), and approves or
//! denies. Server-rendered HTML, no JavaScript.
//!
//! Opening `verification_uri_complete` only fills in the code: approval always takes a signed-in
//! person pressing Approve on a form carrying a CSRF token. Wrong passwords and wrong codes
//! count against the client address in the sign-in throttle.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use keystroke_api::{routes, utc_minute};
use serde::Deserialize;

use super::{
    POINTS_AT_PROBLEM, PageResult, SIGN_IN_FORM_EXPIRED, WRONG_SIGN_IN, WebForm, WebQuery, credential_fields, csrf_for,
    error_paragraph, escape, form_refused, message_page_leading_to, page, query_value, refill, session_csrf_ok,
    set_sign_in_cookies, sign_in_csrf_ok, sign_in_form_page, sign_in_with_password, too_many_attempts, web_session,
};
use crate::clock::{now, to_datetime};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::storage::{DeviceAuthorizationRecord, DeviceStatus};
use crate::throttle::address_key;
use crate::tokens::normalize_user_code;

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
    WebQuery(query): WebQuery<CodeQuery>,
) -> PageResult {
    let typed_code = query.user_code.unwrap_or_default();
    let Some(session) = web_session(&state, &headers)? else {
        return Ok(sign_in_page(&state, &typed_code, "", None, StatusCode::OK));
    };
    if typed_code.is_empty() {
        return Ok(code_page("", None, StatusCode::OK));
    }
    // A link followed from another site (a sibling subdomain's too) carries the session
    // (`SameSite=Lax`): its code is filled in, not looked up, so that a hostile page cannot spend
    // this address's tries on codes of its choosing, and lock it out of signing in. Continue (a
    // page of this platform's) looks it up, as does a link typed or opened from elsewhere (`none`)
    // and a browser that does not say (older ones, which such a page could still use).
    if headers.get("sec-fetch-site").is_some_and(|site| site != "same-origin" && site != "none") {
        return Ok(code_page(&typed_code, None, StatusCode::OK));
    }
    let client = state.client_key(&headers, peer);
    let Some(attempt) = state.sign_in_throttle.begin_attempt(&[&client]) else {
        return Ok(too_many_attempts());
    };
    match state.sign_in_throttle.forgiven_on_error(&[&client], attempt, pending_authorization(&state, &typed_code))? {
        Ok(auth) => {
            state.sign_in_throttle.forgive(&[&client], attempt);
            let user = state.storage.user_by_id(&session.user_id)?;
            let email = user.map(|u| u.email).unwrap_or_default();
            let approver = state.client_address(&headers, peer);
            Ok(approval_page(&state, &auth, &email, &approver, &csrf_for(&session.token)))
        }
        Err(problem) => Ok(code_page(&typed_code, Some(problem), StatusCode::NOT_FOUND)),
    }
}

const UNKNOWN_CODE: &str =
    "That code is not valid, has expired or was already used. Check your terminal and try again.";
const EXPIRED_CODE: &str = "That code has expired. Run keystroke auth login again for a new one.";
const USED_CODE: &str =
    "That code was used already: its sign-in was approved or denied. Run keystroke auth login again to sign in.";

/// `POST /device`: email, password and code; on success a browser session, and the way to the
/// approval page (`GET /device?user_code=…`, Post/Redirect/Get): a page that answered the POST
/// itself would send the password again on Reload.
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    WebForm(form): WebForm<SignInForm>,
) -> PageResult {
    if !sign_in_csrf_ok(&state, &headers, &form.csrf) {
        let expired = Some(SIGN_IN_FORM_EXPIRED);
        return Ok(sign_in_page(&state, &form.user_code, &form.email, expired, StatusCode::FORBIDDEN));
    }
    let client = state.client_key(&headers, peer);
    let Some(attempt) = state.sign_in_throttle.begin_attempt(&[&client]) else {
        return Ok(too_many_attempts());
    };
    let pending = pending_authorization(&state, &form.user_code);
    if let Err(problem) = state.sign_in_throttle.forgiven_on_error(&[&client], attempt, pending)? {
        return Ok(sign_in_page(&state, &form.user_code, &form.email, Some(problem), StatusCode::NOT_FOUND));
    }
    // The code was right; the password is counted on its own below.
    state.sign_in_throttle.forgive(&[&client], attempt);
    let wrong = || sign_in_page(&state, &form.user_code, &form.email, Some(WRONG_SIGN_IN), StatusCode::UNAUTHORIZED);
    let (user, token) =
        match sign_in_with_password(&state, &headers, &client, &form.email, form.password, wrong).await? {
            Ok(signed_in) => signed_in,
            Err(answer) => return Ok(answer),
        };
    // The code goes in the address as the CLI's link has it (the log leaves it out).
    let approval = format!("{}?user_code={}", routes::DEVICE_PAGE, query_value(&form.user_code));
    let mut response = Redirect::to(&approval).into_response();
    set_sign_in_cookies(&mut response, &state, &headers, &token, &user);
    Ok(response)
}

/// `POST /device/decision`: Approve or Deny, from a signed-in browser with the page's CSRF token.
pub async fn decide(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    WebForm(form): WebForm<DecisionForm>,
) -> PageResult {
    let Some(session) = web_session(&state, &headers)? else {
        return Ok(device_message(
            StatusCode::UNAUTHORIZED,
            "Sign in first",
            "Your sign-in expired. Open the link from your terminal again.",
        ));
    };
    if !session_csrf_ok(&session.token, &form.csrf) {
        return Ok(form_refused());
    }
    let approve = match form.decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => {
            return Ok(device_message(StatusCode::BAD_REQUEST, "Request refused", "Choose Approve or Deny."));
        }
    };
    // Posting codes here straight away, without the page, is guessing them like any other way:
    // it counts against the address too.
    let client = state.client_key(&headers, peer);
    let Some(attempt) = state.sign_in_throttle.begin_attempt(&[&client]) else {
        return Ok(too_many_attempts());
    };
    let code = normalize_user_code(&form.user_code);
    let decided = match &code {
        Some(code) => {
            let decided = state.storage.decide_device_authorization(code, &session.session_id, approve, now());
            state.sign_in_throttle.forgiven_on_error(&[&client], attempt, decided)?
        }
        None => false,
    };
    let approved = |already: &str| {
        device_message(
            StatusCode::OK,
            "Device approved",
            &format!(
                "{already}Return to your terminal: the sign-in completes there in a few seconds. You can close this \
                 window."
            ),
        )
    };
    let denied = |already: &str| {
        device_message(
            StatusCode::OK,
            "Request denied",
            &format!("{already}Nothing was signed in. You can close this window."),
        )
    };
    if decided {
        state.sign_in_throttle.forgive(&[&client], attempt);
        tracing::info!(approved = approve, "device authorization decided");
        return Ok(if approve { approved("") } else { denied("") });
    }
    // Pressed twice, or the answer reloaded, or the other button pressed after: this person's
    // own decision, said as such, and how to undo an approval (its session goes on).
    let found = code.map(|code| state.storage.device_authorization(&code));
    Ok(match found.transpose()?.flatten() {
        Some(auth) if auth.decided_by.as_deref() == Some(session.user_id.as_str()) => match (auth.status, approve) {
            (DeviceStatus::Denied, false) => denied("You denied this sign-in already. "),
            (DeviceStatus::Denied, true) => device_message(
                StatusCode::CONFLICT,
                "Request denied",
                "You denied this sign-in already, so it cannot be approved now. Run keystroke auth login again to \
                 start another.",
            ),
            (_, true) => approved("You approved this sign-in already. "),
            (_, false) => device_message(
                StatusCode::CONFLICT,
                "Device approved",
                "Too late to deny: you approved this sign-in already. To end it, revoke its session: keystroke \
                 session list shows it, keystroke session revoke ID ends it.",
            ),
        },
        Some(auth) => device_message(StatusCode::NOT_FOUND, "Code not usable", code_problem(&auth)),
        None => device_message(StatusCode::NOT_FOUND, "Unknown code", UNKNOWN_CODE),
    })
}

/// The sign-in waiting for approval under the code typed, or what is wrong with the code.
fn pending_authorization(state: &AppState, typed: &str) -> ApiResult<Result<DeviceAuthorizationRecord, &'static str>> {
    let Some(code) = normalize_user_code(typed) else {
        return Ok(Err(UNKNOWN_CODE));
    };
    Ok(match state.storage.device_authorization(&code)? {
        Some(auth) if auth.status == DeviceStatus::Pending && auth.expires_at > now() => Ok(auth),
        Some(auth) => Err(code_problem(&auth)),
        None => Err(UNKNOWN_CODE),
    })
}

/// Why a code that was given out can no longer be approved.
fn code_problem(auth: &DeviceAuthorizationRecord) -> &'static str {
    match auth.status {
        DeviceStatus::Pending => EXPIRED_CODE,
        _ => USED_CODE,
    }
}

/// A page of the device flow's: after a failure, the way on is entering a code again.
fn device_message(status: StatusCode, title: &str, message: &str) -> Response {
    message_page_leading_to(status, title, message, (routes::DEVICE_PAGE, "Enter a code"))
}

/// The code field, pointing at the problem above the form when it is the code's.
fn code_field(typed: &str, error: Option<&str>) -> String {
    let about_the_code = error.is_some_and(|error| [UNKNOWN_CODE, EXPIRED_CODE, USED_CODE].contains(&error));
    format!(
        r#"<label>Code <input name="user_code" value="{code}" autocomplete="off" spellcheck="false" autocapitalize="characters" required{marked}></label>"#,
        code = refill(typed),
        marked = if about_the_code { format!("{POINTS_AT_PROBLEM} autofocus") } else { String::new() },
    )
}

/// What was typed goes back in its field (the password aside), unless it is a key or token
/// pasted there.
fn sign_in_page(state: &AppState, user_code: &str, email: &str, error: Option<&str>, status: StatusCode) -> Response {
    sign_in_form_page(state, status, "Sign in to approve a device", |csrf| {
        format!(
            r#"<h1>Sign in to approve a device</h1>
<p>A device asked to sign in to Keystroke as you. Enter the code shown in your terminal.</p>
{error}<form method="post" action="/device">
{code}
{fields}<input type="hidden" name="csrf" value="{csrf}">
<button type="submit">Continue</button>
</form>"#,
            error = error_paragraph(error),
            code = code_field(user_code, error),
            fields = credential_fields(email, error),
        )
    })
}

fn code_page(typed: &str, error: Option<&str>, status: StatusCode) -> Response {
    let body = format!(
        r#"<h1>Enter your code</h1>
{error}<form method="get" action="/device">
{code}
<button type="submit">Continue</button>
</form>"#,
        error = error_paragraph(error),
        code = code_field(typed, error),
    );
    page(status, "Enter code", &body)
}

/// What the person approves, said before the button (RFC 8628 §5.4): who asks, from where, and
/// what approving grants. A request from another address than the approver's is said loudly: it
/// is where a phishing link to someone else's code would come from (and also, innocently, a CLI
/// on a remote machine over SSH).
fn approval_page(
    state: &AppState,
    auth: &DeviceAuthorizationRecord,
    email: &str,
    approver: &str,
    csrf: &str,
) -> Response {
    let requested_at = utc_minute(to_datetime(auth.created_at));
    // By address key, as the throttle counts them: an IPv6 machine's temporary addresses share
    // their /64.
    let elsewhere = match address_key(approver) == address_key(&auth.requester_ip) {
        true => String::new(),
        false => format!(
            "<p class=\"error\" id=\"elsewhere\" role=\"alert\"><strong>This sign-in was requested from another \
             address ({ip}) than yours ({you}).</strong> That is expected only if you ran <code>keystroke auth login</code> yourself on \
             another machine (over SSH, say), or your browser goes through a VPN or proxy. If someone sent you this \
             link or code, press Deny.</p>\n",
            ip = escape(&auth.requester_ip),
            you = escape(approver),
        ),
    };
    let lifetime = match state.config.session_ttl_secs.div_euclid(24 * 3600).max(1) {
        1 => "1 day".to_owned(),
        days => format!("{days} days"),
    };
    let body = format!(
        r#"<h1>Approve sign-in?</h1>
<p>Signed in as <strong>{email}</strong> (not you? <a href="{switch}">sign in as someone else</a>). Approve only if you started this sign-in yourself and the code matches your terminal.</p>
{elsewhere}<p>Approving signs that program in as you for {lifetime}, in every org you belong to and with your role in each: it can create and revoke API keys and trigger deploys until the session expires or you revoke it (<code>keystroke session revoke</code>).</p>
<dl>
<dt>Code</dt><dd><code>{code}</code></dd>
<dt>Client (as it says)</dt><dd>{client_id} ({client_name})</dd>
<dt>Device (as it says)</dt><dd>{device}</dd>
<dt>From address</dt><dd>{ip}</dd>
<dt>Requested at</dt><dd>{requested_at}</dd>
</dl>
<form method="post" action="/device/decision">
<input type="hidden" name="user_code" value="{code}">
<input type="hidden" name="csrf" value="{csrf}">
<button type="submit" name="decision" value="approve"{warned}>Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>"#,
        // The warning is read out with the button it is about.
        warned = if elsewhere.is_empty() { "" } else { r#" aria-describedby="elsewhere""# },
        email = escape(email),
        // Back here once signed in as them.
        switch = escape(&format!(
            "/login?next={}",
            query_value(&format!("{}?user_code={}", routes::DEVICE_PAGE, auth.user_code))
        )),
        code = escape(&auth.user_code),
        client_id = escape(&auth.client_id),
        client_name = escape(&auth.client_name),
        // As the machine asking says: a name to recognise, not a proof.
        device = auth.device_name.as_deref().map_or_else(|| "(not given)".to_owned(), escape),
        ip = escape(&auth.requester_ip),
    );
    page(StatusCode::OK, "Approve sign-in", &body)
}
