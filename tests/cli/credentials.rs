use std::io::Write;
use std::process::{Command, Stdio};

use keystroke_api::Role;
use serde_json::json;

use crate::support::{BIN, Run, TestEnv, installed, run_with_stdin};

#[test]
fn tokens_and_secrets_never_reach_logs_or_config_files() {
    let env = TestEnv::new();
    let user = env.sign_in(Role::Admin);
    let token = user.session_token.clone();

    let created = env.run(&["-v", "api-key", "create", "--name", "Verbose"]).success();
    let secret = created.stdout.trim();
    let mut runs = vec![created.stderr.clone()];
    for args in [vec!["-v", "auth", "status"], vec!["-v", "api-key", "list"], vec!["-v", "org", "list"]] {
        let run = env.run(&args).success();
        assert!(!run.stdout.contains(&token), "{args:?}: {run:#?}");
        runs.push(run.stderr);
    }
    let files = env.config_files();
    assert!(!files.is_empty());
    for (path, text) in files {
        assert!(!text.contains(&token) && !text.contains(secret), "{} holds a secret", path.display());
    }
    // Signing out and in again, where the token itself is sent and received.
    runs.push(env.run(&["-v", "auth", "logout", "--revoke"]).success().stderr);
    let again = env.new_session(&user.email);
    let login = env.run_with_stdin(&["-v", "auth", "login", "--with-token", "--platform-url", env.url()], &again);
    let login = login.success();
    assert!(!login.stdout.contains(&again), "{login:#?}");
    runs.push(login.stderr);
    for stderr in &runs {
        assert!(stderr.contains("> GET ") || stderr.contains("> POST "), "-v shows requests: {stderr}");
        for leaked in [token.as_str(), secret, again.as_str()] {
            assert!(!stderr.contains(leaked), "{stderr}");
        }
    }
}

#[test]
fn the_opt_in_file_store_is_private_and_says_so() {
    let env = TestEnv::with_store("file");
    env.sign_in(Role::Builder);
    let status = env.run(&["auth", "status"]).success();
    let path = env.config_dir_path().join("credentials.json");
    assert!(
        status.stdout.contains(&format!("Token:       {} (file, mode 0600; opted in, not encrypted)", path.display())),
        "{status:#?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        // Opened up by hand: refused, like ssh refuses a readable private key, and left as it is.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = env.run(&["api-key", "list", "--org", "acme"]).code(1);
        assert!(
            refused.stderr.starts_with(&format!(
                "error: refusing to use {}: other users can read or write it (mode 644, expected 600)\nhint: run `chmod 600 {}`",
                path.display(),
                path.display()
            )),
            "{refused:#?}"
        );
        assert!(std::fs::read_to_string(&path).unwrap().contains("kss_"), "the token file is left in place");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        env.run(&["api-key", "list", "--org", "acme"]).success();
    }
}

/// A logout that revoked the session but could not remove its token says both: the session is
/// over, and the token (which no longer works) is still here.
#[cfg(unix)]
#[test]
fn a_logout_that_cannot_remove_the_token_says_the_session_is_ended() {
    let mut env = TestEnv::with_store("file");
    let user = env.sign_in(Role::Builder).clone();
    // The directory's lock cannot be taken (a folder in its place; permissions would not stop
    // root, which CI runs as): keystroke reads the directory but changes nothing in it.
    let lock = env.config_dir_path().join(".lock");
    let block_changes = || {
        let _ = std::fs::remove_file(&lock);
        std::fs::create_dir(&lock).unwrap();
    };
    block_changes();
    // Left valid (it came with `--with-token`), the token still works, and that is what is said.
    let kept = env.run(&["auth", "logout"]).code(1);
    let session = env.current_session_id(&[]);
    assert!(
        kept.stderr.starts_with(&format!(
            "error: could not remove the token from this machine, and its session {session} (from `--with-token`) was \
             left valid: the token still works: "
        )),
        "{kept:#?}"
    );
    assert_eq!(env.curl_status("/api/me", &user.session_token), 200);
    let logout = env.run(&["auth", "logout", "--revoke"]).code(1);
    assert!(
        logout.stderr.starts_with(
            "error: the session is ended on the platform, but its token (which no longer works) is still on this \
             machine: "
        ),
        "{logout:#?}"
    );
    assert_eq!(env.curl_status("/api/me", &user.session_token), 401, "revoked");
    std::fs::remove_dir(&lock).unwrap();
    let tokens = std::fs::read_to_string(env.config_dir_path().join("credentials.json")).unwrap();
    assert!(tokens.contains(&user.session_token), "still stored, as the error says");

    // Neither: the platform's reason keeps its exit code, and both failures are told.
    let again = env.new_session(&user.email);
    env.login_with_token(&again, &[]).success();
    block_changes();
    env.stop_server();
    let neither = env.run(&["auth", "logout", "--revoke"]).code(6);
    let expected_start =
        format!("error: could not remove the token from this machine (could not open {}", lock.display());
    assert!(neither.stderr.starts_with(&expected_start), "{neither:#?}");
    assert!(
        neither.stderr.contains(&format!(
            "), nor revoke the session: the platform at {} is unreachable: could not connect\nhint: the session stays valid",
            env.url()
        )),
        "{neither:#?}"
    );
    std::fs::remove_dir(&lock).unwrap();
}

