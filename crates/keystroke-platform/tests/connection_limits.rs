//! Clients that do not finish what they start: a request's headers never completed, a kept-alive
//! connection left idle, a body sent too slowly or declared too large. None may hold the
//! platform's sockets, memory or tasks for ever, nor keep it from stopping.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Harness;
use serde_json::Value;

fn connect(h: &Harness) -> TcpStream {
    let address = h.dev.url.trim_start_matches("http://");
    let stream = TcpStream::connect(address).unwrap();
    // Far longer than any limit below: a read that waits this long means nobody let go.
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream
}

/// What the platform sent before it closed the connection.
fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("the platform closed the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

fn json_body(answer: &str) -> Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|_| panic!("a JSON body: {answer:?}"))
}

#[test]
fn stalled_and_idle_connections_are_closed() {
    let h = Harness::with_config(|config| config.header_read_timeout = Duration::from_millis(300));

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
    assert!(h.create_key(&owner, "acme", "still fine").secret.starts_with("key_test_"));
}

/// A stop waits for requests under way, but not for ever: one a client never finishes is let go
/// after the grace period.
#[test]
fn a_stop_is_not_held_up_by_an_unfinished_request() {
    let h = Harness::with_config(|config| {
        config.header_read_timeout = Duration::from_secs(120);
        config.shutdown_grace = Duration::from_millis(300);
    });
    let mut stalled = connect(&h);
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100)); // the platform is reading it
    let asked = Instant::now();
    drop(h); // stops the platform and waits for it
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(15), "stopped after {took:?}, with a request left unfinished");
    assert_eq!(read_until_closed(&mut stalled), "");
}
