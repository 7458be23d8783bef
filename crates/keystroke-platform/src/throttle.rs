//! Counting failed sign-in attempts (wrong password, wrong user code) per client address, so
//! that neither can be guessed by brute force on the approval page.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Beyond this many tracked addresses, expired entries are swept so memory stays bounded.
const SWEEP_ABOVE: usize = 10_000;

impl Throttle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Throttle { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    /// Whether `key` may try again now.
    pub fn allows(&self, key: &str) -> bool {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(key) {
            Some((count, since)) if since.elapsed() < self.window => *count < self.max_failures,
            _ => true,
        }
    }

    /// Counts an attempt against every key unless one of them is at its limit already; returns
    /// whether the attempt may go ahead. Counting *before* a slow check (a password hash) means
    /// guesses sent all at once cannot slip past the limit. A success is then [`forgive`]n.
    ///
    /// [`forgive`]: Throttle::forgive
    pub fn begin_attempt(&self, keys: &[&str]) -> bool {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let at_limit = |key: &str| {
            failures.get(key).is_some_and(|(count, since)| since.elapsed() < self.window && *count >= self.max_failures)
        };
        if keys.iter().any(|key| at_limit(key)) {
            return false;
        }
        drop(failures);
        for key in keys {
            self.record_failure(key);
        }
        true
    }

    /// Takes back an attempt counted by [`Throttle::begin_attempt`] that succeeded.
    pub fn forgive(&self, keys: &[&str]) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            if let Some((count, _)) = failures.get_mut(*key) {
                *count = count.saturating_sub(1);
            }
        }
    }

    pub fn record_failure(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > SWEEP_ABOVE {
            failures.retain(|_, (_, since)| since.elapsed() < self.window);
        }
        let entry = failures.entry(key.to_owned()).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_allowed_failures_within_the_window() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        assert!(throttle.allows("1.2.3.4"));
        throttle.record_failure("1.2.3.4");
        assert!(throttle.allows("1.2.3.4"));
        throttle.record_failure("1.2.3.4");
        assert!(!throttle.allows("1.2.3.4"));
        assert!(throttle.allows("5.6.7.8"), "other addresses are not affected");
    }

    #[test]
    fn attempts_count_before_they_are_checked_and_successes_are_forgiven() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        assert!(throttle.begin_attempt(&["ip", "account"]));
        throttle.forgive(&["ip", "account"]);
        assert!(throttle.begin_attempt(&["ip", "account"]));
        assert!(throttle.begin_attempt(&["ip2", "account"]));
        assert!(!throttle.begin_attempt(&["ip3", "account"]), "the account is at its limit");
        assert!(throttle.allows("ip3"), "a refused attempt counts against nothing");
    }
}
