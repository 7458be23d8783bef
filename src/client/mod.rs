//! The one client of the platform API. How its failures become messages and exit codes is in
//! [`failures`].

mod failures;

use std::time::{Duration, Instant};

use keystroke_api::{
    ApiKey, CLI_CLIENT_ID, CreateApiKey, CreatedApiKey, DEVICE_CODE_GRANT_TYPE, DeviceAuthorization, HookAccepted, Me,
    Member, OAuthError, ORG_HEADER, Page, PageQuery, Session, TokenResponse, routes,
};
use reqwest::{Method, Request, RequestBuilder, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::context::PlatformUrl;
use crate::env;
use crate::error::CliError;
use crate::printer::Printer;
use crate::secret::Secret;
use crate::signals;
pub use failures::org_hint;
use failures::{
    key_hint, may_have_been_done, not_a_platform_hint, oauth_refusal, retry_after, root_cause, tls_failure,
    trust_store_error, when_not_found,
};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
pub struct ApiClient {
    /// The platform, and where the command took it from (for hints that send the user back to it:
    /// [`PlatformUrl::flag_for_hints`]).
    platform: PlatformUrl,
    http: reqwest::Client,
    token: Option<Secret<String>>,
    /// The token is `KEYSTROKE_TOKEN`'s, which wins over any sign-in: hints must say so.
    token_from_env: bool,
    /// How long a whole request may take, named when one takes longer.
    timeout: Duration,
    printer: Printer,
    /// The hint of an org not found, when the org came from elsewhere than `--org`: see
    /// [`ApiClient::org_came_from`].
    org_hint: std::sync::OnceLock<String>,
    /// The platform's clock: the `Date` of its latest answer, and when that came.
    platform_clock: std::sync::Mutex<Option<(OffsetDateTime, Instant)>>,
    /// Whose session the stored token should be ([`ApiClient::expecting_session`]), said once
    /// when the platform names another (`SESSION_HEADER`).
    expected_session: Option<ExpectedSession>,
    said_another_session: std::sync::atomic::AtomicBool,
}

/// The session a stored token should act through: this config directory's.
pub enum ExpectedSession {
    /// The one its sign-in recorded, whose token is in the store read.
    Recorded { platform: String, own: String },
    /// The one its sign-in recorded, whose token is in another store (`recorded`, in words) than
    /// the one `KEYSTROKE_CREDENTIAL_STORE` forced.
    Forced { platform: String, own: String, recorded: String },
    /// None: no sign-in to the platform is recorded here (`config.json` deleted, or none made).
    NoneRecorded { platform: String },
}

/// One answer of the RFC 8628 token endpoint while the user has not finished in the browser.
pub enum DevicePoll {
    Approved(Secret<String>),
    Pending,
    SlowDown(Option<u64>),
    Expired,
    Denied,
}

/// The HTTP client for a platform at `base`, bounding each whole request by `timeout` (see
/// [`env::request_timeout`]). Built once per command ([`crate::context::Context`] keeps it): for
/// an https platform, building one loads and parses the system's whole trust store.
pub fn http_client(base: &Url, timeout: Duration) -> anyhow::Result<reqwest::Client> {
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
    if on_this_machine(base) {
        // A proxy named in the environment (`HTTP_PROXY`, set for a company's network) cannot
        // reach this machine's platform: as Go's clients (gh among them) and browsers do,
        // loopback is never proxied, with or without `NO_PROXY`.
        builder = builder.no_proxy();
    }
    if base.scheme() == "http" {
        // A plaintext platform (the local dev platform, a loopback proxy) needs no trust
        // roots. Without this, building the client loads and parses the system's whole CA
        // bundle (~300 files on Debian), which was a third of `api-key list` (scripts/bench).
        // A redirect to https then fails verification; it would drop the token anyway.
        builder = builder.tls_certs_only(std::iter::empty());
    }
    builder.build().map_err(|err| trust_store_error(&err).into())
}

impl ApiClient {
    /// Requests to `base` with `token`, on `http` ([`http_client`], which clients of one command
    /// share); `timeout` is the one `http` bounds each whole request with, named when one takes
    /// longer.
    pub fn new(
        platform: &PlatformUrl,
        token: Option<Secret<String>>,
        timeout: Duration,
        printer: Printer,
        http: reqwest::Client,
    ) -> Self {
        Self {
            platform: platform.clone(),
            http,
            token,
            token_from_env: false,
            timeout,
            printer,
            org_hint: std::sync::OnceLock::new(),
            expected_session: None,
            said_another_session: std::sync::atomic::AtomicBool::new(false),
            platform_clock: std::sync::Mutex::new(None),
        }
    }

    /// Marks the token as `KEYSTROKE_TOKEN`'s, so that a refusal says to unset or replace it
    /// rather than to sign in again, which would not help while the variable wins.
    pub fn with_token_from_env(mut self, from_env: bool) -> Self {
        self.token_from_env = from_env;
        self
    }

    /// A keyring entry is one per platform, shared by every config directory: another one's
    /// sign-in may have replaced the token this directory's stored, and commands here then act as
    /// that sign-in's user. The platform names the session of each request; one that is not
    /// `expected` is said once, before the command's output.
    pub fn expecting_session(mut self, expected: Option<ExpectedSession>) -> Self {
        self.expected_session = expected;
        self
    }

    /// For a command that says whose the token is itself (`auth status`).
    pub fn without_session_check(&mut self) {
        self.expected_session = None;
    }

    /// The platform named `acted` as the session of an answer: said once when it is not this
    /// directory's.
    fn check_session(&self, acted: &str) {
        use std::sync::atomic::Ordering;
        let warning = match &self.expected_session {
            Some(ExpectedSession::Recorded { platform, own }) if own != acted => format!(
                "this command acts as another sign-in than this directory's: the token stored for {platform} is \
                 session {acted}'s, put there by a sign-in from another config directory that shares this keyring; \
                 this directory's own session, {own}, was replaced (`keystroke auth status` says whose this one is; \
                 `keystroke auth login` signs this directory in again)"
            ),
            Some(ExpectedSession::Forced { platform, own, recorded }) if own != acted => format!(
                "this command acts as another sign-in than this directory's: the token stored for {platform} in the \
                 store `{}` names is session {acted}'s; this directory's, {own}, has its token in {recorded}: unset \
                 `{}` to use it (`keystroke auth status` says whose this one is)",
                env::CREDENTIAL_STORE,
                env::CREDENTIAL_STORE
            ),
            Some(ExpectedSession::NoneRecorded { platform }) => format!(
                "no sign-in to {platform} is recorded in this config directory (its `config.json` deleted, or made \
                 from another config directory that shares this keyring): this command acts as the token's session, \
                 {acted} (`keystroke auth status` says whose)"
            ),
            _ => return,
        };
        if !self.said_another_session.swap(true, Ordering::Relaxed) {
            self.printer.warn(&warning);
        }
    }

    pub async fn me(&self) -> anyhow::Result<Me> {
        self.json(self.request(Method::GET, routes::ME)?).await
    }

    /// Revokes the session making the request.
    pub async fn logout(&self) -> anyhow::Result<()> {
        self.send(self.request(Method::POST, routes::LOGOUT)?).await?;
        Ok(())
    }

    /// Where the org of this command came from, when the user may not know it is in effect (a
    /// variable set long ago, an org saved before they left it): said in the hint of an "org not
    /// found", which `keystroke org list` alone would not explain. `hint` is given that command,
    /// sent to this platform, to name.
    pub fn org_came_from(&self, hint: impl FnOnce(&str) -> String) {
        let org_list = format!("`keystroke org list{}`", self.platform.flag_for_hints());
        let _ = self.org_hint.set(hint(&org_list));
    }

    /// Now by the platform's clock, as its latest answer gave it (to the second), moved on by the
    /// time since; `None` before any answer with a `Date`. Whether a key has expired is the
    /// platform's to say: this machine's clock may be off by hours.
    pub fn platform_now(&self) -> Option<OffsetDateTime> {
        let clock = *self.platform_clock.lock().unwrap_or_else(|e| e.into_inner());
        let (date, received) = clock?;
        date.checked_add(time::Duration::try_from(received.elapsed()).ok()?)
    }

    fn org_hint(&self) -> String {
        match self.org_hint.get() {
            Some(hint) => hint.clone(),
            None => org_hint(&self.platform.flag_for_hints()),
        }
    }

    /// A key is looked up in an org, either of which may be what was not found (the platform's
    /// message says which): an org not found gets the org's hint, where it came from included.
    fn key_not_found(&self) -> impl FnOnce(anyhow::Error) -> anyhow::Error + '_ {
        move |err| {
            let org_missing =
                err.downcast_ref::<CliError>().is_some_and(|err| keystroke_api::is_org_not_found(&err.message));
            when_not_found(&if org_missing { self.org_hint() } else { key_hint(&self.platform.flag_for_hints()) })(err)
        }
    }

    pub async fn list_api_keys(&self, org: &str, query: &PageQuery) -> anyhow::Result<Page<ApiKey>> {
        let request = self.request(Method::GET, &routes::api_keys(org))?.query(query);
        self.json(request).await.map_err(when_not_found(&self.org_hint()))
    }

    pub async fn list_members(&self, org: &str) -> anyhow::Result<Vec<Member>> {
        self.json(self.request(Method::GET, &routes::members(org))?).await.map_err(when_not_found(&self.org_hint()))
    }

    pub async fn create_api_key(&self, org: &str, body: &CreateApiKey) -> anyhow::Result<CreatedApiKey> {
        let request = self.request(Method::POST, &routes::api_keys(org))?.json(body);
        // The key may exist, and its secret is nowhere: it must be found and revoked.
        self.json_unless_interrupted(request).await.map_err(when_not_found(&self.org_hint())).map_err(|err| {
            may_have_been_done(err, "the key may have been created all the same", || {
                format!(
                    "`keystroke api-key list --org {org}{flag}` shows whether a key named {} was created; if so, \
                     revoke it (`keystroke api-key revoke ID --org {org}{flag} --yes`), since its secret never \
                     reached you, then create another",
                    crate::ids::quoted(&body.name),
                    flag = self.platform.flag_for_hints()
                )
            })
        })
    }

    /// An unrevoked key of the org (expired or not) that the caller may see.
    pub async fn api_key(&self, org: &str, id: &str) -> anyhow::Result<ApiKey> {
        self.json(self.request(Method::GET, &routes::api_key(org, id))?).await.map_err(self.key_not_found())
    }

    pub async fn revoke_api_key(&self, org: &str, id: &str) -> anyhow::Result<ApiKey> {
        let request = self.request(Method::DELETE, &routes::api_key(org, id))?;
        // Revoked, a key is not found again: a retry after a lost answer would say "not found"
        // of a key that is gone as asked, and a script would take that for a failure.
        self.json_unless_interrupted(request).await.map_err(self.key_not_found()).map_err(|err| {
            may_have_been_done(err, "the key may have been revoked all the same", || {
                format!(
                    "`keystroke api-key list --org {org}{}` shows whether {id} is still there; a key revoked is not \
                     listed, and revoking it again says it is not found",
                    self.platform.flag_for_hints()
                )
            })
        })
    }

    /// The signed-in user's active sessions, of every client.
    pub async fn list_sessions(&self) -> anyhow::Result<Vec<Session>> {
        self.json(self.request(Method::GET, routes::SESSIONS)?).await
    }

    /// The revoked session, with when; `None` from platforms that answered `204` without it.
    pub async fn revoke_session(&self, id: &str) -> anyhow::Result<Option<Session>> {
        let request = self.request(Method::DELETE, &routes::session(id))?;
        let response = unless_interrupted(self.send(request))
            .await
            .map_err(when_not_found("`keystroke session list` shows your active sessions"))
            .map_err(|err| {
                may_have_been_done(err, "the session may have been revoked all the same", || {
                    format!(
                        "`keystroke session list` shows whether {id} is still active; a session revoked is not \
                         listed, and revoking it again says it is not found"
                    )
                })
            })?;
        if response.status() == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        // Revoked either way: an answer that does not read is no reason to say otherwise.
        Ok(self.decode(response).await.ok())
    }

    /// Triggers the org's deploy. The hook route takes the org of a user session from a header.
    pub async fn trigger_deploy(&self, org: &str) -> anyhow::Result<HookAccepted> {
        let request = self.request(Method::POST, routes::DEPLOY_HOOK)?.header(ORG_HEADER, org);
        self.json_unless_interrupted(request).await.map_err(when_not_found(&self.org_hint())).map_err(|err| {
            may_have_been_done(err, "the deploy may have been triggered all the same", || {
                "find out whether it started (whoever runs the platform sees each deploy in `keystroke-platform \
                 audit list`) before you run `keystroke deploy` again, which would trigger another"
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
        let retry_after = retry_after(response.headers());
        let text = error_text(response).await;
        serde_json::from_str(&text).map_err(|_| self.status_error(status, &text, retry_after))
    }

    fn request(&self, method: Method, path: &str) -> anyhow::Result<RequestBuilder> {
        // Relative joins keep a path in the platform URL (a proxy serving the API under a prefix).
        let url = self.platform.url.join(path.trim_start_matches('/'))?;
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

    /// [`ApiClient::json`] for a change that must not be made twice ([`unless_interrupted`]).
    async fn json_unless_interrupted<T: DeserializeOwned>(&self, request: RequestBuilder) -> anyhow::Result<T> {
        unless_interrupted(self.json(request)).await
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
                return Err(self.unreachable(&why).with_hint(self.check_url_hint()).may_have_arrived(true).into());
            }
        };
        serde_json::from_slice(&body).map_err(|err| {
            // A success whose answer is lost: a key was made all the same, its secret unread.
            let what = match err.classify() {
                _ if body.is_empty() => "was empty, where a Keystroke platform always answers in JSON".to_owned(),
                serde_json::error::Category::Data => format!("is not what this keystroke knows: {err}"),
                serde_json::error::Category::Eof => format!("broke off in the middle of its JSON ({err})"),
                _ => "is not JSON (a web page, say), which a Keystroke platform always answers".to_owned(),
            };
            let failure = CliError::failure(format!("the answer from {url} {what}")).may_have_arrived(true);
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
        let retry_after = retry_after(response.headers());
        let text = error_text(response).await;
        Err(self.status_error(status, &text, retry_after).into())
    }

    async fn execute(&self, request: Request) -> anyhow::Result<Response> {
        let description = format!("{} {}", request.method(), request.url());
        let started = Instant::now();
        let result = self.http.execute(request).await;
        match result {
            Ok(response) => {
                self.printer.debug(&format!(
                    // The body is read after: a stall there shows as the command's timeout.
                    "{description} -> {} (headers after {} ms)",
                    response.status(),
                    started.elapsed().as_millis()
                ));
                if response.status().is_redirection() {
                    return Err(self.redirected(&response).into());
                }
                if let Some(date) = response.headers().get(reqwest::header::DATE).and_then(http_date) {
                    *self.platform_clock.lock().unwrap_or_else(|e| e.into_inner()) = Some((date, Instant::now()));
                }
                // Only an answer the session was accepted for: a refusal (401) names it too.
                let accepted = response.status().is_success();
                let acted = response.headers().get(keystroke_api::SESSION_HEADER).filter(|_| accepted);
                let acted = acted.and_then(|value| value.to_str().ok());
                if let Some(acted) =
                    acted.filter(|id| keystroke_api::is_public_id(id, keystroke_api::SESSION_ID_PREFIX))
                {
                    self.check_session(acted);
                }
                Ok(response)
            }
            Err(err) => {
                // reqwest's own words name the request, not what failed: the innermost cause does.
                let cause = root_cause(&err);
                let elapsed = started.elapsed().as_millis();
                self.printer.debug(&format!("{description} -> failed after {elapsed} ms: {err}: {cause}"));
                // Past connecting (and TLS), the request may have gone out before the failure.
                let tls = tls_failure(&err).is_some();
                let gone_out = !err.is_connect() && !tls;
                let no_connection = err.is_connect() && !tls;
                Err(self.transport_error(&err).may_have_arrived(gone_out).no_connection(no_connection).into())
            }
        }
    }

    fn base_display(&self) -> String {
        self.platform.url.as_str().trim_end_matches('/').to_string()
    }
}

/// An HTTP date, a `Date`'s or a `Retry-After`'s (`Sat, 28 Nov 2026 18:13:50 GMT`, RFC 9110's
/// preferred form, which RFC 2822 reads), in UTC; `None` past what a date in UTC can hold.
fn http_date(value: &reqwest::header::HeaderValue) -> Option<OffsetDateTime> {
    let text = value.to_str().ok()?.trim();
    let date = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc2822).ok()?;
    date.checked_to_offset(time::UtcOffset::UTC)
}

/// Whether the platform at `base` is on this machine (loopback, `localhost`).
fn on_this_machine(base: &Url) -> bool {
    base.host_str().is_some_and(keystroke_api::is_this_machine)
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
        std::env::var(crate::env::COMPUTERNAME).ok()
    }
}

/// `work` (a request that changes something, which must not be made twice), unless Ctrl-C or
/// SIGTERM (a cancelled CI job) comes first: then the wait ends in an error that says the request
/// may have arrived, for the caller to say what to check, where the signal would have ended the
/// process without a word.
async fn unless_interrupted<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    let interrupted = signals::Caught::new();
    tokio::pin!(work);
    // An answer that is there wins over a signal: a new key's secret is not dropped.
    if let Some(answer) = interrupted.unless_arrived(&mut work).await {
        return answer;
    }
    // A moment more for an answer on its way, rather than a key to find and revoke.
    if let Ok(answer) = tokio::time::timeout(Duration::from_millis(500), &mut work).await {
        return answer;
    }
    Err(CliError::failure("interrupted before the platform answered").may_have_arrived(true).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_http_date_reads_as_the_platforms_clock() {
        let date = |text: &str| http_date(&reqwest::header::HeaderValue::from_str(text).unwrap());
        assert_eq!(date("Sat, 28 Nov 2026 18:13:50 GMT"), Some(time::macros::datetime!(2026-11-28 18:13:50 UTC)));
        assert_eq!(date("Sun, 01 Jan 2040 00:00:00 GMT"), Some(time::macros::datetime!(2040-01-01 00:00:00 UTC)));
        assert_eq!(date("yesterday"), None);
        // Past what a date in UTC can hold: none, rather than a panic where it is used.
        assert_eq!(date("Fri, 31 Dec 9999 23:00:00 -1200"), None);
    }
}
