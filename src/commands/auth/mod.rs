mod login;
mod logout;
mod status;
mod token;

use clap::Subcommand;

use crate::context::Context;

pub use login::WITH_TOKEN_FROM_A_FILE;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Sign in to a platform in the browser (or with a token on stdin)
    Login(login::LoginArgs),
    /// Show who is signed in, where, and where the token lives
    Status,
    /// Forget this machine's token, and revoke its session (one from `--with-token` with `--revoke`)
    Logout(logout::LogoutArgs),
    /// Print the session token on stdout, for scripts
    Token,
}

pub async fn run(context: &Context, command: AuthCommand) -> anyhow::Result<()> {
    match command {
        AuthCommand::Login(args) => login::run(context, &args).await,
        AuthCommand::Status => status::run(context).await,
        AuthCommand::Logout(args) => logout::run(context, &args).await,
        AuthCommand::Token => token::run(context),
    }
}
