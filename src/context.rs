//! What commands share: parsed global flags, the printer, and lazily the config, the credential
//! stores and the API client, so that `--help`, `--version` and `completion` stay cheap.

use std::path::PathBuf;

use keystroke_api::{Membership, TokenShape, token_shape};
use reqwest::Url;

use crate::cli::GlobalArgs;
use crate::client::ApiClient;
use crate::config::{self, Config};
use crate::credentials::{Credentials, HiddenSignIn, TokenSource};
use crate::error::{CliError, ExitCode, SIGN_IN_HINT, map_cli_error};
use crate::printer::Printer;
use crate::private_files;
use crate::secret::Secret;
use crate::{env, ids};

/// Used when neither `--platform-url`, `KEYSTROKE_PLATFORM_URL` nor a previous sign-in names a
/// platform: where `keystroke-platform dev` listens by default.
pub const DEFAULT_PLATFORM_URL: &str = "http://127.0.0.1:8080";

pub struct Context {
    pub global: GlobalArgs,
    pub printer: Printer,
}

/// A platform URL in one canonical spelling (no trailing slash), which keys the config and the
/// credential store entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformUrl {
    pub url: Url,
    pub key: String,
}

/// The sign-in a command would use, read without the network: [`Context::token`].
pub struct StoredToken {
    pub config: Config,
    pub platform: PlatformUrl,
    pub source: TokenSource,
    pub token: Secret<String>,
}

/// What a command that needs a signed-in user works with.
pub struct SignedIn {
    pub platform: PlatformUrl,
    pub config: Config,
    pub source: TokenSource,
    pub client: ApiClient,
}

