//! The one client of the platform API, and the one place where HTTP failures become messages
//! and exit codes.

use std::time::{Duration, Instant};

use keystroke_api::{
    ApiKey, CLI_CLIENT_ID, CreateApiKey, CreatedApiKey, DEVICE_CODE_GRANT_TYPE, DeviceAuthorization, ErrorBody,
    HookAccepted, Me, Member, OAuthError, ORG_HEADER, Page, PageQuery, Session, TokenResponse, routes,
};
use reqwest::header::LOCATION;
use reqwest::{Method, Request, RequestBuilder, Response, StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::env;
use crate::error::{CliError, ExitCode, SIGN_IN_HINT, map_cli_error};
use crate::printer::Printer;
use crate::secret::Secret;
use crate::signals;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
/// A whole request, answer included, unless `KEYSTROKE_HTTP_TIMEOUT` says otherwise.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a whole request, answer included, may take: `KEYSTROKE_HTTP_TIMEOUT`, else 30 s.
pub fn request_timeout() -> Result<Duration, CliError> {
    env::seconds(env::HTTP_TIMEOUT, 0.1..=3600.0, REQUEST_TIMEOUT)
}

pub struct ApiClient {
    base: Url,
    http: reqwest::Client,
    token: Option<Secret<String>>,
    /// The token is `KEYSTROKE_TOKEN`'s, which wins over any sign-in: hints must say so.
    token_from_env: bool,
    /// How long a whole request may take, named when one takes longer.
    timeout: Duration,
    printer: Printer,
}

/// One answer of the RFC 8628 token endpoint while the user has not finished in the browser.
pub enum DevicePoll {
    Approved(Secret<String>),
    Pending,
    SlowDown(Option<u64>),
    Expired,
    Denied,
}

impl ApiClient {
    /// `timeout` bounds each whole request: see [`request_timeout`].
    pub fn new(base: Url, token: Option<Secret<String>>, timeout: Duration, printer: Printer) -> anyhow::Result<Self> {
        // reqwest is built without a bundled crypto provider so that the tree stays free of
        // OpenSSL and aws-lc; ring is installed once per process here.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("keystroke/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            // Below the platform's 10 s for a kept-alive connection's next request: a sign-in's
            // poll (every 5 s, 10 after a `slow_down`) must not go out on a connection the
            // platform is closing at that moment, since a POST is not retried.
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            // A platform answers at its own URL. Followed, a redirect (http to https, a moved
            // host) drops the token, which reads as an expired session, and turns a POST into
            // a GET: it is reported instead, with the URL to use.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout);
        if base.scheme() == "http" {
            // A plaintext platform (the local dev platform, a loopback proxy) needs no trust
            // roots. Without this, building the client loads and parses the system's whole CA
            // bundle (~300 files on Debian), which was a third of `api-key list` (scripts/bench).
            // A redirect to https then fails verification; it would drop the token anyway.
            builder = builder.tls_certs_only(std::iter::empty());
        }
        let http = builder.build()?;
        Ok(Self { base, http, token, token_from_env: false, timeout, printer })
    }

    /// Marks the token as `KEYSTROKE_TOKEN`'s, so that a refusal says to unset or replace it
    /// rather than to sign in again, which would not help while the variable wins.
    pub fn with_token_from_env(mut self, from_env: bool) -> Self {
        self.token_from_env = from_env;
        self
    }

    pub async fn me(&self) -> anyhow::Result<Me> {
        self.json(self.request(Method::GET, routes::ME)?).await
    }

    /// Revokes the session making the request.
    pub async fn logout(&self) -> anyhow::Result<()> {
        self.send(self.request(Method::POST, routes::LOGOUT)?).await?;
        Ok(())
    }

    pub async fn list_api_keys(&self, org: &str, query: &PageQuery) -> anyhow::Result<Page<ApiKey>> {
        let request = self.request(Method::GET, &routes::api_keys(org))?.query(query);
        self.json(request).await.map_err(when_not_found(ORG_HINT))
    }

    pub async fn list_members(&self, org: &str) -> anyhow::Result<Vec<Member>> {
        self.json(self.request(Method::GET, &routes::members(org))?).await.map_err(when_not_found(ORG_HINT))
    }

    pub async fn create_api_key(&self, org: &str, body: &CreateApiKey) -> anyhow::Result<CreatedApiKey> {
        let request = self.request(Method::POST, &routes::api_keys(org))?.json(body);
        // The key may exist, and its secret is nowhere: it must be found and revoked.
        self.json_unless_interrupted(request).await.map_err(when_not_found(ORG_HINT)).map_err(|err| {
            may_have_been_done(err, "the key may have been created all the same", || {
                format!(
                    "`keystroke api-key list --org {org}` shows whether a key named {} was created; if so, revoke it \
                     (`keystroke api-key revoke ID --org {org} --yes`), since its secret never reached you, then \
                     create another",
                    crate::ids::quoted(&body.name)
                )
            })
        })
    }

    /// An unrevoked key of the org (expired or not) that the caller may see.
    pub async fn api_key(&self, org: &str, id: &str) -> anyhow::Result<ApiKey> {
        self.json(self.request(Method::GET, &routes::api_key(org, id))?).await.map_err(when_not_found(KEY_HINT))
    }

    pub async fn revoke_api_key(&self, org: &str, id: &str) -> anyhow::Result<ApiKey> {
        let request = self.request(Method::DELETE, &routes::api_key(org, id))?;
        self.json(request).await.map_err(when_not_found(KEY_HINT))
    }

    /// The signed-in user's active sessions, of every client.
    pub async fn list_sessions(&self) -> anyhow::Result<Vec<Session>> {
        self.json(self.request(Method::GET, routes::SESSIONS)?).await
    }

    /// The revoked session, with when; `None` from platforms that answered `204` without it.
    pub async fn revoke_session(&self, id: &str) -> anyhow::Result<Option<Session>> {
        let request = self.request(Method::DELETE, &routes::session(id))?;
        let response =
            self.send(request).await.map_err(when_not_found("`keystroke session list` shows your active sessions"))?;
        if response.status() == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        // Revoked either way: an answer that does not read is no reason to say otherwise.
        Ok(self.decode(response).await.ok())
    }

    /// Triggers the org's deploy. The hook route takes the org of a user session from a header.
    pub async fn trigger_deploy(&self, org: &str) -> anyhow::Result<HookAccepted> {
        let request = self.request(Method::POST, routes::DEPLOY_HOOK)?.header(ORG_HEADER, org);
        self.json_unless_interrupted(request).await.map_err(when_not_found(ORG_HINT)).map_err(|err| {
            may_have_been_done(err, "the deploy may have been triggered all the same", || {
                "find out whether it started (an admin sees each deploy in `keystroke-platform audit list`) before \
                 you run `keystroke deploy` again, which would trigger another"
                    .to_owned()
            })
        })
    }

    /// Starts a browser sign-in. The machine's host name goes along, so the approval page and
    /// `keystroke session list` can say which machine the session is for.
    pub async fn start_device_authorization(&self) -> anyhow::Result<DeviceAuthorization> {
        let mut form = vec![("client_id", CLI_CLIENT_ID.to_owned())];
        form.extend(host_name().map(|name| ("device_name", name)));
        let request = self.request(Method::POST, routes::DEVICE_CODE)?.form(&form);
        let response = self.execute(request.build()?).await?;
        if response.status().is_success() {
            return self.decode(response).await;
        }
        let status = response.status();
        Err(oauth_refusal(status, self.oauth_error(response).await?).into())
    }

    pub async fn poll_device_token(&self, device_code: &Secret<String>) -> anyhow::Result<DevicePoll> {
        let request = self.request(Method::POST, routes::TOKEN)?.form(&[
            ("grant_type", DEVICE_CODE_GRANT_TYPE),
            ("device_code", device_code.expose()),
            ("client_id", CLI_CLIENT_ID),
        ]);
        let response = self.execute(request.build()?).await?;
        if response.status().is_success() {
            let token: TokenResponse = self.decode(response).await?;
            return Ok(DevicePoll::Approved(Secret::new(token.access_token)));
        }
        let status = response.status();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // A busy platform (its database locked for a moment) ends no sign-in: poll again.
            return Ok(DevicePoll::Pending);
        }
        let oauth = self.oauth_error(response).await?;
        Ok(match oauth.error.as_str() {
            "authorization_pending" => DevicePoll::Pending,
            "slow_down" => DevicePoll::SlowDown(oauth.interval),
            "expired_token" => DevicePoll::Expired,
            "access_denied" => DevicePoll::Denied,
            _ => return Err(oauth_refusal(status, oauth).into()),
        })
    }

    /// The RFC 6749 error a sign-in route answered with; any other failure (a proxy's, say) as
    /// every other request reports it.
    async fn oauth_error(&self, response: Response) -> Result<OAuthError, CliError> {
        let status = response.status();
        let text = error_text(response).await;
        serde_json::from_str(&text).map_err(|_| self.status_error(status, &text))
    }

    fn request(&self, method: Method, path: &str) -> anyhow::Result<RequestBuilder> {
        // Relative joins keep a path in the platform URL (a proxy serving the API under a prefix).
        let url = self.base.join(path.trim_start_matches('/'))?;
        let mut request = self.http.request(method, url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        Ok(request)
    }

    async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> anyhow::Result<T> {
        let response = self.send(request).await?;
        self.decode(response).await
    }

    /// [`ApiClient::json`] for a change that must not be made twice, unless Ctrl-C or SIGTERM (a
    /// cancelled CI job) comes first: then the wait ends in an error that says the request may
    /// have arrived, for the caller to say what to check, where the signal would have ended the
    /// process without a word.
    async fn json_unless_interrupted<T: DeserializeOwned>(&self, request: RequestBuilder) -> anyhow::Result<T> {
        let interrupted = signals::Caught::new();
        let answer = self.json(request);
        tokio::pin!(answer);
        loop {
            tokio::select! {
                // An answer that is there wins over a signal: a new key's secret is not dropped.
                biased;
                answer = &mut answer => return answer,
                () = tokio::time::sleep(Duration::from_millis(50)) => {
                    if !interrupted.arrived() {
                        continue;
                    }
                    // A moment more for an answer on its way, rather than a key to find and revoke.
                    if let Ok(answer) = tokio::time::timeout(Duration::from_millis(500), &mut answer).await {
                        return answer;
                    }
                    return Err(CliError::failure("interrupted before the platform answered").may_have_arrived(true).into());
                }
            }
        }
    }

    /// The JSON body of a successful answer; one that is not JSON, is larger than any answer of
    /// the platform, or breaks off, says so.
    async fn decode<T: DeserializeOwned>(&self, response: Response) -> anyhow::Result<T> {
        let url = response.url().clone();
        let body = match read_body(response).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                // A success all the same: a key was made, its secret unread.
                let too_large = CliError::failure(format!(
                    "the answer from {url} is larger than {} MiB, more than keystroke reads",
                    MOST_ANSWER_BYTES >> 20
                ))
                .may_have_arrived(true);
                let hint = format!(
                    "check `--platform-url` (or `{}`): the platform's answers are far smaller (a page of keys is a few \
                     hundred kB)",
                    env::PLATFORM_URL
                );
                return Err(too_large.with_hint(hint).into());
            }
            Err(BodyError::BrokeOff(err)) => {
                // The answer began and broke off (a timeout, a closed connection): the request arrived.
                let why = if err.is_timeout() {
                    format!("its answer did not finish {}", self.within_the_timeout())
                } else {
                    format!("its answer broke off ({})", root_cause(&err))
                };
                return Err(self.unreachable(&why).with_hint(check_url_hint()).may_have_arrived(true).into());
            }
        };
        serde_json::from_slice(&body).map_err(|err| {
            // A success whose answer is lost: a key was made all the same, its secret unread.
            let failure = CliError::failure(format!(
                "the platform sent an answer keystroke does not understand from {url}: {err}"
            ))
            .may_have_arrived(true);
            // JSON of another shape (a role this version does not know, a field it lacks) is what
            // a platform of another version sends; what is not JSON at all, a server that is no
            // platform.
            let hint = if err.is_data() {
                format!(
                    "the platform's version may not match this keystroke's ({}): update keystroke, or the \
                     platform; or {}",
                    env!("CARGO_PKG_VERSION"),
                    not_a_platform_hint()
                )
            } else {
                not_a_platform_hint()
            };
            failure.with_hint(hint).into()
        })
    }

    /// Sends and turns every non-success status into a [`CliError`].
    async fn send(&self, request: RequestBuilder) -> anyhow::Result<Response> {
        let response = self.execute(request.build()?).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = error_text(response).await;
        Err(self.status_error(status, &text).into())
    }

    async fn execute(&self, request: Request) -> anyhow::Result<Response> {
        let description = format!("{} {}", request.method(), request.url());
        let started = Instant::now();
        let result = self.http.execute(request).await;
        match result {
            Ok(response) => {
                self.printer.debug(&format!(
                    "{description} -> {} ({} ms)",
                    response.status(),
                    started.elapsed().as_millis()
                ));
                if response.status().is_redirection() {
                    return Err(self.redirected(&response).into());
                }
                Ok(response)
            }
            Err(err) => {
                self.printer.debug(&format!("{description} -> {err}"));
                // Past connecting (and TLS), the request may have gone out before the failure.
                let gone_out = !err.is_connect() && tls_failure(&err).is_none();
                Err(self.transport_error(&err).may_have_arrived(gone_out).into())
            }
        }
    }

    /// A redirect, named with where it points; when it keeps the request's path (as one from
    /// http to https does), the hint gives the platform URL to use instead.
    fn redirected(&self, response: &Response) -> CliError {
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
        let failure = CliError::failure(format!("the platform at {} redirects to {location}", self.base_display()));
        // The new platform URL is what, joined with the request's own path and query, gives the
        // new address: a bare text match would cut `https://h/xapi/me` to `https://h/x`.
        let added_by_the_request = requested.as_str().strip_prefix(self.base.as_str());
        let moved_to = added_by_the_request.and_then(|tail| {
            let platform = Url::parse(location.as_str().strip_suffix(tail)?).ok()?;
            let whole = platform.path().ends_with('/') && platform.query().is_none() && platform.fragment().is_none();
            (whole && platform.join(tail).ok()? == location).then_some(platform)
        });
        match moved_to {
            Some(platform) => failure.with_hint(format!(
                "use `--platform-url {}` (keystroke does not follow redirects, which would drop the token)",
                platform.as_str().trim_end_matches('/')
            )),
            None => failure.with_hint(format!(
                "point `--platform-url` (or `{}`) at the platform itself, not at an address that sends elsewhere",
                env::PLATFORM_URL
            )),
        }
    }

    /// "within 30 s (`KEYSTROKE_HTTP_TIMEOUT`)": the limit a request ran into, and how to change it.
    fn within_the_timeout(&self) -> String {
        format!("within {} s (`{}`)", self.timeout.as_secs_f64(), env::HTTP_TIMEOUT)
    }

    /// Exit 6, naming the platform and why it could not be reached.
    fn unreachable(&self, why: &str) -> CliError {
        CliError::new(ExitCode::Unreachable, format!("the platform at {} is unreachable: {why}", self.base_display()))
    }

    fn transport_error(&self, err: &reqwest::Error) -> CliError {
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
                .with_hint(
                    "check the URL; if the platform's certificate comes from a private authority, add that authority \
                     to this system's trusted certificates (or point `SSL_CERT_FILE` at it), and never work around \
                     this on an untrusted network",
                );
            }
            Some(tls) => {
                return self.unreachable(&format!("the TLS handshake failed ({tls})")).with_hint(check_url_hint());
            }
            None => {}
        }
        let why = if err.is_timeout() && err.is_connect() {
            format!("could not connect within {} s", CONNECT_TIMEOUT.as_secs())
        } else if err.is_timeout() {
            format!("it did not answer {}", self.within_the_timeout())
        } else if err.is_connect() {
            "could not connect".to_string()
        } else {
            root_cause(err)
        };
        self.unreachable(&why).with_hint(check_url_hint())
    }

    fn status_error(&self, status: StatusCode, body: &str) -> CliError {
        let Ok(body) = serde_json::from_str::<ErrorBody>(body) else {
            return self.status_without_keystroke_body(status);
        };
        // Earlier platforms answered unknown routes with "not_found" and this message.
        if body.error.code == keystroke_api::NO_SUCH_ENDPOINT || body.error.message.starts_with("no such endpoint") {
            let failure = CliError::failure(format!("the platform at {} has no such endpoint", self.base_display()));
            // The platform serves at the root of its host: a path in the URL that reached it is
            // the likelier cause than its age.
            return match self.base.path() {
                "/" => {
                    failure.with_hint("the platform may be older than this CLI: upgrade it, or check `--platform-url`")
                }
                path => failure.with_hint(format!(
                    "the platform answers at the root of its host, not under `{}` (unless a proxy serves it there): \
                     try `--platform-url {}`; or the platform is older than this CLI",
                    path.trim_end_matches('/'),
                    self.base.origin().ascii_serialization()
                )),
            };
        }
        let mut error = error_for_status(status, &body.error.message, &self.base_display(), self.token_from_env);
        error.api_code = Some(body.error.code);
        error
    }

    /// A status from a server that sent no Keystroke error: most likely not the platform itself.
    fn status_without_keystroke_body(&self, status: StatusCode) -> CliError {
        let url = self.base_display();
        match status {
            // A route missing: not "no such org or key" (exit 5 would send a script looking for one).
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => CliError::failure(format!(
                "the server at {url} has no such endpoint ({status}, without a Keystroke error)"
            ))
            .with_hint(not_a_platform_hint()),
            // A refusal of credentials keeps its meaning (exit 3 or 4) whoever says it, a proxy included.
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                let reason = status.canonical_reason().unwrap_or("unexpected answer").to_lowercase();
                error_for_status(status, &reason, &url, self.token_from_env)
            }
            // A proxy's word that the platform behind it is down: unreachable (exit 6), as if it were down.
            StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
                // A proxy that gave up waiting, or lost the connection, may have passed the
                // request on first: a key may have been made all the same.
                self.unreachable(&format!("{status} from the server in front of it"))
                    .with_hint(check_url_hint())
                    .may_have_arrived(status != StatusCode::SERVICE_UNAVAILABLE)
            }
            _ => CliError::failure(format!("the server at {url} answered {status} without a Keystroke error"))
                .with_hint(not_a_platform_hint()),
        }
    }

    fn base_display(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }
}

