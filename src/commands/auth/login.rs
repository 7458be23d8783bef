use std::io::Read;
use std::time::{Duration, Instant};

use clap::Args;
use keystroke_api::{Me, TokenShape, token_shape};
use serde::Serialize;

use crate::client::{ApiClient, DevicePoll};
use crate::commands::org;
use crate::context::{Context, PlatformUrl};
use crate::credentials::{Credentials, StoreKind};
use crate::error::{CliError, ExitCode, exits_with, map_cli_error};
use crate::printer::Printer;
use crate::secret::Secret;
use crate::signals;
use crate::spinner::{Spinner, Waited};
use crate::{env, prompt};

/// How far polling backs off while the platform does not answer: an approval made meanwhile is
/// still picked up within this.
const MAX_POLL_INTERVAL_WHILE_UNANSWERED: Duration = Duration::from_secs(15);

/// The last poll comes this long before the code expires, at the latest.
const LAST_POLL_MARGIN: Duration = Duration::from_secs(1);

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Read a session token from stdin instead of signing in with the browser
    #[arg(long)]
    pub with_token: bool,

    /// Print the sign-in URL and code without trying to open a browser
    #[arg(long)]
    pub no_browser: bool,

    /// Keep the token in a 0600 file in the config directory instead of the OS credential store
    #[arg(long)]
    pub insecure_storage: bool,
}

#[derive(Serialize)]
struct LoginOutput<'a> {
    platform_url: &'a str,
    user: &'a keystroke_api::User,
    active_org: Option<&'a str>,
    credential_store: StoreKind,
    /// The session this sign-in uses, as `auth status` shows it.
    session: &'a keystroke_api::Session,
    /// Whether that session came with `--with-token` from a sign-in elsewhere: `auth logout`
    /// then leaves it valid unless given `--revoke`.
    session_from_token: bool,
    /// Sign-ins this one replaced on this machine, whose sessions stay valid.
    replaced_sessions: &'a [ReplacedSession],
}

/// A sign-in stored on this machine before this one, whose session stays valid until it expires
/// or is revoked.
#[derive(Serialize)]
struct ReplacedSession {
    id: String,
    email: String,
    #[serde(skip)]
    same_user: bool,
}

/// How a session token is given without a browser, as hints spell it.
pub const WITH_TOKEN_FROM_A_FILE: &str = "keystroke auth login --with-token < token.txt";

pub async fn run(context: &Context, args: &LoginArgs) -> anyhow::Result<()> {
    let printer = &context.printer;
    refuse_unattended_browser_sign_in(printer, args)?;
    let config = context.load_config()?;
    let platform = context.platform_url(&config)?;
    if let Some(host) = plain_http_off_this_machine(&platform.url) {
        printer.warn(&format!(
            "{} is plain HTTP to {host}, another machine: the session token will cross the network unencrypted, \
             on every command; use the platform's https:// URL",
            platform.key
        ));
    }
    let credentials = context.credentials()?;
    // Pick the store first: a broken keyring should fail before the user approves anything.
    let store = credentials.store_for_writing(args.insecure_storage)?;

    // Ctrl-C and SIGTERM are caught from the wait for the browser (or once stdin is read: a read
    // of a terminal must stay interruptible) until the token is stored: one that comes while the
    // platform is asked whose token it is ends that in words, and one that comes while the token
    // is stored ends the process once the sign-in is done (see `main`).
    let (token, interrupted) = if args.with_token {
        (read_token_from_stdin(printer)?, signals::Caught::new())
    } else {
        sign_in_with_browser(context, &platform, args.no_browser).await?
    };
    let client = context.client(&platform, Some(token.clone()))?;
    let obtained = Obtained { token: &token, from_stdin: args.with_token };
    let stored = store_sign_in(context, &client, &platform, &credentials, store, obtained, &interrupted).await;
    let Stored { me, active_org, replaced, from_token } = match stored {
        Ok(stored) => stored,
        // Unless the token came from stdin, the session the browser approved exists and its
        // token is only here: revoked, rather than left valid for nobody.
        Err(err) if !args.with_token => return Err(revoke_unstored_session(&client, err).await),
        Err(err) if err.is::<Interrupted>() => {
            return Err(CliError::declined("Sign-in interrupted. Nothing was stored.").into());
        }
        Err(err) => return Err(err),
    };

    // With `--json` the document at the end says all this.
    if !printer.json() {
        printer.notice(&format!("Signed in to {} as {} <{}>", platform.key, me.user.name, me.user.email));
        printer.notice(&format!("Token stored in {}", credentials.location_in_sentence(store)));
        // A browser sign-in makes a session for this machine; a token from stdin brings the
        // session it was made for (another machine's `auth token`, a CI secret), still in use
        // there, which a sign-out here leaves alone unless told.
        if from_token {
            printer.notice(&format!(
                "This sign-in uses the token's session, {}: `keystroke auth logout` forgets it here and leaves it \
                 valid where the token came from (`--revoke` ends it everywhere)",
                me.session.id
            ));
        }
    }
    // A warning, with `--json` too: scripts are where this happens.
    if let Some(warning) = credentials.sharing_warning(store) {
        printer.warn(&warning);
    }
    if !printer.json() {
        match &active_org {
            Some(org) => printer.notice(&format!("Active org: {org}")),
            None if me.memberships.len() > 1 => printer.notice(&format!(
                "You belong to {} orgs: choose the active one with `keystroke org switch ORG`",
                me.memberships.len()
            )),
            None => {}
        }
    }
    let replaced_sessions = name_replaced_sessions(context, &platform, &replaced, &token, &me).await;
    if Credentials::env_token().is_some() {
        printer
            .warn(&format!("`{}` is set and shadows the token just stored; unset it to use this sign-in", env::TOKEN));
    }
    if printer.json() {
        printer.json_data(&LoginOutput {
            platform_url: &platform.key,
            user: &me.user,
            active_org: active_org.as_deref(),
            credential_store: store,
            session: &me.session,
            session_from_token: from_token,
            replaced_sessions: &replaced_sessions,
        })?;
    }
    Ok(())
}

