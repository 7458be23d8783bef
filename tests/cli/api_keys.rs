use std::io::Write;
use std::process::Stdio;

use keystroke_api::Role;

use crate::support::{
    RawRequest, Run, TestEnv, cells, forward, http_response, meddling_proxy, redact_times, serve_each_request,
    signalled_once_arrived,
};

#[test]
fn the_seed_pages_three_commands_work_verbatim() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);

    let created = env.run(&["api-key", "create", "--name", "Production automation"]).success();
    // Piped: the bare secret alone on stdout, ready for `$(...)`.
    let secret = created.stdout.strip_suffix('\n').unwrap();
    assert!(secret.starts_with("key_test_"), "{created:#?}");
    assert_eq!(created.stdout.lines().count(), 1);

    let listed = env.run(&["api-key", "list"]).success();
    let id = listed.stdout.lines().nth(1).unwrap().split_whitespace().next().unwrap();
    assert_eq!(
        created.stderr,
        format!("Created API key {id} (Production automation) in acme; its secret, on stdout, is shown only once\n")
    );
    let preview = format!("{}…{}", &secret[..13], &secret[secret.len() - 10..secret.len() - 6]);
    assert_eq!(
        cells(&redact_times(&listed.stdout)),
        [
            vec!["ID", "Name", "Key preview", "Created at", "Created by", "Last used", "Expires"],
            vec![id, "Production automation", &preview, "<time>", "alan@acme.test", "never", "never"],
        ]
    );
    assert_eq!(listed.stderr, "");

    // The seed's curl call works with the key, and fails right after the revoke.
    assert_eq!(env.curl_status("/api/projects", secret), 200);
    let revoked = env.run(&["api-key", "revoke", id, "--yes"]).success();
    assert_eq!(revoked.stdout, "");
    assert_eq!(revoked.stderr, format!("Revoked API key {id} (Production automation)\n"));
    assert_eq!(env.curl_status("/api/projects", secret), 401);
}

#[test]
fn json_output_is_one_document_per_command() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);

    let created = env.run(&["api-key", "create", "--name", "CI", "--expires-in", "30d", "--json"]).success();
    let created = created.json();
    assert_eq!(created["name"], "CI");
    assert_eq!(created["org"], "acme");
    assert_eq!(created["created_by"]["email"], "alan@acme.test");
    assert!(created["secret"].as_str().unwrap().starts_with("key_test_"));
    assert!(created["expires_at"].as_str().unwrap().ends_with('Z'), "RFC 3339 UTC");
    let id = created["id"].as_str().unwrap();

    let listed = env.run(&["api-key", "list", "--json"]).success().json();
    let mut without_secret = created.clone();
    without_secret.as_object_mut().unwrap().remove("secret");
    assert_eq!(listed, serde_json::json!([without_secret]));

    let revoked = env.run(&["api-key", "revoke", id, "--yes", "--json"]).success();
    assert_eq!(revoked.stderr, "");
    let mut revoked = revoked.json();
    let revoked_at = revoked.as_object_mut().unwrap().remove("revoked_at").expect("when it was revoked");
    assert!(revoked_at.as_str().unwrap().ends_with('Z') && revoked_at.as_str() >= created["created_at"].as_str());
    assert_eq!(revoked, without_secret, "the key as it was, with its revocation time");

    let empty = env.run(&["api-key", "list", "--json"]).success();
    assert_eq!(empty.stdout, "[]\n");

    // Revoked already: the error names the exit code and passes on the platform's own code.
    let again = env.run(&["api-key", "revoke", id, "--yes", "--json"]).code(5);
    assert_eq!(again.stdout, "");
    let error: serde_json::Value = serde_json::from_str(&again.stderr).unwrap();
    assert_eq!((&error["error"]["code"], &error["error"]["platform_code"]), (&"not_found".into(), &"not_found".into()));
    assert!(error["error"]["hint"].is_string(), "{error}");
}

#[test]
fn a_lifetime_in_years_and_weeks_counts_365_day_years() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let created = env.run(&["api-key", "create", "--name", "Yearly", "--expires-in", "1y 6w", "--json"]).success();
    let key: keystroke_api::ApiKey = serde_json::from_str(&created.stdout).unwrap();
    let lifetime = key.expires_at.expect("an expiry") - key.created_at;
    assert_eq!(lifetime, time::Duration::days(365 + 42));
}

#[test]
fn an_empty_list_is_success_with_a_notice() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let listed = env.run(&["api-key", "list"]).success();
    assert_eq!(listed.stdout, "");
    assert_eq!(listed.stderr, "No API keys in acme\n");
    assert_eq!(env.run(&["api-key", "list", "--json"]).success().stdout, "[]\n");

    // A builder sees only their own keys: told "none in the org" while the org has some, they
    // would be told a wrong fact.
    env.create_key("Admin's key", &[]);
    env.sign_in(Role::Builder);
    let listed = env.run(&["api-key", "list"]).success();
    assert_eq!(listed.stdout, "");
    assert_eq!(listed.stderr, "You have no API keys in acme (as a builder, you see only the keys you created)\n");
    assert_eq!(env.run(&["api-key", "list", "--json"]).success().stdout, "[]\n");
    let quiet = env.run(&["-q", "api-key", "list"]).success();
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""), "{quiet:#?}");
}

#[test]
fn builders_see_only_their_own_keys_and_admins_see_everyones() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (admin_key, _) = env.create_key("Admin's key", &[]);
    env.sign_in(Role::Builder);
    let (builder_key, _) = env.create_key("Builder's key", &[]);

    let as_builder = env.run(&["api-key", "list", "--json"]).success().json();
    assert_eq!(as_builder.as_array().unwrap().len(), 1);
    assert_eq!(as_builder[0]["id"], builder_key.as_str());
    assert_eq!(as_builder[0]["created_by"], serde_json::Value::Null);
    let table = env.run(&["api-key", "list"]).success().stdout;
    assert_eq!(cells(&redact_times(&table))[0], ["ID", "Name", "Key preview", "Created at", "Last used", "Expires"]);

    // A key the builder may not see is not found, whatever its id.
    let refused = env.run(&["api-key", "revoke", &admin_key, "--yes"]).code(5);
    assert_eq!(
        refused.stderr,
        format!(
            "error: no active API key `{admin_key}` in org `acme` that you can see\n\
             hint: `keystroke api-key list` shows the keys you can see (and their ids), `keystroke org list` your orgs\n"
        )
    );

    env.sign_in(Role::Admin);
    let as_admin = env.run(&["api-key", "list", "--json"]).success().json();
    let creators: Vec<_> =
        as_admin.as_array().unwrap().iter().map(|key| key["created_by"]["email"].as_str().unwrap()).collect();
    assert_eq!(as_admin.as_array().unwrap().len(), 2);
    assert!(creators.contains(&"grace@acme.test") && creators.contains(&"alan@acme.test"));
    env.run(&["api-key", "revoke", &builder_key, "--yes"]).success();
}

