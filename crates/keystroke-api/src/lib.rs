//! The wire contract between the `keystroke` CLI and the Keystroke platform.
//!
//! Both sides depend on this crate and nothing else of each other, so a change to a request or
//! response shape is a change here, visible to both. Field names are snake_case and times are
//! RFC 3339 in UTC, which is also what `keystroke --json` prints.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

mod checksum;
pub use checksum::{BASE62, SECRET_RANDOM_CHARS, is_secret_body, secret_checksum};

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

/// The header in which a user session names the org of an org-scoped request such as
/// `GET /api/projects` (an API key needs none: it belongs to exactly one org).
pub const ORG_HEADER: &str = "x-keystroke-org";

/// Live API keys, minted by a production platform.
pub const LIVE_KEY_PREFIX: &str = "key_live_";
/// Test API keys, minted only by `keystroke-platform dev`, refused everywhere else.
pub const TEST_KEY_PREFIX: &str = "key_test_";
/// User session tokens (what `keystroke auth login` stores).
pub const SESSION_PREFIX: &str = "kss_";
/// The prefixes an API key's secret starts with.
pub const API_KEY_PREFIXES: [&str; 2] = [LIVE_KEY_PREFIX, TEST_KEY_PREFIX];
/// The prefixes every secret starts with: API keys and session tokens.
const SECRET_PREFIXES: [&str; 3] = [LIVE_KEY_PREFIX, TEST_KEY_PREFIX, SESSION_PREFIX];
/// Public API key ids: not secrets.
pub const API_KEY_ID_PREFIX: &str = "ak_";
/// Public session ids (`keystroke session list`): not secrets, unlike the session's token.
pub const SESSION_ID_PREFIX: &str = "ses_";

/// Whether `id` has the shape of a public id with `prefix` (`ak_`, `ses_`): the prefix, then base62
/// characters. Ids are made with 20; up to 64 are taken, leaving room for other lengths in the
/// future while keeping a pasted wall of text out of a URL.
pub fn is_public_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .is_some_and(|rest| (1..=64).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Whether `text` has the shape of a user session token: the prefix, then letters and digits.
/// Checked before a token is sent, so that a typo or a second pasted line is named as such.
pub fn looks_like_session_token(text: &str) -> bool {
    text.strip_prefix(SESSION_PREFIX)
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Whether `text` starts the way an API key's secret does (live or test).
pub fn looks_like_api_key(text: &str) -> bool {
    API_KEY_PREFIXES.iter().any(|prefix| text.starts_with(prefix))
}

/// Whether `text` holds, anywhere, something shaped like an API key or a session token, or a
/// part of one pasted without its prefix (see [`secret_fragments`]): such text is never repeated
/// in an error message or a log line.
pub fn contains_secret(text: &str) -> bool {
    SECRET_PREFIXES.iter().any(|prefix| text.contains(prefix)) || secret_fragments(text).next().is_some()
}

/// The shortest run of a secret's characters, without its prefix, that is taken for a secret:
/// past it, too few characters are left unknown to guess online (a secret's random part is 32,
/// and the checksum follows from it). Ids are 20 characters, and slugs and words do not mix
/// upper case, lower case and digits.
const SECRET_FRAGMENT_CHARS: usize = 24;

/// Where `text` holds a secret, or a part of one, without its prefix: a run of letters and digits
/// that is a whole secret's body (checksum and all), or at least [`SECRET_FRAGMENT_CHARS`] long
/// and mixing upper case, lower case and digits as random base62 does (cut short, pasted twice,
/// glued to a word).
fn secret_fragments(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < text.len() {
            let start = at + text[at..].bytes().position(|b| b.is_ascii_alphanumeric())?;
            let end = start + text[start..].bytes().take_while(u8::is_ascii_alphanumeric).count();
            at = end;
            let run = &text[start..end];
            let random_looking = run.len() >= SECRET_FRAGMENT_CHARS
                && run.bytes().any(|b| b.is_ascii_uppercase())
                && run.bytes().any(|b| b.is_ascii_lowercase())
                && run.bytes().any(|b| b.is_ascii_digit());
            if random_looking || is_secret_body(run) {
                return Some(start..end);
            }
        }
        None
    })
}