impl SignedIn {
    /// The org commands act on without `--org`: the saved active org, else the user's only org.
    /// What `auth status` and `org list` show as active.
    pub fn default_org<'a>(&'a self, memberships: &'a [Membership]) -> Option<&'a str> {
        match (self.config.active_org(&self.platform.key), memberships) {
            (Some(saved), _) => Some(saved),
            (None, [only]) => Some(&only.org.slug),
            (None, _) => None,
        }
    }
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        let printer = Printer::new(&global);
        Self { global, printer }
    }

    pub fn config_dir(&self) -> anyhow::Result<PathBuf> {
        config::config_dir()
    }

    pub fn load_config(&self) -> anyhow::Result<Config> {
        config::load(&self.config_dir()?)
    }

    /// Changes the saved config: see [`config::update`].
    pub fn update_config<T>(&self, change: impl FnOnce(&mut Config) -> T) -> anyhow::Result<T> {
        config::update(&self.config_dir()?, change)
    }

    /// Holds the config directory's lock across several changes (a sign-in's token and config):
    /// see [`private_files::lock`].
    pub fn lock_config_dir(&self) -> anyhow::Result<private_files::DirLock> {
        private_files::lock(&self.config_dir()?)
    }

    pub fn credentials(&self) -> anyhow::Result<Credentials> {
        Credentials::from_env(self.config_dir()?)
    }

    /// `--platform-url` / `KEYSTROKE_PLATFORM_URL`, else the platform last signed in to, else
    /// [`DEFAULT_PLATFORM_URL`].
    pub fn platform_url(&self, config: &Config) -> anyhow::Result<PlatformUrl> {
        if let Some(given) = self.global.platform_url.as_deref() {
            return parse_platform_url(given).map_err(|err| match self.global.platform_url_from_env {
                true => map_cli_error(err, |err| {
                    CliError::usage(format!("{} (from `{}`)", err.message, env::PLATFORM_URL)).with_hint(format!(
                        "fix or unset `{}`, or pass `--platform-url` like `https://keystroke.example.com`",
                        env::PLATFORM_URL
                    ))
                }),
                false => err,
            });
        }
        let Some(saved) = config.platform_url.as_deref() else {
            return parse_platform_url(DEFAULT_PLATFORM_URL);
        };
        // A hand-edited config file: say where the URL came from.
        parse_platform_url(saved).map_err(|err| {
            map_cli_error(err, |err| {
                let file = self.config_dir().map(|dir| dir.join(config::FILE_NAME).display().to_string());
                let file = file.unwrap_or_else(|_| config::FILE_NAME.to_owned());
                CliError::usage(format!("{} (`platform_url` in {file})", err.message))
                    .with_hint("fix it there, or pass `--platform-url` like `https://keystroke.example.com`")
            })
        })
    }

    pub fn client(&self, platform: &PlatformUrl, token: Option<Secret<String>>) -> anyhow::Result<ApiClient> {
        ApiClient::new(platform.url.clone(), token, env::request_timeout()?, self.printer.clone())
    }

    /// The platform and its token: `KEYSTROKE_TOKEN` first, then the credential store; exit 3
    /// when there is none. Touches no network.
    pub fn token(&self) -> anyhow::Result<StoredToken> {
        let config = self.load_config()?;
        let platform = self.platform_url(&config)?;
        if let Some(token) = Credentials::env_token() {
            return match token_shape(token.expose()) {
                TokenShape::Session => Ok(StoredToken { config, platform, source: TokenSource::Env, token }),
                TokenShape::ApiKey => Err(api_key_in_env().into()),
                TokenShape::Other => Err(CliError::new(
                    ExitCode::NotSignedIn,
                    format!(
                        "`{}` does not hold a session token; session tokens look like `kss_…`, on one line",
                        env::TOKEN
                    ),
                )
                .with_hint("unset it, or set it to what `keystroke auth token` prints where you are signed in")
                .into()),
            };
        }
        let credentials = self.credentials()?;
        let signed_out = || not_signed_in_here(&credentials, &platform, &config);
        let kind = credentials.store_for_reading(&config, &platform.key)?.ok_or_else(signed_out)?;
        let token = credentials
            .get(kind, &platform.key)
            .map_err(|error| store_failed_beside_sign_in(error, &credentials, &platform, &config))?
            .ok_or_else(signed_out)?;
        if !keystroke_api::looks_like_session_token(token.expose()) {
            // Edited by hand, or written by something else: said so, never sent, never printed.
            return Err(CliError::new(
                ExitCode::NotSignedIn,
                format!(
                    "the token stored for {} in {} is damaged: it is not a session token",
                    platform.key,
                    credentials.location_in_sentence(kind)
                ),
            )
            .with_hint("sign in again with `keystroke auth login`, which replaces it")
            .into());
        }
        Ok(StoredToken { config, platform, source: TokenSource::Store(kind), token })
    }

    /// [`Context::token`] and a client that sends it.
    pub fn signed_in(&self) -> anyhow::Result<SignedIn> {
        // Before the token: a bad value is the error to fix, whether or not anyone is signed in.
        let timeout = env::request_timeout()?;
        let StoredToken { config, platform, source, token } = self.token()?;
        // A stored sign-in was warned about once, at `auth login`; a token from the environment
        // (a CI job's) never was.
        if let (TokenSource::Env, Some(host)) = (source, plain_http_off_this_machine(&platform.url)) {
            self.printer.warn(&format!(
                "`{}` is sent to {}, plain HTTP to {host}, another machine: the session token crosses the network \
                 unencrypted; use the platform's https:// URL",
                env::TOKEN,
                platform.key
            ));
        }
        let client = ApiClient::new(platform.url.clone(), Some(token), timeout, self.printer.clone())?
            .with_token_from_env(source == TokenSource::Env);
        Ok(SignedIn { platform, config, source, client })
    }

    /// `--org` / `KEYSTROKE_ORG`, checked as a slug (the error names the variable it came from).
    pub fn org_override(&self) -> Result<Option<&str>, CliError> {
        let Some(org) = &self.global.org else {
            return Ok(None);
        };
        ids::check_org_slug(org).map_err(|err| match self.global.org_from_env {
            true => CliError { message: format!("{} (from `{}`)", err.message, env::ORG), ..err },
            false => err,
        })?;
        Ok(Some(org))
    }

    /// The org of a command: `--org` / `KEYSTROKE_ORG`, the saved active org, else the user's
    /// only org.
    /// The slug given or saved is checked before it goes into any URL.
    pub async fn org(&self, signed_in: &SignedIn) -> anyhow::Result<String> {
        if let Some(org) = self.org_override()? {
            if self.global.org_from_env {
                signed_in.client.org_came_from(format!(
                    "the org comes from `{}`: fix or unset it (`keystroke org list` shows your orgs)",
                    env::ORG
                ));
            }
            return Ok(org.to_owned());
        }
        if let Some(org) = signed_in.config.active_org(&signed_in.platform.key) {
            ids::check_org_slug(org)?;
            signed_in.client.org_came_from(
                "it is the active org that `keystroke org switch` saved: switch to one of yours (`keystroke org \
                 list` shows them)"
                    .to_owned(),
            );
            return Ok(org.to_string());
        }
        let me = signed_in.client.me().await?;
        match me.memberships.as_slice() {
            [only] => Ok(only.org.slug.clone()),
            [] => Err(in_no_org(&me.user.email, &signed_in.platform).into()),
            _ => Err(CliError::usage("no active org: you belong to several orgs")
                .with_hint(format!(
                    "choose one with `keystroke org switch ORG`, or pass `--org ORG` (or set `{}`)",
                    env::ORG
                ))
                .into()),
        }
    }
}

