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
    match command {
        Command::Auth(command) => auth::run(context, command).await,
        Command::Org(command) => org::run(context, command).await,
        Command::ApiKey(command) => api_key::run(context, command).await,
        Command::Session(command) => session::run(context, command).await,
        Command::Deploy => deploy::run(context).await,
        Command::Completion(args) => completion::run(context, &args),
    }
}
