//! `keystroke session list | revoke`: the user's sign-ins on every machine.

use keystroke_api::Role;
use keystroke_platform::admin::issue_session;

use std::io::Write;

use crate::support::{TestEnv, cells, http_response, meddling_proxy, signalled_once_arrived, stub_server};

const DAY_SECS: i64 = 86_400;

/// Another machine's sign-in (the "lost laptop"): a CLI session of the same user, minted on the
/// platform. Returns its token and its id.
fn other_machine(env: &TestEnv, role: Role) -> (String, String) {
    let token = issue_session(env.server().storage(), &env.user(role).email, 30 * DAY_SECS).unwrap();
    let sessions = env.run(&["session", "list", "--json"]).success().json();
    // Newest first: sessions signed in within the same second come in the order they were made.
    let newest = &sessions.as_array().unwrap()[0];
    assert_eq!(newest["current"], false, "{sessions}");
    (token, newest["id"].as_str().unwrap().to_owned())
}

#[test]
fn list_shows_every_sign_in_and_marks_this_one() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (_, laptop) = other_machine(&env, Role::Admin);

    let sessions = env.run(&["session", "list", "--json"]).success().json();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{sessions:?}");
    assert_ne!(current[0]["id"], laptop.as_str());
    for session in sessions {
        assert_eq!(session["client"], "keystroke-cli");
        assert!(session["id"].as_str().unwrap().starts_with("ses_"));
        assert!(session["expires_at"].as_str().unwrap().ends_with('Z'), "RFC 3339 UTC");
        assert_eq!(session["device"], serde_json::Value::Null, "made without the browser sign-in: {session}");
        assert!(!session.to_string().contains("kss_"), "never a token: {session}");
    }
    // This machine's session was just used; the other machine's never was.
    assert!(current[0]["last_used_at"].as_str().unwrap().ends_with('Z'), "{sessions:?}");
    let other = sessions.iter().find(|s| s["id"] == laptop.as_str()).unwrap();
    assert_eq!(other["last_used_at"], serde_json::Value::Null);

    let table = env.run(&["session", "list"]).success();
    let rows = cells(&table.stdout);
    assert_eq!(rows[0], ["ID", "Client", "Device", "Signed in", "Last used", "Expires", "Current"]);
    let laptop_row = rows.iter().find(|row| row[0] == laptop).unwrap();
    assert_eq!((laptop_row[2].as_str(), laptop_row[4].as_str()), ("-", "never"), "{}", table.stdout);
    let marked: Vec<_> = rows[1..].iter().filter(|row| row.last().is_some_and(|c| c == "*")).collect();
    assert_eq!(marked.len(), 1, "{}", table.stdout);
    assert!(rows[1..].iter().any(|row| row[0] == laptop), "{}", table.stdout);
}

#[test]
fn revoking_another_machines_session_signs_it_out_at_once() {
    let env = TestEnv::new();
    let user = env.sign_in(Role::Builder);
    let (laptop_token, laptop) = other_machine(&env, Role::Builder);
    assert_eq!(env.curl_status("/api/me", &laptop_token), 200);

    // Off a terminal, only with --yes, refused before any request.
    let refused = env.run(&["session", "revoke", &laptop]).code(2);
    assert_eq!(
        refused.stderr,
        format!(
            "error: refusing to revoke session {laptop} without confirmation\n\
             hint: pass `--yes` to revoke it without a prompt\n"
        )
    );
    assert_eq!(env.curl_status("/api/me", &laptop_token), 200);

    let revoked = env.run(&["session", "revoke", &laptop, "--yes", "--json"]).success();
    let revoked = revoked.json();
    assert_eq!(revoked["id"], laptop.as_str());
    assert_eq!(revoked["current"], false);
    assert!(revoked["revoked_at"].as_str().is_some_and(|at| at.ends_with('Z')), "says when, like a key's revoke");
    assert_eq!(env.curl_status("/api/me", &laptop_token), 401, "signed out at once");
    assert_eq!(env.curl_status("/api/me", &user.session_token), 200, "this machine stays signed in");

    let again = env.run(&["session", "revoke", &laptop, "--yes"]).code(5);
    assert_eq!(
        again.stderr,
        format!(
            "error: no active session `{laptop}` of yours\n\
             hint: `keystroke session list` shows your active sessions\n"
        )
    );
    let listed = env.run(&["session", "list", "--json"]).success().json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
}