/// Whether `text` holds a secret, or enough of one to rebuild it: a key or session prefix
/// followed by a long run of letters and digits, or a run without the prefix that
/// [`contains_secret`] takes for a secret (a whole body, or a random-looking run long enough: a
/// key's 32 random characters are the key, since its checksum follows from them). Unlike
/// [`contains_secret`], a prefix alone is no secret, for what may be stored and shown, where
/// "kss_ migration" is a fine name but a pasted token, whole or cut short, is not.
pub fn holds_secret(text: &str) -> bool {
    const SHORTEST_SECRET_BODY: usize = 16;
    let prefixed = SECRET_PREFIXES.iter().any(|prefix| {
        text.match_indices(prefix).any(|(at, _)| {
            let body = &text[at + prefix.len()..];
            body.bytes().take_while(u8::is_ascii_alphanumeric).count() >= SHORTEST_SECRET_BODY
        })
    });
    prefixed || secret_fragments(text).next().is_some()
}

/// What an error says in place of a secret someone typed or sent where it does not belong.
pub const SECRET_NOT_REPEATED: &str = "(a secret, not repeated here)";

/// What someone typed, as an error quotes it back (in backticks): cut to a readable length, and
/// never a secret pasted in the wrong place (error output ends up in scrollback and CI logs).
pub fn quoted(input: &str) -> String {
    const SHOWN_CHARS: usize = 40;
    if contains_secret(input) {
        return SECRET_NOT_REPEATED.to_owned();
    }
    if input.chars().count() <= SHOWN_CHARS {
        return format!("`{input}`");
    }
    format!("`{}…`", input.chars().take(SHOWN_CHARS).collect::<String>())
}

/// `text` with every secret-shaped run (a key or session prefix and the letters and digits after
/// it, or a secret or part of one without its prefix) replaced by `replacement`,
/// wherever it stands: `--flag=kss_…` included.
pub fn redact_secrets(text: &str, replacement: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, prefix)) =
        SECRET_PREFIXES.iter().filter_map(|prefix| rest.find(prefix).map(|at| (at, *prefix))).min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at]);
        out.push_str(replacement);
        let body = &rest[at + prefix.len()..];
        rest = &body[body.bytes().take_while(u8::is_ascii_alphanumeric).count()..];
    }
    out.push_str(rest);
    let bodies: Vec<_> = secret_fragments(&out).collect();
    for range in bodies.into_iter().rev() {
        out.replace_range(range, replacement);
    }
    out
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

/// Whether `slug` can be an org's slug: 2 to 40 lowercase letters, digits and dashes, not
/// starting with a dash (it would read as a flag on a command line). The platform creates no
/// other, so the CLI can refuse any other before a request.
pub fn is_org_slug(slug: &str) -> bool {
    (2..=40).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
}

/// How [`is_org_slug`]'s rule reads in an error message.
pub const ORG_SLUG_RULE: &str = "slugs are 2 to 40 lowercase letters, digits and dashes, not starting with a dash";

/// Longest key or project name the platform accepts, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Checks the name of a key or project (`what`: "API key", "project") the way the platform
/// does, so the CLI can refuse a bad one before any request: trimmed, not empty, at most
/// [`MAX_NAME_CHARS`] characters, no control characters, and no invisible or
/// direction-changing ones, which could make one name pass for another in a list.
pub fn check_name<'a>(what: &str, name: &'a str) -> Result<&'a str, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(format!("the {what} name must not be empty"));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(format!("the {what} name is {chars} characters long; the limit is {MAX_NAME_CHARS}"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(format!("the {what} name must not contain control characters"));
    }
    if let Some(hidden) = trimmed.chars().find(|&c| is_invisible_or_bidi(c)) {
        return Err(format!(
            "the {what} name must not contain invisible or direction-changing characters (found U+{:04X})",
            hidden as u32
        ));
    }
    if let Some(none) = trimmed.chars().find(|&c| is_noncharacter(c)) {
        return Err(format!(
            "the {what} name has U+{:04X}, a code point Unicode keeps as no character at all",
            none as u32
        ));
    }
    if holds_secret(trimmed) {
        // A name is shown to everyone in the org, and in every list: never a place for a secret.
        return Err(format!("the {what} name holds what looks like a secret (an API key or session token)"));
    }
    if !joiners_join(trimmed) {
        return Err(format!("the {what} name has a zero-width joiner that joins nothing"));
    }
    if !variations_vary(trimmed) {
        return Err(format!("the {what} name has a variation selector that changes nothing it follows"));
    }
    if !marks_sit_on_letters(trimmed) {
        return Err(format!(
            "the {what} name has an accent (a combining mark) with no letter under it, or more than three on one"
        ));
    }
    Ok(trimmed)
}

