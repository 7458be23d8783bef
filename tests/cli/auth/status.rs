//! `auth status`, and which token commands use: the stored one, or `KEYSTROKE_TOKEN`.

use crate::support::{TestEnv, installed, redact_times};
use keystroke_api::Role;

#[test]
fn status_says_who_where_and_that_keyutils_forgets_on_reboot() {
    let env = TestEnv::new();
    env.sign_in(Role::Builder);
    let status = env.run(&["auth", "status"]).success();
    assert_eq!(
        redact_times(&status.stdout),
        format!(
            "Platform:    {}\n\
             Signed in:   Grace Hopper <grace@acme.test>\n\
             Token:       kernel keyring (keyutils; the session's keyring, gone at logout or reboot)\n\
             Active org:  acme\n\
             Session:     expires <time>\n",
            env.url()
        )
    );

    let json = env.run(&["auth", "status", "--json"]).success().json();
    assert_eq!(json["platform_url"], env.url());
    assert_eq!(json["user"]["email"], "grace@acme.test");
    assert_eq!(json["token"]["source"], "store");
    assert_eq!(json["token"]["store"], "keyutils");
    assert_eq!(json["token"]["path"], serde_json::Value::Null, "no file holds it");
    assert_eq!(json["active_org"], "acme");

    // Removed from the org since: status says so rather than showing it as usable, and what to
    // do: switch to another org of theirs, or (as here, Grace's only org) ask to be added to one.
    let storage = env.server().storage();
    let org = storage.org_by_slug("acme").unwrap().unwrap();
    let grace = storage.user_by_email("grace@acme.test").unwrap().unwrap();
    let globex = storage.org_by_slug("globex").unwrap().unwrap();
    assert!(storage.add_membership(&globex.id, &grace.user.id, Role::Builder, 1_800_000_000).unwrap());
    assert!(storage.remove_membership(&org.id, &grace.user.id, 1_800_000_000).unwrap());
    let status = env.run(&["auth", "status"]).success();
    assert!(
        status.stdout.contains("Active org:  acme (you are no longer a member: `keystroke org switch ORG`)\n"),
        "{status:#?}"
    );
    assert!(storage.remove_membership(&globex.id, &grace.user.id, 1_800_000_000).unwrap());
    let status = env.run(&["auth", "status"]).success();
    assert!(
        status
            .stdout
            .contains("Active org:  acme (you belong to no org now: ask whoever runs the platform to add you)\n"),
        "{status:#?}"
    );
    // And a command in it says it is not one of theirs, as for an org that never existed, and
    // that it is the one saved.
    let list = env.run(&["api-key", "list"]).code(5);
    assert!(
        list.stderr.starts_with(
            "error: org `acme` not found among your orgs\nhint: it is the active org that `keystroke org switch` saved"
        ),
        "{list:#?}"
    );
}

#[test]
fn keystroke_token_shadows_the_stored_token() {
    let env = TestEnv::new();
    env.sign_in(Role::Builder);
    let owner = env.user(Role::Owner).session_token.clone();
    let status = env.run_with_env(&["auth", "status"], &[("KEYSTROKE_TOKEN", &owner)]).success();
    let lines: Vec<_> = status.stdout.lines().collect();
    assert_eq!(lines[1], "Signed in:   Ada Lovelace <ada@acme.test>");
    assert_eq!(lines[2], "Token:       the `KEYSTROKE_TOKEN` environment variable");
    assert_eq!(
        lines[3],
        "             which shadows the token stored in the kernel keyring (keyutils; the session's keyring, gone at logout or \
         reboot)"
    );
    let json = env.run_with_env(&["auth", "status", "--json"], &[("KEYSTROKE_TOKEN", &owner)]).success().json();
    assert_eq!((&json["token"]["store"], &json["token"]["shadows_stored_token"]), (&"keyutils".into(), &true.into()));
    // The stored token itself in the variable hides nothing.
    let stored = env.run(&["auth", "token"]).success().stdout.trim().to_owned();
    let same = [("KEYSTROKE_TOKEN", stored.as_str())];
    let status = env.run_with_env(&["auth", "status"], &same).success();
    assert!(!status.stdout.contains("shadows"), "{status:#?}");
    let json = env.run_with_env(&["auth", "status", "--json"], &same).success().json();
    assert_eq!((&json["token"]["store"], &json["token"]["shadows_stored_token"]), (&"keyutils".into(), &false.into()));

    // In another login, whose session keyring never held the token, the config still names the
    // kernel keyring; nothing is shadowed there.
    if installed("keyctl", "a second login session").is_none() {
        return;
    }
    let vars = [("KEYSTROKE_TOKEN", owner.as_str())];
    let json = env.run_in_another_login_session(&["auth", "status", "--json"], "", &vars).success().json();
    assert_eq!(
        (&json["token"]["store"], &json["token"]["shadows_stored_token"]),
        (&serde_json::Value::Null, &serde_json::Value::Bool(false))
    );
    let elsewhere = env.run_in_another_login_session(&["auth", "status"], "", &vars).success();
    assert!(!elsewhere.stdout.contains("shadows"), "{elsewhere:#?}");
}

