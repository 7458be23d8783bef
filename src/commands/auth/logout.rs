use keystroke_api::{Me, TokenShape, token_shape};

use crate::config::Config;
use crate::context::{
    Context, LostToken, PlatformUrl, hidden_sign_in_error, not_signed_in, store_failed_beside_sign_in,
};
use crate::credentials::{Credentials, StoreKind};
use crate::env;
use crate::error::{CliError, ExitCode, exits_with, map_cli_error};
use crate::printer::{Printer, one_line};
use crate::private_files;
use crate::secret::Secret;

#[derive(Debug, clap::Args)]
pub struct LogoutArgs {
    /// End the session on the platform even when it came with `auth login --with-token` (where
    /// it may still serve the sign-in it was made for); a browser sign-in's always is
    #[arg(long)]
    pub revoke: bool,
}

/// What `auth logout --json` prints.
#[derive(serde::Serialize)]
struct LogoutOutput<'a> {
    platform_url: &'a str,
    /// The session of the sign-in, when known (recorded at sign-in): what `keystroke session
    /// revoke` takes, should it still be valid.
    session_id: Option<&'a str>,
    /// Whether this machine is signed out (not when a sign-in was made here meanwhile).
    signed_out: bool,
    /// Whether this command ended the session (not when it had ended already, nor when it was
    /// left valid).
    session_revoked: bool,
    /// Whether the session was left valid on purpose: it came with `--with-token`, and serves
    /// where the token came from (`--revoke` ends it).
    session_left_valid: bool,
}

