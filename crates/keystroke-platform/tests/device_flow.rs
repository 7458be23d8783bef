//! Signing in with the device authorization grant (RFC 8628), the test acting as both the CLI
//! and the person at the browser, over HTTP against a real platform.

mod common;

use std::time::Duration;

use common::{Cred, Harness, cookie, hidden, status_json};
use keystroke_api::{DeviceAuthorization, Role};
use keystroke_platform::Config;
use keystroke_platform::clock::now;
use keystroke_platform::storage::NewDeviceAuthorization;
use keystroke_platform::tokens::{hash_secret, mint};
use reqwest::StatusCode;
use serde_json::Value;

const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A platform that asks clients to poll every second, so the tests of the flow are quick.
fn harness(configure: impl FnOnce(&mut Config)) -> Harness {
    Harness::with_config(|config| {
        config.device_poll_interval_secs = 1;
        configure(config);
    })
}

fn start(h: &Harness) -> DeviceAuthorization {
    let response = h.http.post(h.url("/oauth/device/code")).form(&[("client_id", "keystroke-cli")]).send().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // It holds the device code, which a token is collected with: for no cache to keep.
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().unwrap()
}

fn poll(h: &Harness, device_code: &str) -> (StatusCode, Value) {
    let form = [("grant_type", GRANT), ("device_code", device_code), ("client_id", "keystroke-cli")];
    let response = h.http.post(h.url("/oauth/token")).form(&form).send().unwrap();
    // RFC 6749 §5.1: a token endpoint's every answer, a token or an error, is for no cache.
    assert_eq!(response.headers()["cache-control"], "no-store");
    status_json(response)
}

fn wait_interval() {
    std::thread::sleep(Duration::from_millis(1100));
}

/// One sign-in attempt on the approval page, from a fresh copy of its form.
fn attempt_sign_in(h: &Harness, email: &str, password: &str, user_code: &str) -> reqwest::blocking::Response {
    let page = format!("/device?user_code={user_code}");
    let fields = [("email", email), ("password", password), ("user_code", user_code)];
    // The answer itself, not the page a success leads to.
    let http =
        reqwest::blocking::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    h.form_from_page(&http, &page, "/device", &fields).send().unwrap()
}

/// Opens the page with the code and signs in, then follows the way to the approval page (a GET,
/// so that Reload does not send the password again); returns (session cookie, approval page CSRF,
/// page).
fn sign_in(h: &Harness, user_code: &str, email: &str, password: &str) -> (String, String, String) {
    let signed_in = attempt_sign_in(h, email, password, user_code);
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session = cookie(&signed_in, "ks_web").expect("a session cookie");
    let approval_page = signed_in.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(approval_page, format!("/device?user_code={}", user_code.replace(' ', "%20")));
    let approval = h.http.get(h.url(&approval_page)).header("cookie", format!("ks_web={session}")).send().unwrap();
    assert_eq!(approval.status(), StatusCode::OK);
    let html = approval.text().unwrap();
    (session, hidden(&html, "csrf"), html)
}

fn decide(h: &Harness, session: Option<&str>, user_code: &str, csrf: &str, decision: &str) -> (StatusCode, String) {
    let mut request = h.http.post(h.url("/device/decision"));
    if let Some(session) = session {
        request = request.header("cookie", format!("ks_web={session}"));
    }
    let response = request.form(&[("user_code", user_code), ("csrf", csrf), ("decision", decision)]).send().unwrap();
    (response.status(), response.text().unwrap())
}

