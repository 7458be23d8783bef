//! Every failure of the API as one JSON shape: `{"error": {"code": "...", "message": "..."}}`.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
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

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }

    /// The one answer to every bad API key or session token — unknown, malformed, revoked or
    /// expired alike — so that a caller learns nothing about which it was.
    pub fn invalid_credential() -> Self {
        Self::unauthorized(keystroke_api::INVALID_CREDENTIAL_MESSAGE)
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
        tracing::error!(error = format!("{error:#}"), "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the platform failed to handle the request")
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        if crate::storage::is_unavailable(&error) {
            tracing::warn!(error = format!("{error:#}"), "the database stayed locked by another writer");
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
        (self.status, axum::Json(body)).into_response()
    }
}

/// `axum::Json` whose rejections (bad JSON, wrong content type, body too large) answer in the
/// API's error shape and name the problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let (code, message) = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            ("unsupported_media_type", "send the body as JSON with `Content-Type: application/json`".to_owned())
        }
        JsonRejection::JsonSyntaxError(_) => {
            ("invalid_json", format!("the body is not valid JSON: {}", rejection.body_text()))
        }
        JsonRejection::JsonDataError(_) => ("invalid_request", rejection.body_text()),
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload_too_large", "the request body is too large".to_owned())
        }
        _ => ("invalid_request", rejection.body_text()),
    };
    ApiError::new(rejection.status(), code, message)
}

/// `axum::extract::Query` with API-shaped rejections.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|rejection: QueryRejection| ApiError::bad_request(rejection.body_text()))
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
            .map_err(|rejection: PathRejection| ApiError::bad_request(rejection.body_text()))
    }
}

/// A key or project name, checked as `keystroke_api::check_name` says; 422 when refused.
pub fn validate_name(what: &str, name: &str) -> ApiResult<String> {
    keystroke_api::check_name(what, name)
        .map(str::to_owned)
        .map_err(|problem| ApiError::invalid_field("invalid_name", problem))
}
