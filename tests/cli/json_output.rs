//! Every command's `--json` document has exactly the fields `doc/json-output.md` shows for it,
//! with the same types: the page scripts are written from stays true of the binary.

use keystroke_api::Role;
use serde_json::Value;

use crate::support::TestEnv;

const PAGE: &str = include_str!("../../doc/json-output.md");

/// The example under each "## `keystroke …`" heading of the page, by that command.
fn documented() -> Vec<(String, Value)> {
    let mut examples = Vec::new();
    let mut sections = PAGE.split("\n## `").skip(1);
    for section in sections.by_ref() {
        let (command, body) = section.split_once("`\n").expect("a heading names a command in backquotes");
        let example = body.split_once("```json\n").and_then(|(_, rest)| rest.split_once("```"));
        let (example, _) = example.unwrap_or_else(|| panic!("no JSON example under `{command}`"));
        let example = serde_json::from_str(example).unwrap_or_else(|e| panic!("`{command}`'s example: {e}"));
        examples.push((command.to_owned(), example));
    }
    examples
}

#[test]
fn every_json_document_has_the_fields_and_types_its_page_shows() {
    let env = TestEnv::new();
    let owner = env.user(Role::Owner);
    let json = |args: &[&str]| env.run(&[args, &["--json"]].concat()).success().json();
    // A sign-in replaced by the next one, so that `replaced_sessions` has one to show.
    env.sign_in(Role::Builder);
    let login = ["auth", "login", "--with-token", "--json", "--platform-url", env.url()];
    let login = env.run_with_stdin(&login, &owner.session_token).success().json();
    let mut printed = vec![("keystroke auth login --json", login)];
    // An org that is not Ada's, so that `org_override_problem` is a string to compare.
    printed.push(("keystroke auth status --json", json(&["auth", "status", "--org", "initech"])));
    printed.push(("keystroke auth token --json", json(&["auth", "token"])));
    printed.push(("keystroke org list --json", json(&["org", "list"])));
    printed.push(("keystroke org switch ORG --json", json(&["org", "switch", "acme"])));
    printed.push(("keystroke org members --json", json(&["org", "members"])));
    let created = json(&["api-key", "create", "--name", "Production automation", "--expires-in", "30d"]);
    let id = created["id"].as_str().unwrap().to_owned();
    printed.push(("keystroke api-key create --json", created));
    printed.push(("keystroke api-key list --json", json(&["api-key", "list"])));
    printed.push(("keystroke api-key revoke ID --json", json(&["api-key", "revoke", &id, "--yes"])));
    let elsewhere = env.new_session(&owner.email);
    printed.push(("keystroke session list --json", json(&["session", "list"])));
    let other_session = printed.last().unwrap().1.as_array().unwrap().iter().find(|s| s["current"] == false);
    let other_session =
        other_session.expect("the session minted for another machine")["id"].as_str().unwrap().to_owned();
    printed.push(("keystroke session revoke ID --json", json(&["session", "revoke", &other_session, "--yes"])));
    assert_eq!(env.curl_status("/api/me", &elsewhere), 401, "the revoke was made");
    printed.push(("keystroke deploy --json", json(&["deploy"])));
    printed.push(("keystroke auth logout --json", json(&["auth", "logout", "--revoke"])));

    let documented = documented();
    let mut documented_commands: Vec<&str> = documented.iter().map(|(command, _)| command.as_str()).collect();
    let mut printed_commands: Vec<&str> = printed.iter().map(|(command, _)| *command).collect();
    documented_commands.sort_unstable();
    printed_commands.sort_unstable();
    assert_eq!(documented_commands, printed_commands, "every command documented is run here, and no other");
    let mut differences = Vec::new();
    for (command, example) in &documented {
        let (_, document) = printed.iter().find(|(printed, _)| printed == command).unwrap();
        match document {
            Value::Null => differences.push(format!("{command}: printed null")),
            document => compare(example, document, command, &mut differences),
        }
    }
    assert!(differences.is_empty(), "doc/json-output.md and the binary differ:\n{}", differences.join("\n"));
}