/// A sign-in stored on this machine: whose it is, the org made active, and the tokens it
/// replaced here.
struct Stored {
    me: Me,
    active_org: Option<String>,
    replaced: Vec<(StoreKind, Secret<String>)>,
    /// Its session came with `--with-token` from a sign-in elsewhere (not this machine's own
    /// browser sign-in piped back in).
    from_token: bool,
}

/// Ctrl-C or SIGTERM while the platform was asked whose the new token is, or SIGTERM or SIGHUP
/// at the question of which org to make active.
#[derive(Debug)]
struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sign-in interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// A session token this sign-in obtained, and whether it came on stdin: then its session was made
/// for a sign-in elsewhere, which may still use it, not by the browser for this machine.
struct Obtained<'a> {
    token: &'a Secret<String>,
    from_stdin: bool,
}

/// From a new token to a sign-in stored on this machine: whose token it is (unless Ctrl-C or
/// SIGTERM comes first, [`Interrupted`]), the org to make active (unless SIGTERM or SIGHUP ends
/// the question), then the token in `store` and the config that names it.
async fn store_sign_in(
    context: &Context,
    client: &ApiClient,
    platform: &PlatformUrl,
    credentials: &Credentials,
    store: StoreKind,
    Obtained { token, from_stdin }: Obtained<'_>,
    interrupted: &signals::Caught,
) -> anyhow::Result<Stored> {
    let me = match interrupted.unless_arrived(client.me()).await {
        Some(me) => me.map_err(|err| explain_refused_token(err, platform))?,
        None => return Err(Interrupted.into()),
    };
    // Read again after the wait for the browser or stdin: an `org switch` made meanwhile is the
    // newest choice, and writing back the one read before would undo it.
    let saved_org = context.load_config()?.active_org(&platform.key).map(str::to_owned);
    // Chosen before the config is locked: the choice may wait for a person, who may end it with
    // SIGTERM or SIGHUP (a closed window) rather than an answer: nothing is stored then.
    let (chosen_org, at_the_question) =
        interrupted.arrived_during(|| choose_active_org(&context.printer, &me, saved_org.as_deref(), interrupted));
    if at_the_question {
        return Err(Interrupted.into());
    }
    let chosen_org = chosen_org?;
    let is_member = |slug: &str| org::is_member(&me.memberships, slug);
    // From the tokens stored before to the config that names this one's store, one round under
    // the config directory's lock: a sign-in or sign-out at the same moment comes wholly before
    // or after it, never between (where it left a token in a store the config does not name).
    let lock = context.lock_config_dir()?;
    let replaced = previous_tokens(credentials, &context.load_config()?, platform, store);
    // Stored last but for the config, which is undone should the config fail.
    credentials.set(store, &platform.key, token)?;
    let active_org = context.update_config(|config| {
        config.platform_url = Some(platform.key.clone());
        let settings = config.platform_mut(&platform.key);
        settings.credential_store = Some(store);
        // The same session signed in again (its token, from `auth token`, piped back in) is the
        // one it was: a browser sign-in's stays this machine's own, for `auth logout` to end.
        let same_session = settings.session_id.as_deref() == Some(me.session.id.as_str());
        settings.session_from_token = match same_session {
            true => settings.session_from_token && from_stdin,
            false => from_stdin,
        };
        settings.session_id = Some(me.session.id.clone());
        // Switched again while the question was asked: that switch is newer still.
        let switched_meanwhile = settings.active_org.clone().filter(|now| Some(now) != saved_org.as_ref());
        settings.active_org = switched_meanwhile.filter(|slug| is_member(slug)).or(chosen_org);
        (settings.active_org.clone(), settings.session_from_token)
    });
    let (active_org, from_token) = match active_org {
        Ok(recorded) => recorded,
        Err(error) => return Err(undo_stored_token(credentials, platform, store, &replaced, error)),
    };
    remove_copies_elsewhere(credentials, platform, &replaced, store, &context.printer);
    drop(lock);
    Ok(Stored { me, active_org, replaced, from_token })
}