/// Revokes the stored session on the platform (unless it is one from `--with-token`, below), then
/// forgets it locally.
///
/// - The local token goes even when the platform cannot be reached, so that this machine is
///   signed out; the error then says that the session itself is still valid.
/// - Where the token cannot be removed (a store that refuses), the error says that, and whether
///   the session was ended all the same.
/// - A session that came with `--with-token` was made for a sign-in elsewhere (another machine's
///   `auth token`, a CI secret), which may still use it: it is left valid, and said so, unless
///   `--revoke` is given.
pub async fn run(context: &Context, args: &LogoutArgs) -> anyhow::Result<()> {
    let printer = &context.printer;
    let config = context.load_config()?;
    let platform = context.platform_url(&config)?;
    // Nothing signed in here, and a token in the environment: answered before any store is
    // touched, since where `KEYSTROKE_TOKEN` is used there may be no store to ask.
    if let (None, Some(env_token)) = (config.recorded_store(&platform.key), Credentials::env_token()) {
        return Err(env_token_only(&platform, &env_token).into());
    }
    let credentials = context.credentials()?;
    let read = stored_sign_in(&credentials, &config, &platform)?;
    let env_token = Credentials::env_token();
    let env_holds_this_session = env_token.as_ref().is_some_and(|env_token| *env_token == read.token);
    // A damaged token names no session to leave valid: it goes the way it always went.
    let well_formed = keystroke_api::looks_like_session_token(read.token.expose());
    // Whose session the token is, as the platform says: asked once, for both checks below.
    let whose = match well_formed {
        true => Some(whose_token(context, &platform, &read.token).await),
        false => None,
    };
    let stored_session = match &whose {
        Some(whose) => stored_session(whose, read.session_id.as_deref()),
        None => StoredSession::Unknown,
    };
    // A token in a store forced by `KEYSTROKE_CREDENTIAL_STORE` other than the one this
    // directory's sign-in used is another directory's, unless the platform says it is the session
    // this directory recorded: its session, and its token, are not this sign-out's to end. Not
    // known (the platform unreachable): nothing is removed either. (The opt-in file is this
    // directory's own: no other writes it. With no sign-in recorded at all, a `config.json`
    // deleted say, the token found is taken as this directory's, as it always was.) Said once the
    // sign-in is read again unchanged: one under way here reads so meanwhile.
    let mut not_this_directorys = None;
    if let Some(recorded) = config.recorded_store(&platform.key)
        && recorded != read.store
        && read.store != StoreKind::File
        && let Some(whose) = &whose
    {
        let own = config.platform(&platform.key).and_then(|settings| settings.session_id.as_deref());
        let store = credentials.location_in_sentence(read.store);
        let recorded = credentials.location_in_sentence(recorded);
        not_this_directorys = match whose {
            Ok(me) if own == Some(me.session.id.as_str()) => None,
            Ok(me) => Some(another_directorys_token(&platform, &store, &me.user.email, &recorded)),
            // Ended already: nobody's sign-in any more.
            Err(error) if exits_with(error, ExitCode::NotSignedIn) => None,
            Err(error) => Some(unchecked_token(&platform, &store, &recorded, error)),
        };
    }
    let rechecked = recheck_under_lock(context, &credentials, &platform, &read)?;
    if let Some(error) = not_this_directorys {
        return Err(error.into());
    }
    let StoredSignIn { store, token, session_id, from_token } = read;
    if let (StoredSession::Another { email }, Some(own)) = (&stored_session, session_id.as_deref()) {
        // Still under the lock of the re-check: what it found is what is forgotten.
        return sign_out_of_a_replaced_sign_in(context, &platform, store, email, own);
    }
    drop(rechecked);
    let left_valid = from_token
        && !args.revoke
        && matches!(stored_session, StoredSession::Recorded | StoredSession::Unknown)
        && well_formed;
    let Revoked { result: revoked, ended_before, damaged } = match left_valid {
        true => Revoked { result: Ok(()), ended_before: false, damaged: false },
        false => revoke_on_platform(context, &platform, &token).await,
    };
    let session_revoked = !ended_before && !left_valid;
    let output = |signed_out| LogoutOutput {
        platform_url: &platform.key,
        session_id: session_id.as_deref(),
        signed_out,
        session_revoked,
        session_left_valid: left_valid,
    };

    // The token goes, and the config's record of its store, in one round under the config
    // directory's lock (a directory that cannot be locked, read-only say, is no reason to keep
    // the token). Only the token this sign-out is for: a sign-in made meanwhile, whose token is
    // stored now, stays signed in.
    let lock = match context.lock_config_dir() {
        Ok(lock) => Some(lock),
        // Taken by another command since the check above, while the session was being revoked:
        // removing the token under its change could undo it (a sign-in's new token, say), so
        // nothing is removed here, and what did happen is said.
        Err(err) if private_files::is_held_elsewhere(&err) => {
            let outcome = Outcome { revoked, left_valid, damaged, session_id: session_id.as_deref() };
            return Err(lock_taken_meanwhile(&err.to_string(), outcome));
        }
        Err(_) => None,
    };
    if signed_in_meanwhile(context, &credentials, &platform, store, &token) {
        drop(lock);
        return match revoked {
            // The machine is not signed out: `signed_out` says so to a script.
            Ok(()) if printer.json() => printer.json_data(&output(false)),
            Ok(()) if left_valid => {
                printer.notice(&format!(
                    "Nothing signed out of {}: a sign-in made meanwhile on this machine stays signed in",
                    platform.key
                ));
                Ok(())
            }
            Ok(()) => {
                printer.notice(&format!(
                    "Ended the session of {}; a sign-in made meanwhile on this machine stays signed in",
                    platform.key
                ));
                Ok(())
            }
            Err(err) => Err(still_valid(err, "could not revoke the session", session_id.as_deref())),
        };
    }
    if let Err(err) = credentials.delete(store, &platform.key) {
        let outcome = Outcome { revoked, left_valid, damaged, session_id: session_id.as_deref() };
        return Err(token_not_removed(err, outcome));
    }
    // Signed out already: the token is gone, and a config that still names its store reads as
    // signed out too. A config directory that cannot be written is no reason to say otherwise.
    if let Err(err) = context.update_config(|config| config.forget_sign_in(&platform.key, store)) {
        printer.warn(&format!("{err:#}; the sign-out stands, as the token is removed"));
    }
    drop(lock);

    if let Some(env_token) = env_token {
        warn_of_env_token(printer, &env_token, env_holds_this_session && revoked.is_ok() && !left_valid);
    }
    if printer.json() && revoked.is_ok() {
        return printer.json_data(&output(true));
    }
    let outcome = Outcome { revoked, left_valid, damaged, session_id: session_id.as_deref() };
    say_signed_out(printer, &platform, outcome, ended_before)
}

