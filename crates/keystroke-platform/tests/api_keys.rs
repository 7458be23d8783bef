//! The API-key rules of `doc/api-keys.md` and the key format, against a real platform and SQLite
//! file.

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;

use common::{Cred, Harness, error_code, http_client, status_json};
use keystroke_api::{ApiKey, Page, Role, routes};
use keystroke_platform::storage::SqliteStorage;
use keystroke_platform::{BackgroundServer, Config, Mode, admin};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn list(h: &Harness, token: &str, org: &str) -> Vec<ApiKey> {
    let response = h.get(&format!("/api/orgs/{org}/api-keys"), Cred::Bearer(token));
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Page<ApiKey>>().unwrap().data
}

#[test]
fn create_returns_the_secret_once_and_nothing_else_ever_does() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let response =
        h.post_json("/api/orgs/acme/api-keys", Cred::Bearer(&owner), json!({"name": "Production automation"}));
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let created: Value = response.json().unwrap();
    let secret = created["secret"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    assert!(secret.starts_with("key_test_") && secret.len() == "key_test_".len() + 38, "{secret}");
    assert!(id.starts_with("ak_") && !id.starts_with("key_"));
    let random = &secret["key_test_".len()..];
    assert_eq!(created["preview"], format!("key_test_{}…{}", &random[..4], &random[28..32]));
    assert_eq!(created["name"], "Production automation");

    // No answer is for a cache to keep: a shared one may store an answer to `x-api-key` (it
    // keeps none to `Authorization`) and serve it to the next caller.
    for (path, cred) in [("/api/orgs/acme/members", Cred::XApiKey(secret)), ("/api/me", Cred::Bearer(&owner))] {
        assert_eq!(h.get(path, cred).headers()["cache-control"], "no-store", "{path}");
    }
    let listed = h.get("/api/orgs/acme/api-keys", Cred::Bearer(&owner)).text().unwrap();
    let shown = h.get(&format!("/api/orgs/acme/api-keys/{id}"), Cred::Bearer(&owner)).text().unwrap();
    for body in [&listed, &shown] {
        assert!(body.contains(id), "{body}");
        assert!(!body.contains(secret) && !body.contains(&random[4..28]), "a later response leaked the secret: {body}");
        assert!(!body.contains("secret") && !body.contains("hash"), "{body}");
    }
}

#[test]
fn keys_work_as_bearer_or_x_api_key_and_in_the_query_only_on_the_webhook() {
    let h = Harness::start();
    let created = h.create_key(&h.token(Role::Builder), "acme", "ci");
    let key = created.secret;
    assert_eq!(h.get("/api/projects", Cred::Bearer(&key)).status(), StatusCode::OK);
    assert_eq!(h.get("/api/projects", Cred::XApiKey(&key)).status(), StatusCode::OK);
    // A base URL that ends in `/`, joined with the path as the seed page's curl joins it.
    assert_eq!(h.get("//api/projects", Cred::Bearer(&key)).status(), StatusCode::OK);
    assert_eq!(h.get("/api/projects/", Cred::XApiKey(&key)).status(), StatusCode::OK);
    // The scheme's name in any case, followed by a tab as by a space.
    for header in [format!("bearer {key}"), format!("BEARER {key}"), format!("Bearer\t{key}")] {
        let response = h.http.get(h.url("/api/projects")).header("authorization", header).send().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let basic = h.http.get(h.url("/api/projects")).header("authorization", format!("Basic {key}"));
    let (status, body) = status_json(basic.send().unwrap());
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "the `Authorization` header must use the `Bearer` scheme");

    let (status, body) = status_json(h.get(&format!("/api/projects?token={key}"), Cred::None));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["message"].as_str().unwrap().contains("only on webhook routes"), "{body}");

    for param in ["token", "api_key"] {
        let response = h.send(h.http.post(h.url(&format!("/api/hooks/deploy?{param}={key}"))), Cred::None);
        let (status, body) = status_json(response);
        assert_eq!((status, body), (StatusCode::OK, json!({"accepted": true, "org": "acme"})));
        // Left empty (a template not filled in), it is no credential, and said so.
        let response = h.send(h.http.post(h.url(&format!("/api/hooks/deploy?{param}="))), Cred::None);
        let (status, body) = status_json(response);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(body["error"]["message"].as_str().unwrap().starts_with("no credentials: send an API key"), "{body}");
    }
    for empty in [
        h.http.get(h.url("/api/projects")).header("x-api-key", ""),
        h.http.get(h.url("/api/projects")).header("authorization", "Bearer "),
    ] {
        let (status, body) = status_json(empty.send().unwrap());
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(body["error"]["message"].as_str().unwrap().starts_with("no credentials: send an API key"), "{body}");
    }
    // Each accepted deploy is on record with the key that triggered it.
    let org_id = h.dev.storage().org_by_slug("acme").unwrap().unwrap().id;
    let events = h.dev.storage().audit_events(&org_id).unwrap();
    let deploys: Vec<_> = events.iter().filter(|event| event.action == "deploy.trigger").collect();
    assert_eq!(deploys.len(), 2, "{events:?}");
    assert!(deploys.iter().all(|event| event.target_id == created.key.id), "{events:?}");
    // A user session reaches every org of its user: never in a URL, not even on the webhook.
    let session = h.token(Role::Builder);
    let hook = h.http.post(h.url(&format!("/api/hooks/deploy?token={session}"))).header("x-keystroke-org", "acme");
    let (status, body) = status_json(hook.send().unwrap());
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["message"].as_str().unwrap().contains("never accepted in the query string"), "{body}");
    // Nor under the header named for keys: it is named as the mistake it is.
    assert_eq!(h.get(routes::ME, Cred::Bearer(&session)).status(), StatusCode::OK);
    let (status, body) = status_json(h.get(routes::ME, Cred::XApiKey(&session)));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("send a user session token as `Authorization"),
        "{body}"
    );
}

