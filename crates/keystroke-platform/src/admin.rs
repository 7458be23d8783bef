//! Accounts, orgs, memberships and keys as the self-hoster's commands change them
//! (`keystroke-platform user add`, `org create`, `member add|set-role|remove`, `audit list`, `key
//! revoke`), also used to seed `dev` and tests.

use anyhow::{Context, anyhow, bail, ensure};
use keystroke_api::{
    API_KEY_ID_PREFIX, API_KEY_PREFIXES, CLI_CLIENT_ID, LIVE_KEY_PREFIX, ORG_SLUG_RULE, Org, Role, SECRET_NOT_REPEATED,
    User, check_name, contains_secret, is_invisible_or_bidi, is_org_slug, is_public_id, looks_like_api_key, quoted,
    redact_secrets, written_out,
};

use crate::auth::start_session;
use crate::clock::now;
use crate::passwords;
use crate::storage::{
    AuditEvent, LastOwner, OperatorRevocation, Storage, account_by_email, email_taken, normalize_email,
};
use crate::tokens::{hash_secret, is_well_formed};

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Enough for any passphrase, and within what the sign-in page's form may carry (64 KiB): a
/// longer one could be set, and never used to sign in.
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// RFC 5321's limit on a forward path.
pub const MAX_EMAIL_CHARS: usize = 254;

/// Checks a new user's email and name (before anything is written, so that a refused `user add`
/// creates no database file, and before the password is asked for); returns them as they will
/// be stored.
pub fn check_new_user(email: &str, name: &str) -> anyhow::Result<(String, String)> {
    let email = email.trim(); // quoted back as typed, unless it is a key or token pasted here
    ensure!(!contains_secret(email), "{} is not an email address", quoted(email));
    // Names and emails are shown in the CLI's tables and on the web pages: the same rules as
    // key names (no control, invisible or direction-changing characters).
    let hidden = |c: char| c.is_control() || is_invisible_or_bidi(c);
    if email.contains(hidden) {
        let shown = written_out(email, hidden);
        bail!("`{shown}` is not an email address: it has an invisible or control character");
    }
    if email.contains(char::is_whitespace) {
        bail!("{} is not an email address: it has a space", quoted(email));
    }
    let (local, domain) = email.split_once('@').unwrap_or_default();
    let odd = |c: char| "<>()[]\\,;:\"@".contains(c);
    if local.is_empty() || domain.is_empty() || local.contains(odd) || domain.contains(odd) {
        bail!("{} is not an email address, like `ada@example.com`", quoted(email));
    }
    ensure!(email.chars().count() <= MAX_EMAIL_CHARS, "the email is longer than {MAX_EMAIL_CHARS} characters");
    let name = check_name("user", name).map_err(|problem| anyhow!(problem))?;
    Ok((normalize_email(email), name.to_owned()))
}

/// A password being set (`user add`, `user set-password`): long enough, and not absurdly long.
pub fn check_new_password(password: &str) -> anyhow::Result<()> {
    let chars = password.chars().count();
    ensure!(chars >= MIN_PASSWORD_CHARS, "the password must be at least {MIN_PASSWORD_CHARS} characters long");
    ensure!(chars <= MAX_PASSWORD_CHARS, "the password is {chars} characters long; the limit is {MAX_PASSWORD_CHARS}");
    Ok(())
}

/// Refuses an email that is some user's already.
pub fn refuse_taken_email(storage: &dyn Storage, email: &str) -> anyhow::Result<()> {
    let email = normalize_email(email);
    if storage.user_by_email(&email)?.is_some() {
        return Err(email_taken(&email));
    }
    Ok(())
}

pub fn add_user(storage: &dyn Storage, email: &str, name: &str, password: &str) -> anyhow::Result<User> {
    let (email, name) = check_new_user(email, name)?;
    check_new_password(password)?;
    refuse_taken_email(storage, &email)?;
    storage.create_user(&email, &name, &passwords::hash(password)?, now())
}

pub fn set_password(storage: &dyn Storage, user: &User, password: &str) -> anyhow::Result<()> {
    check_new_password(password)?;
    storage.set_password_hash(&user.id, &passwords::hash(password)?)
}

