//! `keystroke-platform key revoke`: by id, or by the secret itself (`--leaked`).

use std::io::{BufRead, IsTerminal, Read, Write};

use keystroke_platform::admin::{self, KeyToRevoke};

use super::rfc3339;
use crate::args::KeyCommand;

pub(crate) fn run(command: KeyCommand) -> anyhow::Result<()> {
    match command {
        // Without an id, clap has required `--leaked`.
        KeyCommand::Revoke { db, id, leaked: _ } => {
            let storage = db.open_existing_to_change()?;
            let key = match id {
                Some(id) => KeyToRevoke::Id(id),
                None => KeyToRevoke::Secret(read_key_secret()?),
            };
            // A write that failed (a full disk) is said to have changed nothing: an operator
            // revoking a leaked key must not take SQLite's words for a refusal of something else.
            let revocation = admin::revoke_key(&storage, key).map_err(|error| {
                match error.chain().any(|cause| cause.is::<rusqlite::Error>()) {
                    true => error.context("nothing was revoked, and the key still works"),
                    false => error,
                }
            })?;
            let key = &revocation.key;
            let which = format!(
                "API key {} (\"{}\") of org `{}`, created by {}",
                key.id, key.name, key.org_slug, key.created_by.email
            );
            if revocation.already {
                say!("{which}, was revoked already, at {}; nothing changed", rfc3339(revocation.revoked_at));
            } else if let Some(expired) = key.expires_at.filter(|&at| at <= keystroke_platform::clock::now()) {
                // Refused since it expired: "from now on" would tell an operator tracing a leak
                // that it worked until now.
                say!(
                    "Revoked {which}: it had expired at {}, and was refused since (`audit list --org {}` records the \
                     revocation)",
                    rfc3339(expired),
                    key.org_slug
                );
            } else {
                say!("Revoked {which}: refused from now on (`audit list --org {}` records it)", key.org_slug);
            }
            Ok(())
        }
    }
}

/// A key's secret for `key revoke --leaked`, never from argv.
fn read_key_secret() -> anyhow::Result<String> {
    let secret = match std::io::stdin().is_terminal() {
        true => crate::hidden_prompt::hidden_line("The API key's secret: ")?,
        false => secret_on_stdin()?,
    };
    anyhow::ensure!(!secret.trim().is_empty(), "no secret given: pipe it on stdin or paste it at the prompt");
    Ok(secret.trim().to_owned())
}

/// The first line with text on stdin (blank lines aside), read no further than a secret can be
/// long (`< /dev/zero` has no end), and no further than its line: typed into a pipe (`ssh host
/// keystroke-platform key revoke --leaked`, then a paste and Enter) it must not wait for the end
/// of input. Lines that came with it (a file of several secrets) are refused, revoking none:
/// only the first would have been revoked, and the others said nothing of.
fn secret_on_stdin() -> anyhow::Result<String> {
    const MOST: usize = 64 * 1024;
    let mut stdin = std::io::BufReader::with_capacity(MOST, std::io::stdin().lock().take(MOST as u64));
    let mut line = String::new();
    while line.trim().is_empty() {
        line.clear();
        if stdin.read_line(&mut line)? == 0 {
            return Ok(String::new());
        }
    }
    let more = String::from_utf8_lossy(stdin.buffer()).lines().filter(|rest| !rest.trim().is_empty()).count();
    anyhow::ensure!(
        more == 0,
        "stdin holds {} lines, not one secret: nothing was revoked (pipe one secret at a time)",
        more + 1
    );
    Ok(line.trim().to_owned())
}
