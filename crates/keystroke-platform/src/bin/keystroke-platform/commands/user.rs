//! `keystroke-platform user`: list, add, set-password, sign-out.

use std::io::{IsTerminal, Write};

use keystroke_platform::admin;
use keystroke_platform::storage::Accounts;

use super::first_line_of_stdin;
use crate::args::UserCommand;
use crate::hidden_prompt::hidden_line;

pub(crate) fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::List { db, listing } => {
            let users = db.open_existing()?.users()?;
            let rows = users.into_iter().map(|user| [user.email.into(), user.name.into()]).collect();
            listing.print([("EMAIL", "email"), ("NAME", "name")], rows)
        }
        UserCommand::Add { db, email, name } => {
            // Refused input creates no database file, which would then pass for an installation,
            // and asks for no password it would then throw away.
            admin::check_new_user(&email, &name)?;
            let existed = db.db.exists();
            if existed {
                admin::refuse_taken_email(&db.open_or_create()?, &email)?;
            }
            let password = read_password()?;
            admin::check_new_password(&password)?;
            let user = admin::add_user(&db.open_or_create()?, &email, &name, &password)?;
            say!("Added user {} <{}> ({})", user.name, user.email, user.id);
            if !existed {
                // The first command of a provisioning script: a mistyped path would pass unseen.
                say!(
                    "Created the database {} (a new installation; if you meant another, check `--db`)",
                    db.db.display()
                );
            }
            Ok(())
        }
        UserCommand::SetPassword { db, email } => {
            let storage = db.open_existing_to_change()?;
            // Looked up first: a mistyped email is said before a password is typed twice for it.
            let user = admin::user(&storage, &email)?;
            let password = read_password()?;
            admin::set_password(&storage, &user, &password)?;
            say!(
                "Set a new password for {email}; their sessions already signed in stay valid: end them with \
                 `keystroke-platform user sign-out --email {email}`",
                email = user.email
            );
            Ok(())
        }
        UserCommand::SignOut { db, email } => {
            let (user, ended) = admin::sign_out_everywhere(&db.open_existing_to_change()?, &email)?;
            let sessions = if ended == 1 { "session" } else { "sessions" };
            say!(
                "Ended {ended} {sessions} of {}; their API keys keep working (`member remove` ends those)",
                user.email
            );
            Ok(())
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let password = hidden_line("Password: ")?;
        // Typed unseen: a typo would set a password nobody knows.
        if !password.is_empty() && hidden_line("Password again: ")? != password {
            anyhow::bail!("the two passwords typed differ; nothing was changed");
        }
        password
    } else {
        first_line_of_stdin()?
    };
    anyhow::ensure!(!password.is_empty(), "no password given: pipe it on stdin or type it at the prompt");
    Ok(password)
}
