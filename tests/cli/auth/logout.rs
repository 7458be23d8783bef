//! `auth logout`: the session revoked on the platform, or left valid where it came from, and the
//! token forgotten here.

use super::approved_browser_sign_in;
use crate::support::TestEnv;
use keystroke_api::Role;

#[test]
fn logout_revokes_the_session_on_the_platform() {
    let env = TestEnv::new();
    let user = env.sign_in(Role::Admin);
    assert_eq!(env.curl_status("/api/me", &user.session_token), 200);
    // A session from `--with-token` is ended when asked (a browser sign-in's always is: the
    // device flow's test).
    let logout = env.run(&["auth", "logout", "--revoke"]).success();
    assert_eq!(logout.stderr, format!("Signed out of {}; its session is ended\n", env.url()));
    assert_eq!(env.curl_status("/api/me", &user.session_token), 401);
    env.run(&["auth", "status"]).code(3);
    // Again: signed out already, which is said without sending anyone to sign in.
    let again = env.run(&["auth", "logout"]).code(3);
    assert_eq!(again.stderr, format!("error: not signed in to {}: nothing to sign out of\n", env.url()));

    // With `--json`, the document alone: `2>&1 | jq` parses it, the replaced sign-in included.
    let builder = env.sign_in(Role::Builder);
    let replaced_id = env.current_session_id(&[]);
    let owner = env.user(Role::Owner);
    let login = ["auth", "login", "--with-token", "--json", "--platform-url", env.url()];
    let login = env.run_with_stdin(&login, &owner.session_token).success();
    assert_eq!(login.stderr, "");
    // The session the token came with, as `auth status` shows it, named for a later `session revoke`.
    let session = env.run(&["auth", "status", "--json"]).success().json()["session"].clone();
    assert_eq!(session["current"], true, "{session}");
    let expected_login = serde_json::json!({
        "platform_url": env.url(),
        "user": {"id": login.json()["user"]["id"], "email": "ada@acme.test", "name": "Ada Lovelace"},
        "active_org": "acme", // saved at an earlier sign-in, and Ada is in acme too
        "credential_store": "keyutils",
        "session": session,
        "session_from_token": true,
        "replaced_sessions": [{"id": replaced_id, "email": builder.email}],
    });
    assert_eq!(login.json(), expected_login);
    let logout = env.run(&["auth", "logout", "--json"]).success();
    assert_eq!(logout.stderr, "");
    let json = logout.json();
    let expected = serde_json::json!({
        "platform_url": env.url(), "session_id": session["id"], "signed_out": true, "session_revoked": false,
        "session_left_valid": true,
    });
    assert_eq!(json, expected);
    assert_eq!(env.curl_status("/api/me", &owner.session_token), 200, "left to where the token came from");
    env.run(&["auth", "status"]).code(3);
}

/// What `auth logout` says of a session from `--with-token` that it leaves valid.
fn left_valid_where_it_came_from(url: &str, session: &str) -> String {
    format!(
        "Signed out of {url} here.\nIts session {session} came with `--with-token`, so it stays valid where that token \
         came from.\nTo end it: sign out there, or run `keystroke session revoke {session}` from another sign-in of \
         yours.\n"
    )
}

/// A session that came with `--with-token` serves the sign-in it was made for (another machine's
/// `auth token`, a CI secret): signing out here forgets it and leaves it valid there, saying so.
#[test]
fn logout_leaves_a_session_from_with_token_valid_where_it_came_from() {
    let env = TestEnv::new();
    let owner = env.user(Role::Owner);
    let laptop = env.new_session(&owner.email);
    env.login_with_token(&laptop, &[]).success();
    let session = env.current_session_id(&[]);
    let logout = env.run(&["auth", "logout"]).success();
    assert_eq!(logout.stderr, left_valid_where_it_came_from(env.url(), &session));
    env.run(&["auth", "token"]).code(3);
    assert_eq!(env.curl_status("/api/me", &laptop), 200, "the laptop stays signed in");
    // Signed in again the same way, a sign-out told to end it does.
    env.login_with_token(&laptop, &[]).success();
    let revoked = env.run(&["auth", "logout", "--revoke", "--json"]).success().json();
    assert_eq!((&revoked["session_revoked"], &revoked["session_left_valid"]), (&true.into(), &false.into()));
    assert_eq!(env.curl_status("/api/me", &laptop), 401);
}

