//! The wire contract between the `keystroke` CLI and the Keystroke platform.
//!
//! Both sides depend on this crate and nothing else of each other, so a change to a request or
//! response shape is a change here, visible to both. Field names are snake_case and times are
//! RFC 3339 in UTC, which is also what `keystroke --json` prints.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

mod checksum;
mod display;
mod durations;
mod names;
mod secrets;
mod utc_seconds;
pub use checksum::{BASE62, SECRET_RANDOM_CHARS, is_secret_body, secret_checksum};
pub use display::{LONGEST_LINE_QUOTED, cut_at, lines_cut_at, utc_minute, written_out};
pub use durations::{DurationUnit, ambiguous_unit, duration_unit};
pub use names::{MAX_NAME_CHARS, ORG_SLUG_RULE, check_name, is_invisible_or_bidi, is_org_slug};
pub use secrets::{
    API_KEY_ID_PREFIX, API_KEY_PREFIXES, LIVE_KEY_PREFIX, SECRET_NOT_REPEATED, SESSION_ID_PREFIX, SESSION_PREFIX,
    TEST_KEY_PREFIX, TokenShape, contains_secret, holds_secret, is_public_id, looks_like_api_key,
    looks_like_session_token, quoted, redact_secrets, token_shape,
};

/// Paths of the platform API. Org-scoped paths take the org's slug.
pub mod routes {
    pub const HEALTH: &str = "/healthz";
    pub const OPENAPI: &str = "/api/openapi.json";

    /// RFC 8628 device authorization endpoint (form-encoded `client_id`, and the CLI's
    /// `device_name`).
    pub const DEVICE_CODE: &str = "/oauth/device/code";
    /// RFC 8628 token endpoint (form-encoded `grant_type`, `device_code`, `client_id`).
    pub const TOKEN: &str = "/oauth/token";
    /// The approval web page a person opens in a browser.
    pub const DEVICE_PAGE: &str = "/device";

    /// The signed-in user and their memberships. Session only.
    pub const ME: &str = "/api/me";
    /// The caller's sessions (`GET`); `DELETE /api/sessions/{id}` revokes one.
    pub const SESSIONS: &str = "/api/sessions";
    /// Revokes the session that makes the request.
    pub const LOGOUT: &str = "/api/logout";

    /// The org's projects. An API key implies its org; a session names it in [`ORG_HEADER`](super::ORG_HEADER).
    pub const PROJECTS: &str = "/api/projects";
    /// Webhook-style endpoint: the only place where `?token=` / `?api_key=` are accepted.
    pub const DEPLOY_HOOK: &str = "/api/hooks/deploy";

    pub fn api_keys(org: &str) -> String {
        format!("/api/orgs/{}/api-keys", segment(org))
    }
    pub fn api_key(org: &str, id: &str) -> String {
        format!("/api/orgs/{}/api-keys/{}", segment(org), segment(id))
    }
    pub fn members(org: &str) -> String {
        format!("/api/orgs/{}/members", segment(org))
    }
    /// One of the caller's sessions (`DELETE` revokes it).
    pub fn session(id: &str) -> String {
        format!("{SESSIONS}/{}", segment(id))
    }

    /// Percent-encodes one path segment, so that a value like `../logout` stays one segment
    /// instead of reaching another endpoint.
    fn segment(value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        for byte in value.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' => out.push(byte as char),
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
        out
    }
}

