//! The command-line surface as data. Each subcommand's arguments live beside its handler in
//! `commands/`; this file assembles them and holds the flags every command shares.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCandidates;

use crate::commands::{api_key, auth, completion, org, session};
use crate::context::DEFAULT_PLATFORM_URL;
use crate::error::{CliError, ExitCode};
use crate::{completion_candidates, env};

#[derive(Debug, Parser)]
#[command(
    name = "keystroke",
    version,
    about = "Create, list and revoke org-scoped API keys on the Keystroke platform",
    max_term_width = HELP_WIDTH,
    after_long_help = scripting_reference(HELP_WIDTH)
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses a command line. Where `--platform-url` or `--org` is not given, its variable is
    /// read instead ([`GlobalArgs::with_env_fallbacks`]). `--help` and `--version` come back as
    /// errors too, whose [`clap::Error::use_stderr`] is false.
    pub fn try_parse_args(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> Result<Self, clap::Error> {
        // A flag given twice counts once, the last value winning (as gh and most CLIs take it):
        // a wrapper that always adds `--json` or `--no-input` keeps working when its caller adds
        // them too.
        fn override_self(command: clap::Command) -> clap::Command {
            command.args_override_self(true).mut_subcommands(override_self)
        }
        let mut command = override_self(<Cli as clap::CommandFactory>::command());
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        // Help wraps at the width tables take, and so do the columns after it, under themselves
        // (built again only for a command line that may ask for help).
        if asks_for_help(&args) {
            let width = crate::printer::help_width(HELP_WIDTH);
            command = command.term_width(width).after_long_help(scripting_reference(width));
        }
        // clap's own help and usage errors come before the printer that follows `--color`.
        if let Some(color) = color_given(&args) {
            command = command.color(color);
        }
        // What clap quotes back of a word with control characters in it is written out by the
        // caller; styled, clap's own escape sequences would be hard to tell from the typed ones.
        if args.iter().any(|arg| holds_controls(arg)) {
            command = command.styles(clap::builder::Styles::plain());
        }
        let matches =
            command.try_get_matches_from_mut(&args).map_err(|err| with_dash_value_tip(err, &args, &command))?;
        let mut cli =
            <Cli as clap::FromArgMatches>::from_arg_matches(&matches).map_err(|err| err.format(&mut command))?;
        cli.global = cli.global.with_env_fallbacks()?;
        Ok(cli)
    }
}

/// Whether a word of the command line holds characters a terminal would act on (escape
/// sequences, line breaks), which clap's `Display` drops from what it quotes back.
pub fn holds_controls(arg: &std::ffi::OsStr) -> bool {
    let text = arg.to_string_lossy();
    crate::printer::terminal_safe(&text) != text
}

/// clap's text of `err`. Its `Display` drops every escape sequence, clap's styling and what it
/// quotes as typed alike; with `typed_controls` (clap styled nothing then, [`Cli::try_parse_args`])
/// the text keeps what was typed, for the caller to write out.
pub fn rendered(err: &clap::Error, typed_controls: bool) -> String {
    match typed_controls {
        true => err.render().ansi().to_string(),
        false => err.render().to_string(),
    }
}

/// The `--color` a command line gives (the last, before a `--`), for clap's help and errors.
fn color_given(args: &[OsString]) -> Option<clap::ColorChoice> {
    let mut words = args.iter().skip(1).map(|arg| arg.to_str()).take_while(|word| *word != Some("--"));
    let mut given = None;
    while let Some(word) = words.next() {
        let value = match word {
            Some("--color") => words.next().flatten(),
            Some(word) => word.strip_prefix("--color="),
            None => None,
        };
        given = match value {
            Some("always") => Some(clap::ColorChoice::Always),
            Some("never") => Some(clap::ColorChoice::Never),
            Some("auto") => Some(clap::ColorChoice::Auto),
            _ => given,
        };
    }
    given
}