#[test]
fn revoke_without_yes_refuses_when_nobody_can_answer() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (id, secret) = env.create_key("Keep me", &[]);
    let refused = env.run(&["api-key", "revoke", &id]).code(2);
    assert_eq!(
        refused.stderr,
        format!(
            "error: refusing to revoke API key {id} without confirmation\n\
             hint: pass `--yes` to revoke it without a prompt\n"
        )
    );
    assert_eq!(env.curl_status("/api/projects", &secret), 200, "still valid");
}

#[test]
fn list_says_how_to_get_the_rest_of_a_long_list() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    for name in ["one", "two", "three"] {
        env.create_key(name, &[]);
    }
    let first_page = env.run(&["api-key", "list", "--limit", "2", "--json"]).success();
    assert_eq!(first_page.json().as_array().unwrap().len(), 2);
    assert_eq!(first_page.stderr, "Showing the first 2 keys; run `keystroke api-key list --all` to see all of them\n");
    let one = env.run(&["api-key", "list", "--limit", "1"]).success();
    assert_eq!(one.stderr, "Showing the first key; run `keystroke api-key list --all` to see all of them\n");
    let all = env.run(&["api-key", "list", "--limit", "2", "--all", "--json"]).success();
    assert_eq!(all.json().as_array().unwrap().len(), 3);
    assert_eq!(all.stderr, "");

    // A later page that fails: the exit code says so, and the page already printed is left in an
    // array that no JSON parser takes for the whole list.
    let second_page_fails = meddling_proxy(env.url(), |mut client, request, answer| {
        let answer = match request.line.contains("cursor=") {
            true => http_response("503 Service Unavailable", "text/plain", "busy").into_bytes(),
            false => answer,
        };
        let _ = client.write_all(&answer);
    });
    let token = env.new_session(&admin.email);
    let args =
        ["--platform-url", &second_page_fails, "--org", "acme", "api-key", "list", "--limit", "2", "--all", "--json"];
    let cut = env.run_with_env(&args, &[("KEYSTROKE_TOKEN", token.as_str())]);
    assert_eq!(cut.code, 6, "a proxy's 503: {cut:#?}");
    assert!(cut.stdout.starts_with('[') && cut.stdout.matches("\"preview\"").count() == 2, "the first page: {cut:#?}");
    assert!(serde_json::from_str::<serde_json::Value>(&cut.stdout).is_err(), "{cut:#?}");
    assert!(cut.stderr.contains("is unreachable: 503 Service Unavailable from the server in front of it"), "{cut:#?}");
}

#[test]
fn bad_names_are_usage_errors_before_any_request() {
    let env = TestEnv::new();
    let huge = "x".repeat(10_000);
    for (name, problem) in [
        (" ", "the API key name must not be empty"),
        (&huge, "the API key name is 10000 characters long; the limit is 100"),
        ("deploy\nbot", "the API key name must not contain control characters"),
        ("invoice\u{202E}gpj.exe", "must not contain invisible or direction-changing characters (found U+202E)"),
    ] {
        // `-v` would show a request made (`> POST …`): none is.
        let refused = env.run(&["-v", "api-key", "create", "--name", name]).code(2);
        assert!(refused.stderr.starts_with("error: ") && refused.stderr.contains(problem), "{refused:#?}");
        assert!(!refused.stderr.lines().any(|line| line.starts_with("> ")), "{refused:#?}");
        assert!(refused.stderr.len() < 300, "the error does not repeat the name: {refused:#?}");
        // The hint, what a name is for, helps only the one who gave none.
        let hinted =
            refused.stderr.contains("hint: say what will use the key, e.g. `--name \"Production automation\"`");
        assert_eq!(hinted, name.trim().is_empty(), "{refused:#?}");
    }
    // Negative numbers reach the value checks instead of passing for unknown flags.
    let negative = env.run(&["api-key", "list", "--limit", "-1"]).code(2);
    assert!(negative.stderr.contains("'-1' for '--limit <N>': expected a whole number from 1 to 500"), "{negative:#?}");
    let negative = env.run(&["api-key", "create", "--name", "x", "--expires-in=-5d"]).code(2);
    assert!(negative.stderr.contains("a lifetime cannot be negative"), "{negative:#?}");
    // Given apart, clap takes it for flags: the tip says how to give it.
    let apart = env.run(&["api-key", "create", "--name", "x", "--expires-in", "-5d"]).code(2);
    assert!(
        apart.stderr.contains("tip: a value that starts with `-` is joined to its flag: `--expires-in=-5d`"),
        "{apart:#?}"
    );
    // Not after a flag that takes no value, nor for a mistyped flag.
    for args in [["api-key", "revoke", "ak_x", "--yes", "-f"], ["api-key", "list", "--all", "--lmit", "3"]] {
        let run = env.run(&args).code(2);
        assert!(!run.stderr.contains("is joined to its flag"), "{run:#?}");
    }
    let forgotten = env.run(&["api-key", "create", "--expires-in", "--name", "x"]).code(2);
    assert!(forgotten.stderr.contains("a value is required for '--expires-in <DURATION>'"), "{forgotten:#?}");
    let pasted = "key_live_6JtBE4DQdPldl6qkVb8HguBtFP2zFjUd4DmK7Q";
    let secret_as_lifetime = env.run(&["api-key", "create", "--name", "x", "--expires-in", pasted]).code(2);
    assert!(secret_as_lifetime.stderr.starts_with("error: invalid `--expires-in`: "), "{secret_as_lifetime:#?}");
    assert!(!secret_as_lifetime.stderr.contains("6JtBE4DQ"), "never repeated: {secret_as_lifetime:#?}");
    let ambiguous = env.run(&["api-key", "create", "--name", "x", "--expires-in", "6m"]).code(2);
    assert!(
        ambiguous.stderr.contains("`m` is ambiguous: write `min` for minutes or `mo` for months"),
        "{ambiguous:#?}"
    );
}