/// A stored token edited by hand: a line end added is dropped; anything else that is no session
/// token is called damaged (exit 3, never sent or printed), and `auth logout` removes it.
#[test]
fn a_stored_token_edited_by_hand_is_read_or_called_damaged() {
    let env = TestEnv::with_store("file");
    let user = env.sign_in(Role::Builder).clone();
    let path = env.config_dir_path().join("credentials.json");
    let stored = std::fs::read_to_string(&path).unwrap();
    let edit = |token: &str| std::fs::write(&path, stored.replace(&user.session_token, token)).unwrap();
    edit(&format!("{}\\n", user.session_token));
    assert_eq!(env.run(&["auth", "token"]).success().stdout.trim(), user.session_token);
    env.run(&["org", "list"]).success();

    for damaged in ["not a token\\u0007", " "] {
        edit(damaged);
        let list = env.run(&["org", "list"]).code(3);
        let expected = format!("error: the token stored for {} in {} (file", env.url(), path.display());
        assert!(list.stderr.starts_with(&expected), "{damaged:?}: {list:#?}");
        assert!(!list.stderr.contains("not a token"), "{list:#?}");
        let token = env.run(&["auth", "token"]).code(3);
        assert_eq!(token.stdout, "");
    }
    edit("not a token");
    let logout = env.run(&["auth", "logout"]).success();
    assert!(logout.stderr.contains("its stored token was damaged, no session token: it was removed"), "{logout:#?}");
    assert!(!std::fs::read_to_string(&path).unwrap().contains("not a token"), "removed");
}

/// Bytes that are not text in the kernel keyring's entry (written by something else) are a
/// damaged token too: said so, and removed by `auth logout`, rather than an error that stays.
#[test]
fn a_keyring_entry_that_is_not_text_is_a_damaged_token() {
    if installed("keyctl", "editing the kernel keyring's entry").is_none() {
        return;
    }
    let env = TestEnv::new();
    env.sign_in(Role::Builder);
    let entry = format!("keyring:{}@keystroke", env.url());
    let overwrite = format!("id=$(keyctl search @s user '{entry}') && printf '\\377\\376' | keyctl pupdate \"$id\"");
    assert!(env.isolated("sh").args(["-c", &overwrite]).status().unwrap().success(), "{overwrite}");
    let list = env.run(&["org", "list"]).code(3);
    assert!(list.stderr.contains("is damaged: it is not a session token"), "{list:#?}");
    let logout = env.run(&["auth", "logout"]).success();
    assert!(logout.stderr.contains("its stored token was damaged, no session token: it was removed"), "{logout:#?}");
    env.run(&["auth", "status"]).code(3);
}

