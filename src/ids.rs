//! The shapes of what the user types that ends up in a URL path: checked before any request, so
//! that `keystroke api-key revoke ../../logout` is a usage error, not a request to another route.

pub use keystroke_api::quoted;
use keystroke_api::{
    API_KEY_ID_PREFIX, API_KEY_PREFIXES, ORG_SLUG_RULE, SESSION_ID_PREFIX, SESSION_PREFIX, contains_secret, is_org_slug,
};

use crate::error::CliError;

/// An API key id: `ak_` and base62 characters.
pub fn check_api_key_id(id: &str) -> Result<(), CliError> {
    check_public_id(id, API_KEY_ID_PREFIX, "an API key", "`keystroke api-key list` shows the ids of the org's keys")
}

/// A session id: `ses_` and base62 characters.
pub fn check_session_id(id: &str) -> Result<(), CliError> {
    check_public_id(id, SESSION_ID_PREFIX, "a session", "`keystroke session list` shows the ids of your sessions")
}

fn check_public_id(id: &str, prefix: &str, what: &str, hint: &str) -> Result<(), CliError> {
    // A secret first, even one shaped like an id (`ak_` and a key's secret part): no id is that
    // long, and it would go into a URL, and from there into `-v`'s output and proxies' logs.
    if contains_secret(id) {
        // Never repeat a secret: error output ends up in scrollback and CI logs.
        let key_secret = API_KEY_PREFIXES.iter().any(|prefix| id.contains(prefix));
        let secret = if key_secret {
            "an API key's secret"
        } else if id.contains(SESSION_PREFIX) {
            "a session token"
        } else {
            "the secret part of an API key or session token"
        };
        // Most likely a leaked key someone means to revoke: the way to its id.
        let hint = match key_secret && prefix == API_KEY_ID_PREFIX {
            true => {
                "to revoke the key it is the secret of, find its id by its preview (the secret's first and last \
                     characters) in `keystroke api-key list`"
            }
            false => hint,
        };
        return Err(CliError::usage(format!(
            "that is {secret}, not {what} id, and it may now be in your shell's history; ids look like `{prefix}…`"
        ))
        .with_hint(hint));
    }
    if keystroke_api::is_public_id(id, prefix) {
        return Ok(());
    }
    Err(CliError::usage(format!("{} is not {what} id; ids look like `{prefix}…`", quoted(id))).with_hint(hint))
}

/// An org slug, by the platform's own rule ([`is_org_slug`]).
pub fn check_org_slug(slug: &str) -> Result<(), CliError> {
    if is_org_slug(slug) {
        return Ok(());
    }
    Err(CliError::usage(format!("{} is not an org slug; {ORG_SLUG_RULE}", quoted(slug)))
        .with_hint("`keystroke org list` shows the slugs of your orgs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_ids_are_ak_and_base62() {
        assert!(check_api_key_id("ak_3xAmPlE9").is_ok());
        let too_long = format!("ak_{}", "a".repeat(65));
        assert!(check_api_key_id(&format!("ak_{}", "a".repeat(64))).is_ok());
        for bad in
            ["", "ak_", "ak", "key_live_abc", "../../../logout", "ak_../x", "ak_a%2F", "ak_a b", "ak_é", &too_long]
        {
            let err = check_api_key_id(bad).unwrap_err();
            assert_eq!(err.exit, crate::error::ExitCode::Usage, "{bad}");
        }
        let err = check_api_key_id("../../../logout").unwrap_err();
        assert_eq!(err.message, "`../../../logout` is not an API key id; ids look like `ak_…`");
    }

    #[test]
    fn errors_never_repeat_a_secret_and_cut_long_input() {
        let secret = "key_live_6JtBE4DQdPldl6qkVb8HguBtFP2zFjUd4DmK7Q";
        let err = check_api_key_id(secret).unwrap_err();
        assert_eq!(
            err.message,
            "that is an API key's secret, not an API key id, and it may now be in your shell's history; ids look like \
             `ak_…`"
        );
        assert!(err.hint.unwrap().starts_with("to revoke the key it is the secret of, find its id by its preview"));
        let err = check_session_id(" key_live_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6").unwrap_err();
        assert!(err.message.starts_with("that is an API key's secret, not a session id"), "{}", err.message);
        let err = check_api_key_id("kss_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6").unwrap_err();
        assert!(err.message.starts_with("that is a session token, not an API key id"), "{}", err.message);
        for pasted in ["kss_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6", " key_live_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6"]
        {
            let err = check_org_slug(pasted).unwrap_err();
            assert!(!err.message.contains("24k16"), "{}", err.message);
            let err = check_api_key_id(pasted).unwrap_err();
            assert!(!err.message.contains("24k16"), "{}", err.message);
        }
        // The part after the prefix, pasted alone, is the secret all the same.
        let err = check_api_key_id("HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhC").unwrap_err();
        assert_eq!(
            err.message,
            "that is the secret part of an API key or session token, not an API key id, and it may now be in your shell's \
             history; ids look like `ak_…`"
        );
        assert_eq!(quoted("HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhC"), keystroke_api::SECRET_NOT_REPEATED);
        let err = check_api_key_id(&"x".repeat(10_000)).unwrap_err();
        assert!(err.message.starts_with(&format!("`{}…` is not", "x".repeat(40))), "{}", err.message);
    }

    #[test]
    fn org_slugs_are_short_lowercase_words() {
        for good in ["acme", "globex", "a1", "my-org", &"x".repeat(40)] {
            assert!(check_org_slug(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "-acme", "Acme", "ac me", "../admin", "acme/api-keys", "acme%2f", &"x".repeat(41)] {
            assert!(check_org_slug(bad).is_err(), "{bad}");
        }
        assert!(check_org_slug("..").unwrap_err().hint.unwrap().contains("keystroke org list"));
    }
}