/// What goes into a URL path is checked first: `../../../logout` must never become
/// `DELETE /api/logout`, which would sign the user out instead of revoking anything.
#[test]
fn ids_and_slugs_that_are_not_ids_and_slugs_are_usage_errors_before_any_request() {
    let env = TestEnv::new();
    let user = env.sign_in(Role::Admin);
    let revoke = env.run(&["api-key", "revoke", "../../../logout", "--yes"]).code(2);
    assert_eq!(
        revoke.stderr,
        "error: `../../../logout` is not an API key id; ids look like `ak_…`\n\
         hint: `keystroke api-key list` shows the ids of the org's keys\n"
    );
    // Still signed in: no request was made.
    assert_eq!(env.curl_status("/api/me", &user.session_token), 200);

    // Not even a request to resolve the org: the platform could be down.
    let with_verbose = env.run(&["-v", "api-key", "revoke", "ak_x/../../y", "--yes"]).code(2);
    assert!(!with_verbose.stderr.contains("> "), "{with_verbose:#?}");

    for org in ["../../logout", "Acme", ""] {
        let list = env.run(&["-v", "api-key", "list", "--org", org]).code(2);
        assert!(!list.stderr.contains("> "), "{list:#?}");
        assert!(
            list.stderr.ends_with(&format!(
                "error: `{org}` is not an org slug; slugs are 2 to 40 lowercase letters, digits and dashes, not starting with a dash\n\
                 hint: `keystroke org list` shows the slugs of your orgs\n"
            )),
            "{list:#?}"
        );
    }
    let from_env = env.run_with_env(&["api-key", "create", "--name", "x"], &[("KEYSTROKE_ORG", "acme/../x")]).code(2);
    assert!(from_env.stderr.starts_with("error: `acme/../x` is not an org slug"), "{from_env:#?}");
    assert_eq!(env.run(&["api-key", "list", "--json"]).success().stdout, "[]\n");
}

/// On a terminal the secret comes in a block that says it is shown once, with what stays
/// visible afterwards (the preview) and when the key expires.
#[test]
fn create_on_a_terminal_shows_the_secret_once_with_its_preview_and_expiry() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let args = ["api-key", "create", "--name", "Laptop demo", "--expires-in", "30d", "--color", "never"];
    let (code, output) = env.on_terminal(&args).finish();
    assert_eq!(code, 0, "{output}");
    let listed = env.run(&["api-key", "list", "--json"]).success().json();
    let key = &listed[0];
    let (id, preview, expires) = (key["id"].as_str().unwrap(), key["preview"].as_str().unwrap(), &key["expires_at"]);
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines[0], format!("Created API key {id} (Laptop demo) in acme."), "{output}");
    assert_eq!(lines[1], "");
    let secret = lines[2].strip_prefix("    ").expect(&output);
    let (start, end) = preview.split_once('…').unwrap();
    assert!(secret.starts_with(start) && secret.contains(end) && secret.len() > preview.len(), "{output}");
    assert_eq!(env.curl_status("/api/projects", secret), 200, "the secret shown is the key's");
    assert_eq!(lines[3], "");
    assert_eq!(lines[4], "This secret is shown only once: copy it now and store it somewhere safe.");
    assert_eq!(lines[5], format!("From now on Keystroke shows only its preview, {preview}."));
    // `2026-12-26T14:00:27Z` on the wire, `2026-12-26 14:00 UTC` for people.
    let expiry = expires.as_str().unwrap()[..16].replacen('T', " ", 1);
    assert_eq!(lines[6], format!("It expires {expiry} UTC."), "{output}");
    assert_eq!(lines.len(), 7, "{output}");

    // On a terminal too narrow for the indent, the secret loses it rather than wrap in two.
    let narrow = [("COLUMNS", "50")];
    let (code, output) =
        env.on_terminal_with_env(&["api-key", "create", "--name", "Narrow", "--color", "never"], &narrow).finish();
    assert_eq!(code, 0, "{output}");
    let secret = output.lines().find(|line| line.contains("key_test_")).expect(&output);
    assert!(secret.starts_with("key_test_") && secret.len() <= 50, "{output:?}");
    let just_wide_enough = [("COLUMNS", "51")]; // the indent and the secret's 47 characters
    let args = ["api-key", "create", "--name", "Just wide enough", "--color", "never"];
    let (code, output) = env.on_terminal_with_env(&args, &just_wide_enough).finish();
    assert_eq!(code, 0, "{output}");
    let secret = output.lines().find(|line| line.contains("key_test_")).expect(&output);
    assert!(secret.starts_with("    key_test_") && secret.len() == 51, "{output:?}");

    // `-q`: the secret alone, as in a pipe.
    let (code, quiet) = env.on_terminal(&["-q", "api-key", "create", "--name", "Quiet"]).finish();
    assert_eq!(code, 0, "{quiet}");
    assert!(quiet.trim().starts_with("key_test_") && quiet.trim().lines().count() == 1, "{quiet:?}");
    assert_eq!(env.curl_status("/api/projects", quiet.trim()), 200);
}

