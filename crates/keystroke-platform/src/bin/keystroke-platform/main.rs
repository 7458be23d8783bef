//! `keystroke-platform`: serve the platform, run it in dev mode, or administer its members.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::process::ExitCode;

use clap::Parser;
use keystroke_platform::admin::{self, KeyToRevoke};
use keystroke_platform::storage::{Accounts, Timestamp};
use serde_json::Value;

/// `eprintln!` that cannot panic: a stderr that is closed or full loses the line, but the
/// command's outcome and exit code stand.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod listing;
mod serve;

use args::{AuditCommand, Cli, Command, KeyCommand, MemberCommand, OrgCommand, OrgListArgs, UserCommand};

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::try_parse().unwrap_or_else(|error| {
        if !error.use_stderr() {
            error.exit(); // --help, --version: on stdout
        }
        // clap quotes what it could not read back, a key pasted in the wrong place, an escape
        // sequence or a pasted megabyte included.
        let quoted = keystroke_api::lines_cut_at(&safe_to_show(&error.render().to_string()), 500);
        say!("{}", quoted.trim_end());
        std::process::exit(error.exit_code());
    });
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if keystroke_platform::storage::is_unavailable(&error) => {
            say!(
                "error: the database is locked by another process (a running command, an open `sqlite3` shell), \
                 and the command did not complete\nhint: try again in a moment"
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            // A path or value given may be a secret pasted in the wrong place (`--db kss_…`), or
            // hold an escape sequence, which the terminal would run.
            say!("error: {}", safe_to_show(&format!("{error:#}")));
            ExitCode::FAILURE
        }
    }
}

/// `text` without secrets ([`without_secrets`]) and with what could drive a terminal or hide in
/// it written out as escapes.
fn safe_to_show(text: &str) -> String {
    let unsafe_char = |c: char| (c.is_control() && c != '\n') || keystroke_api::is_invisible_or_bidi(c);
    keystroke_api::written_out(&without_secrets(text), unsafe_char).into_owned()
}

/// `text` with anything shaped like a secret, or part of one, replaced: the admin commands' own
/// messages name no prefix, so that what remains is what was typed or pasted.
fn without_secrets(text: &str) -> String {
    keystroke_api::redact_secrets(text, keystroke_api::SECRET_NOT_REPEATED)
}

