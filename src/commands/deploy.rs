//! `keystroke deploy`: triggers the org's deploy as the signed-in user, through the same
//! webhook-style endpoint scripts call with an API key (`POST /api/hooks/deploy`).

use crate::context::Context;
use crate::printer::lost_after;

pub async fn run(context: &Context) -> anyhow::Result<()> {
    let printer = &context.printer;
    let signed_in = context.signed_in()?;
    let org = context.org(&signed_in).await?;
    let accepted = signed_in.client.trigger_deploy(&org).await?;

    if printer.json() {
        // Done already: a retry would trigger a second deploy, so the error says so.
        return printer
            .json_data(&accepted)
            .map_err(lost_after(format!("the deploy in {} was triggered", accepted.org)));
    }
    printer.notice(&format!("Deploy triggered in {}", accepted.org));
    Ok(())
}