/// What became of the session by the time the token was to be removed.
struct Outcome<'a> {
    /// Ended (or ended before, or left valid on purpose); else why not.
    revoked: anyhow::Result<()>,
    left_valid: bool,
    /// The stored token was no session token: nothing was sent.
    damaged: bool,
    session_id: Option<&'a str>,
}

/// What was read is read again under the config directory's lock, before anything is done: a
/// sign-in stores its token, then records its session and where the token came from, and read
/// between the two, its token passes for this directory's (a `--with-token` session for a
/// browser sign-in's, to be ended) or for another directory's (its record to be forgotten).
/// Another command holding the lock would keep this one from removing the token later: said
/// now, before the session is revoked, with nothing done. The lock comes back held, for what is
/// done at once on what was found.
fn recheck_under_lock(
    context: &Context,
    credentials: &Credentials,
    platform: &PlatformUrl,
    read: &StoredSignIn,
) -> anyhow::Result<Option<private_files::DirLock>> {
    let lock = match context.lock_config_dir() {
        Ok(lock) => lock,
        Err(err) if private_files::is_held_elsewhere(&err) => return Err(nothing_signed_out(err)),
        // A directory that cannot be locked (read-only, say) is no reason to keep the token.
        Err(_) => return Ok(None),
    };
    let config = context.load_config()?;
    match stored_sign_in(credentials, &config, platform) {
        Ok(now) if now == *read => Ok(Some(lock)),
        Ok(_) => Err(changed_meanwhile()),
        Err(err) if exits_with(&err, ExitCode::NotSignedIn) => Err(changed_meanwhile()),
        Err(err) => Err(nothing_signed_out(err)),
    }
}

/// The lock was taken by another command while the session was being revoked: nothing is
/// removed, and what did happen is said.
fn lock_taken_meanwhile(held: &str, outcome: Outcome<'_>) -> anyhow::Error {
    match outcome.revoked {
        Err(revoke) => still_valid(revoke, &format!("nothing was signed out ({held})"), outcome.session_id),
        Ok(()) => {
            let what = match (outcome.left_valid, outcome.damaged) {
                (true, _) => "nothing was signed out: the session is left valid, and its token is still here",
                (false, true) => "nothing was signed out: the stored token is damaged, and still here",
                (false, false) => {
                    "the session is ended on the platform, but the token here was left: if the other command was \
                     a sign-in, its token stands (`keystroke auth status` says which)"
                }
            };
            CliError::failure(format!("{what} ({held})"))
                .with_hint("run `keystroke auth logout` again once the other command is done")
                .into()
        }
    }
}

/// The store refused to remove the token: said with what did happen, since a user who reads only
/// "could not write" would think the session lives on.
fn token_not_removed(err: anyhow::Error, outcome: Outcome<'_>) -> anyhow::Error {
    if outcome.left_valid {
        return err.context(format!(
            "could not remove the token from this machine, and its session{} (from `--with-token`) was left \
             valid: the token still works",
            outcome.session_id.map(|id| format!(" {id}")).unwrap_or_default()
        ));
    }
    match outcome.revoked {
        Ok(()) => err.context(
            "the session is ended on the platform, but its token (which no longer works) is still on this machine",
        ),
        Err(revoke) => still_valid(
            revoke,
            &format!("could not remove the token from this machine ({err:#}), nor revoke the session"),
            outcome.session_id,
        ),
    }
}