#[test]
fn the_full_flow_issues_one_session_token() {
    let h = harness(|_| {});
    let auth = start(&h);
    assert!(auth.verification_uri.ends_with("/device"));
    assert_eq!(auth.verification_uri_complete, format!("{}?user_code={}", auth.verification_uri, auth.user_code));
    assert_eq!((auth.interval, auth.expires_in), (1, 600));
    assert!(auth.device_code.len() >= 22, "at least 128 random bits");
    let code = &auth.user_code;
    assert!(
        code.len() == 9
            && code.as_bytes()[4] == b'-'
            && code.replace('-', "").bytes().all(|b| b"BCDFGHJKLMNPQRSTVWXZ".contains(&b))
    );

    let (status, body) = poll(&h, &auth.device_code);
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("authorization_pending")));

    let owner = h.dev.user(Role::Owner);
    // Typed loosely: lower case, without the dash.
    let typed = code.replace('-', "").to_lowercase();
    let (session, csrf, page) = sign_in(&h, &typed, &owner.email, &owner.password);
    assert!(page.contains("keystroke-cli") && page.contains("127.0.0.1") && page.contains(code), "{page}");
    let (status, page) = decide(&h, Some(&session), code, &csrf, "approve");
    assert_eq!(status, StatusCode::OK, "{page}");

    wait_interval();
    let (status, token) = poll(&h, &auth.device_code);
    assert_eq!(status, StatusCode::OK, "{token}");
    let access_token = token["access_token"].as_str().unwrap();
    assert!(access_token.starts_with("kss_"));
    let (status, me) = status_json(h.get("/api/me", Cred::Bearer(access_token)));
    assert_eq!((status, me["user"]["email"].as_str()), (StatusCode::OK, Some("ada@acme.test")));
    assert_eq!(me["memberships"].as_array().unwrap().len(), 2);

    wait_interval();
    let (status, again) = poll(&h, &auth.device_code);
    assert_eq!((status, again["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "redeemable once");
    // Used again, the code ends the session it gave (RFC 6749 §4.1.2): the first answer may have
    // been lost on its way, its token with it, or the code copied.
    assert!(again["error_description"].as_str().unwrap().contains("the session it gave is ended"), "{again}");
    assert_eq!(h.get("/api/me", Cred::Bearer(access_token)).status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn two_concurrent_polls_after_approval_yield_exactly_one_token() {
    let h = harness(|_| {});
    let auth = start(&h);
    let owner = h.dev.user(Role::Owner);
    let user_id = h.dev.storage().user_by_email(&owner.email).unwrap().unwrap().user.id;
    let cli_sessions =
        || h.dev.storage().sessions_of(&user_id, now()).unwrap().iter().filter(|s| s.client == "keystroke-cli").count();
    let before = cli_sessions();
    let (session, csrf, _) = sign_in(&h, &auth.user_code, &owner.email, &owner.password);
    assert_eq!(decide(&h, Some(&session), &auth.user_code, &csrf, "approve").0, StatusCode::OK);
    let results: Vec<(StatusCode, Value)> = std::thread::scope(|s| {
        let polls: Vec<_> = (0..2).map(|_| s.spawn(|| poll(&h, &auth.device_code))).collect();
        polls.into_iter().map(|p| p.join().unwrap()).collect()
    });
    let tokens = results.iter().filter(|(status, _)| *status == StatusCode::OK).count();
    assert_eq!(tokens, 1, "{results:?}");
    // The other poll is refused as RFC 8628 allows: it came too fast, or the code was used, which
    // also ends the session the code gave (RFC 6749 §4.1.2: one code, two pollers, is a copy).
    let (status, refused) = results.iter().find(|(status, _)| *status != StatusCode::OK).unwrap();
    assert_eq!(*status, StatusCode::BAD_REQUEST, "{refused}");
    match refused["error"].as_str().unwrap() {
        "slow_down" => assert_eq!(cli_sessions(), before + 1, "exactly one session was made"),
        "invalid_grant" => assert_eq!(cli_sessions(), before, "the one session made was ended"),
        other => panic!("{other}: {refused}"),
    }
}

#[test]
fn malformed_oauth_requests_get_oauth_errors_in_json() {
    let h = harness(|_| {});
    let (status, body) = status_json(h.http.post(h.url("/oauth/device/code")).send().unwrap());
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    assert_eq!(
        body["error_description"],
        "send the body as a form, with `Content-Type: application/x-www-form-urlencoded`"
    );
    let (status, body) =
        status_json(h.http.post(h.url("/oauth/device/code")).form(&[("client_id", "other")]).send().unwrap());
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_client")));
    let duplicate = "grant_type=x&grant_type=y";
    let request = h.http.post(h.url("/oauth/token")).header("content-type", "application/x-www-form-urlencoded");
    let (status, body) = status_json(request.body(duplicate).send().unwrap());
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    // A form that is a form, with a problem: the problem, not advice about the content type.
    assert_eq!(body["error_description"], "the form: duplicate field `grant_type`");
    let (_, body) = status_json(h.http.post(h.url("/oauth/token")).form(&[("grant_type", "password")]).send().unwrap());
    assert_eq!(body["error"], "unsupported_grant_type");
    // RFC 6749 §5.2: a missing parameter is `invalid_request`, not an unsupported grant type.
    let empty: [(&str, &str); 0] = [];
    let (status, body) = status_json(h.http.post(h.url("/oauth/token")).form(&empty).send().unwrap());
    assert_eq!(
        (status, &body["error"], &body["error_description"]),
        (StatusCode::BAD_REQUEST, &"invalid_request".into(), &"`grant_type` is required".into())
    );
}

#[test]
fn polling_too_fast_slows_the_client_down() {
    // An interval no loaded machine takes between two polls sent one after the other.
    let h = harness(|c| c.device_poll_interval_secs = 60);
    let auth = start(&h);
    assert_eq!(auth.interval, 60);
    assert_eq!(poll(&h, &auth.device_code).1["error"], "authorization_pending");
    let (_, body) = poll(&h, &auth.device_code);
    assert_eq!((body["error"].as_str(), body["interval"].as_u64()), (Some("slow_down"), Some(65)));
    let (_, body) = poll(&h, &auth.device_code);
    assert_eq!((body["error"].as_str(), body["interval"].as_u64()), (Some("slow_down"), Some(70)));
}

#[test]
fn an_unanswered_request_expires() {
    let h = harness(|c| c.device_code_ttl_secs = 1);
    let auth = start(&h);
    std::thread::sleep(Duration::from_millis(2100));
    let (_, body) = poll(&h, &auth.device_code);
    assert_eq!(body["error"], "expired_token");
    // Nor can it be approved any more.
    let owner = h.dev.user(Role::Owner);
    let response = attempt_sign_in(&h, &owner.email, &owner.password, &auth.user_code);
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Said as expired, with the way on, and the field it is about marked and focused.
    let page = response.text().unwrap();
    assert!(page.contains("That code has expired. Run keystroke auth login again for a new one."), "{page}");
    assert!(
        page.contains(&format!(r#"name="user_code" value="{}""#, auth.user_code))
            && page.contains(r#"required aria-invalid="true" aria-describedby="problem" autofocus>"#),
        "{page}"
    );
}

/// Approve pressed twice, or its answer reloaded: the person's own approval is said again, not
/// "unknown code"; another person's decision is not theirs to hear of but as a used code. The
/// approval page offers to sign in as someone else, and leads back to the code.
#[test]
fn a_decision_sent_twice_is_said_as_made_and_the_page_can_change_account() {
    let h = harness(|_| {});
    let auth = start(&h);
    let owner = h.dev.user(Role::Owner);
    let (session, csrf, page) = sign_in(&h, &auth.user_code, &owner.email, &owner.password);
    let switch = format!(r#"<a href="/login?next=/device%3Fuser_code%3D{}">"#, auth.user_code);
    assert!(page.contains(&format!("(not you? {switch}sign in as someone else</a>)")), "{page}");
    // When, as the key tables and the CLI write times.
    let requested = page.split("<dt>Requested at</dt><dd>").nth(1).unwrap().split("</dd>").next().unwrap();
    assert!(requested.ends_with(" UTC") && requested.len() == "2026-11-28 10:55 UTC".len(), "{requested}");

    let (status, first) = decide(&h, Some(&session), &auth.user_code, &csrf, "approve");
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(first.contains("<h1>Device approved</h1>") && !first.contains("already"), "{first}");
    let (status, again) = decide(&h, Some(&session), &auth.user_code, &csrf, "approve");
    assert_eq!(status, StatusCode::OK, "{again}");
    assert!(again.contains("<h1>Device approved</h1>\n<p>You approved this sign-in already. Return to your terminal"));
    // Deny pressed after: too late, said so, with how to end the session it gave.
    let (status, late) = decide(&h, Some(&session), &auth.user_code, &csrf, "deny");
    assert_eq!(status, StatusCode::CONFLICT, "{late}");
    assert!(late.contains("Too late to deny: you approved this sign-in already. To end it, revoke its session"));

    let builder = h.dev.user(Role::Builder);
    let (other, other_csrf) = sign_in_elsewhere(&h, &builder.email, &builder.password);
    let (status, theirs) = decide(&h, Some(&other), &auth.user_code, &other_csrf, "approve");
    assert_eq!(status, StatusCode::NOT_FOUND, "{theirs}");
    assert!(theirs.contains("That code was used already"), "{theirs}");
    assert!(theirs.contains(r#"<p><a href="/device">Enter a code</a>.</p>"#), "{theirs}");
}

/// A browser session of `email`'s own, from a sign-in with a code of its own: (cookie, CSRF token
/// of its pages).
fn sign_in_elsewhere(h: &Harness, email: &str, password: &str) -> (String, String) {
    let auth = start(h);
    let (session, csrf, _) = sign_in(h, &auth.user_code, email, password);
    (session, csrf)
}

#[test]
fn deny_answers_access_denied() {
    let h = harness(|_| {});
    let auth = start(&h);
    let owner = h.dev.user(Role::Owner);
    h.dev.deny_device(&auth.user_code, &owner.email, &owner.password).unwrap();
    let (_, body) = poll(&h, &auth.device_code);
    assert_eq!(body["error"], "access_denied");
}

#[test]
fn approval_needs_a_signed_in_person_and_the_csrf_token() {
    let h = harness(|_| {});
    let auth = start(&h);
    let owner = h.dev.user(Role::Owner);

    // Opening verification_uri_complete approves nothing.
    let opened = h.http.get(&auth.verification_uri_complete).send().unwrap();
    assert!(opened.text().unwrap().contains("Sign in"), "the link only fills in the code");

    // No session cookie.
    let (status, _) = decide(&h, None, &auth.user_code, "whatever", "approve");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Signing in without the sign-in form's CSRF token.
    let response = h
        .http
        .post(h.url("/device"))
        .form(&[
            ("email", &*owner.email),
            ("password", &owner.password),
            ("user_code", &auth.user_code),
            ("csrf", "forged"),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(cookie(&response, "ks_web").is_none());
    // Signed in, but without (or with a wrong) CSRF token on the decision.
    let (session, _csrf, _) = sign_in(&h, &auth.user_code, &owner.email, &owner.password);
    assert_eq!(decide(&h, Some(&session), &auth.user_code, "", "approve").0, StatusCode::FORBIDDEN);
    assert_eq!(decide(&h, Some(&session), &auth.user_code, &"0".repeat(64), "approve").0, StatusCode::FORBIDDEN);

    assert_eq!(poll(&h, &auth.device_code).1["error"], "authorization_pending", "nothing was approved");
    // The page's session cookie is no bearer token for the API.
    assert_eq!(h.get("/api/me", Cred::Bearer(&session)).status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn wrong_passwords_are_rate_limited() {
    let h = harness(|_| {});
    let auth = start(&h);
    let owner = h.dev.user(Role::Owner);
    let attempt = |password: &str| attempt_sign_in(&h, &owner.email, password, &auth.user_code);
    for _ in 0..10 {
        let wrong = attempt("wrong password");
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        // The form comes back with what was typed but the password.
        let page = wrong.text().unwrap();
        assert!(page.contains(&format!(r#"value="{}""#, owner.email)), "{page}");
        assert!(page.contains(&format!(r#"value="{}""#, auth.user_code)), "{page}");
    }
    let throttled = attempt("wrong password");
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.headers()["retry-after"], "900", "says how long to wait: the 15-minute window");
    assert!(throttled.text().unwrap().contains("Wait up to 15 minutes and try again."), "the page says the same");
    assert_eq!(attempt(&owner.password).status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
}

/// Guessing user codes (to approve someone else's sign-in) is throttled like guessing passwords.
#[test]
fn wrong_codes_are_rate_limited() {
    let h = harness(|_| {});
    let auth = start(&h);
    let owner = h.dev.user(Role::Owner);
    for guess in 0..10 {
        let wrong = attempt_sign_in(&h, &owner.email, &owner.password, &format!("BCDF-GH{guess:02}"));
        assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
        assert!(wrong.text().unwrap().contains("That code is not valid"));
    }
    let throttled = attempt_sign_in(&h, &owner.email, &owner.password, &auth.user_code);
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS, "even the right code waits");
    assert_eq!(poll(&h, &auth.device_code).1["error"], "authorization_pending", "nothing was approved");
}

/// Codes posted straight to the decision, without their page, are guesses like any other: a
/// signed-in browser gets ten, then waits, right code included.
#[test]
fn wrong_codes_posted_to_the_decision_are_rate_limited_too() {
    let h = harness(|_| {});
    let owner = h.dev.user(Role::Owner);
    let auth = start(&h);
    let (session, csrf, _) = sign_in(&h, &auth.user_code, &owner.email, &owner.password);
    for guess in 0..10 {
        let (status, _) = decide(&h, Some(&session), &format!("BCDF-GH{guess:02}"), &csrf, "deny");
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = decide(&h, Some(&session), &auth.user_code, &csrf, "approve");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "even the right code waits");
    assert_eq!(poll(&h, &auth.device_code).1["error"], "authorization_pending", "nothing was approved");
}

/// A link to the approval page followed from another site carries the session (its cookie is
/// `SameSite=Lax`) but not the lookup: its code is filled in, to look up with a click, so that a
/// hostile page sending a signed-in browser to code after code spends none of its address's tries.
#[test]
fn codes_in_links_from_other_sites_are_filled_in_not_tried() {
    let h = harness(|_| {});
    let owner = h.dev.user(Role::Owner);
    let auth = start(&h);
    let (session, _, _) = sign_in(&h, &auth.user_code, &owner.email, &owner.password);
    let open = |code: &str, site: &str| {
        let link =
            h.http.get(h.url(&format!("/device?user_code={code}"))).header("cookie", format!("ks_web={session}"));
        let response = link.header("sec-fetch-site", site).send().unwrap();
        (response.status(), response.text().unwrap())
    };
    for guess in 0..12 {
        let site = if guess % 2 == 0 { "cross-site" } else { "same-site" };
        let (status, page) = open(&format!("BCDF-GH{guess:02}"), site);
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("<h1>Enter your code</h1>"), "{page}");
        assert!(page.contains(&format!("value=\"BCDF-GH{guess:02}\"")), "filled in: {page}");
    }
    let (status, page) = open(&auth.user_code, "same-origin");
    assert_eq!(status, StatusCode::OK, "no try was spent: {page}");
    assert!(page.contains("name=\"decision\""), "the approval page: {page}");
}

/// The host name the CLI gives is shown on the approval page and kept with the session, with
/// its last use, so `keystroke session list` can tell machines apart. One that would not pass
/// as a name (an escape sequence, say) is dropped.
#[test]
fn the_device_name_goes_from_the_approval_page_to_the_session() {
    let h = harness(|_| {});
    let owner = h.dev.user(Role::Owner);
    // Secrets pasted without their prefix fit a host label and a product token, and would be
    // kept in the database in clear.
    let key_body = mint("key_test_").plaintext["key_test_".len()..].to_owned();
    let token_body = owner.session_token.split_once('_').unwrap().1.to_owned();
    let cases = [
        ("ada-laptop.local", Some("ada-laptop.local")),
        (&*token_body, None),
        (&*format!("ci.{key_body}.acme.test"), None),
        ("evil\u{1b}[2J", None),
        ("<b>x</b>", None),
        ("Ada's laptop, approved by IT", None),
        ("ci-runner-7.build.acme.test", Some("ci-runner-7.build.acme.test")),
        ("-approved-.by.it", None),
        ("trailing.dot.", None),
        (&*format!("{}.example", "a".repeat(64)), None),
    ];
    for (given, kept) in cases {
        let form = [("client_id", "keystroke-cli"), ("device_name", given)];
        let auth: DeviceAuthorization =
            h.http.post(h.url("/oauth/device/code")).form(&form).send().unwrap().json().unwrap();
        let (session, csrf, page) = sign_in(&h, &auth.user_code, &owner.email, &owner.password);
        let shown = format!("<dt>Device (as it says)</dt><dd>{}</dd>", kept.unwrap_or("(not given)"));
        assert!(page.contains(&shown), "{page}");
        assert!(!page.contains("<b>x</b>"), "{page}");
        assert_eq!(decide(&h, Some(&session), &auth.user_code, &csrf, "approve").0, StatusCode::OK);
        let (status, token) = poll(&h, &auth.device_code);
        assert_eq!(status, StatusCode::OK, "{token}");
        let token = token["access_token"].as_str().unwrap().to_owned();
        let (_, sessions) = status_json(h.get("/api/sessions", Cred::Bearer(&token)));
        let this = sessions.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap().clone();
        assert_eq!(this["device"], kept.map_or(Value::Null, Value::from), "{sessions}");
        assert!(this["last_used_at"].is_string(), "the listing itself used it: {this}");
    }
    // The client software, from `User-Agent`: its first product only, never free text.
    let agents = [
        (Some("keystroke/0.1.0 (linux)"), "keystroke/0.1.0"),
        (Some("Keystroke has verified this device. It is safe to approve."), "software that did not say"),
        (Some("<b>x</b>/1"), "software that did not say"),
        (None, "software that did not say"),
        (Some(&*format!("k/{key_body}")), "software that did not say"),
    ];
    for (agent, shown) in agents {
        let mut request = h.http.post(h.url("/oauth/device/code")).form(&[("client_id", "keystroke-cli")]);
        if let Some(agent) = agent {
            request = request.header("user-agent", agent);
        }
        let auth: DeviceAuthorization = request.send().unwrap().json().unwrap();
        let (_, _, page) = sign_in(&h, &auth.user_code, &owner.email, &owner.password);
        let expected = format!("<dt>Client (as it says)</dt><dd>keystroke-cli ({shown})</dd>");
        assert!(page.contains(&expected), "{agent:?}: {page}");
    }
}

/// The approval page says what approving grants, and says loudly when the sign-in was asked for
/// from another address than the approver's: where a link to someone else's code comes from.
#[test]
fn the_approval_page_says_what_it_grants_and_warns_of_another_address() {
    let h = harness(|config| config.behind_proxy = true);
    let owner = h.dev.user(Role::Owner);
    let grants = "Approving signs that program in as you for 30 days, in every org you belong to and with your \
                  role in each";
    let warning = "This sign-in was requested from another address (203.0.113.7) than yours (127.0.0.1)";

    let here = start(&h);
    let (_, _, page) = sign_in(&h, &here.user_code, &owner.email, &owner.password);
    assert!(page.contains(grants), "{page}");
    assert!(!page.contains("requested from another address"), "same address, no warning: {page}");
    assert!(page.contains(r#"value="approve">Approve</button>"#), "{page}");

    let form = [("client_id", "keystroke-cli")];
    let elsewhere = h.http.post(h.url("/oauth/device/code")).header("x-forwarded-for", "203.0.113.7").form(&form);
    let elsewhere: DeviceAuthorization = elsewhere.send().unwrap().json().unwrap();
    let (session, _, page) = sign_in(&h, &elsewhere.user_code, &owner.email, &owner.password);
    assert!(page.contains(grants) && page.contains(warning), "{page}");
    // Read out with the button it is about.
    assert!(page.contains(r#"<p class="error" id="elsewhere" role="alert">"#), "{page}");
    assert!(page.contains(r#"value="approve" aria-describedby="elsewhere">Approve</button>"#), "{page}");
    // Opened again by the link, with the session: the same warning.
    let reopened = h.http.get(h.url(&format!("/device?user_code={}", elsewhere.user_code)));
    let reopened = reopened.header("cookie", format!("ks_web={session}")).send().unwrap().text().unwrap();
    assert!(reopened.contains(warning), "{reopened}");
    // A code mistyped there comes back in its field, to be corrected rather than typed again.
    let mistyped = h.http.get(h.url("/device?user_code=BCDF-GH00")).header("cookie", format!("ks_web={session}"));
    let mistyped = mistyped.send().unwrap();
    assert_eq!(mistyped.status(), StatusCode::NOT_FOUND);
    assert!(mistyped.text().unwrap().contains(r#"name="user_code" value="BCDF-GH00""#));
}

#[test]
fn sessions_are_listed_revoked_and_logged_out_one_at_a_time() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let second = keystroke_platform::admin::issue_session(h.dev.storage(), "ada@acme.test", 3600).unwrap();
    let (status, sessions) = status_json(h.get("/api/sessions", Cred::Bearer(&owner)));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    assert_eq!(sessions.as_array().unwrap().iter().filter(|s| s["current"] == true).count(), 1);
    assert!(!sessions.to_string().contains("kss_"), "tokens are never listed");

    let logout = h.send(h.http.post(h.url("/api/logout")), Cred::Bearer(&second));
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(h.get("/api/me", Cred::Bearer(&second)).status(), StatusCode::UNAUTHORIZED, "revoked at once");
    assert_eq!(h.get("/api/me", Cred::Bearer(&owner)).status(), StatusCode::OK, "only the current session");

    let third = keystroke_platform::admin::issue_session(h.dev.storage(), "ada@acme.test", 3600).unwrap();
    let me: Value = h.get("/api/me", Cred::Bearer(&third)).json().unwrap();
    let id = me["session"]["id"].as_str().unwrap();
    let (status, revoked) = status_json(h.delete(&format!("/api/sessions/{id}"), Cred::Bearer(&owner)));
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!((&revoked["id"], &revoked["current"]), (&me["session"]["id"], &Value::Bool(false)));
    let revoked_at = revoked["revoked_at"].as_str().expect("the answer says when");
    assert!(revoked_at.ends_with('Z') && revoked_at >= me["session"]["created_at"].as_str().unwrap(), "{revoked}");
    assert_eq!(h.get("/api/me", Cred::Bearer(&third)).status(), StatusCode::UNAUTHORIZED);
    let (status, _) = status_json(h.delete(&format!("/api/sessions/{id}"), Cred::Bearer(&owner)));
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked once, not twice");
    let (_, listed) = status_json(h.get("/api/sessions", Cred::Bearer(&owner)));
    assert!(listed.as_array().unwrap().iter().all(|s| s.get("revoked_at").is_none()), "lists hold active ones");

    let expired = keystroke_platform::admin::issue_session(h.dev.storage(), "ada@acme.test", 0).unwrap();
    assert_eq!(h.get("/api/me", Cred::Bearer(&expired)).status(), StatusCode::UNAUTHORIZED, "an expired session");
}

/// A session's last use written before the clock was set back is written again at the next use,
/// not left in the future until the clock catches up.
#[test]
fn a_sessions_last_use_from_before_the_clock_went_back_is_rewritten() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let me: Value = h.get("/api/me", Cred::Bearer(&owner)).json().unwrap(); // a use, recorded now
    let id = me["session"]["id"].as_str().unwrap();
    let (storage, now) = (h.dev.storage(), now());
    assert!(!storage.touch_session(id, now), "within the minute: not written again");
    assert!(storage.touch_session(id, now - 3600), "an hour back: written");
    assert_eq!(storage.session(id).unwrap().unwrap().last_used_at, Some(now - 3600));
}

#[test]
fn sessions_reach_org_resources_by_naming_the_org() {
    let h = Harness::start();
    let builder = h.token(Role::Builder);
    let named = |org: &str| {
        h.send(h.http.get(h.url("/api/projects")).header("x-keystroke-org", org), Cred::Bearer(&builder)).status()
    };
    assert_eq!(named("acme"), StatusCode::OK);
    assert_eq!(named("globex"), StatusCode::NOT_FOUND, "not a member");
    let (status, body) = status_json(h.get("/api/projects", Cred::Bearer(&builder)));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("x-keystroke-org"));
    assert_eq!(h.get("/api/orgs/acme/members", Cred::Bearer(&builder)).status(), StatusCode::FORBIDDEN);
    assert_eq!(h.get("/api/orgs/acme/members", Cred::Bearer(&h.token(Role::Admin))).status(), StatusCode::OK);
}

#[test]
fn an_api_key_cannot_act_as_a_user() {
    let h = Harness::start();
    let key = h.create_key(&h.token(Role::Owner), "acme", "k").secret;
    let (status, body) = status_json(h.get("/api/me", Cred::Bearer(&key)));
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["error"]["message"].as_str().unwrap().contains("keystroke auth login"));
    assert_eq!(h.send(h.http.post(h.url("/api/logout")), Cred::Bearer(&key)).status(), StatusCode::FORBIDDEN);
}

#[test]
fn device_codes_and_session_tokens_never_reach_the_database() {
    let h = harness(|_| {});
    let auth = start(&h);
    let owner = h.dev.user(Role::Owner);
    h.dev.approve_device(&auth.user_code, &owner.email, &owner.password).unwrap();
    wait_interval();
    let (_, token) = poll(&h, &auth.device_code);
    let token = token["access_token"].as_str().unwrap().to_owned();
    let stored = h.database_bytes();
    assert!(!stored.contains(&auth.device_code));
    assert!(!stored.contains(&token[4..]));
}

/// `keystroke-platform user sign-out` also stops a CLI sign-in approved but not yet collected:
/// it would otherwise become a session right after.
#[test]
fn signing_a_user_out_everywhere_stops_an_approved_sign_in_too() {
    let h = harness(|_| {});
    let auth = start(&h);
    let owner = h.dev.user(Role::Owner);
    h.dev.approve_device(&auth.user_code, &owner.email, &owner.password).unwrap();
    let (_, ended) = keystroke_platform::admin::sign_out_everywhere(h.dev.storage(), &owner.email).unwrap();
    assert!(ended >= 2, "the dev session and the approval page's: {ended}");
    wait_interval();
    let (status, body) = poll(&h, &auth.device_code);
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("access_denied")), "{body}");
    // Nobody pressed "Deny": the description names the other way a sign-in is denied.
    let description = body["error_description"].as_str().unwrap();
    assert!(description.contains("an administrator who signed the account out"), "{description}");
    assert_eq!(h.get("/api/me", Cred::Bearer(&owner.session_token)).status(), StatusCode::UNAUTHORIZED);
}

/// The decision is written only while the approver's web session is live, in the same
/// statement: a sign-out everywhere between the page's check of the session and the write (which
/// turns approvals already written into denials) decides nothing, and no session comes of it.
#[test]
fn a_decision_needs_the_approvers_session_live_when_it_is_written() {
    let h = harness(|_| {});
    let auth = start(&h);
    let owner = h.dev.user(Role::Owner);
    let (web_token, _, _) = sign_in(&h, &auth.user_code, &owner.email, &owner.password);
    let approver = h.dev.storage().session_credential(&hash_secret(&web_token)).unwrap().unwrap().session_id;
    keystroke_platform::admin::sign_out_everywhere(h.dev.storage(), &owner.email).unwrap();
    let code = keystroke_platform::tokens::normalize_user_code(&auth.user_code).unwrap();
    assert!(!h.dev.storage().decide_device_authorization(&code, &approver, true, now()).unwrap());
    wait_interval();
    let (status, body) = poll(&h, &auth.device_code);
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("authorization_pending")), "{body}");

    // The same, decided by a live session: the sign-in completes as its user.
    let (web_token, _, _) = sign_in(&h, &auth.user_code, &owner.email, &owner.password);
    let approver = h.dev.storage().session_credential(&hash_secret(&web_token)).unwrap().unwrap().session_id;
    assert!(h.dev.storage().decide_device_authorization(&code, &approver, true, now()).unwrap());
    wait_interval();
    let (status, body) = poll(&h, &auth.device_code);
    assert_eq!(status, StatusCode::OK, "{body}");
    let me = h.get("/api/me", Cred::Bearer(body["access_token"].as_str().unwrap()));
    assert_eq!(status_json(me).1["user"]["email"], owner.email.as_str());
}

/// A right code is forgiven: only the wrong ones use up an address's ten tries.
#[test]
fn right_codes_do_not_count_against_the_address() {
    let h = harness(|_| {});
    let owner = h.dev.user(Role::Owner);
    let first = start(&h);
    let (session, csrf, _) = sign_in(&h, &first.user_code, &owner.email, &owner.password);
    let wrong_guess = |guess: u32| decide(&h, Some(&session), &format!("BCDF-GH{guess:02}"), &csrf, "deny").0;
    for guess in 0..9 {
        assert_eq!(wrong_guess(guess), StatusCode::NOT_FOUND);
    }
    let (status, _) = decide(&h, Some(&session), &first.user_code, &csrf, "approve");
    assert_eq!(status, StatusCode::OK, "the tenth try, a right one");
    assert_eq!(poll(&h, &first.device_code).0, StatusCode::OK);
    assert_eq!(wrong_guess(9), StatusCode::NOT_FOUND, "the tenth wrong guess is still a guess");
    assert_eq!(wrong_guess(10), StatusCode::TOO_MANY_REQUESTS);
}

/// Anyone may start a sign-in, so one address gets thirty in a window, then a 429 that says how
/// long to wait, in RFC 6749's shape like every other answer of `/oauth/…`.
#[test]
fn sign_ins_started_from_one_address_are_limited() {
    let h = harness(|_| {});
    for _ in 0..30 {
        start(&h);
    }
    let refused = h.http.post(h.url("/oauth/device/code")).form(&[("client_id", "keystroke-cli")]).send().unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["retry-after"], "900");
    let (_, body) = status_json(refused);
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(body["error_description"].as_str().unwrap().contains("try again in up to 15 minutes"), "{body}");
}

/// Starting a sign-in deletes those that expired over an hour ago, so the table keeps only
/// recent ones and an old user code can be given out again; a live one's code cannot.
#[test]
fn expired_sign_ins_are_deleted_and_their_codes_freed() {
    let h = harness(|_| {});
    let storage = h.dev.storage();
    let authorization = |user_code: &str, expired_secs_ago: i64| NewDeviceAuthorization {
        id: format!("dev_{user_code}"),
        device_code_hash: hash_secret(user_code),
        user_code: user_code.to_owned(),
        client_id: "keystroke-cli".to_owned(),
        client_name: "keystroke/test".to_owned(),
        requester_ip: "127.0.0.1".to_owned(),
        created_at: now() - expired_secs_ago - 600,
        expires_at: now() - expired_secs_ago,
        interval_secs: 5,
        device_name: None,
    };
    assert!(storage.insert_device_authorization(&authorization("BCDF-GHJK", 2 * 3600)).unwrap());
    assert!(storage.insert_device_authorization(&authorization("LMNP-QRST", 30 * 60)).unwrap());
    let live = start(&h);
    let db = rusqlite::Connection::open(&h.dev.db_path).unwrap();
    let codes: Vec<Vec<u8>> = db
        .prepare("SELECT user_code_hash FROM device_authorizations ORDER BY created_at")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Kept as their hashes, as device codes are: a copy of the database gives no code away.
    let hashed = |code: &str| hash_secret(code).0.to_vec();
    assert_eq!(codes, [hashed("LMNP-QRST"), hashed(&live.user_code)], "the one expired two hours ago is gone");

    let mut again = authorization("BCDF-GHJK", -600);
    again.id = "dev_again".to_owned();
    again.device_code_hash = hash_secret("again");
    assert!(storage.insert_device_authorization(&again).unwrap(), "a freed code is given again");
    let mut taken = authorization(&live.user_code, -600);
    taken.id = "dev_taken".to_owned();
    assert!(!storage.insert_device_authorization(&taken).unwrap(), "a live sign-in keeps its code");
    // Any other refusal is an error, not "draw another code".
    let mut same_id = authorization("ZZZZ-ZZZZ", -600);
    same_id.id = "dev_again".to_owned();
    assert!(storage.insert_device_authorization(&same_id).is_err());
}

/// A key or token pasted where the user code goes is not written back into the page's field,
/// with its prefix or without it.
#[test]
fn a_secret_typed_as_the_code_is_not_put_back_in_the_page() {
    let h = harness(|_| {});
    let owner = h.dev.user(Role::Owner);
    let secret = h.create_key(&owner.session_token, "acme", "pasted").secret;
    let body = &secret["key_test_".len()..];
    for typed in [secret.as_str(), body] {
        let shown = h.http.get(h.url(&format!("/device?user_code={typed}"))).send().unwrap().text().unwrap();
        assert!(shown.contains(r#"name="user_code" value="""#) && !shown.contains(body), "{shown}");
        let refused = attempt_sign_in(&h, &owner.email, "wrong password!", typed);
        assert_eq!(refused.status(), StatusCode::NOT_FOUND);
        assert!(!refused.text().unwrap().contains(body));
    }
    let typo = attempt_sign_in(&h, &owner.email, "wrong password!", "BCDF-GHJX");
    assert!(typo.text().unwrap().contains(r#"value="BCDF-GHJX""#), "an ordinary typo comes back to be fixed");
}
