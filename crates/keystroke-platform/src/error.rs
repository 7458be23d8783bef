//! Every failure of the API as one JSON shape: `{"error": {"code": "...", "message": "..."}}`.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keystroke_api::{ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Requests carry a name or a form at most; anything larger is refused before it is read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Said of a body over [`MAX_BODY_BYTES`], whether its declared length or its reading found it.
pub const BODY_TOO_LARGE: &str =
    "the request body is too large: over 64 KiB, far more than any request here needs; check what is sent";

/// Longer messages are cut (at a character), ending in `…`.
const MAX_MESSAGE_BYTES: usize = 500;

impl ApiError {
    /// A message may quote what the caller sent (an org slug, a key id, a field name): a secret
    /// pasted in the wrong place is not sent back, since error bodies end up in clients' logs
    /// (the request log redacts the same).
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        let mut message = keystroke_api::redact_secrets(&message.into(), keystroke_api::SECRET_NOT_REPEATED);
        // What it quotes may be as long as a URL or a body can be: an error stays a sentence.
        if message.len() > MAX_MESSAGE_BYTES {
            let cut = (0..=MAX_MESSAGE_BYTES).rev().find(|&at| message.is_char_boundary(at)).unwrap_or(0);
            message.truncate(cut);
            message.push('…');
        }
        ApiError { status, code, message }
    }

    /// The one answer to every bad API key or session token — unknown, malformed, revoked or
    /// expired alike — so that a caller learns nothing about which it was.
    pub fn invalid_credential() -> Self {
        Self::unauthorized(keystroke_api::INVALID_CREDENTIAL_MESSAGE)
    }

    /// A live session of the web pages sent as a bearer token: only its holder can, so it is
    /// told what happened (with a code of its own), where the one answer above would send them
    /// to sign in again.
    pub fn web_session_refused() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            keystroke_api::WEB_SESSION_REFUSED,
            keystroke_api::WEB_SESSION_REFUSED_MESSAGE,
        )
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 400: the request cannot be taken as the endpoint's (its URL, headers or JSON syntax).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// 422: a JSON body that was read, with a field whose value is refused; the status axum
    /// gives a body of the wrong shape (a missing field, an unknown one, a wrong type).
    pub fn invalid_field(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn internal(error: anyhow::Error) -> Self {
        // The cause goes to the log (it never holds a secret: storage errors carry no values);
        // the caller gets a stable message.
        static INTERNAL: crate::logging::Repeats = crate::logging::Repeats::new();
        let error = format!("{error:#}");
        match INTERNAL.due(&error, crate::clock::now()) {
            Some(0) => tracing::error!(error, "internal error"),
            Some(unlogged) => tracing::error!(error, unlogged_since_last_logged = unlogged, "internal error, repeated"),
            None => {}
        }
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error, whose cause is in the platform's log",
        )
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        if crate::storage::is_unavailable(&error) {
            // Every write waiting out a long lock comes here: logged as an internal error is.
            static LOCKED: crate::logging::Repeats = crate::logging::Repeats::new();
            let error = format!("{error:#}");
            match LOCKED.due(&error, crate::clock::now()) {
                Some(0) => tracing::warn!(error, "the database stayed locked by another writer"),
                Some(unlogged) => tracing::warn!(
                    error,
                    unlogged_since_last_logged = unlogged,
                    "the database stayed locked by another writer, repeated"
                ),
                None => {}
            }
            return Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the platform's database is busy (another writer holds its lock); try again in a moment",
            );
        }
        ApiError::internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message } };
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 9110 §15.5.2: a 401 names the scheme that would be accepted (RFC 6750's). The
            // same for every refused credential, as the body is.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer realm="keystroke""#));
        }
        response
    }
}

/// `axum::Json` whose rejections (bad JSON, wrong content type, body too large) answer in the
/// API's error shape and name the problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // axum reads the first `Content-Type` only: which of two the body is would depend on
        // their order, as it would for two credentials or two orgs (also 400).
        if req.headers().get_all(axum::http::header::CONTENT_TYPE).iter().nth(1).is_some() {
            return Err(ApiError::bad_request("send one `Content-Type` header, not several"));
        }
        match axum::Json::<JsonObject<T>>::from_request(req, state).await {
            Ok(axum::Json(JsonObject(value))) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// A body that must be a JSON object. serde's derived structs also take an array of the fields
/// in order (`["name", 3600]`), a shape the API never documented and must not come to depend on.
struct JsonObject<T>(T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for JsonObject<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str(JSON_OBJECT)
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<T, M::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData)).map(JsonObject)
    }
}

