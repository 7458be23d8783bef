use clap::Args;
use clap_complete::ArgValueCandidates;

use crate::completion_candidates;
use crate::context::Context;
use crate::printer::lost_after;
use crate::{ids, prompt};

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The key's ID (`ak_…`), as `keystroke api-key list` shows it
    #[arg(add = ArgValueCandidates::new(completion_candidates::api_key_ids))]
    pub id: String,

    /// Revoke without asking for confirmation (needed when not on a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub async fn run(context: &Context, args: &RevokeArgs) -> anyhow::Result<()> {
    let printer = &context.printer;
    ids::check_api_key_id(&args.id)?;
    prompt::refuse_unconfirmed(printer, args.yes, "revoke", &format!("API key {}", args.id))?;
    // Signed in, and in which org: found out before the question, whose description names the org.
    let signed_in = context.signed_in()?;
    let org = context.org(&signed_in).await?;
    let on = signed_in.on_which_platform();
    if !args.yes {
        // Looked up first, so that no question is asked about a key that is not there, and the
        // description names the key: an id alone is easy to paste from the wrong line.
        let key = signed_in.client.api_key(&org, &args.id).await?;
        let described = format!("API key {} ({}) in {org}{on}: requests using it will fail at once.", key.id, key.name);
        prompt::confirm_revoke(printer, &described)?;
    }
    let revoked = signed_in.client.revoke_api_key(&org, &args.id).await?;

    if printer.json() {
        // Done already: a retry would find the key revoked (exit 5), so the error says so.
        return printer.json_data(&revoked).map_err(lost_after(format!("API key {} was revoked", revoked.id)));
    }
    printer.notice(&format!("Revoked API key {} ({}){on}", revoked.id, revoked.name));
    Ok(())
}