#[test]
fn owners_and_admins_see_every_key_builders_only_their_own() {
    let h = Harness::start();
    let (owner, admin, builder) = (h.token(Role::Owner), h.token(Role::Admin), h.token(Role::Builder));
    let owners_key = h.create_key(&owner, "acme", "owner's");
    let builders_key = h.create_key(&builder, "acme", "builder's");

    for token in [&owner, &admin] {
        let keys = list(&h, token, "acme");
        assert_eq!(keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["builder's", "owner's"]);
        assert_eq!(keys[0].created_by.as_ref().unwrap().email, "grace@acme.test");
    }
    let builders_view = list(&h, &builder, "acme");
    assert_eq!(builders_view.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["builder's"]);
    assert!(builders_view[0].created_by.is_none(), "a builder's role does not see creators");
    // The create response shows the key as `list` and `show` do.
    assert!(builders_key.key.created_by.is_none(), "{:?}", builders_key.key);
    assert_eq!(owners_key.key.created_by.as_ref().unwrap().email, "ada@acme.test");

    // Someone else's key that a builder may not see: 404 to show or revoke, and it keeps working.
    let path = format!("/api/orgs/acme/api-keys/{}", owners_key.key.id);
    let (status, body) = status_json(h.get(&path, Cred::Bearer(&builder)));
    assert_eq!((status, error_code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(h.delete(&path, Cred::Bearer(&builder)).status(), StatusCode::NOT_FOUND);
    assert_eq!(h.projects_status(&owners_key.secret), StatusCode::OK);

    // Every member revokes their own keys; owners and admins revoke anyone's.
    let own = format!("/api/orgs/acme/api-keys/{}", builders_key.key.id);
    assert_eq!(h.delete(&own, Cred::Bearer(&builder)).status(), StatusCode::OK);
    let admins_key = h.create_key(&admin, "acme", "admin's");
    let another_builders_key = h.create_key(&builder, "acme", "builder's second");
    let by_owner = format!("/api/orgs/acme/api-keys/{}", another_builders_key.key.id);
    assert_eq!(h.projects_status(&another_builders_key.secret), StatusCode::OK);
    assert_eq!(h.delete(&by_owner, Cred::Bearer(&owner)).status(), StatusCode::OK);
    assert_eq!(h.projects_status(&another_builders_key.secret), StatusCode::UNAUTHORIZED, "the owner revoked it");
    assert_eq!(
        h.delete(&format!("/api/orgs/acme/api-keys/{}", admins_key.key.id), Cred::Bearer(&admin)).status(),
        StatusCode::OK
    );
    assert_eq!(h.delete(&path, Cred::Bearer(&admin)).status(), StatusCode::OK);
    assert_eq!(h.projects_status(&owners_key.secret), StatusCode::UNAUTHORIZED);
}

#[test]
fn a_key_carries_its_creators_current_role() {
    let h = Harness::start();
    let builders_key = h.create_key(&h.token(Role::Builder), "acme", "b").secret;
    let admins_key = h.create_key(&h.token(Role::Admin), "acme", "a").secret;
    let members = "/api/orgs/acme/members";

    let (status, body) = status_json(h.get(members, Cred::Bearer(&builders_key)));
    assert_eq!((status, error_code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    assert!(body["error"]["message"].as_str().unwrap().contains("admin role"), "{body}");
    let (status, body) = status_json(h.get(members, Cred::Bearer(&admins_key)));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 3);

    admin::set_role(h.dev.storage(), "acme", "alan@acme.test", Role::Builder).unwrap();
    assert_eq!(h.get(members, Cred::Bearer(&admins_key)).status(), StatusCode::FORBIDDEN, "demotion applies at once");
    assert_eq!(h.projects_status(&admins_key), StatusCode::OK, "builder-level access remains");

    admin::remove_member(h.dev.storage(), "acme", "alan@acme.test").unwrap();
    assert_eq!(h.projects_status(&admins_key), StatusCode::UNAUTHORIZED, "a removed member's keys stop working");
    // ... for good: adding the member back does not revive them.
    admin::add_member(h.dev.storage(), "acme", "alan@acme.test", Role::Owner).unwrap();
    assert_eq!(h.projects_status(&admins_key), StatusCode::UNAUTHORIZED);
    assert!(list(&h, &h.token(Role::Owner), "acme").iter().all(|k| k.name != "a"), "revoked keys leave the list");
}

/// A key created while its creator is being removed from the org is revoked with their other
/// keys or never written: none outlives the removal, not even once they are added back. (A probe
/// that created keys as fast as it could while `member remove` ran found some in every run.)
#[test]
fn no_key_created_during_a_removal_outlives_it() {
    let h = Harness::start();
    let builder = h.token(Role::Builder);
    let removed = AtomicBool::new(false);
    let created = std::sync::atomic::AtomicUsize::new(0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let answers: Vec<_> = std::thread::scope(|scope| {
        let creators: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let (mut secrets, mut refusals): (Vec<String>, Vec<(StatusCode, Value)>) = (Vec::new(), Vec::new());
                    // Until a request sent after the removal was answered.
                    while (!removed.load(SeqCst) || refusals.is_empty()) && std::time::Instant::now() < deadline {
                        let response =
                            h.post_json("/api/orgs/acme/api-keys", Cred::Bearer(&builder), json!({"name": "racing"}));
                        match status_json(response) {
                            (StatusCode::CREATED, body) => {
                                secrets.push(body["secret"].as_str().unwrap().to_owned());
                                created.fetch_add(1, SeqCst);
                            }
                            (status, body) => refusals.push((status, body["error"]["message"].clone())),
                        }
                    }
                    (secrets, refusals)
                })
            })
            .collect();
        // Removed once keys are being made (the creators have started, however slowly).
        while created.load(SeqCst) == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let removal = admin::remove_member(h.dev.storage(), "acme", "grace@acme.test");
        removed.store(true, SeqCst);
        removal.unwrap();
        creators.into_iter().map(|creator| creator.join().unwrap()).collect()
    });
    let (secrets, refusals): (Vec<_>, Vec<_>) = answers.into_iter().unzip();
    let (secrets, refusals) = (secrets.concat(), refusals.concat());
    assert!(!secrets.is_empty(), "keys were created before the removal");
    let not_a_member = (StatusCode::NOT_FOUND, json!("org `acme` not found among your orgs"));
    assert!(!refusals.is_empty() && refusals.iter().all(|refusal| *refusal == not_a_member), "{refusals:?}");

    admin::add_member(h.dev.storage(), "acme", "grace@acme.test", Role::Builder).unwrap();
    let working = secrets.iter().filter(|secret| h.projects_status(secret) != StatusCode::UNAUTHORIZED).count();
    assert_eq!(working, 0, "of {} keys created around the removal", secrets.len());
}

