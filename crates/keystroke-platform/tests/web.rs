//! Settings > API keys, the web page of `doc/api-keys.md` ("create, copy, review, and revoke keys
//! for the active organization"), driven over HTTP as a browser would, against a real platform.

mod common;

use common::{Cred, Harness, cookie, hidden, http_client};
use keystroke_api::Role;
use keystroke_platform::dev::DevServer;
use keystroke_platform::{Config, Mode};
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;
use serde_json::json;

/// A browser that does not follow redirects, so each step can be checked.
struct Browser<'a> {
    h: &'a Harness,
    http: Client,
    session: Option<String>,
}

/// A client that, like a browser's page, sees each redirect rather than following it.
fn browser_client() -> Client {
    let _ = http_client(); // installs the TLS crypto provider every client needs
    Client::builder().no_proxy().redirect(Policy::none()).build().unwrap()
}

impl<'a> Browser<'a> {
    fn new(h: &'a Harness) -> Self {
        Browser { h, http: browser_client(), session: None }
    }

    fn get(&self, path: &str) -> Response {
        let mut request = self.http.get(self.h.url(path));
        if let Some(session) = &self.session {
            request = request.header("cookie", format!("ks_web={session}"));
        }
        request.send().unwrap()
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut request = self.http.post(self.h.url(path)).form(form);
        if let Some(session) = &self.session {
            request = request.header("cookie", format!("ks_web={session}"));
        }
        request.send().unwrap()
    }

    fn sign_in(&mut self, role: Role) {
        let user = self.h.dev.user(role);
        let fields = [("email", &*user.email), ("password", &user.password), ("next", "/settings/api-keys")];
        let (page, action) = ("/login?next=/settings/api-keys", "/login");
        let form = self.h.form_from_page_with_session(&self.http, page, action, &fields, self.session.as_deref());
        let response = form.send().unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/settings/api-keys");
        self.session = Some(cookie(&response, "ks_web").expect("a session cookie"));
    }

    /// The list page and its CSRF token.
    fn list(&self, org: &str) -> (String, String) {
        let page = self.get(&format!("/settings/api-keys?org={org}"));
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().unwrap();
        let csrf = hidden(&html, "csrf");
        (html, csrf)
    }

