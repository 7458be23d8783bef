//! The platform's URL: checked, and written one way, which keys the config and the credential
//! store's entry.

use reqwest::Url;

use crate::config::Config;
use crate::error::CliError;
use crate::ids;

/// Used when neither `--platform-url`, `KEYSTROKE_PLATFORM_URL` nor a previous sign-in names a
/// platform: where `keystroke-platform dev` listens by default.
pub const DEFAULT_PLATFORM_URL: &str = "http://127.0.0.1:8080";

/// A platform URL in one canonical spelling (no trailing slash), which keys the config and the
/// credential store entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformUrl {
    pub url: Url,
    pub key: String,
    /// Where the command took it from, for hints that send the user back to it.
    pub source: PlatformSource,
}

/// Where a command's platform came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformSource {
    /// `--platform-url`, or `KEYSTROKE_PLATFORM_URL` (`from_env`); `elsewhere_by_default`: a
    /// command without it goes to another platform (the one signed in to last, or the default).
    Given { from_env: bool, elsewhere_by_default: bool },
    /// The platform of the last sign-in, saved in `config.json`.
    Saved,
    /// [`DEFAULT_PLATFORM_URL`]: nothing named one.
    Default,
}

impl PlatformUrl {
    /// What to add to a command a hint suggests, so that it goes to this platform too: nothing,
    /// unless a command without it would go to another (`KEYSTROKE_PLATFORM_URL` sends the next
    /// command there as well).
    pub fn flag_for_hints(&self) -> String {
        match self.source {
            PlatformSource::Given { from_env: false, elsewhere_by_default: true } => {
                format!(" --platform-url {}", self.key)
            }
            _ => String::new(),
        }
    }
}

/// The key of the platform commands without `--platform-url` go to: the one signed in to last,
/// else the default; spelled as keys are (a hand-edited `config.json` may spell it otherwise).
pub(super) fn platform_commands_go_to(config: &Config) -> String {
    let saved = config.platform_url.as_deref().unwrap_or(DEFAULT_PLATFORM_URL);
    parse_platform_url(saved).map_or_else(|_| saved.trim_end_matches('/').to_owned(), |saved| saved.key)
}

/// The host of an `http://` platform URL that is not this machine (`localhost` or a loopback
/// address), which can read whatever crosses the network to it.
pub fn plain_http_off_this_machine(url: &reqwest::Url) -> Option<&str> {
    let host = url.host_str()?;
    (url.scheme() == "http" && !keystroke_api::is_this_machine(host)).then_some(host)
}

/// A platform's URL is a host and at most a short path; a longer one is a paste gone wrong.
const MAX_PLATFORM_URL_CHARS: usize = 2048;