#[test]
fn not_signed_in_exits_3_with_a_hint() {
    let env = TestEnv::new();
    let url = env.url();
    for args in [
        vec!["auth", "status", "--platform-url", url],
        vec!["api-key", "list", "--platform-url", url],
        vec!["auth", "token", "--platform-url", url],
    ] {
        let run = env.run(&args).code(3);
        // `auth login` alone would sign in to the default platform: the hint names this one.
        let hint = format!("hint: run `keystroke auth login --platform-url {url}` to sign in\n");
        assert_eq!(run.stderr, format!("error: not signed in to {url}\n{hint}"));
    }
    let json = env.run(&["auth", "status", "--platform-url", url, "--json"]).code(3);
    assert_eq!(
        json.stderr,
        format!(
            "{{\"error\":{{\"code\":\"not_signed_in\",\"message\":\"not signed in to {url}\",\
             \"hint\":\"run `keystroke auth login --platform-url {url}` to sign in\",\"platform_code\":null}}}}\n"
        )
    );
    // Signed in there and out again, it is the saved platform: `auth login` alone goes to it.
    env.sign_in(Role::Builder);
    env.run(&["auth", "logout"]).success();
    let run = env.run(&["auth", "status"]).code(3);
    assert_eq!(run.stderr, format!("error: not signed in to {url}\nhint: run `keystroke auth login` to sign in\n"));
}

/// With the platform down, `auth status` still says what this machine knows (where the token
/// is, the saved org), then why it cannot say who is signed in; `--json` keeps to the error.
#[test]
fn status_while_the_platform_is_down_says_what_this_machine_knows() {
    let mut env = TestEnv::new();
    env.sign_in(Role::Admin);
    env.stop_server();
    let status = env.run(&["auth", "status"]).code(6);
    assert_eq!(
        status.stdout,
        format!(
            "Platform:    {} (not answering)\nToken:       kernel keyring (keyutils; the session's keyring, gone at logout or reboot)\n\
             Active org:  acme\n",
            env.url()
        )
    );
    assert!(status.stderr.starts_with(&format!("error: the platform at {} is unreachable", env.url())), "{status:#?}");
    let json = env.run(&["auth", "status", "--json"]).code(6);
    assert_eq!(json.stdout, "");
}

/// A stored token the platform refuses (its session revoked, or expired): `auth status` says which
/// token, kept where, before the error, so that one knows what `auth login` will replace.
#[test]
fn status_with_a_refused_token_says_which_token_and_where() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin).clone();
    let storage = env.server().storage();
    let user_id = storage.user_by_email(&admin.email).unwrap().unwrap().user.id;
    storage.revoke_sessions_of(&user_id, 1_700_000_000).unwrap();
    let status = env.run(&["auth", "status"]).code(3);
    assert_eq!(
        status.stdout,
        format!(
            "Platform:    {}\nToken:       kernel keyring (keyutils; the session's keyring, gone at logout or reboot) \
             (refused by the platform)\nActive org:  acme\n",
            env.url()
        )
    );
    assert!(status.stderr.starts_with(&format!("error: not signed in to {}", env.url())), "{status:#?}");
    assert_eq!(env.run(&["auth", "status", "--json"]).code(3).stdout, "");
}