/// Checked where each write is made, in its transaction: whoever calls storage, a key, a project
/// or a deploy is written only as a member of its org.
#[test]
fn storage_refuses_writes_as_a_non_member() {
    use keystroke_platform::storage::NotAMember;
    let h = Harness::start();
    let outsider = "hedy@globex.test"; // globex's owner, not in acme
    let refused = keystroke_platform::dev::seed_keys(h.dev.storage(), "acme", outsider, 3).unwrap_err();
    assert!(refused.is::<NotAMember>(), "{refused:?}");
    assert!(list(&h, &h.token(Role::Owner), "acme").is_empty(), "no key written");
    let acme = h.dev.storage().org_by_slug("acme").unwrap().unwrap().id;
    let hedy = h.dev.storage().user_by_email(outsider).unwrap().unwrap().user.id;
    let project = h.dev.storage().create_project(&acme, "sneaked", &hedy, "ses_x", 1).unwrap_err();
    assert!(project.is::<NotAMember>(), "{project:?}");
    assert!(h.dev.storage().projects_of(&acme).unwrap().iter().all(|p| p.name != "sneaked"), "no project written");
    let deploy = h.dev.storage().record_deploy(&acme, &hedy, "ses_x", 1).unwrap_err();
    assert!(deploy.is::<NotAMember>(), "{deploy:?}");
    assert!(h.key_and_deploy_events("acme").is_empty(), "no audit event either");
}

/// Checked where each write is made too: a member's write through a key revoked or expired
/// since, or a credential that never was, is refused and writes nothing.
#[test]
fn storage_refuses_writes_through_a_credential_that_ended() {
    use keystroke_platform::storage::CredentialEnded;
    let h = Harness::start();
    let admin = h.token(Role::Admin);
    let revoked = h.create_key(&admin, "acme", "revoked").key.id;
    h.delete(&format!("/api/orgs/acme/api-keys/{revoked}"), Cred::Bearer(&admin));
    let (_, brief) = status_json(h.post_json(
        "/api/orgs/acme/api-keys",
        Cred::Bearer(&admin),
        json!({"name": "brief", "expires_in_seconds": 1}),
    ));
    let expired = brief["id"].as_str().unwrap().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let storage = h.dev.storage();
    let acme = storage.org_by_slug("acme").unwrap().unwrap().id;
    let alan = storage.user_by_email("alan@acme.test").unwrap().unwrap().user.id;
    let now = keystroke_platform::clock::now();
    for ended in [revoked.as_str(), &expired, "ak_neverissued0000000"] {
        let project = storage.create_project(&acme, "late", &alan, ended, now).unwrap_err();
        assert!(project.is::<CredentialEnded>(), "{ended}: {project:?}");
        let deploy = storage.record_deploy(&acme, &alan, ended, now).unwrap_err();
        assert!(deploy.is::<CredentialEnded>(), "{ended}: {deploy:?}");
    }
    assert!(storage.projects_of(&acme).unwrap().is_empty(), "no project written");
    assert!(h.key_and_deploy_events("acme").iter().all(|e| e.action != "deploy.trigger"), "no deploy recorded");
}

#[test]
fn a_key_of_one_org_never_reaches_another() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let acme_key = h.create_key(&owner, "acme", "acme").secret;
    let globex_key = h.create_key(&owner, "globex", "globex");

    // Naming the other org does not switch the key's org, and the refusal says why.
    let (status, body) = status_json(
        h.send(h.http.get(h.url("/api/projects")).header("x-keystroke-org", "globex"), Cred::Bearer(&acme_key)),
    );
    assert_eq!(
        (status, body["error"]["message"].as_str().unwrap()),
        (
            StatusCode::FORBIDDEN,
            "this API key belongs to org `acme` and acts only there, not in `globex`: use a key made in `globex`"
        )
    );
    let response = h.send(
        h.http.post(h.url("/api/projects")).header("x-keystroke-org", "globex").json(&json!({"name": "x"})),
        Cred::Bearer(&acme_key),
    );
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(h.get("/api/orgs/globex/members", Cred::Bearer(&acme_key)).status(), StatusCode::FORBIDDEN);
    // An org that does not exist gets the same answer: nothing about other orgs is revealed.
    let (status, nowhere) = status_json(
        h.send(h.http.get(h.url("/api/projects")).header("x-keystroke-org", "nowhere"), Cred::Bearer(&acme_key)),
    );
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, phrase) = status_json(h.send(
        h.http.get(h.url("/api/projects")).header("x-keystroke-org", "Globex: call +1-555-0100"),
        Cred::Bearer(&acme_key),
    ));
    assert_eq!(
        (status, phrase["error"]["message"].as_str().unwrap()),
        (
            StatusCode::FORBIDDEN,
            "this API key belongs to org `acme` and acts only there; the org given is not an org slug"
        ),
        "what is no slug is not repeated"
    );
    assert_eq!(
        nowhere,
        json!({"error": {"code": "forbidden", "message": body["error"]["message"].as_str().unwrap().replace("globex", "nowhere")}})
    );
    let (status, body) =
        status_json(h.send(h.http.post(h.url("/api/projects")).json(&json!({"name": "web"})), Cred::Bearer(&acme_key)));
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The globex project list stays empty: acme's key wrote to acme.
    let session_view =
        h.send(h.http.get(h.url("/api/projects")).header("x-keystroke-org", "globex"), Cred::Bearer(&owner));
    assert_eq!(session_view.json::<Value>().unwrap(), json!([]));
    let globex_view = h.get("/api/projects", Cred::Bearer(&globex_key.secret)).json::<Value>().unwrap();
    assert_eq!(globex_view, json!([]));
    // And a session acting in acme cannot revoke globex's key through acme's path.
    let path = format!("/api/orgs/acme/api-keys/{}", globex_key.key.id);
    assert_eq!(h.delete(&path, Cred::Bearer(&owner)).status(), StatusCode::NOT_FOUND);
    assert_eq!(h.projects_status(&globex_key.secret), StatusCode::OK);
}

