use std::io::Write;

use keystroke_api::{Role, SECRET_NOT_REPEATED};

use crate::support::{TestEnv, http_response, serve_each_request, stub_platform};

#[test]
fn usage_errors_are_json_with_json_anywhere_on_the_line() {
    let env = TestEnv::new();
    let expected = "{\"error\":{\"code\":\"usage\",\"message\":\"unexpected argument '--bogus' found\",\
                    \"hint\":\"usage: keystroke api-key list [OPTIONS]; see `--help`\",\"platform_code\":null}}\n";
    for args in [["--json", "api-key", "list", "--bogus"], ["api-key", "list", "--bogus", "--json"]] {
        let run = env.run(&args).code(2);
        assert_eq!(run.stdout, "");
        assert_eq!(run.stderr, expected, "{args:?}");
    }
    let missing = env.run(&["api-key", "--json"]).code(2);
    let error: serde_json::Value = serde_json::from_str(&missing.stderr).unwrap();
    assert_eq!(error["error"]["code"], "usage");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("'keystroke api-key' requires a subcommand"), "{message}");
}

#[test]
fn without_json_usage_errors_are_clap_text() {
    let env = TestEnv::new();
    let run = env.run(&["api-key", "list", "--bogus"]).code(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: unexpected argument '--bogus' found\n"), "{run:#?}");
    assert!(run.stderr.contains("Usage: keystroke api-key list [OPTIONS]"), "{run:#?}");
    // After `--`, `--json` is an argument (here one too many), not the flag.
    let after_dashes = env.run(&["org", "list", "--", "--json"]).code(2);
    assert!(after_dashes.stderr.starts_with("error: unexpected argument '--json' found\n"), "{after_dashes:#?}");
    // A value out of range or not a number is said in words, not in Rust's (`1..=500`, "invalid
    // digit found in string").
    for limit in ["0", "501", "abc", "-1", "2.5"] {
        let run = env.run(&["api-key", "list", "--limit", limit]).code(2);
        let said = format!("error: invalid value '{limit}' for '--limit <N>': expected a whole number from 1 to 500\n");
        assert!(run.stderr.starts_with(&said), "{run:#?}");
    }
}

/// clap quotes what it could not place: on a terminal, an escape sequence in it (one that would
/// retitle the window) does not reach the terminal, and a pasted megabyte is cut to a line.
#[test]
fn a_usage_error_quotes_what_was_typed_safely_and_cut_short() {
    let env = TestEnv::new();
    let (code, output) = env.on_terminal(&["api-key", "list", "--color", "x\u{1b}]0;PWNED\u{7}"]).finish();
    assert_eq!(code, 2, "{output:?}");
    assert!(
        output.contains("invalid value") && !output.contains("\u{1b}]0") && !output.contains('\u{7}'),
        "{output:?}"
    );
    // Written out, not dropped: clap's `Display` showed `1` for what was typed as `1\e[2J`.
    let typed = env.run(&["api-key", "list", "--limit", "1\u{1b}[2J"]).code(2);
    assert!(typed.stderr.starts_with("error: invalid value '1\\u{1b}[2J' for '--limit <N>'"), "{typed:#?}");
    let json = env.run(&["api-key", "list", "--limit", "1\u{1b}[2J", "--json"]).code(2).stderr;
    assert!(json.contains(r#""message":"invalid value '1\\u{1b}[2J' for '--limit <N>'"#), "{json}");
    let pasted = "x".repeat(100_000);
    let run = env.run(&[&pasted]).code(2);
    let first = run.stderr.lines().next().unwrap();
    assert!(first.ends_with("… (99533 characters more)") && first.chars().count() < 600, "{first}");
}

#[test]
fn help_and_version_print_normally_even_with_json() {
    let env = TestEnv::new();
    let help = env.run(&["--json", "api-key", "list", "--help"]).success();
    assert!(help.stdout.contains("Usage: keystroke api-key list [OPTIONS]"), "{help:#?}");
    assert_eq!(help.stderr, "");
    let version = env.run(&["--version", "--json"]).success();
    assert_eq!(version.stdout, format!("keystroke {}\n", env!("CARGO_PKG_VERSION")));
    // Only the top command has a version: a subcommand's printed `keystroke-api-key-list 0.1.0`.
    assert!(!help.stdout.contains("--version"), "{help:#?}");
    env.run(&["api-key", "list", "--version"]).code(2);
}

/// Help fits the terminal it is shown on (`COLUMNS`, else the terminal's width, at most 100; a
/// pipe gets 100): lines are broken between words, and a column's text goes on under itself.
#[test]
fn help_is_wrapped_to_the_width_it_is_shown_at() {
    let env = TestEnv::new();
    let too_long = |text: &str, width: usize| -> Vec<String> {
        text.lines().filter(|line| line.chars().count() > width).map(str::to_owned).collect()
    };
    let narrow = env.run_with_env(&["--help"], &[("COLUMNS", "64")]).success();
    assert_eq!(too_long(&narrow.stdout, 64), Vec::<String>::new(), "{}", narrow.stdout);
    let token = "  KEYSTROKE_TOKEN             a session token to use instead of\n\
                 \x20                             the stored one (never an API key)\n";
    assert!(narrow.stdout.contains(token), "{}", narrow.stdout);
    let exit_code = "  2  usage: a wrong flag or argument, no org chosen, nobody to\n     confirm,";
    assert!(narrow.stdout.contains(exit_code), "{}", narrow.stdout);
    let create = env.run_with_env(&["api-key", "create", "--help"], &[("COLUMNS", "64")]).success();
    assert_eq!(too_long(&create.stdout, 64), Vec::<String>::new(), "{}", create.stdout);
    assert!(create.stdout.contains("\n          Lifetime of the key, in `s`,"), "{}", create.stdout);

    let piped = env.run(&["--help"]).success();
    assert_eq!(too_long(&piped.stdout, 100), Vec::<String>::new(), "{}", piped.stdout);
    assert!(
        piped.stdout.contains("  KEYSTROKE_TOKEN             a session token to use instead of the stored one (never")
    );
}

/// A flag given twice counts once, the last value winning: a wrapper that always passes
/// `--json --no-input` keeps working when its caller passes them too.
#[test]
fn a_flag_given_twice_counts_once() {
    let env = TestEnv::new();
    env.sign_in(Role::Builder);
    let run = env.run(&["--json", "--no-input", "-q", "api-key", "list", "--json", "--no-input", "-q"]).success();
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("[]\n", ""), "JSON, and quiet");
    let last = env.run(&["--org", "nowhere", "api-key", "list", "--json", "--org", "acme"]).success();
    assert_eq!(last.stdout, "[]\n", "the last --org counts");
    let first = env.run(&["--org", "acme", "api-key", "list", "--json", "--org", "nowhere"]).code(5);
    assert!(first.stderr.contains("org `nowhere` not found"), "{first:#?}");
}

/// Shells and CI systems often export `VAR=`: that means unset, not "the org named ``".
#[test]
fn empty_environment_variables_count_as_unset() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let listed = env.run_with_env(&["api-key", "list"], &[("KEYSTROKE_ORG", "")]).success();
    assert_eq!(listed.stderr, "No API keys in acme\n");
    let status = env.run_with_env(&["auth", "status", "--json"], &[("KEYSTROKE_PLATFORM_URL", "")]).success();
    assert_eq!(status.json()["platform_url"], env.url());
    let both =
        env.run_with_env(&["api-key", "list", "--json"], &[("KEYSTROKE_ORG", ""), ("KEYSTROKE_PLATFORM_URL", "")]);
    assert_eq!(both.success().stdout, "[]\n");
}

/// CI jobs set the variables: they feed `--org` and `--platform-url`, but a usage line shows
/// what a person must type, not flags nobody typed.
#[test]
fn variables_feed_their_flags_but_not_the_usage_line() {
    let env = TestEnv::new();
    env.sign_in(Role::Builder);
    let vars = [("KEYSTROKE_ORG", "acme"), ("KEYSTROKE_PLATFORM_URL", env.url())];
    let missing = env.run_with_env(&["api-key", "create"], &vars).code(2);
    assert!(missing.stderr.contains("\nUsage: keystroke api-key create --name <NAME>\n"), "{missing:#?}");
    let json = env.run_with_env(&["api-key", "create", "--json"], &vars).code(2).stderr;
    assert!(json.contains("usage: keystroke api-key create --name <NAME> --json; see `--help`"), "{json}");
    let listed = env.run_with_env(&["api-key", "list", "--json"], &[("KEYSTROKE_ORG", "nope")]).code(5);
    assert!(listed.stderr.contains("org `nope` not found"), "the variable still names the org: {listed:#?}");
    let malformed = env.run_with_env(&["api-key", "list"], &[("KEYSTROKE_ORG", "Bad!")]).code(2);
    assert!(
        malformed.stderr.starts_with(
            "error: `Bad!` is not an org slug; slugs are 2 to 40 lowercase letters, digits and dashes, not starting with a dash (from `KEYSTROKE_ORG`)\n"
        ),
        "{malformed:#?}"
    );
    let flag = env.run(&["api-key", "list", "--org", "Bad!"]).code(2);
    assert!(!flag.stderr.contains("KEYSTROKE_ORG"), "{flag:#?}");

    // One that is not UTF-8 is refused, as such a flag is, rather than ignored for the saved org.
    use std::os::unix::ffi::OsStrExt;
    let mut garbled = env.command(&["api-key", "list"]);
    garbled.env("KEYSTROKE_ORG", std::ffi::OsStr::from_bytes(b"acme\xff"));
    let garbled = crate::support::Run::from(garbled.output().unwrap()).code(2);
    assert_eq!(garbled.stderr, "error: `KEYSTROKE_ORG` is not valid UTF-8\n");
    // So is any variable that stands for a choice: the stored token, the default directory or
    // store would be used instead.
    for name in ["KEYSTROKE_TOKEN", "KEYSTROKE_CONFIG_DIR", "KEYSTROKE_CREDENTIAL_STORE", "KEYSTROKE_HTTP_TIMEOUT"] {
        let mut garbled = env.command(&["auth", "status"]);
        garbled.env(name, std::ffi::OsStr::from_bytes(b"kss_\xff"));
        let garbled = crate::support::Run::from(garbled.output().unwrap()).code(2);
        assert_eq!(garbled.stderr, format!("error: `{name}` is not valid UTF-8\n"));
    }
}

#[test]
fn completion_refuses_json() {
    let env = TestEnv::new();
    let run = env.run(&["completion", "bash", "--json"]).code(2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "{\"error\":{\"code\":\"usage\",\"message\":\"`completion` prints a shell script; `--json` does not apply\",\
         \"hint\":\"run `keystroke completion bash` without `--json`\",\"platform_code\":null}}\n"
    );
}

/// What would go into a URL is checked before any request (`-v` would show one as `> GET`), and
/// an error never repeats a secret pasted in the wrong place.
#[test]
fn malformed_ids_slugs_and_urls_are_refused_before_any_request() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (_, secret) = env.create_key("pasted in the wrong place", &[]);
    let random_part = &secret["key_test_".len()..];

    let revoke = env.run(&["-v", "api-key", "revoke", &secret, "--yes"]).code(2);
    assert!(revoke.stderr.starts_with("error: that is an API key's secret, not an API key id"), "{revoke:#?}");
    let without_prefix = env.run(&["-v", "api-key", "revoke", &random_part[1..], "--yes"]).code(2);
    assert!(without_prefix.stderr.starts_with("error: that is the secret part of an API key"), "{without_prefix:#?}");
    assert!(!without_prefix.stderr.contains(&random_part[1..30]), "{without_prefix:#?}");
    // Shaped like an id (`ak_`, letters and digits) but a secret's body: `-v` printed it in the URL.
    let as_an_id = env.run(&["-v", "api-key", "revoke", &format!("ak_{random_part}"), "--yes"]).code(2);
    assert!(as_an_id.stderr.starts_with("error: that is the secret part of an API key"), "{as_an_id:#?}");
    let switch = env.run(&["-v", "org", "switch", "Bad Slug"]).code(2);
    assert!(switch.stderr.starts_with("error: `Bad Slug` is not an org slug"), "{switch:#?}");
    let huge = "x".repeat(10_000);
    let listed = env.run(&["-v", "--org", &huge, "api-key", "list"]).code(2);
    assert!(listed.stderr.len() < 500, "the error quotes a readable part of the input: {listed:#?}");
    let with_password = env.run(&["-v", "api-key", "list", "--platform-url", "http://ada:hunter2@127.0.0.1:9"]).code(2);
    assert!(with_password.stderr.contains("contains a user name or password"), "{with_password:#?}");

    for run in [&revoke, &without_prefix, &as_an_id, &switch, &listed, &with_password] {
        assert!(!run.stderr.contains("> "), "no request was made: {run:#?}");
        assert!(!run.stderr.contains(random_part) && !run.stderr.contains("hunter2"), "{run:#?}");
    }
}

/// A platform's error message is shown to people, so an escape sequence in it is written out.
#[test]
fn an_error_message_from_the_platform_cannot_drive_the_terminal() {
    let env = TestEnv::new();
    let body = r#"{"error":{"code":"forbidden","message":"nope \u001b]0;PWNED\u0007\u001b[2J"}}"#;
    let url = stub_platform(http_response("403 Forbidden", "application/json", body));
    let run = env
        .run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &url], &[("KEYSTROKE_TOKEN", "kss_x")]);
    let run = run.code(4);
    assert!(run.stderr.starts_with("error: "), "{run:#?}");
    assert!(run.stderr.contains("nope \\u{1b}]0;PWNED\\u{7}\\u{1b}[2J"), "{run:#?}");
    assert!(!run.stderr.contains(['\u{1b}', '\u{7}']), "{run:#?}");
    // With `--json` too: a script's `jq -r .error.message` prints the message raw.
    let json = env.run_with_env(
        &["--json", "api-key", "list", "--org", "acme", "--platform-url", &url],
        &[("KEYSTROKE_TOKEN", "kss_x")],
    );
    let json = json.code(4);
    let error: serde_json::Value = serde_json::from_str(json.stderr.trim_end()).unwrap();
    assert_eq!(error["error"]["message"], "forbidden: nope \\u{1b}]0;PWNED\\u{7}\\u{1b}[2J", "{json:#?}");
}

