//! `keystroke-platform org`: list, create.

use std::io::Write;

use keystroke_platform::admin;
use keystroke_platform::storage::Accounts;

use crate::args::OrgCommand;

pub(crate) fn run(command: OrgCommand) -> anyhow::Result<()> {
    match command {
        OrgCommand::List { db, listing } => {
            let orgs = db.open_existing()?.orgs()?;
            let rows =
                orgs.into_iter().map(|(org, members)| [org.slug.into(), members.into(), org.name.into()]).collect();
            listing.print([("SLUG", "slug"), ("MEMBERS", "members"), ("NAME", "name")], rows)
        }
        OrgCommand::Create { db, slug, name, owner } => {
            let (org, owner) = admin::create_org(&db.open_existing_to_change()?, &slug, &name, &owner)?;
            say!("Created org `{}` ({}) owned by {}", org.slug, org.name, owner.email);
            Ok(())
        }
    }
}
