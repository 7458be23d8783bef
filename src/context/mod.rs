//! What commands share: parsed global flags, the printer, and lazily the config, the credential
//! stores and the API client, so that `--help`, `--version` and `completion` stay cheap.

use std::path::PathBuf;
use std::time::Duration;

use keystroke_api::{Membership, TokenShape, token_shape};

use crate::cli::GlobalArgs;
use crate::client::{self, ApiClient, ExpectedSession};
use crate::config::{self, Config};
use crate::credentials::{Credentials, StoreKind, TokenSource};
use crate::error::{CliError, ExitCode, map_cli_error};
use crate::printer::Printer;
use crate::private_files;
use crate::secret::Secret;
use crate::{env, ids};

mod platform_url;
mod signed_out;

pub use platform_url::{DEFAULT_PLATFORM_URL, PlatformSource, PlatformUrl, plain_http_off_this_machine};
use platform_url::{parse_platform_url, platform_commands_go_to};
use signed_out::api_key_in_env;
pub use signed_out::{
    LostToken, hidden_sign_in_error, in_no_org, not_signed_in, not_signed_in_here, store_failed_beside_sign_in,
};

pub struct Context {
    pub global: GlobalArgs,
    pub printer: Printer,
    /// The HTTP client every API client of this command shares ([`Context::http`]), with what it
    /// was built for: whether the platform is plain `http`, and the request timeout.
    http: std::sync::OnceLock<((bool, Duration), reqwest::Client)>,
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
    /// ` on PLATFORM`, to follow an org's slug where two platforms could hold it (staging and
    /// production, say): this directory is signed in to more than one, or the command was sent
    /// to one that commands without `--platform-url` do not go to. Nothing otherwise.
    pub fn on_which_platform(&self) -> String {
        let signed_in_to = self.config.signed_in_platforms().count();
        let sent_elsewhere = matches!(self.platform.source, PlatformSource::Given { elsewhere_by_default: true, .. });
        match signed_in_to > 1 || sent_elsewhere {
            true => format!(" on {}", self.platform.key),
            false => String::new(),
        }
    }

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
        Self { global, printer, http: std::sync::OnceLock::new() }
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
            let by_default = platform_commands_go_to(config);
            let from_env = self.global.platform_url_from_env;
            return parse_platform_url(given)
                .map(|platform| PlatformUrl {
                    source: PlatformSource::Given { from_env, elsewhere_by_default: platform.key != by_default },
                    ..platform
                })
                .map_err(|err| match self.global.platform_url_from_env {
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
            let platform = parse_platform_url(DEFAULT_PLATFORM_URL)?;
            return Ok(PlatformUrl { source: PlatformSource::Default, ..platform });
        };
        // A hand-edited config file: say where the URL came from.
        let saved = parse_platform_url(saved).map(|platform| PlatformUrl { source: PlatformSource::Saved, ..platform });
        saved.map_err(|err| {
            map_cli_error(err, |err| {
                let file = self.config_dir().map(|dir| dir.join(config::FILE_NAME).display().to_string());
                let file = file.unwrap_or_else(|_| config::FILE_NAME.to_owned());
                CliError::usage(format!("{} (`platform_url` in {file})", err.message))
                    .with_hint("fix it there, or pass `--platform-url` like `https://keystroke.example.com`")
            })
        })
    }

    pub fn client(&self, platform: &PlatformUrl, token: Option<Secret<String>>) -> anyhow::Result<ApiClient> {
        let timeout = env::request_timeout()?;
        let http = self.http(platform, timeout)?;
        Ok(ApiClient::new(platform, token, timeout, self.printer.clone(), http))
    }

    /// One HTTP client for the command's requests (a sign-in, a sign-out and a check make several
    /// API clients), built once: see [`client::http_client`].
    fn http(&self, platform: &PlatformUrl, timeout: Duration) -> anyhow::Result<reqwest::Client> {
        let made_for = (platform.url.scheme() == "http", timeout);
        if let Some((cached_for, http)) = self.http.get()
            && *cached_for == made_for
        {
            return Ok(http.clone());
        }
        let http = client::http_client(&platform.url, timeout)?;
        let _ = self.http.set((made_for, http.clone()));
        Ok(http)
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
        let http = self.http(&platform, timeout)?;
        // A stored token whose session is not this directory's is said (the opt-in file is this
        // directory's own: no other writes it).
        let expected = match source {
            TokenSource::Store(kind) if kind != StoreKind::File => {
                let key = platform.key.clone();
                let own = config.platform(&platform.key).and_then(|settings| settings.session_id.clone());
                match (config.recorded_store(&platform.key), own) {
                    (None, _) => Some(ExpectedSession::NoneRecorded { platform: key }),
                    (Some(recorded), Some(own)) if recorded == kind => {
                        Some(ExpectedSession::Recorded { platform: key, own })
                    }
                    (Some(recorded), Some(own)) => {
                        let recorded = self.credentials()?.location_in_sentence(recorded);
                        Some(ExpectedSession::Forced { platform: key, own, recorded })
                    }
                    // Recorded by an older keystroke, without its session's id.
                    (Some(_), None) => None,
                }
            }
            _ => None,
        };
        let client = ApiClient::new(&platform, Some(token), timeout, self.printer.clone(), http)
            .with_token_from_env(source == TokenSource::Env)
            .expecting_session(expected);
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
                signed_in.client.org_came_from(|org_list| {
                    format!("the org comes from `{}`: fix or unset it ({org_list} shows your orgs)", env::ORG)
                });
            }
            return Ok(org.to_owned());
        }
        if let Some(org) = signed_in.config.active_org(&signed_in.platform.key) {
            ids::check_org_slug(org)?;
            signed_in.client.org_came_from(|org_list| {
                format!("it is the active org that `keystroke org switch` saved: switch to one of yours ({org_list} shows them)")
            });
            return Ok(org.to_string());
        }
        let me = signed_in.client.me().await?;
        match me.memberships.as_slice() {
            [only] => Ok(only.org.slug.clone()),
            [] => Err(in_no_org(&me.user.email, &signed_in.platform).into()),
            _ => Err(CliError::usage("no active org: you belong to several orgs")
                .with_hint(format!(
                    "choose one with `keystroke org switch ORG{}`, or pass `--org ORG` (or set `{}`)",
                    signed_in.platform.flag_for_hints(),
                    env::ORG
                ))
                .into()),
        }
    }
}
