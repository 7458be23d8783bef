use keystroke_api::{Membership, Session, User, utc_minute};
use serde::Serialize;

use crate::commands::org::is_member;
use crate::context::{Context, SignedIn};
use crate::credentials::{Credentials, Peeked, StoreKind, TokenSource};
use crate::env;
use crate::error::{ExitCode, exits_with};
use crate::printer::one_line;

#[derive(Serialize)]
struct StatusOutput<'a> {
    platform_url: &'a str,
    user: &'a User,
    token: TokenOutput,
    active_org: Option<&'a str>,
    /// `--org` or `KEYSTROKE_ORG`: the org that commands given it act on instead of `active_org`.
    org_override: Option<&'a str>,
    /// Why commands on an org fail as things are, when they do because of the override:
    /// `not_an_org_slug` (`KEYSTROKE_ORG` holds something else, not repeated) or `not_your_org`.
    org_override_problem: Option<&'static str>,
    session: &'a Session,
}

#[derive(Serialize)]
struct TokenOutput {
    /// `env` (`KEYSTROKE_TOKEN`) or `store`.
    source: &'static str,
    /// The store holding the token, or the one shadowed by `KEYSTROKE_TOKEN`.
    store: Option<StoreKind>,
    /// Where the token lives, in words.
    location: String,
    /// The file holding it, for the file store (`null` for the others): `location` is prose.
    path: Option<String>,
    /// Whether `KEYSTROKE_TOKEN` hides a token stored by `keystroke auth login`.
    shadows_stored_token: bool,
}

pub async fn run(context: &Context) -> anyhow::Result<()> {
    // (`--org` typed for it, as for every command, is checked before: `commands::run`.
    // `KEYSTROKE_ORG` may have been set long ago: that is said below, not refused.)
    let mut signed_in = context.signed_in()?;
    // Whose the token is, it says itself, below.
    signed_in.client.without_session_check();
    let credentials = context.credentials()?;
    let platform = &signed_in.platform.key;

    let mut token = token_output(&signed_in, &credentials);
    // As `auth login` said when it stored the token there: it is still so.
    if let TokenSource::Store(kind) = signed_in.source
        && let Some(warning) = credentials.sharing_warning(kind)
    {
        context.printer.warn(&warning);
    }
    let me = match signed_in.client.me().await {
        Ok(me) => me,
        Err(error) => {
            // What this machine knows is what one checks first when the platform does not answer,
            // or refuses the token: which token, kept where (`gh auth status` says as much).
            let (platform_note, token_note) = match () {
                _ if exits_with(&error, ExitCode::Unreachable) => (" (not answering)", ""),
                _ if exits_with(&error, ExitCode::NotSignedIn) => ("", " (refused by the platform)"),
                _ => return Err(error),
            };
            if !context.printer.json() {
                let saved_org = signed_in.config.active_org(platform).unwrap_or("none");
                let known = [
                    format!("Platform:    {platform}{platform_note}"),
                    format!("Token:       {}{token_note}", one_line(&token.location)),
                    format!("Active org:  {saved_org}"),
                ];
                context.printer.data(&known.join("\n"))?;
            }
            return Err(error);
        }
    };
    // The same token, in a store not read above: its session is the one the sign-in recorded.
    let recorded_session = signed_in.config.platform(platform).and_then(|settings| settings.session_id.as_deref());
    token.shadows_stored_token &= recorded_session != Some(me.session.id.as_str());
    // The token of the store this directory's sign-in recorded, but another session than it
    // recorded: a keyring entry is one per platform, shared by every config directory, and another
    // one's sign-in replaced it. Every command here acts as that sign-in's user now.
    // (The opt-in file is this directory's own: no other writes it.)
    let recorded_store = signed_in.config.recorded_store(platform);
    if let TokenSource::Store(kind) = signed_in.source
        && kind != StoreKind::File
        && recorded_store != Some(kind)
        && recorded_session != Some(me.session.id.as_str())
    {
        // A store this directory's sign-in did not use (forced by `KEYSTROKE_CREDENTIAL_STORE`),
        // or none recorded at all.
        let store = credentials.location_in_sentence(kind);
        let email = one_line(&me.user.email);
        match (recorded_store, recorded_session) {
            (Some(recorded), Some(own)) => context.printer.warn(&format!(
                "the token stored for {platform} in {store} is another sign-in's ({email}), not this directory's \
                 sign-in, whose session {own} has its token in {}: commands here act as that user while this store \
                 is used",
                credentials.location_in_sentence(recorded)
            )),
            (None, _) => context.printer.warn(&format!(
                "no sign-in to {platform} is recorded in this config directory (its `config.json` deleted, or made \
                 from another config directory that shares this store): commands here act as the session of the \
                 token in {store}, {email}'s"
            )),
            // Recorded by an older keystroke, without its session's id: whose it is cannot be told.
            (Some(_), None) => {}
        }
    } else if let (TokenSource::Store(kind), Some(own)) = (signed_in.source, recorded_session)
        && kind != StoreKind::File
        && recorded_store == Some(kind)
        && own != me.session.id
    {
        context.printer.warn(&format!(
            "the token stored for {platform} is another sign-in's ({}), made from another config directory that \
             shares this keyring: commands here act as that user; this directory's own session, {own}, was replaced \
             then and may still be valid (`keystroke session revoke {own}` ends it); `keystroke auth login` signs \
             this directory in again",
            one_line(&me.user.email)
        ));
    }
    let active_org = signed_in.default_org(&me.memberships);
    // A slug only (anything else fails every command, and is not repeated here).
    let org_override = context.global.org.as_deref().filter(|overriding| keystroke_api::is_org_slug(overriding));

    if context.printer.json() {
        return context.printer.json_data(&StatusOutput {
            platform_url: platform,
            user: &me.user,
            token,
            active_org,
            org_override,
            org_override_problem: match org_override {
                Some(overriding) if !is_member(&me.memberships, overriding) => Some("not_your_org"),
                None if context.global.org.is_some() => Some("not_an_org_slug"),
                _ => None,
            },
            session: &me.session,
        });
    }

    let mut lines = vec![
        format!("Platform:    {platform}"),
        // The platform's words, each made one line: a line break in a name must not make a line
        // that reads as the CLI's own (`Token: …`).
        format!("Signed in:   {} <{}>", one_line(&me.user.name), one_line(&me.user.email)),
        // A path (`KEYSTROKE_CONFIG_DIR`'s) may hold a line break too.
        format!("Token:       {}", one_line(&token.location)),
    ];
    if let (true, Some(kind)) = (token.shadows_stored_token, token.store) {
        // Not in parentheses: the store's description ends in a parenthesis of its own.
        let stored_in = credentials.location_in_sentence(kind);
        lines.push(format!("             which shadows the token stored in {}", one_line(&stored_in)));
    }
    lines.push(active_org_line(active_org, &me.memberships));
    lines.extend(org_override_note(context, org_override, active_org, &me.memberships));
    lines.push(format!("Session:     expires {}", utc_minute(me.session.expires_at)));
    context.printer.data(&lines.join("\n"))?;
    Ok(())
}