/// The token is removed: what became of its session, in words.
fn say_signed_out(
    printer: &Printer,
    platform: &PlatformUrl,
    outcome: Outcome<'_>,
    ended_before: bool,
) -> anyhow::Result<()> {
    match outcome.revoked {
        Ok(()) if outcome.left_valid => {
            let (session, revoke) = match outcome.session_id {
                Some(id) => (format!(" {id}"), format!("`keystroke session revoke {id}`")),
                None => (String::new(), "`keystroke session revoke`".to_owned()),
            };
            printer.notice(&format!("Signed out of {} here.", platform.key));
            printer.notice(&format!(
                "Its session{session} came with `--with-token`, so it stays valid where that token came from."
            ));
            printer.notice(&format!("To end it: sign out there, or run {revoke} from another sign-in of yours."));
            Ok(())
        }
        Ok(()) => {
            let already = match (outcome.damaged, ended_before) {
                (true, _) => " (its stored token was damaged, no session token: it was removed, and nothing sent)",
                (false, true) => {
                    " (the platform did not accept its token: its session expired or was revoked, or the token was \
                     damaged)"
                }
                (false, false) => "; its session is ended",
            };
            printer.notice(&format!("Signed out of {}{already}", platform.key));
            // A token the platform could not take says nothing of the session it was for.
            if let (true, Some(id)) = (ended_before, outcome.session_id) {
                printer.notice(&format!(
                    "If its session {id} is still listed by `keystroke session list` once you sign in again, \
                     `keystroke session revoke {id}` ends it"
                ));
            }
            Ok(())
        }
        Err(err) => Err(still_valid(
            err,
            "removed the token from this machine, but could not revoke the session",
            outcome.session_id,
        )),
    }
}

/// A sign-out stopped before it did anything: `err` says why.
fn nothing_signed_out(err: anyhow::Error) -> anyhow::Error {
    map_cli_error(err, |refused| CliError {
        message: format!("nothing was signed out: {}", refused.message),
        ..refused
    })
}

fn changed_meanwhile() -> anyhow::Error {
    CliError::failure("nothing was signed out: another keystroke command changed this sign-in meanwhile")
        .with_hint("run `keystroke auth status` to see it, then `keystroke auth logout` again")
        .into()
}

/// The sign-in `auth logout` ends: its store, its token, and the id of its session when known.
#[derive(PartialEq)]
struct StoredSignIn {
    store: StoreKind,
    token: Secret<String>,
    /// Recorded with the token at sign-in: what to revoke later, should the platform not answer
    /// now. Named only for the token of the recorded store (not one forced elsewhere), and only
    /// when it reads as an id (the file can be edited by hand).
    session_id: Option<String>,
    /// Its session came with `--with-token` (recorded for the token of the recorded store).
    from_token: bool,
}

/// The sign-in of this config directory, or the error that says why there is none to end.
fn stored_sign_in(credentials: &Credentials, config: &Config, platform: &PlatformUrl) -> anyhow::Result<StoredSignIn> {
    let store = credentials.store_for_reading(config, &platform.key)?;
    let stored = match store {
        Some(store) => credentials
            .get(store, &platform.key)
            .map_err(|error| store_failed_beside_sign_in(error, credentials, platform, config))?
            .map(|token| (store, token)),
        None => None,
    };
    let Some((store, token)) = stored else {
        // A sign-in out of sight of a forced store is said first: `KEYSTROKE_TOKEN` beside it
        // is not what kept logout from it.
        let lost = || {
            LostToken::of(credentials, platform, config).map(|lost| {
                let message = format!(
                    "nothing to sign out of: the token this directory's sign-in to {} stored in {} is not there",
                    platform.key, lost.location
                );
                CliError::new(ExitCode::NotSignedIn, message).with_hint(lost.session_stays)
            })
        };
        let error = hidden_sign_in_error(credentials, platform, config)
            .or_else(|| Credentials::env_token().map(|env_token| env_token_only(platform, &env_token)))
            .or_else(lost)
            .unwrap_or_else(|| {
                // Signed out already, as asked: the usual hint, to sign in, is no next step here.
                let error = not_signed_in(platform, config);
                CliError { message: format!("{}: nothing to sign out of", error.message), hint: None, ..error }
            });
        return Err(error.into());
    };
    let recorded = config.platform(&platform.key).filter(|_| Some(store) == config.recorded_store(&platform.key));
    let session_id = recorded
        .and_then(|settings| settings.session_id.clone())
        .filter(|id| keystroke_api::is_public_id(id, keystroke_api::SESSION_ID_PREFIX));
    let from_token = recorded.is_some_and(|settings| settings.session_from_token);
    Ok(StoredSignIn { store, token, session_id, from_token })
}

/// Whose session the stored token is, as the platform says.
enum StoredSession {
    /// The one this config directory's sign-in recorded (or it recorded none).
    Recorded,
    /// Another sign-in's: a keyring entry is shared by every config directory, and another
    /// directory's sign-in replaced the token since (or a sign-in here was cut off between
    /// storing its token and recording it).
    Another { email: String },
    /// None any more: it expired or was revoked meanwhile.
    Ended,
    /// The platform did not say (not reached): the record is taken at its word.
    Unknown,
}