/// A keyring entry is shared by every config directory: once another directory's sign-in replaced
/// the token, the token is that directory's. This directory's sign-out leaves it, and its session,
/// alone, and names its own session, which the replacement left valid.
#[test]
fn logout_leaves_the_token_another_directory_stored_and_names_its_own_session() {
    let env = TestEnv::new();
    let (owner, builder) = (env.user(Role::Owner), env.user(Role::Builder));
    let first = env.new_session(&owner.email);
    env.login_with_token(&first, &[]).success();
    let own = env.current_session_id(&[]);
    let other_dir = tempfile::tempdir().unwrap();
    let other = [("KEYSTROKE_CONFIG_DIR", other_dir.path().to_str().unwrap())];
    let second = env.new_session(&builder.email);
    let login = ["auth", "login", "--with-token", "--platform-url", env.url()];
    env.run_with_stdin_and_env(&login, &second, &other).success();
    // Before: this directory's status says whose token it reads now.
    let status = env.run(&["auth", "status"]).success();
    assert!(status.stdout.contains(&format!("<{}>", builder.email)), "{status:#?}");
    assert_eq!(
        status.stderr,
        format!(
            "warning: the token stored for {} is another sign-in's ({}), made from another config directory that \
             shares this keyring: commands here act as that user; this directory's own session, {own}, was replaced \
             then and may still be valid (`keystroke session revoke {own}` ends it); `keystroke auth login` signs \
             this directory in again\n",
            env.url(),
            builder.email
        )
    );
    let logout = env.run(&["auth", "logout"]).success();
    assert_eq!(
        logout.stderr,
        format!(
            "Signed out of {} here. The token stored for it now is another sign-in's ({}): made from another config \
             directory that shares this keyring, it stays signed in there; left by a sign-in here that was cut off, \
             the next `keystroke auth login` replaces it. This directory's own session, {own}, was replaced then and \
             stays valid: `keystroke session revoke {own}` ends it\n",
            env.url(),
            builder.email
        )
    );
    env.run(&["auth", "status"]).code(3);
    let there = env.run_with_env(&["auth", "status", "--json"], &other).success().json();
    assert_eq!(there["user"]["email"], builder.email.as_str(), "the other directory stays signed in");
    assert_eq!((env.curl_status("/api/me", &second), env.curl_status("/api/me", &first)), (200, 200));
}

/// The session a browser sign-in made, signed in again with its own token (`auth token` piped
/// back in), is still this machine's own: `auth logout` ends it.
#[test]
fn a_browser_sign_ins_own_token_piped_back_in_stays_its_own() {
    let env = TestEnv::with_fast_device_flow();
    approved_browser_sign_in(&env, Role::Owner);
    let token = env.run(&["auth", "token"]).success().stdout.trim().to_owned();
    let again = env.login_with_token(&token, &[]).success();
    assert!(!again.stderr.contains("This sign-in uses the token's session"), "not said to be left valid: {again:#?}");
    let logout = env.run(&["auth", "logout", "--json"]).success().json();
    assert_eq!((&logout["session_revoked"], &logout["session_left_valid"]), (&true.into(), &false.into()));
    assert_eq!(env.curl_status("/api/me", &token), 401);
}

/// Left valid, a session from `--with-token` needs no platform to sign out of this machine.
#[test]
fn logout_of_a_session_from_with_token_needs_no_platform() {
    let mut env = TestEnv::new();
    env.sign_in(Role::Admin);
    let session = env.current_session_id(&[]);
    env.stop_server();
    let logout = env.run(&["auth", "logout"]).success();
    assert_eq!(logout.stderr, left_valid_where_it_came_from(env.url(), &session));
    env.run(&["auth", "token"]).code(3);
}

