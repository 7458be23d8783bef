//! The real `keystroke-platform` binary: its logs at the most verbose level hold no secret, it
//! serves on when nothing reads its logs any more, and its published OpenAPI document describes
//! routes that exist.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Cred, Harness, Spawned, http_client};
use keystroke_api::Role;
use keystroke_platform::dev::DevCredentials;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// What `dev --credentials-file` wrote there, once the platform has written it.
fn credentials_once_started(credentials_file: &std::path::Path) -> DevCredentials {
    let started = Instant::now();
    loop {
        if let Some(c) = std::fs::read(credentials_file).ok().and_then(|b| serde_json::from_slice(&b).ok()) {
            return c;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the dev platform did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `keystroke-platform dev` logging at `level` to `stderr`, its credentials written to
/// `credentials_file`.
fn dev_logging(credentials_file: &std::path::Path, level: &str, stderr: impl Into<Stdio>) -> Spawned {
    Spawned(
        Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
            .args(["dev", "--port", "0", "--credentials-file"])
            .arg(credentials_file)
            .env("RUST_LOG", level)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap(),
    )
}

fn stop_gracefully(platform: Spawned) {
    stop_with(platform, "-TERM");
}

/// SIGHUP (the terminal or SSH session that started it ended) stops the platform as SIGTERM does,
/// in words; unless it was started ignoring SIGHUP (`nohup`), to outlive that session.
#[test]
fn sighup_stops_the_platform_unless_it_was_started_under_nohup() {
    let dir = tempfile::tempdir().unwrap();
    let credentials_file = dir.path().join("dev.json");
    let mut platform = dev_logging(&credentials_file, "info", Stdio::piped());
    credentials_once_started(&credentials_file);
    let stderr = platform.stderr.take().unwrap();
    stop_with(platform, "-HUP");
    assert!(std::io::read_to_string(stderr).unwrap().contains("stopping: no new connections"));

    let credentials_file = dir.path().join("nohup.json");
    let nohup = Command::new("nohup")
        .arg(env!("CARGO_BIN_EXE_keystroke-platform"))
        .args(["dev", "--port", "0", "--credentials-file"])
        .arg(&credentials_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut platform = Spawned(nohup);
    let credentials = credentials_once_started(&credentials_file);
    Command::new("kill").args(["-HUP", &platform.id().to_string()]).status().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let health = http_client().get(format!("{}/healthz", credentials.url)).send().unwrap();
    assert_eq!(health.status(), StatusCode::OK, "still serving after SIGHUP under nohup");
    assert!(platform.try_wait().unwrap().is_none(), "still running after SIGHUP under nohup");
    stop_gracefully(platform);
}

/// While the platform waits for a request under way after a stop signal (up to 10 s), a second
/// one ends it at once, by that signal, rather than being waited out too: the first stops it
/// gracefully (exit 0), the second as its default action does.
#[test]
fn a_second_stop_signal_ends_the_platform_at_once() {
    use std::io::{BufRead, Write};
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let credentials_file = dir.path().join("dev.json");
    let mut platform = dev_logging(&credentials_file, "info", Stdio::piped());
    let credentials = credentials_once_started(&credentials_file);
    // A request under way (let in, its body half sent), which a graceful stop waits for.
    let address = credentials.url.trim_start_matches("http://");
    let mut under_way = std::net::TcpStream::connect(address).unwrap();
    let token = &credentials.users[0].session_token;
    let head = format!(
        "POST /api/orgs/acme/api-keys HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"name\""
    );
    under_way.write_all(head.as_bytes()).unwrap();
    // Nothing says when the platform has read it and let it in: given a moment (a stop before
    // then closes the connection at once, as an idle one).
    std::thread::sleep(Duration::from_millis(300));
    let (said, hear) = std::sync::mpsc::channel();
    let stderr = std::io::BufReader::new(platform.stderr.take().unwrap());
    std::thread::spawn(move || stderr.lines().map_while(Result::ok).for_each(|line| drop(said.send(line))));
    let kill = |signal: &str| Command::new("kill").args([signal, &platform.id().to_string()]).status().unwrap();
    kill("-INT");
    let told = hear.iter().find(|line| line.contains("another Ctrl-C or SIGTERM stops at once"));
    assert!(told.is_some(), "the first stop says a second one stops at once");
    kill("-INT");
    let status = platform.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGINT), "ended by the second, not after the wait: {status:?}");
    drop(under_way);
}

fn stop_with(mut platform: Spawned, signal: &str) {
    Command::new("kill").args([signal, &platform.id().to_string()]).status().unwrap();
    let status = platform.wait().unwrap();
    assert!(status.success(), "{signal} stops the platform gracefully: {status:?}");
}

#[test]
fn trace_logs_never_contain_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let credentials_file = dir.path().join("dev.json");
    let log_file = dir.path().join("platform.log");
    // A symlink planted where the credentials go: replaced, never followed.
    let planted = dir.path().join("someone-elses-file");
    std::fs::write(&planted, "keep me").unwrap();
    std::os::unix::fs::symlink(&planted, &credentials_file).unwrap();
    let platform = dev_logging(&credentials_file, "trace", std::fs::File::create(&log_file).unwrap());
    let credentials = credentials_once_started(&credentials_file);
    assert_eq!(std::fs::read_to_string(&planted).unwrap(), "keep me");
    let written = std::fs::symlink_metadata(&credentials_file).unwrap();
    assert!(written.is_file(), "the symlink was replaced by the file");
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&written.permissions()) & 0o777, 0o600);
    let http = http_client();
    let url = |path: &str| format!("{}{path}", credentials.url);
    let session = &credentials.users[0].session_token;
    let created: Value = http
        .post(url("/api/orgs/acme/api-keys"))
        .bearer_auth(session)
        .json(&json!({"name": "logged"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let secret = created["secret"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(http.get(url("/api/projects")).bearer_auth(secret).send().unwrap().status(), StatusCode::OK);
    assert_eq!(http.get(url("/api/projects")).header("x-api-key", secret).send().unwrap().status(), StatusCode::OK);
    assert_eq!(http.post(url(&format!("/api/hooks/deploy?token={secret}"))).send().unwrap().status(), StatusCode::OK);
    // The last character changed (to one it is not), so the checksum fails.
    let other = if secret.ends_with('x') { 'y' } else { 'x' };
    let bad = format!("{}{other}", &secret[..secret.len() - 1]);
    assert_eq!(http.get(url("/api/projects")).bearer_auth(&bad).send().unwrap().status(), StatusCode::UNAUTHORIZED);
    let revoked = http.delete(url(&format!("/api/orgs/acme/api-keys/{id}"))).bearer_auth(session).send().unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let tried = http.get(url("/api/projects")).bearer_auth(secret).send().unwrap();
    assert_eq!(tried.status(), StatusCode::UNAUTHORIZED, "revoked");
    assert_eq!(
        http.get(url(&format!("/api/projects?api_key={secret}"))).send().unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // Secrets pasted where no credential belongs: other parameter names, a bare query, a path.
    for (misplaced, answer) in [
        (format!("/api/projects?access_token={secret}"), StatusCode::BAD_REQUEST), // a session names its org
        (format!("/api/hooks/deploy?{secret}"), StatusCode::METHOD_NOT_ALLOWED),
        (format!("/login?next=%2F{session}"), StatusCode::OK),
        (format!("/api/orgs/acme/api-keys/{secret}"), StatusCode::NOT_FOUND),
        // Without its prefix: the rest is the secret all the same.
        (format!("/api/orgs/acme/api-keys/{}", &secret["key_test_".len()..]), StatusCode::NOT_FOUND),
        (format!("/api/orgs/acme/api-keys?{}=1", &session["kss_".len()..]), StatusCode::BAD_REQUEST),
        (format!("/api/orgs/acme/api-keys/{}", &secret["key_test_".len() + 1..]), StatusCode::NOT_FOUND),
    ] {
        let status = http.get(url(&misplaced)).bearer_auth(session).send().unwrap().status();
        assert_eq!(status, answer, "{misplaced}");
    }
    // As the method, which HTTP lets be any token: a password is no secret by its shape, so no
    // method but HTTP's own is logged as sent.
    let password = credentials.users[0].password.as_str();
    for method in [secret, password] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let status = http.request(method, url("/api/projects")).bearer_auth(session).send().unwrap().status();
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    }
    // A pending sign-in's code typed where it does not go: another parameter, the path.
    let device: Value =
        http.post(url("/oauth/device/code")).form(&[("client_id", "keystroke-cli")]).send().unwrap().json().unwrap();
    let user_code = device["user_code"].as_str().unwrap();
    for misplaced in [format!("/device?code={user_code}"), format!("/device/{}", user_code.to_lowercase())] {
        http.get(url(&misplaced)).send().unwrap();
    }

    // Signed in on the web pages: their requests name the browser's session too.
    let browser =
        reqwest::blocking::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login_page = browser.get(url("/login")).send().unwrap();
    let csrf_cookie = common::cookie(&login_page, "ks_csrf").unwrap();
    let csrf = common::hidden(&login_page.text().unwrap(), "csrf");
    let user = &credentials.users[0];
    let form = [("email", user.email.as_str()), ("password", user.password.as_str()), ("csrf", &csrf)];
    let signed_in = browser.post(url("/login")).header("cookie", format!("ks_csrf={csrf_cookie}")).form(&form);
    let signed_in = signed_in.send().unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let web_session = common::cookie(&signed_in, "ks_web").unwrap();
    let page = browser.get(url("/settings/api-keys")).header("cookie", format!("ks_web={web_session}")).send();
    assert_eq!(page.unwrap().status(), StatusCode::OK);

    stop_gracefully(platform);
    let logs = std::fs::read_to_string(&log_file).unwrap();
    assert!(logs.contains("api key created") && logs.contains("DEBUG"), "the logs were captured at debug level and up");
    let random = &secret["key_test_".len()..];
    let user_code_lowercase = user_code.to_lowercase();
    let secrets = [&random[4..28], &bad["key_test_".len() + 4..bad.len() - 4], &session[8..30], password];
    for needle in secrets.into_iter().chain([user_code, user_code_lowercase.as_str()]) {
        assert!(!logs.contains(needle), "a secret reached the logs");
    }
    assert!(logs.contains("method=(not an HTTP method)"), "{logs}");
    assert!(logs.contains("token=[redacted]") && logs.contains("api_key=[redacted]"));
    // Each request's line names the client's address and the key it acted through, or was refused
    // as (revoked; none for one that is no key of the platform): what an operator asks of a
    // leaked key.
    let lines_of = |path: &str, status: u16| -> Vec<&str> {
        let request = format!("path=\"{path}\" query=\"\" status={status} ");
        logs.lines().filter(|line| line.contains(&request)).collect()
    };
    let with_key = lines_of("/api/projects", 200);
    assert_eq!(with_key.len(), 2, "bearer and x-api-key: {logs}");
    for line in with_key {
        assert!(line.ends_with(&format!("client=127.0.0.1 credential=\"{id}\"")), "{line}");
    }
    let web_page = lines_of("/settings/api-keys", 200);
    assert_eq!(web_page.len(), 1, "{logs}");
    assert!(web_page[0].contains("client=127.0.0.1 credential=\"ses_"), "{}", web_page[0]);
    let refused = lines_of("/api/projects", 401);
    let revoked_named = format!("client=127.0.0.1 credential=\"{id}\"");
    let (named, unnamed): (Vec<&str>, Vec<&str>) = refused.iter().partition(|line| line.ends_with(&revoked_named));
    assert_eq!(named.len(), 1, "the revoked key, named: {refused:#?}");
    assert!(!unnamed.is_empty() && unnamed.iter().all(|line| line.ends_with("client=127.0.0.1 credential=\"\"")));
}

/// A log reader that goes away (a `| tee` stopped, a log shipper restarted) loses the lines that
/// follow, not the platform: it used to panic on the first line it could not write, and stop.
#[test]
fn the_platform_serves_on_when_its_log_reader_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let credentials_file = dir.path().join("dev.json");
    // Every request logs a line at this level (the pipe holds what start-up writes).
    let mut platform = dev_logging(&credentials_file, "info", Stdio::piped());
    let credentials = credentials_once_started(&credentials_file);
    drop(platform.stderr.take());
    let http = http_client();
    let url = |path: &str| format!("{}{path}", credentials.url);
    let session = &credentials.users[0].session_token;
    for _ in 0..3 {
        assert_eq!(http.get(url("/healthz")).send().unwrap().status(), StatusCode::OK);
    }
    let created =
        http.post(url("/api/orgs/acme/api-keys")).bearer_auth(session).json(&json!({"name": "unlogged"})).send();
    let created: Value = created.unwrap().json().unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(http.get(url("/api/projects")).bearer_auth(secret).send().unwrap().status(), StatusCode::OK);
    stop_gracefully(platform);
}

/// A sign-in carrying `X-Forwarded-For` to a platform not told it is behind a proxy is a warning
/// in the log, once a minute: behind one, every client would count as the proxy.
#[test]
fn a_forwarded_sign_in_without_behind_proxy_is_warned_about_once_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let credentials_file = dir.path().join("dev.json");
    let mut platform = dev_logging(&credentials_file, "warn", Stdio::piped());
    let credentials = credentials_once_started(&credentials_file);
    let start = |forwarded: Option<&str>| {
        let mut request = http_client().post(format!("{}/oauth/device/code", credentials.url));
        if let Some(forwarded) = forwarded {
            request = request.header("x-forwarded-for", forwarded);
        }
        assert_eq!(request.form(&[("client_id", "keystroke-cli")]).send().unwrap().status(), StatusCode::OK);
    };
    start(None);
    start(Some("203.0.113.7"));
    start(Some("203.0.113.8"));
    let stderr = platform.stderr.take().unwrap();
    stop_gracefully(platform);
    let log = std::io::read_to_string(stderr).unwrap();
    let warned: Vec<&str> = log.lines().filter(|line| line.contains("came with `X-Forwarded-For`")).collect();
    assert_eq!(warned.len(), 1, "the first, then once a minute: {log}");
    assert!(warned[0].contains(" WARN ") && warned[0].contains("restart `serve` with `--behind-proxy`"), "{log}");
}

/// What hyper refuses before any route sees it (no request line is logged for it) is logged at
/// the default level, so an operator can see a flood of garbage, once a minute at most.
#[test]
fn requests_refused_before_routing_are_logged_once_a_minute() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let credentials_file = dir.path().join("dev.json");
    let mut platform = dev_logging(&credentials_file, "info", Stdio::piped());
    let credentials = credentials_once_started(&credentials_file);
    let address = credentials.url.trim_start_matches("http://");
    for _ in 0..3 {
        let mut garbage = std::net::TcpStream::connect(address).unwrap();
        garbage.write_all(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
        let mut answer = String::new();
        let _ = garbage.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    }
    assert_eq!(http_client().get(format!("{}/healthz", credentials.url)).send().unwrap().status(), StatusCode::OK);
    let stderr = platform.stderr.take().unwrap();
    stop_gracefully(platform);
    let log = std::io::read_to_string(stderr).unwrap();
    let refused: Vec<&str> = log.lines().filter(|line| line.contains("request refused before routing")).collect();
    assert_eq!(refused.len(), 1, "the first, then once a minute: {log}");
    assert!(refused[0].contains(" INFO ") && refused[0].contains("client=127.0.0.1:"), "{log}");
    assert!(log.contains("path=\"/healthz\""), "served on: {log}");
}

#[test]
fn every_documented_route_exists() {
    let h = Harness::start();
    let doc: Value = h.get("/api/openapi.json", Cred::None).json().unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let lifetime = &doc["components"]["schemas"]["CreateApiKey"]["properties"]["expires_in_seconds"];
    assert_eq!(lifetime["maximum"], keystroke_api::MAX_KEY_LIFETIME_SECS, "the limit the platform enforces");
    assert_eq!(
        doc["paths"]["/api/orgs/{org}/api-keys"]["get"]["parameters"][0]["schema"]["pattern"],
        "^[a-z0-9][a-z0-9-]{1,39}$",
        "the slug rule of keystroke_api::is_org_slug"
    );
    // Every reference leads somewhere.
    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(key, value)| match (key.as_str(), value) {
                ("$ref", Value::String(target)) => found.push(target.clone()),
                _ => refs(value, found),
            }),
            Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
            _ => {}
        }
    }
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    assert!(targets.len() > 50, "{}", targets.len());
    for target in targets {
        let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{target} is not local"));
        assert!(doc.pointer(pointer).is_some(), "{target} leads nowhere");
    }
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 15, "{}", paths.len());
    // What any operation may answer, said on each (for clients generated from the document): an
    // internal error (the API's), a busy database (all but the three that read none), and for a
    // body, one that does not arrive in time (408) or is too large (413).
    for (path, operations) in paths {
        let api = path.starts_with("/api/") || path.starts_with("/oauth/");
        let reads_the_database = !["/", "/healthz", "/api/openapi.json"].contains(&path.as_str());
        for (method, operation) in operations.as_object().unwrap() {
            let responses = &operation["responses"];
            assert_eq!(responses.get("500").is_some(), api && reads_the_database, "{method} {path}");
            assert_eq!(responses.get("503").is_some(), reads_the_database, "{method} {path}");
            let with_body = operation.get("requestBody").is_some();
            assert_eq!(responses.get("408").is_some(), with_body, "{method} {path}");
            assert_eq!(responses.get("413").is_some(), with_body, "{method} {path}");
        }
    }
    // Every form the pages send is described (its fields as the platform reads them).
    for (path, operations) in paths.iter().filter(|(path, _)| !path.starts_with("/api/")) {
        if let Some(post) = operations.get("post") {
            assert!(post["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object(), "POST {path}");
        }
    }
    let owner = h.token(Role::Owner);
    for (path, operations) in paths {
        let concrete = path.replace("{org}", "acme").replace("{id}", "ak_none");
        for method in operations.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = h.send(h.http.request(method.clone(), h.url(&concrete)), Cred::Bearer(&owner));
            let status = response.status();
            let body = response.text().unwrap();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            // Neither the API's answer to a route it lacks, nor the pages' (a reqwest client follows
            // a redirect, to the sign-in page say, which is served).
            let missing = body.contains("no such endpoint") || body.contains("<h1>Page not found</h1>");
            assert!(!missing, "{method} {path} is documented but not served");
        }
    }
    let (status, body) = (h.get("/api/nope", Cred::None).status(), h.get("/api/nope", Cred::None).text().unwrap());
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("\"code\":\"no_such_endpoint\""), "unknown routes answer in the error shape: {body}");
    // Behind a path prefix a program still gets the API's answer; a browser's typo, a page.
    let prefixed = h.get("/keystroke/api/me", Cred::None).text().unwrap();
    assert!(prefixed.contains("\"code\":\"no_such_endpoint\""), "{prefixed}");
    // The prefixes themselves too, as a program trying its base URL sends them.
    for path in ["/api", "/api/", "/oauth/"] {
        let answer = h.get(path, Cred::None);
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.headers()["content-type"], "application/json", "{path}");
    }
    // A web page's address cut short stays a page.
    let cut = h.get("/settings/api/", Cred::None);
    assert_eq!(cut.headers()["content-type"], "text/html; charset=utf-8");
    let typo = h.get("/settings", Cred::None);
    assert_eq!(typo.status(), StatusCode::NOT_FOUND);
    assert_eq!(typo.headers()["content-type"], "text/html; charset=utf-8");
    assert!(typo.text().unwrap().contains("<h1>Page not found</h1>"));
}