/// For a change that must not be made twice (a key, a deploy): a failure after the request may
/// have reached the platform says so, and how to find out, instead of a bare "unreachable" that
/// invites a retry.
fn may_have_been_done(err: anyhow::Error, consequence: &str, hint: impl FnOnce() -> String) -> anyhow::Error {
    map_cli_error(err, |err| {
        if !err.request_may_have_arrived {
            return err;
        }
        let message = format!("{}; {consequence}", err.message);
        CliError { message, ..err }.with_hint(hint())
    })
}

fn check_url_hint() -> String {
    format!("check that the platform is running and that `--platform-url` (or `{}`) points at it", env::PLATFORM_URL)
}

const ORG_HINT: &str = "`keystroke org list` shows your orgs";
/// A key is looked up in an org: either may be what was not found.
const KEY_HINT: &str =
    "`keystroke api-key list` shows the keys you can see (and their ids), `keystroke org list` your orgs";

/// For a request's `map_err`: a "not found" (exit 5) gets `hint`, which says where to look for
/// what that request asked for. The platform's message already names what is missing.
fn when_not_found(hint: &'static str) -> impl FnOnce(anyhow::Error) -> anyhow::Error {
    move |err| map_cli_error(err, |err| if err.exit == ExitCode::NotFound { err.with_hint(hint) } else { err })
}