/// The platform's answer to whose session `token` is.
async fn whose_token(context: &Context, platform: &PlatformUrl, token: &Secret<String>) -> anyhow::Result<Me> {
    context.client(platform, Some(token.clone()))?.me().await
}

/// Whose session the stored token is ([`whose_token`]), against the one this directory recorded.
fn stored_session(whose: &anyhow::Result<Me>, recorded: Option<&str>) -> StoredSession {
    match whose {
        Ok(me) if recorded.is_none_or(|recorded| recorded == me.session.id) => StoredSession::Recorded,
        Ok(me) => StoredSession::Another { email: me.user.email.clone() },
        Err(err) if exits_with(err, ExitCode::NotSignedIn) => StoredSession::Ended,
        Err(_) => StoredSession::Unknown,
    }
}

/// Nothing signed out: the token found for `platform` in `store`, a store forced other than the
/// one this directory's sign-in used (`recorded`), is `email`'s session, another directory's.
fn another_directorys_token(platform: &PlatformUrl, store: &str, email: &str, recorded: &str) -> CliError {
    let message = format!(
        "nothing was signed out: the token stored for {} in {store} is another sign-in's ({}), made from another \
         config directory that shares this store",
        platform.key,
        one_line(email)
    );
    CliError::failure(message).with_hint(sign_out_of_the_recorded_store(recorded))
}

/// Nothing signed out: whose the token in the forced `store` is could not be asked.
fn unchecked_token(platform: &PlatformUrl, store: &str, recorded: &str, error: &anyhow::Error) -> CliError {
    let message = format!(
        "nothing was signed out: the token stored for {} in {store}, a store this directory's sign-in did not use, \
         may be another directory's, and the platform could not say whose it is ({error:#})",
        platform.key
    );
    CliError::failure(message).with_hint(sign_out_of_the_recorded_store(recorded))
}

/// The way to this directory's own sign-in, whose token is in `recorded` (in words), past a store
/// `KEYSTROKE_CREDENTIAL_STORE` forced.
fn sign_out_of_the_recorded_store(recorded: &str) -> String {
    format!("this directory's sign-in has its token in {recorded}: unset `{}` to sign out of it", env::CREDENTIAL_STORE)
}

/// The sign-out of a config directory whose token another directory's sign-in replaced in the
/// keyring they share: that token, and its session, are the other directory's, and stay; this
/// directory's record goes, so that it reads as signed out; its own session, replaced, was left
/// valid then, and is named with the way to end it. (A sign-in here cut off between storing its
/// token and recording it leaves the same: its token, which the next sign-in replaces.)
fn sign_out_of_a_replaced_sign_in(
    context: &Context,
    platform: &PlatformUrl,
    store: StoreKind,
    other: &str,
    own: &str,
) -> anyhow::Result<()> {
    context.update_config(|config| config.forget_sign_in(&platform.key, store))?;
    let printer = &context.printer;
    if printer.json() {
        return printer.json_data(&LogoutOutput {
            platform_url: &platform.key,
            session_id: Some(own),
            signed_out: true,
            session_revoked: false,
            session_left_valid: true,
        });
    }
    printer.notice(&format!(
        "Signed out of {} here. The token stored for it now is another sign-in's ({other}): made from another config \
         directory that shares this keyring, it stays signed in there; left by a sign-in here that was cut off, the \
         next `keystroke auth login` replaces it. This directory's own session, {own}, was replaced then and stays \
         valid: `keystroke session revoke {own}` ends it",
        platform.key
    ));
    Ok(())
}

/// What revoking the session on the platform came to.
struct Revoked {
    /// Ended, or ended already (`ended_before`); else why not.
    result: anyhow::Result<()>,
    /// The platform no longer accepted the session (expired, or revoked elsewhere).
    ended_before: bool,
    /// The stored token was no session token (edited by hand): nothing was sent.
    damaged: bool,
}

