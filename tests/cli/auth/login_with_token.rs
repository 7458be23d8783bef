//! `auth login --with-token`: a token from stdin or a hidden prompt, checked, stored, replacing
//! another.

use super::keystroke_processes_of;
use crate::support::TestEnv;
use keystroke_api::Role;
use std::process::Stdio;

#[test]
fn with_token_reads_stdin_validates_and_says_who_signed_in() {
    let env = TestEnv::new();
    let user = env.user(Role::Admin);
    let login = env.login_with_token(&format!("{}\n", user.session_token), &[]);
    let login = login.success();
    assert_eq!(login.stdout, "");
    let session = env.current_session_id(&[]);
    assert_eq!(
        login.stderr,
        format!(
            "Signed in to {} as Alan Turing <alan@acme.test>\n\
             Token stored in the kernel keyring (keyutils; the session's keyring, gone at logout or reboot)\n\
             This sign-in uses the token's session, {session}: `keystroke auth logout` forgets it here and leaves \
             it valid where the token came from (`--revoke` ends it everywhere)\n\
             Active org: acme\n",
            env.url()
        )
    );
    let token = env.run(&["auth", "token"]).success();
    assert_eq!(token.stdout, format!("{}\n", user.session_token));
}

#[test]
fn a_refused_token_is_not_stored() {
    let env = TestEnv::new();
    let refused = env.login_with_token("kss_nope", &[]).code(3);
    assert_eq!(
        refused.stderr,
        format!(
            "error: {url} did not accept the session token\nhint: the token may have expired or been revoked, or be \
             another platform's; run `keystroke auth login --platform-url {url}` to sign in with the browser\n",
            url = env.url()
        )
    );
    env.run(&["auth", "status", "--platform-url", env.url()]).code(3);

    // The web pages' session (their cookie's value), as the platform makes it at a web sign-in:
    // refused, with why and what to pipe in instead.
    let storage = env.server().storage();
    let user = storage.user_by_email(&env.user(Role::Admin).email).unwrap().unwrap().user;
    let web_client = keystroke_platform::auth::WEB_CLIENT;
    let web = keystroke_platform::auth::start_session(storage, &user.id, web_client, 600).unwrap();
    let web_session = env.login_with_token(&web, &[]).code(3);
    assert_eq!(
        web_session.stderr,
        format!(
            "error: {} did not accept the token: it is a session of the web pages, which only they accept\n\
             hint: pipe in what `keystroke auth token` prints where you signed in with `keystroke auth login`, or \
             sign in here with the browser: `keystroke auth login`\n",
            env.url()
        )
    );
    // Scripts tell it by the platform's code.
    let as_json = env.run_with_stdin_and_env(
        &["auth", "login", "--with-token", "--platform-url", env.url(), "--json"],
        &web,
        &[],
    );
    let error: serde_json::Value = serde_json::from_str(&as_json.code(3).stderr).unwrap();
    assert_eq!(error["error"]["code"], "not_signed_in");
    assert_eq!(error["error"]["platform_code"], "web_session_refused");
    env.run(&["auth", "status", "--platform-url", env.url()]).code(3);
    // A refusal is not a use of the web session.
    let stored = storage.session_credential(&keystroke_platform::tokens::hash_secret(&web)).unwrap().unwrap();
    assert_eq!(stored.last_used_at, None);
}

/// `--with-token` stops reading at 64 KiB: `yes |` or `< /dev/zero` would fill the memory.
#[test]
fn with_token_reads_a_token_not_an_endless_stream() {
    let env = TestEnv::new();
    let endless = "y\n".repeat(40_000);
    let login = env.run_with_stdin(&["auth", "login", "--with-token", "--platform-url", env.url()], &endless).code(2);
    assert_eq!(
        login.stderr,
        "error: `--with-token` read more than 64 KiB from stdin, which is not a session token\n\
         hint: pipe in the token alone: `keystroke auth login --with-token < token.txt`\n"
    );
    // Nor can it read a folder (`< ~/.config`): said as the token's read, with the way to pipe one.
    let mut from_a_folder = env.command(&["auth", "login", "--with-token", "--platform-url", env.url()]);
    from_a_folder.stdin(std::fs::File::open(env.config_dir_path().parent().unwrap()).unwrap());
    let login = crate::support::Run::from(from_a_folder.output().unwrap()).code(2);
    assert_eq!(
        login.stderr,
        "error: `--with-token` could not read the token from stdin: Is a directory (os error 21)\n\
         hint: pipe it in: `keystroke auth login --with-token < token.txt`\n"
    );
}

