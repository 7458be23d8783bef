//! Running the platform: on an injected listener (so tests bind port 0), until a shutdown
//! future resolves; or on a background thread of its own, for tests and `dev`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;

use crate::logging::OnceAMinute;
use crate::per_address::{AddressSlot, ConnectionsPerAddress};
use crate::routes::router;
use crate::state::{AppState, Config};
use crate::storage::Storage;

/// The most a request's line and headers may take together (`431` past it), as hyper buffers
/// them before any route sees the request: a URL of up to 65,534 bytes (longer is `414`) and
/// 16 KiB of headers. hyper's own limit, about 400 KB, let each of the thousands of connections
/// served at once hold that much with headers it never finished.
const MAX_REQUEST_HEAD_BYTES: usize = 80 * 1024;

/// The base URL a platform listening on `local_addr` gives out: `config`'s public URL, else its
/// address; without a trailing slash, since paths are appended to it.
pub fn public_url(config: &Config, local_addr: SocketAddr) -> String {
    config.public_url.clone().unwrap_or_else(|| format!("http://{local_addr}")).trim_end_matches('/').to_owned()
}

/// Serves the platform on `listener` until `shutdown` resolves, then finishes the requests under
/// way (for at most [`Config::shutdown_grace`]).
///
/// `axum::serve` does the same, but without a timer: a client that never finished its headers,
/// or kept a connection idle, or stopped reading its answer, held a socket (and a task) for as
/// long as it liked. Here [`Config::header_read_timeout`] and [`Config::write_timeout`] let such
/// connections go.
pub async fn serve(
    listener: tokio::net::TcpListener,
    storage: Arc<dyn Storage>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let local_addr = listener.local_addr().context("serving HTTP")?;
    let cap = config.max_connections.unwrap_or_else(cap_for_open_file_limit);
    let slots = Arc::new(tokio::sync::Semaphore::new(cap));
    tracing::info!(max_connections = cap, "connections served at once, at most");
    let full = OnceAMinute::new();
    let per_address = (!config.behind_proxy).then(|| ConnectionsPerAddress::new(config.max_connections_per_address));
    let shutdown_grace = config.shutdown_grace;
    let (stopping, stop_seen) = tokio::sync::watch::channel(false);
    let state = AppState::serving(storage, config, local_addr);
    let connections = Connections::new(&state.config, router(state.clone()), stop_seen);
    tokio::pin!(shutdown);
    loop {
        // A slot first, then the accept: past the cap, clients wait in the kernel's listen queue
        // instead of taking the descriptors that the database's connections need.
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if full.due() {
                    tracing::warn!(
                        "{cap} connections are open, as many as this platform serves at once; new ones wait until \
                         one closes (raise the open-file limit for more)"
                    );
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A client that gave up during the handshake: nothing to serve, nothing to say.
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    // Out of file descriptors, most likely: wait for connections to close rather
                    // than spin; the ones open go on being served.
                    tracing::error!(%error, "could not accept a connection; trying again in a second");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        let address_slot = match per_address.as_ref().map(|counts| counts.take(peer)) {
            Some(None) => {
                ConnectionsPerAddress::refuse(stream);
                continue;
            }
            Some(taken) => taken,
            None => None,
        };
        connections.spawn(stream, peer, (slot, address_slot));
    }
    drop(listener);
    tracing::info!(
        "stopping: no new connections; requests under way may finish within {} seconds",
        shutdown_grace.as_secs_f64()
    );
    let _ = stopping.send(true);
    if tokio::time::timeout(shutdown_grace, connections.tracked.shutdown()).await.is_err() {
        tracing::warn!("stopping with connections still open after {} seconds", shutdown_grace.as_secs_f64());
    }
    Ok(())
}

/// The connection cap of a platform given none: what the open-file limit leaves
/// ([`connection_cap`]), with a warning when that is very little.
fn cap_for_open_file_limit() -> usize {
    let limit = open_file_limit();
    if limit < DESCRIPTORS_KEPT_BACK + 64 {
        tracing::warn!(
            "the open-file limit is {limit}: with {DESCRIPTORS_KEPT_BACK} kept for the database, few connections \
             are left, and busy moments will fail requests; raise it (`ulimit -n`, `LimitNOFILE=`)"
        );
    }
    connection_cap(limit)
}

/// How every accepted connection is served: HTTP/1.1 with the header-read timeout and size cap,
/// a write timeout, the router, and a place among the connections a stop waits for.
struct Connections {
    http: hyper::server::conn::http1::Builder,
    app: axum::Router,
    write_timeout: Duration,
    /// What a stop waits for (within the grace period).
    tracked: GracefulShutdown,
    /// Turns true when the platform stops.
    stop_seen: tokio::sync::watch::Receiver<bool>,
}

impl Connections {
    fn new(config: &Config, app: axum::Router, stop_seen: tokio::sync::watch::Receiver<bool>) -> Self {
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(config.header_read_timeout)
            .max_header_size(MAX_REQUEST_HEAD_BYTES);
        Connections { http, app, write_timeout: config.write_timeout, tracked: GracefulShutdown::new(), stop_seen }
    }

    /// Serves the connection on a task of its own, which gives its slots back when it ends.
    fn spawn(
        &self,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        slots: (tokio::sync::OwnedSemaphorePermit, Option<AddressSlot>),
    ) {
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(self.write_timeout));
        let app = self.app.clone();
        let asked = Arc::new(AtomicBool::new(false));
        let asked_here = asked.clone();
        // What `ConnectInfo` gives the handlers that throttle by client address.
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            asked_here.store(true, Ordering::Relaxed);
            request.extensions_mut().insert(ConnectInfo(peer));
            if let Some(tidy) = crate::routes::tidy_path(request.uri()) {
                *request.uri_mut() = tidy;
            }
            tower_service::Service::call(&mut app.clone(), request)
        });
        let connection = self.tracked.watch(self.http.serve_connection(TokioIo::new(Box::pin(stream)), service));
        let mut stop_seen = self.stop_seen.clone();
        tokio::spawn(async move {
            let _slots = slots; // given back when the connection ends
            tokio::select! {
                ended = connection => if let Err(error) = ended {
                    refused_or_ended(&error, peer);
                },
                // A connection that has not sent a request has none to finish: a stop lets it go
                // at once (hyper would wait for its first request, as for any busy connection).
                () = stopped_before_any_request(&mut stop_seen, &asked) => {}
            }
        });
    }
}

