use clap::Args;
use clap_complete::ArgValueCandidates;

use crate::completion_candidates;
use crate::config::Config;
use crate::context::{Context, PlatformUrl};
use crate::credentials::{Peeked, TokenSource};
use crate::error::{CliError, ExitCode};
use crate::printer::lost_after;
use crate::{env, ids, prompt};

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The session's ID (`ses_…`), as `keystroke session list` shows it
    #[arg(add = ArgValueCandidates::new(completion_candidates::session_ids))]
    pub id: String,

    /// Revoke without asking for confirmation (needed when not on a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub async fn run(context: &Context, args: &RevokeArgs) -> anyhow::Result<()> {
    let printer = &context.printer;
    ids::check_session_id(&args.id)?;
    prompt::refuse_unconfirmed(printer, args.yes, "revoke", &format!("session {}", args.id))?;
    let signed_in = context.signed_in()?;
    // Looked up first: the line before the question names the session, and whether it is this
    // command's own matters below.
    let session = signed_in.client.list_sessions().await?.into_iter().find(|session| session.id == args.id);
    let Some(session) = session else {
        return Err(CliError::new(ExitCode::NotFound, format!("no active session {} of yours", ids::quoted(&args.id)))
            .with_hint("`keystroke session list` shows your active sessions")
            .into());
    };
    // This machine's own session is `auth logout`'s, which also forgets its token; one that comes
    // from `KEYSTROKE_TOKEN` is not stored, so revoking it here is the way to end it, unless it is
    // a stored sign-in's too.
    let from_env = signed_in.source == TokenSource::Env;
    // A session from `--with-token` is left valid by a plain `auth logout`.
    let logout = match signed_in
        .config
        .platforms
        .values()
        .any(|settings| settings.session_id.as_deref() == Some(session.id.as_str()) && settings.session_from_token)
    {
        true => "keystroke auth logout --revoke",
        false => "keystroke auth logout",
    };
    if session.current && !from_env {
        return Err(CliError::usage(format!("{} is the session this command runs with", session.id))
            .with_hint(format!("run `{logout}` to end it and forget its token on this machine"))
            .into());
    }
    if from_env && is_stored_sign_in(context, &signed_in.config, &signed_in.platform, &session.id).await {
        return Err(CliError::usage(format!("{} is the session of this machine's stored sign-in", session.id))
            .with_hint(format!(
                "run `{logout}` with `{}` unset to end it and forget its token on this machine",
                env::TOKEN
            ))
            .into());
    }
    if !args.yes {
        let described = format!(
            "Session {} ({}, signed in {}): whoever uses it is signed out at once.",
            session.id,
            session.client,
            keystroke_api::utc_minute(session.created_at)
        );
        prompt::confirm_revoke(printer, &described)?;
    }
    let revoked = signed_in.client.revoke_session(&session.id).await?;

    if !printer.json() {
        printer.notice(&format!("Revoked session {} ({})", session.id, session.client));
    }
    if session.current {
        printer.warn(&format!("`{}` holds the token of the session just revoked; unset it", env::TOKEN));
    }
    if printer.json() {
        let said = revoked.as_ref().unwrap_or(&session);
        printer.json_data(said).map_err(lost_after(format!("session {} was revoked", session.id)))?;
    }
    Ok(())
}

/// Whether `session_id` is the session of a sign-in stored on this machine (under any spelling of
/// the platform's URL), for a command that runs with `KEYSTROKE_TOKEN` instead. Known by the id
/// each sign-in records in the config, and, where the store can be looked at without asking
/// anyone (a file, the kernel keyring), only while its token is still there: a token gone with a
/// reboot leaves nothing to keep, and `auth logout` nothing to end. A sign-in recorded before ids
/// were is asked about, on this platform, with its token, where reading that token asks no one.
/// An OS keyring is taken at its word.
async fn is_stored_sign_in(context: &Context, config: &Config, platform: &PlatformUrl, session_id: &str) -> bool {
    let credentials = context.credentials().ok();
    for (url, settings) in &config.platforms {
        let Some(kind) = settings.credential_store else { continue };
        let stored = match credentials.as_ref().map(|credentials| credentials.peek(kind, url)) {
            Some(Peeked::Holds(token)) => Some(token),
            Some(Peeked::Empty) => continue,
            Some(Peeked::Unknown) | None => None,
        };
        match settings.session_id.as_deref() {
            Some(recorded) if recorded == session_id => return true,
            Some(_) => {}
            None if *url == platform.key => {
                let Some(token) = stored.filter(|token| keystroke_api::looks_like_session_token(token.expose())) else {
                    continue;
                };
                let Ok(client) = context.client(platform, Some(token)) else { continue };
                if client.me().await.is_ok_and(|me| me.session.id == session_id) {
                    return true;
                }
            }
            None => {}
        }
    }
    false
}