/// `auth login --insecure-storage` is the per-sign-in way into the file store: the token goes
/// to a 0600 file and the sign-in says so; it cannot contradict a store chosen by the variable.
#[test]
fn insecure_storage_puts_the_token_in_a_private_file() {
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    let args = ["auth", "login", "--with-token", "--insecure-storage", "--platform-url", env.url()];
    let conflict = env.run_with_stdin_and_env(&args, &user.session_token, &[]).code(2);
    assert_eq!(
        conflict.stderr,
        "error: `--insecure-storage` conflicts with `KEYSTROKE_CREDENTIAL_STORE=keyutils`\n\
         hint: drop one of them, or set `KEYSTROKE_CREDENTIAL_STORE=file`\n"
    );
    assert!(env.config_files().is_empty(), "{:?}", env.config_files());

    let auto = [("KEYSTROKE_CREDENTIAL_STORE", "auto")];
    let login = env.run_with_stdin_and_env(&args, &user.session_token, &auto).success();
    let path = env.config_dir_path().join("credentials.json");
    let stored = format!("Token stored in {} (file, mode 0600; opted in, not encrypted)\n", path.display());
    assert!(login.stderr.contains(&stored), "{login:#?}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&path).unwrap().contains(&user.session_token));
    let status = env.run_with_env(&["auth", "status"], &auto).success();
    assert!(status.stdout.contains(&format!("Token:       {} (file", path.display())), "{status:#?}");

    // `config.json`, which records that the file holds the token, deleted as its error's hint
    // allows: the token there is still found, used, and signed out (not left behind, valid).
    std::fs::remove_file(env.config_dir_path().join("config.json")).unwrap();
    let status = env.run_with_env(&["--platform-url", env.url(), "auth", "status", "--json"], &auto).success().json();
    assert_eq!((&status["token"]["store"], &status["user"]["email"]), (&"file".into(), &user.email.as_str().into()));
    // The file alone, for scripts (`location` says it in words).
    assert_eq!(status["token"]["path"], path.to_str().unwrap());
    env.run_with_env(&["--platform-url", env.url(), "auth", "logout", "--revoke"], &auto).success();
    assert!(!std::fs::read_to_string(&path).unwrap().contains(&user.session_token), "removed from the file");
    assert_eq!(env.curl_status("/api/me", &user.session_token), 401, "and its session ended");

    // In the file again, `config.json` deleted again, then a sign-in to the keyring: it replaces
    // the file's token (removed, and named), which must not come back after `auth logout`.
    let in_file = env.new_session(&user.email);
    env.run_with_stdin_and_env(&args, &in_file, &auto).success();
    std::fs::remove_file(env.config_dir_path().join("config.json")).unwrap();
    let login = env.login_with_token(&env.new_session(&user.email), &[]).success();
    assert!(login.stderr.contains(&format!("This replaces a sign-in stored on this machine ({})", user.email)));
    let moved = format!(
        "warning: the token is no longer in {}, but in the kernel keyring (keyutils; the session's keyring, gone at \
         logout or reboot): `--insecure-storage` keeps it in the file\n",
        path.display()
    );
    assert!(login.stderr.contains(&moved), "{login:#?}");
    assert!(!std::fs::read_to_string(&path).unwrap().contains(&in_file), "removed from the file");
    env.run(&["auth", "logout"]).success();
    env.run(&["auth", "status"]).code(3);
}

/// Two people at once, as README says: one in the keyring, one in another config directory's
/// opt-in file. Once the second signs out, that directory is signed out: a keyring token left
/// there by the other directory's sign-in is not its own. It used to be read, and a second
/// `auth logout` there ended the first person's session.
#[test]
fn a_config_directory_signed_out_stays_signed_out_beside_a_keyring_sign_in() {
    let env = TestEnv::new();
    let owner = env.sign_in(Role::Owner);
    let builder = env.user(Role::Builder);
    let other_dir = tempfile::tempdir().unwrap();
    let dir = other_dir.path().to_str().unwrap();
    let there = [("KEYSTROKE_CONFIG_DIR", dir), ("KEYSTROKE_CREDENTIAL_STORE", "auto")];
    let login = ["auth", "login", "--with-token", "--insecure-storage", "--platform-url", env.url()];
    env.run_with_stdin_and_env(&login, &builder.session_token, &there).success();
    let status = env.run_with_env(&["auth", "status", "--json"], &there).success().json();
    assert_eq!((&status["user"]["email"], &status["token"]["store"]), (&builder.email.as_str().into(), &"file".into()));

    env.run_with_env(&["auth", "logout"], &there).success();
    let not_there = format!("error: not signed in to {}\n", env.url());
    let nothing_to_end = format!("error: not signed in to {}: nothing to sign out of\n", env.url());
    for args in [&["auth", "status"][..], &["auth", "logout"], &["api-key", "list"]] {
        let expected = if args[1] == "logout" { &nothing_to_end } else { &not_there };
        let run = env.run_with_env(args, &there).code(3);
        assert!(run.stderr.starts_with(expected.as_str()), "{args:?}: {run:#?}");
        // A store chosen by the variable does not sign the directory back in either.
        let forced = env.run_with_env(args, &[("KEYSTROKE_CONFIG_DIR", dir)]).code(3);
        assert!(forced.stderr.starts_with(expected.as_str()), "{args:?}: {forced:#?}");
    }
    let here = env.run(&["auth", "status", "--json"]).success().json();
    assert_eq!(here["user"]["email"], owner.email.as_str(), "the keyring's sign-in is untouched");
    assert_eq!(env.curl_status("/api/me", &owner.session_token), 200);

    // A token in this directory's own opt-in file is this directory's, recorded or not (a
    // sign-in whose config could not be saved leaves it so): found, used, and signed out.
    let left = env.new_session(&builder.email);
    env.run_with_stdin_and_env(&login, &left, &there).success();
    let config_file = other_dir.path().join("config.json");
    let mut config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&config_file).unwrap()).unwrap();
    let settings = config["platforms"][env.url()].as_object_mut().unwrap();
    assert!(settings.remove("credential_store").is_some(), "{settings:?}");
    std::fs::write(&config_file, config.to_string()).unwrap();
    let status = env.run_with_env(&["auth", "status", "--json"], &there).success().json();
    assert_eq!((&status["user"]["email"], &status["token"]["store"]), (&builder.email.as_str().into(), &"file".into()));
    env.run_with_env(&["auth", "logout", "--revoke"], &there).success();
    assert_eq!(env.curl_status("/api/me", &left), 401, "its session ended");
    env.run_with_env(&["auth", "status"], &there).code(3);
}

/// Sign-ins at once to two platforms in one config directory each keep their token and
/// settings: every read-change-write of `config.json` and `credentials.json` holds the
/// directory's lock. Without it, one of the two was lost every time.
#[test]
fn sign_ins_at_once_keep_each_others_settings() {
    let env = TestEnv::with_store("file");
    let other = TestEnv::with_store("file");
    let platforms = [(env.url(), env.user(Role::Builder)), (other.url(), other.user(Role::Builder))];
    for round in 0..5 {
        let _ = std::fs::remove_dir_all(env.config_dir_path());
        let mut logins: Vec<_> = platforms
            .iter()
            .map(|(url, _)| {
                let mut login = env.command(&["auth", "login", "--with-token", "--platform-url", url]);
                login.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
            })
            .collect();
        // The tokens go in once both have started, so that the two sign-ins overlap.
        for (login, (_, user)) in logins.iter_mut().zip(&platforms) {
            login.stdin.take().unwrap().write_all(user.session_token.as_bytes()).unwrap();
        }
        for login in logins {
            let output = login.wait_with_output().unwrap();
            assert!(output.status.success(), "round {round}: {}", String::from_utf8_lossy(&output.stderr));
        }
        let read = |name: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(env.config_dir_path().join(name)).unwrap()).unwrap()
        };
        let (config, tokens) = (read("config.json"), read("credentials.json"));
        for (url, user) in &platforms {
            assert_eq!(config["platforms"][url]["credential_store"], "file", "round {round}: {config}");
            assert_eq!(tokens["tokens"][url], user.session_token.as_str(), "round {round}: {url}");
        }
    }
}

