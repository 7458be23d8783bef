use keystroke_api::Role;

use std::io::Write;

use crate::support::{TestEnv, cells, meddling_proxy};

#[test]
fn a_member_of_several_orgs_must_choose_one() {
    let env = TestEnv::new();
    env.sign_in(Role::Owner);
    let listed = env.run(&["api-key", "list"]).code(2);
    assert_eq!(
        listed.stderr,
        "error: no active org: you belong to several orgs\n\
         hint: choose one with `keystroke org switch ORG`, or pass `--org ORG` (or set `KEYSTROKE_ORG`)\n"
    );
    let switch = env.run(&["org", "switch"]).code(2);
    assert_eq!(
        switch.stderr,
        "error: name the org to switch to\n\
         hint: run `keystroke org switch ORG`; `keystroke org list` shows your orgs\n"
    );
}

#[test]
fn org_switch_saves_and_overrides_do_not() {
    let env = TestEnv::new();
    env.sign_in(Role::Owner);
    assert_eq!(
        env.run(&["org", "list"]).success().stdout,
        "Active  Slug    Name      Role\n        acme    Acme Inc  owner\n        globex  Globex    builder\n"
    );

    let switched = env.run(&["org", "switch", "globex"]).success();
    assert_eq!(switched.stderr, "Switched to globex (Globex)\n");
    assert_eq!(
        env.run(&["org", "list"]).success().stdout,
        "Active  Slug    Name      Role\n        acme    Acme Inc  owner\n*       globex  Globex    builder\n"
    );

    // Too narrow for the columns: one block per org, each line labelled.
    let narrow = env.on_terminal_with_env(&["org", "list", "--color", "never"], &[("COLUMNS", "30")]);
    let (code, output) = narrow.finish();
    assert_eq!(code, 0, "{output}");
    let blocks: Vec<Vec<&str>> =
        output.trim_end().split("\n\n").map(|block| block.lines().map(str::trim_end).collect()).collect();
    assert_eq!(
        blocks,
        [
            vec!["Active", "Slug    acme", "Name    Acme Inc", "Role    owner"],
            vec!["Active  *", "Slug    globex", "Name    Globex", "Role    builder"]
        ],
        "{output:?}"
    );

    // `--org` and `KEYSTROKE_ORG` act on acme for one command only.
    let (id, _) = env.create_key("For acme", &["--org", "acme"]);
    let in_acme = env.run_with_env(&["api-key", "list", "--json"], &[("KEYSTROKE_ORG", "acme")]).success().json();
    assert_eq!(in_acme[0]["id"], id.as_str());
    assert_eq!(in_acme[0]["org"], "acme");
    // Trimmed, as a YAML block or a CRLF `.env` file leaves it.
    let from_a_file = env.run_with_env(&["api-key", "list", "--json"], &[("KEYSTROKE_ORG", " acme\r\n")]).success();
    assert_eq!(from_a_file.json()[0]["id"], id.as_str());
    let in_globex = env.run(&["api-key", "list", "--json"]).success();
    assert_eq!(in_globex.stdout, "[]\n");

    let orgs = env.run(&["org", "list", "--json"]).success().json();
    assert_eq!(
        orgs,
        serde_json::json!([
            {"slug": "acme", "name": "Acme Inc", "role": "owner", "active": false},
            {"slug": "globex", "name": "Globex", "role": "builder", "active": true},
        ])
    );
    // `org list` marks the org its commands act on: the override's, for this command only.
    let overridden = env.run(&["org", "list", "--json", "--org", "acme"]).success().json();
    assert_eq!((&overridden[0]["active"], &overridden[1]["active"]), (&true.into(), &false.into()), "{overridden}");
    let from_variable = env.run_with_env(&["org", "list"], &[("KEYSTROKE_ORG", "acme")]).success();
    assert_eq!(
        from_variable.stdout,
        "Active  Slug    Name      Role\n*       acme    Acme Inc  owner\n        globex  Globex    builder\n"
    );
    let stray = env.run_with_env(&["org", "list", "--json"], &[("KEYSTROKE_ORG", "initech")]).success();
    assert_eq!(
        stray.stderr,
        "warning: org `initech` (from `KEYSTROKE_ORG`) is not among your orgs, so none is marked active\n"
    );
    assert!(stray.json().as_array().unwrap().iter().all(|org| org["active"] == false), "{}", stray.stdout);
    // No slug at all is refused as every command refuses it (before asking the platform), quoted
    // as every value typed is: cut to a readable length, and never a secret.
    let long = "x".repeat(300);
    let cut = env.run(&["org", "list", "--org", &long]).code(2);
    assert!(cut.stderr.starts_with(&format!("error: `{}…` is not an org slug; ", "x".repeat(40))), "{cut:#?}");
    assert!(cut.stderr.ends_with("\nhint: leave out `--org` to list your orgs\n"), "{cut:#?}");
    let key_typed =
        env.run_with_env(&["org", "list"], &[("KEYSTROKE_ORG", "key_test_8Zq1wErTy6UiOpAsDfGhJkLzXcVb0123")]);
    // Set long ago, the variable is said to be wrong, and the orgs listed: this is the command that
    // shows what to set it to.
    let key_typed = key_typed.success();
    assert!(
        key_typed.stderr.starts_with("warning: (a secret, not repeated here) is not an org slug; "),
        "{key_typed:#?}"
    );
    assert!(
        key_typed.stderr.ends_with(
            " (from `KEYSTROKE_ORG`): commands on an org fail until it is unset or names one of these, so none is \
             marked active\n"
        ),
        "{key_typed:#?}"
    );
    assert!(key_typed.stdout.contains("acme") && !key_typed.stdout.contains('*'), "{key_typed:#?}");
    env.run(&["api-key", "revoke", &id, "--yes", "--org", "acme"]).success();

    // Nor does `org switch` take its org from them: without a slug it asks, and here nobody can;
    // `--org`, typed for this very command, is answered with the command it meant.
    let from_flag = env.run(&["--org", "acme", "org", "switch"]).code(2);
    assert_eq!(
        from_flag.stderr,
        "error: `org switch` takes the org to switch to as its argument, not `--org`\n\
         hint: run `keystroke org switch acme`\n"
    );
    let from_variable = env.run_with_env(&["org", "switch"], &[("KEYSTROKE_ORG", "acme")]).code(2);
    assert_eq!(
        from_variable.stderr,
        "error: name the org to switch to\nhint: run `keystroke org switch ORG`; `keystroke org list` shows your orgs\n"
    );
    let both = env.run(&["--org", "acme", "org", "switch", "globex"]).success();
    assert_eq!(
        both.stderr,
        "warning: `--org` does not apply to `org switch`, which saves the org it names: globex\n\
         Switched to globex (Globex)\n"
    );
    let active = env.run(&["org", "list", "--json"]).success().json();
    assert_eq!(active[1]["active"], true, "globex stays the active org: {active}");

    // A variable that will keep overriding the org just switched to is said, where it matters.
    let acme = [("KEYSTROKE_ORG", "acme")];
    let overridden = env.run_with_env(&["org", "switch", "globex"], &acme).success();
    assert_eq!(
        overridden.stderr,
        "warning: `KEYSTROKE_ORG` is set to `acme`, which commands act on instead of the active org; unset it to \
         use `globex`\nSwitched to globex (Globex)\n"
    );
    // A script checking `active` is told the org it switched to is not the one commands act on.
    let switched = env.run_with_env(&["org", "switch", "globex", "--json"], &acme).success().json();
    assert_eq!((&switched["slug"], &switched["active"]), (&"globex".into(), &false.into()), "{switched}");
    let listed = env.run_with_env(&["org", "list", "--json"], &acme).success().json();
    assert_eq!((&listed[1]["slug"], &listed[1]["active"]), (&"globex".into(), &false.into()), "{listed}");
    // `--org` on the same line hides the variable from this command only, not from the next ones.
    let both = env.run_with_env(&["--org", "globex", "org", "switch", "globex", "--json"], &acme).success();
    assert_eq!(both.json()["active"], false, "{both:#?}");
    assert!(both.stderr.contains("`KEYSTROKE_ORG` is set to `acme`"), "{both:#?}");
    let status = env.run_with_env(&["auth", "status"], &acme).success();
    assert!(
        status
            .stdout
            .contains("Active org:  globex\n             (commands act on `acme` instead: `KEYSTROKE_ORG` is set)\n"),
        "{status:#?}"
    );
    // Scripts read it as a field of its own.
    let status = env.run_with_env(&["auth", "status", "--json"], &acme).success().json();
    assert_eq!((&status["active_org"], &status["org_override"]), (&"globex".into(), &"acme".into()));
    assert_eq!(env.run(&["auth", "status", "--json"]).success().json()["org_override"], serde_json::Value::Null);
    assert_eq!(env.run_with_env(&["org", "switch", "acme"], &acme).success().stderr, "Switched to acme (Acme Inc)\n");
    assert_eq!(env.run_with_env(&["org", "switch", "acme", "--json"], &acme).success().json()["active"], true);
    let status = env.run_with_env(&["auth", "status"], &acme).success();
    assert!(!status.stdout.contains("commands act on"), "the variable names the active org: {status:#?}");
    // Set to what is no slug, it is said to break commands (and is not repeated: it could be anything).
    let typo = [("KEYSTROKE_ORG", "Acme Inc")];
    let status = env.run_with_env(&["auth", "status"], &typo).success();
    assert!(
        status.stdout.contains(
            "Active org:  acme\n             (`KEYSTROKE_ORG` is set to no org slug: commands on an org fail until it \
             is fixed)\n"
        ),
        "{status:#?}"
    );
    // Set to a slug that is no org of theirs, it is said to fail too.
    let initech = [("KEYSTROKE_ORG", "initech")];
    let elsewhere = env.run_with_env(&["auth", "status"], &initech).success();
    assert!(
        elsewhere.stdout.contains(
            "Active org:  acme\n             (`KEYSTROKE_ORG` is set to `initech`, not an org of yours: commands on an \
             org fail there)\n"
        ),
        "{elsewhere:#?}"
    );
    // A script is told both, as a field of its own, and the value that is no slug is not repeated.
    let problem = |vars: &[(&str, &str)]| {
        let status = env.run_with_env(&["auth", "status", "--json"], vars).success().json();
        (status["org_override"].clone(), status["org_override_problem"].clone())
    };
    assert_eq!(problem(&typo), (serde_json::Value::Null, "not_an_org_slug".into()));
    assert_eq!(problem(&initech), ("initech".into(), "not_your_org".into()));
    assert_eq!(problem(&acme), ("acme".into(), serde_json::Value::Null));
    assert_eq!(problem(&[]), (serde_json::Value::Null, serde_json::Value::Null));
    // `--org`, given to `auth status` itself, is said as the variable is: for commands given it.
    let flag = env.run(&["auth", "status", "--org", "globex"]).success();
    assert!(
        flag.stdout.contains("Active org:  acme\n             (commands given `--org globex` act on it instead)\n"),
        "{flag:#?}"
    );
    assert_eq!(env.run(&["auth", "status", "--json", "--org", "globex"]).success().json()["org_override"], "globex");
    let flag = env.run(&["auth", "status", "--org", "initech"]).success();
    assert!(
        flag.stdout.contains(
            "Active org:  acme\n             (`--org initech` is not an org of yours: commands given it fail)\n"
        ),
        "{flag:#?}"
    );
    // Typed for this command, a value that is no slug is refused, as every command refuses it:
    // those that act on no org too, before they do anything (a sign-out included).
    for command in [&["auth", "status"][..], &["auth", "logout"], &["auth", "token"], &["completion", "bash"]] {
        let flag = env.run(&[command, &["--org", "Acme Inc"]].concat()).code(2);
        assert!(flag.stderr.starts_with("error: `Acme Inc` is not an org slug;"), "{command:?}: {flag:#?}");
        // Those that act on no org say the flag is not theirs, not where to find a slug.
        let not_theirs = flag.stderr.ends_with("\nhint: leave out `--org`, which this command does not use\n");
        assert_eq!(not_theirs, command[0] != "auth" || command[1] != "status", "{command:?}: {flag:#?}");
    }
    let switch = env.run(&["org", "switch", "--org", "Acme Inc"]).code(2);
    assert!(
        switch
            .stderr
            .ends_with("\nhint: `org switch` takes the org to switch to as its argument: `keystroke org switch ORG`\n"),
        "{switch:#?}"
    );
    env.run(&["auth", "status"]).success(); // still signed in
    let deploy = env.run_with_env(&["deploy"], &typo).code(2);
    assert!(deploy.stderr.starts_with("error: `Acme Inc` is not an org slug;"), "{deploy:#?}");
}

