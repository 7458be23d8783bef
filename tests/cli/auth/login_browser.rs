//! `auth login` in the browser (the device flow): approval, denial, expiry, signals, lost answers.

use super::{
    approved_browser_sign_in, finish_device_login, keystroke_processes_of, start_device_login,
    start_device_login_through,
};
use crate::support::{TestEnv, http_response, stub_server};
use keystroke_api::Role;
use std::io::{BufRead, Read};
use std::process::Stdio;

/// Ctrl-C or SIGTERM while waiting for the browser ends the wait in words (nothing stored) rather
/// than killing the process mid-line; then it ends by the signal, so that a shell running it in
/// a loop or a script stops too (a child that exits, it takes for one that handled the signal).
#[test]
fn ctrl_c_while_waiting_for_approval_cancels_the_sign_in() {
    use std::os::unix::process::ExitStatusExt;
    let env = TestEnv::with_fast_device_flow();
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let (child, mut stderr, _code) = start_device_login(&env);
        let mut waiting = String::new();
        stderr.read_line(&mut waiting).unwrap();
        // Caught from before that line on: no pause needed.
        assert_eq!(waiting, "Waiting for approval in the browser...\n");
        // SAFETY: a signal to the child this test started and has not yet waited for.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
        let (status, rest) = finish_device_login(child, stderr);
        assert_eq!(rest, "Sign-in cancelled. Nothing was stored; the code stops working within 10 minutes.\n");
        assert_eq!(status.signal(), Some(signal), "said so, then ended by the signal: {status:?}");
        env.run(&["auth", "status"]).code(3);
    }
}

/// Ctrl-C (pressed, or SIGINT sent from elsewhere), SIGTERM (`timeout`) or SIGHUP (a closed
/// window) at the sign-in's question of which org to make active ends it in words, as Ctrl-C at
/// the wait does: the session the browser approved is revoked, not left valid with its token
/// nowhere, and nothing is stored.
#[test]
fn an_ending_signal_at_the_org_question_revokes_the_approved_session() {
    let env = TestEnv::with_fast_device_flow();
    let ada = env.user(Role::Owner);
    let before = live_cli_sessions(&env, ada);
    for (signal, pressed) in
        [(libc::SIGINT, true), (libc::SIGINT, false), (libc::SIGTERM, false), (libc::SIGHUP, false)]
    {
        let args = ["auth", "login", "--no-browser", "--platform-url", env.url(), "--color", "never"];
        let mut terminal = env.on_terminal(&args);
        terminal.expect(" in your browser and approve the sign-in.");
        let shown = terminal.output();
        let code = shown.split("one-time code: ").nth(1).and_then(|rest| rest.lines().next()).unwrap().trim();
        env.server().approve_device(code, &ada.email, &ada.password).unwrap();
        terminal.expect("Which org should commands act on?");
        assert_eq!(live_cli_sessions(&env, ada), before + 1, "approved and collected, not yet stored");
        match pressed {
            // The question reads Ctrl-C as a key.
            true => terminal.send("\x03"),
            false => terminal.signal_while_waiting(signal),
        }
        let (code, output) = terminal.finish();
        assert!(
            output
                .ends_with("Sign-in interrupted: the session the browser approved was revoked. Nothing was stored.\n"),
            "{signal}: {output:?}"
        );
        assert_eq!(code, 128 + signal, "said so, then ended by the signal: {output:?}");
        assert_eq!(live_cli_sessions(&env, ada), before, "{signal}: the approved session was revoked");
        env.run(&["auth", "status"]).code(3);
    }
}