/// Whether a word of the command line may ask for help: `--help`, `help`, or `-h` (alone or among
/// other short flags, `-qh`).
fn asks_for_help(args: &[OsString]) -> bool {
    args.iter().skip(1).filter_map(|arg| arg.to_str()).any(|word| {
        word == "--help" || word == "help" || (word.starts_with('-') && !word.starts_with("--") && word.contains('h'))
    })
}

/// `--expires-in -5d`: clap takes `-5d` for flags of its own and says "unexpected argument
/// '-5'", with a tip to put it after `--`, which would not reach `--expires-in`. When the word
/// before it is a flag that takes a value, a tip says how to give one that starts with `-`:
/// joined to its flag by `=`.
fn with_dash_value_tip(mut err: clap::Error, args: &[OsString], command: &clap::Command) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let Some(ContextValue::String(unexpected)) = err.get(ContextKind::InvalidArg).cloned() else { return err };
    if err.kind() != ErrorKind::UnknownArgument || !unexpected.starts_with('-') || unexpected.starts_with("--") {
        return err;
    }
    let args: Vec<&str> = args.iter().filter_map(|arg| arg.to_str()).collect();
    let given = args.windows(2).find(|pair| pair[1].starts_with(&unexpected) && takes_value(command, pair[0]));
    let Some([flag, value]) = given else { return err };
    let tip = format!("a value that starts with `-` is joined to its flag: `{flag}={value}`").into();
    let tips = match err.get(ContextKind::Suggested) {
        Some(ContextValue::StyledStrs(tips)) => tips.iter().cloned().chain([tip]).collect(),
        _ => vec![tip],
    };
    err.insert(ContextKind::Suggested, ContextValue::StyledStrs(tips));
    err
}

/// Whether `word` is a long flag (`--expires-in`, not `--name=x`) that takes a value, in
/// `command` or any subcommand.
fn takes_value(command: &clap::Command, word: &str) -> bool {
    let Some(long) = word.strip_prefix("--").filter(|long| !long.is_empty() && !long.contains('=')) else {
        return false;
    };
    command.get_arguments().any(|arg| arg.get_long() == Some(long) && arg.get_action().takes_values())
        || command.get_subcommands().any(|sub| takes_value(sub, word))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in, see who is signed in, sign out
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// List your orgs and choose the active one
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// Create, list and revoke the org's API keys
    #[command(subcommand, name = "api-key")]
    ApiKey(api_key::ApiKeyCommand),
    /// List your sign-ins on every machine and revoke one
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// Trigger a deploy of the org (as you; needs the builder role or higher)
    Deploy,
    /// Print a shell completion script
    Completion(completion::CompletionArgs),
}

// The variables are named in the long help only (`--help`, man pages): shells' completion menus
// show the short one.
fn platform_url_help() -> String {
    format!("The platform to talk to [default: the last one signed in to, else {DEFAULT_PLATFORM_URL}]")
}
const ORG_HELP: &str = "The org to act on, instead of the active one (does not change the active org)";

/// The default is no flag given (colors `auto`).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help = platform_url_help(),
        long_help = format!("{} [env: {}]", platform_url_help(), env::PLATFORM_URL)
    )]
    pub platform_url: Option<String>,

    #[arg(
        long,
        global = true,
        value_name = "ORG",
        add = ArgValueCandidates::new(completion_candidates::org_slugs),
        help = ORG_HELP,
        long_help = format!("{ORG_HELP} [env: {}]", env::ORG)
    )]
    pub org: Option<String>,

    /// Whether `org` came from `KEYSTROKE_ORG`, so that an error about it names the variable.
    #[arg(skip)]
    pub org_from_env: bool,

    /// Whether `platform_url` came from `KEYSTROKE_PLATFORM_URL`, likewise.
    #[arg(skip)]
    pub platform_url_from_env: bool,

    /// Print one JSON document on stdout (and errors as JSON on stderr)
    #[arg(long, global = true)]
    pub json: bool,

    /// Never prompt or wait for a person (browser sign-in included); fail instead
    #[arg(long, global = true)]
    pub no_input: bool,

    /// When to use colors
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only data and errors, no notices
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print each request made to the platform on stderr (never a token)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