/// Browser sign-in waits up to 10 minutes for a person to approve: as `gh` does without a
/// terminal, ask for the token instead of waiting in a script or a CI job (where stderr is a
/// log), unless `--no-browser` says someone will read the code there and approve.
fn refuse_unattended_browser_sign_in(printer: &Printer, args: &LoginArgs) -> Result<(), CliError> {
    if args.with_token {
        return Ok(());
    }
    if printer.no_input() {
        return Err(CliError::usage(
            "browser sign-in waits for a person to approve it, and `--no-input` says no one will",
        )
        .with_hint(format!("pipe a session token in: `{WITH_TOKEN_FROM_A_FILE}`")));
    }
    if !args.no_browser && !printer.stderr_is_terminal() {
        return Err(CliError::usage(
            "browser sign-in waits for a person to approve it, and stderr, where its code would go, is not a \
             terminal (a script, a CI job)",
        )
        .with_hint(format!(
            "pipe a session token in: `{WITH_TOKEN_FROM_A_FILE}`; or, to wait for approval with the code in this \
             output, add `--no-browser`"
        )));
    }
    Ok(())
}

/// The config could not be saved: not signed in after all. The store goes back to what it held,
/// so that no working token is left behind an error that says the sign-in failed.
fn undo_stored_token(
    credentials: &Credentials,
    platform: &PlatformUrl,
    store: StoreKind,
    replaced: &[(StoreKind, Secret<String>)],
    error: anyhow::Error,
) -> anyhow::Error {
    let undone = match replaced.iter().find(|(kind, _)| *kind == store) {
        Some((_, previous)) => credentials.set(store, &platform.key, previous),
        None => credentials.delete(store, &platform.key).map(|_| ()),
    };
    match undone {
        Ok(()) => error.context("the sign-in could not be saved, and its token was not kept"),
        Err(undo) => error.context(format!(
            "the sign-in could not be saved, and its token is still in the {} ({undo:#}): remove it with \
             `keystroke auth logout` once the config directory can be written",
            credentials.location(store)
        )),
    }
}

/// The tokens this machine holds for the platform already (readable ones: a sign-in is not held
/// up by a keyring that fails now): in the store the config records, and in the one about to be
/// written. A keyring holds one token per platform URL whatever the config directory, so another
/// `KEYSTROKE_CONFIG_DIR` may have put one there.
fn previous_tokens(
    credentials: &Credentials,
    config: &crate::config::Config,
    platform: &PlatformUrl,
    store: StoreKind,
) -> Vec<(StoreKind, Secret<String>)> {
    let recorded = config.recorded_store(&platform.key);
    // The opt-in file too: a `config.json` deleted since may no longer record it.
    let mut kinds = Vec::new();
    for kind in recorded.into_iter().chain([store, StoreKind::File]) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds
        .into_iter()
        .filter_map(|kind| credentials.get(kind, &platform.key).ok().flatten().map(|token| (kind, token)))
        .collect()
}

