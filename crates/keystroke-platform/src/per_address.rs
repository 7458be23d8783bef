//! Connections counted per client address. Timeouts let each stalled connection go, but a
//! client that opened a new one for each let go (the half-sent request of a slow-loris attack)
//! could still hold every connection the platform serves at once, and the memory of the requests
//! they never finished. One address gets [`Config::max_connections_per_address`] at once; the
//! next is answered `429` and closed.
//!
//! Behind a proxy every connection comes from the proxy, which then limits clients itself: no
//! cap there.
//!
//! [`Config::max_connections_per_address`]: crate::state::Config::max_connections_per_address

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::logging::OnceAMinute;
use crate::throttle::address_block;

pub struct ConnectionsPerAddress {
    max: usize,
    /// Open connections by [`address_block`]; an address with none is removed.
    open: Mutex<HashMap<IpAddr, usize>>,
    full: OnceAMinute,
}

/// One connection counted for its address, until dropped.
pub struct AddressSlot {
    counts: Arc<ConnectionsPerAddress>,
    block: IpAddr,
}

/// What a connection past its address's share is told before it is closed: written at once, with
/// no request read (none may come), so it is short enough for any socket buffer.
const REFUSAL: &[u8] = b"HTTP/1.1 429 Too Many Requests\r\n\
    content-type: application/json\r\n\
    retry-after: 1\r\n\
    connection: close\r\n\
    content-length: 111\r\n\
    \r\n\
    {\"error\":{\"code\":\"rate_limited\",\"message\":\"too many connections from your address are open; close some first\"}}";

impl ConnectionsPerAddress {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(ConnectionsPerAddress { max, open: Mutex::new(HashMap::new()), full: OnceAMinute::new() })
    }

    /// A slot for a connection from `peer`, or `None` when its address has all it may have.
    pub fn take(self: &Arc<Self>, peer: SocketAddr) -> Option<AddressSlot> {
        let block = address_block(peer.ip());
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(block).or_insert(0);
        if *count >= self.max {
            drop(open);
            if self.full.due() {
                tracing::warn!(
                    client = %block,
                    "{} connections from one address are open, as many as one may have: refusing more (429) until \
                     some close; a proxy in front that `serve` was not told of (`--behind-proxy`) looks like this",
                    self.max
                );
            }
            return None;
        }
        *count += 1;
        Some(AddressSlot { counts: self.clone(), block })
    }

    /// Answers a connection refused by [`ConnectionsPerAddress::take`], then closes it, on a task
    /// of its own. Closed with its request unread, the connection would be reset, and a reset
    /// can throw the answer away before the client reads it: so what the client sends is read
    /// and dropped for a moment first. Only so many linger at once; beyond, one is closed at once.
    pub fn refuse(mut stream: tokio::net::TcpStream) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        static LINGERING: AtomicUsize = AtomicUsize::new(0);
        if LINGERING.fetch_add(1, Ordering::Relaxed) >= MAX_LINGERING {
            LINGERING.fetch_sub(1, Ordering::Relaxed);
            let _ = stream.try_write(REFUSAL);
            return;
        }
        tokio::spawn(async move {
            let linger = async {
                stream.write_all(REFUSAL).await?;
                stream.shutdown().await?;
                let mut sent = [0; 4096];
                while stream.read(&mut sent).await? > 0 {}
                std::io::Result::Ok(())
            };
            let _ = tokio::time::timeout(LINGER, linger).await;
            LINGERING.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// How long a refused connection is read from before it is closed, and how many are at once.
const LINGER: std::time::Duration = std::time::Duration::from_millis(500);
const MAX_LINGERING: usize = 64;

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.counts.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.block) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.block);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_whole_http_answer() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.lines().any(|line| line == format!("content-length: {}", body.len())), "{head}");
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"]["code"], "rate_limited");
    }

    #[test]
    fn an_address_gets_its_share_and_no_more_and_gets_it_back() {
        let counts = ConnectionsPerAddress::new(2);
        let one: SocketAddr = "192.0.2.1:1000".parse().unwrap();
        let other: SocketAddr = "192.0.2.2:1000".parse().unwrap();
        let (first, second) = (counts.take(one).unwrap(), counts.take(one).unwrap());
        assert!(counts.take(one).is_none());
        assert!(counts.take(other).is_some(), "another address has its own share");
        // IPv4 clients of a dual-stack listener each have their own share.
        let mapped = |address: &str| -> SocketAddr { format!("[::ffff:{address}]:1000").parse().unwrap() };
        let ipv4_mapped = [counts.take(mapped("198.51.100.1")).unwrap(), counts.take(mapped("198.51.100.1")).unwrap()];
        assert!(counts.take(mapped("198.51.100.2")).is_some(), "not all of ::ffff:0:0/96 as one");
        assert!(counts.take("198.51.100.1:1".parse().unwrap()).is_none(), "the same client as plain IPv4");
        drop(ipv4_mapped);
        // An IPv6 host's temporary addresses share its /64's.
        let v6 = |address: &str| -> SocketAddr { format!("[{address}]:1000").parse().unwrap() };
        let held = [counts.take(v6("2001:db8::1")).unwrap(), counts.take(v6("2001:db8::2")).unwrap()];
        assert!(counts.take(v6("2001:db8::3")).is_none());
        drop((first, second, held));
        let again = counts.take(one);
        assert!(again.is_some(), "given back");
        assert_eq!(counts.open.lock().unwrap().len(), 1, "addresses with no connection are not kept");
    }
}