/// A proxy or a broken platform may repeat the request's `Authorization` header in its error
/// message: the token is not repeated to the terminal or to a CI log, with `--json` either.
#[test]
fn a_token_repeated_in_an_error_message_is_not_shown() {
    let env = TestEnv::new();
    let token = env.user(Role::Owner).session_token.clone();
    let echo = serve_each_request(|mut socket, request| {
        let authorization = request.head.iter().find(|h| h.to_ascii_lowercase().starts_with("authorization:"));
        let repeated = authorization.map(|h| h.trim_end().to_owned()).unwrap_or_default();
        let body = format!(r#"{{"error":{{"code":"bad {repeated}","message":"bad header {repeated}"}}}}"#);
        let _ = socket.write_all(http_response("400 Bad Request", "application/json", &body).as_bytes());
    });
    let random_part = &token["kss_".len()..];
    let vars = [("KEYSTROKE_TOKEN", token.as_str())];
    let list = env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &echo], &vars).code(1);
    assert_eq!(
        list.stderr,
        format!("error: the platform refused the request: bad header authorization: Bearer {SECRET_NOT_REPEATED}\n")
    );
    let json = env.run_with_env(&["--json", "org", "list", "--platform-url", &echo], &vars).code(1);
    assert!(json.stderr.contains(SECRET_NOT_REPEATED) && !json.stderr.contains(random_part), "{json:#?}");
    let login = env.run_with_stdin(&["auth", "login", "--with-token", "--platform-url", &echo], &token).code(1);
    assert!(login.stderr.contains(SECRET_NOT_REPEATED) && !login.stderr.contains(random_part), "{login:#?}");
}

