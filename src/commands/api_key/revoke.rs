use clap::Args;
use clap_complete::ArgValueCandidates;
use dialoguer::Confirm;

use crate::complete;
use crate::context::Context;
use crate::error::CliError;
use crate::ids;

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
    if !args.yes && !confirmed(context, &args.id)? {
        return Err(CliError::failure("did not revoke the key").into());
    }
    let signed_in = context.signed_in()?;
    let org = context.org(&signed_in).await?;
    let revoked = signed_in.client.revoke_api_key(&org, &args.id).await?;

    if printer.json() {
        return printer.json_data(&revoked);
    }
    printer.notice(&format!("Revoked API key {} ({})", revoked.id, revoked.name));
    Ok(())
}

/// Asks on a terminal; anywhere else a script must say `--yes`, since revoking cannot be undone.
fn confirmed(context: &Context, id: &str) -> anyhow::Result<bool> {
    if !context.printer.can_prompt() {
        return Err(CliError::usage(format!("refusing to revoke API key {id} without confirmation"))
            .with_hint("pass `--yes` to revoke it without a prompt")
            .into());
    }
    Ok(Confirm::new()
        .with_prompt(format!("Revoke API key {id}? Requests using it will fail at once"))
        .default(false)
        .interact()?)
}
