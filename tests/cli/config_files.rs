//! The config directory's files as the CLI reads them: only small regular files, and a broken one
//! named with a fix, and its lock held too long by another command.

use crate::support::TestEnv;
use keystroke_api::Role;

/// What stands in place of `config.json` or `credentials.json` and is not a file keystroke wrote
/// (a pipe, which would wait forever; a link to `/dev/zero`, which would fill the memory; a huge
/// file) is refused before it is read.
#[test]
fn only_small_regular_files_are_read_from_the_config_directory() {
    let env = TestEnv::new();
    let dir = env.config_dir_path();
    std::fs::create_dir_all(dir).unwrap();
    let file_store = [("KEYSTROKE_CREDENTIAL_STORE", "file")];
    for name in ["config.json", "credentials.json"] {
        let path = dir.join(name);
        let pipe = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(pipe.success());
        let zero = |path: &std::path::Path| std::os::unix::fs::symlink("/dev/zero", path).unwrap();
        let huge =
            |path: &std::path::Path| std::fs::write(path, format!("{{\"x\": \"{}\"}}", "a".repeat(2 << 20))).unwrap();
        for (what, replace) in [
            ("not a regular file", None),
            ("not a regular file", Some(&zero as &dyn Fn(&std::path::Path))),
            ("larger than 1 MiB", Some(&huge)),
        ] {
            if let Some(replace) = replace {
                std::fs::remove_file(&path).unwrap();
                replace(&path);
            }
            let run = env.run_with_env(&["auth", "status", "--platform-url", env.url()], &file_store).code(1);
            assert_eq!(
                run.stderr,
                format!(
                    "error: {} is {what}, not a file keystroke wrote\n\
                     hint: delete it (or move it away), then run the command again\n",
                    path.display()
                ),
                "{name}"
            );
        }
        std::fs::remove_file(&path).unwrap();
    }
    // The lock beside them, a pipe: a sign-in stops there, before it stores anything, rather
    // than wait for a reader.
    let lock = dir.join(".lock");
    assert!(std::process::Command::new("mkfifo").arg(&lock).status().unwrap().success());
    let user = env.user(Role::Builder);
    let login = env.login_with_token(&user.session_token, &[]).code(1);
    assert!(login.stderr.starts_with(&format!("error: could not open {}: ", lock.display())), "{login:#?}");
    std::fs::remove_file(&lock).unwrap();
    env.run(&["auth", "status", "--platform-url", env.url()]).code(3);
}