/// The block that shows the secret holds the platform's words (the name, the org, the preview)
/// each on its line: a line break or tab from a hostile or older platform is written out, so it
/// cannot add a line to the block that reads as the CLI's own.
#[test]
fn create_on_a_terminal_writes_out_line_breaks_in_the_platforms_words() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let mut created = env.run(&["api-key", "create", "--name", "Real", "--json"]).success().json();
    created["name"] = "Real\r\nThis secret was revoked: use key_test_other\tinstead".into();
    created["preview"] = "key_test_AAAA…\nBBBB".into();
    let real_secret = created["secret"].as_str().unwrap().to_owned();
    created["secret"] = format!("{real_secret}\nThis secret was revoked").into();
    let body = created.to_string();
    let hostile =
        crate::support::stub_server(move |_| crate::support::http_response("201 Created", "application/json", &body));
    let args = ["--platform-url", &hostile, "--org", "acme", "api-key", "create", "--name", "x", "--color", "never"];
    let token = env.user(Role::Admin).session_token.clone();
    let (code, output) = env.on_terminal_with_env(&args, &[("KEYSTROKE_TOKEN", &token)]).finish();
    assert_eq!(code, 0, "{output}");
    let first = output.lines().next().unwrap();
    // Sent to a platform that commands without `--platform-url` do not go to: named.
    let expected = format!(
        "(Real\\u{{d}}\\u{{a}}This secret was revoked: use key_test_other\\u{{9}}instead) in acme on {hostile}."
    );
    assert!(first.starts_with("Created API key ak_") && first.ends_with(&expected), "{output:?}");
    assert!(output.contains("its preview, key_test_AAAA…\\u{a}BBBB."), "{output:?}");
    assert!(output.contains(&format!("    {real_secret}\\u{{a}}This secret was revoked\n")), "{output:?}");
    assert!(!output.lines().any(|line| line.starts_with("This secret was revoked")), "{output:?}");
}

/// On a terminal `revoke` asks, after checking the sign-in, the org and the key, and names the
/// key and the org. Declining (`n`, or Esc) revokes nothing and exits 1 with a plain line;
/// accepting revokes.
/// The key is named on a line of its own and the question is short: answered, dialoguer redraws
/// one row, and a question long enough to wrap was left on screen twice.
#[test]
fn revoke_on_a_terminal_asks_naming_the_key_and_the_org() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let name = "Keep me, a name long enough that a question naming it would wrap on a terminal";
    let (id, secret) = env.create_key(name, &[]);
    let described = format!("API key {id} ({name}) in acme: requests using it will fail at once.\n");

    let mut declined = env.on_terminal(&["api-key", "revoke", &id]);
    declined.expect(&format!("{described}Revoke it? [y/N]"));
    declined.send("n");
    let (code, output) = declined.finish();
    assert_eq!(code, 1, "{output}");
    assert!(output.ends_with("Nothing revoked.\n"), "{output:?}");
    assert_eq!(output.matches(&described).count(), 1, "named once: {output:?}");
    assert!(output.contains("Revoke it? no"), "{output:?}");
    // `-q` silences notices, not what the question is about.
    let mut quiet = env.on_terminal(&["-q", "api-key", "revoke", &id]);
    quiet.expect(&format!("{described}Revoke it? [y/N]"));
    quiet.send("n");
    assert_eq!(quiet.finish().0, 1);
    // Esc is a no as well.
    let mut escaped = env.on_terminal(&["api-key", "revoke", &id]);
    escaped.expect(&format!("{described}Revoke it? [y/N]"));
    escaped.send("\x1b");
    let (code, escaped) = escaped.finish();
    assert_eq!(code, 1, "{escaped}");
    assert!(escaped.ends_with("Nothing revoked.\n"), "{escaped:?}");
    assert!(!escaped.contains("error:"), "{escaped:?}");
    assert_eq!(env.curl_status("/api/projects", &secret), 200, "still valid");
    // Signed in to two platforms (staging and production may both have an acme), the question
    // names the platform too.
    let config_path = env.config_dir_path().join("config.json");
    let one_platform = std::fs::read_to_string(&config_path).unwrap();
    let mut two: serde_json::Value = serde_json::from_str(&one_platform).unwrap();
    two["platforms"]["https://staging.example.test"] = serde_json::json!({"credential_store": "keyutils"});
    std::fs::write(&config_path, two.to_string()).unwrap();
    let mut which = env.on_terminal(&["api-key", "revoke", &id]);
    which.expect(&format!("API key {id} ({name}) in acme on {}: requests using it will fail at once.\n", env.url()));
    which.send("n");
    assert_eq!(which.finish().0, 1);
    std::fs::write(&config_path, one_platform).unwrap();

    let mut accepted = env.on_terminal(&["api-key", "revoke", &id]);
    accepted.expect(&described);
    accepted.send("y");
    let (code, output) = accepted.finish();
    assert_eq!(code, 0, "{output}");
    assert!(output.ends_with(&format!("Revoked API key {id} ({name})\n")), "{output:?}");
    assert_eq!(env.curl_status("/api/projects", &secret), 401);

    // A key that is not there (revoked just now) is said so at once, with no question to answer.
    let (code, output) = env.on_terminal(&["api-key", "revoke", &id, "--color", "never"]).finish();
    assert_eq!(code, 5, "{output}");
    assert!(!output.contains("Revoke it?"), "{output:?}");
    assert!(output.contains(&format!("error: no active API key `{id}` in org `acme` that you can see")), "{output:?}");
}

/// Ctrl-C at the question cancels like a "no", and gives back the cursor dialoguer hid.
/// From before the question shows until it is answered, Ctrl-C reaches it as a key, never as a
/// SIGINT, which the moments between two reads of a key would lose (`-isig` is seen here while a
/// read waits, in raw mode, with or without that; those moments are too brief to catch), and
/// then the terminal is as it was: `isig` again, for the shell's own Ctrl-C.
#[test]
fn at_a_question_ctrl_c_is_a_key_and_the_terminal_is_put_back_after() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (id, _) = env.create_key("Asked about", &[]);
    let mut terminal = env.on_terminal_then(&["api-key", "revoke", &id], "stty -a");
    terminal.expect("Revoke it? [y/N]");
    terminal.expect_setting("-isig");
    terminal.send("n");
    let (_, output) = terminal.finish();
    let after = output.split("Nothing revoked.").nth(1).expect("the question was answered");
    assert!(after.split_whitespace().any(|setting| setting == "isig"), "{after:?}");
}

