//! Where a request to the platform failed, in words and an exit code: a transport that broke
//! (no connection, TLS, a timeout), a status that is no success (the platform's refusal, a proxy's
//! page), a redirect. What a failure means for one request (a revoke that may have been done, a
//! create whose key may exist) is said by that request's method in `client/mod.rs`.

use keystroke_api::{ErrorBody, OAuthError};
use reqwest::header::LOCATION;
use reqwest::{Response, StatusCode, Url};

use super::{ApiClient, CONNECT_TIMEOUT};
use crate::context::{DEFAULT_PLATFORM_URL, PlatformSource};
use crate::env;
use crate::error::{CliError, ExitCode, SIGN_IN_HINT, map_cli_error};

impl ApiClient {
    /// A redirect, named with where it points; when it keeps the request's path (as one from
    /// http to https does), the hint gives the platform URL to use instead.
    pub(super) fn redirected(&self, response: &Response) -> CliError {
        let requested = response.url();
        let location = response.headers().get(LOCATION).and_then(|to| to.to_str().ok());
        let Some(location) = location.and_then(|to| requested.join(to).ok()) else {
            return CliError::failure(format!(
                "the server at {} answered {} without saying where to",
                self.base_display(),
                response.status()
            ))
            .with_hint(not_a_platform_hint());
        };
        if location == *requested {
            return CliError::failure(format!(
                "the platform at {} redirects to the very address it was asked at, so it would go round for ever",
                self.base_display()
            ))
            .with_hint(
                "a proxy in front of the platform may be set up wrong (one that sends http to https, say, \
                 behind another that sends it back)",
            );
        }
        // Shown without a user name or password it may carry, and cut short: the server wrote it.
        let mut shown = location.clone();
        let _ = shown.set_password(None);
        let _ = shown.set_username("");
        let failure = CliError::failure(format!(
            "the platform at {} redirects to {}",
            self.base_display(),
            cut_short(shown.as_str())
        ));
        // The new platform URL is what, joined with the request's own path and query, gives the
        // new address: a bare text match would cut `https://h/xapi/me` to `https://h/x`.
        let added_by_the_request = requested.as_str().strip_prefix(self.platform.url.as_str());
        let moved_to = added_by_the_request.and_then(|tail| {
            let platform = Url::parse(location.as_str().strip_suffix(tail)?).ok()?;
            let whole = platform.path().ends_with('/') && platform.query().is_none() && platform.fragment().is_none();
            // A URL with a user name or password is no `--platform-url`, which refuses them.
            let plain = platform.username().is_empty() && platform.password().is_none();
            (whole && plain && platform.join(tail).ok()? == location).then_some(platform)
        });
        match moved_to {
            Some(platform) => failure.with_hint(format!(
                "use `--platform-url {}` (keystroke does not follow redirects, which would drop the token)",
                cut_short(platform.as_str().trim_end_matches('/'))
            )),
            None => failure.with_hint(format!(
                "point `--platform-url` (or `{}`) at the platform itself, not at an address that sends elsewhere",
                env::PLATFORM_URL
            )),
        }
    }

    /// "within 30 s (`KEYSTROKE_HTTP_TIMEOUT`)": the limit a request ran into, and how to change it.
    pub(super) fn within_the_timeout(&self) -> String {
        format!("within {} s (`{}`)", self.timeout.as_secs_f64(), env::HTTP_TIMEOUT)
    }

    /// Exit 6, naming the platform and why it could not be reached.
    pub(super) fn unreachable(&self, why: &str) -> CliError {
        CliError::new(ExitCode::Unreachable, format!("the platform at {} is unreachable: {why}", self.base_display()))
    }

