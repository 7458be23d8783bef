mod create;
mod list;
mod revoke;

use clap::Subcommand;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key; its secret is shown only this once
    Create(create::CreateArgs),
    /// List the org's API keys you may see
    List(list::ListArgs),
    /// Revoke an API key; requests using it fail at once
    Revoke(revoke::RevokeArgs),
}

pub async fn run(context: &Context, command: ApiKeyCommand) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Create(args) => create::run(context, &args).await,
        ApiKeyCommand::List(args) => list::run(context, &args).await,
        ApiKeyCommand::Revoke(args) => revoke::run(context, &args).await,
    }
}
