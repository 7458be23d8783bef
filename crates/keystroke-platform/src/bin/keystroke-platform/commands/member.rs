//! `keystroke-platform member`: list, add, set-role, remove.

use std::io::Write;

use keystroke_platform::admin;

use crate::args::{MemberCommand, OrgListArgs};

pub(crate) fn run(command: MemberCommand) -> anyhow::Result<()> {
    match command {
        MemberCommand::List(OrgListArgs { db, org, listing }) => {
            let members = admin::members(&db.open_existing()?, &org)?;
            let rows =
                members.into_iter().map(|(user, role)| [user.email.into(), role.as_str().into(), user.name.into()]);
            listing.print([("EMAIL", "email"), ("ROLE", "role"), ("NAME", "name")], rows.collect())
        }
        MemberCommand::Add { member, role } => {
            let user = admin::add_member(&member.db.open_existing_to_change()?, &member.org, &member.email, role)?;
            say!("Added {} to `{}` as {role}", user.email, member.org);
            Ok(())
        }
        MemberCommand::SetRole { member, role } => {
            match admin::set_role(&member.db.open_existing_to_change()?, &member.org, &member.email, role)? {
                (user, true) => say!("{} is now {role} in `{}`", user.email, member.org),
                (user, false) => say!("{} is {role} in `{}` already; nothing changed", user.email, member.org),
            }
            Ok(())
        }
        MemberCommand::Remove { member } => {
            let user = admin::remove_member(&member.db.open_existing_to_change()?, &member.org, &member.email)?;
            say!("Removed {} from `{}`; their API keys there no longer work", user.email, member.org);
            Ok(())
        }
    }
}