/// Ctrl-C that comes while the answer carrying the approved session is on its way (a poll under
/// way finishes first) is honoured once it arrives, before the org question rather than after
/// it: the session is revoked, nothing is stored, and the command ends by the signal.
#[test]
fn ctrl_c_during_the_approving_poll_revokes_the_approved_session() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    let env = TestEnv::with_fast_device_flow();
    let ada = env.user(Role::Owner);
    let before = live_cli_sessions(&env, ada);
    let (held, released) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let (hold, release) = (held.clone(), released.clone());
    let proxy = crate::support::meddling_proxy(env.url(), move |mut client, _, answer| {
        if String::from_utf8_lossy(&answer).contains("\"access_token\"") {
            hold.store(true, SeqCst);
            while !release.load(SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        let _ = std::io::Write::write_all(&mut client, &answer);
    });
    let args = ["auth", "login", "--no-browser", "--platform-url", &proxy, "--color", "never"];
    let terminal = env.on_terminal(&args);
    terminal.expect(" in your browser and approve the sign-in.");
    let shown = terminal.output();
    let code = shown.split("one-time code: ").nth(1).and_then(|rest| rest.lines().next()).unwrap().trim();
    env.server().approve_device(code, &ada.email, &ada.password).unwrap();
    crate::support::wait_until("the approving answer is held", || held.load(SeqCst));
    let waiting = keystroke_processes_of(&proxy);
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    // SAFETY: a signal to the process this test started, which is waiting for the poll's answer.
    assert_eq!(unsafe { libc::kill(waiting[0], libc::SIGINT) }, 0);
    std::thread::sleep(std::time::Duration::from_millis(200));
    released.store(true, SeqCst);
    let (code, output) = terminal.finish();
    assert!(!output.contains("Which org"), "{output:?}");
    assert!(
        output.ends_with("Sign-in interrupted: the session the browser approved was revoked. Nothing was stored.\n"),
        "{output:?}"
    );
    assert_eq!(code, 128 + libc::SIGINT, "said so, then ended by the signal: {output:?}");
    assert_eq!(live_cli_sessions(&env, ada), before, "the approved session was revoked");
    env.run(&["auth", "status"]).code(3);
}

/// A sign-in sent to the background (Ctrl-Z, `bg`) waits on without drawing its spinner over
/// what is typed at the shell's prompt meanwhile.
#[test]
fn a_sign_in_in_the_background_does_not_draw_its_spinner() {
    let env = TestEnv::with_fast_device_flow();
    let args = ["auth", "login", "--no-browser", "--platform-url", env.url()];
    let Some(mut terminal) = env.on_terminal_in_a_shell(&args) else { return };
    terminal.expect("Waiting for approval in the browser");
    terminal.send("\x1a");
    terminal.expect("Stopped");
    terminal.send("bg\n");
    terminal.expect(" &\n");
    let drawn = || terminal.output().matches("Waiting for approval").count();
    let before = drawn();
    // Five of the spinner's ticks.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(drawn(), before, "drawn in the background: {:?}", terminal.output());
    terminal.send("kill %1\n");
    terminal.expect("Sign-in cancelled. Nothing was stored");
    terminal.send("exit\n");
    terminal.finish();
}

/// The CLI sessions of `user` the platform holds valid, as `session list` shows them (the web
/// page's sign-in, to approve, is a session of its own).
fn live_cli_sessions(env: &TestEnv, user: &keystroke_platform::dev::DevUser) -> usize {
    let vars = [("KEYSTROKE_TOKEN", user.session_token.as_str()), ("KEYSTROKE_PLATFORM_URL", env.url())];
    let list = env.run_with_env(&["session", "list", "--json"], &vars).success().json();
    list.as_array().unwrap().iter().filter(|session| session["client"] == "keystroke-cli").count()
}

/// A browser sign-in that cannot finish once the browser approved it, because the answer to
/// "whose token is this?" is cut off, Ctrl-C (SIGTERM) comes while it is awaited, or the config
/// directory cannot hold the sign-in, revokes the session it was given, whose token nobody else
/// holds, and says so: it stayed valid for 30 days. Where the revocation fails too, it says how
/// to find the session and end it.
#[test]
fn a_browser_sign_in_that_cannot_finish_revokes_the_approved_session() {
    use std::io::Write;
    use std::os::unix::process::ExitStatusExt;
    use std::sync::mpsc;
    let env = TestEnv::with_fast_device_flow();
    let ada = env.user(Role::Owner);
    let before = live_cli_sessions(&env, ada);
    let (status, rest) = device_login_losing_answers(&env, ada, |request, _| request.line.starts_with("GET /api/me "));
    assert_eq!(status.code(), Some(6), "{rest}");
    assert!(rest.contains("; the session the browser approved was revoked\n"), "{rest}");
    assert_eq!(live_cli_sessions(&env, ada), before, "{rest}");
    env.run(&["auth", "status"]).code(3);

    let (asked, asking) = mpsc::channel();
    let asked = std::sync::Mutex::new(asked);
    let held_back = crate::support::meddling_proxy(env.url(), move |mut client, request, answer| {
        if request.line.starts_with("GET /api/me ") {
            asked.lock().unwrap().send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_secs(10));
        }
        let _ = client.write_all(&answer);
    });
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let (child, stderr, code) = start_device_login_through(&env, &held_back);
        env.server().approve_device(&code, &ada.email, &ada.password).unwrap();
        asking.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
        // SAFETY: a signal to the child this test started and has not yet waited for.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
        let (status, rest) = finish_device_login(child, stderr);
        assert!(
            rest.ends_with("Sign-in interrupted: the session the browser approved was revoked. Nothing was stored.\n"),
            "{rest}"
        );
        assert_eq!(status.signal(), Some(signal), "said so, then ended by the signal: {status:?}");
        assert_eq!(live_cli_sessions(&env, ada), before);
    }
    env.run(&["auth", "status"]).code(3);
    // A token from stdin is the user's own: the interruption is said, the session left alone.
    let token = env.new_session(&ada.email);
    let mut child = env
        .command(&["auth", "login", "--with-token", "--platform-url", &held_back])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(token.as_bytes()).unwrap();
    asking.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
    // SAFETY: a signal to the child this test started and has not yet waited for.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let output = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr), "Sign-in interrupted. Nothing was stored.\n");
    assert_eq!(output.status.signal(), Some(libc::SIGINT));
    let vars = [("KEYSTROKE_TOKEN", token.as_str()), ("KEYSTROKE_PLATFORM_URL", env.url())];
    env.run_with_env(&["auth", "status"], &vars).success();
    env.run(&["auth", "status"]).code(3);
    let before = before + 1;

    // The config directory replaced by a file after the code was shown: nowhere to store it.
    let config_dir = env.config_dir_path().to_owned();
    let (child, stderr, code) = start_device_login(&env);
    let moved = config_dir.with_extension("moved");
    let existed = config_dir.exists();
    if existed {
        std::fs::rename(&config_dir, &moved).unwrap();
    }
    std::fs::write(&config_dir, "not a folder").unwrap();
    env.server().approve_device(&code, &ada.email, &ada.password).unwrap();
    let (status, rest) = finish_device_login(child, stderr);
    std::fs::remove_file(&config_dir).unwrap();
    if existed {
        std::fs::rename(&moved, &config_dir).unwrap();
    }
    assert_eq!(status.code(), Some(1), "{rest}");
    assert!(rest.contains("; the session the browser approved was revoked\n"), "{rest}");
    assert_eq!(live_cli_sessions(&env, ada), before, "{rest}");

    // Neither answer gets through (the platform acts on both requests all the same).
    let (status, rest) = device_login_losing_answers(&env, ada, |request, _| {
        request.line.starts_with("GET /api/me ") || request.line.starts_with("POST /api/logout ")
    });
    assert_eq!(status.code(), Some(6), "{rest}");
    assert!(
        rest.contains(
            "; the session the browser approved could not be revoked, and may stay valid with its token nowhere\n\
             hint: check that the platform is running and that `--platform-url` points at it; `keystroke session \
             list` shows it once you are signed in (this machine's, made just now), and \
             `keystroke session revoke ID` ends it\n"
        ),
        "{rest}"
    );
    assert_eq!(live_cli_sessions(&env, ada), before, "revoked after all, as \"may\" allowed");
}

