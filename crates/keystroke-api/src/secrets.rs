//! What secrets look like (API keys and session tokens, by their prefixes; public ids, which are
//! not secrets), and how text that may hold one is shown: never with the secret in it.

use crate::checksum::{SECRET_CHECKSUM_CHARS, SECRET_RANDOM_CHARS, is_secret_body};

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

/// What a token someone gave is, by its shape: the CLI takes session tokens only, and names an
/// API key given in their place as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenShape {
    ApiKey,
    Session,
    /// Neither: a typo, a second pasted line, something else.
    Other,
}

pub fn token_shape(text: &str) -> TokenShape {
    if looks_like_api_key(text) {
        TokenShape::ApiKey
    } else if looks_like_session_token(text) {
        TokenShape::Session
    } else {
        TokenShape::Other
    }
}

/// Whether `text` holds, anywhere, something shaped like an API key or a session token, or a
/// part of one pasted without its prefix (see `secret_fragments`): such text is never repeated
/// in an error message or a log line.
pub fn contains_secret(text: &str) -> bool {
    prefixes_in(text).next().is_some() || secret_fragments(text).next().is_some()
}

/// Where a secret's prefix stands in `text`, in any case, in order, with the prefix's length.
/// `KEY_LIVE_…`, a secret uppercased by a tool, is still the secret: whoever has it can recover
/// each letter's case by trying both, the checksum telling the right one.
fn prefixes_in(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    (0..bytes.len()).filter_map(move |at| {
        SECRET_PREFIXES
            .iter()
            .find(|prefix| {
                bytes[at..].get(..prefix.len()).is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
            })
            .map(|prefix| (at, prefix.len()))
    })
}

/// The shortest run of a secret's characters, without its prefix, that is taken for a secret:
/// past it, too few characters are left unknown to guess online (a secret's random part is 32,
/// and the checksum follows from it). Ids are 20 characters, and slugs and words do not mix
/// upper case, lower case and digits.
const SECRET_FRAGMENT_CHARS: usize = 24;

/// A secret's body: its random part and its checksum.
const SECRET_BODY_CHARS: usize = SECRET_RANDOM_CHARS + SECRET_CHECKSUM_CHARS;

/// Where `text` holds a secret, or a part of one, without its prefix (cut short, pasted twice,
/// glued to a word): a run of letters and digits that is
///
/// - a whole secret's body, checksum and all ([`is_secret_body`]);
/// - random-looking: at least [`SECRET_FRAGMENT_CHARS`] long, mixing upper case, lower case and
///   digits as random base62 does;
/// - in capitals, as a tool that changes case leaves a secret (still the secret: each letter's
///   case can be recovered by trying): from a random part's length (32), unless it is
///   hexadecimal (digests, UUIDs; a secret in capitals all but never is);
/// - in small letters: only a whole body long (38), which hex digests and slugs are not.
fn secret_fragments(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < text.len() {
            let start = at + text[at..].bytes().position(|b| b.is_ascii_alphanumeric())?;
            let end = start + text[start..].bytes().take_while(u8::is_ascii_alphanumeric).count();
            at = end;
            let run = &text[start..end];
            // Every rule below wants at least this many (a body is 38): most runs, words and ids,
            // are shorter, and need no look at their letters.
            if run.len() < SECRET_FRAGMENT_CHARS {
                continue;
            }
            let (upper, lower, digit) = (
                run.bytes().any(|b| b.is_ascii_uppercase()),
                run.bytes().any(|b| b.is_ascii_lowercase()),
                run.bytes().any(|b| b.is_ascii_digit()),
            );
            let random_looking = run.len() >= SECRET_FRAGMENT_CHARS && upper && lower && digit;
            let hexadecimal = run.bytes().all(|b| b.is_ascii_hexdigit());
            let in_capitals = run.len() >= SECRET_RANDOM_CHARS && upper && !lower && !hexadecimal;
            let in_small_letters = run.len() == SECRET_BODY_CHARS && lower && !upper && digit;
            if random_looking || in_capitals || in_small_letters || is_secret_body(run) {
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
    let prefixed = prefixes_in(text).any(|(at, prefix_len)| {
        let body = &text[at + prefix_len..];
        body.bytes().take_while(u8::is_ascii_alphanumeric).count() >= SHORTEST_SECRET_BODY
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
    while let Some((at, prefix_len)) = prefixes_in(rest).next() {
        out.push_str(&rest[..at]);
        out.push_str(replacement);
        let body = &rest[at + prefix_len..];
        rest = &body[body.bytes().take_while(u8::is_ascii_alphanumeric).count()..];
    }
    out.push_str(rest);
    let bodies: Vec<_> = secret_fragments(&out).collect();
    for range in bodies.into_iter().rev() {
        out.replace_range(range, replacement);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_wherever_they_stand() {
        let text = "unexpected value 'kss_24k1601LrjV34mlBAh' for '--limit=key_live_6JtBE4DQd' (key_test_)";
        assert_eq!(redact_secrets(text, "[secret]"), "unexpected value '[secret]' for '--limit=[secret]' ([secret])");
        assert_eq!(redact_secrets("nothing here", "[secret]"), "nothing here");
        // In another case, a secret is the secret still: only the case of its letters is lost.
        let shouted = "?q=KEY_LIVE_VIL1FMLPQ2W3E4R5T6Y7U8I9O0P1A2S3D4 and Kss_Abc123";
        assert_eq!(redact_secrets(shouted, "[secret]"), "?q=[secret] and [secret]");
        assert!(contains_secret("KEY_TEST_") && holds_secret("ci KEY_LIVE_VIL1FMLPQ2W3E4R5T6"));
        // Without its prefix too: in capitals, or whole in small letters.
        let body = "HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhC";
        for changed in [body.to_uppercase(), body.to_lowercase(), body[..32].to_uppercase()] {
            assert_eq!(redact_secrets(&format!("/keys/{changed}"), "[secret]"), "/keys/[secret]", "{changed}");
        }
        // A hex digest (40 or 64 small letters and digits), a slug, a constant's name: not secrets.
        for ordinary in [
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
            "550E8400E29B41D4A716446655440000",
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "DEPLOYKEYFORPRODUCTION2026",
            "acme-production-2026",
            "MAX_PAGE_LIMIT_500",
        ] {
            assert!(!contains_secret(ordinary), "{ordinary}");
        }
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
}
