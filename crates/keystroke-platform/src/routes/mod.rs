//! The platform's HTTP surface: one module per resource, wired together here.

pub mod account;
pub mod api_keys;
pub mod device;
pub mod hooks;
pub mod members;
pub mod projects;
pub mod sessions;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, Uri, Version, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use keystroke_api::routes;

use crate::error::{ApiError, BODY_TOO_LARGE, MAX_BODY_BYTES};
use crate::logging;
use crate::state::AppState;
use crate::web;

/// The OpenAPI document, kept beside the code and checked against the router by a test.
pub const OPENAPI_JSON: &str = include_str!("../../openapi.json");

/// Every route, with the layers all of them go through. The server routes each request by its
/// [`tidy_path`] (set before this router sees it, and so logged), not the path as sent.
pub fn router(state: AppState) -> Router {
    let request_deadline = state.config.request_deadline;
    let routes = Router::new()
        .route(routes::HEALTH, get(health))
        .route(routes::OPENAPI, get(openapi))
        .route(routes::DEVICE_CODE, post(device::authorize))
        .route(routes::TOKEN, post(device::token))
        .route(routes::DEVICE_PAGE, get(web::device::show).post(web::device::sign_in))
        .route("/device/decision", post(web::device::decide))
        .route("/", get(|| async { Redirect::to(web::api_keys::PAGE) }))
        .route("/login", get(web::login::show).post(web::login::sign_in))
        .route("/logout", get(web::login::sign_out_page).post(web::login::sign_out))
        .route(web::api_keys::PAGE, get(web::api_keys::show).post(web::api_keys::create))
        .route(web::api_keys::REVOKE, post(web::api_keys::revoke))
        .route(routes::ME, get(account::me))
        .route(routes::SESSIONS, get(sessions::list))
        .route("/api/sessions/{id}", delete(sessions::revoke))
        .route(routes::LOGOUT, post(sessions::logout))
        .route("/api/orgs/{org}/api-keys", get(api_keys::list).post(api_keys::create))
        .route("/api/orgs/{org}/api-keys/{id}", get(api_keys::show).delete(api_keys::revoke))
        .route("/api/orgs/{org}/members", get(members::list))
        .route(routes::PROJECTS, get(projects::list).post(projects::create))
        .route(routes::DEPLOY_HOOK, post(hooks::deploy))
        .fallback(no_such_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(answer_panics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(move |request, next| within_limits(request_deadline, request, next)))
        .layer(middleware::map_response(headers_on_every_answer));
    let routes = match state.serves_https() {
        true => routes.layer(middleware::map_response(https_only)),
        false => routes,
    };
    routes.layer(middleware::from_fn_with_state(state.clone(), logging::log_request)).with_state(state)
}

/// The path a request is routed by: runs of slashes as one, and no slash at the end but the
/// root's. A base URL written with a slash at its end (`KEYSTROKE_PLATFORM_URL=https://host/`)
/// and joined with a path, as `curl "$KEYSTROKE_PLATFORM_URL/api/projects"` joins it, reaches
/// the route it names, as it does behind most proxies. `None` when the path is tidy already.
pub fn tidy_path(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if !path.contains("//") && (path.len() <= 1 || !path.ends_with('/')) {
        return None;
    }
    let mut tidy = String::with_capacity(path.len());
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        tidy.push('/');
        tidy.push_str(segment);
    }
    if tidy.is_empty() {
        tidy.push('/');
    }
    if let Some(query) = uri.query() {
        tidy.push('?');
        tidy.push_str(query);
    }
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(tidy.parse().ok()?);
    Uri::from_parts(parts).ok()
}

/// A route the platform does not have. Where a program asked (under `/api/` or `/oauth/`, behind
/// a path prefix too), the API's error with a code of its own: "not_found" means no such org or
/// key, which a client acts on, and this one tells it the URL or the platform's version is off.
/// A browser's mistyped address gets a page.
async fn no_such_route(uri: Uri) -> Response {
    if !matches!(error_shape(uri.path()), ErrorShape::Page) {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            keystroke_api::NO_SUCH_ENDPOINT,
            "no such endpoint; see /api/openapi.json",
        )
        .into_response();
    }
    web::page(
        StatusCode::NOT_FOUND,
        "Page not found",
        &format!(
            "<h1>Page not found</h1>\n<p>There is no such page here. <a href=\"{}\">Go to your API keys</a>.</p>",
            web::api_keys::PAGE
        ),
    )
}

/// The shape of a route's errors, for answers made before (or instead of) the route itself.
enum ErrorShape {
    /// RFC 6749's, on the sign-in endpoints.
    OAuth,
    /// The API's JSON, on `/api/…` and the health check.
    Api,
    /// A page, on the web pages.
    Page,
}