/// A sign-in that waits (for the browser, or here for stdin) keeps an `org switch` made
/// meanwhile: it wrote back the active org it had read before the wait.
#[test]
fn a_sign_in_keeps_an_org_switch_made_while_it_waited() {
    use std::io::Write;
    let env = TestEnv::new();
    let owner = env.sign_in(Role::Owner).clone();
    env.run(&["org", "switch", "acme"]).success();
    let mut login = env
        .command(&["auth", "login", "--with-token", "--platform-url", env.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Waiting for its token: its config read already.
    crate::support::wait_until_reading_stdin(login.id());
    env.run(&["org", "switch", "globex"]).success();
    let token = env.new_session(&owner.email);
    login.stdin.take().unwrap().write_all(token.as_bytes()).unwrap();
    let signed_in = crate::support::Run::from(login.wait_with_output().unwrap()).success();
    assert!(signed_in.stderr.contains("Active org: globex"), "{signed_in:#?}");
    let orgs = env.run(&["org", "list", "--json"]).success().json();
    let active: Vec<&str> = orgs
        .as_array()
        .unwrap()
        .iter()
        .filter(|org| org["active"] == true)
        .map(|org| org["slug"].as_str().unwrap())
        .collect();
    assert_eq!(active, ["globex"]);
}

/// SIGTERM (`timeout`) or SIGHUP (a closed window) at the hidden token prompt still ends the
/// command, but with the terminal as it was: the prompt's echo-less mode outlived it.
#[test]
fn an_ending_signal_at_the_token_prompt_leaves_the_terminal_as_it_was() {
    let env = TestEnv::new();
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let args = ["auth", "login", "--with-token", "--platform-url", env.url(), "--color", "never"];
        // After the command, what is left typed on the terminal is read (for up to a second).
        let left = "stty -a; stty -icanon min 0 time 10; echo \"left: [$(head -c 100)]\"";
        let mut terminal = env.on_terminal_then(&args, left);
        terminal.expect("(Enter alone cancels)");
        terminal.expect_echo_off();
        // Half a token, typed and not yet read: thrown away, not left for the shell to show.
        terminal.send("kss_half_a_tok");
        terminal.keys_taken();
        let prompting = keystroke_processes_of(env.url());
        assert_eq!(prompting.len(), 1, "{prompting:?}");
        // SAFETY: a signal to the process this test started, which is waiting at the prompt.
        assert_eq!(unsafe { libc::kill(prompting[0], signal) }, 0);
        let (_, output) = terminal.finish();
        let settings = output.split_once("speed ").map(|(_, settings)| settings).unwrap_or_default();
        assert!(settings.contains(" echo ") && settings.contains(" icanon "), "{signal}: {output:?}");
        assert!(output.contains("left: []") && !output.contains("kss_half"), "{signal}: {output:?}");
    }
}

/// Ctrl-C at the hidden token prompt would kill the process with the terminal's echo still
/// off: it is ignored instead, and an empty line cancels.
#[test]
fn ctrl_c_at_the_token_prompt_is_ignored_and_enter_alone_cancels() {
    let env = TestEnv::new();
    let mut terminal =
        env.on_terminal(&["auth", "login", "--with-token", "--platform-url", env.url(), "--color", "never"]);
    terminal.expect("(Enter alone cancels)");
    terminal.expect_echo_off();
    // Ctrl-C is a signal at once; a process it killed never reads the Enter typed after it. What
    // was typed before it is thrown away: Enter then cancels, rather than send half a token.
    terminal.send("kss_half\x03");
    terminal.send("\n");
    let (code, output) = terminal.finish();
    assert_eq!(code, 1, "still running after Ctrl-C, then cancelled by Enter: {output:?}");
    assert!(output.ends_with("Sign-in cancelled. Nothing was stored.\n"), "{output:?}");
    assert!(!output.contains("error:"), "a cancel is an answer, not a failure to explain: {output:?}");
    env.run(&["auth", "status"]).code(3);
}

/// Ctrl-Z at the hidden token prompt would stop the command and hand the terminal to the shell,
/// which turns echo back on: after `fg`, the rest of the token would be typed in sight. It is
/// ignored instead, and what is typed after it stays hidden.
#[test]
fn ctrl_z_at_the_token_prompt_is_ignored_and_the_token_stays_hidden() {
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    let args = ["auth", "login", "--with-token", "--platform-url", env.url()];
    let Some(mut terminal) = env.on_terminal_in_a_shell(&args) else { return };
    terminal.expect("(Enter alone cancels)");
    terminal.expect_echo_off();
    // Half the token, Ctrl-Z, the rest: one token, typed unseen (stopped, the command would have
    // let the shell show the rest; the terminal would have thrown the first half away).
    let (first, rest) = user.session_token.split_at(10);
    terminal.send(&format!("{first}\x1a{rest}\n"));
    let (code, output) = terminal.finish();
    assert!(!output.contains("Stopped"), "{output:?}");
    assert!(output.contains("Signed in to ") && !output.contains(&user.session_token), "{output:?}");
    assert_eq!(code, 0, "{output:?}");
}

/// On a dumb terminal the token prompt is a line with echo off, without dialoguer's escape codes.
#[test]
fn on_a_dumb_terminal_the_token_prompt_is_a_plain_hidden_line() {
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    let args = ["auth", "login", "--with-token", "--platform-url", env.url()];
    let mut terminal = env.on_terminal_with_env(&args, &[("TERM", "dumb")]);
    terminal.expect("then press Enter (Enter alone cancels)\nEnter it as a password: ");
    terminal.expect_echo_off();
    terminal.send(&format!("{}\n", user.session_token));
    let (code, output) = terminal.finish();
    assert_eq!(code, 0, "{output:?}");
    assert!(output.contains("Signed in to ") && !output.contains(&user.session_token), "{output:?}");
    assert!(!output.contains('\x1b'), "{output:?}");
}

/// Pasted on a terminal, the token is read without echo: it never shows on screen.
#[test]
fn with_token_on_a_terminal_does_not_echo_the_token() {
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    let mut terminal =
        env.on_terminal(&["auth", "login", "--with-token", "--platform-url", env.url(), "--color", "never"]);
    terminal.expect("Paste a session token (it is not shown), then press Enter");
    // Echo goes off right after the prompt shows, discarding what was typed before: let it.
    terminal.expect_echo_off();
    terminal.send(&format!("{}\n", user.session_token));
    let (code, output) = terminal.finish();
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("Signed in to "), "{output}");
    assert!(!output.contains(&user.session_token), "the token was echoed: {output}");
    assert_eq!(env.run(&["auth", "token"]).success().stdout, format!("{}\n", user.session_token));

    let refused = env.on_terminal(&[
        "auth",
        "login",
        "--with-token",
        "--no-input",
        "--platform-url",
        env.url(),
        "--color",
        "never",
    ]);
    let (code, output) = refused.finish();
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("hint: pipe it in: `keystroke auth login --with-token < token.txt`"), "{output}");
}