/// Where the token in use lives, and whether `KEYSTROKE_TOKEN` hides a stored one.
fn token_output(signed_in: &SignedIn, credentials: &Credentials) -> TokenOutput {
    let platform = &signed_in.platform.key;
    match signed_in.source {
        TokenSource::Env => {
            // The config remembers where `auth login` stored a token, which may be gone since: a
            // session keyring ends with its login, a file can be deleted. Those two are looked
            // at (one that cannot be read is taken at its word); an OS keyring, which keeps its
            // entries and may ask to be unlocked, is not. The variable may hold the stored token
            // itself (`export KEYSTROKE_TOKEN=$(keystroke auth token)`), which hides nothing.
            let mut same_token = false;
            let shadowed =
                signed_in.config.recorded_store(platform).filter(|&kind| match credentials.peek(kind, platform) {
                    Peeked::Holds(stored) => {
                        same_token = Credentials::env_token().is_some_and(|env| env == stored);
                        true
                    }
                    Peeked::Empty => false,
                    Peeked::Unknown => true,
                });
            TokenOutput {
                source: "env",
                store: shadowed,
                location: format!("the `{}` environment variable", env::TOKEN),
                path: None,
                shadows_stored_token: shadowed.is_some() && !same_token,
            }
        }
        TokenSource::Store(kind) => TokenOutput {
            source: "store",
            store: Some(kind),
            location: credentials.location(kind),
            path: (kind == StoreKind::File).then(|| credentials.file_store_path().display().to_string()),
            shadows_stored_token: false,
        },
    }
}

/// The active org, and what is wrong with it if anything.
fn active_org_line(active_org: Option<&str>, memberships: &[Membership]) -> String {
    match active_org {
        // No org to switch to: only whoever runs the platform can help.
        Some(slug) if memberships.is_empty() => {
            format!("Active org:  {slug} (you belong to no org now: ask whoever runs the platform to add you)")
        }
        Some(slug) if is_member(memberships, slug) => format!("Active org:  {slug}"),
        // Removed from it since `org switch`: commands would fail with "not found".
        Some(slug) => format!("Active org:  {slug} (you are no longer a member: `keystroke org switch ORG`)"),
        None if memberships.is_empty() => {
            "Active org:  none (you belong to no org yet: ask whoever runs the platform to add you)".to_owned()
        }
        None => "Active org:  none (choose one with `keystroke org switch ORG`)".to_owned(),
    }
}

/// What `KEYSTROKE_ORG` or `--org` does to the active org, when it names another (or no slug).
/// The variable applies to every command while it is set, the flag to the command given it.
fn org_override_note(
    context: &Context,
    org_override: Option<&str>,
    active_org: Option<&str>,
    memberships: &[Membership],
) -> Option<String> {
    let from_env = context.global.org_from_env;
    if let Some(overriding) = org_override.filter(|&overriding| !is_member(memberships, overriding)) {
        Some(match from_env {
            true => format!(
                "             (`{}` is set to `{overriding}`, not an org of yours: commands on an org fail there)",
                env::ORG
            ),
            false => format!("             (`--org {overriding}` is not an org of yours: commands given it fail)"),
        })
    } else if let Some(overriding) = org_override.filter(|&overriding| active_org != Some(overriding)) {
        Some(match from_env {
            true => format!("             (commands act on `{overriding}` instead: `{}` is set)", env::ORG),
            false => format!("             (commands given `--org {overriding}` act on it instead)"),
        })
    } else if from_env && org_override.is_none() {
        Some(format!("             (`{}` is set to no org slug: commands on an org fail until it is fixed)", env::ORG))
    } else {
        None
    }
}
