use clap::Args;
use clap_complete::ArgValueCandidates;

use crate::completion_candidates;
use crate::context::Context;
use crate::credentials::TokenSource;
use crate::error::{CliError, ExitCode};
use crate::{env, ids, prompt, table};

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
    // Looked up first: the question names the session, and whether it is this command's own
    // matters below.
    let session = signed_in.client.list_sessions().await?.into_iter().find(|session| session.id == args.id);
    let Some(session) = session else {
        return Err(CliError::new(ExitCode::NotFound, format!("no active session `{}` of yours", args.id))
            .with_hint("`keystroke session list` shows your active sessions")
            .into());
    };
    // This machine's own session is `auth logout`'s, which also forgets its token; one that comes
    // from `KEYSTROKE_TOKEN` is not stored, so revoking it here is the way to end it, unless it is
    // the stored one's too (known by the id its sign-in recorded: no keyring asked, no request).
    let from_env = signed_in.source == TokenSource::Env;
    if session.current && !from_env {
        return Err(CliError::usage(format!("{} is the session this command runs with", session.id))
            .with_hint("run `keystroke auth logout` to end it and forget its token on this machine")
            .into());
    }
    let stored_here = signed_in.config.platform(&signed_in.platform.key).and_then(|s| s.session_id.as_deref());
    if from_env && stored_here == Some(session.id.as_str()) {
        return Err(CliError::usage(format!("{} is the session of this machine's stored sign-in", session.id))
            .with_hint(format!(
                "run `keystroke auth logout` with `{}` unset to end it and forget its token on this machine",
                env::TOKEN
            ))
            .into());
    }
    if !args.yes {
        let question = format!(
            "Revoke session {} ({}, signed in {})? Whoever uses it is signed out at once",
            session.id,
            session.client,
            table::time(session.created_at)
        );
        prompt::confirm_revoke(printer, question)?;
    }
    let revoked = signed_in.client.revoke_session(&session.id).await?;

    if !printer.json() {
        printer.notice(&format!("Revoked session {} ({})", session.id, session.client));
    }
    if session.current {
        printer.warn(&format!("`{}` holds the token of the session just revoked; unset it", env::TOKEN));
    }
    if printer.json() {
        printer.json_data(revoked.as_ref().unwrap_or(&session))?;
    }
    Ok(())
}