/// An `xdg-open` of the test's, first on `PATH`, that writes to `seen` what it was given (its
/// argument, then its environment) instead of starting a browser.
struct FakeOpener {
    _dir: tempfile::TempDir,
    /// Written whole (renamed into place) once the opener has run.
    seen: std::path::PathBuf,
    /// `PATH` with the opener's folder first.
    path: String,
}

impl FakeOpener {
    fn new() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let seen = dir.path().join("seen");
        let opener = dir.path().join("xdg-open");
        let script = format!("#!/bin/sh\n{{ echo \"$1\"; env; }} > '{}.part'\nmv '{0}.part' '{0}'\n", seen.display());
        std::fs::write(&opener, script).unwrap();
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap());
        FakeOpener { _dir: dir, seen, path }
    }
}

/// On a terminal, `auth login` opens the approval page in the browser (`xdg-open` here), whose
/// environment keeps no session token of the command's.
#[test]
fn the_browser_gets_the_approval_page_and_no_token() {
    let env = TestEnv::with_fast_device_flow();
    let opener = FakeOpener::new();
    let token = env.user(Role::Admin).session_token.clone();
    let vars = [("PATH", opener.path.as_str()), ("KEYSTROKE_TOKEN", token.as_str())];
    let mut terminal =
        env.on_terminal_with_env(&["auth", "login", "--platform-url", env.url(), "--color", "never"], &vars);
    terminal.expect("Waiting for approval in the browser");
    crate::support::wait_until("the browser started", || opener.seen.exists());
    terminal.send("\x03");
    let (code, output) = terminal.finish();
    assert_eq!(code, 130, "ended by Ctrl-C, as the shell reports it: {output:?}");
    let seen = std::fs::read_to_string(&opener.seen).expect("the browser was started");
    let url = seen.lines().next().unwrap();
    assert_eq!(url, format!("{}/device", env.url()), "the page, without the code: {seen}");
    assert!(!seen.contains("KEYSTROKE_TOKEN") && !seen.contains(&token), "{seen}");
}

