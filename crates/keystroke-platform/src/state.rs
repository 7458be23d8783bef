//! What every handler shares: configuration, storage and the rate limiters.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;

use crate::storage::Storage;
use crate::throttle::{
    ACCOUNT_SIGN_IN_FAILURES_ALLOWED, DEVICE_CODES_ALLOWED, SIGN_IN_FAILURES_ALLOWED, SIGN_IN_WINDOW, Throttle,
    address_key,
};
use crate::tokens::{LIVE_KEY_PREFIX, TEST_KEY_PREFIX};

/// `dev` mints `key_test_` keys, which a production platform refuses, so that a key from a
/// laptop demo can never be mistaken for, or work as, a real one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Production,
    Dev,
}

impl Mode {
    pub fn key_prefix(self) -> &'static str {
        match self {
            Mode::Production => LIVE_KEY_PREFIX,
            Mode::Dev => TEST_KEY_PREFIX,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// The URL people and the CLI reach the platform at (used in `verification_uri`). When
    /// unset, the address the server listens on.
    pub public_url: Option<String>,
    pub session_ttl_secs: i64,
    pub device_code_ttl_secs: i64,
    pub device_poll_interval_secs: i64,
    /// How long a sign-in on the web pages lasts.
    pub web_session_ttl_secs: i64,
    /// Behind a reverse proxy, the client's address is the last `X-Forwarded-For` entry (for
    /// sign-in throttling and the approval page), not the proxy's.
    pub behind_proxy: bool,
    /// How long a client may take to send a request's headers, or to begin its next request on
    /// a kept-alive connection: past it the connection is closed, so that idle or stalled
    /// connections (a slow-loris attack among them) cannot hold the platform's sockets and memory.
    pub header_read_timeout: Duration,
    /// How long a request with a body may take, the body's arrival included (`408` past it): a
    /// client sending its body byte by byte must not hold a connection, and a task, for ever.
    pub request_deadline: Duration,
    /// How long writing an answer may make no progress before the connection is closed: a
    /// client that stops reading must not hold it.
    pub write_timeout: Duration,
    /// After a stop is asked for, how long requests under way may take to finish.
    pub shutdown_grace: Duration,
    /// How many connections are served at once; more wait in the listen queue until one closes.
    /// `None`: as many as the open-file limit allows, less what the database needs
    /// ([`crate::server::connection_cap`]).
    pub max_connections: Option<usize>,
    /// How many of them one client address (an IPv6 one by its /64) may have open at once; the
    /// next is answered `429` and closed ([`crate::per_address`]). Not counted behind a proxy,
    /// whose connections all come from its own address.
    pub max_connections_per_address: usize,
}

impl Config {
    pub fn new(mode: Mode) -> Self {
        Config {
            mode,
            public_url: None,
            session_ttl_secs: 30 * 24 * 3600,
            device_code_ttl_secs: 10 * 60,
            device_poll_interval_secs: 5,
            web_session_ttl_secs: 15 * 60,
            behind_proxy: false,
            header_read_timeout: Duration::from_secs(10),
            request_deadline: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
            max_connections: None,
            max_connections_per_address: 256,
        }
    }
}

/// What every request's handler is given: one allocation shared by all, since axum clones the
/// state for each request (seven reference counts, each counted up and down by every request on
/// both workers, were 2% of the platform's time under load).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub storage: Arc<dyn Storage>,
    pub config: Config,
    /// Resolved base URL, without a trailing slash.
    pub public_url: String,
    /// Failed sign-ins (passwords, codes) per client address.
    pub sign_in_throttle: Throttle,
    /// Wrong passwords per account, from every address.
    pub account_sign_in_throttle: Throttle,
    pub device_code_throttle: Throttle,
    /// The web page's create forms already acted on.
    pub sent_forms: crate::web::SentForms,
    /// Browsers that signed in to an account before, which its throttle does not hold back.
    pub known_browsers: crate::web::known_browsers::KnownBrowsers,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }

    /// The state of a platform serving `storage` on `local_addr`, its limiters fresh.
    pub fn serving(storage: Arc<dyn Storage>, config: Config, local_addr: SocketAddr) -> Self {
        let public_url = crate::server::public_url(&config, local_addr);
        // A page's form stays usable for as long as the web session that showed it.
        let sent_forms = crate::web::SentForms::new(Duration::from_secs(config.web_session_ttl_secs.unsigned_abs()));
        AppState::new(Shared {
            storage,
            config,
            public_url,
            sign_in_throttle: Throttle::new("failed sign-ins", SIGN_IN_FAILURES_ALLOWED, SIGN_IN_WINDOW),
            account_sign_in_throttle: Throttle::new(
                "wrong passwords for one account",
                ACCOUNT_SIGN_IN_FAILURES_ALLOWED,
                SIGN_IN_WINDOW,
            ),
            device_code_throttle: Throttle::new("sign-ins started", DEVICE_CODES_ALLOWED, SIGN_IN_WINDOW),
            sent_forms,
            known_browsers: crate::web::known_browsers::KnownBrowsers::default(),
        })
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Shared {
    /// Whether people reach the platform over https (its `--public-url`), as browsers see it.
    pub fn serves_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The address a request came from: the peer, or behind a trusted reverse proxy
    /// (`serve --behind-proxy`) the address the proxy appended to `X-Forwarded-For`.
    /// In one spelling: without a port (some proxies add one), and an IPv4 client of a dual-stack
    /// listener as IPv4.
    ///
    /// Asked for on the sign-in paths only (the request log asks [`Shared::client_ip`]), where a
    /// request carrying `X-Forwarded-For` while `--behind-proxy` is off is said in the log, once a
    /// minute: behind a proxy every client would count as the proxy's address, and ten failed
    /// sign-ins from anyone lock everyone out.
    pub fn client_address(&self, headers: &HeaderMap, peer: SocketAddr) -> String {
        static FORWARDED_UNREAD: crate::logging::OnceAMinute = crate::logging::OnceAMinute::new();
        if !self.config.behind_proxy && headers.contains_key("x-forwarded-for") && FORWARDED_UNREAD.due() {
            tracing::warn!(
                client = %peer.ip(),
                "a sign-in came with `X-Forwarded-For`, which `--behind-proxy` is off to read: if a proxy added it, \
                 every client counts as the proxy's address, and ten failed sign-ins from anyone lock everyone out of \
                 signing in; restart `serve` with `--behind-proxy`"
            );
        }
        self.client_ip(headers, peer).to_string()
    }

    /// [`Shared::client_address`] before it is spelled: for the request log, which writes it
    /// without making a string of it first.
    pub fn client_ip(&self, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
        let peer_ip = peer.ip().to_canonical();
        if !self.config.behind_proxy {
            return peer_ip;
        }
        // The last address of all `X-Forwarded-For` lines together is the one the proxy added: some
        // proxies append a line of their own rather than extend the client's, whose lines say
        // anything. Read as bytes: a line is not skipped for a byte that is not text.
        let last = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|line| line.as_bytes().split(|&byte| byte == b','))
            .map(<[u8]>::trim_ascii)
            .rfind(|entry| !entry.is_empty());
        // What does not read as an address is not the client's to choose: the proxy's own
        // address stands for it (and it is counted with everyone else's).
        last.and_then(forwarded_ip).unwrap_or(peer_ip)
    }

    /// What the throttles count this request's client under ([`address_key`] of its address).
    pub fn client_key(&self, headers: &HeaderMap, peer: SocketAddr) -> String {
        address_key(&self.client_address(headers, peer))
    }
}

/// An `X-Forwarded-For` entry's address: `v4`, `v4:port`, `v6`, `[v6]` or `[v6]:port`, a zone
/// (`%eth0`) dropped.
fn forwarded_ip(entry: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(entry).ok()?;
    let host = match text.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']')?.0,
        None if text.matches(':').count() == 1 => text.split_once(':')?.0,
        None => text,
    };
    let host = host.split_once('%').map_or(host, |(address, _zone)| address);
    host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}
