use clap::Args;
use clap_complete::ArgValueCandidates;
use dialoguer::Confirm;

use crate::complete;
use crate::context::Context;
use crate::error::CliError;
use crate::printer::Printer;
use crate::{ids, prompt};

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The key's ID (`ak_…`), as `keystroke api-key list` shows it
    #[arg(add = ArgValueCandidates::new(complete::api_key_ids))]
    pub id: String,

    /// Revoke without asking for confirmation (needed when not on a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub async fn run(context: &Context, args: &RevokeArgs) -> anyhow::Result<()> {
    let printer = &context.printer;
    ids::check_api_key_id(&args.id)?;
    // Off a terminal the answer is known without the network: refuse before anything else.
    if !args.yes && !printer.can_prompt() {
        return Err(CliError::usage(format!("refusing to revoke API key {} without confirmation", args.id))
            .with_hint("pass `--yes` to revoke it without a prompt")
            .into());
    }
    // Signed in, and in which org: asked before the question, which names the org.
    let signed_in = context.signed_in()?;
    let org = context.org(&signed_in).await?;
    if !args.yes && !confirmed(printer, &args.id, &org)? {
        return Err(CliError::declined("Nothing revoked.").into());
    }
    let revoked = signed_in.client.revoke_api_key(&org, &args.id).await?;

    if printer.json() {
        return printer.json_data(&revoked);
    }
    printer.notice(&format!("Revoked API key {} ({})", revoked.id, revoked.name));
    Ok(())
}

/// Revoking cannot be undone: on a terminal, ask (the default is no; Ctrl-C is a no too).
fn confirmed(printer: &Printer, id: &str, org: &str) -> anyhow::Result<bool> {
    let answer = prompt::ask(printer, || {
        Confirm::new()
            .with_prompt(format!("Revoke API key {id} in {org}? Requests using it will fail at once"))
            .default(false)
            .interact()
    })?;
    Ok(answer == Some(true))
}
