//! `keystroke-platform`: serve the platform, run it in dev mode, or administer its members.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail, ensure};
use clap::{Args, Parser, Subcommand};
use keystroke_api::Role;
use keystroke_platform::dev::{DevServer, banner};
use keystroke_platform::{Config, Mode, SqliteStorage, Storage, admin, server};
use serde_json::Value;

/// `eprintln!` that cannot panic: a stderr that is closed or full loses the line, but the
/// command's outcome and exit code stand.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(name = "keystroke-platform", version, about = "The Keystroke platform API server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform API
    Serve {
        #[command(flatten)]
        db: Database,
        /// Address to listen on (a host name: its first address); loopback unless you say otherwise
        #[arg(long, default_value = "127.0.0.1:8080", env = "KEYSTROKE_PLATFORM_BIND", value_parser = listen_address)]
        bind: SocketAddr,
        /// URL people reach the platform at (behind a proxy); defaults to http://<bind>
        #[arg(long, env = "KEYSTROKE_PLATFORM_PUBLIC_URL")]
        public_url: Option<String>,
        /// Trust the last `X-Forwarded-For` entry as the client's address (only behind a proxy
        /// that sets it: sign-in throttling and the approval page use it)
        #[arg(long)]
        behind_proxy: bool,
    },
    /// Run a throwaway platform on loopback with a seeded org and users
    Dev {
        /// Port on 127.0.0.1 (0 picks a free one)
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Keep the database in this file instead of a temporary one
        #[arg(long)]
        db: Option<PathBuf>,
        /// Also write the URL, org and users' credentials as JSON to this file (mode 0600)
        #[arg(long)]
        credentials_file: Option<PathBuf>,
        /// Add this many keys (created by the owner) to the primary org, to try pagination
        #[arg(long, default_value_t = 0, value_name = "N")]
        seed_keys: usize,
    },
    /// Manage user accounts
    #[command(subcommand)]
    User(UserCommand),
    /// Manage orgs
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage org membership and roles
    #[command(subcommand)]
    Member(MemberCommand),
    /// Read an org's audit trail
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// List an org's audit events, oldest first (key creations and revocations, deploys,
    /// membership changes), on stdout, one per line, or as JSON
    List(OrgListArgs),
}

/// What a list of one org's records takes.
#[derive(Args)]
struct OrgListArgs {
    #[command(flatten)]
    db: Database,
    /// The org's slug
    #[arg(long)]
    org: String,
    #[command(flatten)]
    listing: Listing,
}

/// One row as a JSON object whose keys come in the columns' order (serde_json's own map sorts them).
struct InColumnOrder<'a, const N: usize>(&'a [(&'a str, &'a str); N], &'a [Value; N]);

impl<const N: usize> serde::Serialize for InColumnOrder<'_, N> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut object = serializer.serialize_map(Some(N))?;
        for ((_, key), value) in self.0.iter().zip(self.1) {
            object.serialize_entry(key, value)?;
        }
        object.end()
    }
}

#[derive(Args)]
struct Listing {
    /// One JSON array of objects on stdout instead of columns, for scripts
    #[arg(long)]
    json: bool,
}

impl Listing {
    /// The rows on stdout: aligned columns under the headers for a person, or with `--json` an
    /// array of objects with the keys. A reader that stops early (`| head`) ends it quietly.
    fn print<const N: usize>(&self, fields: [(&str, &str); N], rows: Vec<[Value; N]>) -> anyhow::Result<()> {
        let text = if self.json {
            let objects: Vec<InColumnOrder<N>> = rows.iter().map(|row| InColumnOrder(&fields, row)).collect();
            serde_json::to_string_pretty(&objects)? + "\n"
        } else {
            let cell = |value: Value| match value {
                Value::String(text) => text,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            columns(fields.map(|(header, _)| header), rows.into_iter().map(|row| row.map(cell)))
        };
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            result => result.context("could not write to stdout"),
        }
    }
}

