//! Keeping a sign-in: the token into the chosen store, the active org, and what it replaced
//! (tokens in other stores, sessions the platform still holds), undone if anything fails.

use keystroke_api::Me;

use crate::client::ApiClient;
use crate::commands::org;
use crate::context::{Context, PlatformUrl};
use crate::credentials::{Credentials, StoreKind};
use crate::printer::Printer;
use crate::secret::Secret;
use crate::{prompt, signals};

use super::with_token::explain_refused_token;
use super::{Interrupted, Obtained, ReplacedSession};

/// A sign-in stored on this machine: whose it is, the org made active, and the tokens it
/// replaced here.
pub(super) struct Stored {
    pub(super) me: Me,
    pub(super) active_org: Option<String>,
    pub(super) replaced: Vec<(StoreKind, Secret<String>)>,
    /// The stores other than this sign-in's that a replaced token was removed from.
    pub(super) removed_from: Vec<StoreKind>,
    /// Its session came with `--with-token` from a sign-in elsewhere (not this machine's own
    /// browser sign-in piped back in).
    pub(super) from_token: bool,
    /// The platform commands without `--platform-url` went to before, where this directory is
    /// still signed in: they go to this one now.
    pub(super) default_moved_from: Option<String>,
}

/// From a new token to a sign-in stored on this machine: whose token it is (unless Ctrl-C or
/// SIGTERM comes first, [`Interrupted`]), the org to make active (unless Ctrl-C, SIGTERM or SIGHUP
/// ends the question), then the token in `store` and the config that names it.
pub(super) async fn store_sign_in(
    context: &Context,
    client: &ApiClient,
    platform: &PlatformUrl,
    credentials: &Credentials,
    store: StoreKind,
    Obtained { token, from_stdin }: Obtained<'_>,
    interrupted: &signals::Caught,
) -> anyhow::Result<Stored> {
    let me = match interrupted.unless_arrived(client.me()).await {
        Some(me) => me.map_err(|err| explain_refused_token(err, platform))?,
        None => return Err(Interrupted.into()),
    };
    // Ctrl-C or SIGTERM that came while the approving poll's answer was on its way (a poll under
    // way finishes first), or with the answer above: honoured before the question, not after it.
    if interrupted.arrived() {
        return Err(Interrupted.into());
    }
    // Read again after the wait for the browser or stdin: an `org switch` made meanwhile is the
    // newest choice, and writing back the one read before would undo it.
    let saved_org = context.load_config()?.active_org(&platform.key).map(str::to_owned);
    // Chosen before the config is locked: the choice may wait for a person, who may end it with
    // SIGTERM or SIGHUP (a closed window) rather than an answer: nothing is stored then.
    let chosen_org = choose_active_org(&context.printer, &me, saved_org.as_deref(), interrupted);
    // At the question, or since the check above (while the config was read): nothing stored.
    if interrupted.arrived() {
        return Err(Interrupted.into());
    }
    let chosen_org = chosen_org?;
    let is_member = |slug: &str| org::is_member(&me.memberships, slug);
    // From the tokens stored before to the config that names this one's store, one round under
    // the config directory's lock: a sign-in or sign-out at the same moment comes wholly before
    // or after it, never between (where it left a token in a store the config does not name).
    let lock = context.lock_config_dir()?;
    let replaced = previous_tokens(credentials, &context.load_config()?, platform, store);
    // Stored last but for the config, which is undone should the config fail.
    credentials.set(store, &platform.key, token)?;
    let active_org = context.update_config(|config| {
        let before = config.platform_url.replace(platform.key.clone());
        let default_moved_from =
            before.filter(|before| *before != platform.key && config.recorded_store(before).is_some());
        let settings = config.platform_mut(&platform.key);
        settings.credential_store = Some(store);
        // The same session signed in again (its token, from `auth token`, piped back in) is the
        // one it was: a browser sign-in's stays this machine's own, for `auth logout` to end.
        let same_session = settings.session_id.as_deref() == Some(me.session.id.as_str());
        settings.session_from_token = match same_session {
            true => settings.session_from_token && from_stdin,
            false => from_stdin,
        };
        settings.session_id = Some(me.session.id.clone());
        // Switched again while the question was asked: that switch is newer still.
        let switched_meanwhile = settings.active_org.clone().filter(|now| Some(now) != saved_org.as_ref());
        settings.active_org = switched_meanwhile.filter(|slug| is_member(slug)).or(chosen_org);
        (settings.active_org.clone(), settings.session_from_token, default_moved_from)
    });
    let (active_org, from_token, default_moved_from) = match active_org {
        Ok(recorded) => recorded,
        Err(error) => return Err(undo_stored_token(credentials, platform, store, &replaced, error)),
    };
    let removed_from = remove_copies_elsewhere(credentials, platform, &replaced, store, &context.printer);
    drop(lock);
    Ok(Stored { me, active_org, replaced, removed_from, from_token, default_moved_from })
}