/// Whether `host` (a URL's host: a name, an IPv4 address or a bracketed IPv6 one) names this
/// machine: `localhost` and its subdomains (RFC 6761), fully qualified or not, and loopback
/// addresses, `::ffff:127.0.0.1` included. Plain HTTP to such a host never crosses a network.
pub fn is_this_machine(host: &str) -> bool {
    let name = host.trim_end_matches('.');
    let address = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>();
    name.eq_ignore_ascii_case("localhost")
        || name.to_ascii_lowercase().ends_with(".localhost")
        || address.is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// The header in which a user session names the org of an org-scoped request such as
/// `GET /api/projects` (an API key needs none: it belongs to exactly one org).
pub const ORG_HEADER: &str = "x-keystroke-org";

/// The header in which the platform names the session a request acted through (its public id,
/// `ses_…`), on every answer to a request made with a session token: a client that keeps the id
/// of the session it signed in with sees when the token it sent is another sign-in's.
pub const SESSION_HEADER: &str = "x-keystroke-session";

/// The platform's "not found" for an org slug that is none of the caller's orgs (it does not
/// exist, or they are not in it: never said apart). The CLI says the same of an org it looked
/// for in the list of yours, and tells this from a key's "not found" by [`is_org_not_found`].
pub fn org_not_found(slug: &str) -> String {
    format!("org `{slug}` not found among your orgs")
}

/// Whether `message` is [`org_not_found`]'s.
pub fn is_org_not_found(message: &str) -> bool {
    message.starts_with("org `") && message.ends_with("` not found among your orgs")
}

/// The one 401 message for an unknown, malformed, revoked or expired credential, whatever it was
/// (the platform never says which).
pub const INVALID_CREDENTIAL_MESSAGE: &str = "the API key or session token is invalid, expired or revoked";

/// The error code of that 401, apart from `unauthorized`: clients tell it by the code, not by
/// the words.
pub const WEB_SESSION_REFUSED: &str = "web_session_refused";

/// The 401 message for a live session of the web pages presented as a bearer token: only its
/// holder sees it, and it says what to use instead, where the one message above would send them
/// to sign in again.
pub const WEB_SESSION_REFUSED_MESSAGE: &str = "this is a session of the web pages, which only they accept; the API \
                                                takes API keys and the sessions that `keystroke auth login` makes";

/// The OAuth `client_id` of the keystroke CLI.
pub const CLI_CLIENT_ID: &str = "keystroke-cli";

/// The grant type of RFC 8628 token requests.
pub const DEVICE_CODE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The error `code` of a request to a route the platform does not have (a CLI newer than the
/// platform, or a URL that is not the platform's API), as opposed to `not_found`: no such org,
/// key or session.
pub const NO_SUCH_ENDPOINT: &str = "no_such_endpoint";

/// Longest lifetime a key may be given: ten years, far enough for "does not expire soon", near
/// enough to stay a valid timestamp.
pub const MAX_KEY_LIFETIME_SECS: u64 = 10 * 365 * 24 * 3600;

/// Default and maximum page sizes of list endpoints.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
pub const MAX_PAGE_LIMIT: u32 = 500;

/// Every error of the platform API (but for the `/oauth/…` endpoints of the device flow, which
/// answer in the shape RFC 6749 prescribes): `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `unauthorized`, `forbidden`, `not_found`, `invalid_request`, ...
    pub code: String,
    /// For people: what failed and, where the platform knows, what to do next.
    pub message: String,
}

/// A member's role in an org. Ordered by privilege: `Builder < Admin < Owner`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Builder,
    Admin,
    Owner,
}

