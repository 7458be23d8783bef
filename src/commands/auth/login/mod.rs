//! `keystroke auth login`: with the browser ([`browser`]) or a token on stdin ([`with_token`]), then
//! the sign-in kept on this machine ([`store`]) and said, in words or JSON.

use clap::Args;
use serde::Serialize;

use crate::context::{Context, plain_http_off_this_machine};
use crate::credentials::{Credentials, StoreKind};
use crate::env;
use crate::error::CliError;
use crate::printer::{Printer, lost_after};
use crate::secret::Secret;
use crate::signals;

mod browser;
mod store;
mod with_token;

use browser::{revoke_unstored_session, sign_in_with_browser};
use store::{Stored, name_replaced_sessions, store_sign_in};
use with_token::read_token_from_stdin;

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
pub(super) struct ReplacedSession {
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
    let Stored { me, active_org, replaced, removed_from, from_token, default_moved_from } = match stored {
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
    // Warnings, with `--json` too: scripts are where these happen. A job's later step that signs
    // in again without `--insecure-storage` moves its token out of the file.
    if let Some(warning) = credentials.sharing_warning(store) {
        printer.warn(&warning);
    }
    if removed_from.contains(&StoreKind::File) {
        printer.warn(&format!(
            "the token is no longer in {}, but in {}: `--insecure-storage` keeps it in the file",
            credentials.file_store_path().display(),
            credentials.location_in_sentence(store)
        ));
    }
    if !printer.json() {
        if let Some(before) = &default_moved_from {
            printer.notice(&format!(
                "Commands without `--platform-url` now go to {} (they went to {before}, where you stay signed in: \
                 `--platform-url {before}` reaches it)",
                platform.key
            ));
        }
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
        printer
            .json_data(&LoginOutput {
                platform_url: &platform.key,
                user: &me.user,
                active_org: active_org.as_deref(),
                credential_store: store,
                session: &me.session,
                session_from_token: from_token,
                replaced_sessions: &replaced_sessions,
            })
            .map_err(lost_after(format!("signed in to {} (the token is stored)", platform.key)))?;
    }
    Ok(())
}

/// Ctrl-C or SIGTERM while the platform was asked whose the new token is, or SIGTERM or SIGHUP
/// at the question of which org to make active.
#[derive(Debug)]
pub(super) struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sign-in interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// A session token this sign-in obtained, and whether it came on stdin: then its session was made
/// for a sign-in elsewhere, which may still use it, not by the browser for this machine.
pub(super) struct Obtained<'a> {
    token: &'a Secret<String>,
    from_stdin: bool,
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