impl GlobalArgs {
    /// `--platform-url` and `--org` fall back to their variables here rather than through clap,
    /// whose usage lines list every argument it was given, a variable's as if it had been typed
    /// (`Usage: keystroke api-key create --name <NAME> --org <ORG>`). A blank variable is unset.
    pub fn with_env_fallbacks(mut self) -> Result<Self, clap::Error> {
        // The other variables are read where they are used, and a value that is not valid UTF-8
        // would be taken there for unset: the stored token, or the default config directory or
        // store, would be used instead of the one meant. So they are checked here, up front.
        for name in [env::TOKEN, env::CONFIG_DIR, env::CREDENTIAL_STORE, env::KEYRING_TIMEOUT, env::HTTP_TIMEOUT] {
            unicode_var(name)?;
        }
        if self.platform_url.is_none() {
            self.platform_url = unicode_var(env::PLATFORM_URL)?;
            self.platform_url_from_env = self.platform_url.is_some();
        }
        if self.org.is_none() {
            self.org = unicode_var(env::ORG)?;
            self.org_from_env = self.org.is_some();
        }
        Ok(self)
    }
}

/// A variable that stands for a flag, or for a choice made on purpose, refused (as clap refuses
/// such a flag) when it is not UTF-8: ignoring it would act on the saved org or platform, or the
/// stored token, instead of the one meant.
fn unicode_var(name: &str) -> Result<Option<String>, clap::Error> {
    match std::env::var(name) {
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(clap::Error::raw(clap::error::ErrorKind::InvalidUtf8, format!("`{name}` is not valid UTF-8\n")))
        }
        _ => Ok(env::var(name)),
    }
}

/// `--help` is wrapped to the terminal's width up to this many columns, and to this many on a
/// pipe and in the man pages.
const HELP_WIDTH: usize = 100;

/// The end of `keystroke --help` and `man keystroke`: what a script needs beyond the flags, as
/// `gh help exit-codes` and `gh help environment` give it. Two columns, the second wrapped at
/// `width` under itself (clap would wrap it under the first).
fn scripting_reference(width: usize) -> String {
    let mut text = String::from("Exit codes:\n");
    text.push_str(&hanging("  0  ", "success (an empty list included)", width));
    for code in ExitCode::ALL {
        text.push_str(&hanging(&format!("  {}  ", code as u8), code.meaning(), width));
    }
    text.push_str("\nEnvironment:\n");
    for (name, meaning) in env::IN_HELP {
        text.push_str(&hanging(&format!("  {name:<28}"), meaning, width));
    }
    text.push('\n');
    let empty = "A variable set to the empty string counts as unset (NO_COLOR set to anything else turns colors off).";
    text.push_str(hanging("", empty, width).trim_end());
    text
}