/// `KEYSTROKE_TOKEN` wins over any sign-in, so "run `keystroke auth login`" cannot fix its token.
#[test]
fn a_refused_keystroke_token_says_to_unset_or_replace_it() {
    let env = TestEnv::new();
    env.sign_in(Role::Builder);
    let run = env.run_with_env(&["api-key", "list", "--org", "acme"], &[("KEYSTROKE_TOKEN", "kss_revoked")]).code(3);
    assert!(run.stderr.starts_with(&format!("error: not signed in to {}: ", env.url())), "{run:#?}");
    assert!(
        run.stderr.ends_with(
            "hint: the token comes from `KEYSTROKE_TOKEN`, which wins over `keystroke auth login`: \
             unset `KEYSTROKE_TOKEN` or replace it with a valid session token\n"
        ),
        "{run:#?}"
    );
}

/// The CLI acts as a person: an API key in `KEYSTROKE_TOKEN` is refused before any request, and
/// `--with-token` with a key is refused by the platform, with a hint to sign in as a person.
#[test]
fn an_api_key_in_keystroke_token_is_told_to_sign_in_not_to_ask_an_admin() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (_, secret) = env.create_key("CI", &[]);
    // Refused before any request, by every command: `deploy` too, whose endpoint accepts keys.
    for command in [&["api-key", "list", "--org", "acme"][..], &["deploy", "--org", "acme"], &["auth", "token"]] {
        let run = env.run_with_env(command, &[("KEYSTROKE_TOKEN", &secret)]).code(3);
        assert_eq!(
            run.stderr,
            "error: `KEYSTROKE_TOKEN` holds an API key; the CLI acts as you, with a user session, never with an API key\n\
             hint: unset `KEYSTROKE_TOKEN` and run `keystroke auth login` (for a session token to put in it, \
             `keystroke auth token` prints one once it is unset)\n",
            "{command:?}"
        );
        assert!(run.stdout.is_empty(), "{command:?}: {run:#?}");
    }

    let login = env.run_with_stdin(&["-v", "auth", "login", "--with-token", "--platform-url", env.url()], &secret);
    let login = login.code(2);
    assert!(
        login.stderr.starts_with("error: that is an API key; `--with-token` takes a user session token\n"),
        "{login:#?}"
    );
    assert!(!login.stderr.contains("> "), "refused before it was sent: {login:#?}");
}

/// `KEYSTROKE_TOKEN` alone, with nothing saved: the user's only org is the active one, as the
/// commands use it; logout does not pretend to end a token it does not hold.
#[test]
fn a_token_from_the_environment_only() {
    let env = TestEnv::new();
    let admin = env.user(Role::Admin);
    let token = [("KEYSTROKE_TOKEN", admin.session_token.as_str()), ("KEYSTROKE_PLATFORM_URL", env.url())];

    let status = env.run_with_env(&["auth", "status", "--json"], &token).success().json();
    assert_eq!(status["active_org"], "acme", "the only org: {status}");
    let listed = env.run_with_env(&["org", "list"], &token).success();
    assert_eq!(listed.stdout, "Active  Slug  Name      Role\n*       acme  Acme Inc  admin\n");

    let logout = env.run_with_env(&["auth", "logout"], &token).code(1);
    assert_eq!(
        logout.stderr,
        format!(
            "error: no token is stored for {}; commands use the one in `KEYSTROKE_TOKEN`, which logout does not \
             touch\n\
             hint: unset `KEYSTROKE_TOKEN` to stop using it; to end its session on the platform, run `keystroke \
             session list` (it is the current one) and `keystroke session revoke ID`\n",
            env.url()
        )
    );
    assert_eq!(env.curl_status("/api/me", &admin.session_token), 200, "logout revoked nothing");

    // As the hint says: revoked, with a warning that the variable now holds a dead token.
    let current = env.current_session_id(&token);
    let revoked = env.run_with_env(&["session", "revoke", &current, "--yes"], &token).success();
    assert!(
        revoked.stderr.ends_with("warning: `KEYSTROKE_TOKEN` holds the token of the session just revoked; unset it\n"),
        "{revoked:#?}"
    );
    assert_eq!(env.curl_status("/api/me", &admin.session_token), 401);
}

