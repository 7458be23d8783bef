//! The request log: method, path, status and time, with every credential-bearing part left out.
//! Headers are never logged, and the query string is logged with `token` and `api_key` values
//! replaced, so a key sent to a webhook route does not end up in a log file.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::QUERY_CREDENTIAL_PARAMS;

pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(redact_query);
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        query = query.as_deref().unwrap_or(""),
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

/// The query string with the values of credential parameters replaced by `[redacted]`.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            // A percent-encoded name could spell `token` in disguise: redact those too.
            if name.contains('%') || QUERY_CREDENTIAL_PARAMS.iter().any(|p| name.eq_ignore_ascii_case(p)) {
                format!("{name}=[redacted]")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    #[test]
    fn credential_parameters_are_redacted() {
        assert_eq!(
            super::redact_query("a=1&token=key_live_x&API_KEY=y&to%6Ben=z"),
            "a=1&token=[redacted]&API_KEY=[redacted]&to%6Ben=[redacted]"
        );
    }
}