/// Ctrl-C at the revoke question, pressed or sent from elsewhere (`kill -INT`, `timeout -s INT`),
/// answers it no, shows the cursor again, then ends the command by SIGINT.
#[test]
fn ctrl_c_at_the_revoke_question_revokes_nothing_and_shows_the_cursor() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (id, secret) = env.create_key("Keep me too", &[]);
    for pressed in [true, false] {
        let mut terminal = env.on_terminal(&["api-key", "revoke", &id]);
        terminal.expect("\x1b[?25l"); // hidden: the question waits for a key
        match pressed {
            true => terminal.interrupt("Nothing revoked."),
            false => terminal.signal_while_waiting(libc::SIGINT),
        }
        let (code, output) = terminal.finish();
        // Said, then ended by the Ctrl-C, as a shell loop asking for each key needs to stop.
        assert_eq!(code, 130, "pressed: {pressed}: {output:?}");
        assert!(output.ends_with("Nothing revoked.\n"), "pressed: {pressed}: {output:?}");
        let hidden = output.rfind("\x1b[?25l").unwrap();
        assert!(output[hidden..].contains("\x1b[?25h"), "the cursor is shown again: {output:?}");
        assert_eq!(env.curl_status("/api/projects", &secret), 200, "still valid");
    }
}

/// `TERM=dumb` (Emacs' shell) shows escape codes as text: the question is a line, answered with a
/// line, and Ctrl-C still cancels it.
#[test]
fn on_a_dumb_terminal_revoke_asks_a_line_at_a_time() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (id, secret) = env.create_key("Dumb", &[]);
    let dumb = [("TERM", "dumb")];
    let question = format!("API key {id} (Dumb) in acme: requests using it will fail at once.\nRevoke it? [y/N] ");

    let mut cancelled = env.on_terminal_with_env(&["api-key", "revoke", &id], &dumb);
    cancelled.expect(&question);
    cancelled.interrupt("Nothing revoked.");
    let (code, output) = cancelled.finish();
    assert_eq!(code, 130, "{output:?}");
    assert!(!output.contains('\x1b'), "{output:?}");
    assert_eq!(env.curl_status("/api/projects", &secret), 200, "still valid");

    let mut accepted = env.on_terminal_with_env(&["api-key", "revoke", &id], &dumb);
    accepted.expect(&question);
    accepted.send("yes\n");
    let (code, output) = accepted.finish();
    assert_eq!(code, 0, "{output:?}");
    assert!(output.ends_with(&format!("{question}yes\nRevoked API key {id} (Dumb)\n")), "{output:?}");
    assert!(!output.contains('\x1b'), "{output:?}");
    assert_eq!(env.curl_status("/api/projects", &secret), 401);
}

/// On a terminal a long name wraps so the table fits the width; ids stay whole to be copied.
#[test]
fn list_on_a_terminal_fits_its_width() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let name = "Nightly export of every invoice to the accounting warehouse, run by the finance team";
    let (id, _) = env.create_key(name, &[]);
    let terminal = env.on_terminal_with_env(&["api-key", "list", "--color", "never"], &[("COLUMNS", "140")]);
    let (code, output) = terminal.finish();
    assert_eq!(code, 0, "{output}");
    let widest = output.lines().map(|line| line.chars().count()).max().unwrap();
    assert!(widest <= 140, "{widest} columns: {output}");
    assert!(output.contains(&id) && output.contains("Nightly") && output.contains("team"), "{output}");
    assert!(!output.contains(name), "the name wrapped: {output}");
}

/// A terminal too narrow for the columns even with the name wrapped gets one block of
/// `Header  value` lines per key, each line within the width and each id whole.
#[test]
fn list_on_a_narrow_terminal_shows_one_block_per_key() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (first, _) = env.create_key("Production automation", &[]);
    let (second, _) = env.create_key("CI", &[]);
    let terminal = env.on_terminal_with_env(&["api-key", "list", "--color", "never"], &[("COLUMNS", "80")]);
    let (code, output) = terminal.finish();
    assert_eq!(code, 0, "{output}");
    assert!(output.lines().all(|line| line.chars().count() <= 80), "{output}");
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    for (id, name) in [(&first, "Production automation"), (&second, "CI")] {
        let at = lines.iter().position(|line| line.starts_with("ID") && line.ends_with(id.as_str())).expect(&output);
        assert!(lines[at + 1].starts_with("Name") && lines[at + 1].ends_with(name), "{output}");
        assert!(lines[at + 2].starts_with("Key preview"), "{output}");
    }
    // A page's notice stands apart from the last block, not as one more line of its key.
    let paged =
        env.on_terminal_with_env(&["api-key", "list", "--limit", "1", "--color", "never"], &[("COLUMNS", "80")]);
    let (code, output) = paged.finish();
    assert_eq!(code, 0, "{output}");
    assert!(
        output.ends_with(
            "Expires      never\n\nShowing the first key; run `keystroke api-key list --all` to see all of them\n"
        ),
        "{output:?}"
    );

    // The terminal's own width, even where it reports no rows (as `stty cols` alone leaves it).
    let mut sized = env.isolated("script");
    let command = format!("stty cols 80; exec {} api-key list --color never", env!("CARGO_BIN_EXE_keystroke"));
    sized.args(["-qefc", &command, "/dev/null"]);
    let sized = String::from_utf8(sized.output().unwrap().stdout).unwrap().replace("\r\n", "\n");
    assert!(sized.lines().all(|line| line.chars().count() <= 80), "{sized}");
    assert!(sized.lines().any(|line| line.trim_end().ends_with(first.as_str()) && line.starts_with("ID ")), "{sized}");

    // The same command into a pipe keeps one row per key.
    let piped = env.run(&["api-key", "list"]);
    assert_eq!(piped.stdout.lines().count(), 3, "{}", piped.stdout);
}

/// Nothing to confirm before knowing there is someone signed in to act.
#[test]
fn revoke_on_a_terminal_checks_the_sign_in_before_asking() {
    let env = TestEnv::new();
    let url = env.url().to_string();
    let terminal = env.on_terminal(&["api-key", "revoke", "ak_abc", "--platform-url", &url, "--color", "never"]);
    let (code, output) = terminal.finish();
    assert_eq!(code, 3, "{output}");
    assert!(!output.contains("Revoke it?"), "{output:?}");
    assert!(output.contains("error: not signed in to"), "{output:?}");
}

