//! The command line: what each command takes, and the checks clap runs on the values.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Parser, Subcommand};
use keystroke_api::Role;
use keystroke_platform::SqliteStorage;
use keystroke_platform::storage::Timestamp;

use crate::listing::Listing;

#[derive(Parser)]
#[command(name = "keystroke-platform", version, about = "The Keystroke platform API server")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Revoke any org's API keys, as the operator (a leaked key, whose org's owners are away)
    #[command(subcommand)]
    Key(KeyCommand),
    /// Copy the database to a new file only you can read, consistent even while `serve` runs
    /// (a copy of the file alone misses what is still in its `-wal`)
    Backup {
        #[command(flatten)]
        db: Database,
        /// The new file
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// List an org's audit events, oldest first (key creations and revocations, deploys,
    /// membership changes), on stdout, one per line, or as JSON
    List {
        #[command(flatten)]
        list: OrgListArgs,
        /// Only the events at or after this: a date (`2026-11-28`, UTC), a time
        /// (`2026-11-28T09:30:00Z`), or an age (`90min`, `24h`, `7d`, `6mo`)
        #[arg(long, value_name = "WHEN", value_parser = since)]
        since: Option<Timestamp>,
    },
}

/// `--since`: a date, an RFC 3339 time, or an age (`90min`, `24h`, `7d`, `2w`, `6mo`), as a
/// timestamp. An age's units are the CLI's `--expires-in`'s: `6m`, six minutes to some and six
/// months to others, is refused here as it is there, not read as the fewer events.
fn since(value: &str) -> Result<Timestamp, String> {
    since_at(value, keystroke_platform::clock::now())
}

