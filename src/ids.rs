//! The shapes of what the user types that ends up in a URL path: checked before any request, so
//! that `keystroke api-key revoke ../../logout` is a usage error, not a request to another route.

use crate::error::CliError;

const API_KEY_ID_PREFIX: &str = "ak_";
const ORG_SLUG_CHARS: std::ops::RangeInclusive<usize> = 2..=40;

/// An API key id: `ak_` and base62 characters.
pub fn check_api_key_id(id: &str) -> Result<(), CliError> {
    let well_formed = id
        .strip_prefix(API_KEY_ID_PREFIX)
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if well_formed {
        return Ok(());
    }
    Err(CliError::usage(format!("`{id}` is not an API key id; ids look like `{API_KEY_ID_PREFIX}…`"))
        .with_hint("`keystroke api-key list` shows the ids of the org's keys"))
}

/// An org slug: 2 to 40 lowercase letters, digits and dashes.
pub fn check_org_slug(slug: &str) -> Result<(), CliError> {
    let well_formed = ORG_SLUG_CHARS.contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if well_formed {
        return Ok(());
    }
    Err(CliError::usage(format!("`{slug}` is not an org slug; slugs are 2 to 40 lowercase letters, digits and dashes"))
        .with_hint("`keystroke org list` shows the slugs of your orgs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_ids_are_ak_and_base62() {
        assert!(check_api_key_id("ak_3xAmPlE9").is_ok());
        for bad in ["", "ak_", "ak", "key_live_abc", "../../../logout", "ak_../x", "ak_a%2F", "ak_a b", "ak_é"] {
            let err = check_api_key_id(bad).unwrap_err();
            assert_eq!(err.exit, crate::error::ExitCode::Usage, "{bad}");
        }
        let err = check_api_key_id("../../../logout").unwrap_err();
        assert_eq!(err.message, "`../../../logout` is not an API key id; ids look like `ak_…`");
    }

    #[test]
    fn org_slugs_are_short_lowercase_words() {
        for good in ["acme", "globex", "a1", "my-org", &"x".repeat(40)] {
            assert!(check_org_slug(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "Acme", "ac me", "../admin", "acme/api-keys", "acme%2f", &"x".repeat(41)] {
            assert!(check_org_slug(bad).is_err(), "{bad}");
        }
        assert!(check_org_slug("..").unwrap_err().hint.unwrap().contains("keystroke org list"));
    }
}