/// `KEYSTROKE_TOKEN` is the user's to unset: logout says what it now means, which depends on
/// whether it holds the session logout just ended or another one.
#[test]
fn logout_says_what_a_set_keystroke_token_now_does() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    let other = env.user(Role::Builder).session_token.clone();
    let logout = env.run_with_env(&["auth", "logout", "--revoke"], &[("KEYSTROKE_TOKEN", &other)]).success();
    assert!(
        logout.stderr.starts_with(
            "warning: `KEYSTROKE_TOKEN` is still set, so commands stay signed in with it; unset it to sign out\n"
        ),
        "{logout:#?}"
    );
    let builders = env.run_with_env(&["auth", "status", "--json"], &[("KEYSTROKE_TOKEN", &other)]).success().json();
    assert_eq!(builders["user"]["email"], env.user(Role::Builder).email.as_str());
    assert_eq!(env.curl_status("/api/me", &admin.session_token), 401, "the stored session was revoked");

    let owner = env.sign_in(Role::Owner).session_token.clone();
    let logout = env.run_with_env(&["auth", "logout", "--revoke"], &[("KEYSTROKE_TOKEN", &owner)]).success();
    assert!(
        logout.stderr.starts_with(
            "warning: `KEYSTROKE_TOKEN` holds the session just ended, so commands fail until you unset it\n"
        ),
        "{logout:#?}"
    );
    env.run_with_env(&["auth", "status"], &[("KEYSTROKE_TOKEN", &owner)]).code(3);

    // Garbage: no command stays signed in with it, whatever else is stored.
    let fresh = env.new_session(&env.user(Role::Owner).email);
    env.login_with_token(&fresh, &[]).success();
    let garbage = [("KEYSTROKE_TOKEN", "garbage")];
    let logout = env.run_with_env(&["auth", "logout"], &garbage).success();
    assert!(
        logout
            .stderr
            .starts_with("warning: `KEYSTROKE_TOKEN` holds no session token, which the CLI refuses; unset it\n"),
        "{logout:#?}"
    );
    let nothing_stored = env.run_with_env(&["auth", "logout"], &garbage).code(1);
    assert_eq!(
        nothing_stored.stderr,
        format!(
            "error: no token is stored for {}, and `KEYSTROKE_TOKEN` holds no session token, which the CLI refuses\n\
             hint: unset `KEYSTROKE_TOKEN`; to sign in, run `keystroke auth login`\n",
            env.url()
        )
    );
}

/// A session revoked from another machine: logout still forgets the token, and says why there
/// was nothing left to revoke.
#[test]
fn logout_after_the_session_was_revoked_elsewhere_says_so() {
    let env = TestEnv::new();
    let builder = env.sign_in(Role::Builder);
    let this_machine = env.current_session_id(&[]);
    // Another machine: a config directory of its own, its sign-in in `KEYSTROKE_TOKEN`.
    let other_machine = env.new_session(&builder.email);
    let other_dir = tempfile::tempdir().unwrap();
    let other_dir = other_dir.path().to_str().unwrap();
    let machine = |token| {
        [("KEYSTROKE_TOKEN", token), ("KEYSTROKE_CONFIG_DIR", other_dir), ("KEYSTROKE_PLATFORM_URL", env.url())]
    };
    let other = machine(other_machine.as_str());
    env.run_with_env(&["session", "revoke", &this_machine, "--yes"], &other).success();

    // From `--with-token`, but ended: said so, not said to stay valid.
    let logout = env.run(&["auth", "logout"]).success();
    assert_eq!(
        logout.stderr,
        format!(
            "Signed out of {} (the platform did not accept its token: its session expired or was revoked, or the \
             token was damaged)\n\
             If its session {this_machine} is still listed by `keystroke session list` once you sign in again, \
             `keystroke session revoke {this_machine}` ends it\n",
            env.url()
        )
    );
    env.run(&["auth", "token"]).code(3);

    // For scripts: signed out, but nothing was revoked by this command.
    env.sign_in(Role::Owner);
    let owner_session = env.current_session_id(&[]);
    let owner_elsewhere = env.new_session(&env.user(Role::Owner).email);
    env.run_with_env(&["session", "revoke", &owner_session, "--yes"], &machine(owner_elsewhere.as_str())).success();
    let json = env.run(&["auth", "logout", "--json"]).success().json();
    assert_eq!((&json["session_revoked"], &json["session_left_valid"]), (&false.into(), &false.into()), "{json}");
}

