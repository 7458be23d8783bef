//! Browsers that signed in to an account before ("device cookies", after OWASP's advice on
//! account lockout). The account's throttle (wrong passwords from all addresses together) would
//! otherwise let anyone who knows an email keep its owner out, from five addresses, again every
//! fifteen minutes. A browser that signed in to the account before is not held back by it: it
//! still counts against its own address's throttle, and a few wrong passwords of its own make
//! it a stranger again.
//!
//! Kept in this process, like the throttles: after a restart, or on another platform process of
//! the same database, every browser is a stranger, held back by the account's throttle as before.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::tokens::random_base62;

/// The cookie holding a browser's token (HttpOnly; `__Host-` prefixed on https).
pub const KNOWN_BROWSER_COOKIE: &str = "ks_known";
/// How long a browser stays known after its last sign-in.
pub const REMEMBERED_FOR: Duration = Duration::from_secs(30 * 86_400);
/// Wrong passwords a known browser may send before it is a stranger again.
const WRONG_PASSWORDS_ALLOWED: u32 = 5;
/// Past this many browsers remembered (after sweeping out the expired), new ones are not.
const MOST_REMEMBERED: usize = 100_000;
const TOKEN_LENGTH: usize = 32;

#[derive(Default)]
pub struct KnownBrowsers {
    /// By the SHA-256 of the cookie's token: the account (its email, normalized), when it last
    /// signed in from there, and its wrong passwords since.
    known: Mutex<HashMap<[u8; 32], Known>>,
}

struct Known {
    account: String,
    since: Instant,
    wrong_passwords: u32,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl KnownBrowsers {
    /// Remembers the browser that just signed in to `account`, under a new token for its cookie
    /// (the one it held, if any, is forgotten). None when too many browsers are remembered.
    pub fn remember(&self, previous: Option<&str>, account: &str) -> Option<String> {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(previous) = previous {
            known.remove(&digest(previous));
        }
        if known.len() >= MOST_REMEMBERED {
            known.retain(|_, browser| browser.since.elapsed() < REMEMBERED_FOR);
            if known.len() >= MOST_REMEMBERED {
                return None;
            }
        }
        let token = random_base62(TOKEN_LENGTH);
        known.insert(digest(&token), Known { account: account.to_owned(), since: Instant::now(), wrong_passwords: 0 });
        Some(token)
    }

    /// Whether the browser holding `token` signed in to `account` before, lately, and has not
    /// sent too many wrong passwords since.
    pub fn vouch_for(&self, token: &str, account: &str) -> bool {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known.get(&digest(token)).is_some_and(|browser| {
            browser.account == account
                && browser.since.elapsed() < REMEMBERED_FOR
                && browser.wrong_passwords < WRONG_PASSWORDS_ALLOWED
        })
    }

    /// Counts a wrong password sent from the browser holding `token`.
    pub fn wrong_password(&self, token: &str) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(browser) = known.get_mut(&digest(token)) {
            browser.wrong_passwords += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_is_known_for_its_account_until_it_guesses_too_often() {
        let browsers = KnownBrowsers::default();
        let token = browsers.remember(None, "ada@acme.test").unwrap();
        assert!(browsers.vouch_for(&token, "ada@acme.test"));
        assert!(!browsers.vouch_for(&token, "grace@acme.test"), "another account's");
        assert!(!browsers.vouch_for("made-up", "ada@acme.test"));
        for _ in 0..WRONG_PASSWORDS_ALLOWED {
            browsers.wrong_password(&token);
        }
        assert!(!browsers.vouch_for(&token, "ada@acme.test"), "a stranger again");

        let again = browsers.remember(Some(&token), "ada@acme.test").unwrap();
        assert!(browsers.vouch_for(&again, "ada@acme.test"), "a new sign-in starts over");
        assert!(!browsers.vouch_for(&token, "ada@acme.test"), "under a new token only");
    }
}