#[derive(Args)]
struct Database {
    /// SQLite database file (`serve` and `user add` create it if missing)
    #[arg(long, env = "KEYSTROKE_PLATFORM_DB", value_parser = database_path)]
    db: PathBuf,
}

/// `127.0.0.1:8080`, `[::1]:8080`, or a host name and port (`localhost:8080`), resolved to its
/// first address.
fn listen_address(value: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let example = "like `127.0.0.1:8080` or `localhost:8080`";
    match value.to_socket_addrs() {
        Ok(mut addresses) => addresses.next().ok_or_else(|| format!("`{value}` resolves to no address")),
        Err(error) => Err(format!("`{value}` is not an address and port to listen on, {example} ({error})")),
    }
}

/// The email of an existing user, as it is stored (lowercased), so that messages show it so.
fn existing_email(value: &str) -> Result<String, String> {
    Ok(admin::normalize_email(value))
}

/// `KEYSTROKE_PLATFORM_DB=` (set but empty) gets a message that names the variable, where clap's
/// own would only mention the `--db` flag nobody typed.
fn database_path(value: &str) -> Result<PathBuf, String> {
    if value.trim().is_empty() {
        return Err("the database path is empty: pass `--db FILE` or set `KEYSTROKE_PLATFORM_DB` to a file".into());
    }
    Ok(PathBuf::from(value))
}

impl Database {
    /// For `serve` and `user add`, the first steps of a new installation.
    fn open_or_create(&self) -> anyhow::Result<SqliteStorage> {
        let storage = SqliteStorage::open(&self.db)?;
        storage.require_writable()?;
        Ok(storage)
    }

    /// For commands that change something: a database this user may only read is named as such
    /// before anything is asked, rather than by SQLite's "attempt to write a readonly database".
    fn open_existing_to_change(&self) -> anyhow::Result<SqliteStorage> {
        let storage = self.open_existing()?;
        storage.require_writable()?;
        Ok(storage)
    }

    /// For commands that need users already there: a mistyped path is named as such, rather
    /// than made into an empty database that then has "no org" or "no user".
    fn open_existing(&self) -> anyhow::Result<SqliteStorage> {
        let path = self.db.display();
        match std::fs::metadata(&self.db) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "there is no database at {path}: check `--db` (or `KEYSTROKE_PLATFORM_DB`); `keystroke-platform user \
                 add` and `serve` create a new one"
            ),
            Err(e) => bail!("cannot read the database at {path}: {e}"),
            // A device such as `/dev/null` is empty too: `open` refuses it as what it is.
            Ok(file) if file.is_file() && file.len() == 0 => {
                bail!("{path} is an empty file, not a database with users: add the first user with `user add`")
            }
            Ok(_) => SqliteStorage::open(&self.db),
        }
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// List every user (on stdout, one per line, or as JSON)
    List {
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        listing: Listing,
    },
    /// Add a user; the password is read from stdin (or asked for on a terminal), never argv
    Add {
        #[command(flatten)]
        db: Database,
        /// The email they sign in with
        #[arg(long)]
        email: String,
        /// Their name, as people see it in the CLI and on the web pages
        #[arg(long)]
        name: String,
    },
    /// End every session of a user (CLI and web pages) at once; they must sign in again
    SignOut {
        #[command(flatten)]
        db: Database,
        /// The email they sign in with
        #[arg(long, value_parser = existing_email)]
        email: String,
    },
    /// Set a user's password (read from stdin, or asked for on a terminal); their sessions stay
    SetPassword {
        #[command(flatten)]
        db: Database,
        /// The email they sign in with
        #[arg(long, value_parser = existing_email)]
        email: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// List every org with its number of members (on stdout, one per line, or as JSON)
    List {
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        listing: Listing,
    },
    /// Create an org with its first owner
    Create {
        #[command(flatten)]
        db: Database,
        /// The org's short name in URLs and commands
        #[arg(
            long,
            allow_hyphen_values = true, // so that `--slug -acme` gets the slug rule, not "unexpected argument"
            long_help = format!("The org's short name in URLs and commands: {}", keystroke_api::ORG_SLUG_RULE)
        )]
        slug: String,
        /// The org's display name
        #[arg(long)]
        name: String,
        /// Email of an existing user who becomes the org's owner
        #[arg(long)]
        owner: String,
    },
}