#[test]
fn switching_to_an_org_you_are_not_in_is_not_found() {
    let env = TestEnv::new();
    env.sign_in(Role::Builder);
    let run = env.run(&["org", "switch", "globex"]).code(5);
    assert_eq!(
        run.stderr,
        "error: org `globex` not found among your orgs\nhint: `keystroke org list` shows your orgs\n"
    );
}

/// An org not found that the user did not name on the line (a variable set long ago, an org saved
/// by `org switch` before they left it) is said with where it came from: `org list` alone would
/// not show why commands go there.
#[test]
fn an_org_not_found_says_where_it_came_from() {
    let env = TestEnv::new();
    env.sign_in(Role::Builder);
    let from_env = env.run_with_env(&["api-key", "list"], &[("KEYSTROKE_ORG", "globex")]).code(5);
    assert_eq!(
        from_env.stderr,
        "error: org `globex` not found among your orgs\nhint: the org comes from `KEYSTROKE_ORG`: fix or unset it \
         (`keystroke org list` shows your orgs)\n"
    );
    // Saved while a member (here written as `org switch` writes it), then left.
    let config_path = env.config_dir_path().join("config.json");
    let mut config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    let platform = config["platforms"].as_object_mut().unwrap().values_mut().next().unwrap();
    platform["active_org"] = "globex".into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    let saved = env.run(&["api-key", "list"]).code(5);
    assert_eq!(
        saved.stderr,
        "error: org `globex` not found among your orgs\nhint: it is the active org that `keystroke org switch` saved: \
         switch to one of yours (`keystroke org list` shows them)\n"
    );
    // Named on the line, it is what was typed: the usual hint.
    let typed = env.run(&["api-key", "list", "--org", "globex"]).code(5);
    assert!(typed.stderr.ends_with("\nhint: `keystroke org list` shows your orgs\n"), "{typed:#?}");
}

