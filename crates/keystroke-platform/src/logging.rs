//! The request log: method, path, status and time, the client's address (the proxy's
//! `X-Forwarded-For` entry with `--behind-proxy`) and the id of the API key or session (the CLI's
//! or the web pages') the request acted through (public ids: `ak_…`, `ses_…`), with every
//! credential-bearing part left out.
//! Headers are never logged. In the query string, the value of any parameter named like a secret
//! (`token`, `api_key`, `user_code`, `password`, `client_secret`…), and in the path and the query
//! string any part that holds something shaped like a key, a session token or a pending sign-in's
//! code (pasted in the wrong place: `?q=key_live_…`, `/device/BCDF-GHJK`, a path segment) are
//! replaced, so no secret ends up in a log file.
//!
//! Also [`OnceAMinute`], for warnings about a condition that lasts.

use std::borrow::Cow;
use std::cell::Cell;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// What stands in the log for a secret, or for a part of a request that may hold one.
pub const REDACTED: &str = "[redacted]";

/// Words of a query parameter's name (split at anything but letters and digits) that make its
/// value a secret for the log, whatever the value looks like: the webhooks' `token` and
/// `api_key`; a pending sign-in's `user_code` (whoever read it within its ten minutes could
/// approve that sign-in as themselves, and hand the CLI their session); and what a client may put
/// in a URL by mistake (`password=`, `client_secret=`, `device_code=`, `sig=`), which is rarely
/// shaped like a key.
const SECRET_PARAM_WORDS: [&str; 20] = [
    "token",
    "bearer",
    "pw",
    "key",
    "code",
    "secret",
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "auth",
    "authorization",
    "session",
    "signature",
    "sig",
    "credential",
    "credentials",
    "otp",
    "jwt",
];

/// Endings of a name written as one word (`apikey`, `accessToken`, `clientsecret`) that do the same.
const SECRET_PARAM_ENDINGS: [&str; 4] = ["token", "key", "secret", "password"];

/// A warning about a condition that may last (a full disk, every connection taken) is said once
/// a minute at most: a line per request would flood the log, and on a full disk add to it.
pub struct OnceAMinute(AtomicI64);

impl OnceAMinute {
    pub const fn new() -> Self {
        OnceAMinute(AtomicI64::new(i64::MIN))
    }

    /// Whether to say it now; a yes holds back the next minute's.
    pub fn due(&self) -> bool {
        let now = crate::clock::now();
        let last = self.0.load(Ordering::Relaxed);
        now.saturating_sub(last) >= 60
            && self.0.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

/// An error that may come with every request while it lasts (the database deleted, the disk
/// full) is logged when it first comes, then at most once a minute, with how many times it came
/// in between: a line each time filled the log by tens of thousands of lines a second. Several
/// errors are counted apart ([`Repeats::KEPT`]), so that two that alternate (a client sending
/// two kinds of malformed request in turn) are not each logged every time.
pub struct Repeats(Mutex<Vec<Repeat>>);

struct Repeat {
    what: String,
    logged_at: i64,
    unlogged: u64,
}

impl Repeats {
    /// Errors counted apart at once; a new one beyond takes the place of the one logged longest
    /// ago (hyper's own refusals of a request are about a dozen kinds).
    const KEPT: usize = 16;

    pub const fn new() -> Self {
        Repeats(Mutex::new(Vec::new()))
    }

    /// Whether to log `what` at `now` (seconds), with how many times it came unlogged since it
    /// was last logged; `None` to leave it out.
    pub fn due(&self, what: &str, now: i64) -> Option<u64> {
        let mut kept = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match kept.iter_mut().find(|repeat| repeat.what == what) {
            Some(repeat) if now.saturating_sub(repeat.logged_at) < 60 => {
                repeat.unlogged += 1;
                None
            }
            Some(repeat) => {
                repeat.logged_at = now;
                Some(std::mem::take(&mut repeat.unlogged))
            }
            None => {
                if kept.len() >= Self::KEPT
                    && let Some(oldest) = (0..kept.len()).min_by_key(|&at| kept[at].logged_at)
                {
                    kept.swap_remove(oldest);
                }
                kept.push(Repeat { what: what.to_owned(), logged_at: now, unlogged: 0 });
                Some(0)
            }
        }
    }
}

/// HTTP's own methods by name; any other token a client sent as the method (a password pasted
/// in the wrong place, say) is not repeated.
fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "(not an HTTP method)",
    }
}