/// Ends every session of the user at once (a lost laptop, a stolen password, someone leaving):
/// their CLI and web pages must sign in again. Their API keys are the orgs' to revoke.
/// Returns the user (their email as stored) and how many sessions ended.
pub fn sign_out_everywhere(storage: &dyn Storage, email: &str) -> anyhow::Result<(User, usize)> {
    let user = user(storage, email)?;
    let ended = storage.revoke_sessions_of(&user.id, now())?;
    Ok((user, ended))
}

/// Returns the org, and its owner (their email as stored).
pub fn create_org(storage: &dyn Storage, slug: &str, name: &str, owner_email: &str) -> anyhow::Result<(Org, User)> {
    ensure!(is_org_slug(slug), "{} is not a valid org slug: {ORG_SLUG_RULE}", quoted(slug));
    // Logs and errors would hide it, taking it for a secret, wherever it is named.
    ensure!(
        !contains_secret(slug),
        "that slug reads as a secret (the body of a key's secret, in small letters), which logs and errors hide: \
         break it with dashes"
    );
    let name = check_name("org", name).map_err(|problem| anyhow!(problem))?;
    let owner = user(storage, owner_email)?;
    if storage.org_by_slug(slug)?.is_some() {
        bail!("an org with slug `{slug}` exists already: pick another (`keystroke-platform org list` shows them)");
    }
    Ok((storage.create_org(slug, name, &owner.id, now())?, owner))
}

/// Returns the user added (their email as stored).
pub fn add_member(storage: &dyn Storage, org_slug: &str, email: &str, role: Role) -> anyhow::Result<User> {
    let (org, user) = (org(storage, org_slug)?, user(storage, email)?);
    if !storage.add_membership(&org.id, &user.id, role, now())? {
        bail!("{} is a member of `{org_slug}` already; use `member set-role` to change the role", user.email);
    }
    Ok(user)
}

/// Which key the operator revokes: by its id, or by its secret (a leaked key).
pub enum KeyToRevoke {
    Id(String),
    Secret(String),
}

/// Revokes a key of any org as the operator; a key revoked already is reported as such.
pub fn revoke_key(storage: &dyn Storage, key: KeyToRevoke) -> anyhow::Result<OperatorRevocation> {
    let key_id = match key {
        KeyToRevoke::Id(id) => {
            // A secret here is in the shell's history now: said, and never repeated.
            ensure!(
                !contains_secret(&id),
                "that is an API key's secret, not its id, and it is now in your shell's history: pipe it to \
                 `keystroke-platform key revoke --leaked` instead"
            );
            ensure!(
                is_public_id(&id, API_KEY_ID_PREFIX),
                "{} is not an API key id (`ak_` and letters and digits; `keystroke api-key list` shows them); for a \
                 key's secret, use `--leaked` and pipe it on stdin",
                quoted(&id)
            );
            id
        }
        KeyToRevoke::Secret(secret) => {
            // A secret in capitals (a tool's doing) is the key still, but only its own case finds it.
            let case_changed = "what was read is an API key's secret with the case of its letters changed (in \
                                capitals, say): the platform keeps only the digest of the secret as it was made; \
                                find it as `api-key create` printed it, or revoke the key by its id";
            ensure!(
                looks_like_api_key(&secret.to_ascii_lowercase()),
                "what was read is not an API key's secret: check what you piped in (the secret as `api-key create` \
                 printed it, on one line)"
            );
            if !API_KEY_PREFIXES.iter().any(|prefix| is_well_formed(&secret, prefix)) {
                // `key_live_` and `key_test_` are as long, and ASCII.
                let body = &secret[LIVE_KEY_PREFIX.len()..];
                let one_case =
                    !body.bytes().any(|b| b.is_ascii_uppercase()) || !body.bytes().any(|b| b.is_ascii_lowercase());
                ensure!(looks_like_api_key(&secret) && !one_case, case_changed);
                bail!(
                    "what was read is not a whole API key secret: a character is missing or wrong (its checksum does \
                     not match); check what you piped in"
                );
            }
            let found = storage.key_credential(&hash_secret(&secret))?;
            found
                .context(
                    "no API key of this platform has this secret (a mistyped secret, or a key of another platform: \
                     a `dev` platform's database is its own)",
                )?
                .key_id
        }
    };
    storage.revoke_api_key_as_operator(&key_id, now())?.with_context(|| {
        format!("no API key {} on this platform (`keystroke api-key list` shows an org's keys)", quoted(&key_id))
    })
}

