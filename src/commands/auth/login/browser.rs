//! The browser sign-in (OAuth device flow): the code shown, the browser opened, the platform
//! polled until someone approves, denies, or the code expires.

use std::time::{Duration, Instant};

use crate::client::{ApiClient, DevicePoll};
use crate::context::{Context, PlatformUrl};
use crate::env;
use crate::error::{CliError, ExitCode, exits_with};
use crate::secret::Secret;
use crate::signals;
use crate::spinner::{Spinner, Waited};

use super::Interrupted;

/// How far polling backs off while the platform does not answer: an approval made meanwhile is
/// still picked up within this.
const MAX_POLL_INTERVAL_WHILE_UNANSWERED: Duration = Duration::from_secs(15);

/// The last poll comes this long before the code expires, at the latest.
const LAST_POLL_MARGIN: Duration = Duration::from_secs(1);

/// What a platform says of its code's lifetime and the polls' pace is taken within these: no
/// person approves an hour later, and a minute between polls is already a long wait after the
/// approval (a server's `"expires_in": 18446744073709551615` would overflow the clock's sums).
const LONGEST_SIGN_IN_WAIT: Duration = Duration::from_secs(3_600);
const LONGEST_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// The interval a platform asks for, in seconds, within 1 s and [`LONGEST_POLL_INTERVAL`].
fn poll_interval(seconds: u64) -> Duration {
    Duration::from_secs(seconds).clamp(Duration::from_secs(1), LONGEST_POLL_INTERVAL)
}

/// RFC 8628: show the code, let the user approve in a browser, poll until they did. The token,
/// with the guard that has caught Ctrl-C and SIGTERM since the wait began, for the caller to
/// keep until the token is stored.
pub(super) async fn sign_in_with_browser(
    context: &Context,
    platform: &PlatformUrl,
    no_browser: bool,
) -> anyhow::Result<(Secret<String>, signals::Caught)> {
    let printer = &context.printer;
    let client = context.client(platform, None)?;
    let authorization = client.start_device_authorization().await?;
    let device_code = Secret::new(authorization.device_code);

    // The code and URL come first, so a failing browser never hides them.
    printer.message_emphasis("First copy your one-time code: ", &authorization.user_code);
    printer.message(&format!("Then open {} in your browser and approve the sign-in.", authorization.verification_uri));
    // Without a person at a terminal (scripts, tests) a browser window would only get in the way.
    if !no_browser && printer.can_prompt() {
        // The page without the code: the opener's command line, which every user of this
        // machine can read in the process list, would hand it to whoever approves first.
        match sign_in_page_of(&authorization.verification_uri, platform) {
            Some(page) => open_browser(page.as_str()),
            None => printer.warn(&format!(
                "the platform's sign-in page is not an http(s) page on the host of {}, so no browser was opened: \
                 check the URL above before you open it by hand",
                platform.key
            )),
        }
    }

    // The platform's word on how long its code lasts is what messages say; the wait ends at
    // the first of that and LONGEST_SIGN_IN_WAIT.
    let expires_in = Duration::from_secs(authorization.expires_in);
    let deadline = Instant::now() + expires_in.min(LONGEST_SIGN_IN_WAIT);
    let mut interval = poll_interval(authorization.interval);
    // Caught before the "Waiting" line: from then on Ctrl-C (or SIGTERM) ends the wait in words,
    // then the process by that signal, instead of killing it mid-line. A poll under way finishes
    // first, so a session the platform has just issued is not left for nobody.
    let interrupted = signals::Caught::new();
    let spinner = Spinner::new(printer, "Waiting for approval in the browser");
    // The interval from before the platform stopped answering, and the failure it gave.
    let mut unanswered: Option<(Duration, anyhow::Error)> = None;
    // A poll reached the platform but its answer was lost: if it carried the session, the next
    // poll hears "already used", and the platform ends that session (RFC 6749 §4.1.2).
    let mut answer_lost = false;
    loop {
        // The last poll is made before the code expires, not skipped by a long wait.
        let left = deadline.saturating_duration_since(Instant::now());
        if left <= LAST_POLL_MARGIN {
            return Err(unanswered.map_or_else(|| ended_unapproved(expires_in).into(), |(_, error)| error));
        }
        if spinner.wait(interval.min(left - LAST_POLL_MARGIN), &interrupted).await == Waited::Interrupted {
            return Err(CliError::declined(format!(
                "Sign-in cancelled. Nothing was stored; the code stops working within {}.",
                in_minutes(expires_in)
            ))
            .into());
        }
        let poll = client.poll_device_token(&device_code).await;
        if poll.is_ok()
            && let Some((before, _)) = unanswered.take()
        {
            interval = before;
        }
        match poll {
            // A platform restarting, or a network that drops out for a while, is waited out
            // until the code expires (asking less often meanwhile, as RFC 8628 §3.5 asks): the
            // person approving in the browser may not even notice. TLS failures are not, which
            // waiting does not mend.
            Err(err) if err.downcast_ref::<CliError>().is_some_and(waited_out) => {
                answer_lost |= err.downcast_ref::<CliError>().is_some_and(|err| err.request_may_have_arrived);
                let before = match unanswered.take() {
                    Some((before, _)) => before,
                    None => {
                        spinner.warn(&format!("{err:#}; still waiting for the approval, until the code expires"));
                        interval
                    }
                };
                interval = (interval * 2).min(MAX_POLL_INTERVAL_WHILE_UNANSWERED).max(interval);
                unanswered = Some((before, err));
            }
            Ok(DevicePoll::Pending) => {}
            Ok(DevicePoll::SlowDown(new_interval)) => {
                // RFC 8628 §3.5: the interval grows by five seconds, or to the one given if that
                // is longer; never shorter (`"interval": 0` would have the polls race).
                let slower = (interval + Duration::from_secs(5)).min(LONGEST_POLL_INTERVAL);
                interval = new_interval.map_or(slower, |given| poll_interval(given).max(slower));
            }
            Ok(DevicePoll::Approved(token)) => return Ok((token, interrupted)),
            Err(err) if answer_lost && err.downcast_ref::<CliError>().is_some_and(is_invalid_grant) => {
                return Err(CliError::new(
                    ExitCode::Unreachable,
                    "the platform's answer to a poll was lost on its way, and the code is used up: that answer \
                     carried the session, which the platform ended when the code came again, so nothing is left valid",
                )
                .with_hint("run `keystroke auth login` again")
                .into());
            }
            Ok(DevicePoll::Expired) => return Err(expired(expires_in).into()),
            Ok(DevicePoll::Denied) => {
                return Err(CliError::failure(
                    "the sign-in was denied: in the browser, or by an administrator who signed the account out \
                     meanwhile",
                )
                .with_hint("run `keystroke auth login` again if that was a mistake")
                .into());
            }
            Err(err) => return Err(err),
        }
    }
}