/// [`since`], an age counted back from `now`.
fn since_at(value: &str, now: Timestamp) -> Result<Timestamp, String> {
    use keystroke_api::{DurationUnit, ambiguous_unit, duration_unit};
    use time::format_description::well_known::Rfc3339;
    const EXPECTED: &str =
        "expected a date (2026-11-28), a time (2026-11-28T09:30:00Z) or an age (90min, 24h, 7d, 6mo)";
    let value = value.trim();
    let digits = value.len() - value.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (count, unit) = value.split_at(digits);
    let unit = unit.trim_start();
    if !count.is_empty() && !unit.is_empty() && unit.chars().all(|c| c.is_ascii_alphabetic()) {
        let unit_secs = match duration_unit(unit) {
            DurationUnit::Seconds(seconds) => seconds,
            DurationUnit::Ambiguous => return Err(ambiguous_unit(unit)),
            DurationUnit::TooFine | DurationUnit::Unknown => return Err(format!("`{unit}` is not a unit; {EXPECTED}")),
        };
        let age = count.parse::<u64>().ok().and_then(|count| count.checked_mul(unit_secs));
        let since = age.and_then(|age| i64::try_from(age).ok()).and_then(|age| now.checked_sub(age));
        return since.ok_or_else(|| format!("`{value}` reaches back before any date; {EXPECTED}"));
    }
    if let Ok(at) = time::OffsetDateTime::parse(value, &Rfc3339) {
        return Ok(at.unix_timestamp());
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(value, &date_format) {
        return Ok(date.midnight().assume_utc().unix_timestamp());
    }
    // A time without its zone: which one it meant cannot be guessed.
    if time::PrimitiveDateTime::parse(
        value,
        &time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    )
    .is_ok()
    {
        return Err(format!("`{value}` has no time zone: add `Z` for UTC, or its offset (`+01:00`)"));
    }
    Err(EXPECTED.to_owned())
}

/// What a list of one org's records takes.
#[derive(Args)]
pub(crate) struct OrgListArgs {
    #[command(flatten)]
    pub(crate) db: Database,
    /// The org's slug
    #[arg(long)]
    pub(crate) org: String,
    #[command(flatten)]
    pub(crate) listing: Listing,
}

#[derive(Args)]
pub(crate) struct Database {
    /// SQLite database file (made by `serve` or the first `user add`; the other commands need it to exist)
    #[arg(long, env = "KEYSTROKE_PLATFORM_DB", value_parser = database_path)]
    pub(crate) db: PathBuf,
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

/// `KEYSTROKE_PLATFORM_DB=` (set but empty) gets a message that names the variable, where clap's
/// own would only mention the `--db` flag nobody typed.
fn database_path(value: &str) -> Result<PathBuf, String> {
    if value.trim().is_empty() {
        return Err("the database path is empty: pass `--db FILE` or set `KEYSTROKE_PLATFORM_DB` to a file".into());
    }
    Ok(PathBuf::from(value))
}

impl Database {
    /// For `user add`, the first step of a new installation (as `serve`'s
    /// [`SqliteStorage::open_for_serving`]).
    pub(crate) fn open_or_create(&self) -> anyhow::Result<SqliteStorage> {
        let storage = SqliteStorage::open(&self.db)?;
        storage.require_writable()?;
        Ok(storage)
    }

    /// For commands that change something: a database this user may only read is named as such
    /// before anything is asked, rather than by SQLite's "attempt to write a readonly database".
    pub(crate) fn open_existing_to_change(&self) -> anyhow::Result<SqliteStorage> {
        let storage = self.open_existing()?;
        storage.require_writable()?;
        Ok(storage)
    }

    /// For commands that need a database made already: a mistyped path is named as such, rather
    /// than made into an empty database that then has "no org" or "no user".
    pub(crate) fn open_existing(&self) -> anyhow::Result<SqliteStorage> {
        self.check_existing()?;
        SqliteStorage::open(&self.db)
    }

    /// That `--db` leads to a platform's database (a file with its schema, users or not), before
    /// anything opens it.
    pub(crate) fn check_existing(&self) -> anyhow::Result<()> {
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
            Ok(_) if keystroke_platform::storage::is_empty_database(&self.db) => bail!(
                "{path} is an empty SQLite database, not one with users (it was left as it is): check `--db`, or add \
                 the first user with `user add`"
            ),
            Ok(_) => Ok(()),
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum UserCommand {
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
        /// Their name, as the CLI shows it (`auth status`, `org members`); the web pages show emails
        #[arg(long)]
        name: String,
    },
    /// End every session of a user (CLI and web pages) at once; they must sign in again
    SignOut {
        #[command(flatten)]
        db: Database,
        /// The email they sign in with
        #[arg(long)]
        email: String,
    },
    /// Set a user's password (read from stdin, or asked for on a terminal); their sessions stay
    SetPassword {
        #[command(flatten)]
        db: Database,
        /// The email they sign in with
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum OrgCommand {
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
pub(crate) enum KeyCommand {
    /// Revoke an API key at once, by its id or, with `--leaked`, by its secret read from stdin;
    /// the org's audit trail records it as the operator's
    Revoke {
        #[command(flatten)]
        db: Database,
        /// The key's id (`ak_…`), as `keystroke api-key list` and `audit list` show it
        #[arg(required_unless_present = "leaked", conflicts_with = "leaked")]
        id: Option<String>,
        /// Read the key's secret from stdin (asked for, unseen, on a terminal) and revoke the key
        /// it belongs to: for a leaked secret whose key you cannot name; never put it in argv
        #[arg(long)]
        leaked: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum MemberCommand {
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
pub(crate) struct MemberArgs {
    #[command(flatten)]
    pub(crate) db: Database,
    /// The org's slug
    #[arg(long)]
    pub(crate) org: String,
    /// Email of an existing user
    #[arg(long)]
    pub(crate) email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An age reads as the CLI's `--expires-in` reads a lifetime: the same units, `m` refused.
    #[test]
    fn since_reads_ages_in_the_clis_units() {
        let now = 1_795_824_000;
        let since = |value: &str| since_at(value, now);
        let ago = |value: &str| since(value).map(|at| now - at);
        assert_eq!(ago("90min"), Ok(90 * 60));
        assert_eq!(ago("24h"), Ok(24 * 3_600));
        assert_eq!(ago("7 days"), Ok(7 * 86_400));
        assert_eq!(ago("2w"), Ok(14 * 86_400));
        assert_eq!(ago("6mo"), Ok(180 * 86_400));
        assert_eq!(ago("1y"), Ok(365 * 86_400));
        assert_eq!(since("6m"), Err("`m` is ambiguous: write `min` for minutes or `mo` for months".to_owned()));
        assert!(since("5x").unwrap_err().starts_with("`x` is not a unit; expected a date"));
        assert!(since("99999999999999999999y").unwrap_err().starts_with("`99999999999999999999y` reaches back before"));
        assert_eq!(since("2026-11-28"), Ok(1_795_824_000));
        assert_eq!(since("2026-11-28T09:30:00+01:00"), Ok(1_795_824_000 + 8 * 3_600 + 30 * 60));
        assert_eq!(
            since("2026-11-28T09:30:00"),
            Err("`2026-11-28T09:30:00` has no time zone: add `Z` for UTC, or its offset (`+01:00`)".to_owned())
        );
        assert!(since("last week").unwrap_err().starts_with("expected a date"));
    }
}
