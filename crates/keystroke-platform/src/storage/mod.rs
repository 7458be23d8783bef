//! The platform's storage interface.
//!
//! Handlers speak to [`Storage`] in domain terms and never see SQL, so a PostgreSQL
//! implementation can sit beside [`sqlite::SqliteStorage`] later. Methods are synchronous: every
//! query is one indexed lookup or a short transaction, cheaper than a hop to a blocking pool. The
//! one long wait, for a lock another process holds, leaves the async worker first
//! (`sqlite::lock_wait`).

pub mod sqlite;

use keystroke_api::{Membership, Org, Role, User};

use crate::tokens::SecretHash;

pub use sqlite::{SqliteStorage, backup, is_empty_database, is_new_database};

/// An email as it is stored and looked up: trimmed, lowercased (all of Unicode, where the
/// database's `NOCASE` folds ASCII only) and in Unicode's composed form (NFC: `ü` typed as `u`
/// and a combining diaeresis is the one character), so that one address is one account however
/// typed.
pub fn normalize_email(email: &str) -> String {
    let lowercased = email.trim().to_lowercase();
    icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(&lowercased).into_owned()
}

/// The account of the email `typed`: the one stored with it exactly, else the one it normalizes
/// to. Two accounts whose emails differ only in letter case or in how their accents were typed,
/// stored before emails were normalized, were left apart by the upgrade (migrations 0003 and
/// 0010); the one not stored normalized is reached by its email as stored (as `user list` shows
/// it), where normalizing what was typed reaches the other.
pub fn account_by_email(accounts: &dyn Accounts, typed: &str) -> Result<Option<UserWithPassword>> {
    let normalized = normalize_email(typed);
    if normalized != typed
        && let Some(found) = accounts.user_by_email(typed)?
        // The column compares ASCII letters in either case (`NOCASE`): only the email as stored
        // counts here.
        && found.user.email == typed
    {
        return Ok(Some(found));
    }
    accounts.user_by_email(&normalized)
}

/// A new user refused because their email is taken (looked up first, or found taken as the
/// row was written): said the same either way, with what to do instead.
pub fn email_taken(email: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "a user with email {email} exists already (`keystroke-platform user set-password --email {email}` gives \
         them a new password)"
    )
}

/// A change refused because it would leave an org without an owner, and so without anyone who
/// can manage its members' keys.
#[derive(Debug)]
pub struct LastOwner;

impl std::fmt::Display for LastOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the org would be left without an owner")
    }
}

impl std::error::Error for LastOwner {}

/// A write refused because the user it acts as is not (any longer) a member of the org: removed
/// after the request was let in, and before its write, which checks the membership in its own
/// transaction. A key written then would outlive the removal that revoked the member's keys (and
/// work again if they were added back); a project or a deploy would be recorded after it, a key
/// revoked by someone no longer in the org. (Every role may create these: a role changed
/// meanwhile needs no check; a revocation, which the role decides, checks it too.)
#[derive(Debug)]
pub struct NotAMember;

impl std::fmt::Display for NotAMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the user is not a member of the org")
    }
}

impl std::error::Error for NotAMember {}

/// A write refused because the credential it was made through (an API key, a session) was
/// revoked or expired after the request was let in, and before its write, which checks it in its
/// own transaction: a deploy or a key must not be recorded after the revocation that said it took
/// effect at once.
#[derive(Debug)]
pub struct CredentialEnded;

impl std::fmt::Display for CredentialEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the credential was revoked or expired")
    }
}

impl std::error::Error for CredentialEnded {}

/// Whether a storage call failed because the database stayed locked by another writer for
/// longer than a statement waits: a reason to answer 503 and have the client retry.
pub fn is_unavailable(error: &anyhow::Error) -> bool {
    sqlite::is_locked_out(error)
}

/// Unix seconds, UTC.
pub type Timestamp = i64;

/// `last_used_at` is written at most this often per key or session, so that a busy one costs no
/// write.
pub const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// Whether a use at `now` is already recorded closely enough by `last_used_at`: then the request
/// skips the write (the storage's update checks the same, in case of a race). A time after `now`
/// is not: written before the clock was set back, it would otherwise stay until the clock caught
/// up, shown as a last use in the future.
pub fn use_recorded_recently(last_used_at: Option<Timestamp>, now: Timestamp) -> bool {
    last_used_at.is_some_and(|at| at > now - LAST_USED_RESOLUTION_SECS && at <= now)
}

pub type Result<T> = anyhow::Result<T>;

pub struct UserWithPassword {
    pub user: User,
    pub password_hash: String,
}