/// A config directory that belongs to another user is refused, as ssh refuses such a `~/.ssh`:
/// its owner could read or replace what keystroke writes there. Needs root, the only user who
/// can make a directory that belongs to someone else (CI runs as root).
#[test]
fn a_config_directory_of_another_user_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        crate::skip::skip("the test of a config directory owned by another user: not root");
        return;
    }
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let theirs = tempfile::tempdir().unwrap();
    std::fs::set_permissions(theirs.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    const NOBODY: u32 = 65_534;
    std::os::unix::fs::chown(theirs.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let dir = theirs.path().to_str().unwrap();
    let switch =
        env.run_with_env(&["org", "switch", "acme", "--platform-url", env.url()], &[("KEYSTROKE_CONFIG_DIR", dir)]);
    let switch = switch.code(1);
    assert!(
        switch.stderr.contains("its directory belongs to another user (uid 65534), who could read or replace it"),
        "{switch:#?}"
    );
    assert_eq!(std::fs::read_dir(theirs.path()).unwrap().count(), 0, "nothing written");

    // Nor is what they wrote there read: their platform URL would receive the token.
    let planted = theirs.path().join("config.json");
    std::fs::write(&planted, r#"{"platform_url": "http://127.0.0.1:9"}"#).unwrap();
    std::os::unix::fs::chown(&planted, Some(NOBODY), Some(NOBODY)).unwrap();
    let token = env.user(Role::Admin).session_token.clone();
    let listed = env.run_with_env(&["org", "list"], &[("KEYSTROKE_CONFIG_DIR", dir), ("KEYSTROKE_TOKEN", &token)]);
    let listed = listed.code(1);
    assert!(
        listed.stderr.starts_with(&format!(
            "error: refusing to read {}: its directory belongs to another user (uid 65534)",
            planted.display()
        )),
        "{listed:#?}"
    );
}

/// A config directory on a read-only mount: a command that would write there names the
/// directory and the way out; `auth logout` signs out all the same (the token leaves the store)
/// and warns that the config could not be updated, where it used to fail after the sign-out.
/// Needs root, to mount (CI runs as root).
#[test]
fn a_read_only_config_directory_is_named_with_a_way_out() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        crate::skip::skip("the test of a read-only config directory: not root");
        return;
    }
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let dir = env.config_dir_path().display().to_string();
    let read_only = |args: &[&str]| {
        let mount = format!("mount --bind '{dir}' '{dir}' && mount -o remount,bind,ro '{dir}' && exec \"$0\" \"$@\"");
        let mut command = env.isolated("unshare");
        command.args(["-m", "sh", "-c", &mount, BIN]).args(args);
        run_with_stdin(command, "")
    };
    let switch = read_only(&["org", "switch", "acme"]).code(1);
    assert_eq!(
        switch.stderr,
        format!(
            "error: could not open {dir}/.lock: Read-only file system (os error 30)\n\
             hint: make the directory writable, or set `KEYSTROKE_CONFIG_DIR` to one you can write\n"
        )
    );
    let logout = read_only(&["auth", "logout", "--revoke"]).success();
    assert_eq!(
        logout.stderr,
        format!(
            "warning: could not open {dir}/.lock: Read-only file system (os error 30); the sign-out stands, as the \
             token is removed\nSigned out of {}; its session is ended\n",
            env.url()
        )
    );
    env.run(&["auth", "status"]).code(3);
}