pub(super) fn parse_platform_url(raw: &str) -> anyhow::Result<PlatformUrl> {
    let hint = "pass `--platform-url` like `https://keystroke.example.com`";
    if keystroke_api::contains_secret(raw) {
        // It would be shown in every message that names the platform, and sent the token.
        return Err(CliError::usage("the platform URL holds an API key or session token; leave it out")
            .with_hint(hint)
            .into());
    }
    // Quoted back unless it may hold a password (`user:password@host`).
    let shown = if raw.contains('@') { "the URL".to_owned() } else { ids::quoted(raw) };
    let invalid = |why: &str| CliError::usage(format!("{shown} is not a platform URL: {why}")).with_hint(hint);
    let not_http = "expected an http:// or https:// URL";
    if !raw.contains("://") {
        // `keystroke.example.com` without a scheme: the parser's "relative URL without a base"
        // says nothing a user can act on.
        return Err(invalid(not_http).into());
    }
    let mut url = Url::parse(raw.trim()).map_err(|err| invalid(&err.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Such a URL would send its password with every request, in place of the session token;
        // and it is not repeated here.
        return Err(CliError::usage("the platform URL contains a user name or password; leave them out")
            .with_hint(hint)
            .into());
    }
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(not_http).into());
    }
    // Beyond these, no name resolves (and the HTTP stack refuses it, as if the platform were down),
    // and every message naming the platform would repeat it.
    if let Some(name) = url.domain()
        && (name.len() > 253 || name.split('.').any(|label| label.len() > 63))
    {
        return Err(invalid("its host name is longer than DNS allows (253 characters, 63 between dots)").into());
    }
    if url.as_str().len() > MAX_PLATFORM_URL_CHARS {
        return Err(invalid(&format!("it is longer than {MAX_PLATFORM_URL_CHARS} characters")).into());
    }
    url.set_query(None);
    url.set_fragment(None);
    let key = url.as_str().trim_end_matches('/').to_string();
    // One slash at the end, for `join`: `https://host//` is the platform at `https://host`, in
    // requests as in the key its token is stored under.
    let path = format!("{}/", url.path().trim_end_matches('/'));
    url.set_path(&path);
    // Given, until the caller says where it came from.
    let source = PlatformSource::Given { from_env: false, elsewhere_by_default: false };
    Ok(PlatformUrl { url, key, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    #[test]
    fn plain_http_is_flagged_only_off_this_machine() {
        let flagged = |url: &str| plain_http_off_this_machine(&url.parse().unwrap()).map(str::to_owned);
        for local in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:8080",
            "http://[::ffff:127.0.0.1]",
            "http://localhost:8080",
            "http://LOCALHOST.",
            "http://keystroke.localhost",
            "https://keystroke.example.com",
            "https://192.0.2.7",
        ] {
            assert_eq!(flagged(local), None, "{local}");
        }
        assert_eq!(flagged("http://192.0.2.7:8080").as_deref(), Some("192.0.2.7"));
        assert_eq!(flagged("http://[2001:db8::1]").as_deref(), Some("[2001:db8::1]"));
        assert_eq!(flagged("http://keystroke.example.com").as_deref(), Some("keystroke.example.com"));
        assert_eq!(flagged("http://localhost.example.com").as_deref(), Some("localhost.example.com"));
    }

    #[test]
    fn platform_urls_have_one_spelling() {
        let plain = parse_platform_url("http://127.0.0.1:8080").unwrap();
        let slashed = parse_platform_url("http://127.0.0.1:8080/").unwrap();
        assert_eq!(plain, slashed);
        assert_eq!(plain, parse_platform_url("http://127.0.0.1:8080//").unwrap());
        assert_eq!(plain.key, "http://127.0.0.1:8080");
        assert_eq!(plain.url.as_str(), "http://127.0.0.1:8080/");

        let prefixed = parse_platform_url("https://example.com/keystroke").unwrap();
        assert_eq!(prefixed.key, "https://example.com/keystroke");
        assert_eq!(prefixed.url.join("api/me").unwrap().as_str(), "https://example.com/keystroke/api/me");
        assert_eq!(prefixed, parse_platform_url("https://example.com/keystroke//").unwrap());
    }

    #[test]
    fn hosts_beyond_what_dns_allows_are_usage_errors() {
        for raw in [format!("http://{}.com", "a".repeat(120_000)), format!("https://{}.example.com", "b".repeat(64))] {
            let err = parse_platform_url(&raw).unwrap_err();
            let err = err.downcast_ref::<CliError>().unwrap();
            assert_eq!(err.exit, ExitCode::Usage);
            assert!(
                err.message.ends_with(
                    "is not a platform URL: its host name is longer than DNS allows (253 characters, 63 between dots)"
                ),
                "{}",
                err.message
            );
            assert!(err.message.len() < 200, "quoted cut short: {}", err.message);
        }
        let long_path = format!("https://keystroke.example.com/{}", "p".repeat(3000));
        assert!(parse_platform_url(&long_path).unwrap_err().to_string().ends_with("it is longer than 2048 characters"));
        assert!(parse_platform_url(&format!("https://{}.example.com", "c".repeat(63))).is_ok());
    }

    #[test]
    fn other_schemes_are_usage_errors() {
        let err = parse_platform_url("ftp://example.com").unwrap_err();
        assert_eq!(err.downcast_ref::<CliError>().unwrap().exit, ExitCode::Usage);
        for bare in ["keystroke.example.com", "not a url"] {
            let err = parse_platform_url(bare).unwrap_err().to_string();
            assert_eq!(err, format!("`{bare}` is not a platform URL: expected an http:// or https:// URL"));
        }
        let err = parse_platform_url("http://127.0.0.1:99999").unwrap_err().to_string();
        assert_eq!(err, "`http://127.0.0.1:99999` is not a platform URL: invalid port number");
        let err = parse_platform_url("http://user:hunter2@127.0.0.1:8080").unwrap_err().to_string();
        assert!(err.contains("user name or password") && !err.contains("hunter2"), "{err}");
        for pasted in ["http://127.0.0.1:8080/key_test_abc", "http://key_live_abc", "http://h/ kss_abc"] {
            let err = parse_platform_url(pasted).unwrap_err().to_string();
            assert_eq!(err, "the platform URL holds an API key or session token; leave it out");
        }
        let err = parse_platform_url("http://ada:pa/hunter2@host:8080").unwrap_err().to_string();
        assert!(err.starts_with("the URL is not a platform URL") && !err.contains("hunter2"), "{err}");
    }
}
