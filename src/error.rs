//! Errors that carry their exit code, their stable JSON code and a hint for what to do next.
//!
//! Handlers return `anyhow::Result`; `main` looks for a [`CliError`] in the chain to pick the exit
//! code. Anything else is a plain failure (exit 1).

use std::fmt;

/// The documented, stable exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Failure = 1,
    Usage = 2,
    NotSignedIn = 3,
    Forbidden = 4,
    NotFound = 5,
    Unreachable = 6,
}

impl ExitCode {
    pub const ALL: [ExitCode; 6] = [
        ExitCode::Failure,
        ExitCode::Usage,
        ExitCode::NotSignedIn,
        ExitCode::Forbidden,
        ExitCode::NotFound,
        ExitCode::Unreachable,
    ];

    /// What the code tells a script, as `keystroke --help` lists it.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Failure => {
                "failure: the platform refused the input, a question answered no, or an unexpected error"
            }
            ExitCode::Usage => {
                "usage: a wrong flag or argument, no org chosen, nobody to confirm, a secret's stdout discarded"
            }
            ExitCode::NotSignedIn => "not signed in, or the session expired or was revoked",
            ExitCode::Forbidden => "forbidden: your role may not do this",
            ExitCode::NotFound => "not found: no such org or key, or one you may not see",
            ExitCode::Unreachable => "the platform is unreachable",
        }
    }

    /// The `code` of `{"error": {...}}` in `--json` mode.
    pub fn json_code(self) -> &'static str {
        match self {
            ExitCode::Failure => "failure",
            ExitCode::Usage => "usage",
            ExitCode::NotSignedIn => "not_signed_in",
            ExitCode::Forbidden => "forbidden",
            ExitCode::NotFound => "not_found",
            ExitCode::Unreachable => "unreachable",
        }
    }
}

#[derive(Debug)]
pub struct CliError {
    pub exit: ExitCode,
    pub message: String,
    pub hint: Option<String>,
    /// Not a failure to explain but an answer the user gave (a declined prompt): shown as the
    /// plain message, without `error:`, still with a non-zero exit.
    pub declined: bool,
    /// The request failed after it may have reached the platform (no whole answer came back):
    /// a change it asked for may have been made.
    pub request_may_have_arrived: bool,
    /// No connection to the platform was made (refused, no route to it, none within the connect
    /// timeout): nothing reached it, and a try later may. TLS failures are not counted, which
    /// trying again does not mend.
    pub no_connection_made: bool,
    /// The platform's error code (`{"error": {"code": …}}`), when the failure is its answer.
    pub api_code: Option<String>,
}

impl CliError {
    pub fn new(exit: ExitCode, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hint: None,
            declined: false,
            request_may_have_arrived: false,
            no_connection_made: false,
            api_code: None,
        }
    }

    /// The user said no to a prompt: exit 1 with `message` as a plain line (or the usual JSON
    /// error with `--json`).
    pub fn declined(message: impl Into<String>) -> Self {
        Self { declined: true, ..Self::new(ExitCode::Failure, message) }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Usage, message)
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Failure, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Marks a failure after which the request may have reached the platform (and acted).
    pub fn may_have_arrived(mut self, may: bool) -> Self {
        self.request_may_have_arrived = may;
        self
    }

    /// Marks a failure to connect at all ([`CliError::no_connection_made`]).
    pub fn no_connection(mut self, none: bool) -> Self {
        self.no_connection_made = none;
        self
    }
}

/// Whether `err` is a [`CliError`] that exits with `exit`.
pub fn exits_with(err: &anyhow::Error, exit: ExitCode) -> bool {
    err.downcast_ref::<CliError>().is_some_and(|err| err.exit == exit)
}

/// `err` changed by `change` when it is a [`CliError`]; any other error as it is.
pub fn map_cli_error(err: anyhow::Error, change: impl FnOnce(CliError) -> CliError) -> anyhow::Error {
    match err.downcast::<CliError>() {
        Ok(cli_error) => change(cli_error).into(),
        Err(err) => err,
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The hint of every "you are not signed in" error.
pub const SIGN_IN_HINT: &str = "run `keystroke auth login` to sign in";