/// The config could not be saved: not signed in after all. The store goes back to what it held,
/// so that no working token is left behind an error that says the sign-in failed.
fn undo_stored_token(
    credentials: &Credentials,
    platform: &PlatformUrl,
    store: StoreKind,
    replaced: &[(StoreKind, Secret<String>)],
    error: anyhow::Error,
) -> anyhow::Error {
    let undone = match replaced.iter().find(|(kind, _)| *kind == store) {
        Some((_, previous)) => credentials.set(store, &platform.key, previous),
        None => credentials.delete(store, &platform.key).map(|_| ()),
    };
    match undone {
        Ok(()) => error.context("the sign-in could not be saved, and its token was not kept"),
        Err(undo) => error.context(format!(
            "the sign-in could not be saved, and its token is still in the {} ({undo:#}): remove it with \
             `keystroke auth logout` once the config directory can be written",
            credentials.location(store)
        )),
    }
}

/// The tokens this machine holds for the platform already (readable ones: a sign-in is not held
/// up by a keyring that fails now): in the store the config records, and in the one about to be
/// written. A keyring holds one token per platform URL whatever the config directory, so another
/// `KEYSTROKE_CONFIG_DIR` may have put one there.
fn previous_tokens(
    credentials: &Credentials,
    config: &crate::config::Config,
    platform: &PlatformUrl,
    store: StoreKind,
) -> Vec<(StoreKind, Secret<String>)> {
    let recorded = config.recorded_store(&platform.key);
    // The opt-in file too: a `config.json` deleted since may no longer record it.
    let mut kinds = Vec::new();
    for kind in recorded.into_iter().chain([store, StoreKind::File]) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds
        .into_iter()
        .filter_map(|kind| credentials.get(kind, &platform.key).ok().flatten().map(|token| (kind, token)))
        .collect()
}

/// A token of the previous sign-in kept in another store than this one's goes: the config now
/// names this store only, and nothing would read or remove it there. (This store's own was
/// overwritten.) Returns the stores it was removed from.
fn remove_copies_elsewhere(
    credentials: &Credentials,
    platform: &PlatformUrl,
    replaced: &[(StoreKind, Secret<String>)],
    store: StoreKind,
    printer: &Printer,
) -> Vec<StoreKind> {
    let mut removed_from = Vec::new();
    for (previous_store, _) in replaced.iter().filter(|(kind, _)| *kind != store) {
        match credentials.delete(*previous_store, &platform.key) {
            Ok(true) => removed_from.push(*previous_store),
            Ok(false) => {} // gone meanwhile (another sign-out)
            Err(err) => printer.warn(&format!(
                "could not remove the previous token from the {} ({err:#}); it is no longer used, remove it by hand",
                credentials.location(*previous_store)
            )),
        }
    }
    removed_from
}

/// The sessions of the sign-ins this one replaced on this machine, which stay valid: not revoked,
/// since `keystroke auth token` may have handed them to a script. On a terminal it says how to
/// end each; the list is for `--json`. Best effort: a platform that fails now does not undo the
/// sign-in, and a session that ended already needs no word.
pub(super) async fn name_replaced_sessions(
    context: &Context,
    platform: &PlatformUrl,
    replaced: &[(StoreKind, Secret<String>)],
    token: &Secret<String>,
    me: &Me,
) -> Vec<ReplacedSession> {
    let mut replaced_sessions = Vec::new();
    for (index, (_, previous)) in replaced.iter().enumerate() {
        // One token in two stores is one sign-in; the same session signed in anew replaces none;
        // a damaged one (edited by hand) names no session and is not to be sent.
        let seen_before = replaced[..index].iter().any(|(_, seen)| seen == previous);
        if seen_before || previous == token || !keystroke_api::looks_like_session_token(previous.expose()) {
            continue;
        }
        let Ok(client) = context.client(platform, Some(previous.clone())) else { continue };
        let Ok(previous_me) = client.me().await else { continue };
        replaced_sessions.push(ReplacedSession {
            id: previous_me.session.id,
            same_user: previous_me.user.id == me.user.id,
            email: previous_me.user.email,
        });
    }
    // With `--json`, in the document instead.
    if !context.printer.json() {
        for session in &replaced_sessions {
            let how_to_end = if session.same_user {
                format!("or until `keystroke session revoke {}`", session.id)
            } else {
                // Sessions are revoked by their own user only.
                format!("or until {} signs in and runs `keystroke session revoke {}`", session.email, session.id)
            };
            context.printer.notice(&format!(
                "This replaces a sign-in stored on this machine ({}): its session {} stays valid until it expires, \
                 {how_to_end}",
                session.email, session.id
            ));
        }
    }
    replaced_sessions
}

/// The user's only org; else the saved one if still valid; else, on a terminal, their pick.
fn choose_active_org(
    printer: &Printer,
    me: &Me,
    saved: Option<&str>,
    interrupted: &signals::Caught,
) -> anyhow::Result<Option<String>> {
    let slugs: Vec<&str> = me.memberships.iter().map(|m| m.org.slug.as_str()).collect();
    if let [only] = slugs.as_slice() {
        return Ok(Some(only.to_string()));
    }
    if let Some(saved) = saved.filter(|saved| slugs.contains(saved)) {
        return Ok(Some(saved.to_string()));
    }
    if slugs.is_empty() || !printer.can_prompt() {
        return Ok(None);
    }
    let items: Vec<String> = me.memberships.iter().map(|m| org::choice_label(m, false)).collect();
    // Esc leaves no active org, as if there were no terminal to ask on; Ctrl-C (counted by
    // `interrupted`) ends the sign-in, as SIGTERM does.
    let picked = prompt::pick(printer, Some(interrupted), "Which org should commands act on?", &items, 0)?;
    Ok(picked.map(|picked| slugs[picked].to_string()))
}
