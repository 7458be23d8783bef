//! Clients that do not finish what they start: a request's headers never completed, a kept-alive
//! connection left idle, a body sent too slowly or declared too large. None may hold the
//! platform's sockets, memory or tasks for ever, nor keep it from stopping.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Cred, Harness};
use serde_json::Value;

fn connect(h: &Harness) -> TcpStream {
    let address = h.dev.url.trim_start_matches("http://");
    let stream = TcpStream::connect(address).unwrap();
    // Far longer than any limit below: a read that waits this long means nobody let go.
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream
}

/// A connection to the platform from `address`, one of this machine's loopback addresses.
#[cfg(target_os = "linux")]
fn connect_from(h: &Harness, address: [u8; 4]) -> TcpStream {
    let platform: std::net::SocketAddr = h.dev.url.trim_start_matches("http://").parse().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((address, 0).into()).unwrap();
        socket.connect(platform).await.unwrap()
    });
    let stream = stream.into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream
}

/// What the platform sent before it closed the connection (a reset, when it closed with bytes of
/// ours unread, is a close too).
fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(error) => panic!("the platform did not close the connection: {error}"),
    }
    String::from_utf8_lossy(&answer).into_owned()
}

fn json_body(answer: &str) -> Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|_| panic!("a JSON body: {answer:?}"))
}

#[test]
fn stalled_and_idle_connections_are_closed() {
    // Short for the test, but not so short that a loaded machine's pause between connecting and
    // sending a request would pass for an idle connection.
    let h = Harness::with_config(|config| config.header_read_timeout = Duration::from_secs(1));

    // Headers begun and never finished.
    let mut stalled = connect(&h);
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    assert_eq!(read_until_closed(&mut stalled), "", "closed without an answer");

    // Nothing sent at all.
    assert_eq!(read_until_closed(&mut connect(&h)), "");

    // A kept-alive connection, idle after its first answer.
    let mut idle = connect(&h);
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let answer = read_until_closed(&mut idle);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "answered, then let go: {answer:?}");
}

#[test]
fn a_body_too_slow_or_declared_too_large_is_answered_at_once() {
    let h = Harness::with_config(|config| config.request_deadline = Duration::from_millis(500));
    let owner = h.token(keystroke_api::Role::Owner);

    let mut slow = connect(&h);
    let head = format!(
        "POST /api/orgs/acme/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {owner}\r\n\
         Content-Type: application/json\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{{\"na"
    );
    slow.write_all(head.as_bytes()).unwrap();
    let answer = read_until_closed(&mut slow);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert_eq!(json_body(&answer)["error"]["code"], "request_timeout", "{answer:?}");

    // Declared larger than the limit: refused before a byte of it is awaited (no `100 Continue`).
    let mut large = connect(&h);
    let head = format!(
        "POST /api/orgs/acme/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {owner}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    );
    large.write_all(head.as_bytes()).unwrap();
    let answer = read_until_closed(&mut large);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer:?}");
    assert_eq!(json_body(&answer)["error"]["code"], "payload_too_large", "{answer:?}");
    assert_eq!(h.get("/api/me", Cred::Bearer(&owner)).status(), 200, "still serving");
    // The limit is the one the message names: 64 KiB is taken, a byte more is not. (On a platform
    // with the usual deadline: a loaded machine may take longer than the half second above to
    // make the key.)
    let roomy = Harness::start();
    let owner = roomy.token(keystroke_api::Role::Owner);
    let padded = |len: usize| format!("{{\"name\":\"padded\"}}{}", " ".repeat(len - 17));
    let create = |body: String| {
        let request = roomy.http.post(roomy.url("/api/orgs/acme/api-keys")).header("content-type", "application/json");
        roomy.send(request.body(body), Cred::Bearer(&owner)).status()
    };
    assert_eq!(create(padded(64 * 1024)), 201);
    assert_eq!(create(padded(64 * 1024 + 1)), 413);

    // Sent without its length (chunked), found too large as it is read: 413 as well, in the
    // route's shape (RFC 6749's for `/oauth/…`, a page for the web pages' forms).
    let chunked_form = |path: &str| {
        let mut stream = connect(&roomy);
        stream.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n",
            65 * 1024
        );
        let mut request = head.into_bytes();
        request.extend(std::iter::repeat_n(b'x', 65 * 1024));
        request.extend(b"\r\n0\r\n\r\n");
        // The platform may answer and close before it has all of it: what it answered counts.
        let _ = stream.write_all(&request);
        read_until_closed(&mut stream)
    };
    let answer = chunked_form("/oauth/token");
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer:?}");
    assert_eq!(json_body(&answer)["error"], "invalid_request", "{answer:?}");
    let answer = chunked_form("/login");
    assert!(answer.starts_with("HTTP/1.1 413 ") && answer.contains("The request body is too large"), "{answer:?}");
}

