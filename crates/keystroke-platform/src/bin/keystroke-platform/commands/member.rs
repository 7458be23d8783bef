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
            admin::add_member(&member.db.open_existing_to_change()?, &member.org, &member.email, role)?;
            say!("Added {} to `{}` as {role}", member.email, member.org);
            Ok(())
        }
        MemberCommand::SetRole { member, role } => {
            match admin::set_role(&member.db.open_existing_to_change()?, &member.org, &member.email, role)? {
                true => say!("{} is now {role} in `{}`", member.email, member.org),
                false => say!("{} is {role} in `{}` already; nothing changed", member.email, member.org),
            }
            Ok(())
        }
        MemberCommand::Remove { member } => {
            admin::remove_member(&member.db.open_existing_to_change()?, &member.org, &member.email)?;
            say!("Removed {} from `{}`; their API keys there no longer work", member.email, member.org);
            Ok(())
        }
    }
}