/// A poll failure that waiting may mend: the platform not reached at all, or its answer lost on
/// the way back (a cut connection, a proxy's 502 or 504), but not a TLS failure.
fn waited_out(err: &CliError) -> bool {
    err.exit == ExitCode::Unreachable && (err.no_connection_made || err.request_may_have_arrived)
}

/// The platform's "unknown or already used device code" (RFC 6749's `invalid_grant`).
fn is_invalid_grant(err: &CliError) -> bool {
    err.api_code.as_deref() == Some("invalid_grant")
}

/// Revokes the session the browser approved for a sign-in that could not be stored (`err` says
/// why: the platform did not say whose it is, Ctrl-C came first, the keyring failed), rather
/// than leave it valid for 30 days with its token nowhere; `err` then says that too.
pub(super) async fn revoke_unstored_session(client: &ApiClient, err: anyhow::Error) -> anyhow::Error {
    const FIND_IT: &str = "`keystroke session list` shows it once you are signed in (this machine's, made just \
                           now), and `keystroke session revoke ID` ends it";
    let refused = |err: &anyhow::Error| exits_with(err, ExitCode::NotSignedIn);
    if refused(&err) {
        // The platform refused the token: there is no session to revoke.
        return err;
    }
    // Briefly: the platform may be what failed, and someone may be waiting to get out.
    let (outcome, left) = match tokio::time::timeout(Duration::from_secs(5), client.logout()).await {
        Ok(Ok(())) => ("the session the browser approved was revoked", false),
        Ok(Err(err)) if refused(&err) => ("the session the browser approved has ended already", false),
        _ => ("the session the browser approved could not be revoked, and may stay valid with its token nowhere", true),
    };
    if err.is::<Interrupted>() {
        // The user's own choice, said as a plain sentence (a declined answer shows no hint).
        let find_it = if left { format!(" {FIND_IT}.") } else { String::new() };
        return CliError::declined(format!("Sign-in interrupted: {outcome}. Nothing was stored.{find_it}")).into();
    }
    let message = format!("{err:#}; {outcome}");
    let mut failure = err.downcast::<CliError>().unwrap_or_else(|_| CliError::failure(""));
    failure.message = message;
    if left {
        failure.hint = Some(failure.hint.map_or_else(|| FIND_IT.to_owned(), |hint| format!("{hint}; {FIND_IT}")));
    }
    failure.into()
}