/// A connection that hyper ended without a request reaching the router: one it refused (a
/// malformed request, a head too large, a head not sent within its timeout, as a slowloris does)
/// is logged, since no request line will be, once a minute at most with how many came between;
/// one the client closed, or broke off, only at debug level.
fn refused_or_ended(error: &hyper::Error, peer: std::net::SocketAddr) {
    if !(error.is_parse() || error.is_timeout()) {
        tracing::debug!(%error, %peer, "connection ended with an error");
        return;
    }
    static REFUSED: crate::logging::Repeats = crate::logging::Repeats::new();
    let error = error.to_string();
    match REFUSED.due(&error, crate::clock::now()) {
        Some(0) => tracing::info!(error, client = %peer, "request refused before routing"),
        Some(unlogged) => tracing::info!(
            error,
            client = %peer,
            unlogged_since_last_logged = unlogged,
            "request refused before routing, repeated"
        ),
        None => {}
    }
}

/// File descriptors kept back from connections: three for each of the database connections the
/// storage may open at once (the database, its WAL and its shared memory; see
/// [`MAX_CONNECTIONS`](crate::storage::sqlite::MAX_CONNECTIONS)), then some for the listener, the
/// logs and the runtime.
const DESCRIPTORS_KEPT_BACK: u64 = 3 * crate::storage::sqlite::MAX_CONNECTIONS as u64 + 32;

/// How many connections a platform with this open-file limit serves at once: running out of
/// descriptors would fail the requests already in, at their next database connection.
pub fn connection_cap(open_file_limit: u64) -> usize {
    usize::try_from(open_file_limit.saturating_sub(DESCRIPTORS_KEPT_BACK).max(16)).unwrap_or(usize::MAX)
}

/// The process's open-file limit (the soft one, which is what counts).
fn open_file_limit() -> u64 {
    #[cfg(unix)]
    if let Some(limit) = open_file_limits() {
        return limit.rlim_cur;
    }
    1024
}

/// Raises the soft open-file limit to the hard one, as `serve` and `dev` do at start (the soft
/// limit is often 1024 where the hard one allows far more, and each connection takes one).
/// Returns the limits before and after, when it changed.
pub fn raise_open_file_limit() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        let mut limit = open_file_limits().filter(|limit| limit.rlim_cur < limit.rlim_max)?;
        // An unlimited hard limit is not a number setrlimit takes for open files everywhere; and
        // macOS refuses more than its `OPEN_MAX` (10240) whatever the hard limit (`EINVAL`).
        let wanted = if limit.rlim_max == libc::RLIM_INFINITY { 1 << 20 } else { limit.rlim_max };
        let before = limit.rlim_cur;
        for wanted in [wanted, wanted.min(10_240)] {
            limit.rlim_cur = wanted;
            // SAFETY: setrlimit reads the struct it is given.
            if wanted > before && unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == 0 {
                return Some((before, wanted));
            }
        }
    }
    None
}

/// The soft and hard open-file limits.
#[cfg(unix)]
fn open_file_limits() -> Option<libc::rlimit> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit fills the struct it is given, or fails and leaves it as it was.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0).then_some(limit)
}

