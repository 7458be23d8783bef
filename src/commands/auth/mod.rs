mod login;
mod logout;
mod status;
mod token;

use clap::Subcommand;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Sign in to a platform in the browser (or with a token on stdin)
    Login(login::LoginArgs),
    /// Show who is signed in, where, and where the token lives
    Status,
    /// Revoke this machine's session and forget its token
    Logout,
    /// Print the session token on stdout, for scripts
    Token,
}

pub async fn run(context: &Context, command: AuthCommand) -> anyhow::Result<()> {
    match command {
        AuthCommand::Login(args) => login::run(context, &args).await,
        AuthCommand::Status => status::run(context).await,
        AuthCommand::Logout => logout::run(context).await,
        AuthCommand::Token => token::run(context),
    }
}