/// A `config.json` that is not JSON (hand-edited, truncated) is named, with what to do about it.
#[test]
fn a_broken_config_file_is_named_with_a_fix() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.config_dir_path()).unwrap();
    let path = env.config_dir_path().join("config.json");
    std::fs::write(&path, "{\"platforms\": {").unwrap();
    for args in [&["auth", "status"][..], &["api-key", "list"]] {
        let run = env.run(args).code(1);
        let expected_start = format!("error: {} is not valid: EOF while parsing", path.display());
        assert!(run.stderr.starts_with(&expected_start), "{args:?}: {run:#?}");
        let hint = "\nhint: fix or delete the file; it holds no secrets, only settings: deleted, it forgets the \
                    platform URL, the active org, which store holds a token, and which sign-ins came with \
                    `--with-token` (`auth logout` then ends their sessions, not leaves them valid)\n";
        assert!(run.stderr.ends_with(hint), "{run:#?}");
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"platforms\": {", "left as it was");

    // A byte-order mark first (some Windows editors write one) is read past.
    std::fs::write(&path, "\u{feff}{\"platform_url\": \"http://127.0.0.1:1\"}").unwrap();
    let with_bom = env.run(&["auth", "status"]).code(3);
    assert!(with_bom.stderr.starts_with("error: not signed in to http://127.0.0.1:1"), "{with_bom:#?}");

    // Valid JSON, but a platform URL no flag gave: the error says where it came from.
    std::fs::write(&path, "{\"platform_url\": \"ftp://keystroke.example.com\"}").unwrap();
    let saved_url = env.run(&["auth", "status"]).code(2);
    assert_eq!(
        saved_url.stderr,
        format!(
            "error: `ftp://keystroke.example.com` is not a platform URL: expected an http:// or https:// URL \
             (`platform_url` in {})\n\
             hint: fix it there, or pass `--platform-url` like `https://keystroke.example.com`\n",
            path.display()
        )
    );
    // One from `KEYSTROKE_PLATFORM_URL` says so, with a way out while the variable stays set.
    let from_env = [("KEYSTROKE_PLATFORM_URL", "ftp://keystroke.example.com")];
    assert_eq!(
        env.run_with_env(&["auth", "status"], &from_env).code(2).stderr,
        "error: `ftp://keystroke.example.com` is not a platform URL: expected an http:// or https:// URL (from \
         `KEYSTROKE_PLATFORM_URL`)\n\
         hint: fix or unset `KEYSTROKE_PLATFORM_URL`, or pass `--platform-url` like `https://keystroke.example.com`\n"
    );

    // The opt-in token file, broken: named, with what to do, and left as it was.
    std::fs::remove_file(&path).unwrap();
    let tokens = env.config_dir_path().join("credentials.json");
    std::fs::write(&tokens, "{\"tokens\": ").unwrap();
    std::fs::set_permissions(&tokens, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let broken =
        env.run_with_env(&["auth", "status", "--platform-url", env.url()], &[("KEYSTROKE_CREDENTIAL_STORE", "file")]);
    let broken = broken.code(1);
    assert!(broken.stderr.starts_with(&format!("error: {} is not valid: EOF while parsing", tokens.display())));
    assert!(broken.stderr.ends_with("hint: fix it, or delete it and sign in again with `keystroke auth login --insecure-storage`: it holds the session tokens that sign-in stored there, and nothing else\n"), "{broken:#?}");
    assert_eq!(std::fs::read_to_string(&tokens).unwrap(), "{\"tokens\": ");
    // A token where the file's shape expects a map: serde would quote it; the error does not.
    std::fs::write(&tokens, "{\"tokens\": \"kss_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6\"}").unwrap();
    let quoted =
        env.run_with_env(&["auth", "status", "--platform-url", env.url()], &[("KEYSTROKE_CREDENTIAL_STORE", "file")]);
    let quoted = quoted.code(1);
    assert!(quoted.stderr.contains("invalid type: string \"(a secret, not repeated here)\""), "{quoted:#?}");
    assert!(!quoted.stderr.contains("24k1601"), "{quoted:#?}");
    // Another shape altogether: what was expected is said in words, not as a type of the code.
    std::fs::write(&tokens, "42").unwrap();
    let shape =
        env.run_with_env(&["auth", "status", "--platform-url", env.url()], &[("KEYSTROKE_CREDENTIAL_STORE", "file")]);
    let shape = shape.code(1);
    assert!(
        shape
            .stderr
            .contains("is not valid: invalid type: integer `42`, expected an object with the platforms' `tokens`"),
        "{shape:#?}"
    );
}