    /// Creates a key on the page; returns (id, secret) read off the reveal page.
    fn create(&self, org: &str, name: &str) -> (String, String) {
        let (_, csrf) = self.list(org);
        let response =
            self.post("/settings/api-keys", &[("org", org), ("name", name), ("expires_in_days", ""), ("csrf", &csrf)]);
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let html = response.text().unwrap();
        assert!(html.contains("shown only once"), "{html}");
        // The field is described by the warning, and the Copy button's outcome is announced.
        assert!(html.contains(r#"aria-describedby="once""#) && html.contains(r#"<span id="copied" role="status">"#));
        // The page is the dialog: focus starts on the secret, which no spell checker underlines.
        assert!(html.contains(r#"readonly value="key_"#) && html.contains(r#"spellcheck="false" autofocus"#), "{html}");
        // Which org, for someone in several: the key acts only there.
        assert!(html.contains(&format!("</code>) in <strong>{org}</strong>")), "{html}");
        let secret = html.split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let id = html.split("” (<code>").nth(1).unwrap().split('<').next().unwrap().to_owned();
        (id, secret)
    }
}

/// A sign-in on the web pages lasts its time from the moment it is made, in use or not (README:
/// 15 minutes; 8 s here), then the page asks for the password again.
#[test]
fn a_web_sign_in_ends_at_its_time_even_in_use() {
    use std::time::Duration;
    let h = Harness::with_config(|config| config.web_session_ttl_secs = 8);
    let mut browser = Browser::new(&h);
    browser.sign_in(Role::Admin);
    std::thread::sleep(Duration::from_secs(3));
    browser.list("acme"); // in use: had that extended it, it would last until 11 s
    std::thread::sleep(Duration::from_secs(6));
    let ended = browser.get("/settings/api-keys?org=acme");
    assert_eq!(ended.status(), StatusCode::SEE_OTHER, "use did not extend it");
    assert_eq!(ended.headers()["location"], "/login?next=/settings/api-keys%3Forg%3Dacme");
    assert_eq!(Config::new(Mode::Production).web_session_ttl_secs, 15 * 60);
}

#[test]
fn create_copy_review_and_revoke_keys_on_the_settings_page() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    let not_signed_in = browser.get("/settings/api-keys");
    assert_eq!(not_signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(not_signed_in.headers()["location"], "/login?next=/settings/api-keys");

    browser.sign_in(Role::Admin);
    let minute = || keystroke_api::utc_minute(time::OffsetDateTime::now_utc());
    let before = minute();
    let (id, secret) = browser.create("acme", "Production automation");
    let after = minute();
    assert!(secret.starts_with("key_test_") && id.starts_with("ak_"));
    assert_eq!(h.projects_status(&secret), StatusCode::OK, "the copied secret works");

    let (html, csrf) = browser.list("acme");
    assert!(html.contains("Production automation") && html.contains(&id));
    assert!(
        html.contains(&format!("{}…{}", &secret[..13], &secret[secret.len() - 10..secret.len() - 6])),
        "the preview"
    );
    assert!(!html.contains(&secret[9..41]), "the list never shows the secret again");
    let header = "<tr><th>Name</th><th>Key preview</th><th>Created at</th><th>Created by</th><th>Last used</th>\
                  <th>Expires</th><th>Action</th></tr>";
    assert!(html.contains(header), "every column named: {html}");
    assert!(html.contains(&format!("<td>{before}</td>")) || html.contains(&format!("<td>{after}</td>")), "{html}");
    assert!(html.contains("<td>alan@acme.test</td>"), "{html}");

    // The list's button asks first, naming the key; only the confirmation revokes.
    let asked = browser.post("/settings/api-keys/revoke", &[("org", "acme"), ("id", &id), ("csrf", &csrf)]);
    assert_eq!(asked.status(), StatusCode::OK);
    let question = asked.text().unwrap();
    assert!(
        question.contains("Revoke API key “<bdi>Production automation</bdi>”?") && question.contains(&id),
        "{question}"
    );
    assert!(question.contains(r#"name="confirmed" value="yes""#) && question.contains("Cancel"), "{question}");
    assert_eq!(h.projects_status(&secret), StatusCode::OK, "asking revokes nothing");
    let not_yes = browser
        .post("/settings/api-keys/revoke", &[("org", "acme"), ("id", &id), ("csrf", &csrf), ("confirmed", "no")]);
    assert!(
        not_yes.text().unwrap().contains("Revoke API key “<bdi>Production automation</bdi>”?"),
        "anything but yes asks again"
    );
    assert_eq!(h.projects_status(&secret), StatusCode::OK, "asking again revokes nothing");
    let confirmed = [("org", "acme"), ("id", id.as_str()), ("csrf", csrf.as_str()), ("confirmed", "yes")];
    let revoked = browser.post("/settings/api-keys/revoke", &confirmed);
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(h.projects_status(&secret), StatusCode::UNAUTHORIZED, "revoked at once");
    let (html, _) = browser.list("acme");
    assert!(!html.contains(&id));
    // Sent again (a double click on Revoke): revoked, as asked, by the first; said so on the list.
    let again = browser.post("/settings/api-keys/revoke", &confirmed);
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()["location"], "/settings/api-keys?org=acme");
    let said = again.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(said.starts_with(&format!("ks_revoked={id};")), "{said}");
    // Revoke pressed on a list from before (another tab revoked it): the list says it is revoked.
    let stale_list = browser.post("/settings/api-keys/revoke", &[("org", "acme"), ("id", &id), ("csrf", &csrf)]);
    assert_eq!(stale_list.status(), StatusCode::SEE_OTHER);
    assert!(stale_list.headers()["set-cookie"].to_str().unwrap().starts_with(&format!("ks_revoked={id};")));
    // A key that is not there at all is still not found, on a page that leads back.
    let unknown = [("org", "acme"), ("id", "ak_000000000000000000zz"), ("csrf", csrf.as_str()), ("confirmed", "yes")];
    let unknown = browser.post("/settings/api-keys/revoke", &unknown);
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let unknown = unknown.text().unwrap();
    assert!(unknown.contains(r#"<a href="/settings/api-keys">Back to API keys</a>"#), "{unknown}");
    assert!(
        unknown.contains("No active API key <code>ak_000000000000000000zz</code> in org <code>acme</code>"),
        "{unknown}"
    );

    // A key past its expiry is still listed (until revoked), marked as refused.
    let brief = json!({"name": "brief", "expires_in_seconds": 1});
    assert_eq!(h.post_json("/api/orgs/acme/api-keys", Cred::Bearer(&h.token(Role::Admin)), brief).status(), 201);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (html, _) = browser.list("acme");
    let row = html.lines().find(|line| line.contains("<td><bdi>brief</bdi><br>")).expect("the expired key is listed");
    assert!(row.contains(" UTC (expired)</td>"), "{row}");
}

#[test]
fn the_page_follows_the_role_rules_and_wants_its_csrf_token() {
    let h = Harness::start();
    let mut admin = Browser::new(&h);
    admin.sign_in(Role::Admin);
    let (admins_key, admins_secret) = admin.create("acme", "admin's");
    let mut builder = Browser::new(&h);
    builder.sign_in(Role::Builder);
    let (builders_key, _) = builder.create("acme", "builder's");

    let (html, csrf) = builder.list("acme");
    assert!(html.contains(&builders_key) && !html.contains(&admins_key), "builders see their own keys");
    assert!(!html.contains("<th>Created by</th>"));
    assert!(html.contains(
        "<caption id=\"keys\">Your keys in this organization (as a builder you see only the keys you created)"
    ));
    // A table wider than the screen scrolls on its own, named by its caption, reachable by keyboard.
    let table = r#"<div class="scrolls" role="region" aria-labelledby="keys" tabindex="0"><table>"#;
    let listed = admin.list("acme").0;
    assert!(listed.contains(&format!("{table}\n<caption id=\"keys\">Keys of this organization</caption>")));
    for confirmed in ["", "yes"] {
        let form = [("org", "acme"), ("id", admins_key.as_str()), ("csrf", csrf.as_str()), ("confirmed", confirmed)];
        let refused = builder.post("/settings/api-keys/revoke", &form);
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{confirmed:?}");
    }
    assert_eq!(h.projects_status(&admins_secret), StatusCode::OK);

    let (_, admin_csrf) = admin.list("acme");
    // A token that is not this session's (what a page of an earlier sign-in sends) does nothing:
    // the revoke is asked again, on a page of this session, saying that nothing was revoked.
    for csrf in ["", "forged", &csrf] {
        let forged = admin.post(
            "/settings/api-keys/revoke",
            &[("org", "acme"), ("id", &admins_key), ("csrf", csrf), ("confirmed", "yes")],
        );
        assert_eq!(forged.status(), StatusCode::OK, "csrf {csrf:?}");
        let page = forged.text().unwrap();
        assert!(page.contains("Nothing was revoked yet: that page was from a sign-in that ended."), "{page}");
        assert!(page.contains(&format!(r#"name="csrf" value="{admin_csrf}""#)), "this session's token: {page}");
    }
    assert_eq!(h.projects_status(&admins_secret), StatusCode::OK, "nothing was revoked");
    let created = admin.post("/settings/api-keys", &[("org", "acme"), ("name", "x"), ("csrf", "forged")]);
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(created.headers()["location"], "/settings/api-keys?org=acme&name=x&expires_in_days=");
    assert!(!admin.list("acme").0.contains(">x<"), "nothing was created");
    // With the right token, but from a page of another site, as the browser says (Fetch Metadata).
    let keys_before = h.dev.storage().audit_events(&h.dev.storage().org_by_slug("acme").unwrap().unwrap().id).unwrap();
    for (site, status) in [("cross-site", StatusCode::FORBIDDEN), ("same-origin", StatusCode::CREATED)] {
        let form = [("org", "acme"), ("name", site), ("expires_in_days", ""), ("csrf", admin_csrf.as_str())];
        let sent = admin.http.post(h.url("/settings/api-keys")).form(&form).header("sec-fetch-site", site);
        let sent = sent.header("cookie", format!("ks_web={}", admin.session.as_deref().unwrap())).send().unwrap();
        assert_eq!(sent.status(), status, "{site}");
        let page = sent.text().unwrap();
        assert_eq!(page.contains("sent from another website"), status == StatusCode::FORBIDDEN, "{site}: {page}");
    }
    let keys_after = h.dev.storage().audit_events(&h.dev.storage().org_by_slug("acme").unwrap().unwrap().id).unwrap();
    assert_eq!(keys_after.len(), keys_before.len() + 1, "the same-origin form alone made a key");
    // No token at all: the same refusal page, not a form-parsing error.
    let missing = admin.post("/settings/api-keys/revoke", &[("org", "acme"), ("id", &admins_key)]);
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(missing.text().unwrap().contains("<html"), "an HTML page");
    // Nor any other field, nor a body at all: still the page, not a parsing error in plain text.
    for path in ["/login", "/device", "/settings/api-keys", "/settings/api-keys/revoke", "/logout"] {
        let empty = admin.post(path, &[]);
        assert_eq!(empty.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(empty.text().unwrap().contains("Request refused"), "{path}");
        let bodiless = admin.http.post(h.url(path)).send().unwrap();
        assert_eq!(bodiless.status(), StatusCode::FORBIDDEN, "{path} without a body");
    }
    assert_eq!(h.projects_status(&admins_secret), StatusCode::OK, "nothing was revoked");
    let (html, _) = admin.list("acme");
    assert!(!html.contains(">x<"), "nothing was created");
    let huge = admin.post(
        "/settings/api-keys",
        &[("org", "acme"), ("name", "x"), ("expires_in_days", "1000000000000000"), ("csrf", &admin_csrf)],
    );
    assert_eq!(huge.status(), StatusCode::UNPROCESSABLE_ENTITY, "an absurd expiry is refused, not overflowed");
    // Back on the list, the form as it was typed, and why.
    let huge = huge.text().unwrap();
    assert!(
        huge.contains("<h1>API keys</h1>")
            && huge.contains(r#"name="name" required placeholder="Production automation" value="x""#),
        "{huge}"
    );
    // The refused field is marked, points at the reason and has the focus; the other is not.
    let marked = r#"aria-invalid="true" aria-describedby="problem" autofocus"#;
    assert!(huge.contains(&format!(r#"value="1000000000000000" {marked}>"#)), "{huge}");
    assert_eq!(huge.matches("aria-invalid").count(), 1, "{huge}");
    assert!(
        huge.contains(
            r#"<p class="error" id="problem" role="alert">Expiry must be a whole number of days from 1 to 3650"#
        ),
        "{huge}"
    );

    let not_member = builder.get("/settings/api-keys?org=globex");
    assert_eq!(not_member.status(), StatusCode::NOT_FOUND);
    let (_, csrf) = builder.list("acme");
    let long = "x".repeat(101);
    let too_long = builder.post("/settings/api-keys", &[("org", "acme"), ("name", &long), ("csrf", &csrf)]);
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let too_long = too_long.text().unwrap();
    assert!(too_long.contains("the limit is 100") && too_long.contains(&format!(r#"value="{long}""#)), "kept as typed");
    assert!(too_long.contains(&format!(r#"value="{long}" {marked}>"#)), "the name is the field marked");
    assert!(
        too_long.contains(">The API key name is 101 characters long; the limit is 100.</p>"),
        "a sentence: {too_long}"
    );
    // The limit is in characters, as the API counts them: 100 emoji are 200 UTF-16 units, which a
    // `maxlength` (counted in those) would have cut to 50 in the browser.
    let keys = "🔑".repeat(100);
    let created = builder.post("/settings/api-keys", &[("org", "acme"), ("name", &keys), ("csrf", &csrf)]);
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(created.text().unwrap().contains(&keys));
    assert!(!builder.list("acme").0.contains("maxlength"));
    // What comes back into the form is escaped like everything else.
    let hostile = "\"><script>alert(1)</script>\u{202E}";
    let refused = builder.post("/settings/api-keys", &[("org", "acme"), ("name", hostile), ("csrf", &csrf)]);
    let refused = refused.text().unwrap();
    assert!(
        refused.contains(r#"value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"#) && !refused.contains("<script>")
    );
}

#[test]
fn the_page_pages_both_ways_and_explains_a_builders_empty_list() {
    let h = Harness::start();
    let mut builder = Browser::new(&h);
    builder.sign_in(Role::Builder);
    keystroke_platform::dev::seed_keys(h.dev.storage(), "acme", &h.dev.user(Role::Owner).email, 60).unwrap();
    let (html, _) = builder.list("acme");
    assert!(html.contains("You have no API keys here. As a builder you see only the keys you created."));

    // 130 keys: pages of 50, 50 and 30.
    keystroke_platform::dev::seed_keys(h.dev.storage(), "acme", &h.dev.user(Role::Owner).email, 70).unwrap();
    let mut owner = Browser::new(&h);
    owner.sign_in(Role::Owner);
    let link = |html: &str, text: &str| {
        let link = html.split("<a href=\"").find(|link| link.contains(&format!("\">{text}</a>")))?;
        Some(link.split('"').next().unwrap().replace("&amp;", "&"))
    };
    let ids = |html: &str| -> Vec<String> {
        html.split("<code>ak_").skip(1).map(|rest| format!("ak_{}", rest.split('<').next().unwrap())).collect()
    };
    let (first, _) = owner.list("acme");
    assert_eq!((link(&first, "← Newer keys"), link(&first, "« Newest keys")), (None, None), "the first links onward");
    let second = owner.get(&link(&first, "Older keys →").expect("a second page")).text().unwrap();
    assert_eq!(link(&second, "← Newer keys").as_deref(), Some("/settings/api-keys?org=acme"), "back to the first");
    assert_eq!(link(&second, "« Newest keys"), None, "the newer page is the newest");
    let third = owner.get(&link(&second, "Older keys →").expect("a third page")).text().unwrap();
    assert_eq!(link(&third, "Older keys →"), None, "130 keys make three pages");
    assert_eq!(link(&third, "« Newest keys").as_deref(), Some("/settings/api-keys?org=acme"));
    let back = owner.get(&link(&third, "← Newer keys").expect("a way back")).text().unwrap();
    assert_eq!((ids(&back).len(), ids(&third).len()), (50, 30));
    assert_eq!(ids(&back), ids(&second), "one page back is the page before");
}

#[test]
fn names_are_escaped_notices_cannot_be_forged_and_sign_out_ends_the_session() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    browser.sign_in(Role::Owner);
    let (id, _) = browser.create("acme", "<script>alert(1)</script>\"'");
    let (html, csrf) = browser.list("acme");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;") && !html.contains("<script>"), "{html}");

    let asked = browser.post("/settings/api-keys/revoke", &[("org", "acme"), ("id", &id), ("csrf", &csrf)]).text();
    let asked = asked.unwrap();
    assert!(
        asked.contains("“<bdi>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;</bdi>”?") && !asked.contains("<script>"),
        "{asked}"
    );
    let confirmed = [("org", "acme"), ("id", id.as_str()), ("csrf", csrf.as_str()), ("confirmed", "yes")];
    let revoked = browser.post("/settings/api-keys/revoke", &confirmed);
    let location = revoked.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/settings/api-keys?org=acme");
    // The notice rides on a same-site cookie, shown once.
    let flash = cookie(&revoked, "ks_revoked").expect("the id of the key just revoked");
    assert_eq!(flash, id);
    let with_flash = |value: &str| {
        let cookies = format!("ks_web={}; ks_revoked={value}", browser.session.as_deref().unwrap());
        browser.http.get(h.url(&location)).header("cookie", cookies).send().unwrap()
    };
    let shown = with_flash(&flash);
    let cleared = shown.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("ks_revoked=;"));
    assert!(cleared, "cleared once shown: {:?}", shown.headers());
    // Named, its name escaped, and announced to a screen reader.
    let notice = format!(
        "<p class=\"notice\" role=\"status\">Revoked API key <code>{id}</code> \
         (<bdi>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;</bdi>). Requests using it now fail.</p>"
    );
    assert!(shown.text().unwrap().contains(&notice));
    assert!(!with_flash("every key you own").text().unwrap().contains("Revoked API key"), "only an id");
    // A link cannot claim a revocation: the old query parameter says nothing any more.
    let (live, _) = browser.create("acme", "still live");
    let forged = browser.get(&format!("/settings/api-keys?org=acme&revoked={live}")).text().unwrap();
    assert!(!forged.contains("Revoked API key"), "{forged}");

    let session = browser.session.clone().unwrap();
    let (_, csrf) = browser.list("acme");
    // Typed into the address bar, /logout shows the button; only its POST signs out.
    let page = browser.get("/logout");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().unwrap().contains(&format!("name=\"csrf\" value=\"{csrf}\"")));
    assert_eq!(browser.get("/settings/api-keys").status(), StatusCode::OK, "still signed in");
    // A stale or forged token: nothing done, and the page says so, with the button to do it.
    let stale = browser.post("/logout", &[("csrf", "forged")]);
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    let stale = stale.text().unwrap();
    assert!(stale.contains("You are still signed in: that page was from an earlier sign-in."), "{stale}");
    assert!(stale.contains("<p>Signed in as <strong>ada@acme.test</strong>.</p>"), "{stale}");
    assert!(stale.contains(&format!("name=\"csrf\" value=\"{csrf}\"")), "{stale}");
    let signed_out = browser.post("/logout", &[("csrf", &csrf)]);
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    browser.session = Some(session);
    assert_eq!(browser.get("/settings/api-keys").status(), StatusCode::SEE_OTHER, "the old cookie no longer signs in");
}

/// The form sent again (Reload on the page with the secret, Back and send, a double click) makes
/// no second key: each page's form has an id of its own, acted on once. A double click shows the
/// second answer only, so it names the key the first made, to revoke if its secret went unseen.
#[test]
fn a_create_form_sent_twice_makes_one_key_and_names_it() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    browser.sign_in(Role::Admin);
    let (page, csrf) = browser.list("acme");
    let form_id = hidden(&page, "form_id");
    let form =
        [("org", "acme"), ("name", "Sent twice"), ("expires_in_days", ""), ("csrf", &csrf), ("form_id", &form_id)];
    let first = browser.post("/settings/api-keys", &form);
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = first.text().unwrap();
    let id = first.split("” (<code>").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let again = browser.post("/settings/api-keys", &form);
    assert_eq!(again.status(), StatusCode::OK);
    let again = again.text().unwrap();
    let named = format!("That form was sent already: it created API key <code>{id}</code> (“<bdi>Sent twice</bdi>”)");
    assert!(again.contains(&named), "{again}");
    let revoke_link = format!(r#"<a href="/settings/api-keys?org=acme&amp;revoke={id}">revoke the key</a>"#);
    assert!(again.contains(&revoke_link), "{again}");
    assert!(!again.contains("shown only once"), "no second secret: {again}");
    let asked = browser.get(&format!("/settings/api-keys?org=acme&revoke={id}")).text().unwrap();
    assert!(asked.contains("Revoke API key “<bdi>Sent twice</bdi>”?"), "the link asks about that key: {asked}");

    // A double click whose first sending is refused: the second, awaiting it, is refused with the
    // reason too, never told of a key "still being created" that will not be.
    let long = "x".repeat(101);
    for _ in 0..3 {
        let (page, csrf) = browser.list("acme");
        let form_id = hidden(&page, "form_id");
        let form = [("org", "acme"), ("name", &long), ("expires_in_days", ""), ("csrf", &csrf), ("form_id", &form_id)];
        let answers = std::thread::scope(|both| {
            let clicks = [0, 1].map(|_| both.spawn(|| browser.post("/settings/api-keys", &form)));
            clicks.map(|click| click.join().unwrap())
        });
        for answer in answers {
            assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(answer.text().unwrap().contains("the limit is 100"));
        }
    }
    let (list, _) = browser.list("acme");
    assert_eq!(list.matches("<td><bdi>Sent twice</bdi><br>").count(), 1, "{list}");
    // The next page's form is a new one.
    let next_id = hidden(&list, "form_id");
    assert_ne!(next_id, form_id);
    let next =
        [("org", "acme"), ("name", "Sent twice"), ("expires_in_days", ""), ("csrf", &csrf), ("form_id", &next_id)];
    assert_eq!(browser.post("/settings/api-keys", &next).status(), StatusCode::CREATED);
}

/// A create form sent after the web sign-in lapsed comes back as typed once signed in again,
/// to be sent again: nothing was created meanwhile, and the typing was lost.
#[test]
fn a_form_sent_after_the_sign_in_lapsed_comes_back_as_typed() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    let form = [("org", "acme"), ("name", "Nightly backup & more"), ("expires_in_days", "30"), ("csrf", "lapsed")];
    let sent = browser.post("/settings/api-keys", &form);
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let login = sent.headers()["location"].to_str().unwrap().to_owned();
    assert!(login.starts_with("/login?next="), "{login}");
    let page = browser.get(&login).text().unwrap();
    let next = hidden(&page, "next").replace("&amp;", "&");
    let owner = h.dev.user(Role::Owner);
    let fields = [("email", owner.email.as_str()), ("password", &owner.password), ("next", &next)];
    let signed_in = h.form_from_page(&browser.http, &login, "/login", &fields).send().unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()["location"], next.as_str());
    browser.session = Some(cookie(&signed_in, "ks_web").unwrap());
    let back = browser.get(&next).text().unwrap();
    assert!(back.contains("Nothing was created: the form below is filled in from this page's address"), "{back}");
    assert!(back.contains(r#"value="Nightly backup &amp; more""#) && back.contains(r#"value="30""#), "{back}");
    assert!(!back.contains("<td>Nightly backup"), "not created: {back}");

    // Signed in again in another tab meanwhile: the old page's form, with the old session's
    // token, is not this session's; it comes back to be sent again all the same.
    let stale = [("org", "acme"), ("name", "From the old tab"), ("expires_in_days", "7"), ("csrf", "lapsed")];
    let sent = browser.post("/settings/api-keys", &stale);
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let back_url = sent.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back_url, "/settings/api-keys?org=acme&name=From%20the%20old%20tab&expires_in_days=7");
    let back = browser.get(&back_url).text().unwrap();
    assert!(back.contains(r#"value="From the old tab""#) && back.contains(r#"value="7""#), "{back}");
    assert!(!back.contains("<td>From the old tab"), "not created: {back}");

    // A key pasted as the name is not carried into a URL (history, a proxy's log).
    let pasted = [("org", "acme"), ("name", "key_live_6JtBE4DQdPldl6qkVb8HguBtFP2zFjUd4DmK7Q"), ("csrf", "lapsed")];
    browser.session = None;
    let sent = browser.post("/settings/api-keys", &pasted);
    assert_eq!(sent.headers()["location"], "/login?next=/settings/api-keys%3Forg%3Dacme%26unsent%3D1");
    // Where it leads says that nothing was created, and that the form must be filled in again.
    browser.session = Some(cookie(&signed_in, "ks_web").unwrap());
    let unsent = browser.get("/settings/api-keys?org=acme&unsent=1").text().unwrap();
    assert!(unsent.contains("Nothing was created: the form was sent from a page of a sign-in that ended"), "{unsent}");
    browser.session = None;
    // Nor as the org, of either form: the page of the active org is where it leads then.
    let key = "key_live_6JtBE4DQdPldl6qkVb8HguBtFP2zFjUd4DmK7Q";
    let as_org = browser.post("/settings/api-keys", &[("org", key), ("name", "ci"), ("csrf", "lapsed")]);
    assert_eq!(as_org.headers()["location"], "/login?next=/settings/api-keys%3Fname%3Dci%26expires_in_days%3D");
    let revoking = browser.post("/settings/api-keys/revoke", &[("org", key), ("id", "ak_x"), ("csrf", "lapsed")]);
    assert_eq!(revoking.headers()["location"], "/login?next=/settings/api-keys");
}

/// A wrong password gives the form back with the email as typed (and nothing in the password).
#[test]
fn a_wrong_password_keeps_the_email_typed() {
    let h = Harness::start();
    let browser = Browser::new(&h);
    let owner = h.dev.user(Role::Owner);
    let wrong = h.form_from_page(&browser.http, "/login", "/login", &[("email", &owner.email), ("password", "guess")]);
    let wrong = wrong.send().unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let page = wrong.text().unwrap();
    assert!(page.contains("Wrong email or password."), "{page}");
    assert!(page.contains(&format!(r#"name="email" type="email" value="{}""#, owner.email)), "{page}");
    assert!(!page.contains("value=\"guess\""), "{page}");
    // Both fields point at the message, for a screen reader, and the email has the focus.
    assert!(page.contains(r#"<p class="error" id="problem" role="alert">Wrong email or password.</p>"#), "{page}");
    assert_eq!(page.matches(r#" aria-invalid="true" aria-describedby="problem""#).count(), 2, "{page}");
    assert!(page.contains(r#"aria-describedby="problem" autofocus></label>"#), "{page}");
    // A refusal says so first in its title, which a screen reader announces of a page.
    assert!(page.contains("<title>Error: Sign in · Keystroke</title>"), "{page}");
    let fresh = browser.get("/login").text().unwrap();
    assert!(!fresh.contains("aria-invalid") && !fresh.contains("autofocus"), "{fresh}");
    assert!(fresh.contains("<title>Sign in · Keystroke</title>"), "{fresh}");
    let approving = browser.get("/device?user_code=BCDF-GHJK").text().unwrap();
    assert!(approving.contains("<title>Sign in to approve a device · Keystroke</title>"), "{approving}");

    // A password typed into the email field (no address's shape) is not shown back in clear.
    for typed in [owner.password.as_str(), "Secret 123@x.test", "@example.com", "P@ssw0rd", "a@b@c.test"] {
        let form = [("email", typed), ("password", "guess")];
        let wrong = h.form_from_page(&browser.http, "/login", "/login", &form).send().unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        let page = wrong.text().unwrap();
        assert!(page.contains(r#"name="email" type="email" value="""#) && !page.contains(typed), "{page}");
    }
}

/// A code in the approval link is put back in its field, unless it is far longer than any field
/// takes: a link with 30,000 characters in `?user_code=` gave a page that repeated them all.
#[test]
fn an_absurdly_long_code_in_a_link_is_not_put_back() {
    let h = Harness::start();
    let typed = h.http.get(h.url("/device?user_code=bcdf-ghjk")).send().unwrap().text().unwrap();
    assert!(typed.contains(r#"name="user_code" value="bcdf-ghjk""#), "{typed}");
    let long = "x".repeat(30_000);
    let page = h.http.get(h.url(&format!("/device?user_code={long}"))).send().unwrap().text().unwrap();
    assert!(page.contains(r#"name="user_code" value="""#) && page.len() < 10_000, "{} bytes", page.len());
}

/// An email longer than any account's is a wrong sign-in, counted against the address like any
/// other, but not as an account of its own: the account's throttle would keep every such string
/// for its whole window (and stop the fifty-first from any address).
#[test]
fn an_email_longer_than_any_accounts_is_a_wrong_sign_in_counted_for_the_address() {
    let h = Harness::with_config(|config| config.behind_proxy = true);
    let browser = Browser::new(&h);
    let long = format!("{}@example.test", "a".repeat(60_000));
    let attempt = |from: &str| {
        let form = h.form_from_page(&browser.http, "/login", "/login", &[("email", &long), ("password", "x")]);
        form.header("x-forwarded-for", from.to_owned()).send().unwrap().status()
    };
    for i in 0..55 {
        assert_eq!(attempt(&format!("198.51.100.{i}")), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    for _ in 0..9 {
        assert_eq!(attempt("198.51.100.0"), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt("198.51.100.0"), StatusCode::TOO_MANY_REQUESTS, "the address's ten are used up");
}

#[test]
fn guesses_sent_all_at_once_do_not_slip_past_the_limit() {
    let h = Harness::start();
    let browser = Browser::new(&h);
    let owner = h.dev.user(Role::Owner);
    let guess = [("email", owner.email.as_str()), ("password", "guess")];
    let forms: Vec<_> = (0..30).map(|_| h.form_from_page(&browser.http, "/login", "/login", &guess)).collect();
    let statuses: Vec<StatusCode> = std::thread::scope(|s| {
        let guesses: Vec<_> = forms.into_iter().map(|form| s.spawn(move || form.send().unwrap().status())).collect();
        guesses.into_iter().map(|g| g.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(checked, 10, "the address's ten, no more and no fewer: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS));
}

#[test]
fn sign_in_needs_the_forms_csrf_cookie() {
    let h = Harness::start();
    let user = h.dev.user(Role::Owner);
    let browser = Browser::new(&h);
    let page = browser.get("/login");
    let csrf = hidden(&page.text().unwrap(), "csrf");
    let without_cookie = browser.http.post(h.url("/login")).form(&[
        ("email", &*user.email),
        ("password", &user.password),
        ("csrf", &csrf),
    ]);
    let response = without_cookie.send().unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(cookie(&response, "ks_web").is_none());
}

/// An `?org=` that is no slug is not repeated on the page: a link's text would read as the
/// platform's own words to someone signed in.
#[test]
fn a_link_cannot_put_its_words_on_the_page() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    browser.sign_in(Role::Owner);
    let page =
        browser.get("/settings/api-keys?org=acme%60%20not%20found.%20SECURITY%20NOTICE%3A%20call%20%2B1-555-0100");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let html = page.text().unwrap();
    assert!(!html.contains("SECURITY NOTICE") && !html.contains("555-0100"), "{html}");
    assert!(html.contains("The org given is not an org slug"), "{html}");

    // Nor a `?revoke=` that is no key id (which the page asks about by name when it is one).
    let page = browser.get("/settings/api-keys?org=acme&revoke=Call%20support%20on%20%2B1-555-0100%20now");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let html = page.text().unwrap();
    assert!(!html.contains("Call support") && !html.contains("555-0100"), "{html}");
    assert!(html.contains("This page&#39;s address names no API key of org <code>acme</code>."), "{html}");
}

/// A platform reached over https tells browsers to come back over https only (HSTS), on every
/// answer: pages, the API, errors. One on plain http says nothing of the kind, which would lock
/// browsers out of it.
#[test]
fn an_https_platform_keeps_browsers_on_https() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = Config::new(Mode::Dev);
    config.public_url = Some("https://keystroke.example.test".into());
    let _https = DevServer::start_with(([127, 0, 0, 1], port).into(), None, config).unwrap();
    let http = browser_client();
    for path in ["/login", "/healthz", "/api/projects", "/no/such/page"] {
        let response = http.get(format!("http://127.0.0.1:{port}{path}")).send().unwrap();
        assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000", "{path}");
    }
    let h = Harness::start();
    for path in ["/login", "/healthz"] {
        let response = h.http.get(h.url(path)).send().unwrap();
        assert!(response.headers().get("strict-transport-security").is_none(), "{path}: {response:?}");
    }
}

/// A cookie planted beside ours (by a sibling subdomain, or another service on this host) is not
/// taken for ours: on https every cookie is `__Host-` prefixed, which browsers accept from this
/// origin only, and a cookie that comes twice counts as none (the browser would send the planted
/// one first).
#[test]
fn cookies_planted_beside_ours_are_not_taken_for_ours() {
    // Behind a TLS proxy: the public URL is https, the platform's own port plain HTTP on loopback.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = Config::new(Mode::Dev);
    config.public_url = Some("https://keystroke.example.test".into());
    let https = DevServer::start_with(([127, 0, 0, 1], port).into(), None, config).unwrap();
    let https = Harness { dev: https, http: browser_client() };
    let user = https.dev.user(Role::Owner);
    let local = |path: &str| format!("http://127.0.0.1:{port}{path}");
    let page = https.http.get(local("/login")).send().unwrap();
    let set = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.starts_with("__Host-ks_csrf=") && set.ends_with("; Path=/; HttpOnly; SameSite=Lax; Max-Age=900; Secure"),
        "{set}"
    );
    let csrf = hidden(&page.text().unwrap(), "csrf");
    let credentials = [("email", &*user.email), ("password", &user.password), ("csrf", &csrf)];
    let sign_in =
        |cookies: &str| https.http.post(local("/login")).header("cookie", cookies).form(&credentials).send().unwrap();
    // A login CSRF: the planted cookie's value in the form, under the unprefixed name.
    assert_eq!(sign_in(&format!("ks_csrf={csrf}")).status(), StatusCode::FORBIDDEN);
    let signed_in = sign_in(&format!("__Host-ks_csrf={csrf}"));
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session = cookie(&signed_in, "__Host-ks_web").expect("a prefixed session cookie");
    // Lax: a link to the pages followed from mail or chat finds the sign-in, and the org chosen.
    let set =
        signed_in.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    let expected = format!("__Host-ks_web={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age=900; Secure");
    assert!(set.contains(&expected), "{set:?}");
    let settings = |cookies: &str| {
        let response = https.http.get(local("/settings/api-keys")).header("cookie", cookies).send().unwrap();
        (response.status(), response.headers().get("location").map(|l| l.to_str().unwrap().to_owned()))
    };
    assert_eq!(settings(&format!("__Host-ks_web={session}")).0, StatusCode::OK);
    assert_eq!(settings(&format!("ks_web={session}")).0, StatusCode::SEE_OTHER, "the unprefixed name is not ours");

    // On plain http (no prefix to rely on), a name sent twice is none: an attacker's session
    // planted first does not shadow the victim's, nor does a CSRF cookie of theirs pass.
    let h = Harness::start();
    let mut victim = Browser::new(&h);
    victim.sign_in(Role::Owner);
    let mut planted = Browser::new(&h);
    planted.sign_in(Role::Builder);
    let both = format!("ks_web={}; ks_web={}", planted.session.unwrap(), victim.session.as_deref().unwrap());
    let shadowed = browser_client().get(h.url("/settings/api-keys")).header("cookie", both).send().unwrap();
    assert_eq!(shadowed.status(), StatusCode::SEE_OTHER, "signed in as nobody, asked to sign in");
    let page = h.http.get(h.url("/login")).send().unwrap();
    let real = cookie(&page, "ks_csrf").unwrap();
    let owner = h.dev.user(Role::Owner);
    let fields = [("email", &*owner.email), ("password", &owner.password), ("csrf", "planted")];
    let cookies = format!("ks_csrf=planted; ks_csrf={real}");
    let twice = h.http.post(h.url("/login")).header("cookie", cookies).form(&fields);
    assert_eq!(twice.send().unwrap().status(), StatusCode::FORBIDDEN);
}

/// A form missing a field (changed on the way, or not ours) is said to be incomplete, not only
/// "not sent by this page", when its CSRF token is fine.
#[test]
fn an_incomplete_form_is_called_incomplete() {
    let h = Harness::start();
    let browser = Browser::new(&h);
    let form = h.form_from_page(&browser.http, "/login", "/login", &[("email", "ada@acme.test")]);
    let response = form.send().unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().unwrap().contains("The form arrived incomplete or was not sent by this page"));
}

/// An address or a method a page does not take gets a page, with the pages' headers; the sign-in
/// endpoints answer in RFC 6749's shape, the API in its own.
#[test]
fn what_a_route_does_not_take_is_answered_in_its_own_shape() {
    let h = Harness::start();
    let http = http_client();
    let is_page = |response: Response, status: StatusCode, says: &str| {
        assert_eq!(response.status(), status, "{}", response.url());
        assert_eq!(response.headers()["x-frame-options"], "DENY", "{}", response.url());
        assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        let page = response.text().unwrap();
        assert!(page.contains(says), "{page}");
        // Not a dead end: a way on, as the missing page's.
        assert!(page.contains(r#"<p><a href="/settings/api-keys">Go to your API keys</a>.</p>"#), "{page}");
    };
    for path in ["/device?user_code=a&user_code=b", "/settings/api-keys?org=acme&org=globex", "/login?next=/&next=/"] {
        is_page(http.get(h.url(path)).send().unwrap(), StatusCode::BAD_REQUEST, "has a part twice");
    }
    for path in ["/login", "/device", "/settings/api-keys", "/logout"] {
        is_page(http.put(h.url(path)).send().unwrap(), StatusCode::METHOD_NOT_ALLOWED, "does not take that kind");
    }
    for path in ["/oauth/token", "/oauth/device/code"] {
        let (status, body) = common::status_json(http.get(h.url(path)).send().unwrap());
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body, json!({"error": "invalid_request", "error_description": "this endpoint takes POST only"}));
    }
    let (status, body) = common::status_json(http.put(h.url("/api/me")).send().unwrap());
    assert_eq!((status, common::error_code(&body)), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    // Under a path prefix (a client sent to the wrong base URL), an API path is answered as the
    // API answers, whichever refusal it meets: no such endpoint, or a body too large.
    let big = vec![b'x'; 65 * 1024];
    for (request, status) in [
        (http.get(h.url("/v1/api/projects")), StatusCode::NOT_FOUND),
        (http.post(h.url("/v1/api/projects")).body(big), StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let (got, body) = common::status_json(request.send().unwrap());
        assert_eq!(got, status, "{body}");
        assert!(body["error"]["code"].is_string(), "the API's JSON: {body}");
    }
}

#[test]
fn sign_in_redirects_only_to_this_platform() {
    let h = Harness::start();
    let user = h.dev.user(Role::Owner);
    let browser = Browser::new(&h);
    let page = "/login?next=https://evil.example/";
    assert_eq!(hidden(&browser.get(page).text().unwrap(), "next"), "/settings/api-keys");
    let fields = [("email", &*user.email), ("password", &user.password), ("next", "//evil.example")];
    let response = h.form_from_page(&browser.http, page, "/login", &fields).send().unwrap();
    assert_eq!(response.headers()["location"], "/settings/api-keys");
}

#[test]
fn behind_a_proxy_each_client_address_is_throttled_apart_and_each_account_too() {
    let h = Harness::with_config(|config| config.behind_proxy = true);
    let browser = Browser::new(&h);
    let attempt = |from: &str, email: &str, password: &str| {
        let form = h.form_from_page(&browser.http, "/login", "/login", &[("email", email), ("password", password)]);
        form.header("x-forwarded-for", format!("203.0.113.9, {from}")).send().unwrap().status()
    };
    let (owner, admin) = (h.dev.user(Role::Owner), h.dev.user(Role::Admin));
    for _ in 0..10 {
        assert_eq!(attempt("198.51.100.1", "nobody@acme.test", "guess"), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt("198.51.100.1", &owner.email, &owner.password), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        attempt("198.51.100.2", &owner.email, &owner.password),
        StatusCode::SEE_OTHER,
        "another client is not locked out"
    );
    // One address guessing an account's password is stopped at its ten, and does not lock the
    // account's owner out (it used to: the account's limit was ten too).
    for _ in 0..10 {
        assert_eq!(attempt("198.51.100.3", &admin.email, "guess"), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt("198.51.100.3", &admin.email, "guess"), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempt("198.51.100.4", &admin.email, &admin.password), StatusCode::SEE_OTHER, "not locked out");
    // Guessing it from many addresses is throttled per account: fifty wrong passwords in all.
    for i in 0..40 {
        assert_eq!(attempt(&format!("198.51.100.{}", 10 + i), &admin.email, "guess"), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt("198.51.100.99", &admin.email, &admin.password), StatusCode::TOO_MANY_REQUESTS);

    // A proxy that appends a line of its own instead of extending the client's: the client's
    // lines (which say anything) do not give each guess a fresh address.
    let builder = h.dev.user(Role::Builder);
    let second_line = |spoofed: &str| {
        let form = h.form_from_page(&browser.http, "/login", "/login", &[("email", "x@acme.test"), ("password", "g")]);
        let form = form.header("x-forwarded-for", spoofed).header("x-forwarded-for", "198.51.100.200");
        form.send().unwrap().status()
    };
    for i in 0..10 {
        assert_eq!(second_line(&format!("203.0.113.{i}")), StatusCode::UNAUTHORIZED);
    }
    let form = h.form_from_page(
        &browser.http,
        "/login",
        "/login",
        &[("email", &*builder.email), ("password", &builder.password)],
    );
    let blocked = form.header("x-forwarded-for", "203.0.113.77").header("x-forwarded-for", "198.51.100.200");
    assert_eq!(blocked.send().unwrap().status(), StatusCode::TOO_MANY_REQUESTS, "one address, throttled as one");

    // One client however the proxy spells it (with a port, IPv4 in IPv6), and one IPv6 host
    // however many of its /64's addresses it uses.
    let spellings = |attempts: &[&str], last: &str| {
        let nobody = format!("nobody-{last}@acme.test"); // an account of its own, not at its limit
        for from in attempts {
            assert_eq!(attempt(from, &nobody, "guess"), StatusCode::UNAUTHORIZED, "{from}");
        }
        assert_eq!(attempt(last, &owner.email, &owner.password), StatusCode::TOO_MANY_REQUESTS, "{last}");
    };
    let v4 = ["192.0.2.5:40000", "192.0.2.5:40001", "::ffff:192.0.2.5", "192.0.2.5", "192.0.2.5:1", "192.0.2.5:2"];
    spellings(&[&v4[..], &v4[..4]].concat(), "[::ffff:192.0.2.5]:9");
    let v6: Vec<String> = (0..10).map(|i| format!("2001:db8:7:7::{i:x}")).collect();
    spellings(&v6.iter().map(String::as_str).collect::<Vec<_>>(), "[2001:db8:7:7:ffff::1]:443");
    let bracketed = ["[2001:db8:9:9::1]", "2001:db8:9:9::2%0", "[2001:db8:9:9::3%eth0]:1", "2001:db8:9:9::4"];
    spellings(&[&bracketed[..], &bracketed[..], &bracketed[..2]].concat(), "[2001:db8:9:9::5]");
}

/// Guessing an account's password from many addresses holds its sign-in back (the account's
/// throttle), but not in a browser that signed in to it before: knowing someone's email is not
/// enough to lock them out. Five wrong passwords make that browser a stranger again.
#[test]
fn guessing_from_many_addresses_does_not_lock_out_a_browser_that_signed_in_before() {
    let h = Harness::with_config(|config| config.behind_proxy = true);
    let http = browser_client();
    let admin = h.dev.user(Role::Admin);
    let attempt = |from: &str, known: Option<&str>, password: &str| {
        let form = h.form_from_page(&http, "/login", "/login", &[("email", &*admin.email), ("password", password)]);
        let form = match known {
            Some(token) => form.header("cookie", format!("ks_known={token}")),
            None => form,
        };
        form.header("x-forwarded-for", from).send().unwrap()
    };
    let signed_in = attempt("198.51.100.1", None, &admin.password);
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let set = signed_in.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect::<Vec<_>>();
    assert!(
        set.iter()
            .any(|c| c.starts_with("ks_known=") && c.ends_with("; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000")),
        "{set:?}"
    );
    let known = cookie(&signed_in, "ks_known").unwrap();

    for i in 0..50 {
        assert_eq!(attempt(&format!("198.51.100.{}", 10 + i), None, "guess").status(), StatusCode::UNAUTHORIZED);
    }
    let held_back = |known: Option<&str>| attempt("198.51.100.99", known, &admin.password).status();
    assert_eq!(held_back(None), StatusCode::TOO_MANY_REQUESTS, "a browser new to the account is held back");
    assert_eq!(held_back(Some("Xn8EJ0aW3yVq6Tz1Lb5Rk9Md2Gf7Hs4P")), StatusCode::TOO_MANY_REQUESTS, "a made-up cookie");
    let again = attempt("198.51.100.98", Some(&known), &admin.password);
    assert_eq!(again.status(), StatusCode::SEE_OTHER, "the browser that signed in before is not");
    let renewed = cookie(&again, "ks_known").unwrap();
    assert_ne!(renewed, known);
    assert_eq!(held_back(Some(&known)), StatusCode::TOO_MANY_REQUESTS, "the old cookie is spent");
    let owner = h.dev.user(Role::Owner);
    let form = h.form_from_page(&http, "/login", "/login", &[("email", &*owner.email), ("password", "guess")]);
    let elsewhere = form.header("cookie", format!("ks_known={renewed}")).header("x-forwarded-for", "198.51.100.97");
    assert_eq!(elsewhere.send().unwrap().status(), StatusCode::UNAUTHORIZED, "a wrong password for another account");
    let signed_in = attempt("198.51.100.96", Some(&renewed), &admin.password);
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "which does not count against this one");

    let known = cookie(&signed_in, "ks_known").unwrap();
    for _ in 0..5 {
        assert_eq!(attempt("198.51.100.95", Some(&known), "guess").status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(held_back(Some(&known)), StatusCode::TOO_MANY_REQUESTS, "a stranger again after five wrong passwords");
}

/// Behind a proxy, what the proxy appended decides, even on a line that also holds a byte that is
/// not text; and what does not read as an address is counted as the proxy itself, not as a fresh
/// client each time.
#[test]
fn behind_a_proxy_odd_forwarded_values_get_no_fresh_tries() {
    let h = Harness::with_config(|config| config.behind_proxy = true);
    let browser = Browser::new(&h);
    let owner = h.dev.user(Role::Owner);
    let attempt = |forwarded: &[u8], email: &str, password: &str| {
        let form = h.form_from_page(&browser.http, "/login", "/login", &[("email", email), ("password", password)]);
        let value = reqwest::header::HeaderValue::from_bytes(forwarded).unwrap();
        form.header("x-forwarded-for", value).send().unwrap().status()
    };
    for i in 0..10 {
        let guess = format!("nobody{i}@acme.test");
        assert_eq!(attempt(b"7.7.7.7", &guess, "guess"), StatusCode::UNAUTHORIZED);
    }
    let with_a_byte = attempt(b"6.6.6.6, \xff, 7.7.7.7", &owner.email, &owner.password);
    assert_eq!(with_a_byte, StatusCode::TOO_MANY_REQUESTS, "the line still counts for 7.7.7.7");

    // Garbage in the proxy's place: all of it is one client, the proxy.
    for i in 0..10 {
        let garbage = format!("not-an-address-{i}");
        assert_eq!(attempt(garbage.as_bytes(), &format!("x{i}@acme.test"), "guess"), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt("x".repeat(5000).as_bytes(), &owner.email, &owner.password), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempt(b"127.0.0.1", &owner.email, &owner.password), StatusCode::TOO_MANY_REQUESTS, "the proxy");
}

/// `dev --seed-keys`: every seeded key is there once the platform has started (the keys are
/// written before it serves, which this does not time: it asks after the start).
#[test]
fn dev_seeds_its_extra_keys_before_serving() {
    let dev = DevServer::start_with_keys(([127, 0, 0, 1], 0).into(), None, Config::new(Mode::Dev), 7).unwrap();
    let h = Harness { dev, http: http_client() };
    let (status, page) =
        common::status_json(h.get("/api/orgs/acme/api-keys?limit=100", Cred::Bearer(&h.token(Role::Owner))));
    assert_eq!(status, StatusCode::OK);
    let mut names: Vec<&str> =
        page["data"].as_array().unwrap().iter().map(|key| key["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, (0..7).map(|i| format!("seeded key {i}")).collect::<Vec<_>>());
}

#[test]
fn dev_restarts_on_its_database_with_fresh_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dev.db");
    let first = DevServer::start_with(([127, 0, 0, 1], 0).into(), Some(&db), Config::new(Mode::Dev)).unwrap();
    let h = Harness { dev: first, http: http_client() };
    let key = h.create_key(&h.token(Role::Owner), "acme", "kept").secret;
    let old_password = h.dev.user(Role::Owner).password.clone();
    drop(h);
    // As a database seeded by an older version left it: Globex without an owner.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "DELETE FROM memberships WHERE role = 'owner' AND org_id = (SELECT id FROM orgs WHERE slug = 'globex')",
        [],
    )
    .unwrap();
    drop(conn);

    let again = DevServer::start_with(([127, 0, 0, 1], 0).into(), Some(&db), Config::new(Mode::Dev)).unwrap();
    let h = Harness { dev: again, http: http_client() };
    assert_ne!(h.dev.user(Role::Owner).password, old_password);
    assert_eq!(h.projects_status(&key), StatusCode::OK, "the data was kept");
    assert_eq!(h.get("/api/me", common::Cred::Bearer(&h.token(Role::Owner))).status(), StatusCode::OK);
    let globex = h.dev.storage().org_by_slug("globex").unwrap().unwrap();
    let members = h.dev.storage().members_of(&globex.id).unwrap();
    assert!(members.iter().any(|(user, role)| user.email == "hedy@globex.test" && *role == Role::Owner), "{members:?}");
}

/// A database `dev` did not make (a self-hosted one, with or without an org `acme`) is refused,
/// untouched.
#[test]
fn dev_refuses_a_database_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    for (slug, found) in [("acme", "an org `acme`"), ("initech", "no org `acme`")] {
        let db = dir.path().join(format!("{slug}.db"));
        let storage = keystroke_platform::storage::SqliteStorage::open(&db).unwrap();
        keystroke_platform::admin::add_user(&storage, "olive@example.test", "Olive", "a long enough password").unwrap();
        keystroke_platform::admin::create_org(&storage, slug, "Their org", "olive@example.test").unwrap();
        drop(storage);
        let refused =
            DevServer::start_with(([127, 0, 0, 1], 0).into(), Some(&db), Config::new(Mode::Dev)).err().unwrap();
        let message = format!("{refused:#}");
        assert!(
            message.contains(&format!(
                "this database was not made by `keystroke-platform dev` (it has 1 user, 0 of the 3 dev users among \
                 them, and {found})"
            )),
            "{message}"
        );
        let storage = keystroke_platform::storage::SqliteStorage::open(&db).unwrap();
        let users = keystroke_platform::storage::Accounts::users(&storage).unwrap();
        assert_eq!(users.iter().map(|user| user.email.as_str()).collect::<Vec<_>>(), ["olive@example.test"]);
        assert!(
            keystroke_platform::storage::Accounts::org_by_slug(&storage, "acme").unwrap().is_some() == (slug == "acme")
        );
    }
}

/// The page's active org is the one chosen last on it, across visits, while still a member.
#[test]
fn the_page_remembers_the_active_org() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    browser.sign_in(Role::Owner); // Ada: owner of acme, builder in globex
    let chosen = browser.get("/settings/api-keys?org=globex");
    let set = chosen.headers()["set-cookie"].to_str().unwrap().to_owned();
    // Lax, as the session's: a link from mail or chat finds the org chosen, not the first.
    assert!(set.starts_with("ks_org=globex; ") && set.contains("; SameSite=Lax;"), "{set}");
    let remembered = cookie(&chosen, "ks_org").expect("the choice is remembered");
    assert_eq!(remembered, "globex");

    let session = browser.session.clone().unwrap();
    let visit_with_org_cookie = |org: &str| {
        let page =
            browser.http.get(h.url("/settings/api-keys")).header("cookie", format!("ks_web={session}; ks_org={org}"));
        page.send().unwrap().text().unwrap()
    };
    let again = visit_with_org_cookie(&remembered);
    assert!(again.contains("Keys of <strong>globex</strong>"), "{again}");
    assert!(
        again.contains(r#"<strong aria-current="page">Globex (<code>globex</code>, builder)</strong>"#),
        "the nav names the slug: {again}"
    );
    // An org the visitor does not belong to is not taken from the cookie.
    let foreign = visit_with_org_cookie("initech");
    assert!(foreign.contains("Keys of <strong>acme</strong>"), "{foreign}");
}

/// The web pages' session is theirs alone: as a bearer token it is refused, and the refusal says
/// why (the one 401 message would send its holder to sign in again, which they just did). Once
/// it has ended, it gets the one message like any other dead credential.
#[test]
fn a_web_session_used_as_a_bearer_token_is_refused_with_the_reason() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    browser.sign_in(Role::Admin);
    let web_session = browser.session.clone().unwrap();
    let refused = h.get("/api/me", Cred::Bearer(&web_session));
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = refused.json().unwrap();
    assert_eq!(body["error"]["message"], keystroke_api::WEB_SESSION_REFUSED_MESSAGE);
    assert_eq!(body["error"]["code"], keystroke_api::WEB_SESSION_REFUSED);
    assert_eq!(browser.get("/settings/api-keys?org=acme").status(), StatusCode::OK, "still good on the pages");

    let (_, csrf) = browser.list("acme");
    assert_eq!(browser.post("/logout", &[("csrf", &csrf)]).status(), StatusCode::SEE_OTHER);
    let ended: serde_json::Value = h.get("/api/me", Cred::Bearer(&web_session)).json().unwrap();
    assert_eq!(ended["error"]["message"], keystroke_api::INVALID_CREDENTIAL_MESSAGE);
}

/// Every page may be neither framed (clickjacking an Approve or Revoke button) nor cached (a
/// revealed secret), runs no script and sends no referrer; nothing the platform answers, JSON
/// errors that quote a request included, is sniffed into HTML.
#[test]
fn pages_refuse_frames_caches_scripts_and_sniffing() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    let signed_out = [browser.get("/login"), browser.get("/device")];
    browser.sign_in(Role::Admin);
    let (_, csrf) = browser.list("acme");
    let reveal = browser
        .post("/settings/api-keys", &[("org", "acme"), ("name", "framed"), ("expires_in_days", ""), ("csrf", &csrf)]);
    assert_eq!(reveal.status(), StatusCode::CREATED);
    let list = browser.get("/settings/api-keys?org=acme");
    for page in signed_out.iter().chain([&list, &reveal]) {
        let headers = page.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{}: {csp}", page.url());
        assert!(csp.contains("base-uri 'none'"), "{csp}");
        assert_eq!(headers["x-frame-options"], "DENY", "{}", page.url());
        assert_eq!(headers["cache-control"], "no-store", "{}", page.url());
        assert_eq!(headers["referrer-policy"], "no-referrer", "{}", page.url());
        assert_eq!(headers["x-content-type-options"], "nosniff", "{}", page.url());
        // Only the reveal dialog runs a script: its Copy button, allowed by the response's nonce.
        assert_eq!(csp.contains("script-src"), page.status() == StatusCode::CREATED, "{csp}");
    }
    let csp = reveal.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let nonce = csp.split("script-src 'nonce-").nth(1).unwrap().trim_end_matches('\'');
    let html = reveal.text().unwrap();
    assert!(html.contains("<dialog open aria-labelledby=\"reveal\">"), "{html}");
    assert!(html.contains(&format!("<script nonce=\"{nonce}\">")), "{html}");
    assert!(html.contains(r#"<button type="button" id="copy" hidden>Copy</button>"#), "shown by the script: {html}");
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    // Back to it must not show the secret again, from a browser's memory of the page (which
    // `no-store` does not stop everywhere): Done leaves it out of the history, leaving it empties
    // the field, and a page brought back from memory goes on to the list.
    assert!(html.contains(r#"<a id="done" href="/settings/api-keys?org=acme">"#), "{html}");
    for wired in ["location.replace(done.href); });", r#"addEventListener("pagehide", () => { secret.value = ""; });"#]
    {
        assert!(html.contains(wired), "{wired}: {html}");
    }
    assert!(html.contains("if (event.persisted) location.replace(done.href);"), "{html}");
    let quoting = h.get("/api/orgs/%3Cb%3E/api-keys", Cred::Bearer(&h.token(Role::Owner)));
    assert_eq!(quoting.status(), StatusCode::NOT_FOUND);
    assert_eq!(quoting.headers()["x-content-type-options"], "nosniff");
    assert_eq!(h.get("/healthz", Cred::None).headers()["x-content-type-options"], "nosniff");
}

/// Signing in again in the same browser ends the session it held: a cookie left behind (in a
/// copied profile, a shared machine) stops working, and the new one works.
#[test]
fn signing_in_again_ends_the_browsers_previous_session() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    browser.sign_in(Role::Admin);
    let first = browser.session.clone().unwrap();
    browser.sign_in(Role::Builder);
    let second = browser.session.clone().unwrap();
    assert_ne!(first, second);
    assert_eq!(browser.get("/settings/api-keys?org=acme").status(), StatusCode::OK);
    browser.session = Some(first);
    let left_behind = browser.get("/settings/api-keys?org=acme");
    assert_eq!(left_behind.status(), StatusCode::SEE_OTHER, "back to the sign-in page");
    assert!(left_behind.headers()["location"].to_str().unwrap().starts_with("/login"));
}

/// A key pasted into the pages' fields or links is not written back into the page (a field
/// refilled after a refusal, the way back after signing in) nor into a redirect.
#[test]
fn a_key_pasted_into_the_pages_is_not_repeated() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    browser.sign_in(Role::Admin);
    let (_, secret) = browser.create("acme", "pasted");
    let body = &secret["key_test_".len()..];
    let (_, csrf) = browser.list("acme");
    // A password is shorter than a secret, and not shaped like one: letters in the expiry field
    // are not repeated either (a number, right or wrong, is).
    let password = h.dev.user(Role::Owner).password.clone();
    for pasted in [secret.as_str(), body, &password] {
        let refused = browser.post(
            "/settings/api-keys",
            &[("org", "acme"), ("name", "ok"), ("expires_in_days", pasted), ("csrf", &csrf)],
        );
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().unwrap();
        assert!(
            html.contains("name=\"expires_in_days\" inputmode=\"numeric\" value=\"\"") && !html.contains(pasted),
            "{html}"
        );
        if pasted == password {
            continue; // typed into a field; what follows is about links, which hold secrets pasted
        }

        let login = Browser::new(&h).get(&format!("/login?next=/settings/api-keys/{pasted}"));
        let html = login.text().unwrap();
        assert!(html.contains("name=\"next\" value=\"/settings/api-keys\"") && !html.contains(body), "{html}");

        let to_login = Browser::new(&h).get(&format!("/settings/api-keys?org={pasted}"));
        let location = to_login.headers()["location"].to_str().unwrap().to_owned();
        assert!(!location.contains(body), "{location}");
    }
    // Days written as the CLI's `--expires-in` takes them are no password: put back to be fixed.
    let form = [("org", "acme"), ("name", "ok"), ("expires_in_days", "30d"), ("csrf", &csrf)];
    let refused = browser.post("/settings/api-keys", &form);
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().unwrap();
    assert!(html.contains(r#"name="expires_in_days" inputmode="numeric" value="30d""#), "{html}");
}

/// The sign-in page says who is signed in already (its form signs in someone else), or that this
/// browser's sign-in has ended: what a page of it sends people there for.
#[test]
fn the_sign_in_page_says_who_is_signed_in_or_that_the_sign_in_ended() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    let fresh = browser.get("/login").text().unwrap();
    assert!(!fresh.contains(r#"class="notice""#), "{fresh}");
    browser.sign_in(Role::Admin);
    let admin = h.dev.user(Role::Admin);
    let signed_in = browser.get("/login?next=/settings/api-keys%3Forg%3Dacme").text().unwrap();
    let go_on =
        format!(r#"You are signed in as {0}: <a href="/settings/api-keys?org=acme">continue as {0}</a>"#, admin.email);
    assert!(signed_in.contains(&go_on) && signed_in.contains(r#"<form method="post" action="/login">"#), "{signed_in}");
    keystroke_platform::admin::sign_out_everywhere(h.dev.storage(), &admin.email).unwrap();
    let ended = browser.get("/login").text().unwrap();
    assert!(ended.contains("Your sign-in has ended (one lasts 15 minutes): sign in again."), "{ended}");
    assert!(!ended.contains("You are signed in"), "{ended}");
}

/// Every sign-in page of a browser shares one CSRF cookie: a second tab's page replaces the first
/// one's token. The first tab's form, sent then, gets the form back (what was typed kept, the
/// password aside, with a fresh token), not a page that Reload cannot mend.
#[test]
fn a_sign_in_form_whose_token_another_page_replaced_is_given_back() {
    let h = Harness::start();
    let http = browser_client();
    let first_tab = http.get(h.url("/login?next=/settings/api-keys")).send().unwrap();
    let first_csrf = hidden(&first_tab.text().unwrap(), "csrf");
    let second_tab = http.get(h.url("/login")).send().unwrap();
    let cookie_now = cookie(&second_tab, "ks_csrf").unwrap();
    let owner = h.dev.user(Role::Owner);
    let fields = [
        ("email", owner.email.as_str()),
        ("password", owner.password.as_str()),
        ("next", "/settings/api-keys"),
        ("csrf", first_csrf.as_str()),
    ];
    let stale = http.post(h.url("/login")).header("cookie", format!("ks_csrf={cookie_now}")).form(&fields).send();
    let stale = stale.unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    let fresh_cookie = cookie(&stale, "ks_csrf").expect("a fresh token");
    let page = stale.text().unwrap();
    assert!(page.contains("That form had expired, or a sign-in page opened since in this browser replaced it"));
    assert!(page.contains(&format!(r#"value="{}""#, owner.email)) && !page.contains(&owner.password), "{page}");
    // The email refilled, the password is what is left to type: it has the focus.
    let password = r#"name="password" type="password" autocomplete="current-password" required autofocus>"#;
    assert!(page.contains(password) && page.matches("autofocus").count() == 1, "{page}");
    // Sent again from the page it got back, it signs in, and goes where it was going.
    let fields = [
        ("email", owner.email.as_str()),
        ("password", owner.password.as_str()),
        ("next", &hidden(&page, "next")),
        ("csrf", &hidden(&page, "csrf")),
    ];
    let again = http.post(h.url("/login")).header("cookie", format!("ks_csrf={fresh_cookie}")).form(&fields).send();
    let again = again.unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()["location"], "/settings/api-keys");
}

/// A Revoke sent once the sign-in has lapsed (its cookie gone with it) does nothing, and after
/// signing in the question is asked again, saying nothing was revoked yet: someone revoking a
/// leaked key must not land on the list believing it done.
#[test]
fn a_revoke_sent_after_the_sign_in_lapsed_is_asked_again_after_signing_in() {
    let h = Harness::start();
    let mut browser = Browser::new(&h);
    browser.sign_in(Role::Owner);
    let (id, secret) = browser.create("acme", "Leaked");
    let (_, csrf) = browser.list("acme");
    let lapsed = Browser::new(&h); // no session cookie any more
    let confirmed = [("org", "acme"), ("id", id.as_str()), ("csrf", csrf.as_str()), ("confirmed", "yes")];
    let sent = lapsed.post("/settings/api-keys/revoke", &confirmed);
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let to_login = sent.headers()["location"].to_str().unwrap().to_owned();
    assert!(to_login.starts_with("/login?next=") && to_login.contains(&format!("revoke%3D{id}")), "{to_login}");
    assert_eq!(h.projects_status(&secret), StatusCode::OK, "nothing done");

    let owner = h.dev.user(Role::Owner);
    // The sign-in page carries where to go on in its form (HTML-escaped there, as a browser reads it).
    let next = hidden(&lapsed.get(&to_login).text().unwrap(), "next").replace("&amp;", "&");
    assert_eq!(next, format!("/settings/api-keys?org=acme&revoke={id}"));
    let fields = [("email", owner.email.as_str()), ("password", owner.password.as_str()), ("next", next.as_str())];
    let signed_in = h.form_from_page(&lapsed.http, &to_login, "/login", &fields).send().unwrap();
    assert_eq!(signed_in.headers()["location"].to_str().unwrap(), next);
    let session = cookie(&signed_in, "ks_web").unwrap();
    let asked = lapsed.http.get(h.url(&next)).header("cookie", format!("ks_web={session}")).send().unwrap();
    let asked = asked.text().unwrap();
    // Which any link could ask for as well: the notice claims no more than the address asking.
    assert!(asked.contains("Nothing has been revoked: this page's address asks about the key below"), "{asked}");
    assert!(asked.contains("Revoke API key “<bdi>Leaked</bdi>”?"), "{asked}");
    assert_eq!(h.projects_status(&secret), StatusCode::OK, "asking revokes nothing");
    let confirmed = [("org", "acme"), ("id", id.as_str()), ("csrf", &hidden(&asked, "csrf")), ("confirmed", "yes")];
    let revoked = lapsed
        .http
        .post(h.url("/settings/api-keys/revoke"))
        .header("cookie", format!("ks_web={session}"))
        .form(&confirmed);
    assert_eq!(revoked.send().unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(h.projects_status(&secret), StatusCode::UNAUTHORIZED);
}

/// The "Revoked" notice rides on a cookie the browser could set itself: it names a key only if
/// the visitor may see it (a builder never learns the name of another member's key from it).
#[test]
fn the_revoked_notice_names_only_a_key_the_visitor_may_see() {
    let h = Harness::start();
    let mut owner = Browser::new(&h);
    owner.sign_in(Role::Owner);
    let (id, _) = owner.create("acme", "Owner's secret project");
    let (_, csrf) = owner.list("acme");
    let confirmed = [("org", "acme"), ("id", id.as_str()), ("csrf", csrf.as_str()), ("confirmed", "yes")];
    assert_eq!(owner.post("/settings/api-keys/revoke", &confirmed).status(), StatusCode::SEE_OTHER);
    let mut builder = Browser::new(&h);
    builder.sign_in(Role::Builder);
    let cookies = format!("ks_web={}; ks_revoked={id}", builder.session.as_deref().unwrap());
    let page = builder.http.get(h.url("/settings/api-keys?org=acme")).header("cookie", cookies).send().unwrap();
    let page = page.text().unwrap();
    assert!(page.contains(&format!("Revoked API key <code>{id}</code>. Requests")), "{page}");
    assert!(!page.contains("secret project"), "{page}");
}
