//! `keystroke-platform`: serve the platform, run it in dev mode, or administer its members.

use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;
use std::process::ExitCode;

use clap::Parser;

/// `eprintln!` that cannot panic: a stderr that is closed or full loses the line, but the
/// command's outcome and exit code stand.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod commands;
mod hidden_prompt;
mod listing;
mod serve;

use args::{Cli, Command};

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::try_parse().unwrap_or_else(|error| {
        if !error.use_stderr() {
            error.exit(); // --help, --version: on stdout
        }
        // clap quotes what it could not read back, a key pasted in the wrong place, an escape
        // sequence or a pasted megabyte included.
        let quoted =
            keystroke_api::lines_cut_at(&safe_to_show(&error.render().to_string()), keystroke_api::LONGEST_LINE_QUOTED);
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
        Command::User(command) => commands::user::run(command),
        Command::Org(command) => commands::org::run(command),
        Command::Member(command) => commands::member::run(command),
        Command::Key(command) => commands::key::run(command),
        Command::Audit(command) => commands::audit::run(command),
    }
}
