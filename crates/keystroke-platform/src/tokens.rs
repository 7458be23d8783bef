//! Minting, checking and hashing the platform's secrets.
//!
//! API keys and session tokens share one shape, after GitHub's token scheme: a prefix that says
//! what the token is, 32 random base62 characters, then 6 base62 characters of the CRC32 of the
//! random part (`keystroke_api::secret_checksum`, shared with the redaction of secrets). The
//! checksum lets the platform refuse garbage before touching the database, and lets secret
//! scanners recognise our tokens with few false positives.
//!
//! Only SHA-256 digests of secrets are ever stored.

use sha2::{Digest, Sha256};

use crate::clock::now;
use crate::storage::{NewApiKey, NewSession, Timestamp};

use keystroke_api::{BASE62, SECRET_RANDOM_CHARS, is_secret_body, secret_checksum};

pub use keystroke_api::{LIVE_KEY_PREFIX, SESSION_PREFIX, TEST_KEY_PREFIX};

/// A freshly minted secret. Its `Debug` is redacted so it cannot end up in a log by accident.
pub struct MintedSecret {
    pub plaintext: String,
    pub hash: SecretHash,
}

impl std::fmt::Debug for MintedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MintedSecret([redacted])")
    }
}

/// SHA-256 of a whole secret: what the database indexes and looks up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SecretHash(pub [u8; 32]);

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHash(..)")
    }
}

pub fn hash_secret(secret: &str) -> SecretHash {
    SecretHash(Sha256::digest(secret.as_bytes()).into())
}

/// Fills `buf` from the operating system's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

/// `len` uniformly random base62 characters.
pub fn random_base62(len: usize) -> String {
    random_from(BASE62, len)
}

/// `len` characters drawn uniformly from `alphabet`, by rejection sampling: a byte at or past the
/// last whole multiple of the alphabet's size (248 for base62's 62) would favour its first
/// characters, so it is drawn again.
fn random_from(alphabet: &[u8], len: usize) -> String {
    let unbiased_below = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    let mut pool = [0u8; 64];
    while out.len() < len {
        random_bytes(&mut pool);
        for &byte in pool.iter().filter(|&&byte| usize::from(byte) < unbiased_below).take(len - out.len()) {
            out.push(alphabet[usize::from(byte) % alphabet.len()] as char);
        }
    }
    out
}

fn checksum(random_part: &str) -> String {
    String::from_utf8(secret_checksum(random_part).to_vec()).expect("base62 is ASCII")
}

/// Mints `prefix` + 32 random + 6 checksum characters.
pub fn mint(prefix: &str) -> MintedSecret {
    let random_part = random_base62(SECRET_RANDOM_CHARS);
    let plaintext = format!("{prefix}{random_part}{}", checksum(&random_part));
    let hash = hash_secret(&plaintext);
    MintedSecret { plaintext, hash }
}

/// Whether `token` is this prefix and a secret's body with a valid checksum. Costs no I/O: this
/// is the first gate every presented credential goes through.
pub fn is_well_formed(token: &str, prefix: &str) -> bool {
    token.strip_prefix(prefix).is_some_and(is_secret_body)
}

/// The non-secret preview stored at creation: prefix, first 4 and last 4 of the random part.
pub fn preview(secret: &str, prefix: &str) -> String {
    let random_part = &secret[prefix.len()..prefix.len() + SECRET_RANDOM_CHARS];
    format!("{prefix}{}…{}", &random_part[..4], &random_part[SECRET_RANDOM_CHARS - 4..])
}

/// A public identifier such as `ak_…`: random, but never shaped like a secret.
pub fn public_id(prefix: &str) -> String {
    format!("{prefix}{}", random_base62(20))
}

/// A new session of `client` (the CLI's or the web pages'), lasting `ttl_secs` from now: its token,
/// which exists only in this return value, and the row the database keeps (the token's hash).
pub fn new_session(client: &str, ttl_secs: i64) -> (String, NewSession) {
    let token = mint(SESSION_PREFIX);
    let created_at = now();
    let session = NewSession {
        id: public_id(keystroke_api::SESSION_ID_PREFIX),
        client: client.to_owned(),
        token_hash: token.hash,
        created_at,
        expires_at: created_at + ttl_secs,
        device: None,
    };
    (token.plaintext, session)
}

/// What makes a new API key, besides its secret.
pub struct KeyFor<'a> {
    pub org_id: &'a str,
    pub created_by: &'a str,
    pub name: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