/// `KEYSTROKE_CONFIG_DIR=.` is checked like the same directory named in full: its parent, which
/// anyone may write here, could swap it for theirs.
#[test]
fn the_current_directory_as_config_directory_has_its_parent_checked() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let outer = tempfile::tempdir().unwrap();
    let inner = outer.path().join("config");
    std::fs::create_dir(&inner).unwrap();
    std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(inner.join("config.json"), "{}").unwrap();
    std::fs::set_permissions(inner.join("config.json"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(outer.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    for dir in [".", inner.to_str().unwrap()] {
        let mut listed = env.command(&["org", "list"]);
        listed.current_dir(&inner).env("KEYSTROKE_CONFIG_DIR", dir);
        let listed = Run::from(listed.output().unwrap()).code(1);
        assert!(
            listed
                .stderr
                .contains(&format!("its parent {} is writable by other users (mode 777)", outer.path().display())),
            "{dir}: {listed:#?}"
        );
    }
}

/// A shared directory like `/tmp` (world-writable, sticky) is refused as the config directory,
/// and the way out is never to make it private (`chmod go-w /tmp` would break every other user).
#[test]
fn a_shared_directory_is_refused_without_advice_to_change_it() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::with_store("file");
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let mut command = env.command(&["auth", "login", "--with-token", "--platform-url", env.url()]);
    command.env("KEYSTROKE_CONFIG_DIR", shared.path());
    let refused = run_with_stdin(command, &env.user(Role::Builder).session_token).code(1);
    assert!(refused.stderr.contains("is writable by other users (mode 1777)"), "{refused:#?}");
    assert!(
        refused.stderr.contains(
            "hint: it is a shared directory (like /tmp): set `KEYSTROKE_CONFIG_DIR` to a directory only you can write"
        ),
        "{refused:#?}"
    );
    assert!(!refused.stderr.contains("chmod"), "{refused:#?}");
}

/// `KEYSTROKE_CONFIG_DIR` set where no shell expands it (a CI file's `env:`): `~/…` is in the
/// home directory, not in a folder named `~` in the checkout (and `~user/…` is refused); a relative
/// path is named in full.
#[test]
fn a_config_directory_under_tilde_is_in_the_home_directory() {
    let env = TestEnv::with_store("file");
    let checkout = tempfile::tempdir().unwrap();
    let user = env.user(Role::Builder);
    let login = |dir: &str| {
        let mut command = env.command(&["auth", "login", "--with-token", "--platform-url", env.url()]);
        command.current_dir(checkout.path()).env("KEYSTROKE_CONFIG_DIR", dir);
        run_with_stdin(command, &user.session_token).success()
    };
    for (dir, stored) in [
        ("~/keystroke-ci", env.home_path().join("keystroke-ci/credentials.json")),
        ("ci-config", checkout.path().join("ci-config/credentials.json")),
    ] {
        let login = login(dir);
        assert!(login.stderr.contains(&format!("Token stored in {} (file", stored.display())), "{login:#?}");
        assert!(stored.is_file(), "{}", stored.display());
    }
    assert!(!checkout.path().join("~").exists());
    // `~user` would be another user's home: refused, not made in the checkout.
    let mut command = env.command(&["auth", "status"]);
    command.current_dir(checkout.path()).env("KEYSTROKE_CONFIG_DIR", "~root/keystroke");
    let refused = run_with_stdin(command, "").code(2);
    assert_eq!(
        refused.stderr,
        "error: `KEYSTROKE_CONFIG_DIR` starts with `~root`, which keystroke does not expand (only `~` and `~/…`)\n\
         hint: write that home directory out, or let a shell expand it (`~root` unquoted)\n"
    );
    assert!(!checkout.path().join("~root").exists());
}

/// A sign-in whose config directory cannot be locked fails before its token is stored: it left a
/// working token in the keyring behind an error that said the sign-in had failed.
#[test]
fn a_sign_in_whose_config_directory_cannot_be_locked_stores_no_token() {
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    std::fs::create_dir_all(env.config_dir_path().join(".lock")).unwrap(); // the lock cannot be taken
    let login = env.login_with_token(&user.session_token, &[]).code(1);
    assert!(
        login.stderr.starts_with(&format!("error: could not open {}: ", env.config_dir_path().join(".lock").display())),
        "{login:#?}"
    );
    assert!(
        login.stderr.ends_with("\nhint: a folder is where keystroke keeps that file: move it out of the way\n"),
        "{login:#?}"
    );
    std::fs::remove_dir(env.config_dir_path().join(".lock")).unwrap();
    let token = env.run(&["auth", "token", "--platform-url", env.url()]).code(3);
    assert_eq!(token.stdout, "", "nothing stored");
}

/// Off CI, a test that needs the session bus `scripts/test` starts is skipped, with a word; in CI
/// (started under dbus-run-session with an unlocked gnome-keyring) a missing bus fails it.
fn skip_without_session_bus(why: &str) {
    crate::skip::skip(&format!("the Secret Service tests: {why} (scripts/test starts a session bus)"));
}

/// The Secret Service path, read back with `secret-tool` as a desktop user would. Runs where a
/// session bus exists (CI starts one with `dbus-run-session` and an unlocked gnome-keyring); in
/// CI a missing bus is a failure, never a silent skip.
#[test]
fn secret_service_holds_the_token_where_secret_tool_finds_it() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return skip_without_session_bus("no DBUS_SESSION_BUS_ADDRESS");
    }
    let env = TestEnv::with_store("secret-service");
    let user = env.sign_in(Role::Builder);
    let lookup = || {
        let output = Command::new("secret-tool")
            .args(["lookup", "service", "keystroke", "username", env.url()])
            .output()
            .expect("secret-tool runs");
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(lookup().trim_end(), user.session_token);
    let status = env.run(&["auth", "status"]).success();
    assert!(status.stdout.contains("Token:       Secret Service (desktop keyring)\n"), "{status:#?}");

    env.run(&["auth", "logout"]).success();
    assert_eq!(lookup(), "");
}

/// Over SSH the session bus is often only systemd's per-user socket, `$XDG_RUNTIME_DIR/bus`,
/// with `DBUS_SESSION_BUS_ADDRESS` unset: a Secret Service chosen by name is reached there, as
/// other D-Bus clients reach it; with no such socket either, the error names both places.
#[test]
fn a_chosen_secret_service_is_reached_through_the_runtime_dir_socket() {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    let Some(socket) = address.strip_prefix("unix:path=").and_then(|rest| rest.split(',').next()) else {
        return skip_without_session_bus("no session bus at a socket path");
    };
    let env = TestEnv::with_store("secret-service");
    let user = env.user(Role::Builder);
    let runtime = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(socket, runtime.path().join("bus")).unwrap();
    let without_variable = |args: &[&str], runtime_dir: &std::path::Path| {
        let mut command = env.command(args);
        command.env_remove("DBUS_SESSION_BUS_ADDRESS").env("XDG_RUNTIME_DIR", runtime_dir);
        command
    };

    let mut login = without_variable(&["auth", "login", "--with-token", "--platform-url", env.url()], runtime.path());
    let mut child = login.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(user.session_token.as_bytes()).unwrap();
    let signed_in: Run = child.wait_with_output().unwrap().into();
    signed_in.success();
    let stored = Command::new("secret-tool").args(["lookup", "service", "keystroke", "username", env.url()]).output();
    assert_eq!(String::from_utf8(stored.unwrap().stdout).unwrap().trim_end(), user.session_token);

    let elsewhere = tempfile::tempdir().unwrap();
    let no_bus: Run = without_variable(&["auth", "status"], elsewhere.path()).output().unwrap().into();
    assert_eq!(no_bus.code, 1, "{no_bus:#?}");
    assert!(no_bus.stderr.contains("there is no `$XDG_RUNTIME_DIR/bus`"), "{no_bus:#?}");

    let status = Run::from(without_variable(&["auth", "status"], runtime.path()).output().unwrap()).success();
    assert!(status.stdout.contains("Token:       Secret Service (desktop keyring)\n"), "{status:#?}");
    env.run(&["auth", "logout"]).success();
}