const JSON_OBJECT: &str = "a JSON object";

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let (code, message) = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            ("unsupported_media_type", "send the body as JSON with `Content-Type: application/json`".to_owned())
        }
        JsonRejection::JsonSyntaxError(_) => {
            // What follows a whole value (`{"name": "x"} junk`) is found after the path tracking
            // ends, so serde's error comes bare.
            let syntax = deserialize_error::<serde_json::Error>(&rejection)
                .map(|error| error.inner())
                .or_else(|| source_of::<serde_json::Error>(&rejection));
            match syntax {
                Some(error) => ("invalid_json", format!("the body is not valid JSON: {error}")),
                None => ("invalid_json", "the body is not valid JSON".to_owned()),
            }
        }
        JsonRejection::JsonDataError(_) => match deserialize_error::<serde_json::Error>(&rejection) {
            Some(error) => ("invalid_request", wrong_shape("the body", error)),
            None => ("invalid_request", "the body is not what this endpoint takes".to_owned()),
        },
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", BODY_TOO_LARGE.to_owned()),
        _ => ("invalid_request", "the request body could not be read".to_owned()),
    };
    ApiError::new(rejection.status(), code, message)
}

/// The deserializer's own error under an extractor's rejection, which axum words for itself
/// ("Failed to deserialize the JSON body into the target type: ...").
fn deserialize_error<'a, E: std::error::Error + 'static>(
    rejection: &'a (dyn std::error::Error + 'static),
) -> Option<&'a serde_path_to_error::Error<E>> {
    source_of(rejection)
}

fn source_of<'a, T: std::error::Error + 'static>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a T> {
    std::iter::successors(error.source(), |error| error.source()).find_map(|error| error.downcast_ref())
}

/// What was wrong with a body or query that parsed: the field it concerns and serde's words
/// for the problem.
fn wrong_shape<E: std::fmt::Display>(what: &str, error: &serde_path_to_error::Error<E>) -> String {
    let problem = error.inner().to_string();
    let problem = without_position(&problem);
    let path = error.path().to_string();
    match path.as_str() {
        "" | "." | "?" if problem.contains(JSON_OBJECT) => format!("{what} must be {JSON_OBJECT}"),
        "" | "." | "?" => format!("{what}: {problem}"),
        field => format!("`{field}` in {what}: {problem}"),
    }
}

/// serde_json's problem without its " at line 1 column 37": the field's name says where, and
/// after a sentence of its own the position reads as part of it.
fn without_position(problem: &str) -> &str {
    let position = problem.rsplit_once(" at line ").filter(|(_, position)| {
        position.split_once(" column ").is_some_and(|(line, column)| {
            [line, column].iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    });
    position.map_or(problem, |(problem, _)| problem)
}

/// `axum::extract::Query` with API-shaped rejections.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| ApiQuery(q.0)).map_err(
            |rejection: QueryRejection| match deserialize_error::<serde::de::value::Error>(&rejection) {
                Some(error) => ApiError::bad_request(wrong_shape("the query string", error)),
                None => ApiError::bad_request("the query string could not be read"),
            },
        )
    }
}

/// `axum::extract::Path` with API-shaped rejections.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|rejection: PathRejection| ApiError::bad_request(path_refused(rejection)))
    }
}

/// What is wrong with a path's parameter, in the API's words (axum's say "Invalid URL").
fn path_refused(rejection: PathRejection) -> String {
    use axum::extract::path::ErrorKind;
    if let PathRejection::FailedToDeserializePathParams(failed) = &rejection
        && let ErrorKind::InvalidUtf8InPathParam { key } = failed.kind()
    {
        return format!(
            "the `{key}` in the path is not text (a percent-encoded byte that is no UTF-8): send it as the platform \
             gave it"
        );
    }
    rejection.body_text()
}

/// A key or project name, checked as `keystroke_api::check_name` says; 422 when refused.
pub fn validate_name(what: &str, name: &str) -> ApiResult<String> {
    keystroke_api::check_name(what, name)
        .map(str::to_owned)
        .map_err(|problem| ApiError::invalid_field("invalid_name", problem))
}