/// clap quotes an argument it cannot place; a token or key pasted as one is not repeated.
#[test]
fn a_secret_pasted_as_an_argument_is_not_repeated_in_the_usage_error() {
    let env = TestEnv::new();
    let token = "kss_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6";
    let key = "key_live_6JtBE4DQdPldl6qkVb8HguBtFP2zFjUd4DmK7Q";
    let (with_token, limit) = (format!("--with-token={token}"), format!("--limit={key}"));
    for args in [&["auth", "login", "--with-token", token][..], &["auth", "login", &with_token]] {
        let run = env.run(args).code(2);
        assert_eq!(
            run.stderr,
            "error: `--with-token` reads the token from stdin, not from the command line, where shell history and \
             `ps` keep it (it is not repeated here)\nhint: keystroke auth login --with-token < token.txt\n",
            "{args:?}"
        );
    }
    let json = env.run(&["--json", "auth", "login", "--with-token", token]).code(2);
    let error: serde_json::Value = serde_json::from_str(&json.stderr).unwrap();
    assert_eq!(
        (&error["error"]["code"], &error["error"]["hint"]),
        (&"usage".into(), &"keystroke auth login --with-token < token.txt".into())
    );
    assert!(!json.stderr.contains("24k1601"), "{json:#?}");
    for args in [
        &["api-key", "list", "--limit", key][..],
        &[key],
        &["api-key", "list", &limit],
        &["--json", "api-key", "list", &limit],
        &["api-key", "list", "--limit", &key["key_live_".len()..]],
    ] {
        let run = env.run(args).code(2);
        assert!(run.stderr.contains("(a secret, not repeated here)"), "{args:?}: {run:#?}");
        assert!(!run.stderr.contains("24k1601") && !run.stderr.contains("6JtBE4"), "{args:?}: {run:#?}");
    }
}

