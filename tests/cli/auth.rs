use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, Stdio};

use keystroke_api::Role;

use crate::support::{TestEnv, http_response, installed, redact_times, stub_server};

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
            "error: {} did not accept the session token\nhint: the token may have expired or been revoked; \
             run `keystroke auth login` to sign in with the browser\n",
            env.url()
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
        status.stdout.contains("Active org:  acme (you belong to no org now: ask an org owner or admin to add you)\n"),
        "{status:#?}"
    );
    // And a command in it says it is not one of theirs, as for an org that never existed.
    let list = env.run(&["api-key", "list"]).code(5);
    assert!(
        list.stderr.starts_with("error: org `acme` not found among your orgs\nhint: `keystroke org list`"),
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
        "             (shadows the token stored in the kernel keyring (keyutils; the session's keyring, gone at logout or reboot))"
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

#[test]
fn an_unreachable_platform_exits_6_naming_the_url() {
    let env = TestEnv::new();
    // Port 9 (discard) on loopback: nothing listens there.
    let down = "http://127.0.0.1:9";
    let run = env.run_with_env(&["api-key", "list", "--platform-url", down], &[("KEYSTROKE_TOKEN", "kss_x")]).code(6);
    assert_eq!(
        run.stderr,
        "error: the platform at http://127.0.0.1:9 is unreachable: could not connect\n\
         hint: check that the platform is running and that `--platform-url` (or `KEYSTROKE_PLATFORM_URL`) points at it\n"
    );
    let login = env.run_with_stdin(&["auth", "login", "--with-token", "--platform-url", down], "kss_x").code(6);
    assert_eq!(login.stderr, run.stderr, "the same words for sign-in");

    // `https://` to a platform that speaks plain HTTP: the handshake is what failed, and why.
    let tls = env.url().replacen("http://", "https://", 1);
    let run = env.run_with_env(&["api-key", "list", "--platform-url", &tls], &[("KEYSTROKE_TOKEN", "kss_x")]).code(6);
    assert!(run.stderr.contains("is unreachable: the TLS handshake failed ("), "{run:#?}");
    assert!(run.stderr.contains("use an `http://` URL"), "{run:#?}");
}

/// A TLS server on loopback whose certificate no authority signed (made by the `openssl` command
/// line tool; the binaries themselves link no OpenSSL). A request that gets through the handshake
/// is counted and answered 503.
struct UntrustedTlsServer {
    url: String,
    certificate: std::path::PathBuf,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    _dir: tempfile::TempDir,
}

impl UntrustedTlsServer {
    /// `None` (a skip) where the `openssl` tool is missing.
    fn start() -> Option<Self> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use std::sync::atomic::{AtomicUsize, Ordering};

        let dir = tempfile::tempdir().unwrap();
        let (key, certificate) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
        let openssl = installed("openssl", "the untrusted-certificate test")?;
        let made = std::process::Command::new(openssl)
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
            .args(["-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&certificate)
            .output()
            .unwrap();
        assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from_pem_file(&certificate).unwrap()],
                PrivateKeyDer::from_pem_file(&key).unwrap(),
            )
            .unwrap();
        let config = std::sync::Arc::new(config);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        std::thread::spawn(move || {
            for mut socket in listener.incoming().flatten() {
                let mut connection = rustls::ServerConnection::new(config.clone()).unwrap();
                let mut tls = rustls::Stream::new(&mut connection, &mut socket);
                let mut request = BufReader::new(&mut tls);
                let mut line = String::new();
                // A client that refuses the certificate hangs up during the handshake: no request.
                if request.read_line(&mut line).is_ok_and(|read| read > 0) {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let _ = std::io::Write::write_all(
                        &mut tls,
                        b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    );
                }
            }
        });
        Some(Self { url, certificate, requests, _dir: dir })
    }

    fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[test]
fn a_platform_whose_certificate_is_not_trusted_is_refused_before_the_token_is_sent() {
    let Some(untrusted) = UntrustedTlsServer::start() else { return };
    let env = TestEnv::new();
    let token = &env.user(Role::Admin).session_token;
    let list = ["api-key", "list", "--platform-url", &untrusted.url];
    let run = env.run_with_env(&list, &[("KEYSTROKE_TOKEN", token)]).code(6);
    assert_eq!(
        run.stderr,
        format!(
            "error: the platform at {} could not be reached securely: its certificate is not issued by an authority \
             this system trusts\n\
             hint: check the URL; if the platform's certificate comes from a private authority, add that authority to \
             this system's trusted certificates (or point `SSL_CERT_FILE` at it), and never work around this on an \
             untrusted network\n",
            untrusted.url
        )
    );
    assert!(run.stdout.is_empty());

    // Signing in to it fails the same way, and nothing is stored.
    let login = env.run_with_stdin(&["auth", "login", "--with-token", "--platform-url", &untrusted.url], token);
    assert!(login.code(6).stderr.contains("could not be reached securely"));
    env.run(&["auth", "status"]).code(3);
    assert_eq!(untrusted.requests(), 0, "no request, so no token, went to the untrusted server");

    // Trusted, but reached by a name it was not made for (it names 127.0.0.1 only).
    let certificate = untrusted.certificate.to_str().unwrap();
    let trusted = [("KEYSTROKE_TOKEN", token.as_str()), ("SSL_CERT_FILE", certificate)];
    let by_name = untrusted.url.replace("127.0.0.1", "localhost");
    let run = env.run_with_env(&["api-key", "list", "--platform-url", &by_name], &trusted).code(6);
    assert!(
        run.stderr.starts_with(&format!(
            "error: the platform at {by_name} could not be reached securely: its certificate is not valid for this \
             host name\n"
        )),
        "{run:#?}"
    );
    assert_eq!(untrusted.requests(), 0);

    // The hint's remedy works: trusted through `SSL_CERT_FILE`, the request goes through.
    let run = env.run_with_env(&list, &trusted);
    assert!(!run.stderr.contains("securely"), "{run:#?}");
    assert_eq!(untrusted.requests(), 1, "{run:#?}");
}

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
        "Signed out of {url} here; its session {session} came with `--with-token` and stays valid where the token came \
         from: signing out there ends it, or `keystroke session revoke {session}` from another sign-in of yours\n"
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
    let logout = env.run(&["auth", "logout"]).success();
    assert_eq!(
        logout.stderr,
        format!(
            "Signed out of {} here. The token stored for it now is another sign-in's ({}, made from another config \
             directory that shares this keyring), which stays signed in; this directory's own session, {own}, was \
             replaced then and stays valid: `keystroke session revoke {own}` ends it\n",
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
    let (child, stderr, code) = start_device_login(&env);
    let ada = env.user(Role::Owner);
    env.server().approve_device(&code, &ada.email, &ada.password).unwrap();
    let (status, rest) = finish_device_login(child, stderr);
    assert!(status.success(), "{rest}");
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
    // Waiting for its token by now (its config read already). Were it slower, the switch would
    // come before that read, and this test pass without proving anything: generous, then.
    std::thread::sleep(std::time::Duration::from_secs(1));
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

/// SIGTERM (`timeout`) or SIGHUP (a closed window) at the sign-in's question of which org to
/// make active ends it in words, as Ctrl-C at the wait does: the session the browser approved is
/// revoked, not left valid with its token nowhere, and nothing is stored.
#[test]
fn an_ending_signal_at_the_org_question_revokes_the_approved_session() {
    let env = TestEnv::with_fast_device_flow();
    let ada = env.user(Role::Owner);
    let before = live_cli_sessions(&env, ada);
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let args = ["auth", "login", "--no-browser", "--platform-url", env.url(), "--color", "never"];
        let terminal = env.on_terminal(&args);
        terminal.expect(" in your browser and approve the sign-in.");
        let shown = terminal.output();
        let code = shown.split("one-time code: ").nth(1).and_then(|rest| rest.lines().next()).unwrap().trim();
        env.server().approve_device(code, &ada.email, &ada.password).unwrap();
        terminal.expect("Which org should commands act on?");
        assert_eq!(live_cli_sessions(&env, ada), before + 1, "approved and collected, not yet stored");
        let asking = keystroke_processes_of(env.url());
        assert_eq!(asking.len(), 1, "{asking:?}");
        // SAFETY: a signal to the process this test started, which is waiting at the question.
        assert_eq!(unsafe { libc::kill(asking[0], signal) }, 0);
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
             hint: check that the platform is running and that `--platform-url` (or `KEYSTROKE_PLATFORM_URL`) points \
             at it; `keystroke session list` shows it once you are signed in (this machine's, made just now), and \
             `keystroke session revoke ID` ends it\n"
        ),
        "{rest}"
    );
    assert_eq!(live_cli_sessions(&env, ada), before, "revoked after all, as \"may\" allowed");
}

/// On a terminal, `auth login` opens the approval page in the browser (`xdg-open` here), whose
/// environment keeps no session token of the command's.
#[test]
fn the_browser_gets_the_approval_page_and_no_token() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::with_fast_device_flow();
    let bin = tempfile::tempdir().unwrap();
    let seen = bin.path().join("seen");
    let opener = bin.path().join("xdg-open");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\n{{ echo \"$1\"; env; }} > '{}.part'\nmv '{0}.part' '{0}'\n", seen.display()),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap());
    let token = env.user(Role::Admin).session_token.clone();
    let vars = [("PATH", path.as_str()), ("KEYSTROKE_TOKEN", token.as_str())];
    let mut terminal =
        env.on_terminal_with_env(&["auth", "login", "--platform-url", env.url(), "--color", "never"], &vars);
    terminal.expect("Waiting for approval in the browser");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !seen.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    terminal.send("\x03");
    let (code, output) = terminal.finish();
    assert_eq!(code, 130, "ended by Ctrl-C, as the shell reports it: {output:?}");
    let seen = std::fs::read_to_string(&seen).expect("the browser was started");
    let url = seen.lines().next().unwrap();
    assert!(url.starts_with(&format!("{}/device?", env.url())), "{seen}");
    assert!(!seen.contains("KEYSTROKE_TOKEN") && !seen.contains(&token), "{seen}");
}

/// Starts `auth login --no-browser` and reads, off its stderr, the two lines that tell a person
/// what to do; returns the running login, the rest of its stderr, and the user code.
fn start_device_login(env: &TestEnv) -> (Child, BufReader<ChildStderr>, String) {
    start_device_login_through(env, env.url())
}

/// How a login started by [`start_device_login`] ended, and the rest of what it said on stderr.
fn finish_device_login(mut child: Child, mut stderr: BufReader<ChildStderr>) -> (std::process::ExitStatus, String) {
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    (status, rest)
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

/// [`start_device_login`] with the CLI sent to `url` (a proxy to the platform).
fn start_device_login_through(env: &TestEnv, url: &str) -> (Child, BufReader<ChildStderr>, String) {
    let mut child = env
        .command(&["auth", "login", "--no-browser", "--platform-url", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let code = first
        .strip_prefix("First copy your one-time code: ")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .trim()
        .to_string();
    let mut second = String::new();
    stderr.read_line(&mut second).unwrap();
    assert_eq!(second, format!("Then open {}/device in your browser and approve the sign-in.\n", env.url()));
    (child, stderr, code)
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
    let (child, stderr, code) = start_device_login(&env);

    let ada = env.user(Role::Owner);
    env.server().approve_device(&code, &ada.email, &ada.password).unwrap();

    let (status, rest) = finish_device_login(child, stderr);
    assert!(status.success(), "{rest}");
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

#[test]
fn completion_needs_neither_keyring_nor_platform() {
    let env = TestEnv::new();
    // An invalid store name would fail any command that touched the credential store.
    let run = env.run_with_env(&["completion", "bash"], &[("KEYSTROKE_CREDENTIAL_STORE", "bogus")]);
    let run = run.success();
    assert!(run.stdout.contains("_keystroke()"));
    let help = env.run_with_env(&["--help"], &[("KEYSTROKE_CREDENTIAL_STORE", "bogus")]).success();
    assert!(help.stdout.contains("\nUsage: keystroke [OPTIONS] <COMMAND>\n"), "{help:#?}");
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

/// A platform URL that redirects (http to https, a moved host) is named with the URL to use.
/// Followed, the redirect lost the token on the way, and the sign-in failed as if it were expired.
#[test]
fn a_redirecting_platform_url_is_named_with_the_url_to_use() {
    let env = TestEnv::new();
    let platform = env.url().to_owned();
    let redirect = |to: &str| {
        format!("HTTP/1.1 307 Temporary Redirect\r\nlocation: {to}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
    };
    let moved = stub_server(move |request| {
        let path = request.split(' ').nth(1).unwrap_or("/");
        redirect(&if path.starts_with("/api/me") { format!("{platform}{path}") } else { "/welcome".to_owned() })
    });
    let token = &env.user(Role::Admin).session_token;
    let login = env.run_with_stdin(&["auth", "login", "--with-token", "--platform-url", &moved], token).code(1);
    assert_eq!(
        login.stderr,
        format!(
            "error: the platform at {moved} redirects to {}/api/me\n\
             hint: use `--platform-url {}` (keystroke does not follow redirects, which would drop the token)\n",
            env.url(),
            env.url()
        )
    );
    env.run(&["auth", "status", "--platform-url", &moved]).code(3);
    // Elsewhere than the same path under another URL: no URL to suggest.
    let vars = [("KEYSTROKE_TOKEN", token.as_str())];
    let list = env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &moved], &vars).code(1);
    assert!(list.stderr.starts_with(&format!("error: the platform at {moved} redirects to {moved}/welcome\n")));
    assert!(
        list.stderr.ends_with(
            "hint: point `--platform-url` (or `KEYSTROKE_PLATFORM_URL`) at the platform itself, not at an address \
             that sends elsewhere\n"
        ),
        "{list:#?}"
    );
    // The same path glued to another one (`/xapi/me`) is no platform URL to suggest (`/x`).
    let platform = env.url().to_owned();
    let glued =
        stub_server(move |request| redirect(&format!("{platform}/x{}", &request.split(' ').nth(1).unwrap()[1..])));
    let login = env.run_with_stdin(&["auth", "login", "--with-token", "--platform-url", &glued], token).code(1);
    assert!(login.stderr.contains("redirects to") && !login.stderr.contains("use `--platform-url"), "{login:#?}");
}

/// Signing in to a plain `http://` platform on another machine warns that the token will cross
/// the network in clear; loopback (`dev`, a local proxy) does not.
#[test]
fn signing_in_over_plain_http_to_another_machine_warns() {
    let env = TestEnv::new();
    // This machine's address on its network, found without sending anything; a port just closed.
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    let own_address = probe.connect("192.0.2.1:9").and_then(|()| probe.local_addr()).map(|addr| addr.ip());
    let Some(address) = own_address.ok().filter(|ip| !ip.is_loopback() && !ip.is_unspecified()) else {
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
}

/// A server that is not a Keystroke platform: every request gets 200 and an HTML page.
#[test]
fn a_garbled_answer_names_the_url_once_and_suggests_checking_it() {
    let url = stub_server(|request| {
        // A web framework's JSON error (Express, Spring) is not the sign-in routes' RFC 6749 one.
        if request.starts_with("GET /framework/") {
            return http_response("404 Not Found", "application/json", r#"{"error":"Not Found"}"#);
        }
        if request.starts_with("GET /gate/") {
            return http_response("401 Unauthorized", "application/json", r#"{"error":"Unauthorized"}"#);
        }
        let status = match request {
            r if r.starts_with("GET /missing/") => "404 Not Found",
            r if r.starts_with("GET /down/") => "502 Bad Gateway",
            r if r.starts_with("GET /odd/") => "501 Not Implemented",
            _ => "200 OK",
        };
        http_response(status, "text/html", "<html>It works!</html>")
    });
    let env = TestEnv::new();
    let list_at = |base: &str| {
        env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", base], &[("KEYSTROKE_TOKEN", "kss_x")])
    };
    let run = list_at(&url).code(1);
    let requested = format!("{url}/api/orgs/acme/api-keys");
    assert!(
        run.stderr.starts_with(&format!(
            "error: the platform sent an answer keystroke does not understand from {requested}?limit=50: "
        )),
        "{run:#?}"
    );
    assert_eq!(run.stderr.matches(&url).count(), 1, "{run:#?}");
    assert!(
        run.stderr.ends_with(
            "hint: check that `--platform-url` (or `KEYSTROKE_PLATFORM_URL`) points at a Keystroke platform\n"
        ),
        "{run:#?}"
    );

    let missing = format!("{url}/missing");
    let run = list_at(&missing).code(1);
    assert_eq!(
        run.stderr,
        format!(
            "error: the server at {missing} has no such endpoint (404 Not Found, without a Keystroke error)\n\
             hint: check that `--platform-url` (or `KEYSTROKE_PLATFORM_URL`) points at a Keystroke platform\n"
        )
    );

    let framework = list_at(&format!("{url}/framework")).code(1);
    assert!(
        framework.stderr.starts_with(&format!(
            "error: the server at {url}/framework has no such endpoint (404 Not Found, without a Keystroke error)\n"
        )),
        "{framework:#?}"
    );
    let gate = list_at(&format!("{url}/gate")).code(3);
    assert!(gate.stderr.starts_with(&format!("error: not signed in to {url}/gate: unauthorized\n")), "{gate:#?}");

    // A proxy saying the platform behind it is down: unreachable (6). Another status without a
    // Keystroke body: not a platform (1).
    let down = list_at(&format!("{url}/down"));
    assert_eq!(
        down.code(6).stderr,
        format!(
            "error: the platform at {url}/down is unreachable: 502 Bad Gateway from the server in front of it\n\
             hint: check that the platform is running and that `--platform-url` (or `KEYSTROKE_PLATFORM_URL`) points \
             at it\n"
        )
    );
    let odd = list_at(&format!("{url}/odd")).code(1);
    assert!(
        odd.stderr.starts_with(&format!(
            "error: the server at {url}/odd answered 501 Not Implemented without a Keystroke error\n"
        )),
        "{odd:#?}"
    );

    // A real platform without the route (one older than the CLI, or a URL with a path too much):
    // not "no such org or key" either.
    let prefixed = format!("{}/keystroke", env.url());
    let run = list_at(&prefixed).code(1);
    assert_eq!(
        run.stderr,
        format!(
            "error: the platform at {prefixed} has no such endpoint\n\
             hint: the platform answers at the root of its host, not under `/keystroke` (unless a proxy serves it \
             there): try `--platform-url {}`; or the platform is older than this CLI\n",
            env.url()
        )
    );
    // At the root of its host, a platform without the route is an older one.
    let older = stub_server(|_| {
        let body = r#"{"error":{"code":"no_such_endpoint","message":"no such endpoint: GET /api/orgs/acme/api-keys"}}"#;
        http_response("404 Not Found", "application/json", body)
    });
    assert_eq!(
        list_at(&older).code(1).stderr,
        format!(
            "error: the platform at {older} has no such endpoint\n\
             hint: the platform may be older than this CLI: upgrade it, or check `--platform-url`\n"
        )
    );
}

/// `TERM=dumb` shows escape codes as text: the wait is one line there, not a spinner that
/// redraws itself.
#[test]
fn a_dumb_terminal_gets_a_line_not_a_spinner() {
    let env = TestEnv::with_fast_device_flow();
    let args = ["auth", "login", "--no-browser", "--platform-url", env.url()];
    let mut terminal = env.on_terminal_with_env(&args, &[("TERM", "dumb")]);
    terminal.expect("Waiting for approval in the browser...\n");
    terminal.interrupt_until("Sign-in cancelled");
    let (code, output) = terminal.finish();
    assert_eq!(code, 130, "ended by Ctrl-C, as the shell reports it: {output:?}");
    assert!(!output.contains('\x1b') && !output.contains('\r') && !output.contains('⠋'), "{output:?}");
}

/// With `--json`, an error is the last line of stderr, one JSON document, whatever warnings for
/// people came before it.
#[test]
fn with_json_the_error_is_the_last_line_of_stderr() {
    let mut env = TestEnv::new();
    let admin = env.sign_in(Role::Admin).clone();
    env.stop_server();
    let logout = env
        .run_with_env(&["--json", "auth", "logout", "--revoke"], &[("KEYSTROKE_TOKEN", &admin.session_token)])
        .code(6);
    assert_eq!(logout.stdout, "");
    let lines: Vec<&str> = logout.stderr.lines().collect();
    assert!(lines.len() > 1 && lines[0].starts_with("warning: `KEYSTROKE_TOKEN`"), "{logout:#?}");
    let error: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(error["error"]["code"], "unreachable", "{logout:#?}");
}

/// SIGTERM (`timeout`) or SIGHUP (a closed window) at the hidden token prompt still ends the
/// command, but with the terminal as it was: the prompt's echo-less mode outlived it.
#[test]
fn an_ending_signal_at_the_token_prompt_leaves_the_terminal_as_it_was() {
    let env = TestEnv::new();
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let args = ["auth", "login", "--with-token", "--platform-url", env.url(), "--color", "never"];
        let terminal = env.on_terminal_then(&args, "stty -a");
        terminal.expect("(Enter alone cancels)");
        terminal.expect_echo_off();
        let prompting = keystroke_processes_of(env.url());
        assert_eq!(prompting.len(), 1, "{prompting:?}");
        // SAFETY: a signal to the process this test started, which is waiting at the prompt.
        assert_eq!(unsafe { libc::kill(prompting[0], signal) }, 0);
        let (_, output) = terminal.finish();
        let settings = output.split_once("speed ").map(|(_, settings)| settings).unwrap_or_default();
        assert!(settings.contains(" echo ") && settings.contains(" icanon "), "{signal}: {output:?}");
    }
}

/// The `keystroke` processes whose command line names `url`.
fn keystroke_processes_of(url: &str) -> Vec<libc::pid_t> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<libc::pid_t>() else { continue };
        let command_line = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let words: Vec<&[u8]> = command_line.split(|&byte| byte == 0).collect();
        let ours = words.first().is_some_and(|program| program.ends_with(b"/keystroke"));
        if ours && words.contains(&url.as_bytes()) {
            found.push(pid);
        }
    }
    found
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
    // Ctrl-C is a signal at once; a process it killed never reads the Enter typed after it.
    terminal.send("\x03");
    terminal.send("\n");
    let (code, output) = terminal.finish();
    assert_eq!(code, 1, "still running after Ctrl-C, then cancelled by Enter: {output:?}");
    assert!(output.ends_with("Sign-in cancelled. Nothing was stored.\n"), "{output:?}");
    assert!(!output.contains("error:"), "a cancel is an answer, not a failure to explain: {output:?}");
    env.run(&["auth", "status"]).code(3);
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
             session list` (it is the current one) and `keystroke session revoke <ID>`\n",
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
    // is signed out, said as such.
    let aside = env.config_dir_path().join("credentials.json.aside");
    std::fs::rename(&file, &aside).unwrap();
    let lost = env.run_with_env(&["auth", "status"], &[("KEYSTROKE_CREDENTIAL_STORE", "keyutils")]).code(3);
    assert!(lost.stderr.starts_with(&format!("error: not signed in to {}\n", env.url())), "{lost:#?}");
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
        assert!(run.stderr.ends_with("\nhint: fix or delete the file; it holds no secrets\n"), "{run:#?}");
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"platforms\": {", "left as it was");

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