/// The secret exists only in the create response: where it cannot be written, no key that
/// nobody can use stays valid.
#[test]
fn a_secret_that_cannot_be_written_leaves_no_valid_key() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);

    // To /dev/null (also what a closed stdout becomes): refused before any key is made.
    let nowhere: Run =
        env.command(&["api-key", "create", "--name", "Lost"]).stdout(Stdio::null()).output().unwrap().into();
    let nowhere = nowhere.code(2);
    assert_eq!(
        nowhere.stderr,
        "error: stdout is discarded (/dev/null, /dev/zero or closed), where the new key's secret would be lost\n\
         hint: run it with stdout on a terminal, a pipe, or a file only you can read, e.g. `(umask 077; … > \
         key.txt)`\n"
    );

    let zero = std::fs::OpenOptions::new().write(true).open("/dev/zero").unwrap();
    let discarded: Run = env.command(&["api-key", "create", "--name", "Lost"]).stdout(zero).output().unwrap().into();
    assert!(discarded.code(2).stderr.starts_with("error: stdout is discarded"));

    // To a full disk: made, the write fails, revoked again.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let failed: Run = env.command(&["api-key", "create", "--name", "Lost"]).stdout(full).output().unwrap().into();
    let failed = failed.code(1);
    assert!(
        failed.stderr.starts_with("error: could not write the new key's secret to stdout (No space left on device")
    );
    assert!(failed.stderr.contains("was revoked again, since its secret is lost"), "{failed:#?}");
    assert_eq!(env.run(&["api-key", "list", "--json"]).success().stdout, "[]\n", "no valid key left");
}

/// `> key.txt` under the usual umask makes a file every user of the machine can read: the secret
/// is written (the file is the user's), and they are told to close it.
#[cfg(target_os = "linux")] // where the file's path can be told from its descriptor
#[test]
fn a_secret_written_to_a_file_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let dir = tempfile::tempdir().unwrap();
    let create_into = |name: &str, mode: u32| {
        let path = dir.path().join(name);
        let file = std::fs::File::create(&path).unwrap();
        file.set_permissions(std::fs::Permissions::from_mode(mode)).unwrap();
        let run: Run = env.command(&["api-key", "create", "--name", name]).stdout(file).output().unwrap().into();
        (path, run.success())
    };

    let (open, run) = create_into("open.txt", 0o644);
    let lines: Vec<_> = run.stderr.lines().collect();
    assert!(lines[0].starts_with("Created API key ak_"), "{run:#?}");
    assert_eq!(
        lines[1..],
        [format!(
            "warning: `{}`, where the secret was written, has a mode (0644) that lets other users of this machine \
             read it: run `chmod 600` on it, or move the secret somewhere safer",
            open.canonicalize().unwrap().display()
        )]
    );
    let secret = std::fs::read_to_string(&open).unwrap();
    assert!(secret.starts_with("key_test_"), "the secret is written all the same: {secret:?}");

    let (closed, run) = create_into("closed.txt", 0o600);
    assert!(!run.stderr.contains("warning"), "{run:#?}");
    assert!(std::fs::read_to_string(&closed).unwrap().starts_with("key_test_"));
}

/// A revoke whose answer breaks off may have revoked the key all the same: the error says so and
/// how to find out, since a retry would then say "not found" and a script take it for a failure.
#[test]
fn a_revoke_left_unanswered_says_the_key_may_be_revoked_and_how_to_find_out() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    let token = env.new_session(&admin.email);
    let (id, _) = env.create_key("Revoked unanswered", &[]);
    let cut_short = meddling_proxy(env.url(), |mut client, request, answer| {
        let sent = if request.line.starts_with("DELETE ") { answer.len() - 20 } else { answer.len() };
        let _ = client.write_all(&answer[..sent]);
    });
    let args = ["--platform-url", &cut_short, "--org", "acme", "api-key", "revoke", &id, "--yes"];
    let revoke = env.run_with_env(&args, &[("KEYSTROKE_TOKEN", &token)]).code(6);
    assert_eq!(
        revoke.stderr,
        format!(
            "error: the platform at {cut_short} is unreachable: its answer broke off (end of file before message length \
             reached); the key may have been revoked all the same\n\
             hint: `keystroke api-key list --org acme --platform-url {cut_short}` shows whether {id} is still there; a \
             key revoked is not listed, and revoking it again says it is not found\n"
        )
    );
    // It was.
    let listed = env.run(&["api-key", "list", "--json"]).success().json();
    assert!(!listed.as_array().unwrap().iter().any(|key| key["id"] == id.as_str()), "{listed}");
}