#[test]
fn logout_while_the_platform_is_down_still_forgets_the_token() {
    let mut env = TestEnv::new();
    env.sign_in(Role::Admin);
    let session_id = env.current_session_id(&[]);
    env.stop_server();
    let logout = env.run(&["auth", "logout", "--revoke"]).code(6);
    // Named by the id recorded at sign-in: the session list could not tell it from the others.
    assert_eq!(
        logout.stderr,
        format!(
            "error: removed the token from this machine, but could not revoke the session: \
             the platform at {} is unreachable: could not connect\n\
             hint: the session stays valid on the platform until it expires; once the platform is back, sign in \
             and revoke it with `keystroke session revoke {session_id}`\n",
            env.url()
        )
    );
    env.run(&["auth", "token"]).code(3);
    let config = std::fs::read_to_string(env.config_dir_path().join("config.json")).unwrap();
    assert!(!config.contains(&session_id) && !config.contains("credential_store"), "forgotten: {config}");
}

/// `auth logout` with nothing stored and an API key in `KEYSTROKE_TOKEN`: says both, and leaves
/// the key alone (logout ends sessions, never keys).
#[test]
fn logout_with_an_api_key_in_keystroke_token_says_so() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (_, secret) = env.create_key("script key", &[]);
    env.run(&["auth", "logout"]).success();
    let logout = env.run_with_env(&["auth", "logout", "--platform-url", env.url()], &[("KEYSTROKE_TOKEN", &secret)]);
    let logout = logout.code(1);
    assert_eq!(
        logout.stderr,
        format!(
            "error: no token is stored for {}, and `KEYSTROKE_TOKEN` holds an API key, which the CLI refuses\n\
             hint: unset `KEYSTROKE_TOKEN`; to sign in, run `keystroke auth login`\n",
            env.url()
        )
    );
    assert_eq!(env.curl_status("/api/projects", &secret), 200, "the key still works");
}

/// Runs `auth logout` while the config directory's lock is held, as a sign-in under way holds
/// it: `under_way` sets the files as that sign-in has them when the logout reads them, `finished`
/// as it leaves them when it lets the lock go. Returns the logout's exit code and its stderr.
fn logout_during_a_sign_in(env: &TestEnv, under_way: impl FnOnce(), finished: impl FnOnce()) -> (i32, String) {
    use std::io::{BufRead, BufReader, Read};
    let lock = std::fs::File::open(env.config_dir_path().join(".lock")).unwrap();
    lock.lock().unwrap();
    under_way();
    let mut logout = env.command(&["-v", "auth", "logout"]).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let mut stderr = BufReader::new(logout.stderr.take().unwrap());
    // It has read the sign-in once it asks the platform whose session the token is.
    let mut line = String::new();
    while !line.contains("/api/me -> ") {
        line.clear();
        assert_ne!(stderr.read_line(&mut line).unwrap(), 0, "logout ended before asking the platform");
    }
    finished();
    lock.unlock().unwrap();
    let code = logout.wait().unwrap().code().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    (code, rest)
}

const CHANGED_MEANWHILE: &str = "error: nothing was signed out: another keystroke command changed this sign-in \
                                 meanwhile\nhint: run `keystroke auth status` to see it, then `keystroke auth \
                                 logout` again\n";