    pub(super) fn transport_error(&self, err: &reqwest::Error) -> CliError {
        match tls_failure(err) {
            Some(tls @ rustls::Error::InvalidMessage(_)) => {
                return self.unreachable(&format!("the TLS handshake failed ({tls})")).with_hint(
                    "the server does not speak TLS: if the platform serves plain HTTP (as `keystroke-platform dev` \
                     does), use an `http://` URL",
                );
            }
            Some(tls @ (rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)) => {
                return CliError::new(
                    ExitCode::Unreachable,
                    format!(
                        "the platform at {} could not be reached securely: {}",
                        self.base_display(),
                        certificate_problem(tls)
                    ),
                )
                .with_hint(certificate_hint(tls));
            }
            Some(tls) => {
                return self.unreachable(&format!("the TLS handshake failed ({tls})")).with_hint(self.check_url_hint());
            }
            None => {}
        }
        // The host name found no address: said so, as nothing is running there to check.
        let causes = || std::iter::successors(Some(err as &(dyn std::error::Error + 'static)), |cause| cause.source());
        // reqwest goes through a proxy named in the environment (never for this machine's
        // platform), whose name may be the one that does not resolve, or which may be down.
        let proxy = self.proxy_in_env();
        if err.is_connect() && causes().any(|cause| cause.to_string() == "dns error") {
            let host = self.platform.url.host_str().unwrap_or_default();
            let names = match proxy {
                Some(variable) => format!("its host name {host}, or the proxy's in `{variable}`,"),
                None => format!("its host name {host}"),
            };
            return self.unreachable(&format!("{names} does not resolve to an address")).with_hint(format!(
                "check the host name in `--platform-url` (or `{}`); for a private one, your DNS or VPN too",
                env::PLATFORM_URL
            ));
        }
        // An https platform is reached through a proxy's tunnel, whose own failures say which.
        let tunnel = causes().find_map(|cause| cause.to_string().strip_prefix("tunnel error: ").map(str::to_owned));
        let proxy_named =
            proxy.as_deref().map_or_else(|| "the proxy".to_owned(), |name| format!("the proxy in `{name}`"));
        let why = if let Some(tunnel) = tunnel {
            let (why, hint) = match tunnel.as_str() {
                "failed to create underlying connection" => (
                    format!("could not connect to {proxy_named}"),
                    "check that the proxy is running and reachable from here, or list the platform's host in \
                     `NO_PROXY` to connect directly",
                ),
                "proxy authorization required" => (
                    format!("{proxy_named} asked for a user name and password (407)"),
                    "give them in the proxy's URL (`http://user:password@proxy:3128`), as curl takes them",
                ),
                other => (
                    format!("{proxy_named} did not open a connection to the platform ({other})"),
                    "the proxy may refuse the platform's host or port, or the platform may be down behind it",
                ),
            };
            return self.unreachable(&why).with_hint(hint);
        } else if err.is_timeout() && err.is_connect() {
            format!("could not connect within {} s", CONNECT_TIMEOUT.as_secs())
        } else if err.is_timeout() {
            format!("it did not answer {}", self.within_the_timeout())
        } else if let (true, Some(variable)) = (err.is_connect(), &proxy) {
            // Plain http goes to the proxy itself, unless `NO_PROXY` lists the host.
            format!("could not connect (to the proxy in `{variable}`, unless `NO_PROXY` lists the platform's host)")
        } else if err.is_connect() {
            "could not connect".to_string()
        } else {
            root_cause(err)
        };
        // A TLS server's answer to plain HTTP (an alert, not an HTTP status line) reads as a
        // garbled one: where the URL is http, that is likelier than a broken platform.
        if self.platform.url.scheme() == "http" && why == "invalid HTTP version parsed" {
            return self
                .unreachable(&format!("its answer is not HTTP ({why})"))
                .with_hint(speaks_tls_hint(&self.platform.url));
        }
        self.unreachable(&why).with_hint(self.check_url_hint())
    }

    /// The variable naming the proxy requests to the platform go through, if any: reqwest's
    /// choice, but for `NO_PROXY`, which is not read here. None for this machine's platform,
    /// which is never proxied ([`super::http_client`]).
    fn proxy_in_env(&self) -> Option<String> {
        if super::on_this_machine(&self.platform.url) {
            return None;
        }
        let for_the_scheme = match self.platform.url.scheme() {
            "https" => env::HTTPS_PROXY,
            _ => env::HTTP_PROXY,
        };
        // Each in capitals, then in small letters (`http_proxy` is the older spelling): the first
        // one set is used, and set empty, it means no proxy (as reqwest reads them).
        let first_set = |upper: &str| {
            let lower = upper.to_ascii_lowercase();
            [upper.to_owned(), lower].into_iter().find_map(|name| std::env::var_os(&name).map(|value| (name, value)))
        };
        match first_set(for_the_scheme).or_else(|| first_set(env::ALL_PROXY)) {
            Some((name, value)) if !value.is_empty() => Some(name),
            _ => None,
        }
    }

    /// The error of a failed request, from its status, body and `Retry-After` (as [`retry_after`]
    /// reads it): a rate limit, or an outage that says when it ends, is told when to try again.
    pub(super) fn status_error(&self, status: StatusCode, body: &str, retry_after: Option<String>) -> CliError {
        let mut error = self.status_error_of(status, body);
        match (status, retry_after) {
            (StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE, Some(when)) => {
                // A proxy's 503 (exit 6) keeps its own hint for when trying again does not help.
                let hint = match error.hint.take() {
                    Some(theirs) if error.api_code.is_none() && status == StatusCode::SERVICE_UNAVAILABLE => {
                        format!("try again {when}; if it keeps failing, {theirs}")
                    }
                    _ => format!("try again {when}"),
                };
                error.with_hint(hint)
            }
            (StatusCode::TOO_MANY_REQUESTS, None) => error.with_hint("wait a moment, then try again"),
            _ => error,
        }
    }

    fn status_error_of(&self, status: StatusCode, body: &str) -> CliError {
        let Ok(body) = serde_json::from_str::<ErrorBody>(body) else {
            // nginx's "The plain HTTP request was sent to HTTPS port", Go's "Client sent an HTTP
            // request to an HTTPS server".
            let to_https_port = ["plain HTTP request was sent to HTTPS port", "HTTP request to an HTTPS server"];
            if status == StatusCode::BAD_REQUEST
                && self.platform.url.scheme() == "http"
                && to_https_port.iter().any(|words| body.contains(words))
            {
                return CliError::failure(format!(
                    "the server at {} answered {} to plain HTTP: it speaks HTTPS",
                    self.base_display(),
                    status_line(status)
                ))
                .with_hint(speaks_tls_hint(&self.platform.url));
            }
            return self.status_without_keystroke_body(status);
        };
        // Earlier platforms answered unknown routes with "not_found" and this message.
        if body.error.code == keystroke_api::NO_SUCH_ENDPOINT || body.error.message.starts_with("no such endpoint") {
            let failure = CliError::failure(format!("the platform at {} has no such endpoint", self.base_display()));
            // The platform serves at the root of its host: a path in the URL that reached it is
            // the likelier cause than its age.
            return match self.platform.url.path() {
                "/" => {
                    failure.with_hint("the platform may be older than this CLI: upgrade it, or check `--platform-url`")
                }
                path => failure.with_hint(format!(
                    "the platform answers at the root of its host, not under `{}` (unless a proxy serves it there): \
                     try `--platform-url {}`; or the platform is older than this CLI",
                    path.trim_end_matches('/'),
                    self.platform.url.origin().ascii_serialization()
                )),
            };
        }
        let message = cut_short(&body.error.message);
        let on_this_machine = super::on_this_machine(&self.platform.url);
        let mut error = error_for_status(status, &message, &self.base_display(), self.token_from_env, on_this_machine);
        error.api_code = Some(body.error.code);
        error
    }

    /// A status from a server that sent no Keystroke error: most likely not the platform itself.
    pub(super) fn status_without_keystroke_body(&self, status: StatusCode) -> CliError {
        let url = self.base_display();
        let shown = status_line(status);
        match status {
            // A route missing: not "no such org or key" (exit 5 would send a script looking for one).
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => CliError::failure(format!(
                "the server at {url} has no such endpoint ({shown}, without a Keystroke error)"
            ))
            .with_hint(not_a_platform_hint()),
            // The platform refuses a credential with a Keystroke error; a refusal without one is a
            // proxy's or a firewall's (its own sign-in, an address rule), which signing in to
            // Keystroke again, or an org's owner, cannot lift.
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => CliError::failure(format!(
                "the server at {url} answered {shown} without a Keystroke error: something in front of the \
                 platform (a proxy, a firewall) refused the request"
            ))
            .with_hint(format!(
                "check `--platform-url` (or `{}`), and whether that network needs a VPN or lets this machine \
                 through",
                env::PLATFORM_URL
            )),
            // A rate limit of a gateway or firewall (a WAF, an API gateway): the URL is right.
            StatusCode::TOO_MANY_REQUESTS => CliError::failure(format!(
                "the server at {url} is limiting requests ({shown}, without a Keystroke error: most likely a proxy \
                 or gateway in front of the platform)"
            )),
            // A proxy's word that the platform behind it is down, or did not answer in time
            // (Cloudflare's 520 to 524 among them): unreachable (exit 6), as if it were down.
            status if is_proxy_gateway_failure(status) => {
                // A proxy that gave up waiting, or lost the connection, may have passed the
                // request on first: a key may have been made all the same.
                self.unreachable(&format!("{shown} from the server in front of it"))
                    .with_hint(self.check_url_hint())
                    .may_have_arrived(status != StatusCode::SERVICE_UNAVAILABLE)
            }
            // A server error of whatever is in front of the platform may come after it passed the
            // request on, as a 504 may.
            status => CliError::failure(format!("the server at {url} answered {shown} without a Keystroke error"))
                .with_hint(not_a_platform_hint())
                .may_have_arrived(status.is_server_error()),
        }
    }
}

/// When a `Retry-After` says to try again (RFC 9110: seconds, or an HTTP date), in words: "in
/// 30 s", "in 5 min", "after 2026-11-28 18:40 UTC"; `None` without one that reads.
pub(super) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?;
    if let Ok(seconds) = value.to_str().ok()?.trim().parse::<u64>() {
        return Some(match seconds {
            0..120 => format!("in {seconds} s"),
            _ => format!("in {} min", seconds.div_ceil(60)),
        });
    }
    // One past (by the answer's own clock, where it gives its `Date`), or past what a date in UTC
    // can hold, says nothing of when to try again.
    let now =
        headers.get(reqwest::header::DATE).and_then(super::http_date).unwrap_or_else(time::OffsetDateTime::now_utc);
    let at = super::http_date(value).filter(|&at| at > now)?;
    Some(format!("after {}", keystroke_api::utc_minute(at)))
}

/// A status as a person reads it: `404 Not Found`; and for the codes HTTP does not name, those
/// of proxies that are common enough to explain, or the number alone (never "<unknown status
/// code>").
fn status_line(status: StatusCode) -> String {
    let reason = status.canonical_reason().or(match status.as_u16() {
        520 => Some("Unknown Error"),
        521 => Some("Web Server Is Down"),
        522 => Some("Connection Timed Out"),
        523 => Some("Origin Is Unreachable"),
        524 => Some("A Timeout Occurred"),
        _ => None,
    });
    match reason {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// A gateway's failure to get an answer from the server behind it: 502, 503 and 504, and the 520
/// to 524 of Cloudflare and others (unknown error, down, unreachable, timed out).
fn is_proxy_gateway_failure(status: StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504 | 520..=524)
}

/// For a change that must not be made twice (a key, a deploy): a failure after the request may
/// have reached the platform says so, and how to find out, instead of a bare "unreachable" that
/// invites a retry.
pub(super) fn may_have_been_done(
    err: anyhow::Error,
    consequence: &str,
    hint: impl FnOnce() -> String,
) -> anyhow::Error {
    map_cli_error(err, |err| {
        if !err.request_may_have_arrived {
            return err;
        }
        let message = format!("{}; {consequence}", err.message);
        CliError { message, ..err }.with_hint(hint())
    })
}

impl ApiClient {
    /// What to check when the platform cannot be reached, by where its URL came from.
    pub(super) fn check_url_hint(&self) -> String {
        match self.platform.source {
            PlatformSource::Given { from_env: false, .. } => {
                "check that the platform is running and that `--platform-url` points at it".to_owned()
            }
            PlatformSource::Given { from_env: true, .. } => {
                format!("check that the platform is running and that `{}` points at it", env::PLATFORM_URL)
            }
            PlatformSource::Saved => "check that the platform is running; it is the one signed in to last (pass \
                                      `--platform-url` for another)"
                .to_owned(),
            PlatformSource::Default => format!(
                "check that the platform is running: nothing named another (`--platform-url`, `{}`, a sign-in), so \
                 commands go to {DEFAULT_PLATFORM_URL}, where `keystroke-platform dev` listens",
                env::PLATFORM_URL
            ),
        }
    }
}

/// The hint of an org not found; `flag` goes to the same platform ([`PlatformUrl::flag_for_hints`]).
pub fn org_hint(flag: &str) -> String {
    format!("`keystroke org list{flag}` shows your orgs")
}

/// A key is looked up in an org: either may be what was not found.
pub(super) fn key_hint(flag: &str) -> String {
    format!(
        "`keystroke api-key list{flag}` shows the keys you can see (and their ids), `keystroke org list{flag}` your orgs"
    )
}

/// For a request's `map_err`: a "not found" (exit 5) gets `hint`, which says where to look for
/// what that request asked for. The platform's message already names what is missing.
pub(super) fn when_not_found(hint: &str) -> impl FnOnce(anyhow::Error) -> anyhow::Error + '_ {
    move |err| map_cli_error(err, |err| if err.exit == ExitCode::NotFound { err.with_hint(hint) } else { err })
}

/// An error of the sign-in routes (`/oauth/…`), in RFC 6749's shape: only those routes answer
/// so, and elsewhere `{"error": "…"}` is some proxy's or framework's.
pub(super) fn oauth_refusal(status: StatusCode, oauth: OAuthError) -> CliError {
    let hint = match status {
        StatusCode::TOO_MANY_REQUESTS => "wait, then run `keystroke auth login` again",
        StatusCode::SERVICE_UNAVAILABLE => "wait a moment, then run `keystroke auth login` again",
        _ => "run `keystroke auth login` again",
    };
    let detail = cut_short(oauth.error_description.as_deref().unwrap_or(&oauth.error));
    let mut refusal = CliError::failure(format!("the platform refused the sign-in: {detail}")).with_hint(hint);
    refusal.api_code = Some(oauth.error);
    refusal
}

/// For an `http://` platform URL whose server speaks TLS: the same URL in `https://`.
fn speaks_tls_hint(base: &Url) -> String {
    let mut https = base.clone();
    let _ = https.set_scheme("https");
    format!("the server may speak TLS: try `--platform-url {}`", https.as_str().trim_end_matches('/'))
}

pub(super) fn not_a_platform_hint() -> String {
    format!("check that `--platform-url` (or `{}`) points at a Keystroke platform", env::PLATFORM_URL)
}

/// The platform's messages are a sentence or two (it cuts its own at 500 bytes): one past twice
/// that, from something else answering in its shape, is cut rather than fill the terminal.
const MAX_PLATFORM_MESSAGE_CHARS: usize = 1_000;

fn cut_short(message: &str) -> std::borrow::Cow<'_, str> {
    keystroke_api::cut_at(message, MAX_PLATFORM_MESSAGE_CHARS)
}

/// The exit code and hint of a failed request, with the platform's own message; `url` is the
/// platform's, on this machine or not.
pub(super) fn error_for_status(
    status: StatusCode,
    message: &str,
    url: &str,
    token_from_env: bool,
    on_this_machine: bool,
) -> CliError {
    // The CLI only ever sends a session token, so the platform's one message for any refused
    // credential is about that token; any other 401 (a proxy's, say) keeps its own words.
    let refused_session = || match message {
        keystroke_api::INVALID_CREDENTIAL_MESSAGE => {
            format!("not signed in to {url}: the session token is invalid, expired or revoked")
        }
        other => format!("not signed in to {url}: {other}"),
    };
    match status {
        StatusCode::UNAUTHORIZED if token_from_env => CliError::new(ExitCode::NotSignedIn, refused_session())
            .with_hint(format!(
                "the token comes from `{token}`, which wins over `keystroke auth login`: unset `{token}` \
                 or replace it with a valid session token",
                token = env::TOKEN
            )),
        StatusCode::UNAUTHORIZED => {
            // A `keystroke-platform dev` restarted without `--db` is on a new database: what it
            // refuses is a token of the one before, and its banner has the new ones.
            let hint = match on_this_machine {
                true => format!(
                    "{SIGN_IN_HINT} (a `keystroke-platform dev` restarted without `--db` has new tokens: \
                                 its banner prints them)"
                ),
                false => SIGN_IN_HINT.to_owned(),
            };
            CliError::new(ExitCode::NotSignedIn, refused_session()).with_hint(hint)
        }
        StatusCode::FORBIDDEN => CliError::new(ExitCode::Forbidden, format!("forbidden: {message}")).with_hint(
            "roles are set by whoever runs the platform (`keystroke-platform member set-role`): ask them for a \
                 higher one",
        ),
        // The platform's message names what is missing ("org `x` not found").
        StatusCode::NOT_FOUND => CliError::new(ExitCode::NotFound, message.to_string()),
        status if status.is_client_error() => CliError::failure(format!("the platform refused the request: {message}")),
        // Its own 503 (a database held by another writer): nothing wrong with the request.
        StatusCode::SERVICE_UNAVAILABLE => {
            CliError::failure(format!("the platform at {url} is unavailable for now ({status}): {message}"))
                .with_hint("try again in a moment")
        }
        status => {
            CliError::failure(format!("the platform at {url} could not handle the request ({status}): {message}"))
                .with_hint("try again; if it keeps failing, tell the platform's operator, whose log has the cause")
        }
    }
}

/// The TLS error behind a failed request, if that is what it was (say, `https://` to a server
/// that speaks plain HTTP, or an untrusted certificate). It hides inside nested `io::Error`s,
/// whose `source` skips it.
pub(super) fn tls_failure<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cause = Some(err);
    while let Some(error) = cause {
        let mut inner = error;
        while let Some(wrapped) = inner.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            inner = wrapped;
        }
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        cause = error.source();
    }
    None
}

