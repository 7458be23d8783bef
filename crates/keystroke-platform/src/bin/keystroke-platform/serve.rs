//! `serve` and `dev`: the platform on a port, with what an operator should be warned of.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail, ensure};
use keystroke_platform::dev::{DevServer, banner};
use keystroke_platform::{Config, Mode, SqliteStorage, Storage, server};

pub(crate) fn serve(db: &Path, bind: SocketAddr, public_url: Option<String>, behind_proxy: bool) -> anyhow::Result<()> {
    // Before the database is opened (made, or upgraded): a mistyped flag, or a port that is taken
    // (by the platform still serving, say), leaves nothing behind.
    let public_url = public_url.as_deref().map(check_public_url).transpose()?;
    more_open_files();
    let runtime = tokio::runtime::Runtime::new()?;
    let listener =
        runtime.block_on(tokio::net::TcpListener::bind(bind)).map_err(|error| server::cannot_listen(bind, error))?;
    let is_new = keystroke_platform::storage::is_new_database(db);
    let sqlite = Arc::new(SqliteStorage::open_for_serving(db)?);
    let storage: Arc<dyn Storage> = sqlite.clone();
    if keystroke_platform::dev::made_by_dev(storage.as_ref())? {
        bail!(
            "the database {} was made by `keystroke-platform dev`: its users' passwords and session tokens were \
             printed on a terminal, so it must not be served for real; set up a database of your own with `user add` \
             and `org create`, or run `keystroke-platform dev --db {}` to try it",
            db.display(),
            db.display()
        );
    }
    // A mistyped `--db` makes a new, empty database: said at once, not found out from sign-ins
    // that fail with "wrong email or password".
    if storage.users()?.is_empty() {
        let made = if is_new { "is new" } else { "has no users" };
        tracing::warn!(
            "the database {} {made}: nobody can sign in until you add a user with `keystroke-platform user add --db \
             {}` (or check `--db`)",
            db.display(),
            db.display()
        );
    }
    // `--release` builds abort on a panic, as the CLI should; the platform answers a request that
    // panicked with a 500 and goes on only when it unwinds (`--profile server`).
    if cfg!(panic = "abort") {
        tracing::warn!(
            "this build stops the whole platform if any one request panics: for serving, build it with `cargo \
             install --locked --profile server --path crates/keystroke-platform` (README, Self-hosting)"
        );
    }
    let mut config = Config::new(Mode::Production);
    config.public_url = public_url;
    config.behind_proxy = behind_proxy;
    runtime.block_on(async {
        // Before the line that says it is listening: a stop sent once it is stops it gracefully.
        let stop = server::shutdown_signal();
        let address = listener.local_addr()?;
        let public_url = config.public_url.as_deref();
        tracing::info!(
            %address,
            db = %db.display(),
            public_url = %server::public_url(&config, address),
            behind_proxy = config.behind_proxy,
            "keystroke platform listening"
        );
        let warnings = [
            unreachable_sign_in_links(address, public_url, config.behind_proxy),
            plain_http_off_this_machine(address, public_url),
            forwarded_addresses_anyone_can_claim(address, config.behind_proxy),
            one_address_for_everyone(address, public_url, config.behind_proxy),
        ];
        for warning in warnings.into_iter().flatten() {
            tracing::warn!("{warning}");
        }
        let outgrown = Arc::new(std::sync::OnceLock::new());
        let stop = {
            let outgrown = outgrown.clone();
            async move {
                tokio::select! {
                    () = stop => {}
                    schema = schema_outgrown(&sqlite) => {
                        let _ = outgrown.set(schema);
                    }
                }
                a_second_stop_ends_at_once();
            }
        };
        server::serve(listener, storage, config, stop).await?;
        match outgrown.get() {
            Some(schema) => Err(anyhow::anyhow!(
                "stopped: the database was upgraded to schema {schema} (by a newer keystroke-platform) while this one \
                 served it, and this one knows schema {} at most: serve it with the newer version",
                keystroke_platform::storage::sqlite::known_schema()
            )),
            None => Ok(()),
        }
    })?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves, with the schema's version, once another process has upgraded the database beyond
/// what this version serves: its requests would fail from then on (a column they read renamed,
/// say), one by one, while the platform seemed up. Seen within half a second.
async fn schema_outgrown(storage: &SqliteStorage) -> usize {
    loop {
        if let Some(schema) = storage.outgrown_schema() {
            tracing::error!(schema, "the database's schema was upgraded by a newer keystroke-platform: stopping");
            return schema;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

pub(crate) fn dev(
    port: u16,
    db: Option<&Path>,
    credentials_file: Option<&Path>,
    seed_keys: usize,
) -> anyhow::Result<()> {
    more_open_files();
    let dev = DevServer::start_with_keys(([127, 0, 0, 1], port).into(), db, Config::new(Mode::Dev), seed_keys)?;
    // Before the credentials file and the banner, which say it is ready: a stop sent once they are
    // there stops it gracefully (removing a temporary database), never by the signal's default.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let stop = {
        let _in_runtime = runtime.enter();
        server::shutdown_signal()
    };
    if let Some(path) = credentials_file {
        write_private(path, &serde_json::to_vec_pretty(&dev.credentials)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    // The path even of a temporary database: `audit list --db` and `sqlite3` can read it meanwhile.
    let db_label = match db {
        Some(path) => path.display().to_string(),
        None => format!("{} (temporary: removed on exit)", dev.db_path.display()),
    };
    // Read by `| head`, the banner must not take the platform down once the reader has gone.
    let _ =
        write!(std::io::stdout(), "{}", banner(&dev.credentials, &db_label)).and_then(|()| std::io::stdout().flush());
    runtime.block_on(stop);
    a_second_stop_ends_at_once();
    drop(dev);
    say!("Stopped the dev platform.");
    Ok(())
}

/// Once a stop signal came, and the platform waits for the requests under way (up to 10 s), the
/// next one ends it at once, by its default action: whoever presses Ctrl-C again, or sends
/// SIGTERM again, is not waited out a second time. (A database is left as SQLite keeps it at any
/// moment, whole; `dev`'s temporary one stays behind in the system's temporary folder.) SIGHUP
/// too, unless the platform was started ignoring it (`nohup`).
fn a_second_stop_ends_at_once() {
    #[cfg(unix)]
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        if !server::ignored(signal) {
            // SAFETY: puts back the signal's default action, replacing Tokio's handler.
            unsafe { libc::signal(signal, libc::SIG_DFL) };
        }
    }
    tracing::info!("stopping; another Ctrl-C or SIGTERM stops at once");
}

/// The public URL goes into every sign-in link the platform hands out: an absolute http(s) URL
/// with a host, nothing else. Checked here rather than by clap, whose error would repeat it,
/// password included.
fn check_public_url(value: &str) -> anyhow::Result<String> {
    let value = value.trim();
    // Before anything quotes the URL: its user part may hold a password, parsed or not.
    if value.contains('@') {
        bail!("`--public-url` holds a user name or password (or an `@` elsewhere); leave them out");
    }
    let shown = if keystroke_api::contains_secret(value) { keystroke_api::SECRET_NOT_REPEATED } else { value };
    let uri: Option<axum::http::Uri> = value.parse().ok();
    let authority = uri.as_ref().and_then(|uri| uri.authority()).map(|authority| authority.as_str());
    // `Uri` drops a `#fragment` silently, and every link built on the URL would break.
    ensure!(!value.contains('#'), "`--public-url` {shown} has a `#fragment`; leave it out");
    ensure!(
        uri.as_ref().is_none_or(|uri| uri.query().is_none()),
        "`--public-url` {shown} has a `?query`; leave it out"
    );
    ensure!(
        authority.is_some() && matches!(uri.as_ref().and_then(|uri| uri.scheme_str()), Some("http" | "https")),
        "`--public-url` {shown} is not an http:// or https:// URL with a host, like `https://keystroke.example.com`"
    );
    // The pages link and post to absolute paths (`/login`), and their cookies are for `/`.
    ensure!(
        uri.as_ref().is_none_or(|uri| matches!(uri.path(), "" | "/")),
        "`--public-url` {shown} has a path; the platform is served at the root of its host name (a proxy may not \
         add a path prefix): give the URL of the host alone"
    );
    let (Some(uri), Some(authority)) = (&uri, authority) else {
        bail!("`--public-url` {shown} is not an http:// or https:// URL with a host")
    };
    ensure!(
        uri.host().is_some_and(|host| !host.is_empty()),
        "`--public-url` {shown} has no host name, like `https://keystroke.example.com`"
    );
    // `Uri` takes any digits for a port (and a `+` before them), and reports none when they are out
    // of range; an empty port is the scheme's, as if not written.
    let (host, port) = match authority.rsplit_once(':').filter(|(_, port)| !port.contains(']')) {
        Some((host, port)) => (host, Some(port).filter(|port| !port.is_empty())),
        None => (authority, None),
    };
    let is_port = |port: &str| port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p > 0);
    ensure!(port.is_none_or(is_port), "`--public-url` {shown} has a port that is not one (1 to 65535)");
    // Written as every comparison expects it (cookies are `Secure` on `https://`, and
    // `HTTPS://` would have lost that) and as browsers write an origin: scheme and host in lower
    // case, no trailing slash, no port that is the scheme's own.
    let scheme = uri.scheme_str().unwrap_or_default();
    let default_port = if scheme == "https" { 443 } else { 80 };
    let port = port
        .filter(|port| port.parse::<u16>() != Ok(default_port))
        .map(|port| format!(":{}", port.trim_start_matches('0')))
        .unwrap_or_default();
    Ok(format!("{scheme}://{}{port}", host.to_ascii_lowercase()))
}

/// Sign-in links are built from the public URL, which defaults to the bound address: on every
/// interface (`0.0.0.0`, `::`) an address no browser can open, and behind a proxy one that only
/// this machine reaches.
fn unreachable_sign_in_links(address: SocketAddr, public_url: Option<&str>, behind_proxy: bool) -> Option<String> {
    if public_url.is_some() {
        return None;
    }
    let why = if address.ip().is_unspecified() {
        "an address no browser can open"
    } else if behind_proxy {
        "this machine's own address, which people behind the proxy cannot reach"
    } else {
        return None;
    };
    Some(format!(
        "sign-in links will point at http://{address}, {why}: pass `--public-url` with the URL people reach this \
         platform at"
    ))
}

/// Behind a proxy, the client's address is the last one `X-Forwarded-For` names; listening beyond
/// this machine, anyone who reaches the port without the proxy names any address they like there,
/// and gets a fresh allowance of sign-in attempts with each.
fn forwarded_addresses_anyone_can_claim(address: SocketAddr, behind_proxy: bool) -> Option<String> {
    (behind_proxy && !address.ip().is_loopback()).then(|| {
        format!(
            "`--behind-proxy` trusts `X-Forwarded-For`, and the platform listens on {address}, beyond this machine: \
             unless only the proxy can reach that address, bind to loopback (`--bind 127.0.0.1:{}`), or clients \
             that bypass the proxy choose the address their sign-in attempts are counted against",
            address.port()
        )
    })
}

/// The platform serves plain HTTP: an `https://` public URL is a TLS-terminating proxy's, and so is
/// another host's while it listens on loopback. Without `--behind-proxy` every client then has the
/// proxy's address, and one address's limits (ten failed sign-ins, thirty sign-ins started)
/// become everyone's: anyone could lock out all sign-ins.
fn one_address_for_everyone(address: SocketAddr, public_url: Option<&str>, behind_proxy: bool) -> Option<String> {
    let url = public_url?;
    let uri: axum::http::Uri = url.parse().ok()?;
    let proxied = uri.scheme_str() == Some("https")
        || (address.ip().is_loopback() && !keystroke_api::is_this_machine(uri.host().unwrap_or_default()));
    (proxied && !behind_proxy).then(|| {
        format!(
            "people reach this platform at {url} through a proxy (it serves plain HTTP on {address}); without \
             `--behind-proxy` every client has the proxy's address, and ten failed sign-ins from anyone lock \
             everyone out of signing in for 15 minutes: pass `--behind-proxy` (the proxy must append the client's \
             address to `X-Forwarded-For`)"
        )
    })
}

/// Passwords, session tokens and API keys cross the network in clear when people reach the
/// platform over `http://` from another machine: through a plain `--public-url`, or straight at
/// an address other than loopback. (Behind an `https://` public URL, the proxy is trusted to be
/// the way in.)
fn plain_http_off_this_machine(address: SocketAddr, public_url: Option<&str>) -> Option<String> {
    let url = public_url.map_or_else(|| format!("http://{address}"), str::to_owned);
    let uri: axum::http::Uri = url.parse().ok()?;
    if uri.scheme_str() != Some("http") {
        return None;
    }
    // Without a public URL, the one people are given is the listening address itself.
    let local_url = public_url.is_none() || keystroke_api::is_this_machine(uri.host().unwrap_or_default());
    let reached_as = match (local_url, address.ip().is_loopback()) {
        (true, true) => return None,
        (true, false) => format!("at http://{address}, from other machines"),
        (false, _) => format!("at {url}"),
    };
    Some(format!(
        "people can reach this platform over plain HTTP {reached_as}: passwords, session tokens and API keys would \
         cross the network unencrypted; listen on loopback behind a TLS-terminating proxy and pass its https:// URL \
         as `--public-url`"
    ))
}

/// Writes a file only its owner can read: it holds passwords and session tokens. It is written
/// to a new file of an unpredictable name beside `path` (created `0600`, never through a link),
/// then renamed over it, so a symlink planted at `path` is replaced, never followed, and a reader
/// never sees half a file.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new().prefix(".keystroke-dev.").suffix(".tmp").tempfile_in(dir)?;
    file.write_all(contents)?;
    file.as_file().sync_all()?;
    file.persist(path).map(drop).map_err(|err| err.error)
}

/// Each connection takes a file descriptor: the soft limit goes up to the hard one, and the log
/// says so, since it bounds how many connections are served at once.
fn more_open_files() {
    if let Some((before, after)) = server::raise_open_file_limit() {
        tracing::info!(before, after, "raised the open-file limit");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_is_kept_as_comparisons_expect_it() {
        let kept = |value: &str| check_public_url(value).unwrap();
        assert_eq!(kept("HTTPS://Keystroke.Example.COM/"), "https://keystroke.example.com");
        assert_eq!(kept(" https://keystroke.example.com:8443 "), "https://keystroke.example.com:8443");
        assert_eq!(kept("http://[::1]:8080"), "http://[::1]:8080");
        assert_eq!(kept("http://127.0.0.1"), "http://127.0.0.1");
        assert_eq!(kept("https://keystroke.example.com:"), "https://keystroke.example.com");
        assert!(check_public_url("https://keystroke.example.com:+443").is_err());
        assert_eq!(kept("https://keystroke.example.com:443"), "https://keystroke.example.com");
        assert_eq!(kept("http://keystroke.example.com:0080/"), "http://keystroke.example.com");
        assert_eq!(kept("http://keystroke.example.com:443"), "http://keystroke.example.com:443");
        assert_eq!(kept("https://keystroke.example.com:08443"), "https://keystroke.example.com:8443");
    }

    /// A password in the URL, even one that stops it parsing, and a key pasted into it are
    /// never repeated by the error (which ends up in shell history's neighbour, the terminal).
    #[test]
    fn a_refused_public_url_repeats_no_password_or_secret() {
        let refusal = |value: &str| check_public_url(value).unwrap_err().to_string();
        for with_password in ["https://admin:S3cret^Passw0rd@h.example", "https://admin:two words@h.example"] {
            assert!(!refusal(with_password).contains("Passw0rd") && !refusal(with_password).contains("words"));
        }
        let key = format!("key_live_{}", "HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhC");
        let with_key = refusal(&format!("https://h.example/?t={key}"));
        assert!(!with_key.contains(&key[9..]) && with_key.contains("(a secret, not repeated here)"), "{with_key}");
    }

    #[test]
    fn a_proxy_that_can_be_bypassed_is_flagged() {
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let everywhere: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(forwarded_addresses_anyone_can_claim(loopback, true), None);
        assert_eq!(forwarded_addresses_anyone_can_claim(everywhere, false), None);
        let warning = forwarded_addresses_anyone_can_claim(everywhere, true).unwrap();
        assert!(warning.contains("listens on 0.0.0.0:8080") && warning.contains("`--bind 127.0.0.1:8080`"));
    }

    #[test]
    fn a_proxy_without_behind_proxy_is_flagged() {
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let everywhere: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let public = Some("https://keystroke.example.com");
        let warning = one_address_for_everyone(loopback, public, false).unwrap();
        assert!(warning.starts_with("people reach this platform at https://keystroke.example.com through a proxy"));
        assert!(warning.contains("pass `--behind-proxy`"), "{warning}");
        assert_eq!(one_address_for_everyone(loopback, public, true), None);
        assert_eq!(one_address_for_everyone(loopback, None, false), None);
        assert_eq!(one_address_for_everyone(loopback, Some("http://localhost:8080"), false), None);
        assert!(one_address_for_everyone(loopback, Some("http://keystroke.internal"), false).is_some());
        assert!(one_address_for_everyone(everywhere, public, false).is_some(), "https is a proxy's, wherever it is");
        // Reached straight at its own address over plain HTTP: no proxy to share.
        assert_eq!(one_address_for_everyone(everywhere, Some("http://keystroke.internal:8080"), false), None);
    }

    #[test]
    fn plain_http_is_flagged_unless_it_stays_on_this_machine() {
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let everywhere: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(plain_http_off_this_machine(loopback, None), None);
        assert_eq!(plain_http_off_this_machine(loopback, Some("http://localhost:8080")), None);
        assert_eq!(plain_http_off_this_machine("[::1]:8080".parse().unwrap(), None), None);
        assert_eq!(plain_http_off_this_machine(loopback, Some("http://[::1]:8080")), None);
        assert_eq!(plain_http_off_this_machine(loopback, Some("http://[::ffff:127.0.0.1]:8080")), None);
        assert_eq!(plain_http_off_this_machine(loopback, Some("http://keystroke.localhost:8080")), None);
        assert_eq!(plain_http_off_this_machine(everywhere, Some("https://keystroke.example.com")), None);
        let warning = plain_http_off_this_machine(everywhere, None).unwrap();
        assert!(
            warning.starts_with("people can reach this platform over plain HTTP at http://0.0.0.0:8080, from other"),
            "{warning}"
        );
        let local_link = plain_http_off_this_machine(everywhere, Some("http://localhost:8080")).unwrap();
        assert!(local_link.contains("at http://0.0.0.0:8080, from other machines"), "{local_link}");
        let proxied = plain_http_off_this_machine(loopback, Some("http://keystroke.example.com")).unwrap();
        assert!(proxied.contains("over plain HTTP at http://keystroke.example.com:"), "{proxied}");
    }

    #[test]
    fn an_unspecified_address_or_a_proxy_without_a_public_url_makes_dead_sign_in_links() {
        let everywhere: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let warning = unreachable_sign_in_links(everywhere, None, false).unwrap();
        assert!(warning.starts_with("sign-in links will point at http://0.0.0.0:8080, an address no"), "{warning}");
        assert!(unreachable_sign_in_links("[::]:8080".parse().unwrap(), None, false).is_some());
        let proxied = unreachable_sign_in_links(loopback, None, true).unwrap();
        assert!(proxied.contains("http://127.0.0.1:8080, this machine's own address"), "{proxied}");
        assert_eq!(unreachable_sign_in_links(everywhere, Some("https://keystroke.example.com"), true), None);
        assert_eq!(unreachable_sign_in_links(loopback, None, false), None);
    }
}