/// Names come from the platform: one holding an escape sequence (written by an older platform, or
/// straight into its database) is shown written out, never run by the terminal.
#[test]
fn names_with_terminal_escapes_are_shown_not_run() {
    let env = TestEnv::new();
    let user = env.sign_in(Role::Admin);
    let storage = env.server().storage();
    let user_id = storage.user_by_email(&user.email).unwrap().unwrap().user.id;
    let name = "Evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}";
    storage.create_org("evil", name, &user_id, 1_700_000_000).unwrap();

    let listed = env.run(&["org", "list"]).success();
    assert!(listed.stdout.contains("Evil\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}"), "{listed:#?}");
    let switched = env.run(&["org", "switch", "evil"]).success();
    assert_eq!(switched.stderr, "Switched to evil (Evil\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e})\n");
    let status = env.run(&["auth", "status"]).success();
    for output in [&listed.stdout, &switched.stderr, &status.stdout, &status.stderr] {
        assert!(!output.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{output:?}");
    }
    // `--json` is data: the name exactly as the platform sent it (JSON escapes it).
    let json = env.run(&["org", "list", "--json"]).success().json();
    assert!(json.as_array().unwrap().iter().any(|org| org["name"] == name), "{json}");
}

/// On a terminal `org switch` without a slug offers the user's orgs; Ctrl-C or Esc leaves it as it
/// was.
#[test]
fn org_switch_on_a_terminal_picks_from_your_orgs() {
    let env = TestEnv::new();
    env.sign_in(Role::Owner);
    let mut cancelled = env.on_terminal(&["org", "switch", "--color", "never"]);
    cancelled.expect("Switch to which org?");
    cancelled.interrupt("The active org is unchanged.");
    let (code, output) = cancelled.finish();
    assert_eq!(code, 130, "said, then ended by the Ctrl-C: {output:?}");
    assert!(output.contains("acme (Acme Inc, owner)") && output.contains("globex (Globex, builder)"), "{output:?}");
    assert!(output.contains("Switch to which org?") && !output.contains("?:"), "its own `?` only: {output:?}");
    assert_eq!(env.run(&["org", "list", "--json"]).success().json()[1]["active"], false);
    // Esc cancels too, taking the list off the screen.
    let mut escaped = env.on_terminal(&["org", "switch", "--color", "never"]);
    escaped.expect("globex (Globex, builder)");
    escaped.send("\x1b");
    let (code, output) = escaped.finish();
    assert_eq!(code, 1, "{output:?}");
    assert!(output.ends_with("The active org is unchanged.\n"), "{output:?}");
    assert_eq!(env.run(&["org", "list", "--json"]).success().json()[1]["active"], false);

    let mut picked = env.on_terminal(&["org", "switch", "--color", "never"]);
    picked.expect("globex (Globex, builder)");
    picked.send("\x1b[B\r"); // down to the second, Enter
    let (code, output) = picked.finish();
    assert_eq!(code, 0, "{output:?}");
    assert!(output.ends_with("Switched to globex (Globex)\n"), "{output:?}");
    let orgs = env.run(&["org", "list", "--json"]).success().json();
    assert_eq!((orgs[0]["active"].clone(), orgs[1]["active"].clone()), (false.into(), true.into()), "{orgs}");

    // It starts on the active org: Enter keeps it.
    let mut again = env.on_terminal(&["org", "switch", "--color", "never"]);
    again.expect("globex (Globex, builder, active)");
    again.send("\r");
    let (code, output) = again.finish();
    assert_eq!(code, 0, "{output:?}");
    assert!(output.ends_with("Switched to globex (Globex)\n"), "{output:?}");
}

/// On a dumb terminal, where arrow keys and redraws do not work, the orgs are numbered and the
/// number is typed; a wrong one is asked again, and Enter alone keeps the active org.
#[test]
fn on_a_dumb_terminal_org_switch_offers_a_numbered_list() {
    let env = TestEnv::new();
    env.sign_in(Role::Owner);
    env.run(&["org", "switch", "acme"]).success();
    let list = "Switch to which org?\n  1) acme (Acme Inc, owner, active)\n  2) globex (Globex, builder)\nNumber [1]: ";
    let dumb = [("TERM", "dumb")];

    let mut picked = env.on_terminal_with_env(&["org", "switch"], &dumb);
    picked.expect(list);
    picked.send("3\n");
    picked.expect("Type a number from 1 to 2.\nNumber [1]: ");
    picked.send("2\n");
    let (code, output) = picked.finish();
    assert_eq!(code, 0, "{output:?}");
    assert!(output.ends_with("Switched to globex (Globex)\n") && !output.contains('\x1b'), "{output:?}");
    let orgs = env.run(&["org", "list", "--json"]).success().json();
    assert_eq!((orgs[0]["active"].clone(), orgs[1]["active"].clone()), (false.into(), true.into()), "{orgs}");

    let mut kept = env.on_terminal_with_env(&["org", "switch"], &dumb);
    kept.expect("Number [2]: ");
    kept.send("\n");
    let (code, output) = kept.finish();
    assert_eq!(code, 0, "{output:?}");
    assert!(output.ends_with("Switched to globex (Globex)\n"), "{output:?}");

    let mut cancelled = env.on_terminal_with_env(&["org", "switch"], &dumb);
    cancelled.expect("Number [2]: ");
    cancelled.interrupt("The active org is unchanged.");
    assert_eq!(cancelled.finish().0, 130);
    // Ctrl-D, the end of input, is a "no" too, not a choice of the default.
    let mut ended = env.on_terminal_with_env(&["org", "switch"], &dumb);
    ended.expect("Number [2]: ");
    ended.send("\x04");
    let (code, output) = ended.finish();
    assert_eq!(code, 1, "{output:?}");
    assert!(output.ends_with("Number [2]: \nThe active org is unchanged.\n"), "{output:?}");
}

/// Someone signed in who belongs to no org yet is told so, and who can change it.
#[test]
fn a_user_in_no_org_is_told_so() {
    let env = TestEnv::new();
    let (email, name, password) = ("newcomer@acme.test", "New Comer", "a long enough password");
    keystroke_platform::admin::add_user(env.server().storage(), email, name, password).unwrap();
    let token = env.new_session(email);
    env.login_with_token(&token, &[]).success();

    let listed = env.run(&["org", "list"]).success();
    assert_eq!(listed.stdout, "");
    assert_eq!(listed.stderr, format!("newcomer@acme.test is not a member of any org on {}\n", env.url()));
    assert_eq!(env.run(&["org", "list", "--json"]).success().stdout, "[]\n");
    let keys = env.run(&["api-key", "list"]).code(1);
    assert_eq!(
        keys.stderr,
        format!(
            "error: newcomer@acme.test is not a member of any org on {}\nhint: ask whoever runs the platform to add \
             you (`keystroke-platform member add`)\n",
            env.url()
        )
    );
    // Said before asking for a slug, which would not help.
    let switch = env.run(&["org", "switch"]).code(1);
    assert_eq!(switch.stderr, keys.stderr);
    // Not sent to `org switch`, which cannot help either.
    let status = env.run(&["auth", "status"]).success();
    assert!(
        status
            .stdout
            .contains("\nActive org:  none (you belong to no org yet: ask whoever runs the platform to add you)\n"),
        "{status:#?}"
    );
    // Added, switched to, removed again: the saved org is named, and the same way out.
    let storage = env.server().storage();
    keystroke_platform::admin::add_member(storage, "acme", email, Role::Builder).unwrap();
    env.run(&["org", "switch", "acme"]).success();
    keystroke_platform::admin::remove_member(storage, "acme", email).unwrap();
    let status = env.run(&["auth", "status"]).success();
    assert!(
        status
            .stdout
            .contains("\nActive org:  acme (you belong to no org now: ask whoever runs the platform to add you)\n"),
        "{status:#?}"
    );
}

/// `org members` shows who is in the org and with which role, to owners and admins; a builder is
/// refused by the platform (exit 4), and an org you are not in is not found (exit 5).
#[test]
fn org_members_lists_roles_for_admins_and_refuses_builders() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let listed = env.run(&["org", "members"]).success();
    assert_eq!(
        cells(&listed.stdout),
        [
            ["Email", "Name", "Role"],
            ["ada@acme.test", "Ada Lovelace", "owner"],
            ["alan@acme.test", "Alan Turing", "admin"],
            ["grace@acme.test", "Grace Hopper", "builder"],
        ]
        .map(|row| row.map(String::from).to_vec())
    );
    let json = env.run(&["org", "members", "--json"]).success().json();
    let grace = json.as_array().unwrap().iter().find(|m| m["user"]["email"] == "grace@acme.test").unwrap();
    assert_eq!(grace["role"], "builder");
    assert!(grace["user"]["id"].as_str().unwrap().starts_with("usr_"), "{grace}");

    let elsewhere = env.run(&["--org", "globex", "org", "members"]).code(5);
    assert!(elsewhere.stderr.starts_with("error: org `globex` not found among your orgs\n"), "{elsewhere:#?}");

    env.sign_in(Role::Builder);
    let refused = env.run(&["org", "members", "--json"]).code(4);
    let error: serde_json::Value = serde_json::from_str(&refused.stderr).unwrap();
    assert_eq!((&error["error"]["code"], &error["error"]["platform_code"]), (&"forbidden".into(), &"forbidden".into()));
    assert_eq!(
        error["error"]["hint"],
        "roles are set by whoever runs the platform (`keystroke-platform member set-role`): ask them for a higher \
         one"
    );
    assert!(refused.stdout.is_empty());
}

