mod list;
mod members;
mod switch;

use clap::Subcommand;
use keystroke_api::Membership;
use serde::Serialize;

use crate::context::Context;
use crate::printer::one_line;

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// List the orgs you belong to; `*` marks the active one (`--org`'s, when given)
    List,
    /// Make ORG the active org of later commands
    Switch(switch::SwitchArgs),
    /// List the org's members and their roles (owners and admins only)
    Members,
}

pub async fn run(context: &Context, command: OrgCommand) -> anyhow::Result<()> {
    match command {
        OrgCommand::List => list::run(context).await,
        OrgCommand::Switch(args) => switch::run(context, &args).await,
        OrgCommand::Members => members::run(context).await,
    }
}

/// An org as `--json` shows it.
#[derive(Debug, Serialize)]
pub struct OrgOutput {
    pub slug: String,
    pub name: String,
    pub role: keystroke_api::Role,
    pub active: bool,
}

impl OrgOutput {
    pub fn new(membership: &Membership, active: Option<&str>) -> Self {
        Self {
            slug: membership.org.slug.clone(),
            name: membership.org.name.clone(),
            role: membership.role,
            active: active == Some(membership.org.slug.as_str()),
        }
    }
}

/// Whether `memberships` has the org with this slug.
pub fn is_member(memberships: &[Membership], slug: &str) -> bool {
    memberships.iter().any(|membership| membership.org.slug == slug)
}

/// An org as a picker lists it (`org switch`, and the sign-in's question): `acme (Acme Corp, admin)`.
/// One line, whatever the platform sent as the name: a line break could add an item of its own.
pub fn choice_label(membership: &Membership, active: bool) -> String {
    let marker = if active { ", active" } else { "" };
    let label = format!("{} ({}, {}{marker})", membership.org.slug, membership.org.name, membership.role);
    one_line(&label).into_owned()
}

#[cfg(test)]
mod tests {
    use keystroke_api::{Membership, Org, Role};

    /// A name from a hostile platform or proxy cannot add a line that reads as another choice.
    #[test]
    fn a_choice_is_one_line_whatever_the_name() {
        let org = Org { id: "org_1".into(), slug: "acme".into(), name: "Acme\n  2) evil (Evil, owner)\x1b[2J".into() };
        let label = super::choice_label(&Membership { org, role: Role::Admin }, true);
        assert_eq!(label, r"acme (Acme\u{a}  2) evil (Evil, owner)\u{1b}[2J, admin, active)");
    }
}
