//! Dynamic completion: with `COMPLETE=SHELL keystroke` installed, Tab asks the binary itself,
//! which completes org slugs, API key ids and session ids from the platform.
//!
//! A lookup uses the same credential stores, config and API client as the commands, and the
//! `--platform-url` / `--org` already typed on the line. It runs against a deadline, so that Tab
//! never hangs on a slow keyring or platform, and it prints nothing: on any failure there are
//! simply no candidates.

use std::ffi::OsString;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use clap_complete::CompletionCandidate;
use keystroke_api::{MAX_PAGE_LIMIT, PageQuery};

use crate::cli::{Cli, ColorChoice, GlobalArgs};
use crate::context::Context;

/// How long one Tab may wait for the keyring and the platform together.
const DEADLINE: Duration = Duration::from_millis(1500);

/// Org slugs for `--org` and `org switch`, with each org's name as the description.
pub fn org_slugs() -> Vec<CompletionCandidate> {
    within_deadline(Lookup::OrgSlugs)
}

/// Ids of the keys `api-key revoke` may revoke in the command's org, with each key's name.
pub fn api_key_ids() -> Vec<CompletionCandidate> {
    within_deadline(Lookup::ApiKeyIds)
}

/// Ids of the user's sessions `session revoke` may revoke (not the one asking), with each
/// session's client and sign-in time.
pub fn session_ids() -> Vec<CompletionCandidate> {
    within_deadline(Lookup::SessionIds)
}

#[derive(Debug, Clone, Copy)]
enum Lookup {
    OrgSlugs,
    ApiKeyIds,
    SessionIds,
}

/// Runs the lookup on its own thread and gives up at [`DEADLINE`]. A lookup that overruns is
/// left behind: the process exits as soon as the candidates are written.
fn within_deadline(lookup: Lookup) -> Vec<CompletionCandidate> {
    let (sender, receiver) = mpsc::channel();
    let spawned = thread::Builder::new().name("complete".into()).spawn(move || {
        let _ = sender.send(run(lookup));
    });
    if spawned.is_err() {
        return Vec::new();
    }
    receiver.recv_timeout(DEADLINE).ok().and_then(Result::ok).unwrap_or_default()
}

fn run(lookup: Lookup) -> anyhow::Result<Vec<CompletionCandidate>> {
    let mut context = Context::new(globals_on_the_line());
    context.printer = context.printer.silenced();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(fetch(&context, lookup))
}

async fn fetch(context: &Context, lookup: Lookup) -> anyhow::Result<Vec<CompletionCandidate>> {
    let signed_in = context.signed_in()?;
    match lookup {
        Lookup::OrgSlugs => {
            let me = signed_in.client.me().await?;
            Ok(me
                .memberships
                .into_iter()
                .map(|membership| candidate(membership.org.slug, membership.org.name))
                .collect())
        }
        Lookup::ApiKeyIds => {
            let org = context.org(&signed_in).await?;
            // One page: enough for Tab, and it keeps the lookup to one request.
            let query = PageQuery { limit: Some(MAX_PAGE_LIMIT), cursor: None };
            let page = signed_in.client.list_api_keys(&org, &query).await?;
            Ok(page.data.into_iter().map(|key| candidate(key.id, key.name)).collect())
        }
        Lookup::SessionIds => {
            let sessions = signed_in.client.list_sessions().await?;
            Ok(sessions
                .into_iter()
                .filter(|session| !session.current)
                .map(|session| {
                    let about =
                        format!("{}, signed in {}", session.client, keystroke_api::utc_minute(session.created_at));
                    candidate(session.id, about)
                })
                .collect())
        }
    }
}

fn candidate(value: String, help: String) -> CompletionCandidate {
    CompletionCandidate::new(value).help(Some(help.into()))
}

/// The global options of the line being completed (the shell passes its words after `--`),
/// with their environment fallbacks; nothing that would print, prompt or color.
fn globals_on_the_line() -> GlobalArgs {
    let words: Vec<OsString> = std::env::args_os().skip_while(|arg| arg != "--").skip(1).collect();
    let on_the_line = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(words)
        .ok()
        .and_then(|matches| GlobalArgs::from_arg_matches(&matches).ok())
        .unwrap_or_default();
    // A variable that is not UTF-8 gets its error when the command runs; completion goes on without it.
    let mut global = on_the_line.clone().with_env_fallbacks().unwrap_or(on_the_line);
    global.json = false;
    global.no_input = true;
    global.color = ColorChoice::Never;
    global.quiet = true;
    global.verbose = false;
    global
}
