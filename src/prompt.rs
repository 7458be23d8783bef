//! Questions on the terminal (dialoguer), where Ctrl-C means "cancel".
//!
//! While dialoguer waits it hides the cursor and reads keys in raw mode, where Ctrl-C arrives as
//! a key that it turns into a SIGINT to the process. By default that kills the process with the
//! cursor still hidden and the prompt line unfinished. For the prompt's duration SIGINT is
//! only recorded instead, so Ctrl-C comes back as an error: the cursor is shown again and the
//! command says what a "no" says, as on Esc or `q` (dialoguer's `interact_opt`), then ends by
//! SIGINT ([`signals::DuringPrompt::ctrl_c_pressed`]), so that a loop typed at a shell stops. From
//! before the question is drawn, the terminal sends Ctrl-C as a key, not as a SIGINT, so that a
//! press between two of dialoguer's reads is not lost (Ctrl-\ and Ctrl-Z are then keys it
//! ignores); a SIGINT sent from elsewhere (`kill -INT`) interrupts the wait for a key as the key
//! does.
//! SIGTERM, SIGHUP and SIGQUIT still end it (unless the process was started ignoring them), once
//! the terminal is as it was; or, for a prompt within a wait that answers SIGTERM and SIGHUP in
//! words ([`ask_within`]), they end the prompt and leave the rest to it.
//!
//! On a dumb terminal (`TERM=dumb`: Emacs' shell, some IDE consoles), where dialoguer's escape
//! codes would show as text and arrow keys may not reach the program, questions are asked a line
//! at a time instead: `[y/N]` and a numbered list, which Ctrl-C and Ctrl-D end as a "no" (Ctrl-C
//! then ends the command by SIGINT); and a line read with echo off, at which Ctrl-C and Ctrl-Z
//! are ignored as at dialoguer's.

use std::{fmt, io};

use dialoguer::theme::Theme;
use dialoguer::{Confirm, Password, Select};

use crate::error::CliError;
use crate::printer::Printer;
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

/// Asks whether to revoke what `described` says, which cannot be undone: no by default, Ctrl-C or
/// Esc is a no, and a no ends the command with "Nothing revoked." (exit 1; after Ctrl-C, by
/// SIGINT). The description (which
/// may quote a name from the platform, made one line like every message) goes on a line of its
/// own, shown even with `-q`, and the question stays short: answered, dialoguer redraws one row of
/// the terminal, and a question that had wrapped would be left on screen twice.
pub fn confirm_revoke(printer: &Printer, described: &str) -> anyhow::Result<()> {
    printer.message(described);
    let question = "Revoke it?";
    let answer = match printer.dumb_terminal() {
        true => ask_a_line(printer, None, || {
            let typed = read_line(printer, &format!("{question} [y/N] "))?;
            Ok(matches!(typed.trim().to_lowercase().as_str(), "y" | "yes"))
        })?,
        false => ask(printer, || Confirm::new().with_prompt(question).default(false).interact_opt())?.flatten(),
    };
    match answer {
        Some(true) => Ok(()),
        _ => Err(CliError::declined("Nothing revoked.").into()),
    }
}

/// The index of the item picked, starting on `start`, or `None` when the user pressed Ctrl-C or
/// Esc (or SIGTERM or SIGHUP came, within `wait`: see [`ask_within`]). The items are shown as they
/// are: made fit for a terminal by the caller.
pub fn pick(
    printer: &Printer,
    wait: Option<&signals::Caught>,
    question: &str,
    items: &[String],
    start: usize,
) -> anyhow::Result<Option<usize>> {
    if printer.dumb_terminal() {
        return ask_a_line(printer, wait, || pick_by_number(printer, question, items, start));
    }
    let select =
        || Select::with_theme(&QuestionMarkTheme).with_prompt(question).items(items).default(start).interact_opt();
    let picked = match wait {
        Some(wait) => ask_within(printer, wait, select)?,
        None => ask(printer, select)?,
    };
    Ok(picked.flatten())
}

/// dialoguer's plain theme, but a picker's question ends with its own `?`, not `?:`.
struct QuestionMarkTheme;

impl Theme for QuestionMarkTheme {
    fn format_select_prompt(&self, f: &mut dyn fmt::Write, prompt: &str) -> fmt::Result {
        write!(f, "{prompt}{}", after_prompt(prompt))
    }

    fn format_select_prompt_selection(&self, f: &mut dyn fmt::Write, prompt: &str, picked: &str) -> fmt::Result {
        write!(f, "{prompt}{} {picked}", after_prompt(prompt))
    }
}

fn after_prompt(prompt: &str) -> &'static str {
    if prompt.ends_with('?') { "" } else { ":" }
}

/// A line typed with echo off (a secret): Ctrl-C is ignored, as the terminal would be left
/// without echo by a process it ended, and so is Ctrl-Z ([`signals::DuringPrompt::not_suspended`]).
/// `None` only if the read was interrupted all the same.
pub fn hidden_line(printer: &Printer, question: &str) -> anyhow::Result<Option<String>> {
    let typed = if !printer.dumb_terminal() {
        answer(printer, signals::DuringPrompt::new().not_suspended(), || {
            Password::new().with_prompt(question).allow_empty_password(true).report(false).interact()
        })?
    } else {
        // Emacs' shell echoes what is typed itself, unless the prompt reads as a password's
        // (`comint-password-prompt-regexp`): then it asks in the minibuffer, without showing it.
        let prompt = format!("{question}\nEnter it as a password: ");
        answer(printer, signals::DuringPrompt::new().not_suspended().drawn_plainly(), || {
            printer.stderr_raw(&prompt);
            Ok(dialoguer::console::Term::stderr().read_secure_line()?)
        })?
    };
    // Ctrl-Z, which the prompt takes as a character: no secret holds one.
    Ok(typed.map(|typed| typed.replace('\u{1a}', "")))
}

