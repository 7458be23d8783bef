use serde::Serialize;

use crate::context::{Context, StoredToken};

/// `auth token --json`: the document doc/json-output.md describes.
#[derive(Serialize)]
struct TokenOutput<'a> {
    platform_url: &'a str,
    token: &'a str,
}

/// Prints the session token for scripts; the one place besides requests where it is exposed.
pub fn run(context: &Context) -> anyhow::Result<()> {
    let StoredToken { platform, token, .. } = context.token()?;
    match context.printer.json() {
        true => context.printer.json_data(&TokenOutput { platform_url: &platform.key, token: token.expose() })?,
        false => context.printer.data_raw(token.expose())?,
    }
    // A session token reaches every org of its user: `> token.txt` under the usual umask is a
    // file every user of the machine can read.
    context.printer.warn_if_stdout_open_to_others("the session token");
    Ok(())
}