#[test]
fn this_machines_session_is_for_logout_and_a_token_is_not_an_id() {
    let env = TestEnv::new();
    let user = env.sign_in(Role::Admin);
    let sessions = env.run(&["session", "list", "--json"]).success().json();
    let current = sessions[0]["id"].as_str().unwrap().to_owned();

    let own = env.run(&["session", "revoke", &current, "--yes"]).code(2);
    assert_eq!(
        own.stderr,
        format!(
            "error: {current} is the session this command runs with\n\
             hint: run `keystroke auth logout --revoke` to end it and forget its token on this machine\n"
        )
    );
    assert_eq!(env.curl_status("/api/me", &user.session_token), 200);

    // With `KEYSTROKE_TOKEN` set (to the stored token itself, or to another sign-in's), the stored
    // sign-in's session is still `auth logout`'s; the variable's own session is not.
    let (laptop_token, laptop) = other_machine(&env, Role::Admin);
    for token in [&user.session_token, &laptop_token] {
        let own = env.run_with_env(&["session", "revoke", &current, "--yes"], &[("KEYSTROKE_TOKEN", token)]);
        assert_eq!(
            own.code(2).stderr,
            format!(
                "error: {current} is the session of this machine's stored sign-in\n\
                 hint: run `keystroke auth logout --revoke` with `KEYSTROKE_TOKEN` unset to end it and forget its \
                 token on this machine\n"
            )
        );
    }
    assert_eq!(env.curl_status("/api/me", &user.session_token), 200);
    let variables =
        env.run_with_env(&["session", "revoke", &laptop, "--yes"], &[("KEYSTROKE_TOKEN", &laptop_token)]).success();
    assert!(variables.stderr.contains("holds the token of the session just revoked"), "{variables:#?}");
    assert_eq!(env.curl_status("/api/me", &laptop_token), 401);

    let pasted = env.run(&["session", "revoke", &user.session_token, "--yes"]).code(2);
    assert!(pasted.stderr.starts_with("error: that is a session token, not a session id"), "{pasted:#?}");
    assert!(!pasted.stderr.contains(&user.session_token[4..]), "never repeated: {pasted:#?}");

    // Someone else's session id is "not found", like one that never existed.
    let (_, admins_laptop) = other_machine(&env, Role::Admin);
    let builder = env.user(Role::Builder);
    let as_builder = env
        .run_with_env(&["session", "revoke", &admins_laptop, "--yes"], &[("KEYSTROKE_TOKEN", &builder.session_token)]);
    assert!(as_builder.code(5).stderr.starts_with(&format!("error: no active session `{admins_laptop}` of yours")));
    // An id as long as ids may be is quoted cut short, as everywhere.
    let long = format!("ses_{}", "a".repeat(60));
    let not_found = env.run(&["session", "revoke", &long, "--yes"]).code(5);
    assert!(not_found.stderr.starts_with(&format!("error: no active session `ses_{}…` of yours", "a".repeat(36))));

    // A sign-in made before sign-ins recorded their session id is recognised too (asked of the
    // platform with the stored token); one whose token is gone from its store is not kept.
    let config_file = env.config_dir_path().join("config.json");
    let recorded = std::fs::read_to_string(&config_file).unwrap();
    let mut config: serde_json::Value = serde_json::from_str(&recorded).unwrap();
    let settings = config["platforms"][env.url()].as_object_mut().unwrap();
    assert_eq!(settings.remove("session_id"), Some(current.clone().into()));
    std::fs::write(&config_file, config.to_string()).unwrap();
    let another = env.new_session(&user.email);
    let older = [("KEYSTROKE_TOKEN", another.as_str())];
    let own = env.run_with_env(&["session", "revoke", &current, "--yes"], &older).code(2);
    assert!(own.stderr.starts_with(&format!("error: {current} is the session of this machine's stored sign-in\n")));
    std::fs::write(&config_file, recorded.replace("\"keyutils\"", "\"file\"")).unwrap(); // no token there
    let gone = env.run_with_env(&["session", "revoke", &current, "--yes", "--json"], &older).success();
    assert_eq!(gone.json()["id"], current.as_str());
    assert_eq!(env.curl_status("/api/me", &user.session_token), 401);
}

