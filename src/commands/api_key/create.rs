use clap::Args;
use keystroke_api::{ApiKey, CreateApiKey, CreatedApiKey, check_name, utc_minute};

use crate::context::Context;
use crate::error::CliError;
use crate::lifetime::parse_lifetime;
use crate::printer::{Style, one_line};
use crate::table;

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A label that says what uses the key, e.g. "Production automation"
    #[arg(long)]
    pub name: String,

    /// Lifetime of the key, in `s`, `min`, `h`, `d`, `w`, `mo` (30 days) or `y` (365 days), e.g.
    /// `90d`, `12h`, `1y 6w`; at most ten years; without it the key does not expire
    #[arg(long, value_name = "DURATION")]
    pub expires_in: Option<String>,
}

pub async fn run(context: &Context, args: &CreateArgs) -> anyhow::Result<()> {
    // Checked here rather than by clap, whose error would repeat the whole name.
    let name = check_name("API key", &args.name).map_err(|problem| {
        let refused = CliError::usage(problem);
        // Any other problem says what to change; what a name is for is no help with it.
        if args.name.trim().is_empty() {
            refused.with_hint("say what will use the key, e.g. `--name \"Production automation\"`")
        } else {
            refused
        }
    })?;
    // Read here rather than by clap, whose error would repeat the value, a pasted secret included.
    let lifetime = args.expires_in.as_deref().map(parse_lifetime).transpose().map_err(|problem| {
        CliError::usage(format!("invalid `--expires-in`: {problem}"))
            .with_hint("e.g. `--expires-in 90d`; without it the key does not expire")
    })?;
    // The secret is shown once, on stdout: a key whose secret goes nowhere is not made.
    if context.printer.stdout_is_discarded() {
        return Err(CliError::usage(
            "stdout is discarded (/dev/null, /dev/zero or closed), where the new key's secret would be lost",
        )
        .with_hint(
            "run it with stdout on a terminal, a pipe, or a file only you can read, e.g. `(umask 077; … > key.txt)`",
        )
        .into());
    }
    let signed_in = context.signed_in()?;
    let org = context.org(&signed_in).await?;
    let request =
        CreateApiKey { name: name.to_owned(), expires_in_seconds: lifetime.map(|lifetime| lifetime.as_secs()) };
    let created = signed_in.client.create_api_key(&org, &request).await?;
    if let Err(unwritten) = reveal(context, &created, &signed_in.on_which_platform()) {
        // Nobody has the secret, and nobody ever will: a key that cannot be used by anyone but
        // whoever finds where it was half-written must not stay valid.
        let key = &created.key;
        let revoked = signed_in.client.revoke_api_key(&org, &key.id).await;
        let message = format!("could not write the new key's secret to stdout ({})", unwritten.root_cause());
        return Err(match revoked {
            Ok(_) => {
                CliError::failure(format!("{message}; API key {} was revoked again, since its secret is lost", key.id))
                    .with_hint("run the command again with stdout somewhere it can be written")
            }
            Err(err) => CliError::failure(format!("{message}, and API key {} could not be revoked: {err:#}", key.id))
                .with_hint(format!(
                    "revoke it: `keystroke api-key revoke {} --org {org}{} --yes`",
                    key.id,
                    signed_in.platform.flag_for_hints()
                )),
        }
        .into());
    }
    // Failing from here on, the secret has been shown: the key stays.
    context.printer.warn_if_stdout_open_to_others("the secret");
    explain_on_terminal(context, &created.key)?;
    Ok(())
}

/// Whether the secret is shown in a block that explains it: on a terminal, unless `-q` asks for
/// the data alone.
fn in_a_block(context: &Context) -> bool {
    let printer = &context.printer;
    !printer.json() && printer.stdout_is_terminal() && !printer.quiet()
}

/// The secret, once: the object with `--json`, the start of a block on a terminal (its end is
/// [`explain_on_terminal`]), the bare secret on one line in a pipe or with `-q` (so `$(keystroke
/// api-key create …)` captures just the key). `on` names the platform where it is ambiguous
/// ([`crate::context::SignedIn::on_which_platform`]). An error here means the secret may not have
/// been shown.
fn reveal(context: &Context, created: &CreatedApiKey, on: &str) -> anyhow::Result<()> {
    let printer = &context.printer;
    let key = &created.key;
    if printer.json() {
        return printer.json_data(created);
    }
    // One line whatever the platform sent: `$(keystroke api-key create)` takes all of stdout.
    let secret = one_line(&created.secret);
    if !in_a_block(context) {
        printer.data(&secret)?;
        printer.notice(&format!(
            "Created API key {} ({}) in {}{on}; its secret, on stdout, is shown only once",
            key.id, key.name, key.org
        ));
        return Ok(());
    }
    // The platform's words, each made one line: a line break in a name must not add a line to
    // the block that shows the secret.
    let (id, name, org) = (one_line(&key.id), one_line(&key.name), one_line(&key.org));
    printer.data(&format!("Created API key {id} ({name}) in {org}{on}.\n"))?;
    // Indented to stand out, unless the indent would wrap it (at the width tables fit, `COLUMNS`
    // or the terminal's): a secret split over two rows is copied with a line break in it.
    const INDENT: &str = "    ";
    let indent = match printer.table_target() {
        table::Target::Terminal { columns: Some(columns) } if usize::from(columns) < INDENT.len() + secret.len() => "",
        _ => INDENT,
    };
    printer.data_styled(Style::Bold, &format!("{indent}{secret}"))?;
    Ok(())
}

/// On a terminal, what follows the secret in its block: that it is shown once, and the key's
/// preview and expiry.
fn explain_on_terminal(context: &Context, key: &ApiKey) -> anyhow::Result<()> {
    let printer = &context.printer;
    if !in_a_block(context) {
        return Ok(());
    }
    printer.data("")?;
    printer.data_styled(Style::Yellow, "This secret is shown only once: copy it now and store it somewhere safe.")?;
    printer.data(&format!("From now on Keystroke shows only its preview, {}.", one_line(&key.preview)))?;
    if let Some(expires_at) = key.expires_at {
        printer.data(&format!("It expires {}.", utc_minute(expires_at)))?;
    }
    Ok(())
}
