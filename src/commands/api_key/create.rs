use std::time::Duration;

use clap::Args;
use keystroke_api::{CreateApiKey, CreatedApiKey, MAX_KEY_LIFETIME_SECS, check_name};

use crate::context::Context;
use crate::error::CliError;
use crate::printer::Style;
use crate::table;

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A label that says what uses the key, e.g. "Production automation"
    #[arg(long)]
    pub name: String,

    /// Lifetime of the key, e.g. `30d`, `12h`, `1y`; without it the key does not expire
    #[arg(long, value_name = "DURATION", value_parser = parse_lifetime)]
    pub expires_in: Option<Duration>,
}

pub async fn run(context: &Context, args: &CreateArgs) -> anyhow::Result<()> {
    // Checked here rather than by clap, whose error would repeat the whole name.
    let name = check_name("API key", &args.name).map_err(|problem| {
        CliError::usage(problem).with_hint("say what will use the key, e.g. `--name \"Production automation\"`")
    })?;
    let signed_in = context.signed_in()?;
    let org = context.org(&signed_in).await?;
    let request =
        CreateApiKey { name: name.to_owned(), expires_in_seconds: args.expires_in.map(|lifetime| lifetime.as_secs()) };
    let created = signed_in.client.create_api_key(&org, &request).await?;
    reveal(context, &created)
}

/// The secret, once: the object with `--json`, a block with a warning on a terminal, the bare
/// secret on one line in a pipe (so `$(keystroke api-key create …)` captures just the key).
fn reveal(context: &Context, created: &CreatedApiKey) -> anyhow::Result<()> {
    let printer = &context.printer;
    let key = &created.key;
    if printer.json() {
        return printer.json_data(created);
    }
    if !printer.stdout_is_terminal() {
        printer.data(&created.secret)?;
        printer.notice(&format!(
            "Created API key {} ({}) in {}; its secret, on stdout, is shown only once",
            key.id, key.name, key.org
        ));
        return Ok(());
    }
    let mut block = vec![
        format!("Created API key {} ({}) in {}.", key.id, key.name, key.org),
        String::new(),
        format!("    {}", printer.stdout_style(Style::Bold, &created.secret)),
        String::new(),
        printer.stdout_style(Style::Yellow, "This secret is shown only once: copy it now and store it somewhere safe."),
        format!("From now on Keystroke shows only its preview, {}.", key.preview),
    ];
    if let Some(expires_at) = key.expires_at {
        block.push(format!("It expires {}.", table::time(expires_at)));
    }
    printer.data(&block.join("\n"))?;
    Ok(())
}

fn parse_lifetime(value: &str) -> Result<Duration, String> {
    const EXAMPLES: &str = "write a duration like `30d`, `12h` or `90min`";
    if let Some(after_dash) = value.strip_prefix('-') {
        return Err(if after_dash.starts_with(|c: char| c.is_ascii_digit()) {
            format!("a lifetime cannot be negative; {EXAMPLES}")
        } else {
            format!("`{value}` is a flag, not a duration; {EXAMPLES}")
        });
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // humantime would suggest `90ms`, which is below the one-second minimum.
        return Err(format!("the unit is missing: `{value}d`, `{value}h` or `{value}min`?"));
    }
    let lifetime = humantime::parse_duration(value).map_err(|err| format!("{err}; {EXAMPLES}"))?;
    if lifetime.as_secs() == 0 {
        return Err("the lifetime must be at least one second".into());
    }
    if lifetime.as_secs() > MAX_KEY_LIFETIME_SECS {
        return Err("the lifetime can be at most ten years (`3650d`)".into());
    }
    Ok(lifetime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_like_people_write_them() {
        assert_eq!(parse_lifetime("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse_lifetime("12h").unwrap(), Duration::from_secs(12 * 3_600));
        assert!(parse_lifetime("0s").is_err());
        assert_eq!(parse_lifetime("90").unwrap_err(), "the unit is missing: `90d`, `90h` or `90min`?");
        assert!(parse_lifetime("-5d").unwrap_err().starts_with("a lifetime cannot be negative"));
        assert!(parse_lifetime("--name").unwrap_err().starts_with("`--name` is a flag, not a duration"));
        assert!(parse_lifetime("3650d").is_ok());
        assert_eq!(parse_lifetime("100000d").unwrap_err(), "the lifetime can be at most ten years (`3650d`)");
        assert!(parse_lifetime("soon").is_err());
    }
}