/// `first` then `text`, a line of it as long as `width` allows, each line after the first
/// indented as wide as `first`. Too narrow a column for a few words is left to clap to wrap.
/// Built for every command (clap takes the help before it parses), so by counting characters:
/// the text is this file's, plain ASCII, where the tables' wrapping (`table::wrap_at_spaces`)
/// measures every grapheme's width, which cost `--version` three times its instructions.
fn hanging(first: &str, text: &str, width: usize) -> String {
    const NARROWEST: usize = 20;
    let indent = first.len();
    let room = width.saturating_sub(indent);
    let mut out = String::from(first);
    let mut line = 0;
    for word in text.split(' ') {
        if line > 0 && line + 1 + word.len() > room && room >= NARROWEST {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', indent));
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out.push('\n');
    out
}

/// A clap usage error as the message and hint of every other error, for `--json`: clap's first
/// paragraph is the message, its tips and usage line the hint. `typed_controls`: a word of the
/// command line holds control characters, which clap's `Display` would drop from what it quotes
/// (clap styled nothing then, [`Cli::try_parse_args`]; JSON escapes them).
pub fn usage_error(err: &clap::Error, typed_controls: bool) -> CliError {
    let text = rendered(err, typed_controls);
    let paragraphs: Vec<&str> = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect();
    let usage = paragraphs.iter().find_map(|p| p.lines().find_map(|line| line.trim().strip_prefix("Usage: ")));
    let message = if err.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // clap printed the whole help: there is no first line to quote.
        "a subcommand is required".to_string()
    } else {
        let first = paragraphs.first().copied().unwrap_or_default();
        let first = first.strip_prefix("error: ").unwrap_or(first);
        first.lines().map(str::trim).collect::<Vec<_>>().join(" ")
    };
    let mut hints: Vec<String> = paragraphs
        .iter()
        .filter_map(|p| p.strip_prefix("tip: "))
        .map(|tip| tip.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .collect();
    match usage {
        Some(usage) => hints.push(format!("usage: {usage}; see `--help`")),
        // clap gives no usage line for a refused value or a repeated flag.
        None if hints.is_empty() => hints.push("see `--help` for the command's flags and values".to_owned()),
        None => {}
    }
    CliError::usage(message).with_hint(hints.join("; "))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Help is wrapped to the terminal only for a command line that may ask for it; any other
    /// builds the text once, at the fixed width (`--version` paid for a second copy).
    #[test]
    fn only_a_command_line_asking_for_help_is_given_the_terminals_width() {
        let words = |line: &str| -> Vec<OsString> { line.split(' ').map(OsString::from).collect() };
        for asking in ["keystroke --help", "keystroke api-key create -h", "keystroke -qh", "keystroke help org"] {
            assert!(asks_for_help(&words(asking)), "{asking}");
        }
        for not in ["keystroke --version", "keystroke api-key list --json", "keystroke --org hq api-key list"] {
            assert!(!asks_for_help(&words(not)), "{not}");
        }
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn usage_errors_become_a_message_and_a_hint() {
        let err = Cli::try_parse_args(["keystroke", "--json", "api-key", "list", "--bogus"]).unwrap_err();
        let usage = usage_error(&err, false);
        assert_eq!(usage.message, "unexpected argument '--bogus' found");
        assert_eq!(usage.hint.as_deref(), Some("usage: keystroke api-key list [OPTIONS]; see `--help`"));

        let err = Cli::try_parse_args(["keystroke", "api-key", "list", "--lmit", "3"]).unwrap_err();
        let usage = usage_error(&err, false);
        assert_eq!(usage.message, "unexpected argument '--lmit' found");
        assert_eq!(
            usage.hint.as_deref(),
            Some("a similar argument exists: '--limit'; usage: keystroke api-key list --limit <N>; see `--help`")
        );

        let err = Cli::try_parse_args(["keystroke", "api-key", "create"]).unwrap_err();
        let usage = usage_error(&err, false);
        assert_eq!(usage.message, "the following required arguments were not provided: --name <NAME>");

        for refused in [&["api-key", "list", "--limit", "501"][..], &["--color", "sometimes", "org", "list"]] {
            let err = Cli::try_parse_args(std::iter::once("keystroke").chain(refused.iter().copied())).unwrap_err();
            let hint = usage_error(&err, false).hint;
            assert_eq!(hint.as_deref(), Some("see `--help` for the command's flags and values"), "{refused:?}");
        }

        let err = Cli::try_parse_args(["keystroke", "api-key"]).unwrap_err();
        assert_eq!(usage_error(&err, false).message, "a subcommand is required");
        assert!(usage_error(&err, false).hint.unwrap().contains("usage: keystroke api-key [OPTIONS] <COMMAND>"));
    }

    #[test]
    fn help_and_version_are_not_usage_errors() {
        for args in [["keystroke", "--help"], ["keystroke", "--version"]] {
            assert!(!Cli::try_parse_args(args).unwrap_err().use_stderr(), "{args:?}");
        }
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli = Cli::try_parse_from(["keystroke", "api-key", "list", "--org", "acme", "--json"]).unwrap();
        assert_eq!(cli.global.org.as_deref(), Some("acme"));
        assert!(cli.global.json);
    }
}