/// The wait ended without an approval: the code expired, or, for a code said to last longer
/// than [`LONGEST_SIGN_IN_WAIT`], the CLI stopped waiting.
fn ended_unapproved(expires_in: Duration) -> CliError {
    if expires_in <= LONGEST_SIGN_IN_WAIT {
        return expired(expires_in);
    }
    CliError::failure(format!(
        "no approval came within {}: the sign-in stopped waiting",
        in_minutes(LONGEST_SIGN_IN_WAIT)
    ))
    .with_hint("run `keystroke auth login` again when you can approve it")
}

fn expired(expires_in: Duration) -> CliError {
    CliError::failure("the sign-in code expired before it was approved")
        .with_hint(format!("run `keystroke auth login` again and approve within {}", in_minutes(expires_in)))
}

/// A code's lifetime as people say it: "10 minutes", "1 minute", rounded up.
fn in_minutes(lifetime: Duration) -> String {
    match lifetime.as_secs().div_ceil(60) {
        1 => "1 minute".to_owned(),
        minutes => format!("{minutes} minutes"),
    }
}

/// The platform's sign-in page to open, if `link` is one: an `http(s)` URL on the platform's host
/// (or, for a platform on this machine, on this machine). The system's opener starts whatever a
/// URL names, a `file:` path or another program's handler included, and a hostile platform, or
/// one reached over plain HTTP through a hostile network, must not pick what this machine runs.
fn sign_in_page_of(link: &str, platform: &PlatformUrl) -> Option<reqwest::Url> {
    let page = reqwest::Url::parse(link).ok()?;
    let (Some(host), Some(platform_host)) = (page.host_str(), platform.url.host_str()) else {
        return None;
    };
    // `host.` is `host` (a fully qualified name).
    let same_host = host.trim_end_matches('.').eq_ignore_ascii_case(platform_host.trim_end_matches('.'))
        || (keystroke_api::is_this_machine(host) && keystroke_api::is_this_machine(platform_host));
    (matches!(page.scheme(), "http" | "https") && same_host).then_some(page)
}

/// Best effort: the URL is already on screen, so a missing opener is not an error.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut command = std::process::Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler");
        command
    } else {
        std::process::Command::new("xdg-open")
    };
    // The browser, and whatever it starts, need no session token of this command's environment.
    let _ = command
        .arg(url)
        .env_remove(env::TOKEN)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_web_page_of_the_platforms_host_is_opened() {
        let platform = |url: &str| PlatformUrl {
            url: url.parse().unwrap(),
            key: url.to_owned(),
            source: crate::context::PlatformSource::Saved,
        };
        let remote = platform("https://keystroke.example.com/");
        let opened = |link: &str, on: &PlatformUrl| sign_in_page_of(link, on).map(String::from);
        let page = "https://keystroke.example.com/device?user_code=BCDF-GHJK";
        assert_eq!(opened(page, &remote).as_deref(), Some(page));
        assert_eq!(
            opened("https://KEYSTROKE.example.com/device", &remote).as_deref(),
            Some("https://keystroke.example.com/device")
        );
        for refused in [
            "file:///etc/passwd",
            "ms-msdt:/id PCWDiagnostic",
            "smb://keystroke.example.com/share",
            "https://elsewhere.example/device",
            "//keystroke.example.com/device",
            "not a url",
        ] {
            assert_eq!(opened(refused, &remote), None, "{refused}");
        }
        // A platform on this machine, however its links spell it.
        let local = platform("http://localhost:8080/");
        assert!(opened("http://127.0.0.1:8080/device", &local).is_some());
        assert_eq!(opened("http://127.0.0.1:8080/device", &remote), None);
    }
}