/// A session bus that is set but cannot be reached (a stale address; a hung one is the next
/// test) is not a headless machine: sign-in fails and says what to do instead of falling back
/// silently to the kernel keyring, which forgets the token at the next reboot.
#[test]
fn an_unreachable_secret_service_is_never_downgraded_silently() {
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    let login = env.login_with_token(
        &user.session_token,
        &[("KEYSTROKE_CREDENTIAL_STORE", "auto"), ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")],
    );
    let login = login.code(1);
    assert!(
        login.stderr.starts_with("error: could not connect to the Secret Service (desktop keyring): "),
        "{login:#?}"
    );
    assert!(
        login.stderr.contains(
            "(`DBUS_SESSION_BUS_ADDRESS` is set, so keystroke uses the desktop keyring and does not fall back \
             silently)\n"
        ),
        "{login:#?}"
    );
    for advice in [
        "hint: unlock your keyring",
        "`KEYSTROKE_CREDENTIAL_STORE=keyutils`",
        "`--insecure-storage`",
        "`KEYSTROKE_CREDENTIAL_STORE=file`",
        "`KEYSTROKE_TOKEN`",
    ] {
        assert!(login.stderr.contains(advice), "{advice}: {login:#?}");
    }
    assert!(!login.stderr.contains("Signed in"), "{login:#?}");
    // Nothing stored anywhere: not in the kernel keyring, not in a file, not even the config.
    env.run(&["auth", "token", "--platform-url", env.url()]).code(3);
    // Nothing but the directory's (empty) lock file, taken before the token was to be stored.
    let files = env.config_files();
    assert!(files.iter().all(|(path, text)| path.ends_with(".lock") && text.is_empty()), "{files:?}");
}

/// A Secret Service that takes the connection and then never answers (a keyring stuck behind an
/// unlock prompt) costs `KEYSTROKE_KEYRING_TIMEOUT`, not a hung terminal, and stores nothing.
#[test]
fn a_secret_service_that_hangs_is_given_up_on_after_the_timeout() {
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    // Accepts every connection and keeps it open without a byte in reply.
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().map_while(Result::ok).collect();
        drop(held);
    });
    let bus = format!("unix:path={}", socket.display());
    let vars = [
        ("KEYSTROKE_CREDENTIAL_STORE", "secret-service"),
        ("DBUS_SESSION_BUS_ADDRESS", bus.as_str()),
        ("KEYSTROKE_KEYRING_TIMEOUT", "0.5"),
    ];
    let login = env.login_with_token(&user.session_token, &vars).code(1);
    assert!(
        login.stderr.starts_with(
            "error: could not save the token in the Secret Service (desktop keyring): no answer within 0.5 s (is it \
             locked and waiting for a password?)\nhint: unlock (or start) your keyring and retry"
        ),
        "{login:#?}"
    );
    assert!(!login.stderr.contains(&user.session_token), "{login:#?}");
    let status = env.run_with_env(&["auth", "status"], &vars).code(1);
    assert!(status.stderr.contains("no answer within 0.5 s"), "{status:#?}");
    env.run(&["auth", "token", "--platform-url", env.url()]).code(3);
    // Nothing but the directory's (empty) lock file, taken before the token was to be stored.
    let files = env.config_files();
    assert!(files.iter().all(|(path, text)| path.ends_with(".lock") && text.is_empty()), "{files:?}");
}

/// The kernel keyring keeps a sign-in for its login session alone: another login session (a
/// second SSH login) is not signed in, signs in on its own without touching this one, and cannot
/// reach the token even through the account's persistent keyring, which every container that
/// runs as the same user shares (the token used to be linked there).
#[test]
fn a_kernel_keyring_sign_in_stays_in_its_login_session() {
    if installed("keyctl", "a second login session").is_none() {
        return;
    }
    let env = TestEnv::new();
    let builder = env.sign_in(Role::Builder);
    let url = env.url();
    let elsewhere = env.run_in_another_login_session(&["auth", "status"], "", &[]).code(3);
    let said = format!(
        "error: not signed in to {url}: the token its sign-in stored in the kernel keyring (keyutils; the session's \
         keyring, gone at logout or reboot) is not there\n"
    );
    assert!(elsewhere.stderr.contains(&said), "{elsewhere:#?}");
    let admin = env.user(Role::Admin);
    let login = ["auth", "login", "--with-token", "--platform-url", url];
    env.run_in_another_login_session(&login, &admin.session_token, &[]).success();
    let here = env.run(&["auth", "status", "--json"]).success().json();
    assert_eq!(here["user"]["email"], json!(builder.email), "still the builder here");

    let through_persistent =
        format!("keyctl get_persistent @s >/dev/null && keyctl search @s user 'keyring:{url}@keystroke'");
    let reached = env.isolated("keyctl").args(["session", "-", "sh", "-c", &through_persistent]).output().unwrap();
    assert!(!reached.status.success(), "{reached:?}");
    assert!(String::from_utf8_lossy(&reached.stderr).contains("Required key not available"), "{reached:?}");
}