/// Variation selectors only right after a character of the kind each varies: Mongolian letters
/// for the Mongolian ones, CJK ideographs for the ideographic ones, emoji symbols and the digits,
/// `#` and `*` of keycaps (`1️⃣`) for text or emoji presentation, and for the standardized
/// variants the blocks that have them. Anywhere else (after a letter or a mark, a space, a joiner
/// or another selector) they change nothing on screen: `ab` and `a` + selector + `b`, or `café`
/// and `café` + selector, would look the same, and a name of selectors alone would look empty.
fn variations_vary(name: &str) -> bool {
    let mut before: Option<char> = None;
    name.chars().all(|c| {
        let varies = !is_variation_selector(c) || before.is_some_and(|base| is_varied_by(base, c));
        before = Some(c);
        varies
    })
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{180B}'..='\u{180D}' | '\u{180F}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

fn is_varied_by(base: char, selector: char) -> bool {
    let ideograph = matches!(base,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}');
    match selector {
        '\u{180B}'..='\u{180F}' => matches!(base, '\u{1820}'..='\u{18AA}'),
        '\u{E0100}'..='\u{E01EF}' => ideograph,
        // Text or emoji presentation: keycaps, and the symbols drawn either way.
        '\u{FE0E}' | '\u{FE0F}' => matches!(base, '0'..='9' | '#' | '*') || is_emoji_symbol(base),
        // Standardized variants: mathematical operators, CJK and its fullwidth punctuation, the
        // slashed zero, Myanmar, Phags-pa, emoji symbols.
        _ => {
            ideograph
                || is_emoji_symbol(base)
                || matches!(base,
                    '0' | '\u{2200}'..='\u{22FF}' | '\u{2A00}'..='\u{2AFF}' | '\u{3001}' | '\u{3002}'
                    | '\u{FF01}'..='\u{FF1F}' | '\u{1000}'..='\u{109F}' | '\u{A9E0}'..='\u{A9FF}'
                    | '\u{AA60}'..='\u{AA7F}' | '\u{A840}'..='\u{A877}')
        }
    }
}

/// The blocks of the symbols that have an emoji and a text presentation (Unicode's emoji data,
/// by block rather than by character): ©, ®, ‼, ⁉, ™, ℹ, arrows, technical symbols, Ⓜ, geometric
/// shapes, dingbats and miscellaneous symbols, supplemental arrows, CJK marks, and the pictographs.
fn is_emoji_symbol(c: char) -> bool {
    matches!(c,
        '\u{A9}' | '\u{AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}' | '\u{2194}'..='\u{21AA}'
        | '\u{231A}'..='\u{23FF}' | '\u{24C2}' | '\u{25AA}'..='\u{27BF}' | '\u{2934}' | '\u{2935}'
        | '\u{2B05}'..='\u{2B55}' | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}' | '\u{1F000}'..='\u{1FAFF}')
}

/// Zero-width joiners (U+200C, U+200D) only between two visible characters, one of them beyond
/// ASCII, where emoji and scripts use them: elsewhere they change nothing on screen, and would
/// make `prod` and `pr` + joiner + `od` look the same.
fn joiners_join(name: &str) -> bool {
    let is_joiner = |c: char| matches!(c, '\u{200C}' | '\u{200D}');
    let visible = |c: Option<char>| c.filter(|&c| !is_joiner(c) && !c.is_whitespace() && !is_variation_selector(c));
    let chars: Vec<char> = name.chars().collect();
    chars.iter().enumerate().all(|(i, &c)| {
        // A selector before the joiner belongs to the character it varies (`🏳️‍🌈`).
        let before = visible(chars[..i].iter().rev().find(|&&before| !is_variation_selector(before)).copied());
        let after = visible(chars.get(i + 1).copied());
        !is_joiner(c) || matches!((before, after), (Some(b), Some(a)) if !b.is_ascii() || !a.is_ascii())
    })
}

/// Invisible characters that could make one name pass for another or break a table's lines:
/// Unicode's default-ignorable code points (zero-width spaces and marks, bidirectional controls,
/// fillers, Khmer's inherent vowels, shorthand and musical format controls, tag characters and
/// the unassigned ones kept for more), line and paragraph separators, interlinear annotation
/// marks and the blank braille cell, which shows as a space. Zero-width joiners and variation
/// selectors stay allowed, where they join or vary something ([`check_name`]): emoji sequences
/// and several scripts (Persian, Indic, CJK, Mongolian) need them.
pub fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{2800}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{13430}'..='\u{1343F}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E00FF}' | '\u{E01F0}'..='\u{E0FFF}')
}