/// A sign-in link that is not a web page of the platform's host (a hostile platform's, or one
/// changed on the way over plain HTTP: here `file:`) is not handed to the system's opener, which
/// would start whatever it names; the user is told to check it.
#[test]
fn a_sign_in_link_off_the_platform_is_not_opened() {
    use std::io::Write;
    let env = TestEnv::with_fast_device_flow();
    let opener = FakeOpener::new();
    let hostile = crate::support::meddling_proxy(env.url(), |mut client, request, answer| {
        let answer = match request.line.starts_with("POST /oauth/device/code") {
            true => {
                let text = String::from_utf8(answer).unwrap();
                let body = text.split_once("\r\n\r\n").unwrap().1;
                let mut authorization: serde_json::Value = serde_json::from_str(body).unwrap();
                authorization["verification_uri"] = "file:///etc/passwd".into();
                http_response("200 OK", "application/json", &authorization.to_string()).into_bytes()
            }
            false => answer,
        };
        let _ = client.write_all(&answer);
    });
    let args = ["auth", "login", "--platform-url", &hostile, "--color", "never"];
    let mut terminal = env.on_terminal_with_env(&args, &[("PATH", &opener.path)]);
    terminal.expect("so no browser was opened: check the URL above before you open it by hand");
    terminal.expect("Waiting for approval in the browser");
    terminal.interrupt("Sign-in cancelled");
    terminal.finish();
    assert!(!opener.seen.exists(), "the opener was started with {:?}", std::fs::read_to_string(&opener.seen));
}

