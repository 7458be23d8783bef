use super::OrgOutput;
use crate::context::{Context, in_no_org};
use crate::{env, ids, table};

pub async fn run(context: &Context) -> anyhow::Result<()> {
    // Only `KEYSTROKE_ORG` gets here as no slug (`--org` was refused before: `commands::run`). It
    // may have been set long ago, and this is the command that shows what to set it to: said,
    // not refused.
    let given = context.org_override().transpose();
    let signed_in = context.signed_in()?;
    let me = signed_in.client.me().await?;
    // `--org` / `KEYSTROKE_ORG` is the org that commands act on here, so it is the one marked.
    let active = match given {
        Some(Err(not_a_slug)) => {
            context.printer.warn(&format!(
                "{}: commands on an org fail until it is unset or names one of these, so none is marked active",
                not_a_slug.message
            ));
            None
        }
        Some(Ok(given)) => {
            if !super::is_member(&me.memberships, given) {
                let source = if context.global.org_from_env { env::ORG } else { "--org" };
                context.printer.warn(&format!(
                    "org {} (from `{source}`) is not among your orgs, so none is marked active",
                    ids::quoted(given)
                ));
            }
            Some(given)
        }
        None => signed_in.default_org(&me.memberships),
    };
    let orgs: Vec<OrgOutput> = me.memberships.iter().map(|membership| OrgOutput::new(membership, active)).collect();

    if context.printer.json() {
        return context.printer.json_data(&orgs);
    }
    if orgs.is_empty() {
        context.printer.notice(&in_no_org(&me.user.email, &signed_in.platform).message);
        return Ok(());
    }
    let mut rows = table::new(&["Active", "Slug", "Name", "Role"], context.printer.table_target());
    for org in &orgs {
        let marker = if org.active { "*" } else { "" };
        table::add_row(&mut rows, [marker, &org.slug, &org.name, org.role.as_str()]);
    }
    table::wrap_only(&mut rows, &["Name"]);
    context.printer.data(&table::render(&rows))?;
    Ok(())
}
