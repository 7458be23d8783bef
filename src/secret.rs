//! A value that must never reach logs, error messages or debug output.

use std::fmt;

/// Wraps a secret so that `{:?}` and `{}` print `[redacted]`. The only way to the value is
/// [`Secret::expose`]: called where the `Authorization` header is built, where the token is
/// handed to a credential store, where the user asked to see it, and to check its shape (which
/// says nothing of the value). Two are compared with `==`, which shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let secret = Secret::new("kss_abc".to_string());
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
        assert_eq!(secret.expose(), "kss_abc");
    }
}
