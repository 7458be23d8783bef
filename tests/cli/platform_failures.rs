//! A platform that cannot be reached, is not trusted, redirects, or answers garbage: named, with
//! the exit code and what to check.

use crate::support::{TestEnv, http_response, installed, stub_server};
use keystroke_api::Role;
use std::io::{BufRead, BufReader};

#[test]
fn an_unreachable_platform_exits_6_naming_the_url() {
    let env = TestEnv::new();
    // Port 9 (discard) on loopback: nothing listens there.
    let down = "http://127.0.0.1:9";
    let run = env.run_with_env(&["api-key", "list", "--platform-url", down], &[("KEYSTROKE_TOKEN", "kss_x")]).code(6);
    assert_eq!(
        run.stderr,
        "error: the platform at http://127.0.0.1:9 is unreachable: could not connect\n\
         hint: check that the platform is running and that `--platform-url` points at it\n"
    );
    let login = env.run_with_stdin(&["auth", "login", "--with-token", "--platform-url", down], "kss_x").code(6);
    assert_eq!(login.stderr, run.stderr, "the same words for sign-in");
    // The hint names what named the platform: the variable, or the last sign-in.
    let from_env = [("KEYSTROKE_TOKEN", "kss_x"), ("KEYSTROKE_PLATFORM_URL", down)];
    let run = env.run_with_env(&["api-key", "list"], &from_env).code(6);
    assert!(
        run.stderr
            .ends_with("hint: check that the platform is running and that `KEYSTROKE_PLATFORM_URL` points at it\n"),
        "{run:#?}"
    );
    std::fs::create_dir_all(env.config_dir_path()).unwrap();
    std::fs::write(env.config_dir_path().join("config.json"), format!(r#"{{"platform_url": "{down}"}}"#)).unwrap();
    let saved = env.run_with_env(&["api-key", "list"], &[("KEYSTROKE_TOKEN", "kss_x")]).code(6);
    assert!(
        saved.stderr.ends_with(
            "hint: check that the platform is running; it is the one signed in to last (pass `--platform-url` for \
             another)\n"
        ),
        "{saved:#?}"
    );
    std::fs::remove_file(env.config_dir_path().join("config.json")).unwrap();
    // A host name that resolves to nothing (`.invalid` never does, RFC 6761): said so, not "could
    // not connect", as there is nothing running to check.
    let nowhere = "https://keystroke.invalid";
    let run = env.run_with_env(&["api-key", "list", "--platform-url", nowhere], &[("KEYSTROKE_TOKEN", "kss_x")]);
    assert_eq!(
        run.code(6).stderr,
        "error: the platform at https://keystroke.invalid is unreachable: its host name keystroke.invalid does not \
         resolve to an address\nhint: check the host name in `--platform-url` (or `KEYSTROKE_PLATFORM_URL`); for a \
         private one, your DNS or VPN too\n"
    );
    // Through a proxy named in the environment, its name may be the one that does not resolve.
    let vars = [("KEYSTROKE_TOKEN", "kss_x"), ("HTTPS_PROXY", "http://proxy.invalid:3128")];
    let proxied = env.run_with_env(&["api-key", "list", "--platform-url", nowhere], &vars).code(6);
    assert!(
        proxied.stderr.starts_with(
            "error: the platform at https://keystroke.invalid is unreachable: its host name keystroke.invalid, or the \
             proxy's in `HTTPS_PROXY`, does not resolve to an address\n"
        ),
        "{proxied:#?}"
    );
    // A proxy that is down is named as the way that failed.
    let vars = [("KEYSTROKE_TOKEN", "kss_x"), ("HTTPS_PROXY", "http://127.0.0.1:9")];
    let through = env.run_with_env(&["api-key", "list", "--platform-url", nowhere], &vars).code(6);
    assert_eq!(
        through.stderr,
        "error: the platform at https://keystroke.invalid is unreachable: could not connect to the proxy in \
         `HTTPS_PROXY`\nhint: check that the proxy is running and reachable from here, or list the platform's host \
         in `NO_PROXY` to connect directly\n"
    );
    // `-v` says what failed underneath, and when.
    let verbose = env.run_with_env(&["-v", "api-key", "list", "--platform-url", down], &[("KEYSTROKE_TOKEN", "kss_x")]);
    let request = verbose.code(6).stderr.lines().find(|line| line.starts_with("> GET ")).unwrap().to_owned();
    assert!(request.starts_with("> GET http://127.0.0.1:9/api/"), "{request}");
    assert!(
        request.contains(" -> failed after ") && request.ends_with("Connection refused (os error 111)"),
        "{request}"
    );

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
        Self::start_as("CA:FALSE")
    }

    /// [`UntrustedTlsServer::start`] with a certificate that is an authority's (`CA:TRUE`), or a
    /// server's (`CA:FALSE`).
    fn start_as(authority: &str) -> Option<Self> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use std::sync::atomic::{AtomicUsize, Ordering};

        let dir = tempfile::tempdir().unwrap();
        let (key, certificate) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
        let openssl = installed("openssl", "the untrusted-certificate test")?;
        let made = std::process::Command::new(openssl)
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
            .args(["-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
            .args(["-addext", &format!("basicConstraints=critical,{authority}")])
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

    // `SSL_CERT_FILE` naming what no certificate can be taken from leaves nothing trusted: said in
    // words (a usage error, as a bad value of a flag is), not as a "builder error".
    let garbage = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(garbage.path(), "not a certificate\n").unwrap();
    let missing = "/nonexistent/ca.pem";
    for (file, problem) in [
        (
            missing,
            format!("`SSL_CERT_FILE` names {missing}, which cannot be read (No such file or directory (os error 2))"),
        ),
        (
            garbage.path().to_str().unwrap(),
            format!("`SSL_CERT_FILE` names {}, which holds no PEM certificate", garbage.path().display()),
        ),
    ] {
        let run = env.run_with_env(&list, &[("KEYSTROKE_TOKEN", token), ("SSL_CERT_FILE", file)]).code(2);
        assert_eq!(
            run.stderr,
            format!(
                "error: no trusted certificates to check the platform's with: {problem}\n\
                 hint: point `SSL_CERT_FILE` at a PEM file of the certificates to trust, or unset it to trust this \
                 system's\n"
            )
        );
    }

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

/// An `http://` URL to a server that speaks TLS: its answer (a TLS alert, or a web server's 400
/// about plain HTTP sent to an HTTPS port) points at `https://`, not at a broken platform.
#[test]
fn plain_http_to_a_tls_server_suggests_https() {
    let env = TestEnv::new();
    let vars = [("KEYSTROKE_TOKEN", "kss_x")];
    let nginx = stub_server(|_| {
        http_response("400 Bad Request", "text/html", "<center>The plain HTTP request was sent to HTTPS port</center>")
    });
    let run = env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &nginx], &vars).code(1);
    let https = nginx.replace("http://", "https://");
    assert_eq!(
        run.stderr,
        format!(
            "error: the server at {nginx} answered 400 Bad Request to plain HTTP: it speaks HTTPS\n\
             hint: the server may speak TLS: try `--platform-url {https}`\n"
        )
    );
    let Some(tls) = UntrustedTlsServer::start() else { return };
    let plain = tls.url.replace("https://", "http://");
    let run = env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &plain], &vars).code(6);
    assert!(
        run.stderr.ends_with(&format!("hint: the server may speak TLS: try `--platform-url {}`\n", tls.url)),
        "{run:#?}"
    );
}