#[test]
fn revocation_takes_effect_on_the_very_next_request() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let key = h.create_key(&owner, "acme", "doomed");
    assert_eq!(h.projects_status(&key.secret), StatusCode::OK);
    let (status, body) =
        status_json(h.delete(&format!("/api/orgs/acme/api-keys/{}", key.key.id), Cred::Bearer(&owner)));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], key.key.id.as_str());
    assert!(body["revoked_at"].as_str().is_some_and(|at| at.ends_with('Z')), "when it stopped working: {body}");
    assert_eq!(h.projects_status(&key.secret), StatusCode::UNAUTHORIZED);
    assert!(list(&h, &owner, "acme").is_empty(), "revoked keys leave the list");
    let audit = h.key_and_deploy_events("acme");
    assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["api_key.create", "api_key.revoke"]);
    assert!(audit.iter().all(|e| e.target_id == key.key.id));
}

/// Revocation is immediate under load too: with requests using the key on several keep-alive
/// connections at once (each served by a pooled database connection that may have read the key
/// an instant before), no request sent after the revocation's answer came back is let through.
#[test]
fn no_request_sent_after_a_revocation_is_answered_is_let_through() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let key = h.create_key(&owner, "acme", "revoked under load");
    let stop = AtomicBool::new(false);
    let answered_per_user: [AtomicUsize; 4] = Default::default();
    // Waits (with no clock but a generous limit) until every user has had `at_least` answers.
    let until_each_has = |at_least: [usize; 4]| {
        let limit = Instant::now() + Duration::from_secs(30);
        while answered_per_user.iter().zip(at_least).any(|(count, least)| count.load(Ordering::SeqCst) < least) {
            assert!(Instant::now() < limit, "the users' requests stopped being answered");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    let revoked_answered = std::thread::scope(|scope| {
        let users: Vec<_> = answered_per_user
            .iter()
            .map(|answered| {
                let (client, url, secret, stop) = (common::http_client(), h.url("/api/projects"), &key.secret, &stop);
                scope.spawn(move || {
                    let mut answers = Vec::new();
                    while !stop.load(Ordering::SeqCst) {
                        let sent = Instant::now();
                        let status = client.get(&url).bearer_auth(secret).send().unwrap().status();
                        answers.push((sent, status));
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    answers
                })
            })
            .collect();
        until_each_has([1; 4]);
        let revoke = h.delete(&format!("/api/orgs/acme/api-keys/{}", key.key.id), Cred::Bearer(&owner));
        assert_eq!(revoke.status(), StatusCode::OK);
        let answered = Instant::now();
        // Two more answers each: the first may have been sent before the revocation's answer, the
        // second was sent after it.
        until_each_has(answered_per_user.each_ref().map(|count| count.load(Ordering::SeqCst) + 2));
        stop.store(true, Ordering::SeqCst);
        let answers: Vec<_> = users.into_iter().flat_map(|user| user.join().unwrap()).collect();
        (answered, answers)
    });
    let (answered, answers) = revoked_answered;
    let after: Vec<_> = answers.iter().filter(|(sent, _)| *sent > answered).collect();
    assert!(answers.iter().any(|(sent, status)| *sent < answered && *status == StatusCode::OK), "used before");
    assert!(after.len() >= 4, "and after, on every connection: {after:?}");
    assert!(after.iter().all(|(_, status)| *status == StatusCode::UNAUTHORIZED), "{after:?}");
}

#[test]
fn every_bad_key_gets_the_same_401() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let revoked = h.create_key(&owner, "acme", "revoked");
    h.delete(&format!("/api/orgs/acme/api-keys/{}", revoked.key.id), Cred::Bearer(&owner));
    let expiring =
        h.post_json("/api/orgs/acme/api-keys", Cred::Bearer(&owner), json!({"name": "brief", "expires_in_seconds": 1}));
    let expiring: Value = expiring.json().unwrap();
    let good = h.create_key(&owner, "acme", "good").secret;
    let bad_checksum = format!("{}{}", &good[..good.len() - 1], if good.ends_with('A') { 'B' } else { 'A' });
    let unknown = {
        // Well-formed, valid checksum, never issued: mint one on a throwaway server.
        let other = Harness::start();
        other.create_key(&other.token(Role::Owner), "acme", "elsewhere").secret
    };
    std::thread::sleep(std::time::Duration::from_millis(2100));

    let bodies: Vec<(StatusCode, Option<String>, String)> = [
        "",
        "garbage",
        "key_test_short",
        bad_checksum.as_str(),
        unknown.as_str(),
        &revoked.secret,
        expiring["secret"].as_str().unwrap(),
    ]
    .into_iter()
    .map(|key| {
        let response = h.get("/api/projects", if key.is_empty() { Cred::None } else { Cred::Bearer(key) });
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        (response.status(), challenge, response.text().unwrap())
    })
    .collect();
    for (status, challenge, _) in &bodies {
        assert_eq!(*status, StatusCode::UNAUTHORIZED);
        // RFC 9110: a 401 names the scheme it takes, no credential sent or a bad one.
        assert_eq!(challenge.as_deref(), Some(r#"Bearer realm="keystroke""#));
    }
    // No credential is told so; every bad key, whatever is wrong with it, gets the one body.
    assert!(bodies[0].2.contains("no credentials"), "{}", bodies[0].2);
    let invalid: Value = serde_json::from_str(&bodies[1].2).unwrap();
    assert_eq!(invalid["error"]["message"], keystroke_api::INVALID_CREDENTIAL_MESSAGE, "{invalid}");
    for (_, _, body) in &bodies[1..] {
        assert_eq!(body, &bodies[1].2, "every bad key gets a byte-identical body");
    }
    assert_eq!(h.projects_status(&good), StatusCode::OK);
}

#[test]
fn the_database_never_holds_a_secret() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let secrets: Vec<String> = (0..5).map(|i| h.create_key(&owner, "acme", &format!("k{i}")).secret).collect();
    for secret in &secrets {
        assert_eq!(h.projects_status(secret), StatusCode::OK);
    }
    let stored = h.database_bytes();
    for secret in &secrets {
        let random = &secret["key_test_".len().."key_test_".len() + 32];
        assert!(!stored.contains(random), "a secret's random part is in the database files");
    }
    for user in &h.dev.credentials.users {
        assert!(!stored.contains(&user.session_token[4..]), "a session token is in the database files");
        assert!(!stored.contains(&user.password), "a password is in the database files");
    }
}

#[test]
fn api_keys_cannot_manage_keys_and_one_credential_per_request() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let key = h.create_key(&owner, "acme", "automation");
    let (status, body) =
        status_json(h.post_json("/api/orgs/acme/api-keys", Cred::Bearer(&key.secret), json!({"name": "child"})));
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["error"]["message"].as_str().unwrap().contains("keystroke auth login"), "{body}");
    let path = format!("/api/orgs/acme/api-keys/{}", key.key.id);
    assert_eq!(h.delete(&path, Cred::XApiKey(&key.secret)).status(), StatusCode::FORBIDDEN);
    assert_eq!(list(&h, &owner, "acme").len(), 1, "nothing was created or revoked");

    let both = h.http.get(h.url("/api/projects")).bearer_auth(&key.secret).header("x-api-key", &key.secret);
    let (status, body) = status_json(both.send().unwrap());
    assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "invalid_request"));
    let hook = h.http.post(h.url(&format!("/api/hooks/deploy?token={}", key.secret))).bearer_auth(&key.secret);
    assert_eq!(hook.send().unwrap().status(), StatusCode::BAD_REQUEST);
    // Two credentials on a route that takes none in its query: two all the same, 400.
    let not_a_hook = h.http.get(h.url(&format!("/api/projects?api_key={}", key.secret))).bearer_auth(&key.secret);
    let (status, body) = status_json(not_a_hook.send().unwrap());
    assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "invalid_request"), "{body}");
    let both_in_query = h.get(&format!("/api/projects?token={0}&api_key={0}", key.secret), Cred::None);
    assert_eq!(both_in_query.status(), StatusCode::BAD_REQUEST);
    // Two, even when one of them could not be used anyway: the request is refused for the two.
    let session_as_key = h.http.get(h.url("/api/projects")).bearer_auth(&key.secret).header("x-api-key", &owner);
    let basic_beside = h.http.get(h.url("/api/projects")).basic_auth("ci", Some("x")).header("x-api-key", &key.secret);
    for (request, what) in [(session_as_key, "a session in x-api-key"), (basic_beside, "Basic beside x-api-key")] {
        let (status, body) = status_json(request.send().unwrap());
        assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "invalid_request"), "{what}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("more than one credential"), "{what}: {body}");
    }
}