/// Where no login made a session keyring (a container's shell, cron), the kernel hands out the
/// user's own, which all such processes of the user share: sign-in says so, and what to do.
#[test]
fn a_sign_in_without_a_login_session_keyring_says_it_is_shared() {
    if installed("keyctl", "the user's shared session keyring").is_none() {
        return;
    }
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    // SAFETY: getuid has no preconditions.
    let shared = format!("_uid_ses.{}", unsafe { libc::getuid() });
    let in_shared = |args: &[&str], stdin: &str| {
        let mut command = env.isolated("keyctl");
        command.args(["session", &shared, crate::support::BIN]).args(args);
        crate::support::run_with_stdin(command, stdin)
    };
    let login = in_shared(&["auth", "login", "--with-token", "--platform-url", env.url()], &user.session_token);
    let login = login.success();
    assert!(
        login.stderr.contains(
            "warning: no login made a session keyring here (a container's shell, `docker exec`, cron): the token is \
             in your user's session keyring"
        ),
        "{login:#?}"
    );
    assert!(
        login
            .stderr
            .contains("Token stored in the kernel keyring (keyutils; a session keyring shared beyond this login"),
        "not said to be gone at logout: {login:#?}"
    );
    // Said again by `auth status`, for as long as the token is there.
    let status = in_shared(&["auth", "status"], "").success();
    assert!(
        status.stdout.contains("Token:       kernel keyring (keyutils; a session keyring shared beyond this login")
    );
    assert!(status.stderr.contains("warning: no login made a session keyring here"), "{status:#?}");
    in_shared(&["auth", "logout"], "").success();
    // A login session keyring of its own, as this test's: no such word.
    let own = env.login_with_token(&env.new_session(&user.email), &[]).success();
    assert!(!own.stderr.contains("warning:"), "{own:#?}");
}

/// Without any session bus (servers, containers) the kernel keyring is the documented store,
/// and sign-in says so, caveat included.
#[test]
fn without_a_session_bus_login_uses_the_kernel_keyring_and_says_so() {
    let env = TestEnv::new();
    let user = env.user(Role::Builder);
    let login = env.login_with_token(&user.session_token, &[("KEYSTROKE_CREDENTIAL_STORE", "auto")]);
    let login = login.success();
    assert!(
        login.stderr.contains(
            "\nToken stored in the kernel keyring (keyutils; the session's keyring, gone at logout or reboot)\n"
        ),
        "{login:#?}"
    );
    let status = env.run(&["auth", "status", "--json"]).success().json();
    assert_eq!(status["token"]["store"], "keyutils");

    // Asking for the Secret Service where there is no bus says so, and the way to the sign-in;
    // `auth logout` too, which signs nothing out.
    for command in ["status", "logout"] {
        let forced = env.run_with_env(&["auth", command], &[("KEYSTROKE_CREDENTIAL_STORE", "secret-service")]).code(1);
        assert!(forced.stderr.contains("there is no D-Bus session bus to reach it"), "{forced:#?}");
        assert!(
            forced.stderr.contains(
                "hint: the sign-in is in the kernel keyring (keyutils; the session's keyring, gone at logout or \
                 reboot): unset `KEYSTROKE_CREDENTIAL_STORE` to reach it"
            ),
            "{command}: {forced:#?}"
        );
    }
    env.run(&["auth", "status"]).success();
    let unknown = env.run_with_env(&["auth", "status"], &[("KEYSTROKE_CREDENTIAL_STORE", "vault")]).code(2);
    assert!(unknown.stderr.contains("use one of this system's stores: secret-service, keyutils, file"), "{unknown:#?}");
    let elsewhere = env.run_with_env(&["auth", "status"], &[("KEYSTROKE_CREDENTIAL_STORE", "keychain")]).code(2);
    assert!(
        elsewhere.stderr.contains(
            "error: KEYSTROKE_CREDENTIAL_STORE=`keychain`: the macOS Keychain is not on this system\n\
             hint: use one of this system's stores: secret-service, keyutils, file"
        ),
        "{elsewhere:#?}"
    );
}

/// Sign-ins at once into two stores (the kernel keyring, and the opted-in file) end with one of
/// them signed in, its token in the one store the config names: the token, the config and the
/// removal of the other store's copy are one round under the config directory's lock. They
/// interleaved, leaving a token (in clear, in the file) where the config did not look, or no
/// sign-in at all while every process said it had signed in.
#[test]
fn sign_ins_at_once_into_two_stores_leave_one_consistent_sign_in() {
    if installed("keyctl", "looking into the kernel keyring").is_none() {
        return;
    }
    let env = TestEnv::new();
    let url = env.url();
    let auto = [("KEYSTROKE_CREDENTIAL_STORE", "auto")];
    let email = env.user(Role::Builder).email.clone();
    let file = env.config_dir_path().join("credentials.json");
    let in_keyring = || {
        let search = ["search", "@s", "user", &format!("keyring:{url}@keystroke")];
        env.isolated("keyctl").args(search).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap().success()
    };
    for round in 0..4 {
        let logins: Vec<_> = (0..6)
            .map(|i| {
                let token = env.new_session(&email);
                let mut args = vec!["auth", "login", "--with-token", "--platform-url", url];
                if i % 2 == 1 {
                    args.push("--insecure-storage");
                }
                let mut command = env.command(&args);
                command.envs(auto).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
                let mut child = command.spawn().unwrap();
                child.stdin.take().unwrap().write_all(token.as_bytes()).unwrap();
                (token, child)
            })
            .collect();
        let mut tokens = Vec::new();
        for (token, child) in logins {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "round {round}: {}", String::from_utf8_lossy(&output.stderr));
            tokens.push(token);
        }
        let status = env.run_with_env(&["auth", "status", "--json"], &auto).success().json();
        let store = status["token"]["store"].as_str().unwrap().to_owned();
        let stored = env.run_with_env(&["auth", "token"], &auto).success().stdout.trim().to_owned();
        assert!(tokens.contains(&stored), "round {round}: one of the sign-ins");
        let file_holds_one = std::fs::read_to_string(&file).is_ok_and(|text| tokens.iter().any(|t| text.contains(t)));
        assert_eq!((file_holds_one, in_keyring()), (store == "file", store == "keyutils"), "round {round}: {store}");
    }
}