/// `--no-input` promises that nothing waits for a person: browser sign-in is refused before a
/// device code is even requested, and the way that works without a person is named.
#[test]
fn login_with_no_input_asks_for_a_piped_token_instead_of_waiting() {
    let env = TestEnv::new();
    let run = env.run(&["-v", "auth", "login", "--no-input", "--no-browser", "--platform-url", env.url()]).code(2);
    assert!(run.stderr.starts_with("error: browser sign-in waits for a person to approve it"), "{run:#?}");
    assert!(run.stderr.contains("--with-token < token.txt"), "{run:#?}");
    assert!(!run.stderr.contains("> POST"), "no device code was requested: {run:#?}");
}

/// Without a terminal on stderr (a CI job forgot `--with-token`), browser sign-in is refused at
/// once rather than waiting ten minutes for an approval nobody will give, unless `--no-browser`
/// asks to wait with the code in the output (as the tests of the waiting do).
#[test]
fn login_without_a_terminal_asks_for_a_piped_token_unless_told_to_wait() {
    let env = TestEnv::with_fast_device_flow();
    // With `-v`, the exact stderr shows that no device code was requested (no `> POST` line).
    let run = env.run(&["-v", "auth", "login", "--platform-url", env.url()]).code(2);
    assert_eq!(
        run.stderr,
        "error: browser sign-in waits for a person to approve it, and stderr, where its code would go, is not a \
         terminal (a script, a CI job)\n\
         hint: pipe a session token in: `keystroke auth login --with-token < token.txt`; or, to wait for approval \
         with the code in this output, add `--no-browser`\n"
    );
    let json = env.run(&["-v", "--json", "auth", "login", "--platform-url", env.url()]).code(2);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&json.stderr).unwrap()["error"]["code"], "usage");
    assert!(!json.stderr.contains("> POST"), "no device code was requested: {json:#?}");
}

