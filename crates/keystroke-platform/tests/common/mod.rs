//! A small HTTP harness over a real platform: a seeded `DevServer` on 127.0.0.1 port 0 with a
//! temporary SQLite file, spoken to with a real HTTP client.
#![allow(dead_code)]

use keystroke_api::{CreatedApiKey, Role};
use keystroke_platform::dev::DevServer;
use keystroke_platform::{Config, Mode};
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{Value, json};

/// How a request presents its credential.
#[derive(Clone, Copy)]
pub enum Cred<'a> {
    None,
    Bearer(&'a str),
    XApiKey(&'a str),
}

pub struct Harness {
    pub dev: DevServer,
    pub http: Client,
}

pub fn http_client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The platforms of the tests are on this machine, which a proxy the environment names (a
    // company network's) could not reach.
    Client::builder().no_proxy().build().expect("building the HTTP client")
}

impl Harness {
    pub fn start() -> Self {
        Harness { dev: DevServer::start().expect("starting the dev platform"), http: http_client() }
    }

    /// A platform with its configuration changed from dev's defaults.
    pub fn with_config(configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::new(Mode::Dev);
        configure(&mut config);
        let dev = DevServer::start_with(([127, 0, 0, 1], 0).into(), None, config).expect("starting the dev platform");
        Harness { dev, http: http_client() }
    }

    /// Everything of the platform's SQLite database on disk (the file, its WAL and shared
    /// memory), to search for what must never be stored.
    pub fn database_bytes(&self) -> String {
        let mut stored = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            stored.extend(std::fs::read(format!("{}{suffix}", self.dev.db_path.display())).unwrap_or_default());
        }
        assert!(stored.len() > 4096, "the database files were read");
        String::from_utf8_lossy(&stored).into_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.dev.url)
    }

    pub fn token(&self, role: Role) -> String {
        self.dev.user(role).session_token.clone()
    }

    pub fn send(&self, request: RequestBuilder, cred: Cred<'_>) -> Response {
        let request = match cred {
            Cred::None => request,
            Cred::Bearer(token) => request.bearer_auth(token),
            Cred::XApiKey(token) => request.header("x-api-key", token),
        };
        request.send().expect("the platform answers")
    }

    pub fn get(&self, path: &str, cred: Cred<'_>) -> Response {
        self.send(self.http.get(self.url(path)), cred)
    }

    pub fn post_json(&self, path: &str, cred: Cred<'_>, body: Value) -> Response {
        self.send(self.http.post(self.url(path)).json(&body), cred)
    }

    /// A sign-in form as its page sends it: opens `page` with `http`, then makes the POST of
    /// `fields` to `action` with the page's CSRF field and cookie, ready to send (or to add to).
    pub fn form_from_page(&self, http: &Client, page: &str, action: &str, fields: &[(&str, &str)]) -> RequestBuilder {
        self.form_from_page_with_session(http, page, action, fields, None)
    }

    /// [`Harness::form_from_page`] from a browser that holds a session cookie already.
    pub fn form_from_page_with_session(
        &self,
        http: &Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
        session: Option<&str>,
    ) -> RequestBuilder {
        let page = http.get(self.url(page)).send().expect("the platform answers");
        let csrf_cookie = cookie(&page, "ks_csrf").expect("the page sets a CSRF cookie");
        let csrf = hidden(&page.text().unwrap(), "csrf");
        let mut form = fields.to_vec();
        form.push(("csrf", &csrf));
        let mut cookies = format!("ks_csrf={csrf_cookie}");
        if let Some(session) = session {
            cookies.push_str(&format!("; ks_web={session}"));
        }
        http.post(self.url(action)).header("cookie", cookies).form(&form)
    }

    pub fn delete(&self, path: &str, cred: Cred<'_>) -> Response {
        self.send(self.http.delete(self.url(path)), cred)
    }

    /// Creates a key in `org` as the session `token`; panics unless the platform answers 201.
    pub fn create_key(&self, token: &str, org: &str, name: &str) -> CreatedApiKey {
        let response =
            self.post_json(&format!("/api/orgs/{org}/api-keys"), Cred::Bearer(token), json!({ "name": name }));
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().expect("a created key")
    }

    /// The org's audit trail but for its membership events (the seed's own `member.add`s).
    pub fn key_and_deploy_events(&self, org: &str) -> Vec<keystroke_platform::storage::AuditEvent> {
        let org_id = self.dev.storage().org_by_slug(org).unwrap().unwrap().id;
        let events = self.dev.storage().audit_events(&org_id).unwrap();
        events.into_iter().filter(|event| !event.action.starts_with("member.")).collect()
    }

    /// The status of `GET /api/projects` with this API key as a bearer token.
    pub fn projects_status(&self, key: &str) -> StatusCode {
        self.get("/api/projects", Cred::Bearer(key)).status()
    }
}

/// Status and JSON body of a response.
pub fn status_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().expect("a JSON body"))
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().expect("an error body")
}

/// The value of a cookie the response sets (a cleared cookie counts as none).
pub fn cookie(response: &Response, name: &str) -> Option<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        c.split(';').next()?.strip_prefix(&format!("{name}=")).map(str::to_owned).filter(|v| !v.is_empty())
    })
}

/// The value of a form's hidden field.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// A `keystroke-platform` process a test started: killed when dropped, so a test that fails
/// before stopping it does not leave a server running (one did, after a failed assertion).
pub struct Spawned(pub std::process::Child);

impl std::ops::Deref for Spawned {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Spawned {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // Nothing to do for one already waited for: std does not signal a reaped child.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