#[derive(Subcommand)]
enum MemberCommand {
    /// List an org's members with their roles (on stdout, one per line, or as JSON)
    List(OrgListArgs),
    /// Add a user to an org
    Add {
        #[command(flatten)]
        member: MemberArgs,
        /// The role in the org: owner, admin or builder
        #[arg(long)]
        role: Role,
    },
    /// Change a member's role (their API keys follow at once)
    SetRole {
        #[command(flatten)]
        member: MemberArgs,
        /// The role in the org: owner, admin or builder
        #[arg(long)]
        role: Role,
    },
    /// Remove a member (their API keys stop working at once)
    Remove {
        #[command(flatten)]
        member: MemberArgs,
    },
}

#[derive(Args)]
struct MemberArgs {
    #[command(flatten)]
    db: Database,
    /// The org's slug
    #[arg(long)]
    org: String,
    /// Email of an existing user
    #[arg(long, value_parser = existing_email)]
    email: String,
}

/// The public URL goes into every sign-in link the platform hands out: an absolute http(s) URL
/// with a host, nothing else. Checked here rather than by clap, whose error would repeat it,
/// password included.
fn check_public_url(value: &str) -> anyhow::Result<String> {
    let value = value.trim();
    let uri: Option<axum::http::Uri> = value.parse().ok();
    let authority = uri.as_ref().and_then(|uri| uri.authority()).map(|authority| authority.as_str());
    if authority.is_some_and(|authority| authority.contains('@')) {
        bail!("`--public-url` holds a user name or password; leave them out");
    }
    // `Uri` drops a `#fragment` silently, and every link built on the URL would break.
    ensure!(!value.contains('#'), "`--public-url` {value} has a `#fragment`; leave it out");
    ensure!(
        uri.as_ref().is_none_or(|uri| uri.query().is_none()),
        "`--public-url` {value} has a `?query`; leave it out"
    );
    ensure!(
        authority.is_some() && matches!(uri.as_ref().and_then(|uri| uri.scheme_str()), Some("http" | "https")),
        "`--public-url` {value} is not an http:// or https:// URL with a host, like `https://keystroke.example.com`"
    );
    // The pages link and post to absolute paths (`/login`), and their cookies are for `/`.
    ensure!(
        uri.as_ref().is_none_or(|uri| matches!(uri.path(), "" | "/")),
        "`--public-url` {value} has a path; the platform is served at the root of its host name (a proxy may not \
         add a path prefix): give the URL of the host alone"
    );
    Ok(value.trim_end_matches('/').to_owned())
}