/// The CLI acts as the person using it, never with an org's API key (those are for scripts
/// that call the platform directly), so an API key in `KEYSTROKE_TOKEN` is refused up front.
fn api_key_in_env() -> CliError {
    // Not a session, so not signed in (3), like a malformed value; 4 would say a role is missing.
    CliError::new(
        ExitCode::NotSignedIn,
        format!("`{}` holds an API key; the CLI acts as you, with a user session, never with an API key", env::TOKEN),
    )
    .with_hint(format!(
        "unset `{}` and run `keystroke auth login` (for a session token to put in it, `keystroke auth token` \
         prints one once it is unset)",
        env::TOKEN
    ))
}

/// The host of an `http://` platform URL that is not this machine (`localhost` or a loopback
/// address), which can read whatever crosses the network to it.
pub fn plain_http_off_this_machine(url: &reqwest::Url) -> Option<&str> {
    let host = url.host_str()?;
    (url.scheme() == "http" && !keystroke_api::is_this_machine(host)).then_some(host)
}

/// For a command that needs an org, when the user belongs to none yet.
pub fn in_no_org(email: &str, platform: &PlatformUrl) -> CliError {
    CliError::failure(format!("{email} is not a member of any org on {}", platform.key))
        .with_hint("ask whoever runs the platform to add you (`keystroke-platform member add`)")
}

/// The hint names the platform when `auth login` alone would sign in to another one (the one
/// saved, or the default): a platform given by `--platform-url` or moved to a new URL.
pub fn not_signed_in(platform: &PlatformUrl, config: &Config) -> CliError {
    let error = CliError::new(ExitCode::NotSignedIn, format!("not signed in to {}", platform.key));
    let login_goes_to = config.platform_url.as_deref().unwrap_or(DEFAULT_PLATFORM_URL);
    match login_goes_to.trim_end_matches('/') == platform.key {
        true => error.with_hint(SIGN_IN_HINT),
        false => error.with_hint(format!("run `keystroke auth login --platform-url {}` to sign in", platform.key)),
    }
}

/// [`not_signed_in`], unless the sign-in is only out of sight ([`hidden_sign_in_error`]), or its
/// token is gone ([`LostToken`]).
pub fn not_signed_in_here(credentials: &Credentials, platform: &PlatformUrl, config: &Config) -> CliError {
    if let Some(error) = hidden_sign_in_error(credentials, platform, config) {
        return error;
    }
    let error = not_signed_in(platform, config);
    match LostToken::of(credentials, platform, config) {
        Some(lost) => CliError {
            message: format!("{}: the token its sign-in stored in {} is not there", error.message, lost.location),
            hint: Some(format!("{}; {}", error.hint.unwrap_or_default(), lost.session_stays)),
            ..error
        },
        None => error,
    }
}

/// A sign-in the config still records whose token is not in its store: the kernel keyring's is
/// only in the login session that signed in, until that ends, and any store's may be cleared by
/// hand. Its session is not ended by that, and the config names it.
pub struct LostToken {
    /// Where the token was: "the kernel keyring (keyutils; the session's keyring, …)", say.
    pub location: String,
    /// What became of its session, and how to end it.
    pub session_stays: String,
}

impl LostToken {
    pub fn of(credentials: &Credentials, platform: &PlatformUrl, config: &Config) -> Option<LostToken> {
        let settings = config.platform(&platform.key)?;
        let store = settings.credential_store?;
        let session = settings.session_id.as_deref()?;
        let session = Some(session).filter(|id| keystroke_api::is_public_id(id, keystroke_api::SESSION_ID_PREFIX))?;
        // Not said to be valid for sure: it may have ended meanwhile, where it came from, say.
        let session_stays = match settings.session_from_token {
            true => format!("its session, {session}, came with `--with-token`: it stays where that token came from"),
            false => format!(
                "the session it was for, {session}, may still be valid (until it expires): once nothing uses it, \
                 `keystroke session revoke {session}` (signed in) ends it"
            ),
        };
        let location = credentials.location_in_sentence(store);
        // Only where it is not there: a store that cannot be read is another error.
        credentials.get(store, &platform.key).ok()?.is_none().then_some(LostToken { location, session_stays })
    }
}