impl Role {
    /// Every role, lowest first (a test checks that none is missing).
    pub const ALL: [Role; 3] = [Role::Builder, Role::Admin, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Builder => "builder",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Owners and admins see and revoke every key of the org, and see who created each.
    pub fn sees_all_keys(self) -> bool {
        self >= Role::Admin
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "builder" => Ok(Role::Builder),
            "admin" => Ok(Role::Admin),
            "owner" => Ok(Role::Owner),
            other => Err(format!("unknown role `{other}`: expected owner, admin or builder")),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Org {
    pub id: String,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Membership {
    pub org: Org,
    pub role: Role,
}

/// `GET /api/me`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Me {
    pub user: User,
    pub memberships: Vec<Membership>,
    /// The session making the request.
    pub session: Session,
}

/// A user session, as listed by `GET /api/sessions` (never its token).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    /// Which client asked for it, e.g. `keystroke-cli`.
    pub client: String,
    /// The machine a CLI session was made for: the host name the CLI gave when it asked to
    /// sign in (none for sessions made otherwise). Absent from platforms before schema 2, as is
    /// `last_used_at`: `default` keeps this CLI working with them.
    #[serde(default)]
    pub device: Option<String>,
    #[serde(with = "crate::utc_seconds")]
    pub created_at: OffsetDateTime,
    /// Recorded at most once a minute.
    #[serde(default, with = "crate::utc_seconds::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "crate::utc_seconds")]
    pub expires_at: OffsetDateTime,
    /// Whether this is the session making the request. A platform that leaves out what is
    /// false (or null, below) is read as it meant.
    #[serde(default)]
    pub current: bool,
    /// When it was revoked: only in the answer to a revoke (lists hold active sessions).
    #[serde(default, with = "crate::utc_seconds::option", skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// `POST /api/orgs/{org}/api-keys`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: String,
    /// Lifetime in seconds; none means the key does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "key_lifetime")]
    pub expires_in_seconds: Option<u64>,
}

/// `expires_in_seconds`, when given: a whole number of seconds within the lifetime a key may
/// have. Anything else (`null` included, which would otherwise pass for "no expiry") is refused
/// in the one wording, so `0`, `-1` and `60.5` are explained alike.
fn key_lifetime<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    struct Lifetime;
    impl serde::de::Visitor<'_> for Lifetime {
        type Value = Option<u64>;
        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(
                formatter,
                "a whole number of seconds from 1 to {MAX_KEY_LIFETIME_SECS} (ten years); leave the field out for \
                 a key that does not expire"
            )
        }
        fn visit_u64<E: serde::de::Error>(self, seconds: u64) -> Result<Self::Value, E> {
            match seconds {
                1..=MAX_KEY_LIFETIME_SECS => Ok(Some(seconds)),
                _ => Err(E::invalid_value(serde::de::Unexpected::Unsigned(seconds), &self)),
            }
        }
        fn visit_i64<E: serde::de::Error>(self, seconds: i64) -> Result<Self::Value, E> {
            match u64::try_from(seconds) {
                Ok(seconds) => self.visit_u64(seconds),
                Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(seconds), &self)),
            }
        }
        // `2592000.0` and `2.592e6` are whole numbers too, as JSON Schema's `integer` counts them
        // (some encoders write every number so); `60.5` is not.
        fn visit_f64<E: serde::de::Error>(self, seconds: f64) -> Result<Self::Value, E> {
            match seconds.fract() == 0.0 && (1.0..=MAX_KEY_LIFETIME_SECS as f64).contains(&seconds) {
                true => self.visit_u64(seconds as u64),
                false => Err(E::invalid_value(serde::de::Unexpected::Float(seconds), &self)),
            }
        }
    }
    deserializer.deserialize_any(Lifetime)
}

/// An API key as listed: everything but its secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiKey {
    /// Public id (`ak_…`), used to revoke; never a secret.
    pub id: String,
    pub name: String,
    /// Non-secret preview, e.g. `key_live_AbCd…WxYz`.
    pub preview: String,
    /// Slug of the org the key belongs to.
    pub org: String,
    #[serde(with = "crate::utc_seconds")]
    pub created_at: OffsetDateTime,
    /// Who created the key; present only when the caller's role may see it (owner, admin).
    pub created_by: Option<User>,
    /// Null, or left out by a platform that leaves out nulls (as `created_by` may be).
    #[serde(default, with = "crate::utc_seconds::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(default, with = "crate::utc_seconds::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked: only in the answer to a revoke (lists and shows hold unrevoked keys,
    /// expired ones included).
    #[serde(default, with = "crate::utc_seconds::option", skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// The answer to a create: the only response that ever carries the secret.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    pub secret: String,
}

/// One page of a list. `next_cursor` goes back as `?cursor=` for the next page; none means last.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Query of list endpoints. An unknown parameter is refused: `?limt=5` must not quietly
/// return the default page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Project {
    pub id: String,
    pub name: String,
    #[serde(with = "crate::utc_seconds")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    pub user: User,
    pub role: Role,
}

