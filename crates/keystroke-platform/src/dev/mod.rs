//! `keystroke-platform dev`: the whole platform on loopback in one command, with a seeded org
//! and users whose passwords and ready session tokens are printed, so anyone can try the CLI
//! (and tests can drive it) without setting anything up.

#[cfg(feature = "test-support")]
pub mod browser;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use keystroke_api::Role;
use serde::{Deserialize, Serialize};

use crate::admin;
use crate::clock::now;
use crate::server::BackgroundServer;
use crate::state::{Config, Mode};
use crate::storage::{SqliteStorage, Storage};
use crate::tokens::{KeyFor, TEST_KEY_PREFIX, new_api_key, random_base62};

/// The seeded world: org `acme` with an owner, an admin and a builder, and a second org
/// `globex` in which acme's owner is a builder, so that switching orgs can be tried; the admin
/// and the builder belong to `acme` alone.
pub const PRIMARY_ORG: (&str, &str) = ("acme", "Acme Inc");
pub const SECOND_ORG: (&str, &str) = ("globex", "Globex");
/// Globex's owner (email, name): not a dev sign-in, there so that the org has an owner.
const SECOND_ORG_OWNER: (&str, &str) = ("hedy@globex.test", "Hedy Lamarr");
const SEED_USERS: [(&str, &str, Role); 3] = [
    ("ada@acme.test", "Ada Lovelace", Role::Owner),
    ("alan@acme.test", "Alan Turing", Role::Admin),
    ("grace@acme.test", "Grace Hopper", Role::Builder),
];

/// What `dev` prints and writes with `--credentials-file`: everything a script needs to sign in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevCredentials {
    pub url: String,
    /// Slug of the primary org.
    pub org: String,
    pub users: Vec<DevUser>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct DevUser {
    pub email: String,
    pub name: String,
    /// Role in the primary org.
    pub role: Role,
    pub password: String,
    /// A ready CLI session: `keystroke auth login --with-token` reads it from stdin.
    pub session_token: String,
    /// Slugs of every org the user belongs to.
    pub orgs: Vec<String>,
}

impl std::fmt::Debug for DevUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevUser").field("email", &self.email).field("role", &self.role).finish_non_exhaustive()
    }
}

