//! Questions on the terminal (dialoguer), where Ctrl-C means "cancel".
//!
//! While dialoguer waits it hides the cursor and reads keys in raw mode, where Ctrl-C arrives as
//! a key that it turns into a SIGINT to the process. By default that kills the process with the
//! cursor still hidden and the prompt line unfinished. For the prompt's duration SIGINT is
//! ignored instead, so Ctrl-C comes back as an error: the cursor is shown again and the command
//! ends like a "no". SIGTERM, SIGHUP and SIGQUIT still end it (unless the process was started
//! ignoring them), once the terminal is as it was; or, for a prompt within a wait that answers
//! SIGTERM and SIGHUP in words ([`ask_within`]), they end the prompt and leave the rest to it.

use std::io;

use dialoguer::Confirm;

use crate::error::CliError;
use crate::printer::{Printer, one_line};
use crate::signals;

/// Before what cannot be undone (revoking): off a terminal the answer is known without the
/// network, so this refuses before anything else unless `--yes` was given.
pub fn refuse_unconfirmed(printer: &Printer, yes: bool, verb: &str, what: &str) -> Result<(), CliError> {
    if yes || printer.can_prompt() {
        return Ok(());
    }
    Err(CliError::usage(format!("refusing to {verb} {what} without confirmation"))
        .with_hint(format!("pass `--yes` to {verb} it without a prompt")))
}

/// Asks a yes/no question about something that cannot be undone: no by default, Ctrl-C is a no,
/// and a no ends the command with "Nothing revoked." (exit 1).
pub fn confirm_revoke(printer: &Printer, question: String) -> anyhow::Result<()> {
    // The question may quote a name from the platform: made one line, like every message.
    let question = one_line(&question).into_owned();
    let answer = ask(printer, || Confirm::new().with_prompt(question).default(false).interact())?;
    match answer {
        Some(true) => Ok(()),
        _ => Err(CliError::declined("Nothing revoked.").into()),
    }
}

/// The answer, or `None` when the user pressed Ctrl-C.
pub fn ask<T>(printer: &Printer, prompt: impl FnOnce() -> dialoguer::Result<T>) -> anyhow::Result<Option<T>> {
    answer(printer, signals::DuringPrompt::new(), prompt)
}

/// [`ask`] within a wait that answers SIGTERM and SIGHUP in words (`wait`): they end the prompt
/// with `None` too, and the wait tells them from Ctrl-C ([`signals::Caught::arrived_during`]).
pub fn ask_within<T>(
    printer: &Printer,
    wait: &signals::Caught,
    prompt: impl FnOnce() -> dialoguer::Result<T>,
) -> anyhow::Result<Option<T>> {
    answer(printer, signals::DuringPrompt::answered_by(wait), prompt)
}

fn answer<T>(
    printer: &Printer,
    signals: signals::DuringPrompt,
    prompt: impl FnOnce() -> dialoguer::Result<T>,
) -> anyhow::Result<Option<T>> {
    let answer = prompt();
    drop(signals);
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(dialoguer::Error::IO(err)) if err.kind() == io::ErrorKind::Interrupted => {
            printer.stderr_raw("\x1b[?25h\n");
            Ok(None)
        }
        Err(err) => Err(err.into()),
    }
}