/// A token is one line of `kss_` and letters and digits: anything else is named before it is sent.
#[test]
fn tokens_that_are_not_session_tokens_are_refused_before_any_request() {
    let env = TestEnv::new();
    let admin = env.user(Role::Admin);
    let two_lines = format!("{}\n{}\n", admin.session_token, env.user(Role::Builder).session_token);
    let login = env.login_with_token(&two_lines, &[]);
    let login = login.code(2);
    assert!(
        login.stderr.starts_with(
            "error: what `--with-token` read holds more than one line; session tokens look like `kss_…`, \
             on one line\n"
        ),
        "{login:#?}"
    );
    let typo = env.login_with_token("ksss_abc\n", &[]);
    assert!(typo.code(2).stderr.starts_with("error: what `--with-token` read is not a session token;"));
    env.run(&["auth", "status"]).code(3);

    let broken = format!("{}\nb", admin.session_token);
    let run = env.run_with_env(&["api-key", "list", "--platform-url", env.url()], &[("KEYSTROKE_TOKEN", &broken)]);
    let run = run.code(3);
    assert!(
        run.stderr.starts_with(
            "error: `KEYSTROKE_TOKEN` does not hold a session token; session tokens look like `kss_…`, on one line\n"
        ),
        "{run:#?}"
    );
    assert!(!run.stderr.contains(&admin.session_token[4..]), "never repeated: {run:#?}");

    // A blank value counts as unset, like an empty one.
    let blank = env.run_with_env(&["auth", "status", "--platform-url", env.url()], &[("KEYSTROKE_TOKEN", "   ")]);
    assert_eq!(
        blank.code(3).stderr,
        format!(
            "error: not signed in to {url}\nhint: run `keystroke auth login --platform-url {url}` to sign in\n",
            url = env.url()
        )
    );

    // A byte-order mark before it (a file saved by Notepad) is no part of it.
    let fresh = env.new_session(&admin.email);
    env.login_with_token(&format!("\u{feff}{fresh}\r\n"), &[]).success();
    env.run(&["auth", "status"]).success();
}