/// Seeds a fresh database, or on a database seeded before (`dev --db FILE` again) gives the
/// seeded users new passwords; either way returns credentials with fresh session tokens.
pub fn seed(storage: &dyn Storage, url: &str, session_ttl_secs: i64) -> anyhow::Result<DevCredentials> {
    let existing_users = storage.users()?;
    let fresh = existing_users.is_empty();
    let seed_users_present = seed_users_present(&existing_users);
    let has_primary_org = storage.org_by_slug(PRIMARY_ORG.0)?.is_some();
    // Anything but "empty" and "seeded by dev" is someone else's database: leave it alone.
    anyhow::ensure!(
        fresh || seeded_by_dev(has_primary_org, &existing_users),
        "this database was not made by `keystroke-platform dev` (it has {}, {seed_users_present} of the {} dev \
         users among them, and {} `{}`): give `dev --db` a new file, or run `keystroke-platform serve` on this one",
        match existing_users.len() {
            1 => "1 user".to_owned(),
            count => format!("{count} users"),
        },
        SEED_USERS.len(),
        if has_primary_org { "an org" } else { "no org" },
        PRIMARY_ORG.0,
    );
    let mut users = Vec::new();
    for (email, name, role) in SEED_USERS {
        let password = random_base62(20);
        if fresh {
            admin::add_user(storage, email, name, &password)?;
        } else {
            admin::set_password(storage, &admin::user(storage, email)?, &password)?;
        }
        users.push((email, name, role, password));
    }
    if fresh {
        let owner = SEED_USERS[0].0;
        admin::create_org(storage, PRIMARY_ORG.0, PRIMARY_ORG.1, owner)?;
        for (email, _, role, _) in &users[1..] {
            admin::add_member(storage, PRIMARY_ORG.0, email, *role)?;
        }
        // Ada is a builder in Globex, so her keys there show builder limits. Globex, like every
        // org, has an owner: Hedy, who is not one of the dev sign-ins.
        admin::add_user(storage, SECOND_ORG_OWNER.0, SECOND_ORG_OWNER.1, &random_base62(20))?;
        admin::create_org(storage, SECOND_ORG.0, SECOND_ORG.1, SECOND_ORG_OWNER.0)?;
        admin::add_member(storage, SECOND_ORG.0, owner, Role::Builder)?;
    } else {
        give_second_org_an_owner(storage)?;
    }
    let users = users
        .into_iter()
        .map(|(email, name, role, password)| {
            let orgs = storage.memberships_of(&storage.user_by_email(email)?.context("seeded user")?.user.id)?;
            Ok(DevUser {
                email: email.to_owned(),
                name: name.to_owned(),
                role,
                password,
                session_token: admin::issue_session(storage, email, session_ttl_secs)?,
                orgs: orgs.into_iter().map(|m| m.org.slug).collect(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(DevCredentials { url: url.to_owned(), org: PRIMARY_ORG.0.to_owned(), users })
}

/// Databases seeded before Globex had an owner of its own left it with none: give it Hedy.
fn give_second_org_an_owner(storage: &dyn Storage) -> anyhow::Result<()> {
    let Some(globex) = storage.org_by_slug(SECOND_ORG.0)? else { return Ok(()) };
    if storage.members_of(&globex.id)?.iter().any(|(_, role)| *role == Role::Owner) {
        return Ok(());
    }
    let (email, name) = SECOND_ORG_OWNER;
    if storage.user_by_email(email)?.is_none() {
        admin::add_user(storage, email, name, &random_base62(20))?;
    }
    admin::add_member(storage, SECOND_ORG.0, email, Role::Owner)?;
    Ok(())
}

/// How many of the dev users the database has.
fn seed_users_present(users: &[keystroke_api::User]) -> usize {
    SEED_USERS.iter().filter(|(email, _, _)| users.iter().any(|user| user.email == *email)).count()
}

/// Whether `dev` seeded this database: its org and every one of its users (whose addresses are
/// on `.test`, a domain no real person has). Its passwords and session tokens were printed on a
/// terminal, which is why `serve` refuses it.
pub fn made_by_dev(storage: &dyn Storage) -> anyhow::Result<bool> {
    Ok(seeded_by_dev(storage.org_by_slug(PRIMARY_ORG.0)?.is_some(), &storage.users()?))
}

/// [`made_by_dev`], from what [`seed`] has read already.
fn seeded_by_dev(has_primary_org: bool, users: &[keystroke_api::User]) -> bool {
    has_primary_org && seed_users_present(users) == SEED_USERS.len()
}

/// Adds `count` keys created by `email` to the org, in batched transactions, so that
/// pagination and the platform's behaviour with a large org can be tried (`dev --seed-keys`).
pub fn seed_keys(storage: &dyn Storage, org_slug: &str, email: &str, count: usize) -> anyhow::Result<()> {
    const BATCH: usize = 5_000;
    let org = storage.org_by_slug(org_slug)?.with_context(|| format!("no org `{org_slug}`"))?;
    let user = storage.user_by_email(email)?.with_context(|| format!("no user {email}"))?.user;
    let created_at = now();
    for start in (0..count).step_by(BATCH) {
        let batch: Vec<_> = (start..count.min(start + BATCH))
            .map(|i| {
                let key = KeyFor {
                    org_id: &org.id,
                    created_by: &user.id,
                    name: format!("seeded key {i}"),
                    created_at,
                    expires_at: None,
                };
                new_api_key(TEST_KEY_PREFIX, key).1
            })
            .collect();
        storage.insert_api_keys(&batch, None)?;
    }
    Ok(())
}

/// A temporary folder for a dev database that only its user can list, as the database files in it
/// are theirs only.
fn private_temporary_folder() -> anyhow::Result<tempfile::TempDir> {
    let mut folder = tempfile::Builder::new();
    #[cfg(unix)]
    folder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    folder.tempdir().context("creating a temporary folder for the database")
}

/// Where `dev` keeps its database.
pub enum DevDatabase {
    /// Without `--db`: a temporary folder, removed on exit.
    Temporary(tempfile::TempDir),
    /// `--db FILE`, kept.
    File(PathBuf),
}

impl DevDatabase {
    pub fn path(&self) -> PathBuf {
        match self {
            DevDatabase::Temporary(dir) => dir.path().join("keystroke-dev.db"),
            DevDatabase::File(path) => path.clone(),
        }
    }
}

/// A seeded dev platform on a background thread, for tests and for `keystroke-platform dev`.
pub struct DevServer {
    pub url: String,
    pub credentials: DevCredentials,
    pub db_path: PathBuf,
    server: BackgroundServer,
    _database: DevDatabase,
}

impl DevServer {
    /// On 127.0.0.1, any free port, a temporary database.
    pub fn start() -> anyhow::Result<Self> {
        Self::start_with(([127, 0, 0, 1], 0).into(), None, Config::new(Mode::Dev))
    }

    pub fn start_with(addr: SocketAddr, db: Option<&Path>, config: Config) -> anyhow::Result<Self> {
        Self::start_with_keys(addr, db, config, 0)
    }

    /// Like [`start_with`](Self::start_with), with `extra_keys` more keys of the owner's in the
    /// primary org ([`seed_keys`]), all there before the first request is served.
    pub fn start_with_keys(
        addr: SocketAddr,
        db: Option<&Path>,
        config: Config,
        extra_keys: usize,
    ) -> anyhow::Result<Self> {
        // Before the database is opened: a port that is taken leaves it as it was (not upgraded).
        let listener = BackgroundServer::bind(addr)?;
        let database = match db {
            Some(path) => DevDatabase::File(path.to_owned()),
            None => DevDatabase::Temporary(private_temporary_folder()?),
        };
        let db_path = database.path();
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_for_serving(&db_path)?);
        // Seeded (or refused, when it is not a dev database) before the first request is served:
        // a dev platform takes test keys and signs people in on its pages.
        let url = BackgroundServer::url(&listener, &config)?;
        let credentials = seed(storage.as_ref(), &url, config.session_ttl_secs).context("seeding the dev database")?;
        if extra_keys > 0 {
            let owner = &credentials.users[0].email;
            seed_keys(storage.as_ref(), &credentials.org, owner, extra_keys).context("adding the seeded keys")?;
        }
        let server = BackgroundServer::start_on(listener, storage, config)?;
        Ok(DevServer { url, credentials, db_path, server, _database: database })
    }

    pub fn storage(&self) -> &dyn Storage {
        self.server.storage.as_ref()
    }

    /// The seeded member of the primary org with this role.
    pub fn user(&self, role: Role) -> &DevUser {
        self.credentials.users.iter().find(|u| u.role == role).expect("every role is seeded")
    }

    /// Acts as the person at the browser: signs in on the approval page and approves `user_code`.
    #[cfg(feature = "test-support")]
    pub fn approve_device(&self, user_code: &str, email: &str, password: &str) -> anyhow::Result<()> {
        browser::decide(&self.url, user_code, email, password, "approve")
    }

    /// Like [`approve_device`](Self::approve_device), but presses Deny.
    #[cfg(feature = "test-support")]
    pub fn deny_device(&self, user_code: &str, email: &str, password: &str) -> anyhow::Result<()> {
        browser::decide(&self.url, user_code, email, password, "deny")
    }
}

/// The banner `dev` prints: clearly labelled, with every credential a person needs to try it.
pub fn banner(credentials: &DevCredentials, db: &str) -> String {
    let mut out = String::new();
    out.push_str("==> Keystroke platform running in DEV mode (never use it for real keys)\n\n");
    out.push_str(&format!("    URL:       {}\n", credentials.url));
    out.push_str(&format!("    Database:  {db}\n"));
    out.push_str(&format!("    Org:       {} (keys minted here start with key_test_)\n\n", credentials.org));
    for user in &credentials.users {
        out.push_str(&format!("    {:<8} {} ({})\n", user.role.as_str(), user.email, user.name));
        out.push_str(&format!("             password:      {}\n", user.password));
        out.push_str(&format!("             session token: {}\n", user.session_token));
        out.push_str(&format!("             orgs:          {}\n", user.orgs.join(", ")));
    }
    out.push_str("\n    Sign in the CLI as the owner:\n");
    out.push_str(&format!(
        "      echo <session token> | keystroke auth login --platform-url {} --with-token\n",
        credentials.url
    ));
    // Signed in without a terminal, a member of several orgs has no active one yet.
    if credentials.users.iter().any(|user| user.role == Role::Owner && user.orgs.len() > 1) {
        out.push_str(&format!(
            "      keystroke org switch {}   # the owner is in more than one org\n",
            credentials.org
        ));
    }
    out.push_str("\nPress Ctrl-C to stop.\n");
    out
}