/// A token of the previous sign-in kept in another store than this one's goes: the config now
/// names this store only, and nothing would read or remove it there. (This store's own was
/// overwritten.)
fn remove_copies_elsewhere(
    credentials: &Credentials,
    platform: &PlatformUrl,
    replaced: &[(StoreKind, Secret<String>)],
    store: StoreKind,
    printer: &Printer,
) {
    for (previous_store, _) in replaced.iter().filter(|(kind, _)| *kind != store) {
        if let Err(err) = credentials.delete(*previous_store, &platform.key) {
            printer.warn(&format!(
                "could not remove the previous token from the {} ({err:#}); it is no longer used, remove it by hand",
                credentials.location(*previous_store)
            ));
        }
    }
}

/// The sessions of the sign-ins this one replaced on this machine, which stay valid: not revoked,
/// since `keystroke auth token` may have handed them to a script. On a terminal it says how to
/// end each; the list is for `--json`. Best effort: a platform that fails now does not undo the
/// sign-in, and a session that ended already needs no word.
async fn name_replaced_sessions(
    context: &Context,
    platform: &PlatformUrl,
    replaced: &[(StoreKind, Secret<String>)],
    token: &Secret<String>,
    me: &Me,
) -> Vec<ReplacedSession> {
    let mut replaced_sessions = Vec::new();
    for (index, (_, previous)) in replaced.iter().enumerate() {
        // One token in two stores is one sign-in; the same session signed in anew replaces none;
        // a damaged one (edited by hand) names no session and is not to be sent.
        let seen_before = replaced[..index].iter().any(|(_, seen)| seen == previous);
        if seen_before || previous == token || !keystroke_api::looks_like_session_token(previous.expose()) {
            continue;
        }
        let Ok(client) = context.client(platform, Some(previous.clone())) else { continue };
        let Ok(previous_me) = client.me().await else { continue };
        replaced_sessions.push(ReplacedSession {
            id: previous_me.session.id,
            same_user: previous_me.user.id == me.user.id,
            email: previous_me.user.email,
        });
    }
    // With `--json`, in the document instead.
    if !context.printer.json() {
        for session in &replaced_sessions {
            let how_to_end = if session.same_user {
                format!("or until `keystroke session revoke {}`", session.id)
            } else {
                // Sessions are revoked by their own user only.
                format!("or until {} signs in and runs `keystroke session revoke {}`", session.email, session.id)
            };
            context.printer.notice(&format!(
                "This replaces a sign-in stored on this machine ({}): its session {} stays valid until it expires, \
                 {how_to_end}",
                session.email, session.id
            ));
        }
    }
    replaced_sessions
}

/// The token comes from stdin only, never from argv, where other users and shell history see it.
/// On a terminal it is read without echo, so it stays off the screen and out of scrollback.
fn read_token_from_stdin(printer: &Printer) -> anyhow::Result<Secret<String>> {
    let input = if printer.can_prompt() {
        read_typed_token(printer)?
    } else if printer.stdin_is_terminal() {
        // Reading a terminal without a prompt would wait silently, and echo what is pasted.
        return Err(CliError::usage(
            "`--with-token` would read the token from a terminal, but cannot prompt for it here \
             (`--no-input`, or stderr is not a terminal)",
        )
        .with_hint(format!("pipe it in: `{WITH_TOKEN_FROM_A_FILE}`"))
        .into());
    } else {
        read_piped_token()?
    };
    // Without the byte-order mark an editor may put first (Notepad's "UTF-8").
    let token = input.expose().trim_start_matches('\u{feff}').trim();
    check_token_shape(token)?;
    Ok(Secret::new(token.to_string()))
}