/// What is wrong with the platform's certificate, in words (rustls's own text names enum variants).
pub(super) fn certificate_problem(tls: &rustls::Error) -> String {
    use rustls::CertificateError as Problem;
    let rustls::Error::InvalidCertificate(problem) = tls else {
        return "it presented no certificate".to_string();
    };
    match problem {
        Problem::UnknownIssuer => "its certificate is not issued by an authority this system trusts".to_string(),
        Problem::NotValidForName | Problem::NotValidForNameContext { .. } => {
            "its certificate is not valid for this host name".to_string()
        }
        // Said with both dates: a machine whose clock is wrong (a VM resumed after months, a
        // dead CMOS battery) sees every certificate expired, or not valid yet.
        Problem::Expired => "its certificate has expired (check this machine's clock)".to_string(),
        Problem::ExpiredContext { time, not_after } => format!(
            "its certificate expired at {}, and this machine's clock says {}",
            certificate_time(not_after),
            certificate_time(time)
        ),
        Problem::NotValidYet => "its certificate is not valid yet (check this machine's clock)".to_string(),
        Problem::NotValidYetContext { time, not_before } => format!(
            "its certificate is valid from {} only, and this machine's clock says {}",
            certificate_time(not_before),
            certificate_time(time)
        ),
        Problem::Revoked => "its certificate has been revoked".to_string(),
        _ if is_authoritys_certificate(problem) => {
            "its certificate is a certificate authority's (`CA:TRUE`), which is never taken for a server's own, \
             trusted or not"
                .to_string()
        }
        other => format!("its certificate was refused ({other:?})"),
    }
}