/// A browser sign-in as `user`, approved at once, through a proxy that loses the platform's
/// answers `lost` picks (the platform acts on those requests all the same): how it ended, and
/// what it said after the code.
fn device_login_losing_answers(
    env: &TestEnv,
    user: &keystroke_platform::dev::DevUser,
    lost: impl Fn(&crate::support::RawRequest, &[u8]) -> bool + Send + Sync + 'static,
) -> (std::process::ExitStatus, String) {
    use std::io::Write;
    let proxy = crate::support::meddling_proxy(env.url(), move |mut client, request, answer| {
        if !lost(request, &answer) {
            let _ = client.write_all(&answer);
        }
    });
    let (child, stderr, code) = start_device_login_through(env, &proxy);
    env.server().approve_device(&code, &user.email, &user.password).unwrap();
    finish_device_login(child, stderr)
}

/// A poll that finds nothing listening (a platform restarting, a network that drops out), or whose
/// answer is lost on its way back, is waited out, said when it starts: the approval made meanwhile
/// still signs in. A lost answer that carried the session used the code up: the sign-in ends, and
/// the platform ends that session.
#[test]
fn polls_left_unanswered_are_waited_out() {
    use std::io::Write;
    use std::net::TcpListener;
    let env = TestEnv::with_fast_device_flow();
    let ada = env.user(Role::Owner);
    // The sign-in's first request goes through; then nothing listens at the address.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let target = env.url().to_owned();
    let first = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let request = crate::support::read_request(&socket);
        socket.write_all(&crate::support::forward(&target, &request)).unwrap();
    });
    let (child, mut stderr, code) = start_device_login_through(&env, &format!("http://{address}"));
    first.join().unwrap();
    let mut lines = Vec::new();
    while !lines.last().is_some_and(|line: &String| line.starts_with("warning: ")) {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no warning: {lines:?}");
        lines.push(line);
    }
    assert!(lines.last().unwrap().ends_with("; still waiting for the approval, until the code expires\n"), "{lines:?}");
    // Approved meanwhile; then the address answers again.
    env.server().approve_device(&code, &ada.email, &ada.password).unwrap();
    let again = TcpListener::bind(address).unwrap();
    crate::support::meddling_proxy_on(again, env.url(), |mut client, _, answer| {
        let _ = client.write_all(&answer);
    });
    let (status, rest) = finish_device_login(child, stderr);
    assert!(status.success(), "{rest}");
    assert!(!rest.contains("warning: "), "said once: {rest}");
    assert!(rest.contains("Signed in to "), "{rest}");
    assert_eq!(env.run(&["auth", "status", "--json"]).success().json()["user"]["email"], ada.email.as_str());

    // A poll whose answer is lost on the way back is waited out too: one that said "pending" was
    // no loss.
    let (lost_once, lost) = std::sync::mpsc::channel();
    let lost_once = std::sync::Mutex::new(Some(lost_once));
    let pending_lost = crate::support::meddling_proxy(env.url(), move |mut client, request, answer| {
        if request.line.starts_with("POST /oauth/token ")
            && let Some(said) = lost_once.lock().unwrap().take()
        {
            said.send(()).unwrap();
            return;
        }
        let _ = client.write_all(&answer);
    });
    let (child, stderr, code) = start_device_login_through(&env, &pending_lost);
    lost.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
    env.server().approve_device(&code, &ada.email, &ada.password).unwrap();
    let (status, rest) = finish_device_login(child, stderr);
    assert!(status.success(), "{rest}");
    assert!(rest.contains("; still waiting for the approval, until the code expires\n"), "{rest}");

    // One that carried the session: the next poll finds the code used up, and the platform ends
    // that session (RFC 6749 §4.1.2), so none is left valid with its token nowhere.
    let before = live_cli_sessions(&env, ada);
    let (status, rest) = device_login_losing_answers(&env, ada, |request, answer| {
        request.line.starts_with("POST /oauth/token ") && String::from_utf8_lossy(answer).contains("access_token")
    });
    assert_eq!(status.code(), Some(6), "{rest}");
    assert!(
        rest.ends_with(
            "error: the platform's answer to a poll was lost on its way, and the code is used up: that answer \
             carried the session, which the platform ended when the code came again, so nothing is left valid\n\
             hint: run `keystroke auth login` again\n"
        ),
        "{rest}"
    );
    assert_eq!(live_cli_sessions(&env, ada), before, "the session the lost answer carried was ended");
}