/// Signing in again replaces this machine's token, in whichever store it was; the replaced
/// session may be in a script's hands (`auth token`), so it stays valid, and the user is told
/// how to end it.
#[test]
fn signing_in_again_replaces_the_stored_token_and_names_the_old_session() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    let me = env.run(&["session", "list", "--json"]).success().json();
    let admin_session = me[0]["id"].as_str().unwrap().to_owned();

    let builder = env.user(Role::Builder);
    let again = env.login_with_token(&builder.session_token, &[("KEYSTROKE_CREDENTIAL_STORE", "file")]);
    let again = again.success();
    assert!(
        again.stderr.ends_with(&format!(
            "This replaces a sign-in stored on this machine (alan@acme.test): its session {admin_session} stays valid until \
             it expires, or until alan@acme.test signs in and runs `keystroke session revoke {admin_session}`\n"
        )),
        "{again:#?}"
    );
    assert_eq!(env.curl_status("/api/me", &admin.session_token), 200);
    // The copy in the kernel keyring is gone: only the file holds a token now.
    let keyring = env.run_with_env(&["auth", "status"], &[("KEYSTROKE_CREDENTIAL_STORE", "keyutils")]).code(3);
    // Out of sight, not gone: the variable is named, and where the sign-in is.
    let file = env.config_dir_path().join("credentials.json");
    assert_eq!(
        keyring.stderr,
        format!(
            "error: not signed in to {} in the keyutils store that `KEYSTROKE_CREDENTIAL_STORE` chooses; the sign-in \
             is in {} (file, mode 0600; opted in, not encrypted)\n\
             hint: unset `KEYSTROKE_CREDENTIAL_STORE` to reach it\n",
            env.url(),
            file.display()
        )
    );
    // A forced store that fails (no Secret Service here: no session bus) says where the sign-in is.
    let failed = env.run_with_env(&["auth", "status"], &[("KEYSTROKE_CREDENTIAL_STORE", "secret-service")]);
    assert!(
        failed.stderr.contains(&format!(
            "hint: the sign-in is in {} (file, mode 0600; opted in, not encrypted): unset `KEYSTROKE_CREDENTIAL_STORE` \
             to reach it",
            file.display()
        )),
        "{failed:#?}"
    );
    // `auth logout` says so too, a token in `KEYSTROKE_TOKEN` beside it or not.
    let token = &builder.session_token;
    let vars = [("KEYSTROKE_CREDENTIAL_STORE", "keyutils"), ("KEYSTROKE_TOKEN", token.as_str())];
    let logout = env.run_with_env(&["auth", "logout"], &vars).code(3);
    assert!(logout.stderr.contains("the sign-in is in"), "{logout:#?}");
    // Unless that store lost the token meanwhile (a reboot empties the kernel keyring): then it
    // is signed out, said as such, with the session the token was for.
    let aside = env.config_dir_path().join("credentials.json.aside");
    std::fs::rename(&file, &aside).unwrap();
    let lost = env.run_with_env(&["auth", "status"], &[("KEYSTROKE_CREDENTIAL_STORE", "keyutils")]).code(3);
    let said = format!(
        "error: not signed in to {}: the token its sign-in stored in {} (file, mode 0600; opted in, not encrypted) is \
         not there\n",
        env.url(),
        file.display()
    );
    assert!(lost.stderr.starts_with(&said), "{lost:#?}");
    std::fs::rename(&aside, &file).unwrap();
    let status = env.run_with_env(&["auth", "status", "--json"], &[("KEYSTROKE_CREDENTIAL_STORE", "file")]);
    assert_eq!(status.success().json()["user"]["email"], "grace@acme.test");

    // The same user signing in anew (another session): revoking the old one is theirs to do.
    let grace_again = env.new_session(&builder.email);
    let grace_session = env.current_session_id(&[("KEYSTROKE_CREDENTIAL_STORE", "file")]);
    let anew = env.login_with_token(&grace_again, &[("KEYSTROKE_CREDENTIAL_STORE", "file")]);
    assert!(anew.success().stderr.ends_with(&format!(
        "its session {} stays valid until it expires, or until `keystroke session revoke {}`\n",
        grace_session, grace_session
    )));

    // The same token in another store: only the copy moves, and the old store is emptied.
    let moved = env.login_with_token(&grace_again, &[]);
    assert!(!moved.success().stderr.contains("replaces"));
    let file = env.run_with_env(&["auth", "status"], &[("KEYSTROKE_CREDENTIAL_STORE", "file")]);
    file.code(3);
    assert!(
        !env.config_dir_path().join("credentials.json").exists() || {
            let text = std::fs::read_to_string(env.config_dir_path().join("credentials.json")).unwrap();
            !text.contains("kss_")
        }
    );

    // The same token again replaces nothing.
    let same = env.login_with_token(&grace_again, &[("KEYSTROKE_CREDENTIAL_STORE", "file")]);
    assert!(!same.success().stderr.contains("replaces"));
    let keyring = env.run_with_env(&["auth", "status"], &[("KEYSTROKE_CREDENTIAL_STORE", "keyutils")]);
    keyring.code(3); // the copy moved back to the file, and left the kernel keyring empty
}

