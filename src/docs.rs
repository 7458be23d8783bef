//! The man pages (`doc/man/`) and the Markdown reference (`doc/cli-reference.md`), generated from
//! the clap definition by a test, so they cannot drift from `--help`. This code lives only in
//! the test build: the shipped binary carries no generator.

use std::fmt::Write as _;
use std::path::Path;

use clap::{Arg, Command, CommandFactory};

use crate::cli::Cli;

#[path = "../tests/generated/mod.rs"]
mod generated;
use generated::{REFRESH, blessing, check};

/// `keystroke` with its subcommands built, so each knows its full name (`keystroke api-key revoke`).
fn built_cli() -> Command {
    let mut cli = without_help_subcommands(Cli::command());
    cli.build();
    cli
}

/// clap's `help` subcommands would each need a page of their own (or leave a dangling
/// `keystroke-help(1)`); `--help` is documented instead.
fn without_help_subcommands(cmd: Command) -> Command {
    let names: Vec<String> = cmd.get_subcommands().map(|sub| sub.get_name().to_string()).collect();
    names
        .into_iter()
        .fold(cmd.disable_help_subcommand(true), |cmd, name| cmd.mut_subcommand(name, without_help_subcommands))
}

/// Every command a user can run, depth first.
fn commands(cmd: &Command) -> Vec<&Command> {
    let mut all = vec![cmd];
    for sub in visible_subcommands(cmd) {
        all.extend(commands(sub));
    }
    all
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|sub| !sub.is_hide_set())
}

/// One man page per command, named like git's (`keystroke-api-key-revoke.1`).
fn man_pages() -> Vec<(String, String)> {
    let cli = built_cli();
    commands(&cli)
        .into_iter()
        .map(|cmd| {
            // Every page's footer names the program, not the subcommand (`revoke 0.1.0`).
            let man = clap_mangen::Man::new(cmd.clone()).source(format!("keystroke {}", env!("CARGO_PKG_VERSION")));
            let mut page = Vec::new();
            man.render(&mut page).expect("rendering to memory cannot fail");
            // clap_mangen heads the after-help text "EXTRA": on `man keystroke` it is the scripting
            // reference, elsewhere notes.
            let heading = if cmd.get_name() == cli.get_name() { "\"EXIT STATUS AND ENVIRONMENT\"" } else { "NOTES" };
            let page = String::from_utf8(page).expect("man pages are UTF-8");
            (man.get_filename(), page.replace(".SH EXTRA\n", &format!(".SH {heading}\n")))
        })
        .collect()
}

fn markdown_reference() -> String {
    let cli = built_cli();
    let mut out = String::new();
    let _ = writeln!(out, "# `keystroke` command-line reference\n");
    let _ = writeln!(out, "<!-- Generated from the clap definition; do not edit. Refresh with `{REFRESH}`. -->\n");
    let _ = writeln!(out, "{}\n", text(cli.get_about()));
    for cmd in commands(&cli).into_iter().skip(1) {
        let depth = full_name(cmd).split(' ').count() - 2;
        let _ = writeln!(out, "{}- [`{}`](#{})", "  ".repeat(depth), full_name(cmd), anchor(&full_name(cmd)));
    }

    let _ = writeln!(out, "\n## Global options\n");
    let _ = writeln!(
        out,
        "Every command accepts these, before or after its name (`completion` refuses `--json`: it prints a \
         script), but for `help`, which takes command names only: put them before it, where only `--color` \
         changes anything (help, like `--version`, is text).\n"
    );
    write_args(&mut out, cli.get_arguments().filter(|arg| arg.is_global_set()));
    let _ = writeln!(out, "- `-h`, `--help`: Print help (`--help` prints more than `-h`)");
    let _ = writeln!(out, "\n`keystroke -V` (`--version`), with no command, prints the version.");

    if let Some(reference) = cli.get_after_long_help() {
        let _ = writeln!(out, "\n## Exit codes and environment\n\n```text\n{}\n```", reference.to_string().trim_end());
    }

    for cmd in commands(&cli).into_iter().skip(1) {
        write_command(&mut out, cmd);
    }
    out
}

