//! Counting attempts per client address (or per account) within a window: guesses at passwords
//! and user codes, so that neither can be found by brute force on the approval page, and sign-ins
//! started, so that nobody fills the database with them. A guess counts from the start and is
//! forgiven when it turns out right.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    max_attempts: u32,
    window: Duration,
    attempts: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Beyond this many tracked addresses and accounts, expired entries are swept so memory stays bounded.
const SWEEP_ABOVE: usize = 10_000;

impl Throttle {
    pub fn new(max_attempts: u32, window: Duration) -> Self {
        Throttle { max_attempts, window, attempts: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt against every key unless one of them is at its limit already; returns
    /// whether the attempt may go ahead. Counting *before* a slow check (a password hash) means
    /// guesses sent all at once cannot slip past the limit. A success is then [`forgive`]n.
    ///
    /// [`forgive`]: Throttle::forgive
    pub fn begin_attempt(&self, keys: &[&str]) -> bool {
        // One lock for the check and the counting, so that two attempts at once cannot both pass
        // a key with one try left.
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let at_limit = keys.iter().any(|key| {
            attempts
                .get(*key)
                .is_some_and(|(count, since)| since.elapsed() < self.window && *count >= self.max_attempts)
        });
        if at_limit {
            return false;
        }
        if attempts.len() > SWEEP_ABOVE {
            attempts.retain(|_, (_, since)| since.elapsed() < self.window);
        }
        for key in keys {
            let entry = attempts.entry((*key).to_owned()).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= self.window {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
        true
    }

    /// Takes back an attempt counted by [`Throttle::begin_attempt`] that succeeded.
    pub fn forgive(&self, keys: &[&str]) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            if let Some((count, _)) = attempts.get_mut(*key) {
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
        let throttle = Throttle::new(2, Duration::from_secs(60));
        assert!(throttle.begin_attempt(&["1.2.3.4"]));
        assert!(throttle.begin_attempt(&["1.2.3.4"]));
        assert!(!throttle.begin_attempt(&["1.2.3.4"]));
        assert!(throttle.begin_attempt(&["5.6.7.8"]), "other addresses are not affected");
    }

    #[test]
    fn the_window_starts_again_once_it_has_passed() {
        let throttle = Throttle::new(1, Duration::from_millis(50));
        assert!(throttle.begin_attempt(&["1.2.3.4"]));
        assert!(!throttle.begin_attempt(&["1.2.3.4"]));
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.begin_attempt(&["1.2.3.4"]));
    }

    #[test]
    fn attempts_count_before_they_are_checked_and_successes_are_forgiven() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        assert!(throttle.begin_attempt(&["ip", "account"]));
        throttle.forgive(&["ip", "account"]);
        assert!(throttle.begin_attempt(&["ip", "account"]));
        assert!(throttle.begin_attempt(&["ip2", "account"]));
        assert!(!throttle.begin_attempt(&["ip3", "account"]), "the account is at its limit");
        assert!(throttle.begin_attempt(&["ip3"]), "a refused attempt counts against nothing");
    }

    #[test]
    fn attempts_at_once_get_no_more_than_the_limit() {
        use std::sync::atomic::{AtomicU32, Ordering};
        // Rounds of threads let go together at a key with one try left: exactly one may pass.
        for _ in 0..200 {
            let throttle = Throttle::new(1, Duration::from_secs(60));
            let admitted = AtomicU32::new(0);
            let start = std::sync::Barrier::new(4);
            std::thread::scope(|scope| {
                for _ in 0..4 {
                    scope.spawn(|| {
                        start.wait();
                        if throttle.begin_attempt(&["ip", "account"]) {
                            admitted.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
            });
            assert_eq!(admitted.into_inner(), 1);
        }
    }
}