/// What to do about [`certificate_problem`]: a certificate out of its dates is the platform's to
/// renew, or this machine's clock to set; any other, most often, one from a private authority.
fn certificate_hint(tls: &rustls::Error) -> &'static str {
    use rustls::CertificateError as Problem;
    match tls {
        rustls::Error::InvalidCertificate(problem) if is_authoritys_certificate(problem) => {
            "give the platform a certificate of its own, made with `-addext basicConstraints=critical,CA:FALSE` \
             (`openssl req -x509` makes an authority's unless told), or one signed by a private authority, which \
             `SSL_CERT_FILE` can name"
        }
        rustls::Error::InvalidCertificate(
            Problem::Expired
            | Problem::ExpiredContext { .. }
            | Problem::NotValidYet
            | Problem::NotValidYetContext { .. },
        ) => {
            "if this machine's clock is right, the platform's certificate must be renewed (tell its operator); never \
             work around this on an untrusted network"
        }
        _ => {
            "check the URL; if the platform's certificate comes from a private authority, add that authority to this \
             system's trusted certificates (or point `SSL_CERT_FILE` at it), and never work around this on an \
             untrusted network"
        }
    }
}

/// The HTTP client could not be made: for an https platform, that is the trusted certificates,
/// none of which could be loaded (`SSL_CERT_FILE` naming a file that is not there, or not one of
/// certificates, is taken for the whole store).
pub(super) fn trust_store_error(err: &reqwest::Error) -> CliError {
    match unreadable_cert_file() {
        Some(problem) => CliError::usage(format!("no trusted certificates to check the platform's with: {problem}"))
            .with_hint(format!(
                "point `{}` at a PEM file of the certificates to trust, or unset it to trust this system's",
                env::SSL_CERT_FILE
            )),
        None => CliError::failure(format!(
            "no trusted certificates to check the platform's with: {}",
            root_cause(err)
        ))
        .with_hint(format!(
            "install this system's CA certificates (`ca-certificates` on Debian and Ubuntu), or point `{}` at a PEM \
             file of the certificates to trust",
            env::SSL_CERT_FILE
        )),
    }
}