/// Resolves when a stop is asked for and the connection has not sent a request; otherwise never.
async fn stopped_before_any_request(stop_seen: &mut tokio::sync::watch::Receiver<bool>, asked: &AtomicBool) {
    if stop_seen.wait_for(|stopping| *stopping).await.is_err() || asked.load(Ordering::Relaxed) {
        std::future::pending::<()>().await;
    }
}

/// An accept that failed because of the client, not of this process: as `axum::serve` counts them.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(error.kind(), ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset)
}

/// Resolves on SIGINT (Ctrl-C), SIGTERM or SIGHUP: the last comes when the terminal or SSH
/// session that started the platform ends (by default it killed the process then, with requests
/// under way and no word in the log); the platform has nothing to reload on it. A platform
/// started ignoring SIGHUP (`nohup`) goes on ignoring it: it was asked to outlive the session.
///
/// On Unix the handlers are installed by this call, not when the future is first polled: called before
/// the platform says it is ready (its "listening" line, `dev`'s banner and credentials file), a
/// supervisor that stops it as soon as it is ready stops it gracefully, never by the signal's
/// default action, which kills it. Called within a Tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let install = |kind| signal(kind).expect("installing a signal handler");
        let mut interrupt = install(SignalKind::interrupt());
        let mut terminate = install(SignalKind::terminate());
        let mut hangup = (!ignored(libc::SIGHUP)).then(|| install(SignalKind::hangup()));
        async move {
            let hung_up = async {
                match hangup.as_mut() {
                    Some(hangup) => hangup.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
                _ = hung_up => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Whether `signal` is ignored (this process was started ignoring it: `nohup`, `trap '' HUP`),
/// which the platform's own handlers leave as it is.
#[cfg(unix)]
pub fn ignored(signal: libc::c_int) -> bool {
    // SAFETY: with no new action, sigaction only writes the current one into `current`.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut current) == 0 && current.sa_sigaction == libc::SIG_IGN
    }
}

/// A platform serving on a thread of its own; stops (gracefully) when dropped.
pub struct BackgroundServer {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    pub storage: Arc<dyn Storage>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundServer {
    /// Binds `addr` (port 0 picks a free port) and serves `storage` with `config`.
    pub fn start(addr: SocketAddr, storage: Arc<dyn Storage>, config: Config) -> anyhow::Result<Self> {
        Self::start_on(Self::bind(addr)?, storage, config)
    }

    /// Binds `addr` without serving yet, so that the URL is known before the first request can
    /// arrive (connections wait in the backlog meanwhile).
    pub fn bind(addr: SocketAddr) -> anyhow::Result<std::net::TcpListener> {
        let listener = std::net::TcpListener::bind(addr).map_err(|error| cannot_listen(addr, error))?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    }

    /// The base URL the platform on `listener` gives out: `config`'s public URL, else its address.
    pub fn url(listener: &std::net::TcpListener, config: &Config) -> anyhow::Result<String> {
        Ok(public_url(config, listener.local_addr()?))
    }

    /// Serves `storage` with `config` on a listener from [`BackgroundServer::bind`].
    pub fn start_on(
        listener: std::net::TcpListener,
        storage: Arc<dyn Storage>,
        config: Config,
    ) -> anyhow::Result<Self> {
        let url = Self::url(&listener, &config)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = storage.clone();
        let thread = std::thread::Builder::new().name("keystroke-platform".into()).spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("building the platform's runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("adopting the listener");
                let shutdown = async move {
                    let _ = stopped.await;
                };
                if let Err(error) = serve(listener, served, config, shutdown).await {
                    tracing::error!(error = format!("{error:#}"), "the platform stopped");
                }
            });
        })?;
        Ok(BackgroundServer { url, storage, stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Why the platform cannot listen on `addr`, with what to do for the usual two reasons.
pub fn cannot_listen(addr: SocketAddr, error: std::io::Error) -> anyhow::Error {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "cannot listen on {addr}: something listens there already (another keystroke platform, maybe); stop \
             it, or choose another port (0 picks any free one)"
        ),
        std::io::ErrorKind::PermissionDenied if addr.port() < 1024 => anyhow::anyhow!(
            "cannot listen on {addr}: ports below 1024 need privileges; choose a higher port (and put a proxy in \
             front for 80 or 443)"
        ),
        _ => anyhow::Error::new(error).context(format!("cannot listen on {addr}")),
    }
}

#[cfg(test)]
mod tests {
    use super::connection_cap;

    #[test]
    fn the_cap_keeps_descriptors_back_for_the_database() {
        assert_eq!(connection_cap(1024), 704);
        assert_eq!(connection_cap(20_000), 19_680);
        assert_eq!(connection_cap(100), 16, "a floor, so that a tiny limit still serves someone");
    }
}
