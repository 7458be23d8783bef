//! Argon2id password hashes of the accounts people sign in to the web pages with (`/login` and the
//! device approval page).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// Checks `password` against `stored`, off the async workers (Argon2 is deliberately slow).
/// With no stored hash (unknown email) it still does the work, so response time does not tell
/// whether an account exists.
/// A hash that cannot be read, or a check that panicked, is a refusal too, but one the log names:
/// the person only sees "wrong email or password".
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let checked = tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        match PasswordHash::new(&stored) {
            Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(error) => {
                tracing::error!(
                    %error,
                    "a stored password hash cannot be read; reset it with `keystroke-platform user set-password`"
                );
                false
            }
        }
    })
    .await;
    checked.unwrap_or_else(|error| {
        tracing::error!(%error, "checking a password failed");
        false
    })
}

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash("keystroke-no-such-account").expect("hashing a constant succeeds"));