/// A create whose answer never arrives, or breaks off, may still have made the key, whose secret
/// is then nowhere: the error says so and how to find the key, rather than a bare "unreachable"
/// that invites a retry (and a second key).
#[test]
fn a_create_left_unanswered_says_the_key_may_exist_and_how_to_find_it() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    let token = env.new_session(&admin.email);
    // The short timeout only where the answer is to come too late: elsewhere a loaded machine's
    // slow answer must not be taken for the failure the proxy makes.
    let vars = [("KEYSTROKE_TOKEN", token.as_str())];
    let impatient = [("KEYSTROKE_TOKEN", token.as_str()), ("KEYSTROKE_HTTP_TIMEOUT", "1")];
    // GETs pass at once; the answer to a POST comes too late, or only its first half.
    let late = meddling_proxy(env.url(), |mut client, request, answer| {
        if request.line.starts_with("POST ") {
            std::thread::sleep(std::time::Duration::from_secs(4));
        }
        let _ = client.write_all(&answer);
    });
    let cut_short = meddling_proxy(env.url(), |mut client, request, answer| {
        let sent = if request.line.starts_with("POST ") { answer.len() - 20 } else { answer.len() };
        let _ = client.write_all(&answer[..sent]);
    });

    for (proxy, why) in [
        (&late, "it did not answer within 1 s (`KEYSTROKE_HTTP_TIMEOUT`)"),
        (&cut_short, "its answer broke off (end of file before message length reached)"),
    ] {
        let name = format!("Unanswered {}", if proxy == &late { "late" } else { "cut" });
        let vars: &[_] = if proxy == &late { &impatient } else { &vars };
        let create =
            env.run_with_env(&["--platform-url", proxy, "--org", "acme", "api-key", "create", "--name", &name], vars);
        let create = create.code(6);
        assert_eq!(create.stdout, "");
        assert_eq!(
            create.stderr,
            format!(
                "error: the platform at {proxy} is unreachable: {why}; the key may have been created all the same\n\
                 hint: `keystroke api-key list --org acme --platform-url {proxy}` shows whether a key named `{name}` \
                 was created; if so, revoke it (`keystroke api-key revoke ID --org acme --platform-url {proxy} \
                 --yes`), since its secret never reached you, then create another\n"
            )
        );
        // It was: the platform made the key, and `api-key list` (straight to the platform) shows it.
        let listed = env.run(&["api-key", "list", "--json"]).success().json();
        assert!(listed.as_array().unwrap().iter().any(|key| key["name"] == name.as_str()), "{listed}");
    }

    // A proxy that gave up waiting (504) after passing the request on: the key was made.
    let gave_up = meddling_proxy(env.url(), |mut client, request, answer| {
        let answer = match request.line.starts_with("POST ") {
            true => http_response("504 Gateway Timeout", "text/html", "<h1>504</h1>").into_bytes(),
            false => answer,
        };
        let _ = client.write_all(&answer);
    });
    let create = env
        .run_with_env(&["--platform-url", &gave_up, "--org", "acme", "api-key", "create", "--name", "Gave up"], &vars);
    let create = create.code(6);
    assert!(
        create.stderr.starts_with(&format!(
            "error: the platform at {gave_up} is unreachable: 504 Gateway Timeout from the server in front of it; the \
             key may have been created all the same\n"
        )),
        "{create:#?}"
    );
    let listed = env.run(&["api-key", "list", "--json"]).success().json();
    assert!(listed.as_array().unwrap().iter().any(|key| key["name"] == "Gave up"), "{listed}");

    // An edge's timeout (Cloudflare's 524), or a proxy's own error page (a 500 without a Keystroke
    // error), after passing the request on: the key was made, and the error says it may have been.
    for (status, exit) in [("524 A Timeout Occurred", 6), ("500 Internal Server Error", 1)] {
        let edge = meddling_proxy(env.url(), move |mut client, request, answer| {
            let answer = match request.line.starts_with("POST ") {
                true => http_response(status, "text/html", "<h1>error</h1>").into_bytes(),
                false => answer,
            };
            let _ = client.write_all(&answer);
        });
        let name = format!("Behind {}", &status[..3]);
        let args = ["--platform-url", &edge, "--org", "acme", "api-key", "create", "--name", &name];
        let create = env.run_with_env(&args, &vars).code(exit);
        assert!(
            create.stderr.lines().next().unwrap().ends_with("; the key may have been created all the same"),
            "{create:#?}"
        );
        let listed = env.run(&["api-key", "list", "--json"]).success().json();
        assert!(listed.as_array().unwrap().iter().any(|key| key["name"] == name.as_str()), "{listed}");
    }

    // A whole answer that does not read (half its JSON, with a length to match) is a success
    // lost on the way: the key exists, its secret unread.
    let half = meddling_proxy(env.url(), |mut client, request, answer| {
        let answer = match request.line.starts_with("POST ") {
            true => http_response("201 Created", "application/json", r#"{"id":"ak_"#).into_bytes(),
            false => answer,
        };
        let _ = client.write_all(&answer);
    });
    let create =
        env.run_with_env(&["--platform-url", &half, "--org", "acme", "api-key", "create", "--name", "Half"], &vars);
    let create = create.code(1);
    assert!(
        create.stderr.starts_with(&format!(
            "error: the answer from {half}/api/orgs/acme/api-keys broke off in the middle of its JSON (EOF while \
             parsing a string at line 1 column 10); the key may have been created all the same\n\
             hint: `keystroke api-key list --org acme --platform-url {half}` shows whether a key named `Half` was \
             created"
        )),
        "{create:#?}"
    );
    let listed = env.run(&["api-key", "list", "--json"]).success().json();
    assert!(listed.as_array().unwrap().iter().any(|key| key["name"] == "Half"), "{listed}");
}

/// Ctrl-C, or SIGTERM from a cancelled CI job, while a create waits for its answer ends it in
/// words: the key may exist all the same, and how to find it. The signal used to end the process
/// without one, leaving a key whose secret nobody had. Then it ends by the signal, so that a
/// shell loop of creates (or deploys) stops there too.
#[test]
fn a_create_interrupted_while_it_waits_says_the_key_may_exist() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    let token = env.new_session(&admin.email);
    let arrived = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&arrived);
    let slow = meddling_proxy(env.url(), move |mut client, request, answer| {
        if request.line.starts_with("POST ") {
            seen.store(true, SeqCst);
            std::thread::sleep(std::time::Duration::from_secs(5));
        }
        let _ = client.write_all(&answer);
    });
    for signal in [libc::SIGINT, libc::SIGTERM] {
        arrived.store(false, SeqCst);
        let name = format!("Interrupted by {signal}");
        let mut create = env.command(&["--platform-url", &slow, "--org", "acme", "api-key", "create", "--name", &name]);
        let output = signalled_once_arrived(create.env("KEYSTROKE_TOKEN", &token), &arrived, signal, "create");
        let stderr = String::from_utf8_lossy(&output.stderr);
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(output.status.signal(), Some(signal), "{stderr}");
        assert!(output.stdout.is_empty());
        assert_eq!(
            stderr,
            format!(
                "error: interrupted before the platform answered; the key may have been created all the same\n\
                 hint: `keystroke api-key list --org acme --platform-url {slow}` shows whether a key named `{name}` \
                 was created; if so, revoke it (`keystroke api-key revoke ID --org acme --platform-url {slow} --yes`), \
                 since its secret never reached you, then create another\n"
            )
        );
    }
}

/// A platform that stops in the middle of its answer is unreachable (exit 6), like one that
/// never answers, not an answer that is not JSON.
#[test]
fn an_answer_that_stops_halfway_is_unreachable() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    let stalling = serve_each_request(|mut socket, _request| {
        use std::io::Write;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
        let _ = socket.write_all(format!("{head}{{\"items\": [").as_bytes());
        std::thread::sleep(std::time::Duration::from_secs(4));
    });
    let token = env.new_session(&admin.email);
    let vars = [("KEYSTROKE_TOKEN", token.as_str()), ("KEYSTROKE_HTTP_TIMEOUT", "1")];
    let list = env.run_with_env(&["--platform-url", &stalling, "--org", "acme", "api-key", "list"], &vars).code(6);
    assert_eq!(
        list.stderr,
        format!(
            "error: the platform at {stalling} is unreachable: its answer did not finish within 1 s (`KEYSTROKE_HTTP_TIMEOUT`)\n\
             hint: check that the platform is running and that `--platform-url` points at it\n"
        )
    );
}