/// The kernel keyring holds one token per platform URL for the OS user: a sign-in from another
/// config directory replaces it too, and says whose sign-in it replaced.
#[test]
fn a_sign_in_from_another_config_directory_names_the_token_it_replaces() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let admin_session = env.run(&["session", "list", "--json"]).success().json()[0]["id"].as_str().unwrap().to_owned();

    let elsewhere = tempfile::tempdir().unwrap();
    let other_dir = elsewhere.path().join("config");
    let builder = env.user(Role::Builder);
    let other = [("KEYSTROKE_CONFIG_DIR", other_dir.to_str().unwrap())];
    let signed_in = env.login_with_token(&builder.session_token, &other).success();
    assert!(
        signed_in.stderr.contains(&format!(
            "This replaces a sign-in stored on this machine (alan@acme.test): its session {admin_session} stays valid"
        )),
        "{signed_in:#?}"
    );
    // Both config directories now read the one entry: the builder's.
    let status = env.run(&["auth", "status", "--json"]).success().json();
    assert_eq!(status["user"]["email"], "grace@acme.test");

    // This directory's own token in the file, another one in the keyring: a sign-in into the
    // keyring replaces both, and names both.
    let file = [("KEYSTROKE_CREDENTIAL_STORE", "file")];
    let owner = env.user(Role::Owner);
    env.login_with_token(&owner.session_token, &file).success(); // moves this directory's token to the file
    env.login_with_token(&builder.session_token, &other).success(); // and the other one's back into the keyring
    let extra = env.new_session(&env.user(Role::Admin).email);
    let both = env.login_with_token(&extra, &[]).success();
    assert!(both.stderr.contains("This replaces a sign-in stored on this machine (ada@acme.test)"), "{both:#?}");
    assert!(both.stderr.contains("This replaces a sign-in stored on this machine (grace@acme.test)"), "{both:#?}");
    env.run_with_env(&["auth", "status"], &file).code(3); // the file copy is gone
}

/// A sign-in to another platform moves where commands without `--platform-url` go: said, with
/// the way back to the platform still signed in to.
#[test]
fn a_sign_in_elsewhere_says_where_commands_go_now() {
    let env = TestEnv::new();
    let before = "http://127.0.0.1:9";
    std::fs::create_dir_all(env.config_dir_path()).unwrap();
    let config =
        format!(r#"{{"platform_url": "{before}", "platforms": {{"{before}": {{"credential_store": "keyutils"}}}}}}"#);
    std::fs::write(env.config_dir_path().join("config.json"), config).unwrap();
    let user = env.user(Role::Builder);
    let login = env.login_with_token(&user.session_token, &[]).success();
    let moved = format!(
        "Commands without `--platform-url` now go to {} (they went to {before}, where you stay signed in: \
         `--platform-url {before}` reaches it)\n",
        env.url()
    );
    assert!(login.stderr.contains(&moved), "{login:#?}");
    // Signed in there again: nothing moved, nothing said.
    let again = env.login_with_token(&user.session_token, &[]).success();
    assert!(!again.stderr.contains("now go to"), "{again:#?}");
    // Signed out of it, commands say where this directory is still signed in.
    env.run(&["auth", "logout"]).success();
    let list = env.run(&["api-key", "list"]).code(3);
    assert_eq!(
        list.stderr,
        format!(
            "error: not signed in to {}\nhint: run `keystroke auth login` to sign in; you are signed in to {before}: \
             `--platform-url {before}` reaches it\n",
            env.url()
        )
    );
}