/// A user's name comes from the platform: one with a line break (written by an older platform,
/// or straight into its database) stays on the `Signed in:` line, written out, so it cannot add a
/// line that reads as the CLI's own.
#[test]
fn a_name_with_a_line_break_stays_on_its_line() {
    let env = TestEnv::new();
    let storage = env.server().storage();
    let name = "Mallory\nToken:       (nowhere)";
    let user = storage.create_user("mallory@example.test", name, "unused", 1_700_000_000).unwrap();
    let token = keystroke_platform::auth::start_session(storage, &user.id, keystroke_api::CLI_CLIENT_ID, 600).unwrap();
    let vars = [("KEYSTROKE_TOKEN", token.as_str()), ("KEYSTROKE_PLATFORM_URL", env.url())];
    let status = env.run_with_env(&["auth", "status"], &vars).success();
    let signed_in = status.stdout.lines().find(|line| line.starts_with("Signed in:")).unwrap();
    assert_eq!(signed_in, "Signed in:   Mallory\\u{a}Token:       (nowhere) <mallory@example.test>");
    assert_eq!(status.stdout.lines().filter(|line| line.starts_with("Token:")).count(), 1, "{status:#?}");
}

/// `auth token > token.txt` under the usual umask makes a file every user of the machine can
/// read: the token is written all the same, and the user told, as `api-key create` tells of a
/// key's secret.
#[test]
fn a_token_written_to_a_file_others_can_read_is_said() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    let dir = tempfile::tempdir().unwrap();
    let token_into = |name: &str, mode: u32| {
        let path = dir.path().join(name);
        let file = std::fs::File::create(&path).unwrap();
        file.set_permissions(std::fs::Permissions::from_mode(mode)).unwrap();
        let run: crate::support::Run = env.command(&["auth", "token"]).stdout(file).output().unwrap().into();
        (path, run.success())
    };
    let (open, run) = token_into("open.txt", 0o644);
    assert_eq!(
        run.stderr,
        format!(
            "warning: `{}`, where the session token was written, has a mode (0644) that lets other users of this \
             machine read it: run `chmod 600` on it, or move the session token somewhere safer\n",
            open.canonicalize().unwrap().display()
        )
    );
    assert_eq!(std::fs::read_to_string(&open).unwrap().trim(), admin.session_token);
    let (_, run) = token_into("closed.txt", 0o600);
    assert_eq!(run.stderr, "");
}

/// Where the token lives is a path when it is the opt-in file, and a path may hold a line break
/// (`KEYSTROKE_CONFIG_DIR`): written out, so that it cannot add a line that reads as status's own.
#[test]
fn a_line_break_in_the_token_files_path_is_written_out() {
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("c\nSigned in:   someone else");
    let there = [("KEYSTROKE_CONFIG_DIR", dir.to_str().unwrap()), ("KEYSTROKE_CREDENTIAL_STORE", "file")];
    env.run_with_stdin_and_env(
        &["auth", "login", "--with-token", "--platform-url", env.url()],
        &user.session_token,
        &there,
    )
    .success();
    let status = env.run_with_env(&["auth", "status"], &there).success();
    let token_line = status.stdout.lines().find(|line| line.starts_with("Token:")).expect(&status.stdout);
    assert!(token_line.contains("c\\u{a}Signed in:   someone else/credentials.json"), "{status:#?}");
    assert_eq!(status.stdout.matches("Signed in:").count(), 2, "the real line and the written-out one: {status:#?}");
    assert_eq!(status.stdout.lines().filter(|line| line.starts_with("Signed in:")).count(), 1, "{status:#?}");
}
