//! OAuth 2.0 Device Authorization Grant (RFC 8628), the machine side: the CLI asks for codes,
//! shows the user code, and polls the token endpoint until the person approves on the page
//! served by [`crate::web::device`].

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use keystroke_api::{CLI_CLIENT_ID, DEVICE_CODE_GRANT_TYPE, DeviceAuthorization, OAuthError, TokenResponse, routes};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::clock::{now, now_ms};
use crate::error::{ApiError, BODY_TOO_LARGE};
use crate::state::AppState;
use crate::storage::{NewDeviceAuthorization, PollOutcome};
use crate::throttle::address_key;
use crate::tokens::{hash_secret, is_device_code_shaped, new_device_code, new_session, public_id, user_code};

#[derive(Deserialize)]
pub struct AuthorizeForm {
    client_id: Option<String>,
    /// Not in RFC 8628: the host name of the machine asking, shown on the approval page and
    /// kept with the session. Anything that is not a host name is dropped.
    device_name: Option<String>,
}

pub async fn authorize(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm<AuthorizeForm>,
) -> Result<Response, OAuthFailure> {
    if form.client_id.as_deref() != Some(CLI_CLIENT_ID) {
        return Ok(unknown_client());
    }
    // Anyone may ask for codes, and each is a row until it has expired: one address gets a
    // handful of sign-ins in a window, not the disk.
    let requester_ip = state.client_address(&headers, peer);
    let address = address_key(&requester_ip);
    let counted_under = [address.as_str()];
    let Some(attempt) = state.device_code_throttle.begin_attempt(&counted_under) else {
        return Ok(too_many_sign_ins());
    };
    let client_name = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(product_token)
        .unwrap_or_else(|| "software that did not say".to_owned());
    let created_at = now();
    // A user code already given to a recent sign-in (one chance in billions) gets a new draw.
    for _ in 0..3 {
        let device_code = new_device_code();
        let user_code = user_code();
        let inserted = state.device_code_throttle.forgiven_on_error(
            &counted_under,
            attempt,
            state.storage.insert_device_authorization(&NewDeviceAuthorization {
                id: public_id("dev_"),
                device_code_hash: hash_secret(&device_code),
                user_code: user_code.clone(),
                client_id: CLI_CLIENT_ID.to_owned(),
                client_name: client_name.clone(),
                requester_ip: requester_ip.clone(),
                created_at,
                expires_at: created_at + state.config.device_code_ttl_secs,
                interval_secs: state.config.device_poll_interval_secs,
                device_name: form.device_name.clone().filter(|name| is_host_name(name)),
            }),
        )?;
        if !inserted {
            continue;
        }
        let verification_uri = format!("{}{}", state.public_url, routes::DEVICE_PAGE);
        let body = DeviceAuthorization {
            device_code,
            verification_uri_complete: format!("{verification_uri}?user_code={user_code}"),
            user_code,
            verification_uri,
            expires_in: state.config.device_code_ttl_secs as u64,
            interval: state.config.device_poll_interval_secs as u64,
        };
        return Ok(Json(body).into_response());
    }
    state.device_code_throttle.forgive(&counted_under, attempt);
    Err(anyhow::anyhow!("three user codes in a row were taken").into())
}

/// RFC 6749 has no error for "too many"; `temporarily_unavailable` is its nearest, and the
/// status and `Retry-After` say the rest.
fn too_many_sign_ins() -> Response {
    let window = crate::throttle::SIGN_IN_WINDOW.as_secs();
    let mut response = oauth_error(
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
        &format!("too many sign-ins were started from your address; try again in up to {} minutes", window / 60),
        None,
    );
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(window));
    response
}

/// The first product of a `User-Agent` (`keystroke/0.1.0`, `curl/8.5.0`), or nothing: the
/// approval page shows it, and free text ("verified by IT, safe to approve") would read as the
/// platform's own words. Nor one holding something shaped like a secret (a key pasted without
/// its prefix fits): it would be kept in the database in clear, and shown.
fn product_token(user_agent: &str) -> Option<String> {
    let product = user_agent.split_whitespace().next()?;
    let (name, version) = product.split_once('/')?;
    let allowed =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b));
    (product.len() <= 40 && allowed(name) && allowed(version) && !keystroke_api::contains_secret(product))
        .then(|| product.to_owned())
}

