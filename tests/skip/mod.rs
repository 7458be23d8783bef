//! A test that cannot run on this machine (a tool not installed, no session bus, not root) says
//! so where the person running the suite sees it: cargo hides what a passing test prints, so the
//! reason also goes to the file named by `KEYSTROKE_SKIPPED`, which `scripts/test` sets and
//! prints after the total. In CI (`CI=true`), where `.ci/run` installs everything, a skip is a
//! failure instead: it would hide a gap.
//!
//! Shared by the test binaries with `#[path]`; it is not a test binary of its own.

pub fn skip(why: &str) {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "skipped in CI: {why}; .ci/run must provide it");
    eprintln!("skipped: {why}");
    if let Some(path) = std::env::var_os("KEYSTROKE_SKIPPED") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(file, "{why}");
        }
    }
}
