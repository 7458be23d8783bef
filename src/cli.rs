//! The command-line surface as data. Each subcommand's arguments live beside its handler in
//! `commands/`; this file assembles them and holds the flags every command shares.

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCandidates;

use crate::commands::{api_key, auth, completion, org};
use crate::{complete, env};

#[derive(Debug, Parser)]
#[command(
    name = "keystroke",
    version,
    about = "Create, list and revoke org-scoped API keys on the Keystroke platform",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
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
    /// Print a shell completion script
    Completion(completion::CompletionArgs),
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The platform to talk to [default: the last one signed in to, else http://127.0.0.1:8080]
    #[arg(long, global = true, env = env::PLATFORM_URL, value_name = "URL")]
    pub platform_url: Option<String>,

    /// The org to act on, instead of the active one (does not change the active org)
    #[arg(long, global = true, env = env::ORG, value_name = "ORG", add = ArgValueCandidates::new(complete::org_slugs))]
    pub org: Option<String>,

    /// Print one JSON document on stdout (and errors as JSON on stderr)
    #[arg(long, global = true)]
    pub json: bool,

    /// Never prompt; fail instead where a prompt would be needed
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli = Cli::try_parse_from(["keystroke", "api-key", "list", "--org", "acme", "--json"]).unwrap();
        assert_eq!(cli.global.org.as_deref(), Some("acme"));
        assert!(cli.global.json);
    }
}