async fn revoke_on_platform(context: &Context, platform: &PlatformUrl, token: &Secret<String>) -> Revoked {
    // A damaged token names no session to revoke, and may not even fit in a header.
    let damaged = !keystroke_api::looks_like_session_token(token.expose());
    let revoke = async {
        match damaged {
            true => Err(CliError::new(ExitCode::NotSignedIn, "a damaged token is no session").into()),
            false => context.client(platform, Some(token.clone()))?.logout().await,
        }
    };
    match revoke.await {
        // The session had already expired or been revoked: nothing is left to revoke.
        Err(err) if exits_with(&err, ExitCode::NotSignedIn) => Revoked { result: Ok(()), ended_before: true, damaged },
        result => Revoked { result, ended_before: false, damaged },
    }
}

/// Whether a sign-in was made on this machine while the sign-out ran: into another store (the
/// config names that one now), or into this one (it holds another token now). Under the config
/// directory's lock, so that none is being made.
fn signed_in_meanwhile(
    context: &Context,
    credentials: &Credentials,
    platform: &PlatformUrl,
    store: StoreKind,
    token: &Secret<String>,
) -> bool {
    let recorded_now = context.load_config().ok().and_then(|config| config.recorded_store(&platform.key));
    recorded_now.is_some_and(|now| now != store)
        || credentials.get(store, &platform.key).is_ok_and(|now| now.is_some_and(|now| now != *token))
}

/// What `KEYSTROKE_TOKEN`, still set, does now: commands keep using it.
fn warn_of_env_token(printer: &Printer, env_token: &Secret<String>, holds_the_ended_session: bool) {
    let what = match token_shape(env_token.expose()) {
        TokenShape::ApiKey => "holds an API key, which the CLI refuses; unset it",
        TokenShape::Other => "holds no session token, which the CLI refuses; unset it",
        TokenShape::Session if holds_the_ended_session => {
            "holds the session just ended, so commands fail until you unset it"
        }
        TokenShape::Session => "is still set, so commands stay signed in with it; unset it to sign out",
    };
    printer.warn(&format!("`{}` {what}", env::TOKEN));
}

/// The session could not be revoked (`revoke` says why), so it stays valid: `what_happened` to it
/// and to the token here, why, and how to end the session later (by its id, when the sign-in
/// recorded it).
fn still_valid(revoke: anyhow::Error, what_happened: &str, session_id: Option<&str>) -> anyhow::Error {
    let how = match session_id {
        Some(id) => format!("`keystroke session revoke {id}`"),
        None => "`keystroke session revoke` (`keystroke session list` shows its ID)".to_owned(),
    };
    match revoke.downcast::<CliError>() {
        // The rest of the revoke's error (its exit code, the platform's code) stands.
        Ok(cli_error) => CliError { message: format!("{what_happened}: {}", cli_error.message), ..cli_error }
            .with_hint(format!(
                "the session stays valid on the platform until it expires; once the platform is back, sign in and \
                 revoke it with {how}"
            ))
            .into(),
        Err(revoke) => revoke.context(what_happened.to_owned()),
    }
}

/// `auth logout` with no stored token but one in `KEYSTROKE_TOKEN`: like `gh auth logout` with
/// `GH_TOKEN`, the variable is the user's, not the CLI's to end.
fn env_token_only(platform: &PlatformUrl, env_token: &Secret<String>) -> CliError {
    let refused = match token_shape(env_token.expose()) {
        TokenShape::ApiKey => Some("an API key"),
        TokenShape::Other => Some("no session token"),
        TokenShape::Session => None,
    };
    if let Some(what) = refused {
        return CliError::failure(format!(
            "no token is stored for {}, and `{}` holds {what}, which the CLI refuses",
            platform.key,
            env::TOKEN
        ))
        .with_hint(format!("unset `{}`; to sign in, run `keystroke auth login`", env::TOKEN));
    }
    CliError::failure(format!(
        "no token is stored for {}; commands use the one in `{}`, which logout does not touch",
        platform.key,
        env::TOKEN
    ))
    .with_hint(format!(
        "unset `{}` to stop using it; to end its session on the platform, run `keystroke session list` (it is \
         the current one) and `keystroke session revoke ID`",
        env::TOKEN
    ))
}