/// The fields the page marks "*or null*", by name; every other one is never null. A session's
/// `expires_at` is never null: only an API key's may be ([`may_be_null`]).
const MAY_BE_NULL: [&str; 10] = [
    "active_org",
    "org_override",
    "org_override_problem",
    "store",
    "path",
    "session_id",
    "device",
    "created_by",
    "last_used_at",
    "expires_at",
];

/// Whether `field` of the printed object `within` may be null.
fn may_be_null(field: &str, within: &serde_json::Map<String, Value>) -> bool {
    match field {
        // An API key's (it does not expire); a session's always expires. Only keys have a preview.
        "expires_at" => within.contains_key("preview"),
        field => MAY_BE_NULL.contains(&field),
    }
}

/// Lists where `printed` has other fields than `documented`, or another type, or a `null` where
/// the page allows none. An example's `null` goes with any type (the field is shown null there);
/// every element of a printed list is compared with the example's first.
fn compare(documented: &Value, printed: &Value, at: &str, differences: &mut Vec<String>) {
    match (documented, printed) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(documented), Value::Object(printed)) => {
            for field in documented.keys().filter(|field| !printed.contains_key(*field)) {
                differences.push(format!("{at}: `{field}` is documented, not printed"));
            }
            for (field, value) in printed {
                let at = format!("{at}.{field}");
                match documented.get(field) {
                    _ if value.is_null() && !may_be_null(field, printed) => {
                        differences.push(format!("{at}: printed null"))
                    }
                    Some(example) => compare(example, value, &at, differences),
                    None => differences.push(format!("{at}: `{field}` is printed, not documented")),
                }
            }
        }
        (Value::Array(documented), Value::Array(printed)) => {
            let example = documented.first().unwrap_or_else(|| panic!("{at}: the example list is empty"));
            assert!(!printed.is_empty(), "{at}: the list printed is empty, so nothing was compared");
            for (index, element) in printed.iter().enumerate() {
                let at = format!("{at}[{index}]");
                match element {
                    Value::Null => differences.push(format!("{at}: printed null")),
                    element => compare(example, element, &at, differences),
                }
            }
        }
        (documented, printed) if std::mem::discriminant(documented) == std::mem::discriminant(printed) => {}
        (documented, printed) => differences.push(format!("{at}: documented as {documented}, printed {printed}")),
    }
}

/// The README's scripting examples, run as written (with `jq` and `xargs`): they revoke every key
/// named "ci", and name the keys that expire within a week.
#[test]
fn the_readmes_scripting_examples_run_as_written() {
    let Some(_) = crate::support::installed("jq", "the README's scripting examples") else { return };
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let examples = readme.split("```sh\n").find(|block| block.starts_with("# Revoke every key named \"ci\""));
    let examples = examples.expect("the README's scripting examples").split("```").next().unwrap();
    let (revoke_ci, expiring) = examples.split_once("\n\n").unwrap();

    let env = TestEnv::new();
    env.sign_in(Role::Admin);
    env.run(&["org", "switch", "acme"]).success();
    let (ci, _) = env.create_key("ci", &[]);
    let (other_ci, _) = env.create_key("ci", &["--expires-in", "3d"]);
    env.create_key("soon", &["--expires-in", "2d"]);
    env.create_key("later", &["--expires-in", "30d"]);
    let shell = |script: &str| {
        let bin_dir = std::path::Path::new(crate::support::BIN).parent().unwrap();
        let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
        let output = env.isolated("bash").args(["-c", script]).env("PATH", path).output().unwrap();
        assert!(output.status.success(), "{script}\n{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    shell(revoke_ci);
    let left = env.run(&["api-key", "list", "--all", "--json"]).success().json();
    let names: Vec<&str> = left.as_array().unwrap().iter().map(|key| key["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["later", "soon"], "both keys named ci revoked ({ci}, {other_ci})");
    assert_eq!(shell(expiring), "soon\n");
}