/// `-q` drops the notices on stderr, never the data on stdout, the secret or an error.
#[test]
fn quiet_drops_notices_but_not_data_or_errors() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let loud = env.run(&["api-key", "create", "--name", "loud"]).success();
    assert!(loud.stderr.starts_with("Created API key ak_"), "{loud:#?}");
    let quiet = env.run(&["-q", "api-key", "create", "--name", "quiet"]).success();
    assert_eq!(quiet.stderr, "");
    assert!(quiet.stdout.starts_with("key_test_") && quiet.stdout.lines().count() == 1, "{quiet:#?}");
    assert_eq!(env.curl_status("/api/projects", quiet.stdout.trim()), 200);
    let failed = env.run(&["--quiet", "api-key", "revoke", "ak_nothere", "--yes"]).code(5);
    assert!(failed.stderr.starts_with("error: no active API key `ak_nothere` in org `acme`"), "{failed:#?}");
}

/// Colors go to terminals (`auto`), nowhere with `NO_COLOR`, and everywhere with `--color always`,
/// which wins over `NO_COLOR` as no-color.org asks of an explicit flag.
#[test]
fn colors_follow_the_terminal_the_flag_and_no_color() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let args = ["api-key", "revoke", "ak_nothere", "--yes"];
    let red_error = "\x1b[1;31merror:\x1b[0m no active API key `ak_nothere`";
    let piped = env.run(&args).code(5);
    assert!(piped.stderr.starts_with("error: no active API key") && !piped.stderr.contains('\x1b'), "{piped:#?}");
    let always: Vec<&str> = ["--color", "always"].into_iter().chain(args).collect();
    let forced = env.run(&always).code(5);
    assert!(forced.stderr.starts_with(red_error), "{forced:#?}");
    assert!(forced.stderr.contains("\n\x1b[1;33mhint:\x1b[0m "), "{forced:#?}");
    let forced_despite = env.run_with_env(&always, &[("NO_COLOR", "1")]).code(5);
    assert_eq!(forced_despite.stderr, forced.stderr);

    let (code, on_terminal) = env.on_terminal(&args).finish();
    assert_eq!(code, 5, "{on_terminal:?}");
    assert!(on_terminal.contains(red_error), "{on_terminal:?}");
    let (code, no_color) = env.on_terminal_with_env(&args, &[("NO_COLOR", "1")]).finish();
    assert_eq!(code, 5, "{no_color:?}");
    assert!(no_color.contains("error: no active API key") && !no_color.contains("\x1b[1;31m"), "{no_color:?}");
    let (code, dumb) = env.on_terminal_with_env(&args, &[("TERM", "dumb")]).finish();
    assert_eq!(code, 5, "{dumb:?}");
    assert!(dumb.contains("error: no active API key") && !dumb.contains("\x1b[1;31m"), "{dumb:?}");
    let dumb_but_asked: Vec<&str> = ["--color", "always"].into_iter().chain(args).collect();
    let forced_on_dumb = env.run_with_env(&dumb_but_asked, &[("TERM", "dumb")]).code(5);
    assert_eq!(forced_on_dumb.stderr, forced.stderr);

    // clap's own help and usage errors follow the flag too.
    let (code, never) = env.on_terminal(&["--color", "never", "api-key", "lst"]).finish();
    assert_eq!(code, 2, "{never:?}");
    assert!(never.contains("error: unrecognized subcommand 'lst'") && !never.contains('\x1b'), "{never:?}");
    let (code, help) = env.on_terminal(&["--color=never", "--help"]).finish();
    assert_eq!(code, 0, "{help:?}");
    assert!(help.contains("Usage: keystroke [OPTIONS] <COMMAND>") && !help.contains('\x1b'), "{help:?}");
    let piped = env.run(&["--color", "always", "api-key", "lst"]).code(2);
    assert!(piped.stderr.starts_with("\x1b[1m\x1b[31merror:\x1b[0m unrecognized subcommand"), "{piped:#?}");
}