tokio::task_local! {
    /// The public id of the credential the request being served acted through, for its log line:
    /// set by the authentication once it found a live one. A task-local, set up by [`log_request`]
    /// around the request: nothing is allocated for it on the path of every request.
    static ACTED_THROUGH: Cell<Option<CredentialId>>;
}

/// A public credential id (`ak_…`, `ses_…`: the platform mints 23 and 24 characters), kept inline.
#[derive(Clone, Copy)]
pub struct CredentialId {
    bytes: [u8; 32],
    len: u8,
}

impl CredentialId {
    /// Records that the request being served acted through this credential.
    pub fn record(id: &str) {
        let mut bytes = [0; 32];
        let len = id.len().min(bytes.len());
        bytes[..len].copy_from_slice(&id.as_bytes()[..len]);
        let _ = ACTED_THROUGH.try_with(|slot| slot.set(Some(CredentialId { bytes, len: len as u8 })));
    }

    fn as_str(&self) -> &str {
        // Whole ids are ASCII; one cut at 32 bytes (never minted) reads as far as it is text.
        let bytes = &self.bytes[..usize::from(self.len)];
        std::str::from_utf8(bytes).unwrap_or_else(|cut| std::str::from_utf8(&bytes[..cut.valid_up_to()]).unwrap_or(""))
    }
}

/// A value in a log line, written as it is, or as nothing when there is none.
struct OrNothing<T>(Option<T>);

impl<T: std::fmt::Display> std::fmt::Display for OrNothing<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(value) => value.fmt(f),
            None => Ok(()),
        }
    }
}

pub async fn log_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_name(request.method());
    // Kept for the log line (a reference count, not a copy): redacted and cut once it is written,
    // borrowed where nothing is to be redacted or cut, as on most requests.
    let uri = request.uri().clone();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0);
    let client = peer.map(|peer| state.client_ip(request.headers(), peer));
    let (mut response, acted_through) = ACTED_THROUGH
        .scope(Cell::new(None), async {
            let response = next.run(request).await;
            (response, ACTED_THROUGH.with(Cell::get))
        })
        .await;
    // The session, named to the client too (`SESSION_HEADER`): one that kept the id of its own
    // sees when the token it sent is another sign-in's.
    if let Some(session) = acted_through.as_ref().map(CredentialId::as_str)
        && session.starts_with(keystroke_api::SESSION_ID_PREFIX)
        && let Ok(value) = axum::http::HeaderValue::from_str(session)
    {
        response.headers_mut().insert(keystroke_api::SESSION_HEADER, value);
    }
    let path = cut_short(redact_path(uri.path()));
    let query = uri.query().map(|query| cut_short(redact_query(query)));
    tracing::info!(
        %method,
        path = &*path,
        query = query.as_deref().unwrap_or(""),
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        client = %OrNothing(client),
        credential = acted_through.as_ref().map_or("", CredentialId::as_str),
        "request"
    );
    response
}

/// A path or query string of a log line, cut after [`LOGGED_URL_PART_BYTES`]: a URL may be 64 KB,
/// and each such request would write that much to the log.
fn cut_short(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.len() <= LOGGED_URL_PART_BYTES {
        return text;
    }
    let cut = (0..=LOGGED_URL_PART_BYTES).rev().find(|&at| text.is_char_boundary(at)).unwrap_or(0);
    Cow::Owned(format!("{}… ({} bytes more)", &text[..cut], text.len() - cut))
}

const LOGGED_URL_PART_BYTES: usize = 1024;

/// Whether a path segment or query value holds a secret (by its prefix, or its checksum when the
/// prefix was cut off) or is a sign-in's user code, percent-encoded or not.
fn may_hold_secret(component: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(component).decode_utf8_lossy();
    // `+` is a form's space: `?code=XZTX+HKRL` is a code typed with a space.
    let user_code = |text: &str| crate::tokens::looks_like_user_code(text);
    keystroke_api::contains_secret(&decoded)
        || user_code(&decoded)
        || (decoded.contains('+') && user_code(&decoded.replace('+', " ")))
}