/// What is wrong with the file `SSL_CERT_FILE` names, if it is set and no certificate can be taken
/// from it.
fn unreadable_cert_file() -> Option<String> {
    // Set empty, it was taken out of the environment at the start (`main`).
    let path = std::env::var_os(env::SSL_CERT_FILE)?;
    let shown = std::path::Path::new(&path).display().to_string();
    match std::fs::read(&path) {
        Err(err) => Some(format!("`{}` names {shown}, which cannot be read ({err})", env::SSL_CERT_FILE)),
        Ok(pem) if !pem.windows(27).any(|line| line == b"-----BEGIN CERTIFICATE-----") => {
            Some(format!("`{}` names {shown}, which holds no PEM certificate", env::SSL_CERT_FILE))
        }
        Ok(_) => None,
    }
}

/// The self-signed certificate `openssl req -x509` makes by default, trusted (`SSL_CERT_FILE`)
/// and still refused: WebPKI takes an authority's certificate for an authority only. rustls
/// passes that on as webpki's error, named by its `Display`.
fn is_authoritys_certificate(problem: &rustls::CertificateError) -> bool {
    matches!(problem, rustls::CertificateError::Other(other) if other.to_string() == "CaUsedAsEndEntity")
}

fn certificate_time(at: &rustls::pki_types::UnixTime) -> String {
    i64::try_from(at.as_secs())
        .ok()
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .map_or_else(|| format!("{} s after 1970", at.as_secs()), keystroke_api::utc_minute)
}

pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a "not found" gets the request's hint; other errors keep theirs.
    #[test]
    fn not_found_hints_are_the_requests() {
        let hint_of = |err: anyhow::Error| err.downcast::<CliError>().ok().and_then(|err| err.hint);
        let not_found = CliError::new(ExitCode::NotFound, "org `x` not found among your orgs").into();
        assert_eq!(hint_of(when_not_found(&org_hint(""))(not_found)).as_deref(), Some(&*org_hint("")));
        let forbidden = CliError::new(ExitCode::Forbidden, "no").with_hint("ask an owner").into();
        assert_eq!(hint_of(when_not_found(&org_hint(""))(forbidden)).as_deref(), Some("ask an owner"));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_to_come() {
        let when = |value: &str| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(reqwest::header::RETRY_AFTER, value.parse().unwrap());
            retry_after(&headers)
        };
        assert_eq!(when("5").as_deref(), Some("in 5 s"));
        assert_eq!(when("600").as_deref(), Some("in 10 min"));
        assert_eq!(when("Fri, 01 Jan 9998 00:00:00 GMT").as_deref(), Some("after 9998-01-01 00:00 UTC"));
        // Past, past what a date in UTC holds, or not a time: nothing to say.
        for nothing in ["Sat, 01 Jan 2000 00:00:00 GMT", "Fri, 31 Dec 9999 23:00:00 -1200", "soon", "-5"] {
            assert_eq!(when(nothing), None, "{nothing}");
        }
    }

    /// A certificate out of its dates names both the dates and this machine's clock, which is as
    /// often what is wrong, and is not sent to a private authority's remedy.
    #[test]
    fn a_certificate_out_of_its_dates_names_the_clock() {
        use rustls::CertificateError as Problem;
        use rustls::pki_types::UnixTime;
        let at = |secs| UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
        let expired = rustls::Error::InvalidCertificate(Problem::ExpiredContext {
            time: at(1_795_800_000),
            not_after: at(1_764_000_000),
        });
        assert_eq!(
            certificate_problem(&expired),
            "its certificate expired at 2025-11-24 16:00 UTC, and this machine's clock says 2026-11-27 17:20 UTC"
        );
        let early = rustls::Error::InvalidCertificate(Problem::NotValidYetContext {
            time: at(1_764_000_000),
            not_before: at(1_795_800_000),
        });
        assert_eq!(
            certificate_problem(&early),
            "its certificate is valid from 2026-11-27 17:20 UTC only, and this machine's clock says 2025-11-24 16:00 UTC"
        );
        for dated in [expired, early, rustls::Error::InvalidCertificate(Problem::Expired)] {
            assert!(certificate_hint(&dated).starts_with("if this machine's clock is right"), "{dated:?}");
        }
        let unknown = rustls::Error::InvalidCertificate(Problem::UnknownIssuer);
        assert!(certificate_hint(&unknown).contains("private authority"));
    }

    /// Matched by webpki's own words for it, which an upgrade could change: the error as the
    /// verifier makes it.
    #[test]
    fn an_authoritys_certificate_is_told_from_webpkis_error() {
        let error =
            rustls::CertificateError::Other(rustls::OtherError(std::sync::Arc::new(webpki::Error::CaUsedAsEndEntity)));
        assert!(is_authoritys_certificate(&error));
        assert!(certificate_problem(&rustls::Error::InvalidCertificate(error)).contains("(`CA:TRUE`)"));
        let other = rustls::CertificateError::Other(rustls::OtherError(std::sync::Arc::new(
            webpki::Error::UnsupportedCertVersion,
        )));
        assert!(!is_authoritys_certificate(&other));
    }

    #[test]
    fn a_platform_message_is_cut_short() {
        let long = "é".repeat(5_000);
        assert_eq!(cut_short(&long), format!("{}… (4000 characters more)", "é".repeat(1_000)));
        assert_eq!(cut_short(&"x".repeat(1_001)), format!("{}… (1 character more)", "x".repeat(1_000)));
        // The platform's own, cut at 500 bytes with its `…`, comes through whole.
        let platforms = format!("{}…", "x".repeat(500));
        assert_eq!(cut_short(&platforms), platforms);
        assert_eq!(cut_short("org `x` not found"), "org `x` not found");
    }

    #[test]
    fn statuses_map_to_the_documented_exit_codes() {
        let url = "http://127.0.0.1:1";
        let cases = [
            (StatusCode::UNAUTHORIZED, ExitCode::NotSignedIn),
            (StatusCode::FORBIDDEN, ExitCode::Forbidden),
            (StatusCode::NOT_FOUND, ExitCode::NotFound),
            (StatusCode::UNPROCESSABLE_ENTITY, ExitCode::Failure),
            (StatusCode::INTERNAL_SERVER_ERROR, ExitCode::Failure),
        ];
        for (status, exit) in cases {
            assert_eq!(error_for_status(status, "why", url, false, true).exit, exit, "{status}");
            assert_eq!(error_for_status(status, "why", url, true, true).exit, exit, "{status}");
        }
        let refused =
            error_for_status(StatusCode::UNAUTHORIZED, keystroke_api::INVALID_CREDENTIAL_MESSAGE, url, false, true);
        assert_eq!(
            refused.message,
            "not signed in to http://127.0.0.1:1: the session token is invalid, expired or revoked"
        );
        let unauthorized = error_for_status(StatusCode::UNAUTHORIZED, "session expired", url, false, true);
        assert_eq!(unauthorized.message, "not signed in to http://127.0.0.1:1: session expired");
        let dev_restarted =
            "(a `keystroke-platform dev` restarted without `--db` has new tokens: its banner prints them)";
        assert_eq!(unauthorized.hint, Some(format!("{SIGN_IN_HINT} {dev_restarted}")), "a platform on this machine");
        let elsewhere =
            error_for_status(StatusCode::UNAUTHORIZED, "session expired", "https://ks.example.com", false, false);
        assert_eq!(elsewhere.hint.as_deref(), Some(SIGN_IN_HINT));
    }

    #[test]
    fn a_refused_keystroke_token_is_to_be_unset_or_replaced_not_signed_in_over() {
        let err = error_for_status(StatusCode::UNAUTHORIZED, "session expired", "http://127.0.0.1:1", true, true);
        let hint = err.hint.unwrap();
        assert!(hint.contains("unset `KEYSTROKE_TOKEN` or replace it"), "{hint}");
    }

    #[test]
    fn a_refusal_for_the_role_asks_whoever_runs_the_platform() {
        let role = error_for_status(StatusCode::FORBIDDEN, "needs the admin role", "http://127.0.0.1:1", false, true);
        assert_eq!(role.exit, ExitCode::Forbidden);
        assert_eq!(role.message, "forbidden: needs the admin role");
        assert_eq!(
            role.hint.as_deref(),
            Some(
                "roles are set by whoever runs the platform (`keystroke-platform member set-role`): ask them for a \
                 higher one"
            )
        );
    }
}