/// The error of a sign-in that is only out of sight: in the store the config records, while
/// `KEYSTROKE_CREDENTIAL_STORE` makes commands read another (set for a whole CI job, say).
pub fn hidden_sign_in_error(credentials: &Credentials, platform: &PlatformUrl, config: &Config) -> Option<CliError> {
    let HiddenSignIn { forced, recorded } = credentials.hidden_sign_in(config, &platform.key)?;
    let message = format!(
        "not signed in to {} in the {} store that `{}` chooses; the sign-in is in {}",
        platform.key,
        forced.name(),
        env::CREDENTIAL_STORE,
        credentials.location_in_sentence(recorded)
    );
    Some(
        CliError::new(ExitCode::NotSignedIn, message)
            .with_hint(format!("unset `{}` to reach it", env::CREDENTIAL_STORE)),
    )
}

/// A store forced by `KEYSTROKE_CREDENTIAL_STORE` that failed (a locked or absent Secret
/// Service), while the sign-in is in another: its error, with the way to the sign-in as the hint
/// (the store's own hint would have the user fix a store they do not need).
pub fn store_failed_beside_sign_in(
    error: anyhow::Error,
    credentials: &Credentials,
    platform: &PlatformUrl,
    config: &Config,
) -> anyhow::Error {
    match (credentials.hidden_sign_in(config, &platform.key), error.downcast::<CliError>()) {
        (Some(HiddenSignIn { recorded, .. }), Ok(failed)) => failed
            .with_hint(format!(
                "the sign-in is in {}: unset `{}` to reach it",
                credentials.location_in_sentence(recorded),
                env::CREDENTIAL_STORE
            ))
            .into(),
        (_, Ok(failed)) => failed.into(),
        (_, Err(error)) => error,
    }
}

/// A platform's URL is a host and at most a short path; a longer one is a paste gone wrong.
const MAX_PLATFORM_URL_CHARS: usize = 2048;