/// `auth logout` while another sign-in is made on the same machine, into the same store or
/// another, ends its own session and keeps the new sign-in: it removed whatever was stored by
/// then (or cleared the config's record of the new store), leaving that session valid with no
/// token the machine would read.
#[test]
fn a_sign_out_keeps_a_sign_in_made_meanwhile() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    let auto = [("KEYSTROKE_CREDENTIAL_STORE", "auto")];
    for (first_store, second_store) in [(None, None), (Some("--insecure-storage"), None)] {
        let env = TestEnv::new();
        let builder = env.user(Role::Builder);
        // The platform behind a proxy that holds the sign-out's request until the second sign-in
        // is made.
        let (arrived, seen) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (arrived_here, seen_here) = (Arc::clone(&arrived), Arc::clone(&seen));
        let slow_logout = crate::support::meddling_proxy(env.url(), move |mut client, request, answer| {
            if request.line.starts_with("POST /api/logout") {
                arrived_here.store(true, SeqCst);
                while !seen_here.load(SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            }
            let _ = client.write_all(&answer);
        });
        let login = |store: Option<&str>, token: &str| {
            let mut args = vec!["auth", "login", "--with-token", "--platform-url", &slow_logout];
            args.extend(store);
            env.run_with_stdin_and_env(&args, token, &auto).success();
        };
        let first = env.new_session(&builder.email);
        login(first_store, &first);
        let mut logout = env.command(&["auth", "logout", "--revoke", "--platform-url", &slow_logout]);
        let logout = logout.envs(auto).stderr(Stdio::piped()).spawn().unwrap();
        crate::support::wait_until("the sign-out reaching the proxy", || arrived.load(SeqCst));
        let second = env.new_session(&builder.email);
        login(second_store, &second);
        seen.store(true, SeqCst);
        let logout = Run::from(logout.wait_with_output().unwrap()).success();
        assert_eq!(
            logout.stderr,
            format!("Ended the session of {slow_logout}; a sign-in made meanwhile on this machine stays signed in\n")
        );
        assert_eq!(env.curl_status("/api/me", &first), 401, "the first session ended");
        let token = env.run_with_env(&["auth", "token", "--platform-url", &slow_logout], &auto).success();
        assert_eq!(token.stdout.trim(), second, "the second is kept ({first_store:?} then {second_store:?})");
    }
}

/// A token gone from its store (the kernel keyring's goes with the login session; any store's
/// may be cleared by hand) while the config still records its sign-in: commands say where it
/// was, and what of its session, which the config names: one from `--with-token` stays where the
/// token came from; this machine's own may still be valid, and how to end it is said.
#[test]
fn a_token_gone_from_its_store_is_said_with_the_session_it_leaves_valid() {
    let env = TestEnv::with_store("file");
    let user = env.sign_in(Role::Builder).clone();
    let session = env.current_session_id(&[]);
    let tokens = env.config_dir_path().join("credentials.json");
    std::fs::remove_file(&tokens).unwrap();
    let location = format!("{} (file, mode 0600; opted in, not encrypted)", tokens.display());
    let from_token = format!("its session, {session}, came with `--with-token`: it stays where that token came from");
    let list = env.run(&["api-key", "list"]).code(3);
    assert_eq!(
        list.stderr,
        format!(
            "error: not signed in to {}: the token its sign-in stored in {location} is not there\nhint: run \
             `keystroke auth login` to sign in; {from_token}\n",
            env.url(),
        )
    );
    assert_eq!(env.curl_status("/api/me", &user.session_token), 200, "as said: still valid");

    // This machine's own sign-in (a browser's) is recorded as not from a token.
    let config_path = env.config_dir_path().join("config.json");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let own = config.replace(r#""session_from_token": true"#, r#""session_from_token": false"#);
    assert_ne!(own, config);
    std::fs::write(&config_path, own).unwrap();
    let logout = env.run(&["auth", "logout"]).code(3);
    assert_eq!(
        logout.stderr,
        format!(
            "error: nothing to sign out of: the token this directory's sign-in to {} stored in {location} is not \
             there\nhint: the session it was for, {session}, may still be valid (until it expires): once nothing \
             uses it, `keystroke session revoke {session}` (signed in) ends it\n",
            env.url(),
        )
    );
}

/// A Secret Service that cannot be reached (a session bus address left from a closed desktop
/// session) is said in words, without the library's name, with the ways out.
#[test]
fn an_unreachable_secret_service_is_said_in_words() {
    let env = TestEnv::new();
    let vars =
        [("KEYSTROKE_CREDENTIAL_STORE", "secret-service"), ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")];
    let status = env.run_with_env(&["auth", "status"], &vars).code(1);
    assert!(
        status.stderr.starts_with(
            "error: could not read the token from the Secret Service (desktop keyring): its D-Bus connection failed: \
             Failed to connect to address `unix:path=/nonexistent`"
        ),
        "{status:#?}"
    );
    assert!(!status.stderr.contains("zbus"), "{status:#?}");
    assert!(status.stderr.contains("KEYSTROKE_CREDENTIAL_STORE=keyutils"), "{status:#?}");
}
