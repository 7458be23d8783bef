//! Counting attempts per client address (or per account) within a window: guesses at passwords
//! and user codes, so that neither can be found by brute force on the approval page, and sign-ins
//! started, so that nobody fills the database with them. A guess counts from the start and is
//! forgiven when it turns out right, or when the platform could not answer it (its database
//! busy or failing: [`Throttle::forgiven_on_error`]).

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::expiring::ExpiringMap;

/// Failed sign-ins (wrong password or code) allowed per client address per window.
pub const SIGN_IN_FAILURES_ALLOWED: u32 = 10;
/// Wrong passwords allowed per account per window, from all addresses together: more than one
/// address may try, so that a single one cannot lock someone out, and few enough that guessing
/// from many addresses gets nowhere (a browser that signed in to the account before is not held
/// back by it: [`crate::web::known_browsers`]).
pub const ACCOUNT_SIGN_IN_FAILURES_ALLOWED: u32 = 50;
/// Sign-ins the CLI may start (`POST /oauth/device/code`) per client address per window: an
/// office behind one address signing in together, not a script filling the database.
pub const DEVICE_CODES_ALLOWED: u32 = 30;
/// The window each of the three is counted in.
pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);

pub struct Throttle {
    /// What is counted, for the log: "failed sign-ins", "sign-ins started".
    what: &'static str,
    max_attempts: u32,
    window: Duration,
    /// Attempts per key: the count, and when its window began.
    tracked: Mutex<ExpiringMap<(u32, Instant)>>,
}

/// What a client address is counted under: an IPv6 address by its /64, the block one host or
/// home is usually given whole (counting each address would give it billions of tries); any
/// other address as it is.
pub fn address_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(ip @ IpAddr::V6(_)) => format!("{}/64", address_block(ip)),
        _ => address.to_owned(),
    }
}

/// The block a client address is counted under ([`address_key`]): an IPv6 address's /64 (its
/// first address), any other address itself; an IPv4 client of a dual-stack listener (`[::]`),
/// which arrives as `::ffff:a.b.c.d`, by its IPv4 address (their /64 is every such client's).
pub fn address_block(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
        other => other,
    }
}

/// An attempt counted by [`Throttle::begin_attempt`], for [`Throttle::forgive`].
#[derive(Clone, Copy)]
pub struct Attempt {
    at: Instant,
}

/// Beyond this many tracked addresses and accounts, the keys whose window has ended are swept
/// out, so memory stays bounded ([`ExpiringMap`]).
const SWEEP_ABOVE: usize = 10_000;

impl Throttle {
    pub fn new(what: &'static str, max_attempts: u32, window: Duration) -> Self {
        Throttle { what, max_attempts, window, tracked: Mutex::new(ExpiringMap::new(SWEEP_ABOVE)) }
    }