/// A sign-out reads the sign-in again under the config directory's lock before it ends anything.
/// A sign-in holds that lock from storing its token to recording its session and where the token
/// came from: read between the two, a `--with-token` session's token passes for a browser
/// sign-in's, whose session a sign-out ends (here the first sign-in's record is not written yet).
#[test]
fn a_first_sign_in_under_way_while_logout_read_it_is_left_alone() {
    let env = TestEnv::new();
    let laptop = env.new_session(&env.user(Role::Owner).email);
    env.login_with_token(&laptop, &[]).success();
    let config_path = env.config_dir_path().join("config.json");
    let recorded = std::fs::read_to_string(&config_path).unwrap();
    let (code, stderr) = logout_during_a_sign_in(
        &env,
        || std::fs::write(&config_path, format!(r#"{{"platform_url": "{}"}}"#, env.url())).unwrap(),
        || std::fs::write(&config_path, &recorded).unwrap(),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.ends_with(CHANGED_MEANWHILE), "{stderr}");
    assert!(!stderr.contains("/api/logout"), "nothing revoked: {stderr}");
    assert_eq!(env.curl_status("/api/me", &laptop), 200, "the laptop stays signed in");
    // Run again, it sees the sign-in as it is: from a token, left valid.
    let session = env.current_session_id(&[]);
    let logout = env.run(&["auth", "logout"]).success();
    assert_eq!(logout.stderr, left_valid_where_it_came_from(env.url(), &session));
    assert_eq!(env.curl_status("/api/me", &laptop), 200);
}

/// The same, when the sign-in under way replaces another: its token stored, the old one's session
/// still recorded, the token reads as another directory's, whose sign-out forgets this record. It
/// would forget the new sign-in's, leaving its token unused and valid.
#[test]
fn a_sign_in_replacing_another_while_logout_read_it_is_left_alone() {
    let env = TestEnv::with_store("file");
    let (owner, builder) = (env.user(Role::Owner), env.user(Role::Builder));
    env.login_with_token(&env.new_session(&owner.email), &[]).success();
    let (config_path, tokens_path) =
        (env.config_dir_path().join("config.json"), env.config_dir_path().join("credentials.json"));
    let old_config = std::fs::read_to_string(&config_path).unwrap();
    // The second sign-in, as it ends: its token and its record.
    let second = env.new_session(&builder.email);
    env.login_with_token(&second, &[]).success();
    let (new_config, new_tokens) =
        (std::fs::read_to_string(&config_path).unwrap(), std::fs::read_to_string(&tokens_path).unwrap());
    let second_session = env.current_session_id(&[]);
    assert!(!old_config.contains(&second_session) && new_config.contains(&second_session));

    let (code, stderr) = logout_during_a_sign_in(
        &env,
        || std::fs::write(&config_path, &old_config).unwrap(), // its token stored, not yet recorded
        || std::fs::write(&config_path, &new_config).unwrap(),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.ends_with(CHANGED_MEANWHILE), "{stderr}");
    assert_eq!(std::fs::read_to_string(&config_path).unwrap(), new_config, "the new record stays");
    assert_eq!(std::fs::read_to_string(&tokens_path).unwrap(), new_tokens);
    assert_eq!(env.curl_status("/api/me", &second), 200);
    let status = env.run(&["auth", "status", "--json"]).success().json();
    assert_eq!(status["user"]["email"], builder.email.as_str(), "{status}");
}

/// A token found in a store this directory's sign-in did not use (forced with
/// `KEYSTROKE_CREDENTIAL_STORE`) is another directory's: `auth status` says so, and `auth logout`
/// ends nothing, where it ended the other directory's session and left this one's sign-in.
#[test]
fn logout_never_ends_the_session_of_a_token_this_directory_did_not_store() {
    let env = TestEnv::with_store("file"); // this directory: the opt-in file
    let (owner, builder) = (env.user(Role::Owner), env.user(Role::Builder));
    env.sign_in(Role::Owner);
    let other_dir = tempfile::tempdir().unwrap();
    let keyring = [("KEYSTROKE_CREDENTIAL_STORE", "keyutils")];
    let other = [keyring[0], ("KEYSTROKE_CONFIG_DIR", other_dir.path().to_str().unwrap())];
    let theirs = env.new_session(&builder.email);
    let login = ["auth", "login", "--with-token", "--platform-url", env.url()];
    env.run_with_stdin_and_env(&login, &theirs, &other).success();

    let status = env.run_with_env(&["auth", "status"], &keyring).success();
    let whose = format!(") is another sign-in's ({}), ", builder.email);
    assert!(status.stderr.starts_with(&format!("warning: the token stored for {} in the kernel keyring (", env.url())));
    assert!(status.stderr.contains(&format!("{whose}not this directory's sign-in, whose session ses_")), "{status:#?}");
    assert!(status.stderr.ends_with("commands here act as that user while this store is used\n"), "{status:#?}");
    // Every command says so, with the way back to this directory's own sign-in.
    let list = env.run_with_env(&["api-key", "list", "--json"], &keyring).success();
    assert!(
        list.stderr.starts_with(&format!(
            "warning: this command acts as another sign-in than this directory's: the token stored for {} in the \
             store `KEYSTROKE_CREDENTIAL_STORE` names is session ",
            env.url()
        )),
        "{list:#?}"
    );
    assert!(list.stderr.contains(": unset `KEYSTROKE_CREDENTIAL_STORE` to use it"), "{list:#?}");
    let logout = env.run_with_env(&["auth", "logout"], &keyring).code(1);
    let refused = format!("error: nothing was signed out: the token stored for {} in the kernel keyring (", env.url());
    assert!(logout.stderr.starts_with(&refused), "{logout:#?}");
    assert!(
        logout.stderr.contains(&format!(
            "{whose}made from another config directory that shares this store\nhint: this directory's sign-in has \
             its token in "
        )),
        "{logout:#?}"
    );
    assert!(logout.stderr.ends_with(": unset `KEYSTROKE_CREDENTIAL_STORE` to sign out of it\n"), "{logout:#?}");
    assert_eq!(env.curl_status("/api/me", &theirs), 200, "the other directory's session is not ended");
    let mine = env.run(&["auth", "status", "--json"]).success().json();
    assert_eq!(mine["user"]["email"], owner.email.as_str(), "this directory's own sign-in stays");
}

/// Every command, not only `auth status`, says when the stored token it sent is another config
/// directory's sign-in (the platform names the session each request acted through): an
/// `api-key create` here would otherwise act as that user unseen. Said once a command, and not
/// by the directory whose sign-in it is.
#[test]
fn commands_say_when_they_act_as_another_directorys_sign_in() {
    let env = TestEnv::new();
    let builder = env.user(Role::Builder);
    env.sign_in(Role::Owner);
    let own = env.current_session_id(&[]);
    let other_dir = tempfile::tempdir().unwrap();
    let other = [("KEYSTROKE_CONFIG_DIR", other_dir.path().to_str().unwrap())];
    let login = ["auth", "login", "--with-token", "--platform-url", env.url()];
    env.run_with_stdin_and_env(&login, &env.new_session(&builder.email), &other).success();
    let theirs = env.current_session_id(&other);

    let list = env.run(&["api-key", "list", "--json"]).success();
    assert_eq!(
        list.stderr,
        format!(
            "warning: this command acts as another sign-in than this directory's: the token stored for {} is session \
             {theirs}'s, put there by a sign-in from another config directory that shares this keyring; this \
             directory's own session, {own}, was replaced (`keystroke auth status` says whose this one is; \
             `keystroke auth login` signs this directory in again)\n",
            env.url()
        )
    );
    assert_eq!(
        env.run_with_env(&["api-key", "list", "--json"], &other).success().stderr,
        "",
        "not where it is its own"
    );
    let status = env.run(&["auth", "status"]).success();
    assert_eq!(status.stderr.matches("warning:").count(), 1, "said once, by status itself: {status:#?}");

    // A directory with no sign-in recorded (none made, or its `config.json` deleted).
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = [("KEYSTROKE_CONFIG_DIR", fresh_dir.path().to_str().unwrap())];
    let list = env.run_with_env(&["api-key", "list", "--platform-url", env.url(), "--org", "acme"], &fresh).success();
    assert!(
        list.stderr.starts_with(&format!(
            "warning: no sign-in to {} is recorded in this config directory (its `config.json` deleted, or made from \
             another config directory that shares this keyring): this command acts as the token's session, {theirs}",
            env.url()
        )),
        "{list:#?}"
    );
}