/// `POST /api/hooks/deploy` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HookAccepted {
    pub accepted: bool,
    pub org: String,
}

/// RFC 8628 §3.2 device authorization response.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: u64,
    pub interval: u64,
}

/// RFC 6749 §5.1 access token response.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
}

/// RFC 6749 §5.2 / RFC 8628 §3.5 token error response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuthError {
    /// `authorization_pending`, `slow_down`, `expired_token`, `access_denied`, `invalid_grant`, ...
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// On `slow_down`: the interval, in seconds, the client must now wait between polls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
}

// The types that carry a secret print it redacted, so `{:?}` can never leak one.

impl std::fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKey").field("key", &self.key).field("secret", &"[redacted]").finish()
    }
}

impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("device_code", &"[redacted]")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish()
    }
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_order_by_privilege() {
        assert!(Role::Builder < Role::Admin && Role::Admin < Role::Owner);
        assert!(!Role::Builder.sees_all_keys());
        assert!(Role::Admin.sees_all_keys());
        assert_eq!("admin".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
    }

    /// `Role::ALL` is written out by hand; a role left out of it would be left out of what is
    /// built from it (the roles the platform's revoke lets revoke any key). The `match` stops the
    /// build when a role is added, until it has its place here, and so in `ALL`.
    #[test]
    fn every_role_is_in_all_in_order() {
        let place = |role: Role| match role {
            Role::Builder => 0,
            Role::Admin => 1,
            Role::Owner => 2,
        };
        let places: Vec<usize> = Role::ALL.iter().map(|role| place(*role)).collect();
        assert_eq!(places, [0, 1, 2]);
    }

    /// A platform (or a proxy re-encoding its answers) that leaves out null and false fields is
    /// read as if it had sent them: a key list, and a create's answer with its one-time secret,
    /// were refused ("missing field `last_used_at`").
    #[test]
    fn left_out_nulls_and_falses_read_as_sent() {
        let key =
            r#"{"id":"ak_1","name":"n","preview":"key_test_ab…cd","org":"acme","created_at":"2026-11-26T14:00:00Z"}"#;
        let key: ApiKey = serde_json::from_str(key).unwrap();
        assert_eq!((key.created_by, key.last_used_at, key.expires_at, key.revoked_at), (None, None, None, None));
        let session = r#"{"id":"ses_1","client":"keystroke-cli","created_at":"2026-11-26T14:00:00Z",
            "expires_at":"2026-12-26T14:00:00Z"}"#;
        assert!(!serde_json::from_str::<Session>(session).unwrap().current);
    }

    #[test]
    fn a_session_from_an_older_platform_still_reads() {
        let older = r#"{"id":"ses_1","client":"keystroke-cli","created_at":"2026-11-26T14:00:00Z",
            "expires_at":"2026-12-26T14:00:00Z","current":true}"#;
        let session: Session = serde_json::from_str(older).unwrap();
        assert_eq!((session.device, session.last_used_at), (None, None));
    }

    #[test]
    fn path_segments_stay_segments() {
        assert_eq!(routes::api_key("acme", "ak_1"), "/api/orgs/acme/api-keys/ak_1");
        assert_eq!(
            routes::api_key("acme", "../../../logout"),
            "/api/orgs/acme/api-keys/%2E%2E%2F%2E%2E%2F%2E%2E%2Flogout"
        );
        assert_eq!(routes::members("a b?x"), "/api/orgs/a%20b%3Fx/members");
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let token = TokenResponse { access_token: "kss_secret".into(), token_type: "Bearer".into(), expires_in: 1 };
        assert!(!format!("{token:?}").contains("kss_secret"));
        let auth = DeviceAuthorization {
            device_code: "devicecode".into(),
            user_code: "BCDF-GHJK".into(),
            verification_uri: "u".into(),
            verification_uri_complete: "u".into(),
            expires_in: 1,
            interval: 1,
        };
        assert!(!format!("{auth:?}").contains("devicecode"));
    }
}
