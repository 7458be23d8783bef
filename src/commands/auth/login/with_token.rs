//! `--with-token`: a session token read from stdin (or typed, unseen, at a prompt), checked for
//! its shape before it travels, and a refusal explained.

use std::io::Read;

use keystroke_api::{TokenShape, token_shape};

use crate::context::PlatformUrl;
use crate::error::{CliError, ExitCode, map_cli_error};
use crate::printer::Printer;
use crate::prompt;
use crate::secret::Secret;

use super::WITH_TOKEN_FROM_A_FILE;

/// The token comes from stdin only, never from argv, where other users and shell history see it.
/// On a terminal it is read without echo, so it stays off the screen and out of scrollback.
pub(super) fn read_token_from_stdin(printer: &Printer) -> anyhow::Result<Secret<String>> {
    let input = if printer.can_prompt() {
        read_typed_token(printer)?
    } else if printer.stdin_is_terminal() {
        // Reading a terminal without a prompt would wait silently, and echo what is pasted.
        return Err(CliError::usage(
            "`--with-token` would read the token from a terminal, but cannot prompt for it here \
             (`--no-input`, or stderr is not a terminal)",
        )
        .with_hint(format!("pipe it in: `{WITH_TOKEN_FROM_A_FILE}`"))
        .into());
    } else {
        read_piped_token()?
    };
    // Without the byte-order mark an editor may put first (Notepad's "UTF-8").
    let token = input.expose().trim_start_matches('\u{feff}').trim();
    check_token_shape(token)?;
    Ok(Secret::new(token.to_string()))
}

/// The token typed or pasted at a prompt, echo off: Ctrl-C, which would kill the process and
/// leave the terminal without echo, is ignored; an empty line cancels.
fn read_typed_token(printer: &Printer) -> anyhow::Result<Secret<String>> {
    let typed = prompt::hidden_line(
        printer,
        "Paste a session token (it is not shown), then press Enter (Enter alone cancels)",
    )?;
    let typed = Secret::new(typed.unwrap_or_default());
    if typed.expose().trim().is_empty() {
        // An answer, not a mistake: the prompt offered Enter alone as the way out.
        return Err(CliError::declined("Sign-in cancelled. Nothing was stored.").into());
    }
    Ok(typed)
}

/// The token piped in. A token is under 100 bytes: past 64 KiB, stdin is something else (`yes |`,
/// `< /dev/zero`), which would otherwise be read into memory until it ends, if ever.
fn read_piped_token() -> anyhow::Result<Secret<String>> {
    const MOST_READ: u64 = 64 * 1024;
    let mut input = Vec::new();
    std::io::stdin().lock().take(MOST_READ + 1).read_to_end(&mut input).map_err(|err| {
        CliError::usage(format!("`--with-token` could not read the token from stdin: {err}"))
            .with_hint(format!("pipe it in: `{WITH_TOKEN_FROM_A_FILE}`"))
    })?;
    if input.len() as u64 > MOST_READ {
        return Err(CliError::usage("`--with-token` read more than 64 KiB from stdin, which is not a session token")
            .with_hint(format!("pipe in the token alone: `{WITH_TOKEN_FROM_A_FILE}`"))
            .into());
    }
    Ok(Secret::new(String::from_utf8(input).map_err(|_| {
        CliError::usage("what `--with-token` read is not text; session tokens look like `kss_…`, on one line")
            .with_hint(format!("pipe in the token alone: `{WITH_TOKEN_FROM_A_FILE}`"))
    })?))
}

/// A session token, or the error that says what was read instead (without repeating it).
pub(super) fn check_token_shape(token: &str) -> Result<(), CliError> {
    if token.is_empty() {
        return Err(CliError::usage("`--with-token` found no token on stdin")
            .with_hint(format!("pipe it in: `{WITH_TOKEN_FROM_A_FILE}`")));
    }
    let refused = match token_shape(token) {
        TokenShape::Session => return Ok(()),
        // Refused here, before it travels: the platform would refuse it as a session anyway.
        TokenShape::ApiKey => CliError::usage("that is an API key; `--with-token` takes a user session token"),
        TokenShape::Other => {
            let what = if token.contains('\n') { "holds more than one line" } else { "is not a session token" };
            CliError::usage(format!("what `--with-token` read {what}; session tokens look like `kss_…`, on one line"))
        }
    };
    Err(refused.with_hint("`keystroke auth token` prints your session token on a machine where you are signed in"))
}

pub(super) fn explain_refused_token(err: anyhow::Error, platform: &PlatformUrl) -> anyhow::Error {
    // The platform's code stays with the error, for `--json`.
    map_cli_error(err, |refused| {
        if refused.api_code.as_deref() == Some(keystroke_api::WEB_SESSION_REFUSED) {
            // A web page's session, taken from the browser: say so, since signing in again would not help.
            CliError {
                message: format!(
                    "{} did not accept the token: it is a session of the web pages, which only they accept",
                    platform.key
                ),
                ..refused
            }
            .with_hint(
                "pipe in what `keystroke auth token` prints where you signed in with `keystroke auth login`, or \
                 sign in here with the browser: `keystroke auth login`",
            )
        } else if refused.exit == ExitCode::NotSignedIn {
            let message = format!("{} did not accept the session token", platform.key);
            CliError { message, ..refused }.with_hint(format!(
                "the token may have expired or been revoked, or be another platform's; run `keystroke auth \
                 login{}` to sign in with the browser",
                platform.flag_for_hints()
            ))
        } else {
            refused
        }
    })
}