/// A reader that stops early (`keystroke api-key list --all --json | head -c 100`) ends the
/// command quietly with exit 0, as it does other Unix tools.
#[test]
fn a_reader_that_stops_early_ends_the_listing_quietly() {
    use std::io::Read;
    let env = TestEnv::new();
    let admin = env.sign_in(Role::Admin);
    // Far more than a pipe holds, so that writing fails while pages are still coming.
    keystroke_platform::dev::seed_keys(env.server().storage(), "acme", &admin.email, 2_000).unwrap();
    let mut child = env
        .command(&["api-key", "list", "--all", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut start = [0; 100];
    child.stdout.take().unwrap().read_exact(&mut start).unwrap();
    assert!(start.starts_with(b"["), "{}", String::from_utf8_lossy(&start));
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

/// Notices and errors go to stderr; a stderr nobody can write to (a closed pipe, as in
/// `cmd 2>&1 | grep -q`, or a full disk) changes neither the outcome nor the documented exit code.
#[test]
fn a_stderr_that_cannot_be_written_keeps_the_exit_code_and_the_secret() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let full_disk = || std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();

    let not_found = env.command(&["--org", "nosuch", "api-key", "list"]).stderr(full_disk()).output().unwrap();
    assert_eq!(not_found.status.code(), Some(5));

    // The create notice fails, the secret on stdout does not: the key stays, its secret delivered.
    // The pipe's reader is gone before the command starts, so every write to stderr fails.
    let (reader, closed_pipe) = std::io::pipe().unwrap();
    drop(reader);
    let created = env.command(&["api-key", "create", "--name", "quiet stderr"]).stderr(closed_pipe).output().unwrap();
    assert_eq!(created.status.code(), Some(0));
    let secret = String::from_utf8(created.stdout).unwrap();
    assert!(secret.starts_with("key_test_") && secret.ends_with('\n'), "{secret:?}");
    assert_eq!(env.curl_status("/api/projects", secret.trim()), 200);
}

/// `KEYSTROKE_HTTP_TIMEOUT` outside its range is a usage error before any request, naming it,
/// and before the token is looked for: it is the error to fix whether or not anyone is signed in.
#[test]
fn an_http_timeout_out_of_range_is_a_usage_error() {
    let env = TestEnv::new();
    let not_signed_in = env.run_with_env(&["api-key", "list"], &[("KEYSTROKE_HTTP_TIMEOUT", "0")]).code(2);
    assert!(not_signed_in.stderr.starts_with("error: KEYSTROKE_HTTP_TIMEOUT=`0` is not"), "{not_signed_in:#?}");
    env.sign_in(Role::Admin);
    for value in ["0", "3601", "soon"] {
        // With `-v`, the exact stderr below shows that no request was made either.
        let run = env.run_with_env(&["-v", "api-key", "list"], &[("KEYSTROKE_HTTP_TIMEOUT", value)]).code(2);
        assert_eq!(
            run.stderr,
            format!(
                "error: KEYSTROKE_HTTP_TIMEOUT=`{value}` is not a number of seconds from 0.1 to 3600\n\
                 hint: the default is 30 seconds; unset it to use that\n"
            )
        );
    }
    env.run_with_env(&["api-key", "list"], &[("KEYSTROKE_HTTP_TIMEOUT", "3600")]).success();
}