/// The token typed or pasted at a prompt, echo off: Ctrl-C, which would kill the process and
/// leave the terminal without echo, is ignored; an empty line cancels.
fn read_typed_token(printer: &Printer) -> anyhow::Result<Secret<String>> {
    let typed = prompt::hidden_line(
        printer,
        "Paste a session token (it is not shown), then press Enter (Enter alone cancels)",
    )?;
    let typed = Secret::new(typed.unwrap_or_default());
    if typed.expose().trim().is_empty() {
        // An answer, not a mistake: the prompt offered Enter alone as the way out.
        return Err(CliError::declined("Sign-in cancelled. Nothing was stored.").into());
    }
    Ok(typed)
}

/// The token piped in. A token is under 100 bytes: past 64 KiB, stdin is something else (`yes |`,
/// `< /dev/zero`), which would otherwise be read into memory until it ends, if ever.
fn read_piped_token() -> anyhow::Result<Secret<String>> {
    const MOST_READ: u64 = 64 * 1024;
    let mut input = Vec::new();
    std::io::stdin().lock().take(MOST_READ + 1).read_to_end(&mut input)?;
    if input.len() as u64 > MOST_READ {
        return Err(CliError::usage("`--with-token` read more than 64 KiB from stdin, which is not a session token")
            .with_hint(format!("pipe in the token alone: `{WITH_TOKEN_FROM_A_FILE}`"))
            .into());
    }
    Ok(Secret::new(String::from_utf8(input).map_err(|_| {
        CliError::usage("what `--with-token` read is not text; session tokens look like `kss_…`, on one line")
            .with_hint(format!("pipe in the token alone: `{WITH_TOKEN_FROM_A_FILE}`"))
    })?))
}

/// A session token, or the error that says what was read instead (without repeating it).
fn check_token_shape(token: &str) -> Result<(), CliError> {
    if token.is_empty() {
        return Err(CliError::usage("`--with-token` found no token on stdin")
            .with_hint(format!("pipe it in: `{WITH_TOKEN_FROM_A_FILE}`")));
    }
    let refused = match token_shape(token) {
        TokenShape::Session => return Ok(()),
        // Refused here, before it travels: the platform would refuse it as a session anyway.
        TokenShape::ApiKey => CliError::usage("that is an API key; `--with-token` takes a user session token"),
        TokenShape::Other => {
            let what = if token.contains('\n') { "holds more than one line" } else { "is not a session token" };
            CliError::usage(format!("what `--with-token` read {what}; session tokens look like `kss_…`, on one line"))
        }
    };
    Err(refused.with_hint("`keystroke auth token` prints your session token on a machine where you are signed in"))
}

fn explain_refused_token(err: anyhow::Error, platform: &PlatformUrl) -> anyhow::Error {
    // The platform's code stays with the error, for `--json`.
    map_cli_error(err, |refused| {
        if refused.api_code.as_deref() == Some(keystroke_api::WEB_SESSION_REFUSED) {
            // A web page's session, taken from the browser: say so, since signing in again would not help.
            CliError {
                message: format!(
                    "{} did not accept the token: it is a session of the web pages, which only they accept",
                    platform.key
                ),
                ..refused
            }
            .with_hint(
                "pipe in what `keystroke auth token` prints where you signed in with `keystroke auth login`, or \
                 sign in here with the browser: `keystroke auth login`",
            )
        } else if refused.exit == ExitCode::NotSignedIn {
            CliError { message: format!("{} did not accept the session token", platform.key), ..refused }.with_hint(
                "the token may have expired or been revoked; run `keystroke auth login` to sign in with the browser",
            )
        } else {
            refused
        }
    })
}

