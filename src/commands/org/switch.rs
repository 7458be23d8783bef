use clap::Args;
use clap_complete::ArgValueCandidates;
use keystroke_api::Membership;

use super::OrgOutput;
use crate::client::org_hint;
use crate::completion_candidates;
use crate::context::{self, Context};
use crate::error::{CliError, ExitCode};
use crate::printer::lost_after;
use crate::{env, ids, prompt};

#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// The org's slug (see `keystroke org list`); asked for on a terminal when omitted
    // An id of its own: under the global `--org`'s id, clap would fill it from `--org` (or, before,
    // `KEYSTROKE_ORG`), and a one-command override would be saved.
    #[arg(id = "slug", value_name = "ORG", add = ArgValueCandidates::new(completion_candidates::org_slugs))]
    pub slug: Option<String>,
}

pub async fn run(context: &Context, args: &SwitchArgs) -> anyhow::Result<()> {
    let printer = &context.printer;
    if let Some(slug) = &args.slug {
        ids::check_org_slug(slug)?;
    }
    // `--org` is one command's org, never saved: taken for the org to switch to, it would be.
    match (context.global.org.as_deref().filter(|_| !context.global.org_from_env), &args.slug) {
        // (A `--org` that is no slug was refused before: `commands::run`.)
        (Some(flag_org), None) => {
            return Err(CliError::usage("`org switch` takes the org to switch to as its argument, not `--org`")
                .with_hint(format!("run `keystroke org switch {flag_org}`"))
                .into());
        }
        (Some(flag_org), Some(slug)) if flag_org != slug => {
            printer.warn(&format!("`--org` does not apply to `org switch`, which saves the org it names: {slug}"))
        }
        _ => {}
    }
    let signed_in = context.signed_in()?;
    let me = signed_in.client.me().await?;
    let membership = match &args.slug {
        Some(slug) => find(&me.memberships, slug, &signed_in.platform.flag_for_hints())?,
        None if me.memberships.is_empty() => return Err(context::in_no_org(&me.user.email, &signed_in.platform).into()),
        None => pick(context, &me.memberships, signed_in.default_org(&me.memberships))?,
    };

    let platform = &signed_in.platform.key;
    context.update_config(|config| config.platform_mut(platform).active_org = Some(membership.org.slug.clone()))?;
    // Saved all the same, but the variable wins over it in every command until it is unset. Read
    // as it is set, whether or not this command's `--org` hid it.
    let overriding = env::var(env::ORG);
    if let Some(overriding) = overriding.as_deref().filter(|overriding| *overriding != membership.org.slug) {
        printer.warn(&format!(
            "`{}` is set to {}, which commands act on instead of the active org; unset it to use `{}`",
            env::ORG,
            ids::quoted(overriding),
            membership.org.slug
        ));
    }

    if printer.json() {
        // `active` as `org list` says it here: false while the variable sends commands elsewhere,
        // so that a script checking it does not go on to act in the wrong org.
        let acting_on = overriding.as_deref().unwrap_or(&membership.org.slug);
        let switched = OrgOutput::new(membership, Some(acting_on));
        return printer.json_data(&switched).map_err(lost_after(format!("the active org is {}", membership.org.slug)));
    }
    printer.notice(&format!("Switched to {} ({})", membership.org.slug, membership.org.name));
    Ok(())
}

/// The membership of org `slug`; `flag` sends the hint's command to the same platform.
fn find<'a>(memberships: &'a [Membership], slug: &str, flag: &str) -> anyhow::Result<&'a Membership> {
    let not_found = || CliError::new(ExitCode::NotFound, keystroke_api::org_not_found(slug)).with_hint(org_hint(flag));
    memberships.iter().find(|membership| membership.org.slug == slug).ok_or_else(|| not_found().into())
}

/// Starts on the active org, so that Enter changes nothing.
fn pick<'a>(context: &Context, memberships: &'a [Membership], active: Option<&str>) -> anyhow::Result<&'a Membership> {
    if !context.printer.can_prompt() {
        return Err(CliError::usage("name the org to switch to")
            .with_hint("run `keystroke org switch ORG`; `keystroke org list` shows your orgs")
            .into());
    }
    let is_active = |m: &Membership| Some(m.org.slug.as_str()) == active;
    let items: Vec<String> = memberships.iter().map(|m| super::choice_label(m, is_active(m))).collect();
    let start = memberships.iter().position(is_active).unwrap_or(0);
    let picked = prompt::pick(&context.printer, None, "Switch to which org?", &items, start)?
        .ok_or_else(|| CliError::declined("The active org is unchanged."))?;
    Ok(&memberships[picked])
}
