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
}
