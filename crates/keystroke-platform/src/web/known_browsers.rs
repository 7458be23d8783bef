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
/// Browsers remembered per account, the latest: someone who signs in to their own account again
/// and again does not crowd out anyone else's.
const BROWSERS_PER_ACCOUNT: usize = 10;
/// Past this many accounts remembered (after sweeping out the expired), new ones are not.
const MOST_ACCOUNTS: usize = 100_000;
const TOKEN_LENGTH: usize = 32;

#[derive(Default)]
pub struct KnownBrowsers {
    /// Per account (its email, normalized), its browsers, oldest first.
    by_account: Mutex<HashMap<String, Vec<Known>>>,
}

struct Known {
    /// The SHA-256 of the cookie's token.
    digest: [u8; 32],
    /// When it last signed in to the account.
    since: Instant,
    wrong_passwords: u32,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl KnownBrowsers {
    /// Remembers the browser that just signed in to `account`, under a new token for its cookie
    /// (the one it held for the account, if any, is forgotten). None when too many accounts are
    /// remembered.
    pub fn remember(&self, previous: Option<&str>, account: &str) -> Option<String> {
        let mut by_account = self.by_account.lock().unwrap_or_else(|e| e.into_inner());
        if !by_account.contains_key(account) && by_account.len() >= MOST_ACCOUNTS {
            by_account.retain(|_, browsers| {
                browsers.retain(|browser| browser.since.elapsed() < REMEMBERED_FOR);
                !browsers.is_empty()
            });
            if by_account.len() >= MOST_ACCOUNTS {
                return None;
            }
        }
        let browsers = by_account.entry(account.to_owned()).or_default();
        if let Some(previous) = previous.map(digest) {
            browsers.retain(|browser| browser.digest != previous);
        }
        if browsers.len() >= BROWSERS_PER_ACCOUNT {
            browsers.remove(0);
        }
        let token = random_base62(TOKEN_LENGTH);
        browsers.push(Known { digest: digest(&token), since: Instant::now(), wrong_passwords: 0 });
        Some(token)
    }

    /// Whether the browser holding `token` may try a password for `account` past the account's
    /// throttle: it signed in to the account lately, and has not used up its own tries. The try is
    /// counted here, in the same step, so that guesses sent all at once cannot slip past the
    /// limit; a right password makes a new token ([`KnownBrowsers::remember`]), whose count starts
    /// over.
    pub fn begin_attempt(&self, token: &str, account: &str) -> bool {
        let mut by_account = self.by_account.lock().unwrap_or_else(|e| e.into_inner());
        let token = digest(token);
        let browser = by_account.get_mut(account).into_iter().flatten().find(|browser| browser.digest == token);
        match browser {
            Some(browser)
                if browser.since.elapsed() < REMEMBERED_FOR && browser.wrong_passwords < WRONG_PASSWORDS_ALLOWED =>
            {
                browser.wrong_passwords += 1;
                true
            }
            _ => false,
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
        assert!(!browsers.begin_attempt(&token, "grace@acme.test"), "another account's");
        assert!(!browsers.begin_attempt("made-up", "ada@acme.test"));
        for _ in 0..WRONG_PASSWORDS_ALLOWED {
            assert!(browsers.begin_attempt(&token, "ada@acme.test"));
        }
        assert!(!browsers.begin_attempt(&token, "ada@acme.test"), "a stranger again");

        let again = browsers.remember(Some(&token), "ada@acme.test").unwrap();
        assert!(browsers.begin_attempt(&again, "ada@acme.test"), "a new sign-in starts over");
        assert!(!browsers.begin_attempt(&token, "ada@acme.test"), "under a new token only");

        // Signing in to one's own account again and again keeps its latest browsers only.
        let first = browsers.remember(None, "mallory@acme.test").unwrap();
        for _ in 0..BROWSERS_PER_ACCOUNT {
            browsers.remember(None, "mallory@acme.test").unwrap();
        }
        assert!(!browsers.begin_attempt(&first, "mallory@acme.test"), "the oldest made room");
        assert_eq!(browsers.by_account.lock().unwrap()["mallory@acme.test"].len(), BROWSERS_PER_ACCOUNT);
        assert!(browsers.begin_attempt(&again, "ada@acme.test"), "another account's browser is kept");
    }

    #[test]
    fn tries_sent_all_at_once_get_no_more_than_the_limit() {
        let browsers = std::sync::Arc::new(KnownBrowsers::default());
        let token = browsers.remember(None, "ada@acme.test").unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(20));
        let threads: Vec<_> = (0..20)
            .map(|_| {
                let (browsers, barrier, token) = (browsers.clone(), barrier.clone(), token.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    browsers.begin_attempt(&token, "ada@acme.test")
                })
            })
            .collect();
        let let_through = threads.into_iter().map(|thread| thread.join().unwrap()).filter(|&ok| ok);
        assert_eq!(let_through.count(), WRONG_PASSWORDS_ALLOWED as usize);
    }
}