/// What the platform needs to decide whether a presented API key is good: the key joined with
/// its creator's *current* membership of the key's org (none when the creator was removed).
#[derive(Debug, Clone)]
pub struct KeyCredential {
    pub key_id: String,
    pub org_id: String,
    pub org_slug: String,
    pub user_id: String,
    pub role: Option<Role>,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct SessionCredential {
    pub session_id: String,
    pub user_id: String,
    pub client: String,
    pub expires_at: Timestamp,
    pub revoked: bool,
    pub last_used_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id: String,
    pub client: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The machine it was made for, as the CLI named it when it asked to sign in.
    pub device: Option<String>,
    pub last_used_at: Option<Timestamp>,
}

/// A session about to be created; the user it belongs to is passed beside it.
#[derive(Clone)]
pub struct NewSession {
    pub id: String,
    pub client: String,
    pub token_hash: SecretHash,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub device: Option<String>,
}

pub struct NewApiKey {
    pub id: String,
    pub org_id: String,
    pub created_by: String,
    pub name: String,
    pub preview: String,
    pub secret_hash: SecretHash,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

/// A key as listed, with its creator.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub id: String,
    pub org_slug: String,
    pub name: String,
    pub preview: String,
    pub created_by: User,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

/// Which of an org's keys a list may return.
#[derive(Debug, Clone, Copy)]
pub enum KeyScope<'a> {
    WholeOrg,
    CreatedBy(&'a str),
}

impl<'a> KeyScope<'a> {
    /// The creator the keys are limited to, if any.
    pub fn created_by(self) -> Option<&'a str> {
        match self {
            KeyScope::WholeOrg => None,
            KeyScope::CreatedBy(user_id) => Some(user_id),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ProjectRecord {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
}

/// One entry of an org's audit trail, written in the same transaction as what it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// The email of the user the event is about: who created or revoked the key, or triggered the
    /// deploy; for `api_key.revoke_on_removal`, `api_key.revoke_by_operator` and the `member.*`
    /// events (made by admin commands, which act as no user), the member concerned (the key's
    /// creator).
    pub actor_email: String,
    /// `api_key.create`, `api_key.revoke`, `api_key.revoke_on_removal`,
    /// `api_key.revoke_by_operator`, `deploy.trigger`, `member.add`, `member.set_role` or
    /// `member.remove`.
    pub action: String,
    /// The key created or revoked; for `deploy.trigger`, the key or session that sent it; for
    /// `member.*`, the member's user id.
    pub target_id: String,
    pub created_at: Timestamp,
    /// For `member.*`: the role given, or for `member.remove` the role the member had.
    pub detail: Option<String>,
}

/// How long a device authorization is kept after it expires: a late poll still hears
/// `expired_token` rather than "unknown", and the table holds only recent sign-ins.
pub const DEVICE_AUTHORIZATION_KEPT_SECS: Timestamp = 3600;

pub struct NewDeviceAuthorization {
    pub id: String,
    pub device_code_hash: SecretHash,
    pub user_code: String,
    pub client_id: String,
    pub client_name: String,
    pub requester_ip: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub interval_secs: i64,
    /// The host name the CLI gave, if any (shown on the approval page, kept with the session).
    pub device_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    Redeemed,
}

/// A device authorization, in whatever state, as the approval page reads it (which shows only a
/// pending one).
#[derive(Debug, Clone)]
pub struct DeviceAuthorizationRecord {
    pub user_code: String,
    pub client_id: String,
    pub client_name: String,
    pub requester_ip: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub status: DeviceStatus,
    pub device_name: Option<String>,
    /// The user who approved or denied it, once decided.
    pub decided_by: Option<String>,
}

/// What one poll of the token endpoint found, after applying RFC 8628's rules.
#[derive(Debug, PartialEq, Eq)]
pub enum PollOutcome {
    UnknownCode,
    Expired,
    SlowDown {
        interval_secs: i64,
    },
    Pending,
    Denied,
    /// Redeemed by an earlier poll; the session that poll gave was ended by this one (unless it
    /// had ended already).
    AlreadyRedeemed {
        session_ended: bool,
    },
    /// The approval was redeemed by this poll; the session passed in was created.
    Issued,
}

/// Everything the platform stores, as one object handlers share (`Arc<dyn Storage>`): the
/// traits below, one per part of the model, each implemented in a file of its own
/// (`sqlite/queries/`).
pub trait Storage: Accounts + ApiKeys + Sessions + DeviceAuthorizations + OrgResources + Send + Sync + 'static {}

impl<T> Storage for T where
    T: Accounts + ApiKeys + Sessions + DeviceAuthorizations + OrgResources + Send + Sync + 'static
{
}

/// Users, orgs and their memberships, and each org's audit trail.
pub trait Accounts {
    fn create_user(&self, email: &str, name: &str, password_hash: &str, now: Timestamp) -> Result<User>;
    fn user_by_email(&self, email: &str) -> Result<Option<UserWithPassword>>;
    fn user_by_id(&self, id: &str) -> Result<Option<User>>;
    /// Every user, by email.
    fn users(&self) -> Result<Vec<User>>;
    fn set_password_hash(&self, user_id: &str, password_hash: &str) -> Result<()>;
    /// Creates the org with its first owner, in one transaction.
    fn create_org(&self, slug: &str, name: &str, owner_id: &str, now: Timestamp) -> Result<Org>;
    fn org_by_slug(&self, slug: &str) -> Result<Option<Org>>;
    /// Every org with its number of members, by slug.
    fn orgs(&self) -> Result<Vec<(Org, usize)>>;
    /// Adds the member with `role`; `false`, changing nothing, when they are one already.
    fn add_membership(&self, org_id: &str, user_id: &str, role: Role, now: Timestamp) -> Result<bool>;
    /// Changes a member's role; `false`, changing nothing, when they are not a member (removed
    /// since the caller looked, say: a role set then must not add them back). Fails with
    /// [`LastOwner`] rather than demote the org's only owner. Both are checked in the change's
    /// transaction.
    fn set_role(&self, org_id: &str, user_id: &str, role: Role, now: Timestamp) -> Result<bool>;
    /// Removes the membership and revokes every active key the member created in the org (with
    /// audit events), in one transaction. Returns whether there was a membership to remove.
    /// Fails with [`LastOwner`] rather than remove the org's only owner.
    fn remove_membership(&self, org_id: &str, user_id: &str, now: Timestamp) -> Result<bool>;
    fn role_in(&self, org_id: &str, user_id: &str) -> Result<Option<Role>>;
    fn memberships_of(&self, user_id: &str) -> Result<Vec<Membership>>;
    fn members_of(&self, org_id: &str) -> Result<Vec<(User, Role)>>;
    /// The org's audit trail, oldest first.
    fn audit_events(&self, org_id: &str) -> Result<Vec<AuditEvent>>;
}

/// API keys: created, verified on every request, listed and revoked.
pub trait ApiKeys {
    /// Inserts the keys, each with its `api_key.create` audit event, in one transaction. Fails,
    /// writing nothing, with [`NotAMember`] when a creator is not a member of the key's org
    /// (checked in the same transaction, as `remove_membership` revokes in its own), and with
    /// [`CredentialEnded`] when the session `credential_id` is no longer live (`None` for `dev`'s seed,
    /// which acts through no credential).
    fn insert_api_keys(&self, keys: &[NewApiKey], credential_id: Option<&str>) -> Result<()>;
    fn key_credential(&self, secret_hash: &SecretHash) -> Result<Option<KeyCredential>>;
    /// Records use, at most once a minute per key: returns whether a write happened. It never
    /// fails the request: it waits for a lock only briefly, a write it cannot make is skipped
    /// (and logged), and the next use tries again.
    fn touch_api_key(&self, key_id: &str, now: Timestamp) -> bool;
    /// Active (unrevoked) keys, newest first, starting below `before_seq`.
    fn list_api_keys(
        &self,
        org_id: &str,
        scope: KeyScope<'_>,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<KeyRecord>>;
    /// For paging back: the id of the `skip`-th active key (0 is the first) at or above
    /// `from_seq`, oldest first; `None` when there are not that many.
    fn api_key_id_above(&self, org_id: &str, scope: KeyScope<'_>, from_seq: i64, skip: u32) -> Result<Option<String>>;
    /// Where a key of the org within `scope`, active or not, stands in the list order: what a
    /// page cursor (the id of the last key of the page before) points at. A key outside the
    /// scope is `None`, as if it did not exist: a cursor must not tell a builder which ids of
    /// keys they may not see exist.
    fn api_key_seq(&self, org_id: &str, scope: KeyScope<'_>, key_id: &str) -> Result<Option<i64>>;
    /// The org's key with this id, unless it is revoked.
    fn active_api_key(&self, org_id: &str, key_id: &str) -> Result<Option<KeyRecord>>;
    /// A key of the org that is revoked already (none for an active or unknown one): for a web
    /// revoke sent twice (a double click), which is then said done rather than not found.
    fn revoked_api_key(&self, org_id: &str, key_id: &str) -> Result<Option<KeyRecord>>;
    /// Revokes an active key as `actor_id`, through the credential `credential_id`, and writes
    /// its `api_key.revoke` audit event in one transaction, which checks what the request was
    /// let in with: fails with [`NotAMember`] when the actor is no longer a member of the org,
    /// and with [`CredentialEnded`] when the credential is no longer live. Returns whether a key
    /// was revoked: not when none of the org's active keys has this id, or the actor may not
    /// revoke it (a key of another member, for a builder) any more.
    fn revoke_api_key(
        &self,
        org_id: &str,
        key_id: &str,
        actor_id: &str,
        credential_id: &str,
        now: Timestamp,
    ) -> Result<bool>;
    /// Revokes a key of any org, for the operator (`keystroke-platform key revoke`), with an
    /// `api_key.revoke_by_operator` audit event that names the key's creator, as no platform user
    /// acts, and says so in its detail ([`REVOKED_BY_OPERATOR`]). `None` when no key has this id.
    fn revoke_api_key_as_operator(&self, key_id: &str, now: Timestamp) -> Result<Option<OperatorRevocation>>;
}

/// The detail of the audit event of a key the operator revoked.
pub const REVOKED_BY_OPERATOR: &str = "by the operator";

/// A key the operator revoked, or found revoked already.
#[derive(Debug, Clone)]
pub struct OperatorRevocation {
    pub key: KeyRecord,
    pub revoked_at: Timestamp,
    /// Revoked before this revocation, which then changed nothing.
    pub already: bool,
}

/// The web's and the CLI's sign-ins.
pub trait Sessions {
    fn insert_session(&self, user_id: &str, session: &NewSession) -> Result<()>;
    fn session_credential(&self, token_hash: &SecretHash) -> Result<Option<SessionCredential>>;
    /// Records a session's use, at most once a minute; `false` when it was recorded already or
    /// skipped, as [`ApiKeys::touch_api_key`] skips.
    fn touch_session(&self, session_id: &str, now: Timestamp) -> bool;
    /// A session by id, revoked and expired ones included.
    fn session(&self, session_id: &str) -> Result<Option<SessionRecord>>;
    /// Active sessions of the user, of every client, newest first.
    fn sessions_of(&self, user_id: &str, now: Timestamp) -> Result<Vec<SessionRecord>>;
    /// Returns whether an active session of this user was revoked.
    fn revoke_session(&self, user_id: &str, session_id: &str, now: Timestamp) -> Result<bool>;
    /// Revokes every active session of the user, CLI and web alike; returns how many.
    fn revoke_sessions_of(&self, user_id: &str, now: Timestamp) -> Result<usize>;
}

/// The device authorization grant (RFC 8628) that `keystroke auth login` signs in with.
pub trait DeviceAuthorizations {
    /// Deletes the authorizations that expired more than [`DEVICE_AUTHORIZATION_KEPT_SECS`] ago,
    /// then inserts this one; `false` when its user code is taken (the caller picks another).
    fn insert_device_authorization(&self, auth: &NewDeviceAuthorization) -> Result<bool>;
    fn device_authorization(&self, user_code: &str) -> Result<Option<DeviceAuthorizationRecord>>;
    /// Approves or denies a pending, unexpired authorization, as the user of the web session
    /// `approver_session_id` while that session is live (in the same statement: signed out
    /// everywhere meanwhile, it decides nothing); returns whether one was decided.
    fn decide_device_authorization(
        &self,
        user_code: &str,
        approver_session_id: &str,
        approve: bool,
        now: Timestamp,
    ) -> Result<bool>;
    /// One poll of the token endpoint. When the authorization is approved, the poll redeems it
    /// and creates `session` for the approving user in the same transaction, so that two
    /// concurrent polls can never both receive a token.
    fn poll_device_authorization(
        &self,
        device_code_hash: &SecretHash,
        now_ms: i64,
        session: &NewSession,
    ) -> Result<PollOutcome>;
}

/// What an org's keys act on in the curl examples of the documentation: projects and deploys.
pub trait OrgResources {
    fn projects_of(&self, org_id: &str) -> Result<Vec<ProjectRecord>>;
    /// Fails with [`NotAMember`] when the creator is not a member of the org, and with
    /// [`CredentialEnded`] when the credential `credential_id` (a key's or a session's id) is no
    /// longer live.
    fn create_project(
        &self,
        org_id: &str,
        name: &str,
        created_by: &str,
        credential_id: &str,
        now: Timestamp,
    ) -> Result<ProjectRecord>;
    /// Records a triggered deploy as a `deploy.trigger` audit event naming the credential used;
    /// fails with [`NotAMember`] when the actor is not a member of the org, and with
    /// [`CredentialEnded`] when the credential is no longer live.
    fn record_deploy(&self, org_id: &str, actor_id: &str, credential_id: &str, now: Timestamp) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_use_is_recorded_again_after_a_minute_or_once_the_clock_went_back() {
        let now = 1_800_000_000;
        assert!(!use_recorded_recently(None, now));
        assert!(use_recorded_recently(Some(now), now));
        assert!(use_recorded_recently(Some(now - LAST_USED_RESOLUTION_SECS + 1), now));
        assert!(!use_recorded_recently(Some(now - LAST_USED_RESOLUTION_SECS), now));
        // Written before the clock was set back an hour: not left in the future until it catches up.
        assert!(!use_recorded_recently(Some(now + 3600), now));
    }
}
