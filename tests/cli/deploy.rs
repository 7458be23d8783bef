use keystroke_api::Role;

use crate::support::TestEnv;

/// `doc/api-keys.md` sends people to `keystroke auth login` "for CLI work like `keystroke deploy`".
#[test]
fn deploy_triggers_the_orgs_deploy_as_the_signed_in_user() {
    let env = TestEnv::new();
    env.sign_in(Role::Builder);
    let deployed = env.run(&["deploy"]).success();
    assert_eq!(deployed.stdout, "");
    assert_eq!(deployed.stderr, "Deploy triggered in acme\n");

    let json = env.run(&["deploy", "--json"]).success();
    assert_eq!(json.json(), serde_json::json!({"accepted": true, "org": "acme"}));
    assert_eq!(json.stderr, "");

    // Both are in acme's audit trail, as the signed-in user with this session.
    let storage = env.server().storage();
    let acme = storage.org_by_slug("acme").unwrap().unwrap();
    let builder = storage.user_by_email(&env.user(Role::Builder).email).unwrap().unwrap();
    let deploys: Vec<_> = storage
        .audit_events(&acme.id)
        .unwrap()
        .into_iter()
        .filter(|event| event.action == "deploy.trigger")
        .map(|event| (event.actor_email, event.target_id))
        .collect();
    let expected = (builder.user.email, env.current_session_id(&[]));
    assert_eq!(deploys, [expected.clone(), expected]);

    // An org the user is not in is not found; its existence is not revealed.
    let elsewhere = env.run(&["deploy", "--org", "globex"]).code(5);
    assert_eq!(
        elsewhere.stderr,
        "error: org `globex` not found among your orgs\n\
         hint: `keystroke org list` shows your orgs\n"
    );
}

#[test]
fn deploy_acts_on_the_org_of_the_command() {
    let env = TestEnv::new();
    env.sign_in(Role::Owner);
    // Several orgs and none active: the usual usage error.
    let unnamed = env.run(&["deploy"]).code(2);
    assert!(unnamed.stderr.starts_with("error: no active org: you belong to several orgs\n"), "{unnamed:#?}");
    let globex = env.run(&["deploy", "--org", "globex", "--json"]).success().json();
    assert_eq!(globex["org"], "globex");
    let acme = env.run_with_env(&["deploy"], &[("KEYSTROKE_ORG", "acme")]).success();
    assert_eq!(acme.stderr, "Deploy triggered in acme\n");
}

#[test]
fn deploy_needs_a_sign_in() {
    let env = TestEnv::new();
    let run = env.run(&["deploy", "--platform-url", env.url()]).code(3);
    assert_eq!(
        run.stderr,
        format!(
            "error: not signed in to {url}\nhint: run `keystroke auth login --platform-url {url}` to sign in\n",
            url = env.url()
        )
    );
}

/// A deploy whose answer never comes may have started all the same: the error says so, so that
/// nobody triggers a second one blind.
#[test]
fn a_deploy_left_unanswered_says_it_may_have_started() {
    let env = TestEnv::new();
    let builder = env.sign_in(Role::Builder);
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let platform_answered = answered.clone();
    let late = crate::support::meddling_proxy(env.url(), move |mut client, request, answer| {
        if request.line.starts_with("POST ") {
            platform_answered.store(true, std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_secs(4));
        }
        let _ = std::io::Write::write_all(&mut client, &answer);
    });
    let token = env.new_session(&builder.email);
    let vars = [("KEYSTROKE_TOKEN", token.as_str()), ("KEYSTROKE_HTTP_TIMEOUT", "1")];
    let deploy = env.run_with_env(&["--platform-url", &late, "--org", "acme", "deploy"], &vars).code(6);
    assert_eq!(
        deploy.stderr,
        format!(
            "error: the platform at {late} is unreachable: it did not answer within 1 s (`KEYSTROKE_HTTP_TIMEOUT`); \
             the deploy may have been triggered all the same\n\
             hint: find out whether it started (whoever runs the platform sees each deploy in `keystroke-platform \
             audit list`) before you run `keystroke deploy` again, which would trigger another\n"
        )
    );
    // It was (by the time the proxy has the platform's answer, which the CLI never got).
    crate::support::wait_until("the deploy reaching the platform", || {
        answered.load(std::sync::atomic::Ordering::SeqCst)
    });
    let storage = env.server().storage();
    let acme = storage.org_by_slug("acme").unwrap().unwrap();
    let events = storage.audit_events(&acme.id).unwrap();
    assert!(events.iter().any(|event| event.action == "deploy.trigger"), "{events:?}");
}