/// A role this version does not know, as a newer platform may send, fails the listing with the
/// likely cause first: versions that do not match.
#[test]
fn a_role_from_a_newer_platform_says_to_update_keystroke() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    // A session is for the platform's URL: the proxy's gets the token from the environment.
    let token = env.new_session(&admin.email);
    let newer = meddling_proxy(env.url(), |mut client, request, answer| {
        let answer = String::from_utf8(answer).unwrap();
        // `guest` has the length of `owner`: the answer's Content-Length stays true.
        let answer = if request.line.contains("/members") {
            answer.replace(r#""role":"owner""#, r#""role":"guest""#)
        } else {
            answer
        };
        let _ = client.write_all(answer.as_bytes());
    });
    let args = ["--platform-url", &newer, "--org", "acme", "org", "members"];
    let failed = env.run_with_env(&args, &[("KEYSTROKE_TOKEN", token.as_str())]).code(1);
    assert!(
        failed.stderr.starts_with(&format!(
            "error: the answer from {newer}/api/orgs/acme/members is not what this keystroke knows: unknown variant \
             `guest`"
        )),
        "{failed:#?}"
    );
    assert!(
        failed.stderr.ends_with(&format!(
            "hint: the platform's version may not match this keystroke's ({}): update keystroke, or the platform; \
             or check that `--platform-url` (or `KEYSTROKE_PLATFORM_URL`) points at a Keystroke platform\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{failed:#?}"
    );
    assert!(failed.stdout.is_empty());
}

/// A command sent to a platform by `--platform-url` (not the one commands go to without it) gets
/// hints whose commands go there too: run as suggested, they would ask another platform.
#[test]
fn hints_send_their_commands_to_the_platform_named() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let config_path = env.config_dir_path().join("config.json");
    let mut config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config["platform_url"] = "http://127.0.0.1:9".into(); // the last sign-in: another platform
    std::fs::write(&config_path, config.to_string()).unwrap();
    let elsewhere = ["--platform-url", env.url(), "--org", "nowhere", "api-key", "list"];
    let run = env.run(&elsewhere).code(5);
    let org_list = format!("`keystroke org list --platform-url {}` shows your orgs", env.url());
    assert!(run.stderr.ends_with(&format!("hint: {org_list}\n")), "{run:#?}");
    let switch = env.run(&["--platform-url", env.url(), "org", "switch", "nowhere"]).code(5);
    assert!(switch.stderr.ends_with(&format!("hint: {org_list}\n")), "{switch:#?}");
    // The active org saved for that platform, gone: the same.
    config["platforms"][env.url()]["active_org"] = "gone".into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    let saved = env.run(&["--platform-url", env.url(), "api-key", "list"]).code(5);
    let switch_to_yours = format!(
        "hint: it is the active org that `keystroke org switch` saved: switch to one of yours (`keystroke org list \
         --platform-url {}` shows them)\n",
        env.url()
    );
    assert!(saved.stderr.ends_with(&switch_to_yours), "{saved:#?}");
    config["platforms"][env.url()]["active_org"] = "acme".into();
    // Where commands go there anyway, the hint is the short one.
    config["platform_url"] = env.url().into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    let run = env.run(&elsewhere).code(5);
    assert!(run.stderr.ends_with("hint: `keystroke org list` shows your orgs\n"), "{run:#?}");
}
