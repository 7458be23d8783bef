//! `keystroke`: create, list and revoke org-scoped API keys on the Keystroke platform.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod client;
mod commands;
mod completion_candidates;
mod config;
mod context;
mod credentials;
#[cfg(test)]
mod docs;
mod env;
mod error;
mod ids;
mod lifetime;
mod printer;
mod private_files;
mod prompt;
mod secret;
mod signals;
mod spinner;
mod table;

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::CompleteEnv;
use keystroke_api::{SECRET_NOT_REPEATED, contains_secret, redact_secrets};

use crate::cli::Cli;
use crate::context::Context;
use crate::error::CliError;
use crate::printer::Printer;

fn main() -> ExitCode {
    // Set empty, as every variable here, it counts as unset; the TLS verifier would take it for a
    // file that replaces the system's certificates with none.
    if std::env::var_os(env::SSL_CERT_FILE).is_some_and(|file| file.is_empty()) {
        // SAFETY: first thing in `main`, before any other thread can read the environment.
        unsafe { std::env::remove_var(env::SSL_CERT_FILE) };
    }
    // The completion library repeats a shell name it does not know: a secret pasted there (the
    // variable set from the wrong clipboard) must not reach the terminal.
    if std::env::var_os(env::COMPLETE).is_some_and(|shell| keystroke_api::contains_secret(&shell.to_string_lossy())) {
        Printer::for_errors(false).error(
            error::ExitCode::Usage.json_code(),
            &format!(
                "`{}` holds an API key or session token, not a shell's name (it is not repeated here)",
                env::COMPLETE
            ),
            Some("set it to bash, zsh, fish, powershell or elvish (see `keystroke completion --help`)"),
            None,
        );
        return ExitCode::from(error::ExitCode::Usage as u8);
    }
    // `COMPLETE=bash keystroke …`: the shell asking for completions (or for the script that will
    // ask). Answer on stdout and exit before anything else runs.
    CompleteEnv::with_factory(Cli::command).var(env::COMPLETE).complete();
    let cli = match Cli::try_parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(err) => return clap_exit(err),
    };
    signals::put_back_the_terminal_on_panic();
    let context = Context::new(cli.global.clone());
    let result = run(&context, cli.command);
    let exit = exit_code(&context, result);
    // Said what Ctrl-C or SIGTERM stopped: now end as that signal does, for the shell's sake.
    signals::end_by_caught_signal();
    exit
}

fn run(context: &Context, command: cli::Command) -> anyhow::Result<()> {
    // One request at a time: a current-thread runtime is all a CLI needs.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(commands::run(context, command))
}

/// The one place where an outcome becomes an exit code and, for failures, an `error:` line.
fn exit_code(context: &Context, result: anyhow::Result<()>) -> ExitCode {
    let Err(err) = result else {
        return ExitCode::SUCCESS;
    };
    if printer::is_broken_pipe(&err) {
        return ExitCode::SUCCESS;
    }
    if let Some(declined) = err.downcast_ref::<CliError>().filter(|err| err.declined && !context.printer.json()) {
        context.printer.message(&declined.message);
        return ExitCode::from(declined.exit as u8);
    }
    let (exit, hint, platform_code) = match err.downcast_ref::<CliError>() {
        Some(cli_error) => (cli_error.exit, cli_error.hint.as_deref(), cli_error.api_code.as_deref()),
        None => (error::ExitCode::Failure, None, None),
    };
    context.printer.error(exit.json_code(), &format!("{err:#}"), hint, platform_code);
    ExitCode::from(exit as u8)
}

/// `--help` and `--version` print as usual (exit 0); a usage error is clap's text (exit 2), or
/// with `--json` anywhere on the line before a `--`, the `{"error": …}` document every other
/// error gets.
fn clap_exit(err: clap::Error) -> ExitCode {
    // After `--`, `--json` is an argument, not the flag.
    let json = std::env::args_os().skip(1).take_while(|arg| arg != "--").any(|arg| arg == "--json");
    // clap quotes what it could not place (`unexpected argument 'kss_…'`, `--limit=key_live_…`):
    // a token pasted as an argument must not end up in scrollback or a CI log.
    let redact = |text: &str| redact_secrets(text, SECRET_NOT_REPEATED);
    let token_as_argument = err.use_stderr()
        && contains_secret(&err.render().to_string())
        && std::env::args_os().any(|arg| arg.as_encoded_bytes().starts_with(b"--with-token"));
    if token_as_argument {
        // clap would say "unexpected argument '(a secret, not repeated here)'", which reads as
        // if that was typed, and not where the token goes.
        Printer::for_errors(json).error(
            error::ExitCode::Usage.json_code(),
            "`--with-token` reads the token from stdin, not from the command line, where shell history and `ps` \
             keep it (it is not repeated here)",
            Some(commands::auth::WITH_TOKEN_FROM_A_FILE),
            None,
        );
        return ExitCode::from(error::ExitCode::Usage as u8);
    }
    // clap's own printing passes on to a terminal the escape sequences it quotes as typed (which
    // could retitle the window), and its `Display` drops them (`1` shown for `1\e[2J`): with such
    // a word, clap styled nothing (`Cli::try_parse_args`), and what it quotes is written out here.
    let typed_controls = std::env::args_os().any(|arg| cli::holds_controls(&arg));
    if !err.use_stderr() || !json {
        let rendered = cli::rendered(&err, typed_controls);
        // A pasted megabyte would fill the terminal; a secret must not reach scrollback.
        let safe = fit_for_a_terminal(&redact(&rendered));
        if err.use_stderr() && (safe != rendered || typed_controls) {
            Printer::for_errors(false).stderr_raw(&safe);
        } else {
            let _ = err.print();
        }
        return ExitCode::from(err.exit_code() as u8);
    }
    let usage = cli::usage_error(&err, typed_controls);
    let hint = usage.hint.as_deref().map(redact);
    Printer::for_errors(json).error(error::ExitCode::Usage.json_code(), &redact(&usage.message), hint.as_deref(), None);
    ExitCode::from(error::ExitCode::Usage as u8)
}

/// `text` with its control characters written out ([`printer::terminal_safe`]) and each line cut
/// to a screenful.
fn fit_for_a_terminal(text: &str) -> String {
    keystroke_api::lines_cut_at(&printer::terminal_safe(text), keystroke_api::LONGEST_LINE_QUOTED)
}
