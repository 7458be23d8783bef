use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::context::Context;
use crate::error::CliError;

#[derive(Debug, Args)]
#[command(after_long_help = DYNAMIC_HELP)]
pub struct CompletionArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Where to go for what the printed script cannot do.
const DYNAMIC_HELP: &str = "\
The printed script completes commands, flags and fixed values. To also complete org slugs, \
API key ids and session ids from the platform, let the shell ask `keystroke` itself on every \
Tab instead, from your shell's startup file:

  bash:        source <(COMPLETE=bash keystroke)
  zsh:         source <(COMPLETE=zsh keystroke)
  fish:        COMPLETE=fish keystroke | source
  elvish:      eval (E:COMPLETE=elvish keystroke | slurp)
  PowerShell:  $env:COMPLETE = \"powershell\"; keystroke | Out-String | Invoke-Expression; Remove-Item Env:\\COMPLETE";

/// Prints the script; needs neither the keyring nor the network.
pub fn run(context: &Context, args: &CompletionArgs) -> anyhow::Result<()> {
    if context.printer.json() {
        return Err(CliError::usage("`completion` prints a shell script; `--json` does not apply")
            .with_hint(format!("run `keystroke completion {}` without `--json`", args.shell))
            .into());
    }
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "keystroke", &mut script);
    let mut script = String::from_utf8(script)?.trim_end().to_owned();
    if args.shell == Shell::Fish {
        // clap_complete's fish script offers no values for an argument that is not a flag, and
        // then fish offers files: `keystroke completion <Tab>` names the shells instead.
        let shells = Shell::value_variants().iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        script.push_str(&format!(
            "\ncomplete -c keystroke -n \"__fish_keystroke_using_subcommand completion; and not \
             __fish_seen_subcommand_from {shells}\" -f -a \"{shells}\""
        ));
    }
    context.printer.data_raw(&script)?;
    Ok(())
}