/// Logs go to stderr; `RUST_LOG` picks the level (default `info`).
///
/// Each line, formatted whole first, goes out in one `write` to a copy of stderr's descriptor
/// rather than through `std::io::stderr()`, whose lock is held across the system call: with a
/// line for every request, the platform's two workers queued on that lock and slept. Unlocked,
/// two lines can interleave only where the kernel splits a `write`: never in a file, and in a
/// pipe or socket only past its buffer (4 KiB for a pipe's atomic writes; a request's line, its
/// path and query cut at 1 KiB, stays under it unless they are mostly escaped characters).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(std::io::stderr().is_terminal());
    // A stderr that is gone (its reader closed) loses the lines; a complaint about that on stderr
    // itself would panic the request that logged.
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(stderr) => logs.with_writer(std::fs::File::from(stderr)).log_internal_errors(false).init(),
        Err(_) => logs.with_writer(std::io::stderr).log_internal_errors(false).init(),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { db, bind, public_url, behind_proxy } => serve::serve(&db.db, bind, public_url, behind_proxy),
        Command::Dev { port, db, credentials_file, seed_keys } => {
            serve::dev(port, db.as_deref(), credentials_file.as_deref(), seed_keys)
        }
        Command::Backup { db, to } => {
            db.check_existing()?;
            keystroke_platform::storage::backup(&db.db, &to)?;
            say!("Backed up {} to {} (readable by you only)", db.db.display(), to.display());
            Ok(())
        }
        Command::User(UserCommand::List { db, listing }) => {
            let users = db.open_existing()?.users()?;
            let rows = users.into_iter().map(|user| [user.email.into(), user.name.into()]).collect();
            listing.print([("EMAIL", "email"), ("NAME", "name")], rows)
        }
        Command::User(UserCommand::Add { db, email, name }) => {
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
        Command::User(UserCommand::SetPassword { db, email }) => {
            let storage = db.open_existing_to_change()?;
            // Looked up first: a mistyped email is said before a password is typed twice for it.
            let user = admin::user(&storage, &email)?;
            let password = read_password()?;
            admin::set_password(&storage, &user, &password)?;
            say!(
                "Set a new password for {email}; their sessions already signed in stay valid: end them with \
                 `keystroke-platform user sign-out --email {email}`"
            );
            Ok(())
        }
        Command::User(UserCommand::SignOut { db, email }) => {
            let ended = admin::sign_out_everywhere(&db.open_existing_to_change()?, &email)?;
            let sessions = if ended == 1 { "session" } else { "sessions" };
            say!("Ended {ended} {sessions} of {email}; their API keys keep working (`member remove` ends those)");
            Ok(())
        }
        Command::Org(OrgCommand::List { db, listing }) => {
            let orgs = db.open_existing()?.orgs()?;
            let rows =
                orgs.into_iter().map(|(org, members)| [org.slug.into(), members.into(), org.name.into()]).collect();
            listing.print([("SLUG", "slug"), ("MEMBERS", "members"), ("NAME", "name")], rows)
        }
        Command::Org(OrgCommand::Create { db, slug, name, owner }) => {
            let org = admin::create_org(&db.open_existing_to_change()?, &slug, &name, &owner)?;
            say!("Created org `{}` ({}) owned by {owner}", org.slug, org.name);
            Ok(())
        }
        Command::Member(MemberCommand::List(OrgListArgs { db, org, listing })) => {
            let members = admin::members(&db.open_existing()?, &org)?;
            let rows =
                members.into_iter().map(|(user, role)| [user.email.into(), role.as_str().into(), user.name.into()]);
            listing.print([("EMAIL", "email"), ("ROLE", "role"), ("NAME", "name")], rows.collect())
        }
        // Without an id, clap has required `--leaked`.
        Command::Key(KeyCommand::Revoke { db, id, leaked: _ }) => {
            let storage = db.open_existing_to_change()?;
            let key = match id {
                Some(id) => KeyToRevoke::Id(id),
                None => KeyToRevoke::Secret(read_key_secret()?),
            };
            // A write that failed (a full disk) is said to have changed nothing: an operator
            // revoking a leaked key must not take SQLite's words for a refusal of something else.
            let revocation = admin::revoke_key(&storage, key).map_err(|error| {
                match error.chain().any(|cause| cause.is::<rusqlite::Error>()) {
                    true => error.context("nothing was revoked, and the key still works"),
                    false => error,
                }
            })?;
            let key = &revocation.key;
            let which = format!(
                "API key {} (\"{}\") of org `{}`, created by {}",
                key.id, key.name, key.org_slug, key.created_by.email
            );
            if revocation.already {
                say!("{which}, was revoked already, at {}; nothing changed", rfc3339(revocation.revoked_at));
            } else {
                say!("Revoked {which}: refused from now on (`audit list --org {}` records it)", key.org_slug);
            }
            Ok(())
        }
        Command::Audit(AuditCommand::List { list: OrgListArgs { db, org, listing }, since }) => {
            let events = admin::audit_events(&db.open_existing()?, &org)?;
            let since = since.unwrap_or(Timestamp::MIN);
            let rows = events.into_iter().filter(|event| event.created_at >= since).map(|event| {
                let at = rfc3339(event.created_at);
                let detail = event.detail.map_or(Value::Null, Value::from);
                [at.into(), event.action.into(), event.actor_email.into(), event.target_id.into(), detail]
            });
            let fields = [
                ("TIME", "created_at"),
                ("ACTION", "action"),
                ("USER", "actor_email"),
                ("TARGET", "target_id"),
                ("DETAIL", "detail"),
            ];
            listing.print(fields, rows.collect())
        }
        Command::Member(MemberCommand::Add { member, role }) => {
            admin::add_member(&member.db.open_existing_to_change()?, &member.org, &member.email, role)?;
            say!("Added {} to `{}` as {role}", member.email, member.org);
            Ok(())
        }
        Command::Member(MemberCommand::SetRole { member, role }) => {
            match admin::set_role(&member.db.open_existing_to_change()?, &member.org, &member.email, role)? {
                true => say!("{} is now {role} in `{}`", member.email, member.org),
                false => say!("{} is {role} in `{}` already; nothing changed", member.email, member.org),
            }
            Ok(())
        }
        Command::Member(MemberCommand::Remove { member }) => {
            admin::remove_member(&member.db.open_existing_to_change()?, &member.org, &member.email)?;
            say!("Removed {} from `{}`; their API keys there no longer work", member.email, member.org);
            Ok(())
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password("Password: ")?;
        // Typed unseen: a typo would set a password nobody knows.
        if !password.is_empty() && rpassword::prompt_password("Password again: ")? != password {
            anyhow::bail!("the two passwords typed differ; nothing was changed");
        }
        password
    } else {
        first_line_of_stdin()?
    };
    anyhow::ensure!(!password.is_empty(), "no password given: pipe it on stdin or type it at the prompt");
    Ok(password)
}

/// A stored time as the admin commands print it (`2026-11-28T10:00:00Z`).
fn rfc3339(at: keystroke_platform::storage::Timestamp) -> String {
    let at = keystroke_platform::state::to_datetime(at);
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A key's secret for `key revoke --leaked`, never from argv.
fn read_key_secret() -> anyhow::Result<String> {
    let secret = match std::io::stdin().is_terminal() {
        true => rpassword::prompt_password("The API key's secret: ")?,
        false => secret_on_stdin()?,
    };
    anyhow::ensure!(!secret.trim().is_empty(), "no secret given: pipe it on stdin or paste it at the prompt");
    Ok(secret.trim().to_owned())
}

/// The first line with text on stdin (blank lines aside), read no further than a secret can be
/// long (`< /dev/zero` has no end), and no further than its line: typed into a pipe (`ssh host
/// keystroke-platform key revoke --leaked`, then a paste and Enter) it must not wait for the end
/// of input. Lines that came with it (a file of several secrets) are refused, revoking none:
/// only the first would have been revoked, and the others said nothing of.
fn secret_on_stdin() -> anyhow::Result<String> {
    const MOST: usize = 64 * 1024;
    let mut stdin = std::io::BufReader::with_capacity(MOST, std::io::stdin().lock().take(MOST as u64));
    let mut line = String::new();
    while line.trim().is_empty() {
        line.clear();
        if stdin.read_line(&mut line)? == 0 {
            return Ok(String::new());
        }
    }
    let more = String::from_utf8_lossy(stdin.buffer()).lines().filter(|rest| !rest.trim().is_empty()).count();
    anyhow::ensure!(
        more == 0,
        "stdin holds {} lines, not one secret: nothing was revoked (pipe one secret at a time)",
        more + 1
    );
    Ok(line.trim().to_owned())
}

/// The first line of stdin (a password, spaces and all), read no further than one can be long
/// (`< /dev/zero` has no end).
fn first_line_of_stdin() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().take(64 * 1024).read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