/// The self-signed certificate `openssl req -x509` makes unless told otherwise is an authority's,
/// which is refused as a server's own even where it is trusted: said so, with how to make one
/// that works, rather than as the untrusted certificate the hint would say to trust.
#[test]
fn a_certificate_authoritys_certificate_as_the_platforms_own_is_named() {
    let Some(authority) = UntrustedTlsServer::start_as("CA:TRUE") else { return };
    let env = TestEnv::new();
    let token = &env.user(Role::Admin).session_token;
    let trusted = [("KEYSTROKE_TOKEN", token.as_str()), ("SSL_CERT_FILE", authority.certificate.to_str().unwrap())];
    let run = env.run_with_env(&["api-key", "list", "--platform-url", &authority.url], &trusted).code(6);
    assert_eq!(
        run.stderr,
        format!(
            "error: the platform at {} could not be reached securely: its certificate is a certificate authority's \
             (`CA:TRUE`), which is never taken for a server's own, trusted or not\n\
             hint: give the platform a certificate of its own, made with `-addext basicConstraints=critical,CA:FALSE` \
             (`openssl req -x509` makes an authority's unless told), or one signed by a private authority, which \
             `SSL_CERT_FILE` can name\n",
            authority.url
        )
    );
    assert_eq!(authority.requests(), 0, "no request, so no token, went to it");
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

    // To the very address asked: a loop, said so, not "use the URL you used".
    let looping = stub_server(move |request| redirect(request.split(' ').nth(1).unwrap()));
    let list = env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &looping], &vars).code(1);
    assert!(
        list.stderr.starts_with(&format!(
            "error: the platform at {looping} redirects to the very address it was asked at, so it would go round \
             for ever\nhint: a proxy in front of the platform may be set up wrong"
        )),
        "{list:#?}"
    );
    // A user name and password in where it points are not repeated, and a long address is cut short.
    let long = format!("http://user:hunter2@elsewhere.test/{}", "x".repeat(5_000));
    let credentials = stub_server(move |_| redirect(&long));
    let list = env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &credentials], &vars).code(1);
    assert!(!list.stderr.contains("hunter2") && !list.stderr.contains("user@"), "{list:#?}");
    assert!(list.stderr.contains("redirects to http://elsewhere.test/xxx") && list.stderr.len() < 1_500, "{list:#?}");
}

