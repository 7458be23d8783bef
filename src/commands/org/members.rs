use keystroke_api::Member;

use crate::context::Context;
use crate::table;

/// The org's members and their roles: who may see every key, and whose keys act as what. The
/// platform shows them to owners and admins only (a builder gets exit 4).
pub async fn run(context: &Context) -> anyhow::Result<()> {
    let signed_in = context.signed_in()?;
    let org = context.org(&signed_in).await?;
    let members = signed_in.client.list_members(&org).await?;

    if context.printer.json() {
        return context.printer.json_data(&members);
    }
    context.printer.data(&render(&members, context.printer.table_target()))?;
    Ok(())
}

fn render(members: &[Member], target: table::Target) -> String {
    let mut rows = table::new(&["Email", "Name", "Role"], target);
    for member in members {
        table::add_row(&mut rows, [&member.user.email, &member.user.name, member.role.as_str()]);
    }
    table::wrap_only(&mut rows, &["Name"]);
    table::render(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keystroke_api::{Role, User};

    #[test]
    fn members_read_email_name_role() {
        let member = |email: &str, name: &str, role| Member {
            user: User { id: format!("usr_{name}"), email: email.into(), name: name.into() },
            role,
        };
        let text = render(
            &[member("ada@acme.test", "Ada Lovelace", Role::Owner), member("bo@acme.test", "Bo", Role::Builder)],
            table::Target::Pipe,
        );
        let lines: Vec<Vec<&str>> =
            text.lines().map(|line| line.split("  ").filter(|c| !c.is_empty()).collect()).collect();
        assert_eq!(lines[0].iter().map(|c| c.trim()).collect::<Vec<_>>(), ["Email", "Name", "Role"]);
        assert_eq!(lines[1].iter().map(|c| c.trim()).collect::<Vec<_>>(), ["ada@acme.test", "Ada Lovelace", "owner"]);
        assert_eq!(lines[2].iter().map(|c| c.trim()).collect::<Vec<_>>(), ["bo@acme.test", "Bo", "builder"]);
    }
}