fn main() -> ExitCode {
    init_logging();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if keystroke_platform::storage::is_unavailable(&error) => {
            say!(
                "error: the database is locked by another process (a running command, an open `sqlite3` shell), \
                 and the command did not complete\nhint: try again in a moment"
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            say!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; `RUST_LOG` picks the level (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { db, bind, public_url, behind_proxy } => serve(&db.db, bind, public_url, behind_proxy),
        Command::Dev { port, db, credentials_file, seed_keys } => {
            dev(port, db.as_deref(), credentials_file.as_deref(), seed_keys)
        }
        Command::User(UserCommand::List { db, listing }) => {
            let users = db.open_existing()?.users()?;
            let rows = users.into_iter().map(|user| [user.email.into(), user.name.into()]).collect();
            listing.print([("EMAIL", "email"), ("NAME", "name")], rows)
        }
        Command::User(UserCommand::Add { db, email, name }) => {
            let password = read_password()?;
            // Refused input creates no database file, which would then pass for an installation.
            admin::check_new_user(&email, &name, &password)?;
            let user = admin::add_user(&db.open_or_create()?, &email, &name, &password)?;
            say!("Added user {} <{}> ({})", user.name, user.email, user.id);
            Ok(())
        }
        Command::User(UserCommand::SetPassword { db, email }) => {
            let storage = db.open_existing_to_change()?;
            let password = read_password()?;
            admin::set_password(&storage, &email, &password)?;
            say!(
                "Set a new password for {email}; their sessions already signed in stay valid: end them with \
                 `keystroke-platform user sign-out --email {email}`"
            );
            Ok(())
        }
        Command::User(UserCommand::SignOut { db, email }) => {
            let ended = admin::sign_out_everywhere(&db.open_existing_to_change()?, &email)?;
            let sessions = if ended == 1 { "session" } else { "sessions" };
            say!("Ended {ended} {sessions} of {email}; their API keys keep working (`member remove` ends those)");
            Ok(())
        }
        Command::Org(OrgCommand::List { db, listing }) => {
            let orgs = db.open_existing()?.orgs()?;
            let rows =
                orgs.into_iter().map(|(org, members)| [org.slug.into(), members.into(), org.name.into()]).collect();
            listing.print([("SLUG", "slug"), ("MEMBERS", "members"), ("NAME", "name")], rows)
        }
        Command::Org(OrgCommand::Create { db, slug, name, owner }) => {
            let org = admin::create_org(&db.open_existing_to_change()?, &slug, &name, &owner)?;
            say!("Created org `{}` ({}) owned by {owner}", org.slug, org.name);
            Ok(())
        }
        Command::Member(MemberCommand::List(OrgListArgs { db, org, listing })) => {
            let members = admin::members(&db.open_existing()?, &org)?;
            let rows =
                members.into_iter().map(|(user, role)| [user.email.into(), role.as_str().into(), user.name.into()]);
            listing.print([("EMAIL", "email"), ("ROLE", "role"), ("NAME", "name")], rows.collect())
        }
        Command::Audit(AuditCommand::List(OrgListArgs { db, org, listing })) => {
            let events = admin::audit_events(&db.open_existing()?, &org)?;
            let rows = events.into_iter().map(|event| {
                let at = keystroke_platform::state::to_datetime(event.created_at);
                let at = at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
                let detail = event.detail.map_or(Value::Null, Value::from);
                [at.into(), event.action.into(), event.actor_email.into(), event.target_id.into(), detail]
            });
            let fields = [
                ("TIME", "created_at"),
                ("ACTION", "action"),
                ("USER", "actor_email"),
                ("TARGET", "target_id"),
                ("DETAIL", "detail"),
            ];
            listing.print(fields, rows.collect())
        }
        Command::Member(MemberCommand::Add { member, role }) => {
            admin::add_member(&member.db.open_existing_to_change()?, &member.org, &member.email, role)?;
            say!("Added {} to `{}` as {role}", member.email, member.org);
            Ok(())
        }
        Command::Member(MemberCommand::SetRole { member, role }) => {
            admin::set_role(&member.db.open_existing_to_change()?, &member.org, &member.email, role)?;
            say!("{} is now {role} in `{}`", member.email, member.org);
            Ok(())
        }
        Command::Member(MemberCommand::Remove { member }) => {
            admin::remove_member(&member.db.open_existing_to_change()?, &member.org, &member.email)?;
            say!("Removed {} from `{}`; their API keys there no longer work", member.email, member.org);
            Ok(())
        }
    }
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
    let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    // Without a public URL, the one people are given is the listening address itself.
    let local_url = public_url.is_none()
        || host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
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

fn serve(db: &Path, bind: SocketAddr, public_url: Option<String>, behind_proxy: bool) -> anyhow::Result<()> {
    let is_new = keystroke_platform::storage::is_new_database(db);
    let storage = SqliteStorage::open(db)?;
    storage.require_writable()?;
    let storage: Arc<dyn Storage> = Arc::new(storage);
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
    let mut config = Config::new(Mode::Production);
    config.public_url = public_url.as_deref().map(check_public_url).transpose()?;
    config.behind_proxy = behind_proxy;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding {bind}"))?;
        let address = listener.local_addr()?;
        tracing::info!(%address, db = %db.display(), "keystroke platform listening");
        let public_url = config.public_url.as_deref();
        let warnings = [
            unreachable_sign_in_links(address, public_url, config.behind_proxy),
            plain_http_off_this_machine(address, public_url),
        ];
        for warning in warnings.into_iter().flatten() {
            tracing::warn!("{warning}");
        }
        server::serve(listener, storage, config, server::shutdown_signal()).await
    })?;
    tracing::info!("stopped");
    Ok(())
}

fn dev(port: u16, db: Option<&Path>, credentials_file: Option<&Path>, seed_keys: usize) -> anyhow::Result<()> {
    let dev = DevServer::start_with(([127, 0, 0, 1], port).into(), db, Config::new(Mode::Dev))?;
    if seed_keys > 0 {
        let owner = &dev.credentials.users[0].email;
        keystroke_platform::dev::seed_keys(dev.storage(), &dev.credentials.org, owner, seed_keys)?;
    }
    if let Some(path) = credentials_file {
        write_private(path, &serde_json::to_vec_pretty(&dev.credentials)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let db_label = match db {
        Some(path) => path.display().to_string(),
        None => "temporary (removed on exit)".to_owned(),
    };
    // Read by `| head`, the banner must not take the platform down once the reader has gone.
    let _ =
        write!(std::io::stdout(), "{}", banner(&dev.credentials, &db_label)).and_then(|()| std::io::stdout().flush());
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(server::shutdown_signal());
    drop(dev);
    say!("Stopped the dev platform.");
    Ok(())
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

/// Aligned columns two spaces apart under a header, for a person (scripts can split on runs of
/// spaces: only the last column, a name, may hold spaces). Names and emails were checked when
/// added: no control or direction-changing characters.
fn columns<const N: usize>(header: [&str; N], rows: impl IntoIterator<Item = [String; N]>) -> String {
    use unicode_width::UnicodeWidthStr;
    let rows: Vec<[String; N]> = rows.into_iter().collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let line = |cells: [&str; N]| {
        let mut line = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                // Padded by the columns a terminal shows, not by characters.
                line.push_str(&" ".repeat(width - cell.width() + 2));
            }
        }
        line.trim_end().to_owned() + "\n"
    };
    let mut lines = line(header);
    for row in &rows {
        lines.push_str(&line(row.each_ref().map(String::as_str)));
    }
    lines
}

fn read_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    anyhow::ensure!(!password.is_empty(), "no password given: pipe it on stdin or type it at the prompt");
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_on_screen_with_wide_characters() {
        let rows =
            [["日本@example.test".to_owned(), "Wide".to_owned()], ["a@example.test".to_owned(), "Narrow".to_owned()]];
        let text = columns(["EMAIL", "NAME"], rows);
        assert_eq!(text, "EMAIL              NAME\n日本@example.test  Wide\na@example.test     Narrow\n");
    }

    #[test]
    fn plain_http_is_flagged_unless_it_stays_on_this_machine() {
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let everywhere: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(plain_http_off_this_machine(loopback, None), None);
        assert_eq!(plain_http_off_this_machine(loopback, Some("http://localhost:8080")), None);
        assert_eq!(plain_http_off_this_machine("[::1]:8080".parse().unwrap(), None), None);
        assert_eq!(plain_http_off_this_machine(loopback, Some("http://[::1]:8080")), None);
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