/// The path with every segment that holds a secret replaced by `[redacted]`.
fn redact_path(path: &str) -> Cow<'_, str> {
    if !path.split('/').any(may_hold_secret) {
        return Cow::Borrowed(path);
    }
    Cow::Owned(
        path.split('/')
            .map(|segment| if may_hold_secret(segment) { REDACTED } else { segment })
            .collect::<Vec<_>>()
            .join("/"),
    )
}

fn is_secret_param_name(name: &str) -> bool {
    name.to_ascii_lowercase().split(|c: char| !c.is_ascii_alphanumeric()).any(|word| {
        SECRET_PARAM_WORDS.contains(&word) || SECRET_PARAM_ENDINGS.iter().any(|ending| word.ends_with(ending))
    })
}

/// Whether a query value is a URL with a credential parameter of its own, as a sign-in link's
/// `next=%2Fdevice%3Fuser_code%3D…` is.
fn carries_credential_param(value: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
    decoded.split(['?', '&']).skip(1).any(|pair| {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        is_secret_param_name(&percent_encoding::percent_decode_str(name).decode_utf8_lossy())
    })
}

/// The query string with the values of credential parameters, and any value that holds a
/// secret, replaced by `[redacted]`. Borrowed when there is none.
/// Pairs are split at `;` too, as some servers and proxies split them: but a pair named as a
/// secret keeps its whole value to the next `&`, a `;` in it included (`password=a;b`).
pub fn redact_query(query: &str) -> Cow<'_, str> {
    redacted_parts(query, '&', redacted_segment).map_or(Cow::Borrowed(query), Cow::Owned)
}

/// What one `&`-separated part of a query string is logged as, if not as it is: redacted whole,
/// or in its `;`-separated pairs.
fn redacted_segment(segment: &str) -> Option<String> {
    redacted_pair(segment).or_else(|| redacted_parts(segment, ';', redacted_pair))
}

/// `text` with each of its `separator`-separated parts as `redact` logs it, separators kept;
/// `None` when no part changes.
fn redacted_parts(text: &str, separator: char, redact: fn(&str) -> Option<String>) -> Option<String> {
    let parts = || text.split_inclusive(separator).map(|piece| piece.split_at(piece.trim_end_matches(separator).len()));
    if parts().all(|(part, _)| redact(part).is_none()) {
        return None;
    }
    Some(parts().map(|(part, ends)| redact(part).unwrap_or_else(|| part.to_owned()) + ends).collect())
}