/// The org's audit trail, oldest first.
pub fn audit_events(storage: &dyn Storage, org_slug: &str) -> anyhow::Result<Vec<AuditEvent>> {
    storage.audit_events(&org(storage, org_slug)?.id)
}

/// The org's members and their roles, by email.
pub fn members(storage: &dyn Storage, org_slug: &str) -> anyhow::Result<Vec<(User, Role)>> {
    storage.members_of(&org(storage, org_slug)?.id)
}

/// Changes a member's role, which takes effect on the next request of every key they created.
/// Returns the member (their email as stored), and `false` when it was that role already
/// (nothing written, nothing audited).
pub fn set_role(storage: &dyn Storage, org_slug: &str, email: &str, role: Role) -> anyhow::Result<(User, bool)> {
    let (org, user) = (org(storage, org_slug)?, user(storage, email)?);
    let current = storage.memberships_of(&user.id)?.into_iter().find(|membership| membership.org.id == org.id);
    if current.is_some_and(|membership| membership.role == role) {
        return Ok((user, false));
    }
    let member = storage
        .set_role(&org.id, &user.id, role, now())
        .map_err(|error| keep_an_owner(error, &org, &user.email, "demote"))?;
    if !member {
        bail!("{} is not a member of `{org_slug}`; use `member add`", unquoted(&user.email));
    }
    Ok((user, true))
}

/// Removes a member. Every key they created in the org is revoked at once. Returns the member
/// (their email as stored).
pub fn remove_member(storage: &dyn Storage, org_slug: &str, email: &str) -> anyhow::Result<User> {
    let org = org(storage, org_slug)?;
    // Nobody to add here: an unknown email is simply not a member.
    let Some(user) = stored_user(storage, email)? else {
        bail!("{} is not a member of `{org_slug}`: no user has that email", unquoted(email));
    };
    let removed = storage
        .remove_membership(&org.id, &user.id, now())
        .map_err(|error| keep_an_owner(error, &org, &user.email, "remove"))?;
    if !removed {
        bail!("{} is not a member of `{org_slug}`", unquoted(&user.email));
    }
    Ok(user)
}

/// An org keeps at least one owner: without one, nobody could manage its members' keys. The
/// storage refuses; this says what to do instead.
fn keep_an_owner(error: anyhow::Error, org: &Org, email: &str, action: &str) -> anyhow::Error {
    if !error.is::<LastOwner>() {
        return error;
    }
    anyhow!(
        "refusing to {action} {email}: they are the only owner of `{slug}`; make another member owner first \
         (`keystroke-platform member set-role --org {slug} --email … --role owner`)",
        slug = org.slug
    )
}

/// Mints a CLI session for a user without the device flow (for `dev` and scripts): returns the
/// token, which only exists in this return value.
pub fn issue_session(storage: &dyn Storage, email: &str, ttl_secs: i64) -> anyhow::Result<String> {
    start_session(storage, &user(storage, email)?.id, CLI_CLIENT_ID, ttl_secs)
}

/// The user of `email` ([`account_by_email`]).
fn stored_user(storage: &dyn Storage, email: &str) -> anyhow::Result<Option<User>> {
    Ok(account_by_email(storage, email)?.map(|found| found.user))
}

/// The user of `email` ([`account_by_email`]), or an error that says how to find or add one.
pub fn user(storage: &dyn Storage, email: &str) -> anyhow::Result<User> {
    let user = stored_user(storage, email)?;
    user.with_context(|| {
        let email = unquoted(email);
        format!("no user with email {email} (`keystroke-platform user list` shows every user; `user add` adds one)")
    })
}

fn org(storage: &dyn Storage, slug: &str) -> anyhow::Result<Org> {
    storage
        .org_by_slug(slug)?
        .with_context(|| format!("no org with slug {} (`keystroke-platform org list` shows every org)", quoted(slug)))
}

/// An email as messages show it, unquoted, without a key or token pasted in its place.
fn unquoted(email: &str) -> String {
    redact_secrets(email, SECRET_NOT_REPEATED)
}