/// A request answered without its body read (a 401 decided from the headers before the body came)
/// ends its connection, and the answer says so (`Connection: close`, RFC 9112 §9.6): a client
/// keeping the connection for its next request found it closed, and a POST is not sent again. A
/// body that had arrived with its headers is read out, and keeps the connection, whether its
/// route read it or not (the deploy hook needs none).
#[test]
fn an_answer_given_before_the_body_was_read_says_the_connection_closes() {
    let h = Harness::start();
    let owner = h.token(keystroke_api::Role::Owner);
    let post = |path: &str, credential: &str, body: &str, length: usize| {
        let mut stream = connect(&h);
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {credential}\r\n\
             x-keystroke-org: acme\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n{body}"
        );
        stream.write_all(request.as_bytes()).unwrap();
        stream
    };
    // The body held back (as `Expect: 100-continue` does): the answer comes before it.
    let mut refused = post("/api/projects", "key_test_unknownunknownunknownunknown000000", "", 12);
    let answer = read_until_closed(&mut refused);
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer:?}");
    assert!(answer.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{answer:?}");
    // Refused before any route, for its declared length: the same.
    let mut large = connect(&h);
    let head = "POST /api/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n";
    large.write_all(head.as_bytes()).unwrap();
    let answer = read_until_closed(&mut large);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer:?}");
    assert!(answer.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{answer:?}");

    // Arrived with the headers, read by its route or not, refused or served: the connection stays
    // for the next request, and nothing says otherwise.
    let unknown = "key_test_unknownunknownunknownunknown000000";
    let cases = [
        ("/api/projects", owner.as_str(), r#"{"name":"kept"}"#, "201"),
        ("/api/projects", unknown, r#"{"name":"kept"}"#, "401"),
        ("/api/hooks/deploy", owner.as_str(), r#"{"ref":"main"}"#, "200"),
    ];
    for (path, credential, body, status) in cases {
        let mut kept = post(path, credential, body, body.len());
        let mut head = [0u8; 2048];
        let read = kept.read(&mut head).unwrap();
        let head = String::from_utf8_lossy(&head[..read]).to_ascii_lowercase();
        assert!(head.starts_with(&format!("http/1.1 {status} ")), "{path}: {head:?}");
        assert!(!head.contains("connection: close"), "{path}: {head:?}");
        kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let next = read_until_closed(&mut kept);
        assert!(next.contains("HTTP/1.1 200 "), "{path}: the next request on it is answered: {next:?}");
    }

    // Refused before the route sees it, in the route's own shape: RFC 6749's for `/oauth/…`, a
    // page on the web pages.
    for (path, shape) in [("/oauth/token", "application/json"), ("/login", "text/html; charset=utf-8")] {
        let mut large = connect(&h);
        let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\nConnection: close\r\n\r\n");
        large.write_all(head.as_bytes()).unwrap();
        let answer = read_until_closed(&mut large);
        assert!(answer.starts_with("HTTP/1.1 413 "), "{path}: {answer:?}");
        assert!(answer.to_ascii_lowercase().contains(&format!("\r\ncontent-type: {shape}\r\n")), "{answer:?}");
        if path.starts_with("/oauth/") {
            let body = json_body(&answer);
            assert_eq!(
                (body["error"].as_str(), body["error_description"].as_str()),
                (Some("invalid_request"), Some(keystroke_platform::error::BODY_TOO_LARGE))
            );
        } else {
            assert!(
                answer.contains("<h1>Request refused</h1>\n<p>The request body is too large: over 64 KiB,"),
                "{answer:?}"
            );
        }
    }
}

/// A request's line and headers stay in memory until they end: past 80 KiB together they are
/// refused (431) before more is read (hyper's default, 400 KB, let each of thousands of
/// connections hold that much). A URL as long as README allows still reaches its route.
#[test]
fn a_request_head_past_its_limit_is_refused() {
    let h = Harness::start();
    let ask = |head: String| {
        let mut stream = connect(&h);
        // Refused before the end, the rest may not be taken: what counts is the answer.
        let _ = stream.write_all(head.as_bytes());
        read_until_closed(&mut stream)
    };
    let with_header = |bytes: usize| {
        format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\nConnection: close\r\n\r\n", "a".repeat(bytes))
    };
    let answer = ask(with_header(12 * 1024));
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{}", &answer[..answer.len().min(200)]);
    let answer = ask(with_header(100 * 1024));
    assert!(answer.starts_with("HTTP/1.1 431 "), "{}", &answer[..answer.len().min(200)]);

    let with_path =
        |bytes: usize| format!("GET /{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "a".repeat(bytes));
    let answer = ask(with_path(65_000));
    assert!(answer.starts_with("HTTP/1.1 404 "), "an unknown route's answer: {}", &answer[..answer.len().min(200)]);
    let answer = ask(with_path(65_535));
    assert!(answer.starts_with("HTTP/1.1 414 "), "{}", &answer[..answer.len().min(200)]);
}

/// A request names its host in one `Host` header at most, HTTP/1.1 in exactly one (RFC 9112
/// §3.2); HTTP/1.0 may leave it out.
#[test]
fn an_http_1_1_request_names_one_host() {
    let h = Harness::start();
    let ask = |head: &str| {
        let mut stream = connect(&h);
        stream.write_all(head.as_bytes()).unwrap();
        read_until_closed(&mut stream)
    };
    for head in [
        "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
    ] {
        let answer = ask(head);
        assert!(answer.starts_with("HTTP/1.1 400 ") || answer.starts_with("HTTP/1.0 400 "), "{head:?}: {answer:?}");
        assert_eq!(json_body(&answer)["error"]["message"], "a request names its host in one `Host` header");
    }
    assert!(ask("GET /healthz HTTP/1.0\r\n\r\n").starts_with("HTTP/1.0 200 OK\r\n"));
    assert!(ask("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").starts_with("HTTP/1.1 200 OK\r\n"));
}

/// A stop finishes the requests under way, but waits for no request that has not begun (headers
/// never finished), and for none past the grace period.
#[test]
fn a_stop_finishes_requests_under_way_and_waits_for_no_other() {
    let h = Harness::with_config(|config| {
        config.header_read_timeout = Duration::from_secs(120);
        config.request_deadline = Duration::from_secs(120);
        config.shutdown_grace = Duration::from_secs(60);
    });
    let owner = h.token(keystroke_api::Role::Owner);
    let mut stalled = connect(&h);
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut under_way = connect(&h);
    // Served before the stop (not waiting in the listen queue): one answer on it proves it.
    under_way.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut answered = Vec::new();
    while !answered.ends_with(br#"{"status":"ok"}"#) {
        let mut byte = [0u8; 1];
        assert_eq!(under_way.read(&mut byte).unwrap(), 1, "closed: {:?}", String::from_utf8_lossy(&answered));
        answered.push(byte[0]);
    }
    let body = r#"{"name": "made during a stop"}"#;
    let head = format!(
        "POST /api/orgs/acme/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {owner}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..10]
    );
    under_way.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200)); // both are being read

    let asked = Instant::now();
    let stopper = std::thread::spawn(move || drop(h)); // stops the platform and waits for it
    std::thread::sleep(Duration::from_millis(200));
    under_way.write_all(&body.as_bytes()[10..]).unwrap();
    let answer = read_until_closed(&mut under_way);
    assert!(answer.starts_with("HTTP/1.1 201 "), "finished: {answer:?}");
    assert!(answer.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{answer:?}");
    stopper.join().unwrap();
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(30), "stopped after {took:?}, waiting for headers that never came");
    assert_eq!(read_until_closed(&mut stalled), "");
}

/// A client that asks and then stops reading (here: 400 pipelined requests for the 40 kB OpenAPI
/// document, 16 MB of answers, far more than the sockets' buffers hold) is let go once the
/// platform's writes make no progress for the write timeout; it does not hold the connection.
#[test]
fn a_client_that_stops_reading_is_let_go() {
    let h = Harness::with_config(|config| config.write_timeout = Duration::from_millis(300));
    let mut reader = connect(&h);
    let requests = "GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(400);
    reader.write_all(requests.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_secs(2)); // reading nothing, well past the write timeout
    let received = read_until_closed(&mut reader).len();
    let asked = 400 * keystroke_platform::routes::OPENAPI_JSON.len();
    assert!(received < asked / 2, "closed after {received} of {asked} bytes, not all of them");
}

/// Past the cap, a connection waits in the listen queue, unanswered, until one of those served
/// closes: the descriptors the database needs are never all taken by clients.
#[test]
fn connections_past_the_cap_wait_for_one_to_close() {
    // The holders would be let go at the header timeout: two minutes, longer than the test waits.
    let h = Harness::with_config(|config| {
        config.max_connections = Some(2);
        config.header_read_timeout = Duration::from_secs(120);
    });
    let holders = [connect(&h), connect(&h)];
    // Served: each is past its accept, waiting for a request (a health check on one proves it).
    let mut checked = connect(&h);
    checked.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    checked.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut first = [0u8; 12];
    let waited = checked.read(&mut first);
    assert!(
        matches!(&waited, Err(error) if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "the third connection was answered while two were open: {waited:?}"
    );
    drop(holders);
    // Answered within a minute, so because the holders closed: the header timeout is two.
    checked.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    checked.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200", "answered once a slot was free");
    assert_eq!(h.get("/healthz", Cred::None).status(), reqwest::StatusCode::OK, "and the platform goes on");
}

/// One address may hold only its share of the connections served at once: the next is answered
/// `429` and closed at once, rather than wait with every other client for one of its own to time
/// out (a client reconnecting as each is let go held them all). Another address is served
/// meanwhile, as is this one once its connections close. Behind a proxy, whose address every
/// connection has, none is counted.
#[test]
fn one_address_gets_only_its_share_of_the_connections() {
    let h = Harness::with_config(|config| {
        config.max_connections_per_address = 2;
        config.header_read_timeout = Duration::from_secs(120);
    });
    let holders = [connect(&h), connect(&h)];
    let mut refused = connect(&h);
    // A client sends its request at once: still, the answer is read, not lost to a reset.
    refused.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let answer = read_until_closed(&mut refused);
    assert!(answer.starts_with("HTTP/1.1 429 Too Many Requests\r\n"), "{answer:?}");
    assert!(answer.contains("\r\nretry-after: 1\r\n"), "{answer:?}");
    let body: Value = serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(body["error"]["message"], "too many connections from your address are open; close some first");

    // Another address (127.0.0.2, this machine's too on Linux, where all of 127/8 is) is served
    // meanwhile.
    #[cfg(target_os = "linux")]
    {
        let mut another = connect_from(&h, [127, 0, 0, 2]);
        another.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        assert!(read_until_closed(&mut another).starts_with("HTTP/1.1 200"), "another address has its own share");
    }

    drop(holders);
    let mut served = Err(String::new());
    for _ in 0..100 {
        let mut again = connect(&h);
        again.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let answer = read_until_closed(&mut again);
        served = if answer.starts_with("HTTP/1.1 200") { Ok(()) } else { Err(answer) };
        if served.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20)); // the holders' connections still closing
    }
    assert_eq!(served, Ok(()), "served once its connections closed");

    let behind_proxy = Harness::with_config(|config| {
        config.max_connections_per_address = 2;
        config.behind_proxy = true;
    });
    let _holders = [connect(&behind_proxy), connect(&behind_proxy)];
    let mut third = connect(&behind_proxy);
    third.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    assert!(read_until_closed(&mut third).starts_with("HTTP/1.1 200"), "a proxy's connections are not counted");
}