/// Answers of the platform are small (a page of keys a few hundred kB, an org's members a few
/// MB): a server that sends more is not the platform, and must not fill the memory.
const MOST_ANSWER_BYTES: usize = 32 << 20;

enum BodyError {
    TooLarge,
    BrokeOff(reqwest::Error),
}

/// The answer's body, up to [`MOST_ANSWER_BYTES`].
async fn read_body(mut response: Response) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|length| length > MOST_ANSWER_BYTES as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::BrokeOff)? {
        if body.len() + chunk.len() > MOST_ANSWER_BYTES {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The text of a refusal, for its message: empty when it cannot be read or is too large.
async fn error_text(response: Response) -> String {
    read_body(response).await.map(|body| String::from_utf8_lossy(&body).into_owned()).unwrap_or_default()
}

/// An error of the sign-in routes (`/oauth/…`), in RFC 6749's shape: only those routes answer
/// so, and elsewhere `{"error": "…"}` is some proxy's or framework's.
fn oauth_refusal(status: StatusCode, oauth: OAuthError) -> CliError {
    let hint = match status {
        StatusCode::TOO_MANY_REQUESTS => "wait, then run `keystroke auth login` again",
        StatusCode::SERVICE_UNAVAILABLE => "wait a moment, then run `keystroke auth login` again",
        _ => "run `keystroke auth login` again",
    };
    let detail = oauth.error_description.as_deref().unwrap_or(&oauth.error);
    let mut refusal = CliError::failure(format!("the platform refused the sign-in: {detail}")).with_hint(hint);
    refusal.api_code = Some(oauth.error);
    refusal
}

fn not_a_platform_hint() -> String {
    format!("check that `--platform-url` (or `{}`) points at a Keystroke platform", env::PLATFORM_URL)
}

/// The exit code and hint of a failed request, with the platform's own message.
fn error_for_status(status: StatusCode, message: &str, url: &str, token_from_env: bool) -> CliError {
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
        StatusCode::UNAUTHORIZED => CliError::new(ExitCode::NotSignedIn, refused_session()).with_hint(SIGN_IN_HINT),
        StatusCode::FORBIDDEN => CliError::new(ExitCode::Forbidden, format!("forbidden: {message}"))
            .with_hint("ask an owner or admin of the org for access"),
        // The platform's message names what is missing ("org `x` not found").
        StatusCode::NOT_FOUND => CliError::new(ExitCode::NotFound, message.to_string()),
        status if status.is_client_error() => CliError::failure(format!("the platform refused the request: {message}")),
        status => CliError::failure(format!("the platform failed ({status}): {message}")),
    }
}

/// This machine's host name, if it has a readable one.
fn host_name() -> Option<String> {
    #[cfg(unix)]
    {
        let mut buffer = [0u8; 256];
        // SAFETY: the buffer is writable for its whole length, which is what is passed.
        let result = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
        let end = buffer.iter().position(|&b| b == 0)?;
        let name = std::str::from_utf8(&buffer[..end]).ok()?.trim();
        (result == 0 && !name.is_empty()).then(|| name.to_owned())
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").ok()
    }
}

/// The TLS error behind a failed request, if that is what it was (say, `https://` to a server
/// that speaks plain HTTP, or an untrusted certificate). It hides inside nested `io::Error`s,
/// whose `source` skips it.
fn tls_failure<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
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
fn certificate_problem(tls: &rustls::Error) -> String {
    use rustls::CertificateError as Problem;
    let rustls::Error::InvalidCertificate(problem) = tls else {
        return "it presented no certificate".to_string();
    };
    match problem {
        Problem::UnknownIssuer => "its certificate is not issued by an authority this system trusts".to_string(),
        Problem::NotValidForName | Problem::NotValidForNameContext { .. } => {
            "its certificate is not valid for this host name".to_string()
        }
        Problem::Expired | Problem::ExpiredContext { .. } => "its certificate has expired".to_string(),
        Problem::NotValidYet | Problem::NotValidYetContext { .. } => {
            "its certificate is not valid yet (check this machine's clock)".to_string()
        }
        Problem::Revoked => "its certificate has been revoked".to_string(),
        other => format!("its certificate was refused ({other:?})"),
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
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
        assert_eq!(hint_of(when_not_found(ORG_HINT)(not_found)).as_deref(), Some(ORG_HINT));
        let forbidden = CliError::new(ExitCode::Forbidden, "no").with_hint("ask an owner").into();
        assert_eq!(hint_of(when_not_found(ORG_HINT)(forbidden)).as_deref(), Some("ask an owner"));
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
            assert_eq!(error_for_status(status, "why", url, false).exit, exit, "{status}");
            assert_eq!(error_for_status(status, "why", url, true).exit, exit, "{status}");
        }
        let refused = error_for_status(StatusCode::UNAUTHORIZED, keystroke_api::INVALID_CREDENTIAL_MESSAGE, url, false);
        assert_eq!(
            refused.message,
            "not signed in to http://127.0.0.1:1: the session token is invalid, expired or revoked"
        );
        let unauthorized = error_for_status(StatusCode::UNAUTHORIZED, "session expired", url, false);
        assert_eq!(unauthorized.message, "not signed in to http://127.0.0.1:1: session expired");
        assert_eq!(unauthorized.hint.as_deref(), Some(SIGN_IN_HINT));
    }

    #[test]
    fn a_refused_keystroke_token_is_to_be_unset_or_replaced_not_signed_in_over() {
        let err = error_for_status(StatusCode::UNAUTHORIZED, "session expired", "http://127.0.0.1:1", true);
        let hint = err.hint.unwrap();
        assert!(hint.contains("unset `KEYSTROKE_TOKEN` or replace it"), "{hint}");
    }

    #[test]
    fn a_refusal_for_the_role_asks_an_owner_or_admin() {
        let role = error_for_status(StatusCode::FORBIDDEN, "needs the admin role", "http://127.0.0.1:1", false);
        assert_eq!(role.exit, ExitCode::Forbidden);
        assert_eq!(role.message, "forbidden: needs the admin role");
        assert_eq!(role.hint.as_deref(), Some("ask an owner or admin of the org for access"));
    }
}