/// Unicode's 66 noncharacters (U+FDD0 to U+FDEF, and the last two code points of every plane),
/// which no text holds: a font shows them as boxes, if at all, and a program may use them as
/// markers of its own.
fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{FDD0}'..='\u{FDEF}') || (c as u32) & 0xFFFE == 0xFFFE
}

/// The combining marks that sit on a letter before them: diacritics (`e` + U+0301 is `é`), in the
/// blocks that hold them for Latin, Greek and Cyrillic, and for symbols. (Marks of other scripts,
/// Indic vowel signs or Hebrew points, are not counted: they are written stacked.)
fn is_combining_diacritic(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Diacritics on a letter, and few at a time: one at the start or after a space shows as blank
/// or overlaps what comes before it in a table, one on a digit, a dash or an emoji is no accent
/// any script writes, and dozens stacked on one letter spill over the rows above and below.
/// Vietnamese stacks two (`ệ` decomposed); three is the most allowed. The marks made for symbols
/// (U+20D0 to U+20FF: a keycap's, an enclosing circle) sit on anything but a space.
fn marks_sit_on_letters(name: &str) -> bool {
    const MOST_STACKED: usize = 3;
    let mut base: Option<char> = None;
    let mut stacked = 0;
    for c in name.chars() {
        if !is_combining_diacritic(c) {
            (base, stacked) = (Some(c), 0);
            continue;
        }
        stacked += 1;
        let for_symbols = matches!(c, '\u{20D0}'..='\u{20FF}');
        let sits = |base: char| if for_symbols { !base.is_whitespace() } else { base.is_alphabetic() };
        if !base.is_some_and(sits) || stacked > MOST_STACKED {
            return false;
        }
    }
    true
}

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
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Recorded at most once a minute.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Whether this is the session making the request.
    pub current: bool,
    /// When it was revoked: only in the answer to a revoke (lists hold active sessions).
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
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
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who created the key; present only when the caller's role may see it (owner, admin).
    pub created_by: Option<User>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked: only in the answer to a revoke (lists and shows hold unrevoked keys,
    /// expired ones included).
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
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
    #[serde(with = "time::serde::rfc3339")]
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

    #[test]
    fn names_are_trimmed_bounded_and_visible() {
        assert_eq!(check_name("API key", "  Production automation ").unwrap(), "Production automation");
        assert_eq!(check_name("API key", "Déploiement 🚀 東京").unwrap(), "Déploiement 🚀 東京");
        assert!(check_name("API key", &"é".repeat(MAX_NAME_CHARS)).is_ok());
        // Joiners are part of emoji sequences and of Persian and Indic writing.
        assert!(check_name("API key", "Family 👨\u{200D}👩\u{200D}👧").is_ok());
        assert!(check_name("API key", "می\u{200C}خواهم").is_ok());
        // Variation selectors after what they vary: an emoji, a keycap, a CJK ideograph.
        assert!(check_name("API key", "Love ❤\u{FE0F}, key 1\u{FE0F}\u{20E3}, 葛\u{E0100}, ©\u{FE0F}").is_ok());
        assert!(check_name("API key", "Rainbow 🏳\u{FE0F}\u{200D}🌈, ᠠ\u{180B}, ⛰\u{FE0E}").is_ok());
        // Standardized variants: a slashed zero, fullwidth punctuation, a mathematical operator.
        assert!(check_name("API key", "0\u{FE00}1\u{FF0C}\u{FE01} \u{2269}\u{FE00}").is_ok());
        // Accents written as combining marks: one, or two stacked (Vietnamese), on a letter; a
        // symbol's mark on a symbol.
        assert!(check_name("API key", "cafe\u{301} Vie\u{323}\u{302}t").is_ok());
        assert!(check_name("API key", "★\u{20DD} Ω\u{301} ж\u{308}").is_ok());
        for bad in [
            "   ",
            &"x".repeat(MAX_NAME_CHARS + 1),
            "a\tb",
            "a\u{7f}b",
            "a\u{200B}b",
            "a\u{202E}b",
            "\u{FEFF}a",
            "a\u{2028}b",
            "a\u{3164}b",
            "\u{2800}",
            "a\u{E0041}b",
            "\u{200D}",
            "prod\u{200D}",
            "a \u{200C}b",
            "a\u{200D}\u{200D}b",
            // Variation selectors alone, after ASCII letters, spaces or one another.
            "\u{FE0F}",
            "a\u{FE0F}b",
            "❤ \u{FE0F}",
            "❤\u{FE0F}\u{FE0F}",
            "a\u{E0100}",
            "café\u{FE0F}",
            "é\u{E0100}",
            "prod\u{200D}\u{FE0F}",
            "a\u{200D}\u{FE0F}b",
            "a\u{180B}",
            "cafe\u{301}\u{FE0F}",
            "key \u{661}\u{FE0F}",
            "a\u{2013}\u{FE0F}b",
            // Default-ignorable code points beyond the common ones.
            "\u{17B4}",
            "a\u{1D173}b",
            "a\u{1BCA0}",
            "a\u{2065}b",
            "a\u{E01F0}b",
            "pr\u{200D}od",
            // Format characters of Egyptian hieroglyphs, zero-width elsewhere; accents on nothing,
            // or stacked past three.
            "pr\u{13430}od",
            "\u{301}\u{301}",
            "\u{301}key",
            "a\u{301}\u{301}\u{301}\u{301}",
            "a \u{301}b",
            "a\u{489}\u{489}\u{489}\u{489}",
            // Accents on no letter: a digit, a dash, an emoji; a symbol's mark after a space.
            "1\u{301}",
            "a-\u{301}",
            "😀\u{301}",
            "a \u{20DD}",
            "prod kss_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6",
            "key_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            // Noncharacters.
            "a\u{FFFF}",
            "\u{FFFE}b",
            "a\u{FDD0}b",
            "a\u{10FFFF}",
        ] {
            assert!(check_name("API key", bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_name("API key", "old key_live_6JtBE4DQdPldl6qkVb8HguBtFP2zFjUd4DmK7Q").unwrap_err(),
            "the API key name holds what looks like a secret (an API key or session token)"
        );
        assert_eq!(
            check_name("API key", "a\u{FFFF}").unwrap_err(),
            "the API key name has U+FFFF, a code point Unicode keeps as no character at all"
        );
        // Private use characters are characters (icon fonts map them).
        assert!(check_name("API key", "deploy \u{E000}").is_ok());
        // The prefixes alone are words a name may use.
        assert!(check_name("API key", "kss_ migration, key_live_ rotation").is_ok());
    }

    #[test]
    fn secrets_are_redacted_wherever_they_stand() {
        let text = "unexpected value 'kss_24k1601LrjV34mlBAh' for '--limit=key_live_6JtBE4DQd' (key_test_)";
        assert_eq!(redact_secrets(text, "[secret]"), "unexpected value '[secret]' for '--limit=[secret]' ([secret])");
        assert_eq!(redact_secrets("nothing here", "[secret]"), "nothing here");
    }

    /// The part after the prefix is the whole secret: pasted alone, it is still one.
    #[test]
    fn a_secret_without_its_prefix_is_redacted_too() {
        let body = "HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhC";
        assert!(contains_secret(&format!("/api/orgs/acme/api-keys/{body}")));
        assert_eq!(
            redact_secrets(&format!("no active API key `{body}` in org `acme` ({body}!)"), "[secret]"),
            "no active API key `[secret]` in org `acme` ([secret]!)"
        );
        // Cut short, pasted twice, glued to a word: what is left is still most of a secret.
        let (twice, glued) = (format!("{body}{body}"), format!("Bearer{body}"));
        for part in [&body[..37], &body[1..], &body[..32], &body[..24], &twice, &glued] {
            assert_eq!(redact_secrets(&format!("`{part}`"), "[secret]"), "`[secret]`", "{part}");
        }
        // Ids, slugs, words, and runs too short to be worth guessing from are left.
        let ordinary = "ak_1A2b3C4d5E6f7G8h9I0j ses_0123456789abcdefABCD averyveryverylongorganizationslug2026 \
                        ProductionAutomationBackup HfnUMvGbIunCmfLtXD5yRTB";
        assert!(!contains_secret(ordinary));
        assert_eq!(redact_secrets(ordinary, "[secret]"), ordinary);
        // A name that holds a secret's body, or its random part, or most of it, is refused: a
        // member who sees the name could rebuild the key from it (the checksum follows).
        for part in [body, &body[..37], &body[..32], &body[6..30]] {
            assert!(holds_secret(&format!("ci {part}")), "{part}");
        }
        assert!(holds_secret("ci HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhD"), "random-looking, as secrets are");
        // Ids, words, short runs and a prefix on its own are fine in a name.
        assert!(!holds_secret(ordinary) && !holds_secret("kss_ migration") && !holds_secret("key_live_ rotation"));
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