/// What a `name=value` pair of a query string is logged as, if not as it is.
fn redacted_pair(pair: &str) -> Option<String> {
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    // A percent-encoded name could spell `token` in disguise: redact those too.
    let credential_name = name.contains('%') || is_secret_param_name(name);
    if may_hold_secret(name) {
        Some(REDACTED.to_owned())
    } else if credential_name || may_hold_secret(value) || carries_credential_param(value) {
        Some(format!("{name}={REDACTED}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_repeated_error_is_logged_once_a_minute_with_its_count() {
        let repeats = super::Repeats::new();
        assert_eq!(repeats.due("database gone", 1000), Some(0));
        assert_eq!((0..500).filter_map(|i| repeats.due("database gone", 1000 + i / 10)).count(), 0);
        assert_eq!(repeats.due("database gone", 1060), Some(500), "a minute on, with the count");
        assert_eq!(repeats.due("disk full", 1061), Some(0), "another error at once");
        // Two that alternate are each counted, not each logged every time.
        for second in 1062..1100 {
            assert_eq!((repeats.due("database gone", second), repeats.due("disk full", second)), (None, None));
        }
        assert_eq!(repeats.due("disk full", 1121), Some(38), "a minute after it was last logged");
        // Many kinds at once: each new one is logged, and the one logged longest ago makes room.
        for kind in 0..16 {
            assert_eq!(repeats.due(&format!("kind {kind}"), 1130), Some(0));
        }
        assert_eq!(repeats.due("disk full", 1131), Some(0), "made room for others: new again");
    }

    #[test]
    fn credential_parameters_are_redacted() {
        assert_eq!(
            super::redact_query("a=1&token=key_live_x&API_KEY=y&to%6Ben=z"),
            "a=1&token=[redacted]&API_KEY=[redacted]&to%6Ben=[redacted]"
        );
        assert_eq!(super::redact_query("user_code=WDJB-MJHT"), "user_code=[redacted]");
        // Split at `;` as at `&`, as some servers do; a bearer token or a `pw` by name (its value to
        // the next `&`).
        assert_eq!(
            super::redact_query("a=1;token=secretvalue&bearer=b;pw=p;limit=5"),
            "a=1;token=[redacted]&bearer=[redacted]"
        );
        // A secret's value is kept whole to the next `&`, a `;` in it included.
        assert_eq!(super::redact_query("password=correct;horse&limit=5"), "password=[redacted]&limit=5");
        // Named as a secret, though not shaped like one: a password sent in a URL by mistake.
        assert_eq!(
            super::redact_query("email=o%40x.test&password=hunter2&Client_Secret=s&device_code=d&limit=5"),
            "email=o%40x.test&password=[redacted]&Client_Secret=[redacted]&device_code=[redacted]&limit=5"
        );
        assert_eq!(
            super::redact_query("apikey=a&accessToken=b&sig=c"),
            "apikey=[redacted]&accessToken=[redacted]&sig=[redacted]"
        );
        // Words that only hold those letters keep their values.
        assert_eq!(
            super::redact_query("author=a&keyword=b&passage=c&encode=d"),
            "author=a&keyword=b&passage=c&encode=d"
        );
        // Every parameter that carries a credential on a webhook route.
        for param in crate::auth::QUERY_CREDENTIAL_PARAMS {
            assert_eq!(super::redact_query(&format!("{param}=x")), format!("{param}=[redacted]"));
        }
        // A link that carries a credential parameter inside another one.
        assert_eq!(super::redact_query("next=%2Fdevice%3Fuser_code%3DBCDF-GHJK"), "next=[redacted]");
        assert_eq!(super::redact_query("next=/hook?a=1%26api_key%3Dx&b=2"), "next=[redacted]&b=2");
        assert_eq!(
            super::redact_query("next=%2Fsettings%2Fapi-keys%3Forg%3Dacme"),
            "next=%2Fsettings%2Fapi-keys%3Forg%3Dacme"
        );
    }

    #[test]
    fn secrets_are_redacted_wherever_they_were_pasted() {
        assert_eq!(
            super::redact_query("access_token=key_test_x&next=%2Fkss_y&key_live_z&limit=5"),
            "access_token=[redacted]&next=[redacted]&[redacted]&limit=5"
        );
        assert_eq!(super::redact_query("q=key%5Flive%5Fx"), "q=[redacted]");
        assert_eq!(super::redact_path("/api/orgs/acme/api-keys/key_live_abc"), "/api/orgs/acme/api-keys/[redacted]");
        assert_eq!(super::redact_path("/api/orgs/acme/api-keys/ak_123"), "/api/orgs/acme/api-keys/ak_123");
        // A sign-in's code typed where it does not go, in any spelling the approval page takes.
        assert_eq!(super::redact_query("code=XZTX-HKRL&x=1"), "code=[redacted]&x=1");
        assert_eq!(super::redact_query("code=xztx+hkrl"), "code=[redacted]");
        assert_eq!(super::redact_path("/device/xztx%20hkrl"), "/device/[redacted]");
        assert_eq!(super::redact_path("/device/XZTXHKRL/x"), "/device/[redacted]/x");
        assert_eq!(super::redact_path("/api/orgs/acme/projects"), "/api/orgs/acme/projects");
    }

    #[test]
    fn a_long_path_is_logged_cut_short() {
        let path = format!("/{}", "é".repeat(2_000));
        let logged = super::cut_short(path.as_str().into());
        assert!(logged.starts_with(&path[..1023]) && logged.ends_with("… (2978 bytes more)"), "{logged}");
        assert!(matches!(super::cut_short("/healthz".into()), std::borrow::Cow::Borrowed("/healthz")));
        // Nothing to redact or cut: nothing copied.
        assert!(matches!(super::redact_query("limit=5&org=acme"), std::borrow::Cow::Borrowed("limit=5&org=acme")));
    }
}