/// The answer to a question read a key at a time, or `None` when the user pressed Ctrl-C.
fn ask<T>(printer: &Printer, prompt: impl FnOnce() -> dialoguer::Result<T>) -> anyhow::Result<Option<T>> {
    answer(printer, signals::DuringPrompt::new().ctrl_c_as_a_key(), prompt)
}

/// [`ask`] within a wait that answers SIGTERM and SIGHUP in words (`wait`): they end the prompt
/// with `None` too, as Ctrl-C does, and the wait knows it was ended ([`signals::Caught::arrived`]).
fn ask_within<T>(
    printer: &Printer,
    wait: &signals::Caught,
    prompt: impl FnOnce() -> dialoguer::Result<T>,
) -> anyhow::Result<Option<T>> {
    answer(printer, signals::DuringPrompt::answered_by(wait).ctrl_c_as_a_key(), prompt)
}

/// [`ask`] or [`ask_within`] for a question read a line at a time, which Ctrl-C interrupts too.
fn ask_a_line<T>(
    printer: &Printer,
    wait: Option<&signals::Caught>,
    prompt: impl FnOnce() -> dialoguer::Result<T>,
) -> anyhow::Result<Option<T>> {
    let signals = match wait {
        Some(wait) => signals::DuringPrompt::answered_by(wait),
        None => signals::DuringPrompt::new(),
    };
    answer(printer, signals.drawn_plainly().interrupting_line_reads(), prompt)
}

fn answer<T>(
    printer: &Printer,
    signals: signals::DuringPrompt,
    prompt: impl FnOnce() -> dialoguer::Result<T>,
) -> anyhow::Result<Option<T>> {
    let mut answer = prompt();
    // Ctrl-C or a signal that came between two reads of keys interrupted none: the answer given
    // after it is not acted on either.
    if answer.is_ok() && signals.signalled() {
        answer = Err(io::Error::from(io::ErrorKind::Interrupted).into());
    }
    if let Err(dialoguer::Error::IO(err)) = &answer
        && err.kind() == io::ErrorKind::Interrupted
    {
        signals.ctrl_c_pressed();
    }
    drop(signals);
    match answer {
        Ok(value) => Ok(Some(value)),
        // Ctrl-C, or Ctrl-D at a question read a line at a time.
        Err(dialoguer::Error::IO(err))
            if matches!(err.kind(), io::ErrorKind::Interrupted | io::ErrorKind::UnexpectedEof) =>
        {
            // dialoguer hid the cursor; a dumb terminal would show the code that shows it again.
            printer.stderr_raw(if printer.dumb_terminal() { "\n" } else { "\x1b[?25h\n" });
            Ok(None)
        }
        Err(err) => Err(err.into()),
    }
}

/// The items numbered from 1, then the number typed; Enter alone picks `start` (the number in
/// the brackets).
fn pick_by_number(printer: &Printer, question: &str, items: &[String], start: usize) -> dialoguer::Result<usize> {
    let mut list = format!("{question}\n");
    for (number, item) in (1..).zip(items) {
        list.push_str(&format!("  {number}) {item}\n"));
    }
    printer.stderr_raw(&list);
    loop {
        let typed = read_line(printer, &format!("Number [{}]: ", start + 1))?;
        match typed.trim().parse::<usize>() {
            _ if typed.trim().is_empty() => return Ok(start),
            Ok(number @ 1..) if number <= items.len() => return Ok(number - 1),
            _ => printer.stderr_raw(&format!("Type a number from 1 to {}.\n", items.len())),
        }
    }
}

/// Shows `question` and reads the line typed after it, as the terminal edits it. The end of
/// input (Ctrl-D) with nothing typed fails it with `UnexpectedEof`: a "no", not the default.
fn read_line(printer: &Printer, question: &str) -> io::Result<String> {
    printer.stderr_raw(question);
    let mut line = Vec::new();
    loop {
        let mut chunk = [0; 1024];
        let read = read_typed(&mut chunk)?;
        line.extend_from_slice(&chunk[..read]);
        if read == 0 && line.is_empty() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if read == 0 || line.ends_with(b"\n") {
            return Ok(String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_owned());
        }
    }
}

/// Waits for what is typed on stdin, then reads it, past std's buffer (which a `poll` of the
/// descriptor would not see). The wait is a `poll`, beside the pipe that Ctrl-C's handler writes
/// to ([`signals::line_read_waker`]): either ends it with `Interrupted`, whichever thread the
/// signal was delivered to.
#[cfg(unix)]
fn read_typed(chunk: &mut [u8]) -> io::Result<usize> {
    let waker = signals::line_read_waker().unwrap_or(-1); // a negative descriptor is skipped
    let mut waiting = [
        libc::pollfd { fd: libc::STDIN_FILENO, events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: waker, events: libc::POLLIN, revents: 0 },
    ];
    // SAFETY: two `pollfd`s, owned here, and no timeout; then a read into `chunk`, within its length.
    let read = unsafe {
        if libc::poll(waiting.as_mut_ptr(), 2, -1) < 0 {
            return Err(io::Error::last_os_error()); // `Interrupted` for a signal's arrival
        }
        if waiting[1].revents != 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        libc::read(libc::STDIN_FILENO, chunk.as_mut_ptr().cast(), chunk.len())
    };
    usize::try_from(read).map_err(|_| io::Error::last_os_error())
}

#[cfg(not(unix))]
fn read_typed(chunk: &mut [u8]) -> io::Result<usize> {
    io::Read::read(&mut io::stdin().lock(), chunk)
}
