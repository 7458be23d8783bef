//! One module per command group, one file per command: `keystroke api-key revoke` lives in
//! `api_key/revoke.rs`.

pub mod api_key;
pub mod auth;
pub mod completion;
pub mod deploy;
pub mod org;
pub mod session;

use crate::cli::Command;
use crate::context::Context;

pub async fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    // A `--org` typed on the line that is no slug is a mistake whichever command it was given to
    // (and, for those that act on an org, would go into a URL): refused before anything is done,
    // a sign-out included. `KEYSTROKE_ORG`, which may have been set long ago, fails only the
    // commands that read an org, and `auth status` says why.
    if !context.global.org_from_env
        && let Err(err) = context.org_override()
    {
        return Err(match command {
            // The usual hint would send the user to this very command.
            Command::Org(org::OrgCommand::List) => err.with_hint("leave out `--org` to list your orgs"),
            Command::Org(org::OrgCommand::Switch(args)) if args.slug.is_none() => {
                err.with_hint("`org switch` takes the org to switch to as its argument: `keystroke org switch ORG`")
            }
            // Commands that act on no org: the flag is simply not theirs.
            Command::Auth(auth::AuthCommand::Login(_) | auth::AuthCommand::Logout(_) | auth::AuthCommand::Token)
            | Command::Session(_)
            | Command::Completion(_) => err.with_hint("leave out `--org`, which this command does not use"),
            _ => err,
        }
        .into());
    }
    match command {
        Command::Auth(command) => auth::run(context, command).await,
        Command::Org(command) => org::run(context, command).await,
        Command::ApiKey(command) => api_key::run(context, command).await,
        Command::Session(command) => session::run(context, command).await,
        Command::Deploy => deploy::run(context).await,
        Command::Completion(args) => completion::run(context, &args),
    }
}