#[test]
fn a_production_platform_refuses_dev_keys() {
    let h = Harness::start();
    let dev_key = h.create_key(&h.token(Role::Owner), "acme", "from a laptop").secret;
    assert_eq!(h.projects_status(&dev_key), StatusCode::OK);
    // The same database, served by a production platform.
    let storage = Arc::new(SqliteStorage::open(&h.dev.db_path).unwrap());
    let production =
        BackgroundServer::start(([127, 0, 0, 1], 0).into(), storage, Config::new(Mode::Production)).unwrap();
    let response = http_client().get(format!("{}/api/projects", production.url)).bearer_auth(&dev_key).send().unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // ... and mints live keys.
    let owner = h.token(Role::Owner);
    let created: Value = http_client()
        .post(format!("{}/api/orgs/acme/api-keys", production.url))
        .bearer_auth(&owner)
        .json(&json!({"name": "real"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(created["secret"].as_str().unwrap().starts_with("key_live_"), "{created}");
}

#[test]
fn bad_input_is_refused_with_a_named_problem_and_nothing_is_written() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let keys = "/api/orgs/acme/api-keys";
    let cases = [
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "missing field `name`"),
        (json!({"name": "   "}), StatusCode::UNPROCESSABLE_ENTITY, "must not be empty"),
        (json!({"name": "x".repeat(101)}), StatusCode::UNPROCESSABLE_ENTITY, "101 characters long; the limit is 100"),
        (json!({"name": "a\u{0}b"}), StatusCode::UNPROCESSABLE_ENTITY, "control characters"),
        (json!({"name": "invoice\u{202E}gpj.exe"}), StatusCode::UNPROCESSABLE_ENTITY, "direction-changing"),
        (
            json!({"name": "old kss_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "holds what looks like a secret",
        ),
        // A key's body without its prefix (its checksum tells), stored where others would read it.
        (
            json!({"name": "HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu0lPZhC"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "holds what looks like a secret",
        ),
        // Its 32 random characters alone: anyone who reads the name adds the checksum and has the key.
        (
            json!({"name": "prod HfnUMvGbIunCmfLtXD5yRTBaYTCgZVCu"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "looks like a secret",
        ),
        (json!({"name": "ok", "scopes": ["all"]}), StatusCode::UNPROCESSABLE_ENTITY, "unknown field `scopes`"),
        (json!({"name": 5}), StatusCode::UNPROCESSABLE_ENTITY, "`name` in the body: invalid type: integer `5`"),
        // serde would take the fields in order from an array; the API takes objects only.
        (json!(["positional", 3600]), StatusCode::UNPROCESSABLE_ENTITY, "the body must be a JSON object"),
        (json!("ok"), StatusCode::UNPROCESSABLE_ENTITY, "the body must be a JSON object"),
    ];
    // Every lifetime that is not a whole number of seconds in range gets the one explanation;
    // `null` in particular does not pass for "no expiry".
    let lifetime_rule = "expected a whole number of seconds from 1 to 315360000 (ten years); leave the field out \
                         for a key that does not expire";
    let lifetimes = [
        (json!(0), "invalid value: integer `0`"),
        (json!(-1), "invalid value: integer `-1`"),
        (json!(400_000_000), "invalid value: integer `400000000`"),
        (json!(60.5), "invalid value: floating point `60.5`"),
        (json!(1e9), "invalid value: floating point `1000000000.0`"),
        (json!("60"), "invalid type: string \"60\""),
        (json!(null), "invalid type: null"),
    ];
    let cases = cases.into_iter().map(|(body, status, message)| (body, status, message.to_owned())).chain(
        lifetimes.into_iter().map(|(lifetime, problem)| {
            let message = format!("`expires_in_seconds` in the body: {problem}, {lifetime_rule}");
            (json!({"name": "ok", "expires_in_seconds": lifetime}), StatusCode::UNPROCESSABLE_ENTITY, message)
        }),
    );
    for (body, status, message) in cases {
        let (got, error) = status_json(h.post_json(keys, Cred::Bearer(&owner), body.clone()));
        assert_eq!(got, status, "{body}: {error}");
        let got_message = error["error"]["message"].as_str().unwrap();
        if message.starts_with("`expires_in_seconds`") {
            assert_eq!(got_message, message, "the whole message, without serde's position: {body}");
        }
        assert!(got_message.contains(&message), "{body}: {error}");
        assert!(!error.to_string().contains("24k1601"), "a refused secret is not repeated: {error}");
    }
    let invalid_json =
        h.http.post(h.url(keys)).bearer_auth(&owner).header("content-type", "application/json").body("{\"name\": ");
    let (status, error) = status_json(invalid_json.send().unwrap());
    assert_eq!((status, error_code(&error)), (StatusCode::BAD_REQUEST, "invalid_json"));
    // In the API's words, without axum's "Failed to parse the request body as JSON".
    assert_eq!(error["error"]["message"], "the body is not valid JSON: EOF while parsing a value at line 1 column 9");
    let trailing = h.http.post(h.url(keys)).bearer_auth(&owner).header("content-type", "application/json");
    let (status, error) = status_json(trailing.body("{\"name\": \"x\"} and more").send().unwrap());
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["message"], "the body is not valid JSON: trailing characters at line 1 column 15");
    let pasted = "key_live_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6";
    let pasted_query = format!("{pasted}=1");
    for (query, message) in [
        ("limt=5", "`limt` in the query string: unknown field `limt`, expected `limit` or `cursor`"),
        ("limit=ten", "`limit` in the query string: invalid digit found in string"),
        // A secret pasted into the URL is not sent back (the request log redacts it too).
        (
            pasted_query.as_str(),
            "`(a secret, not repeated here)` in the query string: unknown field `(a secret, not repeated here)`, \
             expected `limit` or `cursor`",
        ),
    ] {
        let response = h.http.get(h.url(&format!("{keys}?{query}"))).bearer_auth(&owner).send().unwrap();
        let (status, error) = status_json(response);
        assert_eq!((status, error["error"]["message"].as_str().unwrap()), (StatusCode::BAD_REQUEST, message));
    }
    // A parameter name as long as a URL may be: quoted, but cut, so the error stays a sentence.
    let long = "é".repeat(5_000);
    let response = h.http.get(h.url(&format!("{keys}?{long}=1"))).bearer_auth(&owner).send().unwrap();
    let (status, error) = status_json(response);
    let message = error["error"]["message"].as_str().unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.starts_with("`éé") && message.ends_with("é…") && message.len() <= 503, "{message}");
    let wrong_type = h.http.post(h.url(keys)).bearer_auth(&owner).header("content-type", "text/plain").body("name=x");
    let (status, error) = status_json(wrong_type.send().unwrap());
    assert_eq!((status, error_code(&error)), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"));
    // Two types: which one the body is would depend on their order.
    for types in [["application/json", "text/plain"], ["text/plain", "application/json"]] {
        let twice = h.http.post(h.url(keys)).bearer_auth(&owner).header("content-type", types[0]);
        let twice = twice.header("content-type", types[1]).body(r#"{"name": "twice"}"#);
        let (status, error) = status_json(twice.send().unwrap());
        assert_eq!(status, StatusCode::BAD_REQUEST, "{types:?}: {error}");
        assert_eq!(error["error"]["message"], "send one `Content-Type` header, not several");
    }
    // The platform refuses it without reading it all, then drops the connection: the client must
    // not hand that connection to the next request (which then failed now and then).
    let huge = h.http.post(h.url(keys)).bearer_auth(&owner).header("connection", "close");
    let huge = huge.json(&json!({"name": "x".repeat(200_000)}));
    let (status, error) = status_json(huge.send().unwrap());
    assert_eq!((status, error_code(&error)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    let (status, error) =
        status_json(h.post_json("/api/orgs/nope/api-keys", Cred::Bearer(&owner), json!({"name": "x"})));
    assert_eq!(
        (status, error["error"]["message"].as_str().unwrap()),
        (StatusCode::NOT_FOUND, "org `nope` not found among your orgs")
    );
    // What is no slug at all is not repeated: a link's text would read as the platform's.
    let phrase = "acme%60%20not%20found.%20SECURITY%20NOTICE%3A%20call%20%2B1-555-0100%20to%20restore%20access";
    let (status, error) = status_json(h.get(&format!("/api/orgs/{phrase}/api-keys"), Cred::Bearer(&owner)));
    assert_eq!(
        (status, error["error"]["message"].as_str().unwrap()),
        (
            StatusCode::NOT_FOUND,
            "the org given is not an org slug (slugs are 2 to 40 lowercase letters, digits and dashes, not starting \
             with a dash), so none of your orgs"
        )
    );

    assert!(list(&h, &owner, "acme").is_empty(), "no bad request wrote a key");
    assert!(h.key_and_deploy_events("acme").is_empty());
    // A whole number written with a point or an exponent is one (JSON Schema's `integer`).
    for written in ["2592000.0", "2.592e6"] {
        let body = format!(r#"{{"name": "thirty days", "expires_in_seconds": {written}}}"#);
        let sent = h.http.post(h.url(keys)).bearer_auth(&owner).header("content-type", "application/json").body(body);
        let (status, key) = status_json(sent.send().unwrap());
        assert_eq!(status, StatusCode::CREATED, "{written}: {key}");
        let key: ApiKey = serde_json::from_value(key).unwrap();
        assert_eq!(key.expires_at.unwrap() - key.created_at, time::Duration::days(30), "{written}");
    }
}

#[test]
fn lists_page_with_a_cursor() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    for i in 0..7 {
        h.create_key(&owner, "acme", &format!("key {i}"));
    }
    let page = |cursor: Option<&str>| -> Page<ApiKey> {
        let query = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        h.get(&format!("/api/orgs/acme/api-keys?limit=3{query}"), Cred::Bearer(&owner)).json().unwrap()
    };
    let mut names = Vec::new();
    let mut cursors = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = page(cursor.as_deref());
        let last_id = page.data.last().map(|key| key.id.clone());
        names.extend(page.data.into_iter().map(|k| k.name));
        match page.next_cursor {
            Some(next) => {
                // The cursor is the page's last key, which says nothing of other orgs' keys.
                assert_eq!(Some(&next), last_id.as_ref());
                cursors.push(next.clone());
                cursor = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(cursors.len(), 2, "three pages");
    assert_eq!(names, (0..7).rev().map(|i| format!("key {i}")).collect::<Vec<_>>());
    // A cursor whose key has been revoked since still marks its place.
    let revoked = h.delete(&format!("/api/orgs/acme/api-keys/{}", cursors[0]), Cred::Bearer(&owner));
    assert_eq!(revoked.status(), StatusCode::OK);
    let after_revoked: Vec<String> = page(Some(&cursors[0])).data.into_iter().map(|k| k.name).collect();
    assert_eq!(after_revoked, ["key 3", "key 2", "key 1"]);

    let (status, _) = status_json(h.get("/api/orgs/acme/api-keys?limit=0", Cred::Bearer(&owner)));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Not issued for this list: made up, in the old `k<seq>` form, or another org's key.
    let globex_key = h.create_key(&owner, "globex", "elsewhere").key.id;
    for cursor in ["bogus", "k3", "ak_AAAAAAAAAAAAAAAAAAAA", globex_key.as_str()] {
        let (status, error) =
            status_json(h.get(&format!("/api/orgs/acme/api-keys?cursor={cursor}"), Cred::Bearer(&owner)));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{cursor}");
        assert_eq!(
            error["error"]["message"],
            "`cursor` is not one this platform issued for this list; start again without it"
        );
    }
    // A builder's list holds their own keys: the id of one they may not see is no cursor of it,
    // answered exactly as a made-up one, so that it does not tell them that key exists.
    let builder = h.token(Role::Builder);
    let theirs = h.create_key(&builder, "acme", "the builder's").key.id;
    let owners = cursors[1].as_str();
    let as_builder =
        |cursor: &str| status_json(h.get(&format!("/api/orgs/acme/api-keys?cursor={cursor}"), Cred::Bearer(&builder)));
    assert_eq!(as_builder(owners), as_builder("ak_AAAAAAAAAAAAAAAAAAAA"));
    assert_eq!(as_builder(owners).0, StatusCode::BAD_REQUEST);
    assert_eq!(as_builder(&theirs).0, StatusCode::OK, "their own key is a cursor of their list");
}

#[test]
fn last_used_is_recorded() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let key = h.create_key(&owner, "acme", "used");
    assert!(key.key.last_used_at.is_none());
    // Seconds: what `last_used_at` holds.
    let before = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    assert_eq!(h.projects_status(&key.secret), StatusCode::OK);
    let after = time::OffsetDateTime::now_utc();
    let listed = list(&h, &owner, "acme");
    let used = listed[0].last_used_at.expect("the use is recorded");
    assert!(before <= used && used <= after, "{before} <= {used} <= {after}");
    // Within the minute no further write happens.
    let now = keystroke_platform::clock::now();
    assert!(!h.dev.storage().touch_api_key(&key.key.id, now));
    // A clock set back an hour: the last use is the time it says now, not one an hour ahead.
    assert!(h.dev.storage().touch_api_key(&key.key.id, now - 3600));
    let used = list(&h, &owner, "acme")[0].last_used_at.unwrap();
    assert_eq!(used.unix_timestamp(), now - 3600);
}

/// Recording a use is bookkeeping: when the database refuses that write (here a trigger, in life
/// a full disk or an I/O error), the request still gets its answer, and a later use records it.
#[test]
fn a_use_that_cannot_be_recorded_does_not_fail_the_request() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let key = h.create_key(&owner, "acme", "bookkept");
    let db = rusqlite::Connection::open(&h.dev.db_path).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse_key_use BEFORE UPDATE OF last_used_at ON api_keys BEGIN SELECT RAISE(FAIL, 'disk full'); END;
         CREATE TRIGGER refuse_session_use BEFORE UPDATE OF last_used_at ON sessions BEGIN SELECT RAISE(FAIL, 'disk full'); END;",
    )
    .unwrap();
    let builder = h.token(Role::Builder); // a session not used yet
    assert_eq!(h.projects_status(&key.secret), StatusCode::OK);
    assert_eq!(h.get("/api/me", Cred::Bearer(&builder)).status(), StatusCode::OK);
    assert!(list(&h, &owner, "acme").iter().find(|k| k.id == key.key.id).unwrap().last_used_at.is_none());

    db.execute_batch("DROP TRIGGER refuse_key_use; DROP TRIGGER refuse_session_use;").unwrap();
    assert_eq!(h.projects_status(&key.secret), StatusCode::OK);
    assert!(list(&h, &owner, "acme").iter().find(|k| k.id == key.key.id).unwrap().last_used_at.is_some());
}

/// An id of the wrong shape is quoted back cut short: a path may be 64 KB long.
#[test]
fn a_long_id_is_quoted_back_cut_short() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let key = h.http.get(h.url(&format!("/api/orgs/acme/api-keys/ak_{}", "a".repeat(5_000))));
    let session = h.http.delete(h.url(&format!("/api/sessions/ses_{}", "b".repeat(5_000))));
    for (request, expected) in [
        (key, format!("no active API key `ak_{}…` in org `acme` that you can see", "a".repeat(37))),
        (session, format!("no active session `ses_{}…`", "b".repeat(36))),
    ] {
        let (status, body) = status_json(request.bearer_auth(&owner).send().unwrap());
        assert_eq!((status, body["error"]["message"].as_str().unwrap()), (StatusCode::NOT_FOUND, expected.as_str()));
    }
}

/// An id whose percent-encoding spells a byte that is no UTF-8 is named as such, in the API's words.
#[test]
fn an_id_that_is_not_text_is_refused_in_the_apis_words() {
    let h = Harness::start();
    let (status, body) = status_json(h.get("/api/orgs/acme/api-keys/ak_%ff", Cred::Bearer(&h.token(Role::Owner))));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["message"],
        "the `id` in the path is not text (a percent-encoded byte that is no UTF-8): send it as the platform gave it"
    );
}

/// A secret pasted where an org, a key id or a session id goes is not sent back in the error,
/// whichever part of the request it came in.
#[test]
fn errors_never_quote_a_secret_back() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let key = h.create_key(&owner, "acme", "pasted").secret;
    let session = "kss_24k1601LrjV34mlBAhKHCrUMf2PGZj5822VPA6";
    let (key_body, owner_body) = (&key["key_test_".len()..], &owner["kss_".len()..]);
    let requests = [
        h.http.get(h.url(&format!("/api/orgs/{key}/api-keys"))).bearer_auth(&owner),
        h.http.delete(h.url(&format!("/api/orgs/acme/api-keys/{key}"))).bearer_auth(&owner),
        h.http.delete(h.url(&format!("/api/sessions/{session}"))).bearer_auth(&owner),
        h.http.get(h.url("/api/projects")).bearer_auth(&owner).header("x-keystroke-org", &key),
        h.http.get(h.url("/api/projects")).header("x-api-key", &key).header("x-keystroke-org", session),
        // Without its prefix, the rest of a secret is the secret all the same.
        h.http.delete(h.url(&format!("/api/orgs/acme/api-keys/{key_body}"))).bearer_auth(&owner),
        h.http.get(h.url(&format!("/api/orgs/acme/api-keys?{key_body}=1"))).bearer_auth(&owner),
        h.http.get(h.url("/api/projects")).bearer_auth(&owner).header("x-keystroke-org", owner_body),
        // Nor cut one character short, which leaves one character to guess.
        h.http.delete(h.url(&format!("/api/sessions/{}", &owner_body[..37]))).bearer_auth(&owner),
    ];
    for request in requests {
        let (status, body) = status_json(request.send().unwrap());
        assert!(status.is_client_error(), "{status} {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("(a secret, not repeated here)"), "{message}");
        for secret in [key_body, &session[4..], &owner_body[..37]] {
            assert!(!message.contains(secret), "{message}");
        }
    }
    assert_eq!(h.projects_status(&key), StatusCode::OK, "nothing happened to the key");
}

/// Who may do something is answered before what its body says, and the org is named once.
#[test]
fn access_is_checked_before_the_body_and_the_org_is_named_once() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let key = h.create_key(&owner, "acme", "script").secret;
    let not_an_object = json!(["x"]);
    let (status, body) =
        status_json(h.post_json("/api/orgs/nope/api-keys", Cred::Bearer(&owner), not_an_object.clone()));
    assert_eq!((status, error_code(&body)), (StatusCode::NOT_FOUND, "not_found"), "{body}");
    let (status, body) =
        status_json(h.post_json("/api/orgs/acme/api-keys", Cred::XApiKey(&key), not_an_object.clone()));
    assert_eq!((status, error_code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "{body}");
    let (status, body) = status_json(h.post_json("/api/projects", Cred::Bearer(&owner), not_an_object));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("a user session must name the org"), "{body}");

    let unfilled = h.http.get(h.url("/api/projects")).header("x-api-key", &key).header("x-keystroke-org", "");
    assert_eq!(unfilled.send().unwrap().status(), StatusCode::OK, "an empty header is as good as none");

    let twice =
        h.http.post(h.url("/api/hooks/deploy")).header("x-keystroke-org", "globex").header("x-keystroke-org", "acme");
    let (status, body) = status_json(h.send(twice, Cred::Bearer(&owner)));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["message"], "send one `x-keystroke-org` header, not several");
    let org_id = h.dev.storage().org_by_slug("globex").unwrap().unwrap().id;
    assert!(h.dev.storage().audit_events(&org_id).unwrap().iter().all(|event| event.action != "deploy.trigger"));
}

/// An answer to a request made with a session names that session (its public id), for a client
/// that keeps the id of its own; one made with an API key names nothing.
#[test]
fn answers_name_the_session_they_acted_through() {
    let h = Harness::start();
    let owner = h.token(Role::Owner);
    let me = h.get("/api/me", Cred::Bearer(&owner));
    let named = me.headers().get(keystroke_api::SESSION_HEADER).map(|value| value.to_str().unwrap().to_owned());
    let body: serde_json::Value = me.json().unwrap();
    assert_eq!(named.as_deref(), body["session"]["id"].as_str(), "the session of the token sent");
    let key = h.create_key(&owner, "acme", "named nowhere");
    let with_key = h.get("/api/projects", Cred::Bearer(&key.secret));
    assert_eq!(with_key.status(), StatusCode::OK);
    assert!(with_key.headers().get(keystroke_api::SESSION_HEADER).is_none(), "an API key is no session");
}