#[test]
fn the_device_flow_signs_in_after_approval_in_the_browser() {
    let env = TestEnv::with_fast_device_flow();
    let rest = approved_browser_sign_in(&env, Role::Owner);
    let ada = env.user(Role::Owner);
    // Ada belongs to two orgs and nobody can be asked here: no active org yet.
    assert_eq!(
        rest,
        format!(
            "Waiting for approval in the browser...\n\
             Signed in to {} as Ada Lovelace <ada@acme.test>\n\
             Token stored in the kernel keyring (keyutils; the session's keyring, gone at logout or reboot)\n\
             You belong to 2 orgs: choose the active one with `keystroke org switch ORG`\n",
            env.url()
        )
    );
    let status = env.run(&["auth", "status", "--json"]).success().json();
    assert_eq!(status["user"]["email"], "ada@acme.test");
    assert_eq!(status["active_org"], serde_json::Value::Null);
    // The session is for this machine, by its host name (which the approval page showed too).
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let host = host.trim();
    // The platform keeps only what is written like a host name (RFC 1123).
    let kept = host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let sessions = env.run(&["session", "list", "--json"]).success().json();
    let this = sessions.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(
        this["device"],
        if kept { serde_json::Value::from(host) } else { serde_json::Value::Null },
        "{sessions}"
    );
    // Made for this machine: signing out ends it, without being asked to.
    let before = live_cli_sessions(&env, ada);
    let logout = env.run(&["auth", "logout"]).success();
    assert_eq!(logout.stderr, format!("Signed out of {}; its session is ended\n", env.url()));
    assert_eq!(live_cli_sessions(&env, ada), before - 1);
}

#[test]
fn a_denied_device_sign_in_says_so() {
    let env = TestEnv::with_fast_device_flow();
    let (child, stderr, code) = start_device_login(&env);
    let grace = env.user(Role::Builder);
    env.server().deny_device(&code, &grace.email, &grace.password).unwrap();
    let (status, rest) = finish_device_login(child, stderr);
    assert_eq!(status.code(), Some(1));
    assert!(
        rest.ends_with(
            "error: the sign-in was denied: in the browser, or by an administrator who signed the account out meanwhile\n\
             hint: run `keystroke auth login` again if that was a mistake\n"
        ),
        "{rest}"
    );
}

/// A code nobody approves in time ends the wait with what to do, and stores nothing.
#[test]
fn a_device_sign_in_that_expires_says_so() {
    let env = TestEnv::with_device_flow(|config| config.device_code_ttl_secs = 1);
    let (child, stderr, _code) = start_device_login(&env);
    let (status, rest) = finish_device_login(child, stderr);
    assert_eq!(status.code(), Some(1), "{rest}");
    assert_eq!(
        rest,
        "Waiting for approval in the browser...\n\
         error: the sign-in code expired before it was approved\n\
         hint: run `keystroke auth login` again and approve within 1 minute\n"
    );
    env.run(&["auth", "status"]).code(3);
}

/// A platform that says `slow_down` (RFC 8628 §3.5) is polled at the new interval it gives: 7 s
/// here, longer than the 1 + 5 s the RFC's rule alone would wait, so the two cannot be confused.
#[test]
fn a_device_sign_in_slows_down_when_asked() {
    use std::sync::{Arc, Mutex};
    let polls: Arc<Mutex<Vec<std::time::Instant>>> = Arc::default();
    let seen = polls.clone();
    let url = stub_server(move |request| {
        if request.starts_with("POST /oauth/device/code ") {
            let body = r#"{"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"http://127.0.0.1:9/device",
                "verification_uri_complete":"http://127.0.0.1:9/device?user_code=BCDF-GHJK","expires_in":600,
                "interval":1}"#;
            return http_response("200 OK", "application/json", body);
        }
        let mut polls = seen.lock().unwrap();
        polls.push(std::time::Instant::now());
        let error =
            if polls.len() == 1 { r#"{"error":"slow_down","interval":7}"# } else { r#"{"error":"access_denied"}"# };
        http_response("400 Bad Request", "application/json", error)
    });
    let env = TestEnv::new();
    let login = env.run(&["auth", "login", "--no-browser", "--platform-url", &url]).code(1);
    assert!(login.stderr.ends_with("error: the sign-in was denied: in the browser, or by an administrator who signed the account out meanwhile\nhint: run `keystroke auth login` again if that was a mistake\n"), "{login:#?}");
    let polls = polls.lock().unwrap();
    assert_eq!(polls.len(), 2, "{login:#?}");
    let gap = polls[1] - polls[0];
    assert!(gap >= std::time::Duration::from_secs(7), "polled again after {gap:?}, not the 7 s asked for");
}