/// A program's path (`/api/…`, `/oauth/…`, the health check) is one under a path prefix too
/// (`/v1/api/…`), which a client sent to the wrong base URL: its errors are JSON all the same.
/// So are `/api` and `/oauth` themselves (`/api/` as sent: the path is routed without its last
/// slash); not a web page's path that ends so (`/settings/api`, a link cut short).
fn error_shape(path: &str) -> ErrorShape {
    if path.starts_with("/oauth/") || path == "/oauth" {
        ErrorShape::OAuth
    } else if path.contains("/api/") || path.contains("/oauth/") || path == "/api" || path == routes::HEALTH {
        ErrorShape::Api
    } else {
        ErrorShape::Page
    }
}

/// A method a route does not take, answered in the route's own way.
async fn method_not_allowed(uri: Uri) -> Response {
    match error_shape(uri.path()) {
        ErrorShape::OAuth => device::oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "this endpoint takes POST only",
            None,
        ),
        ErrorShape::Api => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this endpoint does not accept that method",
        )
        .into_response(),
        ErrorShape::Page => web::message_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Not available",
            "This page does not take that kind of request. Open it from its link and try again.",
        ),
    }
}

/// A request with several `Host` headers, or an HTTP/1.1 one without any, is refused (`400`, as
/// RFC 9112 §3.2 requires; hyper takes either). A body declared larger than [`MAX_BODY_BYTES`] is
/// refused before any of it is read (and before a `100 Continue`); a request with a body not done
/// within [`Config::request_deadline`] is answered `408`. A request without one needs no
/// deadline: its headers had their own, and the timer would cost every key check
/// (`scripts/bench`, figure 2). A request answered before its body was read ends its connection,
/// and the answer says so.
///
/// [`Config::request_deadline`]: crate::Config::request_deadline
async fn within_limits(deadline: Duration, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let declared =
        headers.get(header::CONTENT_LENGTH).map(|value| value.to_str().map(|text| text.trim().parse::<u64>()));
    let has_body = !matches!(declared, None | Some(Ok(Ok(0)))) || headers.contains_key(header::TRANSFER_ENCODING);
    // Refused before its body is read: the connection ends with the answer, which says so.
    let refused_unread = |status, code, message: String| {
        let mut response = refusal(request.uri().path(), status, code, message);
        if has_body {
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    };
    let mut hosts = headers.get_all(header::HOST).iter();
    let (first, second) = (hosts.next(), hosts.next());
    if second.is_some() || (first.is_none() && request.version() == Version::HTTP_11) {
        let message = "a request names its host in one `Host` header".to_owned();
        return refused_unread(StatusCode::BAD_REQUEST, "invalid_request", message);
    }
    if let Some(Ok(Ok(length))) = declared
        && length > MAX_BODY_BYTES as u64
    {
        return refused_unread(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", BODY_TOO_LARGE.to_owned());
    }
    if !has_body {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let read_to_end = Arc::new(AtomicBool::new(false));
    let request = request.map(|body| Body::new(Tracked { body, read_to_end: read_to_end.clone() }));
    let mut response = match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let seconds = deadline.as_secs_f64();
            let message = format!(
                "the request was not complete within {seconds} seconds: send it again, its body without pauses"
            );
            refusal(&path, StatusCode::REQUEST_TIMEOUT, "request_timeout", message)
        }
    };
    // Answered without its body read to the end, even of what had arrived (a 401 decided from the
    // headers before the body came): hyper closes the connection after the answer, which says so,
    // as RFC 9112 §9.6 asks; a client keeping it for its next request would otherwise find it
    // closed, and a POST is not sent again.
    if !read_to_end.load(Ordering::Relaxed) {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A request body that records when it has been read to its end.
struct Tracked {
    body: Body,
    read_to_end: Arc<AtomicBool>,
}

/// Dropped unread (a handler that needs no body, such as the deploy hook's): what has arrived
/// already is read out, as hyper itself would, so that a small body sent with its headers keeps
/// the connection; one still on its way leaves it unread.
impl Drop for Tracked {
    fn drop(&mut self) {
        use http_body::Body as _;
        let mut arrived = std::task::Context::from_waker(std::task::Waker::noop());
        let mut drained = 0;
        while !self.read_to_end.load(Ordering::Relaxed) && drained <= MAX_BODY_BYTES {
            match std::pin::Pin::new(&mut *self).poll_frame(&mut arrived) {
                std::task::Poll::Ready(Some(Ok(frame))) => drained += frame.data_ref().map_or(1, |data| data.len()),
                _ => break,
            }
        }
    }
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, std::task::Poll::Ready(None)) || self.body.is_end_stream() {
            self.read_to_end.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// A handler that panics (a bug) fails its own request with a 500 in the route's error shape, and
/// is logged; without this the connection closed with no answer at all. (The platform's `server`
/// profile unwinds, so the server itself goes on.)
async fn answer_panics(request: Request, next: Next) -> Response {
    use futures_util::FutureExt as _;
    // Kept for the rare panic: a clone of a parsed URI shares its bytes, where the path as a
    // string would be allocated for every request.
    let uri = request.uri().clone();
    match std::panic::AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            // The panic's message went to stderr already (the panic hook); the path may hold a
            // secret, and is not repeated.
            tracing::error!("a request's handler panicked: answered 500");
            let message = "the platform failed to handle the request".to_owned();
            refusal(uri.path(), StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
        }
    }
}

/// A request refused before its route saw it, in the shape of the route's own errors.
fn refusal(path: &str, status: StatusCode, code: &'static str, message: String) -> Response {
    match error_shape(path) {
        // RFC 6749 §5.2's `invalid_request` for what the client sent; §4.1.2.1's `server_error`.
        ErrorShape::OAuth if status.is_server_error() => device::oauth_error(status, "server_error", &message, None),
        ErrorShape::OAuth => device::oauth_error(status, "invalid_request", &message, None),
        ErrorShape::Api => ApiError::new(status, code, message).into_response(),
        ErrorShape::Page => web::message_page(status, "Request refused", &web::sentence(&message)),
    }
}

/// Headers every answer carries. No content sniffing: every answer is what its `Content-Type`
/// says, and a browser must not guess HTML from a JSON error that quotes what a request sent. No
/// storing by any cache unless the route says otherwise: a shared cache keeps no answer to a
/// request with `Authorization` (RFC 9111 §3.5), but `x-api-key` is no such header, and it could
/// serve a member list to the next caller. A 503 (the database busy) says when to try again
/// (RFC 9110 §10.2.3), unless its route said already: a second, as the lock is mostly a writer's
/// short transaction and the refused request already waited out five seconds of it.
async fn headers_on_every_answer(mut response: Response) -> Response {
    let unavailable = response.status() == StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    if unavailable {
        headers.entry(header::RETRY_AFTER).or_insert(HeaderValue::from_static("1"));
    }
    response
}

/// On a platform reached over https, browsers are told to come back over https only, for a year
/// (HSTS, RFC 6797): a sign-in page once loaded over https is not loaded over plain http again,
/// where anyone on the way could change it. Sibling subdomains are the operator's to include.
async fn https_only(mut response: Response) -> Response {
    response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    response
}

async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_with_doubled_or_trailing_slashes_is_routed_as_its_tidy_self() {
        let tidy = |uri: &str| tidy_path(&uri.parse().unwrap()).map(|uri| uri.to_string());
        assert_eq!(tidy("//api/projects").as_deref(), Some("/api/projects"));
        assert_eq!(tidy("/api//orgs/acme/api-keys/?limit=5").as_deref(), Some("/api/orgs/acme/api-keys?limit=5"));
        assert_eq!(tidy("//").as_deref(), Some("/"));
        assert_eq!(tidy("/api/projects"), None);
        assert_eq!(tidy("/"), None);
        assert_eq!(tidy("/api/orgs/acme%2F%2Fx"), None, "an encoded slash is part of its segment");
    }

    /// A handler's panic is its request's 500, in the shape of the route's errors; the next
    /// request is served.
    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_its_routes_shape() {
        async fn boom() -> &'static str {
            panic!("a bug")
        }
        let router = Router::new()
            .route("/api/boom", get(boom))
            .route("/oauth/boom", get(boom))
            .route("/boom", get(boom))
            .route("/healthz", get(|| async { "ok" }))
            .layer(middleware::from_fn(answer_panics));
        let answer = |path: &'static str| {
            let mut router = router.clone();
            async move {
                let request = Request::get(path).body(axum::body::Body::empty()).unwrap();
                let response = tower_service::Service::call(&mut router, request).await.unwrap();
                let status = response.status();
                let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
                (status, String::from_utf8(body.to_vec()).unwrap())
            }
        };
        let (status, body) = answer("/api/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains(r#""code":"internal""#), "{body}");
        let (status, body) = answer("/oauth/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains(r#""error":"server_error""#), "{body}");
        let (status, body) = answer("/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("<h1>Request refused</h1>"), "{body}");
        assert_eq!(answer("/healthz").await, (StatusCode::OK, "ok".to_owned()));
    }
}