fn write_command(out: &mut String, cmd: &Command) {
    let _ = writeln!(out, "\n## `{}`\n", full_name(cmd));
    let about = cmd.get_long_about().or(cmd.get_about());
    let _ = writeln!(out, "{}\n", text(about));
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ");
    let _ = writeln!(out, "```text\n{usage}\n```");

    let subcommands: Vec<&Command> = visible_subcommands(cmd).collect();
    if !subcommands.is_empty() {
        let _ = writeln!(out, "\nCommands:\n");
        for sub in subcommands {
            let name = full_name(sub);
            let _ = writeln!(out, "- [`{name}`](#{}): {}", anchor(&name), text(sub.get_about()));
        }
    }
    let positionals: Vec<&Arg> = cmd.get_positionals().filter(|arg| !arg.is_hide_set()).collect();
    if !positionals.is_empty() {
        let _ = writeln!(out, "\nArguments:\n");
        write_args(out, positionals.into_iter());
    }
    let options: Vec<&Arg> = cmd
        .get_arguments()
        .filter(|arg| !arg.is_positional() && !arg.is_hide_set() && !arg.is_global_set())
        .filter(|arg| !matches!(arg.get_id().as_str(), "help" | "version"))
        .collect();
    if !options.is_empty() {
        let _ = writeln!(out, "\nOptions:\n");
        write_args(out, options.into_iter());
    }
    if let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        let _ = writeln!(out, "\n```text\n{}\n```", after.to_string().trim_end());
    }
}

fn write_args<'a>(out: &mut String, args: impl Iterator<Item = &'a Arg>) {
    for arg in args {
        let mut line = format!("- {}", spelling(arg));
        let help = text(arg.get_long_help().or(arg.get_help()));
        if !help.is_empty() {
            let _ = write!(line, ": {help}");
        }
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|value| !value.is_hide_set())
            .map(|value| format!("`{}`", value.get_name()))
            .collect();
        if !values.is_empty() {
            let _ = write!(line, ". One of {}", values.join(", "));
        }
        let defaults: Vec<String> =
            arg.get_default_values().iter().map(|value| format!("`{}`", value.to_string_lossy())).collect();
        if !defaults.is_empty() && arg.get_action().takes_values() {
            let _ = write!(line, ". Default: {}", defaults.join(", "));
        }
        let _ = writeln!(out, "{line}");
    }
}

/// `-q`, `--quiet` or `--org <ORG>` or `<ID>`.
fn spelling(arg: &Arg) -> String {
    let value = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map(|name| name.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    if arg.is_positional() {
        let name = format!("<{value}>");
        return if arg.is_required_set() { format!("`{name}`") } else { format!("`[{value}]`") };
    }
    let mut names = Vec::new();
    if let Some(short) = arg.get_short() {
        names.push(format!("`-{short}`"));
    }
    if let Some(long) = arg.get_long() {
        if arg.get_action().takes_values() {
            names.push(format!("`--{long} <{value}>`"));
        } else {
            names.push(format!("`--{long}`"));
        }
    }
    names.join(", ")
}

fn full_name(cmd: &Command) -> String {
    cmd.get_bin_name().unwrap_or(cmd.get_name()).to_string()
}

/// The heading anchor GitHub derives from `` `keystroke api-key revoke` ``.
fn anchor(name: &str) -> String {
    name.replace(' ', "-")
}

fn text(styled: Option<&clap::builder::StyledStr>) -> String {
    styled.map(|text| text.to_string().trim_end().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_docs_are_current() {
        let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("doc");
        let mut stale = Vec::new();
        let pages = man_pages();
        for (name, page) in &pages {
            stale.extend(check(&doc.join("man").join(name), page));
        }
        stale.extend(check(&doc.join("cli-reference.md"), &markdown_reference()));

        // A page of a command that no longer exists must go too.
        for entry in std::fs::read_dir(doc.join("man")).into_iter().flatten() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !pages.iter().any(|(page, _)| *page == name) {
                if blessing() {
                    std::fs::remove_file(&path).unwrap();
                } else {
                    stale.push(path);
                }
            }
        }
        assert!(
            stale.is_empty(),
            "generated docs differ from the clap definition: {stale:#?}\nrefresh them with `{REFRESH}`"
        );
    }

    #[test]
    fn the_reference_covers_every_command_and_variable() {
        let reference = markdown_reference();
        for name in ["keystroke api-key revoke", "keystroke org switch", "keystroke completion"] {
            assert!(reference.contains(&format!("## `{name}`")), "{name} is missing");
        }
        for (var, meaning) in crate::env::IN_HELP {
            assert!(reference.contains(&format!("\n  {var:<28}{meaning}\n")), "{var} is missing");
        }
        for code in crate::error::ExitCode::ALL {
            assert!(reference.contains(&format!("\n  {}  {}\n", code as u8, code.meaning())), "{code:?} is missing");
        }
        let keystroke_page = &man_pages()[0].1;
        assert!(keystroke_page.contains("KEYSTROKE_TOKEN") && keystroke_page.contains("Exit codes"), "man keystroke");
        assert!(keystroke_page.contains(".SH \"EXIT STATUS AND ENVIRONMENT\"\n"), "its own heading");
        assert!(man_pages().iter().all(|(_, page)| !page.contains(".SH EXTRA")), "no page says EXTRA");
    }
}