/// A new API key with this prefix (`key_live_`, or `dev`'s `key_test_`): its secret, shown once,
/// and the row the database keeps (the secret's hash and preview).
pub fn new_api_key(prefix: &str, key: KeyFor<'_>) -> (String, NewApiKey) {
    let secret = mint(prefix);
    let row = NewApiKey {
        id: public_id(keystroke_api::API_KEY_ID_PREFIX),
        org_id: key.org_id.to_owned(),
        created_by: key.created_by.to_owned(),
        name: key.name,
        preview: preview(&secret.plaintext, prefix),
        secret_hash: secret.hash,
        created_at: key.created_at,
        expires_at: key.expires_at,
    };
    (secret.plaintext, row)
}

/// The length of a device code, in base62 characters: about 256 bits, far beyond guessing (and only
/// its digest is stored).
pub const DEVICE_CODE_CHARS: usize = 43;

/// A new device code, which the CLI polls the token endpoint with.
pub fn new_device_code() -> String {
    random_base62(DEVICE_CODE_CHARS)
}

/// Whether `code` could be one [`new_device_code`] made. The token endpoint takes no credential and
/// has no throttle of its own, so what could not be a device code is answered without touching
/// the database.
pub fn is_device_code_shaped(code: &str) -> bool {
    code.len() == DEVICE_CODE_CHARS && code.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// RFC 8628 user codes: consonants only, so no word can be spelled and nothing looks alike.
const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// An 8-character user code, shown as `XXXX-XXXX`.
pub fn user_code() -> String {
    let code = random_from(USER_CODE_ALPHABET, 8);
    format!("{}-{}", &code[..4], &code[4..])
}

/// Normalises what a person typed (any case, with or without the dash or spaces) to `XXXX-XXXX`.
pub fn normalize_user_code(input: &str) -> Option<String> {
    if !looks_like_user_code(input) {
        return None;
    }
    let letters: String = input.chars().filter(|c| !matches!(c, '-' | ' ')).map(|c| c.to_ascii_uppercase()).collect();
    Some(format!("{}-{}", &letters[..4], &letters[4..]))
}

/// Whether [`normalize_user_code`] takes `input` for a user code; without allocating, for the
/// request log, which asks it of every part of every path.
pub fn looks_like_user_code(input: &str) -> bool {
    let mut letters = 0;
    for byte in input.bytes() {
        match byte {
            b'-' | b' ' => {}
            _ if USER_CODE_ALPHABET.contains(&byte.to_ascii_uppercase()) => letters += 1,
            _ => return false,
        }
    }
    letters == 8
}

/// Constant-time equality for short secrets such as CSRF tokens.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_keys_have_the_documented_shape() {
        let key = mint(LIVE_KEY_PREFIX);
        assert_eq!(key.plaintext.len(), LIVE_KEY_PREFIX.len() + 38);
        assert!(is_well_formed(&key.plaintext, LIVE_KEY_PREFIX));
        assert!(!is_well_formed(&key.plaintext, TEST_KEY_PREFIX));
        assert_eq!(key.hash, hash_secret(&key.plaintext));
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let key = mint(LIVE_KEY_PREFIX).plaintext;
        let mut tampered = key.clone().into_bytes();
        let i = LIVE_KEY_PREFIX.len() + 3;
        tampered[i] = if tampered[i] == b'a' { b'b' } else { b'a' };
        assert!(!is_well_formed(std::str::from_utf8(&tampered).unwrap(), LIVE_KEY_PREFIX));
        assert!(!is_well_formed(&key[..key.len() - 1], LIVE_KEY_PREFIX));
    }

    #[test]
    fn preview_shows_prefix_and_four_characters_each_side() {
        let secret = format!(
            "{LIVE_KEY_PREFIX}ABCDxxxxxxxxxxxxxxxxxxxxxxxxWXYZ{}",
            checksum("ABCDxxxxxxxxxxxxxxxxxxxxxxxxWXYZ")
        );
        assert_eq!(preview(&secret, LIVE_KEY_PREFIX), "key_live_ABCD…WXYZ");
    }

    #[test]
    fn random_characters_come_from_the_whole_alphabet_and_no_other() {
        // 12,400 draws: a character of 62 missing from all of them has a chance of about e^-200.
        let drawn = random_base62(62 * 200);
        assert_eq!(drawn.len(), 62 * 200);
        let mut seen: Vec<u8> = drawn.bytes().collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen, BASE62.to_vec());
        let code = user_code();
        assert!(code.bytes().enumerate().all(|(at, c)| if at == 4 {
            c == b'-'
        } else {
            USER_CODE_ALPHABET.contains(&c)
        }));
    }

    #[test]
    fn user_codes_are_typed_loosely() {
        let code = user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(normalize_user_code(&code.to_lowercase().replace('-', "")), Some(code.clone()));
        assert_eq!(normalize_user_code("bcdf ghjk"), Some("BCDF-GHJK".into()));
        assert_eq!(normalize_user_code("ABCD-EFGH"), None, "vowels are not in the alphabet");
        assert_eq!(normalize_user_code("BCDF-GHJ"), None);
    }
}
