//! What a command says when it finds no sign-in to use: none here, one out of sight in another
//! store, a token gone from its store, an API key where a session was expected.

use crate::config::Config;
use crate::credentials::{Credentials, HiddenSignIn};
use crate::env;
use crate::error::{CliError, ExitCode, SIGN_IN_HINT};

use super::PlatformUrl;
use super::platform_url::platform_commands_go_to;

/// The CLI acts as the person using it, never with an org's API key (those are for scripts
/// that call the platform directly), so an API key in `KEYSTROKE_TOKEN` is refused up front.
pub(super) fn api_key_in_env() -> CliError {
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

/// For a command that needs an org, when the user belongs to none yet.
pub fn in_no_org(email: &str, platform: &PlatformUrl) -> CliError {
    CliError::failure(format!("{email} is not a member of any org on {}", platform.key))
        .with_hint("ask whoever runs the platform to add you (`keystroke-platform member add`)")
}

/// The hint names the platform when `auth login` alone would sign in to another one (the one
/// saved, or the default): a platform given by `--platform-url` or moved to a new URL.
pub fn not_signed_in(platform: &PlatformUrl, config: &Config) -> CliError {
    let error = CliError::new(ExitCode::NotSignedIn, format!("not signed in to {}", platform.key));
    let login_goes_to = platform_commands_go_to(config);
    let sign_in = match login_goes_to == platform.key {
        true => SIGN_IN_HINT.to_owned(),
        false => format!("run `keystroke auth login --platform-url {}` to sign in", platform.key),
    };
    // Signed in elsewhere (the platform signed out of was the one commands went to): said, with
    // the way there.
    let elsewhere = config.signed_in_platforms().find(|url| *url != platform.key);
    match elsewhere {
        Some(url) if url == login_goes_to => error
            .with_hint(format!("{sign_in}; you are signed in to {url}, where commands without `--platform-url` go")),
        Some(url) => {
            error.with_hint(format!("{sign_in}; you are signed in to {url}: `--platform-url {url}` reaches it"))
        }
        None => error.with_hint(sign_in),
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