/// A rate limit says when to try again, from its `Retry-After` (seconds, or a date) where it has
/// one; one without a Keystroke error (a gateway's, a firewall's) is not taken for a wrong URL.
#[test]
fn a_rate_limit_says_when_to_try_again() {
    let env = TestEnv::new();
    let token = env.user(Role::Admin).session_token.clone();
    let vars = [("KEYSTROKE_TOKEN", token.as_str())];
    let answering = |status: &'static str, retry_after: &'static str, body: &'static str| {
        stub_server(move |_| {
            format!(
                "HTTP/1.1 {status}\r\n{retry_after}content-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
        })
    };
    let limited = |retry_after, body| answering("429 Too Many Requests", retry_after, body);
    let keystroke_error = r#"{"error":{"code":"rate_limited","message":"slow down"}}"#;
    for (retry_after, body, said) in [
        ("retry-after: 120\r\n", "", "hint: try again in 2 min\n"),
        ("retry-after: 30\r\n", keystroke_error, "hint: try again in 30 s\n"),
        ("retry-after: Fri, 01 Jan 9998 00:00:00 GMT\r\n", "", "hint: try again after 9998-01-01 00:00 UTC\n"),
        ("retry-after: soon\r\n", "", "hint: wait a moment, then try again\n"),
        ("", keystroke_error, "hint: wait a moment, then try again\n"),
    ] {
        let url = limited(retry_after, body);
        let run = env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &url], &vars).code(1);
        assert!(run.stderr.ends_with(said), "{retry_after:?}: {run:#?}");
        match body {
            "" => assert!(
                run.stderr.starts_with(&format!(
                    "error: the server at {url} is limiting requests (429 Too Many Requests, without a Keystroke error"
                )),
                "{run:#?}"
            ),
            _ => assert!(run.stderr.starts_with("error: the platform refused the request: slow down\n"), "{run:#?}"),
        }
    }

    // A 503 that says when: the platform's own, and a proxy's, which keeps its hint for when
    // trying again does not help (exit 6, the platform behind it being down).
    let busy = r#"{"error":{"code":"unavailable","message":"the database stayed locked"}}"#;
    let url = answering("503 Service Unavailable", "retry-after: 5\r\n", busy);
    let run = env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &url], &vars).code(1);
    assert!(run.stderr.ends_with("(503 Service Unavailable): the database stayed locked\nhint: try again in 5 s\n"));
    let url = answering("503 Service Unavailable", "retry-after: 300\r\n", "");
    let run = env.run_with_env(&["api-key", "list", "--org", "acme", "--platform-url", &url], &vars).code(6);
    assert!(run.stderr.contains("\nhint: try again in 5 min; if it keeps failing, check that"), "{run:#?}");
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
        // The platform's own answers when its database is held, and when a handler failed.
        if request.starts_with("GET /busy/") {
            let busy = r#"{"error":{"code":"unavailable","message":"the platform's database is busy"}}"#;
            return http_response("503 Service Unavailable", "application/json", busy);
        }
        if request.starts_with("GET /broken/") {
            let broken = r#"{"error":{"code":"internal","message":"an internal error"}}"#;
            return http_response("500 Internal Server Error", "application/json", broken);
        }
        let status = match request {
            r if r.starts_with("GET /missing/") => "404 Not Found",
            r if r.starts_with("GET /down/") => "502 Bad Gateway",
            r if r.starts_with("GET /odd/") => "501 Not Implemented",
            r if r.starts_with("GET /waf/") => "403 Forbidden",
            r if r.starts_with("GET /edge/") => "524 A Timeout Occurred",
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
            "error: the answer from {requested}?limit=50 is not JSON (a web page, say), which a Keystroke platform \
             always answers\n"
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
    // A refusal without a Keystroke error is a proxy's or a firewall's: not "sign in again" (3), not
    // "ask an owner" (4), which cannot lift it.
    let gate = list_at(&format!("{url}/gate")).code(1);
    assert_eq!(
        gate.stderr,
        format!(
            "error: the server at {url}/gate answered 401 Unauthorized without a Keystroke error: something in front \
             of the platform (a proxy, a firewall) refused the request\n\
             hint: check `--platform-url` (or `KEYSTROKE_PLATFORM_URL`), and whether that network needs a VPN or lets \
             this machine through\n"
        )
    );
    let waf = list_at(&format!("{url}/waf")).code(1);
    assert!(
        waf.stderr.starts_with(&format!("error: the server at {url}/waf answered 403 Forbidden without")),
        "{waf:#?}"
    );

    // A proxy saying the platform behind it is down: unreachable (6). Another status without a
    // Keystroke body: not a platform (1).
    let down = list_at(&format!("{url}/down"));
    assert_eq!(
        down.code(6).stderr,
        format!(
            "error: the platform at {url}/down is unreachable: 502 Bad Gateway from the server in front of it\n\
             hint: check that the platform is running and that `--platform-url` points at it\n"
        )
    );
    let edge = list_at(&format!("{url}/edge")).code(6);
    assert!(
        edge.stderr.starts_with(&format!(
            "error: the platform at {url}/edge is unreachable: 524 A Timeout Occurred from the server in front of it\n"
        )),
        "{edge:#?}"
    );
    let busy = list_at(&format!("{url}/busy")).code(1);
    assert_eq!(
        busy.stderr,
        format!(
            "error: the platform at {url}/busy is unavailable for now (503 Service Unavailable): the platform's \
             database is busy\nhint: try again in a moment\n"
        )
    );
    let broken = list_at(&format!("{url}/broken")).code(1);
    assert_eq!(
        broken.stderr,
        format!(
            "error: the platform at {url}/broken could not handle the request (500 Internal Server Error): an \
             internal error\nhint: try again; if it keeps failing, tell the platform's operator, whose log has the \
             cause\n"
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

/// A proxy named in the environment (a company network's) is not used for this machine's
/// platform, which it could not reach: as in Go's clients and browsers, loopback is never proxied.
#[test]
fn this_machines_platform_is_never_reached_through_a_proxy() {
    let env = TestEnv::new();
    env.sign_in(Role::Owner);
    for variable in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        let listed = env.run_with_env(&["org", "list", "--json"], &[(variable, "http://127.0.0.1:9")]).success();
        assert!(listed.json().as_array().is_some_and(|orgs| !orgs.is_empty()), "{variable}: {listed:#?}");
    }
}

/// `-v` shows each request's URL, which holds what was typed: a key's body pasted as `--org` (in
/// small letters, a valid slug) is replaced there, as in the error (its letters' case can be
/// found again by trying, the checksum telling the right one).
#[test]
fn verbose_output_repeats_no_secret() {
    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    let (_, secret) = env.create_key("Pasted", &[]);
    let body = secret.trim_start_matches("key_test_").to_lowercase();
    let run = env.run(&["-v", "--org", &body, "api-key", "list"]);
    assert!(run.stderr.lines().any(|line| line.starts_with("> GET ")), "{run:#?}");
    assert!(!run.stderr.contains(&body), "{run:#?}");
    assert!(run.stderr.contains("(a secret, not repeated here)"), "{run:#?}");
}