#[test]
fn revoke_asks_on_a_terminal() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (laptop_token, laptop) = other_machine(&env, Role::Admin);
    let question = format!("Session {laptop} (keystroke-cli, signed in ");

    let mut declined = env.on_terminal(&["session", "revoke", &laptop]);
    declined.expect(&question);
    declined.expect("whoever uses it is signed out at once.\nRevoke it? [y/N]");
    declined.send("n");
    let (code, output) = declined.finish();
    assert_eq!(code, 1, "{output}");
    assert!(output.ends_with("Nothing revoked.\n"), "{output:?}");
    assert_eq!(env.curl_status("/api/me", &laptop_token), 200, "still signed in");

    let mut accepted = env.on_terminal(&["session", "revoke", &laptop]);
    accepted.expect(&question);
    accepted.send("y");
    let (code, output) = accepted.finish();
    assert_eq!(code, 0, "{output}");
    assert!(output.ends_with(&format!("Revoked session {laptop} (keystroke-cli)\n")), "{output:?}");
    assert_eq!(env.curl_status("/api/me", &laptop_token), 401);
}

/// A revoke whose answer does not come may have revoked the session all the same: the error says
/// so and how to find out, since a retry would then say "not found". (An answer that came but broke
/// off said 200 first: revoked.)
#[test]
fn a_revoke_left_unanswered_says_the_session_may_be_revoked_and_how_to_find_out() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    let token = env.new_session(&admin.email);
    let (laptop_token, laptop) = other_machine(&env, Role::Admin);
    let deleting = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = deleting.clone();
    let late = meddling_proxy(env.url(), move |mut client, request, answer| {
        if request.line.starts_with("DELETE ") {
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_secs(3));
        }
        let _ = client.write_all(&answer);
    });
    let args = ["--platform-url", &late, "session", "revoke", &laptop, "--yes"];
    let vars = [("KEYSTROKE_TOKEN", token.as_str()), ("KEYSTROKE_HTTP_TIMEOUT", "1")];
    let revoke = env.run_with_env(&args, &vars).code(6);
    assert_eq!(
        revoke.stderr,
        format!(
            "error: the platform at {late} is unreachable: it did not answer within 1 s (`KEYSTROKE_HTTP_TIMEOUT`); \
             the session may have been revoked all the same\n\
             hint: `keystroke session list` shows whether {laptop} is still active; a session revoked is not listed, \
             and revoking it again says it is not found\n"
        )
    );
    // The proxy has the platform's answer when it sees the request: it was revoked by then.
    crate::support::wait_until("the revoke reaching the platform", || {
        deleting.load(std::sync::atomic::Ordering::SeqCst)
    });
    assert_eq!(env.curl_status("/api/me", &laptop_token), 401, "it was");

    // SIGTERM (a cancelled CI job) while it waits: said in words, then ended by the signal.
    let (_, desktop) = other_machine(&env, Role::Admin);
    deleting.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut revoke = env.command(&["--platform-url", &late, "session", "revoke", &desktop, "--yes"]);
    let output = signalled_once_arrived(revoke.env("KEYSTROKE_TOKEN", &token), &deleting, libc::SIGTERM, "revoke");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(output.status.signal(), Some(libc::SIGTERM));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: interrupted before the platform answered; the session may have been revoked all the same\n\
             hint: `keystroke session list` shows whether {desktop} is still active; a session revoked is not listed, \
             and revoking it again says it is not found\n"
        )
    );
}

/// A platform from before sessions' revoke answered with the session says `204 No Content`: the
/// CLI prints the session as it was listed, without `revoked_at`, and succeeds.
#[test]
fn revoking_on_an_older_platform_prints_the_session_as_listed() {
    let listed = r#"[{"id":"ses_laptop","client":"keystroke-cli","device":"old-laptop",
        "created_at":"2026-11-20T10:00:00Z","last_used_at":null,"expires_at":"2026-12-20T10:00:00Z","current":false}]"#;
    let url = stub_server(move |request| match request {
        r if r.starts_with("GET /api/sessions ") => http_response("200 OK", "application/json", listed),
        r if r.starts_with("DELETE /api/sessions/ses_laptop ") => {
            "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n".to_owned()
        }
        _ => http_response("500 Internal Server Error", "text/plain", "unexpected"),
    });
    let env = TestEnv::new();
    let run = env.run_with_env(
        &["session", "revoke", "ses_laptop", "--yes", "--json", "--platform-url", &url],
        &[("KEYSTROKE_TOKEN", "kss_x")],
    );
    let session = run.success().json();
    assert_eq!((&session["id"], &session["device"]), (&"ses_laptop".into(), &"old-laptop".into()));
    assert!(session.get("revoked_at").is_none(), "{session}");
}
