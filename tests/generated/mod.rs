//! Files the repository keeps that are generated from the clap definition (man pages, the CLI
//! reference, completion scripts): a test compares each with what the binary makes now, and
//! rewrites it when asked to.
//!
//! Shared with `#[path]` by `src/docs.rs` and the CLI's tests; it is not a test binary of its own.

use std::path::{Path, PathBuf};

/// What a developer runs to refresh every generated file of the repository.
pub const REFRESH: &str = "KEYSTROKE_BLESS=1 cargo test -p keystroke checked_in";

/// Whether this run rewrites the generated files (`KEYSTROKE_BLESS=1`) instead of checking them.
pub fn blessing() -> bool {
    std::env::var_os("KEYSTROKE_BLESS").is_some_and(|value| !value.is_empty() && value != "0")
}

/// Compares a generated file with the checked-in one, or rewrites it under `KEYSTROKE_BLESS=1`.
/// Returns the path when it is stale.
pub fn check(path: &Path, generated: &str) -> Option<PathBuf> {
    if blessing() {
        // Rewriting is for a developer's tree: in CI it would pass whatever the files hold.
        assert!(std::env::var("CI").as_deref() != Ok("true"), "KEYSTROKE_BLESS is set in CI");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if std::fs::read_to_string(path).ok().as_deref() != Some(generated) {
            std::fs::write(path, generated).unwrap();
        }
        return None;
    }
    let checked_in = std::fs::read_to_string(path).ok();
    (checked_in.as_deref() != Some(generated)).then(|| path.to_path_buf())
}