/// RFC 8628: show the code, let the user approve in a browser, poll until they did. The token,
/// with the guard that has caught Ctrl-C and SIGTERM since the wait began, for the caller to
/// keep until the token is stored.
async fn sign_in_with_browser(
    context: &Context,
    platform: &PlatformUrl,
    no_browser: bool,
) -> anyhow::Result<(Secret<String>, signals::Caught)> {
    let printer = &context.printer;
    let client = context.client(platform, None)?;
    let authorization = client.start_device_authorization().await?;
    let device_code = Secret::new(authorization.device_code);

    // The code and URL come first, so a failing browser never hides them.
    printer.message_emphasis("First copy your one-time code: ", &authorization.user_code);
    printer.message(&format!("Then open {} in your browser and approve the sign-in.", authorization.verification_uri));
    // Without a person at a terminal (scripts, tests) a browser window would only get in the way.
    if !no_browser && printer.can_prompt() {
        open_browser(&authorization.verification_uri_complete);
    }

    let expires_in = Duration::from_secs(authorization.expires_in);
    let deadline = Instant::now() + expires_in;
    let mut interval = Duration::from_secs(authorization.interval.max(1));
    // Caught before the "Waiting" line: from then on Ctrl-C (or SIGTERM) ends the wait in words,
    // then the process by that signal, instead of killing it mid-line. A poll under way finishes
    // first, so a session the platform has just issued is not left for nobody.
    let interrupted = signals::Caught::new();
    let spinner = Spinner::new(printer, "Waiting for approval in the browser");
    // The interval from before the platform stopped answering, and the failure it gave.
    let mut unanswered: Option<(Duration, anyhow::Error)> = None;
    // A poll reached the platform but its answer was lost: if it carried the session, the next
    // poll hears "already used", and the platform ends that session (RFC 6749 §4.1.2).
    let mut answer_lost = false;
    loop {
        // The last poll is made before the code expires, not skipped by a long wait.
        let left = deadline.saturating_duration_since(Instant::now());
        if left <= LAST_POLL_MARGIN {
            return Err(unanswered.map_or_else(|| expired(expires_in).into(), |(_, error)| error));
        }
        if spinner.wait(interval.min(left - LAST_POLL_MARGIN), &interrupted).await == Waited::Interrupted {
            return Err(CliError::declined(format!(
                "Sign-in cancelled. Nothing was stored; the code stops working within {}.",
                in_minutes(expires_in)
            ))
            .into());
        }
        let poll = client.poll_device_token(&device_code).await;
        if poll.is_ok()
            && let Some((before, _)) = unanswered.take()
        {
            interval = before;
        }
        match poll {
            // A platform restarting, or a network that drops out for a while, is waited out
            // until the code expires (asking less often meanwhile, as RFC 8628 §3.5 asks): the
            // person approving in the browser may not even notice. TLS failures are not, which
            // waiting does not mend.
            Err(err) if err.downcast_ref::<CliError>().is_some_and(waited_out) => {
                answer_lost |= err.downcast_ref::<CliError>().is_some_and(|err| err.request_may_have_arrived);
                let before = match unanswered.take() {
                    Some((before, _)) => before,
                    None => {
                        spinner.warn(&format!("{err:#}; still waiting for the approval, until the code expires"));
                        interval
                    }
                };
                interval = (interval * 2).min(MAX_POLL_INTERVAL_WHILE_UNANSWERED).max(interval);
                unanswered = Some((before, err));
            }
            Ok(DevicePoll::Pending) => {}
            Ok(DevicePoll::SlowDown(new_interval)) => {
                // RFC 8628 §3.5: without a new interval, add five seconds.
                interval = new_interval.map(Duration::from_secs).unwrap_or(interval + Duration::from_secs(5));
            }
            Ok(DevicePoll::Approved(token)) => return Ok((token, interrupted)),
            Err(err) if answer_lost && err.downcast_ref::<CliError>().is_some_and(is_invalid_grant) => {
                return Err(CliError::new(
                    ExitCode::Unreachable,
                    "the platform's answer to a poll was lost on its way, and the code is used up: that answer \
                     carried the session, which the platform ended when the code came again, so nothing is left valid",
                )
                .with_hint("run `keystroke auth login` again")
                .into());
            }
            Ok(DevicePoll::Expired) => return Err(expired(expires_in).into()),
            Ok(DevicePoll::Denied) => {
                return Err(CliError::failure(
                    "the sign-in was denied: in the browser, or by an administrator who signed the account out \
                     meanwhile",
                )
                .with_hint("run `keystroke auth login` again if that was a mistake")
                .into());
            }
            Err(err) => return Err(err),
        }
    }
}

/// A poll failure that waiting may mend: the platform not reached at all, or its answer lost on
/// the way back (a cut connection, a proxy's 502 or 504), but not a TLS failure.
fn waited_out(err: &CliError) -> bool {
    err.exit == ExitCode::Unreachable && (err.no_connection_made || err.request_may_have_arrived)
}

/// The platform's "unknown or already used device code" (RFC 6749's `invalid_grant`).
fn is_invalid_grant(err: &CliError) -> bool {
    err.api_code.as_deref() == Some("invalid_grant")
}