fn parse_platform_url(raw: &str) -> anyhow::Result<PlatformUrl> {
    let hint = "pass `--platform-url` like `https://keystroke.example.com`";
    if keystroke_api::contains_secret(raw) {
        // It would be shown in every message that names the platform, and sent the token.
        return Err(CliError::usage("the platform URL holds an API key or session token; leave it out")
            .with_hint(hint)
            .into());
    }
    // Quoted back unless it may hold a password (`user:password@host`).
    let shown = if raw.contains('@') { "the URL".to_owned() } else { ids::quoted(raw) };
    let invalid = |why: &str| CliError::usage(format!("{shown} is not a platform URL: {why}")).with_hint(hint);
    let not_http = "expected an http:// or https:// URL";
    if !raw.contains("://") {
        // `keystroke.example.com` without a scheme: the parser's "relative URL without a base"
        // says nothing a user can act on.
        return Err(invalid(not_http).into());
    }
    let mut url = Url::parse(raw.trim()).map_err(|err| invalid(&err.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Such a URL would send its password with every request, in place of the session token;
        // and it is not repeated here.
        return Err(CliError::usage("the platform URL contains a user name or password; leave them out")
            .with_hint(hint)
            .into());
    }
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(not_http).into());
    }
    // Beyond these, no name resolves (and the HTTP stack refuses it, as if the platform were down),
    // and every message naming the platform would repeat it.
    if let Some(name) = url.domain()
        && (name.len() > 253 || name.split('.').any(|label| label.len() > 63))
    {
        return Err(invalid("its host name is longer than DNS allows (253 characters, 63 between dots)").into());
    }
    if url.as_str().len() > MAX_PLATFORM_URL_CHARS {
        return Err(invalid(&format!("it is longer than {MAX_PLATFORM_URL_CHARS} characters")).into());
    }
    url.set_query(None);
    url.set_fragment(None);
    let key = url.as_str().trim_end_matches('/').to_string();
    // One slash at the end, for `join`: `https://host//` is the platform at `https://host`, in
    // requests as in the key its token is stored under.
    let path = format!("{}/", url.path().trim_end_matches('/'));
    url.set_path(&path);
    Ok(PlatformUrl { url, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_flagged_only_off_this_machine() {
        let flagged = |url: &str| plain_http_off_this_machine(&url.parse().unwrap()).map(str::to_owned);
        for local in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:8080",
            "http://[::ffff:127.0.0.1]",
            "http://localhost:8080",
            "http://LOCALHOST.",
            "http://keystroke.localhost",
            "https://keystroke.example.com",
            "https://192.0.2.7",
        ] {
            assert_eq!(flagged(local), None, "{local}");
        }
        assert_eq!(flagged("http://192.0.2.7:8080").as_deref(), Some("192.0.2.7"));
        assert_eq!(flagged("http://[2001:db8::1]").as_deref(), Some("[2001:db8::1]"));
        assert_eq!(flagged("http://keystroke.example.com").as_deref(), Some("keystroke.example.com"));
        assert_eq!(flagged("http://localhost.example.com").as_deref(), Some("localhost.example.com"));
    }

    #[test]
    fn platform_urls_have_one_spelling() {
        let plain = parse_platform_url("http://127.0.0.1:8080").unwrap();
        let slashed = parse_platform_url("http://127.0.0.1:8080/").unwrap();
        assert_eq!(plain, slashed);
        assert_eq!(plain, parse_platform_url("http://127.0.0.1:8080//").unwrap());
        assert_eq!(plain.key, "http://127.0.0.1:8080");
        assert_eq!(plain.url.as_str(), "http://127.0.0.1:8080/");

        let prefixed = parse_platform_url("https://example.com/keystroke").unwrap();
        assert_eq!(prefixed.key, "https://example.com/keystroke");
        assert_eq!(prefixed.url.join("api/me").unwrap().as_str(), "https://example.com/keystroke/api/me");
        assert_eq!(prefixed, parse_platform_url("https://example.com/keystroke//").unwrap());
    }

    #[test]
    fn hosts_beyond_what_dns_allows_are_usage_errors() {
        for raw in [format!("http://{}.com", "a".repeat(120_000)), format!("https://{}.example.com", "b".repeat(64))] {
            let err = parse_platform_url(&raw).unwrap_err();
            let err = err.downcast_ref::<CliError>().unwrap();
            assert_eq!(err.exit, ExitCode::Usage);
            assert!(
                err.message.ends_with(
                    "is not a platform URL: its host name is longer than DNS allows (253 characters, 63 between dots)"
                ),
                "{}",
                err.message
            );
            assert!(err.message.len() < 200, "quoted cut short: {}", err.message);
        }
        let long_path = format!("https://keystroke.example.com/{}", "p".repeat(3000));
        assert!(parse_platform_url(&long_path).unwrap_err().to_string().ends_with("it is longer than 2048 characters"));
        assert!(parse_platform_url(&format!("https://{}.example.com", "c".repeat(63))).is_ok());
    }

    #[test]
    fn other_schemes_are_usage_errors() {
        let err = parse_platform_url("ftp://example.com").unwrap_err();
        assert_eq!(err.downcast_ref::<CliError>().unwrap().exit, ExitCode::Usage);
        for bare in ["keystroke.example.com", "not a url"] {
            let err = parse_platform_url(bare).unwrap_err().to_string();
            assert_eq!(err, format!("`{bare}` is not a platform URL: expected an http:// or https:// URL"));
        }
        let err = parse_platform_url("http://127.0.0.1:99999").unwrap_err().to_string();
        assert_eq!(err, "`http://127.0.0.1:99999` is not a platform URL: invalid port number");
        let err = parse_platform_url("http://user:hunter2@127.0.0.1:8080").unwrap_err().to_string();
        assert!(err.contains("user name or password") && !err.contains("hunter2"), "{err}");
        for pasted in ["http://127.0.0.1:8080/key_test_abc", "http://key_live_abc", "http://h/ kss_abc"] {
            let err = parse_platform_url(pasted).unwrap_err().to_string();
            assert_eq!(err, "the platform URL holds an API key or session token; leave it out");
        }
        let err = parse_platform_url("http://ada:pa/hunter2@host:8080").unwrap_err().to_string();
        assert!(err.starts_with("the URL is not a platform URL") && !err.contains("hunter2"), "{err}");
    }
}