/// An answer larger than any of the platform's (a page is a few hundred kB) is refused before
/// it fills the memory, whether it says its length or streams without end.
#[test]
fn an_endless_answer_is_refused_not_read_into_memory() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    let token = env.new_session(&admin.email);
    let endless = serve_each_request(|mut socket, request| {
        use std::io::Write;
        let chunked = request.line.contains("chunked");
        let head = if chunked {
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
        } else {
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000000000\r\n\r\n"
        };
        let _ = socket.write_all(head.as_bytes());
        let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
        // Until the CLI hangs up.
        while socket.write_all(chunk.as_bytes()).is_ok() {}
    });
    for org in ["acme", "chunked"] {
        let vars = [("KEYSTROKE_TOKEN", token.as_str())];
        let list = env.run_with_env(&["--platform-url", &endless, "--org", org, "api-key", "list"], &vars).code(1);
        assert!(
            list.stderr.starts_with(&format!(
                "error: the answer from {endless}/api/orgs/{org}/api-keys?limit=50 is larger than 32 MiB, more than \
                 keystroke reads\n"
            )),
            "{list:#?}"
        );
    }
}

/// Output that cannot be written (a full disk: `/dev/full`) after the change was made: the error
/// says the change stands, since a retry would find the key revoked (exit 5); a list says what
/// failed, not only the OS's words.
#[cfg(target_os = "linux")]
#[test]
fn an_answer_lost_after_a_revocation_says_the_key_is_revoked() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (id, secret) = env.create_key("Revoked into a full disk", &[]);
    let to_full_disk = |args: &[&str]| {
        let mut command = env.command(args);
        command.stdout(std::fs::File::create("/dev/full").unwrap());
        crate::support::Run::from(command.output().unwrap())
    };
    let revoked = to_full_disk(&["--json", "api-key", "revoke", &id, "--yes"]).code(1);
    let error: serde_json::Value = serde_json::from_str(&revoked.stderr).unwrap();
    let error = &error["error"];
    assert_eq!(
        error["message"],
        format!(
            "API key {id} was revoked, but its answer could not be written to stdout: No space left on device (os error 28)"
        )
    );
    assert_eq!(env.curl_status("/api/projects", &secret), 401, "as said");
    env.create_key("Listed into a full disk", &[]);
    let listed = to_full_disk(&["api-key", "list"]).code(1);
    assert_eq!(listed.stderr, "error: could not write the output to stdout: No space left on device (os error 28)\n");
}

/// Whether a key has expired is the platform's to say: `list` marks it by the platform's clock
/// (the `Date` of its answer), not by this machine's, which may be off by hours. The platform's
/// clock cannot be moved here, so a proxy in front of it says the platform's time is two hours on.
#[test]
fn expired_keys_are_marked_by_the_platforms_clock() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    env.run(&["api-key", "create", "--name", "Hourly", "--expires-in", "1h"]).success();
    let here = env.run(&["api-key", "list"]).success();
    assert!(!here.stdout.contains("(expired)"), "{here:#?}");

    let two_hours_on = meddling_proxy(env.url(), |mut client, _, answer| {
        let later = time::OffsetDateTime::now_utc() + time::Duration::hours(2);
        let date = later.format(&time::format_description::well_known::Rfc2822).unwrap().replace("+0000", "GMT");
        let answer = String::from_utf8(answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        let head: Vec<String> = head
            .lines()
            .map(|line| match line.to_ascii_lowercase().starts_with("date:") {
                true => format!("date: {date}"),
                false => line.to_owned(),
            })
            .collect();
        let _ = client.write_all(format!("{}\r\n\r\n{body}", head.join("\r\n")).as_bytes());
    });
    let token = env.new_session(&admin.email);
    let args = ["--platform-url", &two_hours_on, "--org", "acme", "api-key", "list"];
    let there = env.run_with_env(&args, &[("KEYSTROKE_TOKEN", token.as_str())]).success();
    let hourly = there.stdout.lines().find(|line| line.contains("Hourly")).unwrap_or_default();
    assert!(hourly.ends_with(" UTC (expired)"), "{there:#?}");
}

/// A cache in front of the platform that ignores the query string answers every page with the
/// first, whose cursor then comes back: `--all` stops there, in words, rather than going round for
/// ever (holding each page in memory, or printing it again).
#[test]
fn pages_that_go_round_stop_the_list() {
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    for name in ["First", "Second"] {
        env.run(&["api-key", "create", "--name", name]).success();
    }
    let target = env.url().to_owned();
    let first_page_always = meddling_proxy(env.url(), move |mut client, request, _| {
        let (path, _) = request.line.split_once('?').unwrap_or((&request.line, ""));
        let line = format!("{path}?limit=1 HTTP/1.1\r\n");
        let request = RawRequest { line, head: request.head.clone(), body: request.body.clone() };
        let answer = forward(&target, &request);
        let _ = client.write_all(&answer);
    });
    let token = env.new_session(&admin.email);
    for json in [false, true] {
        let mut args = vec!["--platform-url", &first_page_always, "--org", "acme", "api-key", "list", "--all"];
        args.extend(["--limit", "1"]);
        if json {
            args.push("--json");
        }
        let run = env.run_with_env(&args, &[("KEYSTROKE_TOKEN", token.as_str())]);
        assert_eq!(run.code, 1, "{run:#?}");
        assert!(run.stderr.contains("the platform sent a page it had sent before"), "{run:#?}");
        assert!(run.stderr.contains("check what is in front of the platform"), "{run:#?}");
        // Streamed, the pages sent come out in an array left open, which no JSON parser takes.
        assert_eq!(run.stdout.is_empty(), !json, "{run:#?}");
        assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_err(), "{run:#?}");
    }
}
