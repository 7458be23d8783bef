use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::context::Context;

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the script; needs neither the keyring nor the network.
pub fn run(context: &Context, args: &CompletionArgs) -> anyhow::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "keystroke", &mut script);
    let script = String::from_utf8(script)?;
    context.printer.data(script.trim_end())?;
    Ok(())
}