/// Revokes the session the browser approved for a sign-in that could not be stored (`err` says
/// why: the platform did not say whose it is, Ctrl-C came first, the keyring failed), rather
/// than leave it valid for 30 days with its token nowhere; `err` then says that too.
async fn revoke_unstored_session(client: &ApiClient, err: anyhow::Error) -> anyhow::Error {
    const FIND_IT: &str = "`keystroke session list` shows it once you are signed in (this machine's, made just \
                           now), and `keystroke session revoke ID` ends it";
    let refused = |err: &anyhow::Error| exits_with(err, ExitCode::NotSignedIn);
    if refused(&err) {
        // The platform refused the token: there is no session to revoke.
        return err;
    }
    // Briefly: the platform may be what failed, and someone may be waiting to get out.
    let (outcome, left) = match tokio::time::timeout(Duration::from_secs(5), client.logout()).await {
        Ok(Ok(())) => ("the session the browser approved was revoked", false),
        Ok(Err(err)) if refused(&err) => ("the session the browser approved has ended already", false),
        _ => ("the session the browser approved could not be revoked, and may stay valid with its token nowhere", true),
    };
    if err.is::<Interrupted>() {
        // The user's own choice, said as a plain sentence (a declined answer shows no hint).
        let find_it = if left { format!(" {FIND_IT}.") } else { String::new() };
        return CliError::declined(format!("Sign-in interrupted: {outcome}. Nothing was stored.{find_it}")).into();
    }
    let message = format!("{err:#}; {outcome}");
    let mut failure = err.downcast::<CliError>().unwrap_or_else(|_| CliError::failure(""));
    failure.message = message;
    if left {
        failure.hint = Some(failure.hint.map_or_else(|| FIND_IT.to_owned(), |hint| format!("{hint}; {FIND_IT}")));
    }
    failure.into()
}

fn expired(expires_in: Duration) -> CliError {
    CliError::failure("the sign-in code expired before it was approved")
        .with_hint(format!("run `keystroke auth login` again and approve within {}", in_minutes(expires_in)))
}

/// A code's lifetime as people say it: "10 minutes", "1 minute", rounded up.
fn in_minutes(lifetime: Duration) -> String {
    match lifetime.as_secs().div_ceil(60) {
        1 => "1 minute".to_owned(),
        minutes => format!("{minutes} minutes"),
    }
}

/// Best effort: the URL is already on screen, so a missing opener is not an error.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut command = std::process::Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler");
        command
    } else {
        std::process::Command::new("xdg-open")
    };
    // The browser, and whatever it starts, need no session token of this command's environment.
    let _ = command
        .arg(url)
        .env_remove(env::TOKEN)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// The host of an `http://` platform URL that is not this machine (`localhost` or a loopback
/// address), which can read whatever crosses the network to it.
fn plain_http_off_this_machine(url: &reqwest::Url) -> Option<&str> {
    let host = url.host_str()?;
    (url.scheme() == "http" && !keystroke_api::is_this_machine(host)).then_some(host)
}

/// The user's only org; else the saved one if still valid; else, on a terminal, their pick.
fn choose_active_org(
    printer: &Printer,
    me: &Me,
    saved: Option<&str>,
    interrupted: &signals::Caught,
) -> anyhow::Result<Option<String>> {
    let slugs: Vec<&str> = me.memberships.iter().map(|m| m.org.slug.as_str()).collect();
    if let [only] = slugs.as_slice() {
        return Ok(Some(only.to_string()));
    }
    if let Some(saved) = saved.filter(|saved| slugs.contains(saved)) {
        return Ok(Some(saved.to_string()));
    }
    if slugs.is_empty() || !printer.can_prompt() {
        return Ok(None);
    }
    let items: Vec<String> = me.memberships.iter().map(|m| org::choice_label(m, false)).collect();
    // Ctrl-C leaves no active org, as if there were no terminal to ask on.
    let picked = prompt::pick(printer, Some(interrupted), "Which org should commands act on?", &items, 0)?;
    Ok(picked.map(|picked| slugs[picked].to_string()))
}

#[cfg(test)]
mod tests {
    use super::plain_http_off_this_machine;

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
}