    /// Counts an attempt against every key unless one of them is at its limit already; returns
    /// the attempt when it may go ahead. Counting *before* a slow check (a password hash) means
    /// guesses sent all at once cannot slip past the limit. A success is then [`forgive`]n.
    ///
    /// [`forgive`]: Throttle::forgive
    pub fn begin_attempt(&self, keys: &[&str]) -> Option<Attempt> {
        // One lock for the check and the counting, so that two attempts at once cannot both pass
        // a key with one try left.
        let mut tracked = self.tracked.lock().unwrap_or_else(|e| e.into_inner());
        let mut at_limit = false;
        for key in keys {
            let Some((count, since)) = tracked.entries.get_mut(*key) else { continue };
            if since.elapsed() < self.window && *count >= self.max_attempts {
                at_limit = true;
                // Said once a window, for the operator (a guessing attack shows here); the count
                // past the limit marks it said.
                if *count == self.max_attempts {
                    *count += 1;
                    let minutes = (self.window - since.elapsed()).as_secs().div_ceil(60);
                    // An account is counted under what was typed as its email: a pasted token too.
                    let key = keystroke_api::redact_secrets(key, crate::logging::REDACTED);
                    tracing::warn!(
                        key,
                        "too many {} ({}): refused for {minutes} more minutes",
                        self.what,
                        self.max_attempts
                    );
                }
            }
        }
        if at_limit {
            return None;
        }
        tracked.sweep_if_grown(|(_, since)| since.elapsed() < self.window);
        for key in keys {
            let entry = tracked.entries.entry((*key).to_owned()).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= self.window {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
        Some(Attempt { at: Instant::now() })
    }

    /// `outcome`, with the attempt taken back when it is an error: the platform's own (its
    /// database busy or failing), which is no try of the client's, and which a client told to try
    /// again (`Retry-After`) must not use up its tries on.
    pub fn forgiven_on_error<T, E>(&self, keys: &[&str], attempt: Attempt, outcome: Result<T, E>) -> Result<T, E> {
        if outcome.is_err() {
            self.forgive(keys, attempt);
        }
        outcome
    }

    /// Takes back an attempt counted by [`Throttle::begin_attempt`] that succeeded, unless its
    /// window has ended meanwhile (a slow check): the new window's count is other attempts'.
    pub fn forgive(&self, keys: &[&str], attempt: Attempt) {
        let mut tracked = self.tracked.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            if let Some((count, since)) = tracked.entries.get_mut(*key)
                && *since <= attempt.at
            {
                *count = count.saturating_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_allowed_attempts_within_the_window() {
        let throttle = Throttle::new("tries", 2, Duration::from_secs(60));
        assert!(throttle.begin_attempt(&["1.2.3.4"]).is_some());
        assert!(throttle.begin_attempt(&["1.2.3.4"]).is_some());
        assert!(throttle.begin_attempt(&["1.2.3.4"]).is_none());
        assert!(throttle.begin_attempt(&["5.6.7.8"]).is_some(), "other addresses are not affected");
    }

    #[test]
    fn the_window_starts_again_once_it_has_passed() {
        let throttle = Throttle::new("tries", 1, Duration::from_millis(50));
        assert!(throttle.begin_attempt(&["1.2.3.4"]).is_some());
        assert!(throttle.begin_attempt(&["1.2.3.4"]).is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.begin_attempt(&["1.2.3.4"]).is_some());
    }

    #[test]
    fn attempts_count_before_they_are_checked_and_successes_are_forgiven() {
        let throttle = Throttle::new("tries", 2, Duration::from_secs(60));
        let first = throttle.begin_attempt(&["ip", "account"]).unwrap();
        throttle.forgive(&["ip", "account"], first);
        assert!(throttle.begin_attempt(&["ip", "account"]).is_some());
        assert!(throttle.begin_attempt(&["ip2", "account"]).is_some());
        assert!(throttle.begin_attempt(&["ip3", "account"]).is_none(), "the account is at its limit");
        assert!(throttle.begin_attempt(&["ip3"]).is_some(), "a refused attempt counts against nothing");
    }

    #[test]
    fn a_table_of_live_keys_is_swept_again_only_once_it_has_doubled() {
        let throttle = Throttle::new("tries", 5, Duration::from_secs(60));
        for i in 0..=SWEEP_ABOVE {
            throttle.begin_attempt(&[&i.to_string()]).unwrap();
        }
        throttle.begin_attempt(&["one more"]).unwrap(); // sweeps: every key is live
        let tracked = throttle.tracked.lock().unwrap();
        assert_eq!(tracked.entries.len(), SWEEP_ABOVE + 2);
        assert_eq!(tracked.sweep_above(), 2 * (SWEEP_ABOVE + 1), "not at every attempt from now on");
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_block() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:3::1"), "2001:db8:1:3::/64");
        assert_eq!(address_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key("unknown"), "unknown");
    }

    #[test]
    fn a_success_from_a_window_gone_by_forgives_nothing_in_the_new_one() {
        let throttle = Throttle::new("tries", 1, Duration::from_millis(50));
        let slow = throttle.begin_attempt(&["ip"]).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.begin_attempt(&["ip"]).is_some(), "a new window");
        throttle.forgive(&["ip"], slow);
        assert!(throttle.begin_attempt(&["ip"]).is_none(), "the new window's attempt still counts");
    }

    #[test]
    fn attempts_at_once_get_no_more_than_the_limit() {
        use std::sync::atomic::{AtomicU32, Ordering};
        // Rounds of threads let go together at a key with one try left: exactly one may pass.
        for _ in 0..200 {
            let throttle = Throttle::new("tries", 1, Duration::from_secs(60));
            let admitted = AtomicU32::new(0);
            let start = std::sync::Barrier::new(4);
            std::thread::scope(|scope| {
                for _ in 0..4 {
                    scope.spawn(|| {
                        start.wait();
                        if throttle.begin_attempt(&["ip", "account"]).is_some() {
                            admitted.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
            });
            assert_eq!(admitted.into_inner(), 1);
        }
    }
}
