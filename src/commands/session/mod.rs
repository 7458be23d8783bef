//! Your sign-ins (sessions) on the platform: the CLI's on each machine and the web pages'. Revoking
//! one signs that machine or browser out at once, e.g. a lost laptop, or a session `auth logout`
//! could not revoke because the platform was down.

mod list;
mod revoke;

use clap::Subcommand;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// List your active sessions: this machine's, other machines' and the web pages'
    List,
    /// Revoke one of your sessions; whoever uses it is signed out at once
    Revoke(revoke::RevokeArgs),
}

pub async fn run(context: &Context, command: SessionCommand) -> anyhow::Result<()> {
    match command {
        SessionCommand::List => list::run(context).await,
        SessionCommand::Revoke(args) => revoke::run(context, &args).await,
    }
}