/// A platform's numbers are taken within bounds: a `slow_down` to `"interval": 0` slows the polls
/// down all the same (by RFC 8628's five seconds), and lifetimes and intervals too large for the
/// clock's sums end the wait in words, not in a crash.
#[test]
fn a_platforms_absurd_sign_in_numbers_are_taken_within_bounds() {
    use std::sync::{Arc, Mutex};
    let platform = |expires_in: &'static str, answers: [&'static str; 2]| {
        let polls: Arc<Mutex<Vec<std::time::Instant>>> = Arc::default();
        let seen = polls.clone();
        let url = stub_server(move |request| {
            if request.starts_with("POST /oauth/device/code ") {
                let body = format!(
                    r#"{{"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"http://127.0.0.1:9/device",
                        "verification_uri_complete":"http://127.0.0.1:9/device?user_code=BCDF-GHJK",
                        "expires_in":{expires_in},"interval":1}}"#
                );
                return http_response("200 OK", "application/json", &body);
            }
            let mut polls = seen.lock().unwrap();
            polls.push(std::time::Instant::now());
            http_response("400 Bad Request", "application/json", answers[(polls.len() - 1).min(1)])
        });
        (url, polls)
    };
    let env = TestEnv::new();

    let (url, polls) =
        platform("18446744073709551615", [r#"{"error":"slow_down","interval":0}"#, r#"{"error":"access_denied"}"#]);
    let login = env.run(&["auth", "login", "--no-browser", "--platform-url", &url]).code(1);
    assert!(login.stderr.contains("error: the sign-in was denied"), "{login:#?}");
    let polls = polls.lock().unwrap();
    assert_eq!(polls.len(), 2, "{login:#?}");
    let gap = polls[1] - polls[0];
    assert!(gap >= std::time::Duration::from_secs(6), "polled again after {gap:?}, not 1 + 5 s");

    let huge = r#"{"error":"slow_down","interval":18446744073709551615}"#;
    let (url, _) = platform("4", [huge, huge]);
    let login = env.run(&["auth", "login", "--no-browser", "--platform-url", &url]).code(1);
    assert!(login.stderr.contains("error: the sign-in code expired before it was approved"), "{login:#?}");
}

/// One address may start thirty sign-ins in 15 minutes; the next `auth login` says the platform
/// refused and to wait, in words, not as an answer from "something that is not a platform".
#[test]
fn a_platform_that_limits_sign_ins_says_to_wait() {
    use std::io::Write;
    let env = TestEnv::new();
    let address = env.url().trim_start_matches("http://").to_owned();
    for _ in 0..30 {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        let body = "client_id=keystroke-cli";
        write!(
            stream,
            "POST /oauth/device/code HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    }
    let login = env.run(&["auth", "login", "--no-browser", "--platform-url", env.url()]).code(1);
    assert_eq!(
        login.stderr,
        "error: the platform refused the sign-in: too many sign-ins were started from your address; \
         try again in up to 15 minutes\nhint: wait, then run `keystroke auth login` again\n"
    );
    let as_json = env.run(&["auth", "login", "--no-browser", "--platform-url", env.url(), "--json"]).code(1);
    let error: serde_json::Value = serde_json::from_str(&as_json.stderr).unwrap();
    assert_eq!(error["error"]["platform_code"], "temporarily_unavailable", "{error}");
    env.run(&["auth", "status"]).code(3);
}

/// Signing in to a plain `http://` platform on another machine warns that the token will cross
/// the network in clear, and so does every command with a token in `KEYSTROKE_TOKEN` (a CI job's,
/// never signed in); loopback (`dev`, a local proxy) does not.
#[test]
fn plain_http_to_another_machine_is_warned_about_at_sign_in_and_with_keystroke_token() {
    let env = TestEnv::new();
    // A port just closed, at this machine's address on its network: "another machine" to the CLI.
    let Some(address) = crate::support::network_address() else {
        return crate::skip::skip("plain HTTP warning: this machine has no network address");
    };
    let port = std::net::TcpListener::bind((address, 0)).unwrap().local_addr().unwrap().port();
    let url = format!("http://{address}:{port}");
    let token = &env.user(Role::Admin).session_token;
    let login = env.run_with_stdin(&["auth", "login", "--with-token", "--platform-url", &url], token).code(6);
    assert!(
        login.stderr.starts_with(&format!(
            "warning: {url} is plain HTTP to {address}, another machine: the session token will cross the network \
             unencrypted, on every command; use the platform's https:// URL\n"
        )),
        "{login:#?}"
    );
    let local = env.login_with_token(token, &[]).success();
    assert!(!local.stderr.contains("warning:"), "{local:#?}");

    let from_env = [("KEYSTROKE_TOKEN", token.as_str())];
    let listed = env.run_with_env(&["--platform-url", &url, "--org", "acme", "api-key", "list"], &from_env).code(6);
    assert!(
        listed.stderr.starts_with(&format!(
            "warning: `KEYSTROKE_TOKEN` is sent to {url}, plain HTTP to {address}, another machine: the session token \
             crosses the network unencrypted; use the platform's https:// URL\n"
        )),
        "{listed:#?}"
    );
    let local = env.run_with_env(&["--platform-url", env.url(), "api-key", "list"], &from_env).success();
    assert!(!local.stderr.contains("warning:"), "{local:#?}");
}

/// `TERM=dumb` shows escape codes as text: the wait is one line there, not a spinner that
/// redraws itself.
#[test]
fn a_dumb_terminal_gets_a_line_not_a_spinner() {
    let env = TestEnv::with_fast_device_flow();
    let args = ["auth", "login", "--no-browser", "--platform-url", env.url()];
    let mut terminal = env.on_terminal_with_env(&args, &[("TERM", "dumb")]);
    terminal.expect("Waiting for approval in the browser...\n");
    terminal.interrupt("Sign-in cancelled");
    let (code, output) = terminal.finish();
    assert_eq!(code, 130, "ended by Ctrl-C, as the shell reports it: {output:?}");
    assert!(!output.contains('\x1b') && !output.contains('\r') && !output.contains('⠋'), "{output:?}");
}

/// On a terminal narrower than the spinner's line, the line is cut short of the last column: a
/// line that wraps is not redrawn in place, and each frame took a row, scrolling the code away.
#[test]
fn the_spinner_fits_a_narrow_terminal() {
    let env = TestEnv::with_fast_device_flow();
    let args = ["auth", "login", "--no-browser", "--platform-url", env.url()];
    let mut terminal = env.on_terminal_with_env(&args, &[("COLUMNS", "20")]);
    terminal.expect("\r⠙ Waiting for appr");
    terminal.interrupt("Sign-in cancelled");
    let (code, output) = terminal.finish();
    assert_eq!(code, 130, "{output:?}");
    let frames: Vec<&str> = output.split('\r').filter(|frame| frame.contains("Waiting")).collect();
    assert!(frames.len() > 1, "{output:?}");
    for frame in frames {
        let frame = frame.split('\x1b').next().unwrap().trim_end_matches("^C"); // the echoed Ctrl-C
        assert_eq!(frame.chars().count(), 19, "{frame:?} in {output:?}");
    }
}