/// A host name as RFC 1123 writes one: labels of 1 to 63 letters, digits and dashes (not at
/// either end), joined by dots, at most 253 in all. Anything else is dropped rather than shown:
/// the page says what the requesting machine claims, and prose ("approved by IT") would read as
/// the platform's own words. (Prose in dashes still fits a label; the page marks the name as the
/// machine's own claim.) Nor one holding something shaped like a secret, as [`product_token`].
fn is_host_name(name: &str) -> bool {
    let is_label = |label: &str| {
        (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    name.len() <= 253 && name.split('.').all(is_label) && !keystroke_api::contains_secret(name)
}

#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    device_code: Option<String>,
    client_id: Option<String>,
}

pub async fn token(
    State(state): State<AppState>,
    OAuthForm(form): OAuthForm<TokenForm>,
) -> Result<Response, OAuthFailure> {
    // RFC 6749 §5.2: a missing parameter is `invalid_request`, an unknown grant type is not.
    let Some(grant_type) = form.grant_type.filter(|grant_type| !grant_type.is_empty()) else {
        return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "`grant_type` is required", None));
    };
    if grant_type != DEVICE_CODE_GRANT_TYPE {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only the device code grant is supported",
            None,
        ));
    }
    if form.client_id.as_deref() != Some(CLI_CLIENT_ID) {
        return Ok(unknown_client());
    }
    let Some(device_code) = form.device_code.filter(|c| !c.is_empty()) else {
        return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "`device_code` is required", None));
    };
    let bad = StatusCode::BAD_REQUEST;
    if !is_device_code_shaped(&device_code) {
        return Ok(unknown_device_code());
    }
    let (token, session) = new_session(CLI_CLIENT_ID, state.config.session_ttl_secs);
    let outcome = state.storage.poll_device_authorization(&hash_secret(&device_code), now_ms(), &session)?;
    Ok(match outcome {
        PollOutcome::Issued => {
            tracing::info!(session_id = %session.id, "device authorization redeemed");
            Json(TokenResponse {
                access_token: token,
                token_type: "Bearer".to_owned(),
                expires_in: state.config.session_ttl_secs as u64,
            })
            .into_response()
        }
        PollOutcome::Pending => oauth_error(bad, "authorization_pending", "waiting for the user to approve", None),
        PollOutcome::SlowDown { interval_secs } => {
            oauth_error(bad, "slow_down", "polling too fast", Some(interval_secs as u64))
        }
        PollOutcome::Expired => oauth_error(bad, "expired_token", "the device code expired; start again", None),
        PollOutcome::Denied => oauth_error(
            bad,
            "access_denied",
            "the sign-in was denied: in the browser, or by an administrator who signed the account out",
            None,
        ),
        PollOutcome::AlreadyRedeemed { session_ended } => {
            if session_ended {
                tracing::warn!(
                    "a device code was used again: the session it gave is ended (its answer was lost, or the code copied)"
                );
            }
            oauth_error(
                bad,
                "invalid_grant",
                "the device code was already used; the session it gave is ended (its answer may have been lost on \
                 its way, or the code copied): sign in again",
                None,
            )
        }
        PollOutcome::UnknownCode => unknown_device_code(),
    })
}

fn unknown_device_code() -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown device code", None)
}

/// `axum::Form` whose rejections (no form body, a malformed one) answer as RFC 6749 §5.2 says:
/// `invalid_request`, in JSON.
pub struct OAuthForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OAuthForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(OAuthForm(value)),
            Err(FormRejection::InvalidFormContentType(_)) => Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "send the body as a form, with `Content-Type: application/x-www-form-urlencoded`",
                None,
            )),
            // Larger than any form, though sent without its length (chunked): as a declared one.
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(oauth_error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", BODY_TOO_LARGE, None))
            }
            // A form that arrived but does not parse (a field given twice, say): serde's reason,
            // without axum's "Failed to deserialize form body" around it.
            Err(rejection) => {
                let reason =
                    std::error::Error::source(&rejection).map_or_else(|| rejection.body_text(), |e| e.to_string());
                Err(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &format!("the form: {reason}"), None))
            }
        }
    }
}

/// A failure on the platform's side (the database locked for too long, an internal error),
/// said as RFC 6749 says one (§4.1.2.1: `temporarily_unavailable`, `server_error`), which OAuth
/// clients know, rather than in the API's error shape.
pub struct OAuthFailure(ApiError);

impl From<anyhow::Error> for OAuthFailure {
    fn from(error: anyhow::Error) -> Self {
        OAuthFailure(error.into())
    }
}

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let OAuthFailure(failure) = self;
        let error = match failure.status {
            StatusCode::SERVICE_UNAVAILABLE => "temporarily_unavailable",
            _ => "server_error",
        };
        oauth_error(failure.status, error, &failure.message, None)
    }
}

/// Only the keystroke CLI signs in with this grant.
fn unknown_client() -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "unknown `client_id`", None)
}

pub fn oauth_error(status: StatusCode, error: &str, description: &str, interval: Option<u64>) -> Response {
    let body = OAuthError { error: error.to_owned(), error_description: Some(description.to_owned()), interval };
    (status, Json(body)).into_response()
}