/// Settings this version does not know (a newer keystroke's) are written back as they were when
/// a command changes `config.json`: dropped, a newer version's record that a session came with
/// `--with-token` would make its `auth logout` end that session. The opt-in token file keeps
/// only tokens: what else is in it may be a secret, which a sign-out removes too. A value of a
/// known setting this version cannot read says who may have written it.
#[test]
fn settings_of_another_version_are_kept() {
    let env = TestEnv::with_store("file");
    env.sign_in(Role::Owner); // a member of acme and globex
    let add =
        |file: &str, value: serde_json::Value, inside: &dyn Fn(&mut serde_json::Value) -> &mut serde_json::Value| {
            let path = env.config_dir_path().join(file);
            let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            inside(&mut json).as_object_mut().unwrap().insert("from_a_newer_version".into(), value);
            std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();
        };
    let url = env.url().to_owned();
    add("config.json", serde_json::json!({"kept": [1, "two"]}), &|json| json);
    add("config.json", serde_json::json!(true), &|json| &mut json["platforms"][&url]);
    add("credentials.json", serde_json::json!({"elsewhere": "kss_not_kept"}), &|json| json);

    env.run(&["org", "switch", "globex"]).success();
    env.run(&["auth", "logout"]).success();
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.config_dir_path().join("config.json")).unwrap()).unwrap();
    assert_eq!(config["from_a_newer_version"], serde_json::json!({"kept": [1, "two"]}), "{config:#}");
    assert_eq!(config["platforms"][&url]["from_a_newer_version"], true, "{config:#}");
    assert_eq!(config["platforms"][&url]["active_org"], "globex", "{config:#}");
    let tokens: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.config_dir_path().join("credentials.json")).unwrap())
            .unwrap();
    assert_eq!(tokens, serde_json::json!({"tokens": {}}), "signed out of everything");

    let path = env.config_dir_path().join("config.json");
    std::fs::write(&path, format!(r#"{{"platforms": {{"{url}": {{"credential_store": "pass"}}}}}}"#)).unwrap();
    let newer = env.run(&["auth", "status"]).code(1);
    assert!(newer.stderr.contains("is not valid: unknown variant `pass`, expected one of"), "{newer:#?}");
    assert!(newer.stderr.contains("\nhint: if a newer keystroke wrote it, update this one; else fix or delete"));
    std::fs::write(&path, r#"["http://127.0.0.1:1", {}]"#).unwrap();
    let list = env.run(&["auth", "status"]).code(1);
    assert!(list.stderr.contains("invalid type: sequence, expected an object of keystroke's settings"), "{list:#?}");
}

/// A command that holds the config directory's lock far longer than a round of credential store
/// calls (stopped with Ctrl-Z, hung) gets the next one refused, saying why, not waiting forever.
#[test]
fn a_lock_held_too_long_is_named_not_waited_on_forever() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let held = std::fs::File::open(env.config_dir_path().join(".lock")).unwrap();
    held.lock().unwrap();
    let vars = [("KEYSTROKE_KEYRING_TIMEOUT", "0.1")];
    let refused = env.run_with_env(&["org", "switch", "acme"], &vars).code(1);
    let lock = env.config_dir_path().join(".lock");
    assert_eq!(
        refused.stderr,
        format!(
            "error: the config directory's lock ({}) is held by another keystroke command: waited 0.6 s for it\n\
             hint: let it finish, or end it (one stopped with Ctrl-Z is resumed with `fg`), then run this again\n",
            lock.display()
        )
    );
    // A sign-out meanwhile does nothing, not even revoke the session (the token could not be
    // removed after), and says so.
    let token = env.run(&["auth", "token"]).success().stdout;
    let logout = env.run_with_env(&["auth", "logout", "--revoke"], &vars).code(1);
    assert_eq!(
        logout.stderr,
        format!(
            "error: nothing was signed out: the config directory's lock ({}) is held by another keystroke command: \
             waited 0.6 s for it\nhint: let it finish, or end it (one stopped with Ctrl-Z is resumed with `fg`), \
             then run this again\n",
            lock.display()
        )
    );
    held.unlock().unwrap();
    assert_eq!(env.run(&["auth", "token"]).success().stdout, token, "the token is still stored");
    env.run(&["auth", "status"]).success();
    env.run(&["auth", "logout", "--revoke"]).success();
    env.run(&["auth", "token"]).code(3);
}

/// A config file its user may not read (left by `sudo`, or `chmod`ed) is named with what to do.
/// Only root can run the CLI as another user here.
#[test]
fn an_unreadable_config_file_is_named_with_a_fix() {
    use std::os::unix::fs::{PermissionsExt, chown};
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        crate::skip::skip("only root can run the CLI as another user");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let config_dir = dir.path().join("config");
    std::fs::create_dir(&config_dir).unwrap();
    let config = config_dir.join("config.json");
    std::fs::write(&config, "{}").unwrap();
    for path in [&config_dir, &config] {
        chown(path, Some(65_534), Some(65_534)).unwrap();
    }
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", crate::support::BIN, "org", "list"])
        .env("KEYSTROKE_CONFIG_DIR", &config_dir)
        .env("KEYSTROKE_PLATFORM_URL", "http://127.0.0.1:9")
        .env_remove("KEYSTROKE_TOKEN")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        format!(
            "error: could not read {}: Permission denied (os error 13)\nhint: it should be yours and readable by you \
             (`chmod 600 {}`); or set `KEYSTROKE_CONFIG_DIR` to another directory\n",
            config.display(),
            config.display()
        )
    );
}
