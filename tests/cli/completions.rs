//! The completion scripts in `completions/`: identical to what `keystroke completion SHELL`
//! prints, and working when loaded in the real bash, zsh and fish. Dynamic completion
//! (`COMPLETE=SHELL keystroke`) is driven through the same shells against a dev platform.

use std::ffi::OsString;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keystroke_api::Role;

use crate::generated::{REFRESH, check};
use crate::support::{BIN, TestEnv, installed};

/// Each shell clap_complete knows, and its script's conventional file name.
const SCRIPTS: [(&str, &str); 5] = [
    ("bash", "keystroke.bash"),
    ("zsh", "_keystroke"),
    ("fish", "keystroke.fish"),
    ("powershell", "_keystroke.ps1"),
    ("elvish", "keystroke.elv"),
];

/// A shell that hangs (a zpty waiting for a prompt that never comes) fails the test instead.
const SHELL_TIMEOUT: Duration = Duration::from_secs(30);

fn completions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("completions")
}

#[test]
fn checked_in_completion_scripts_are_current() {
    let dir = completions_dir();
    let mut stale = Vec::new();
    for (shell, file) in SCRIPTS {
        let output = Command::new(BIN).args(["completion", shell]).env_clear().output().unwrap();
        assert!(output.status.success(), "`keystroke completion {shell}` failed: {output:?}");
        let script = String::from_utf8(output.stdout).unwrap();
        stale.extend(check(&dir.join(file), &script));
    }
    let expected: Vec<&str> = SCRIPTS.iter().map(|(_, file)| *file).collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if !expected.contains(&name.as_str()) {
            stale.push(dir.join(name));
        }
    }
    assert!(
        stale.is_empty(),
        "completion scripts differ from `keystroke completion SHELL`: {stale:#?}\nrefresh them with `{REFRESH}`"
    );
}

#[test]
fn bash_loads_its_script_and_completes_subcommands() {
    let Some(bash) = installed("bash", "its completion test") else { return };
    let home = tempfile::tempdir().unwrap();
    let setup = format!("source {}", quote(&completions_dir().join("keystroke.bash")));
    let replies = bash_complete(plain(&bash, home.path()), &setup, &["keystroke", "api-key", "re"]);
    assert_eq!(replies, ["revoke"]);
    let replies = bash_complete(plain(&bash, home.path()), &setup, &["keystroke", "--color", ""]);
    assert_eq!(replies, ["auto", "always", "never"]);
}

#[test]
fn zsh_loads_its_script_and_completes_subcommands() {
    let Some(zsh) = installed("zsh", "its completion test") else { return };
    let home = tempfile::tempdir().unwrap();
    // Installed the way the README says: the directory on `fpath`, before `compinit`.
    let setup = format!("fpath=({} $fpath)\nautoload -Uz compinit && compinit -u -D", quote(&completions_dir()));
    let line = zsh_complete(plain(&zsh, home.path()), &setup, "keystroke api-key re");
    assert_eq!(line, "keystroke api-key revoke ");
}

#[test]
fn fish_loads_its_script_and_completes_subcommands() {
    let Some(fish) = installed("fish", "its completion test") else { return };
    let home = tempfile::tempdir().unwrap();
    let setup = format!("source {}", quote(&completions_dir().join("keystroke.fish")));
    let candidates = fish_complete(plain(&fish, home.path()), &setup, "keystroke api-key re");
    assert_eq!(candidates, ["revoke\tRevoke an API key; requests using it fail at once"]);
    // The shells, not the files of the current directory.
    let shells = fish_complete(plain(&fish, home.path()), &setup, "keystroke completion ");
    assert_eq!(shells, ["bash", "elvish", "fish", "powershell", "zsh"]);
    let after = fish_complete(plain(&fish, home.path()), &setup, "keystroke completion fish ");
    assert!(!after.iter().any(|candidate| candidate == "zsh"), "one shell only: {after:?}");
}

#[test]
fn dynamic_completion_lists_key_ids_and_org_slugs_in_bash_zsh_and_fish() {
    let shells: Vec<(&str, PathBuf)> = ["bash", "zsh", "fish"]
        .into_iter()
        .filter_map(|name| installed(name, "its completion test").map(|path| (name, path)))
        .collect();
    if shells.is_empty() {
        return;
    }
    let env = TestEnv::new();
    env.sign_in(Role::Owner);
    env.run(&["org", "switch", "acme"]).success();
    let (id, _) = env.create_key("deploy", &[]);
    // Another machine's session: the one `session revoke` may revoke (never the asking one).
    env.new_session(&env.user(Role::Owner).email);
    let sessions = env.run(&["session", "list", "--json"]).success().json();
    let other_session = sessions.as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"].clone();

    for (name, path) in &shells {
        // The shell runs `keystroke` from `PATH`, as the user's would, as this user.
        let user_shell = || {
            let mut shell = env.isolated(path);
            shell.env("PATH", path_with_keystroke());
            shell
        };
        match *name {
            "bash" => {
                let setup = "source <(COMPLETE=bash keystroke)";
                let candidates = bash_complete(user_shell(), setup, &["keystroke", "api-key", "revoke", ""]);
                assert_eq!(values(&candidates), [id.as_str()], "bash: {candidates:?}");
                let orgs = bash_complete(user_shell(), setup, &["keystroke", "api-key", "list", "--org", "ac"]);
                assert_eq!(orgs, ["acme"], "bash");
                let static_part = bash_complete(user_shell(), setup, &["keystroke", "api-key", "re"]);
                assert_eq!(static_part, ["revoke"], "bash");
                let candidates = bash_complete(user_shell(), setup, &["keystroke", "session", "revoke", ""]);
                assert_eq!(values(&candidates), [other_session.as_str().unwrap()], "bash: {candidates:?}");
            }
            "zsh" => {
                let setup = "autoload -Uz compinit && compinit -u -D\nsource <(COMPLETE=zsh keystroke)";
                let line = zsh_complete(user_shell(), setup, "keystroke api-key revoke ak_");
                assert_eq!(line, format!("keystroke api-key revoke {id} "), "zsh");
                let line = zsh_complete(user_shell(), setup, "keystroke org switch a");
                assert_eq!(line, "keystroke org switch acme ", "zsh");
            }
            "fish" => {
                let setup = "COMPLETE=fish keystroke | source";
                let candidates = fish_complete(user_shell(), setup, "keystroke api-key revoke ");
                let id_and_name = format!("{id}\tdeploy");
                assert_eq!(values(&candidates), [id_and_name.as_str()], "fish: {candidates:?}");
                let candidates = fish_complete(user_shell(), setup, "keystroke --org ");
                assert_eq!(values(&candidates), ["acme\tAcme Inc", "globex\tGlobex"], "fish");
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn dynamic_completion_gives_up_quickly_and_quietly_on_a_silent_platform() {
    // Accepts connections (the kernel does) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let started = Instant::now();
    let output = Command::new(BIN)
        .args(["--", "keystroke", "--platform-url", &url, "--org", "acme", "api-key", "revoke", ""])
        .env_clear()
        .env("COMPLETE", "fish")
        .env("KEYSTROKE_TOKEN", "kss_NotChecked")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{output:?}");
    // Its own 1.5 s deadline ended the wait, not the request's 30 s timeout: the bound between
    // them leaves a loaded machine room (no speed claim), and the other shows it did ask.
    assert!(elapsed < Duration::from_secs(15), "Tab waited {elapsed:?}, as for the request's timeout");
    assert!(elapsed > Duration::from_secs(1), "it did not wait for the platform on the line");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<String> = stdout.lines().map(str::to_string).collect();
    assert_eq!(values(&lines), Vec::<&str>::new(), "only the flags, no key ids");
    assert!(lines.iter().any(|line| line.starts_with("--yes\tRevoke without asking")), "the flags still: {lines:?}");
}

/// A warning the command would print (here: `KEYSTROKE_TOKEN` over plain HTTP to another
/// machine) would land in the middle of the line being typed: completion prints none.
#[test]
fn dynamic_completion_prints_no_warning() {
    // A port just closed, at this machine's address on its network: "another machine" to the CLI.
    let Some(address) = crate::support::network_address() else {
        return crate::skip::skip("completion warning: this machine has no network address");
    };
    let port = TcpListener::bind((address, 0)).unwrap().local_addr().unwrap().port();
    let url = format!("http://{address}:{port}");
    let output = Command::new(BIN)
        .args(["--", "keystroke", "--platform-url", &url, "org", "switch", ""])
        .env_clear()
        .env("COMPLETE", "fish")
        .env("KEYSTROKE_TOKEN", "kss_NotChecked")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    // The command itself does warn.
    let run = Command::new(BIN)
        .args(["--platform-url", &url, "org", "list"])
        .env_clear()
        .env("KEYSTROKE_TOKEN", "kss_NotChecked")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&run.stderr).starts_with("warning: `KEYSTROKE_TOKEN` is sent to"), "{run:?}");
}

#[test]
fn dynamic_completion_when_signed_out_offers_no_values_and_prints_nothing() {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["--", "keystroke", "org", "switch", ""])
        .env_clear()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "3")
        .env("HOME", home.path())
        .env("KEYSTROKE_CONFIG_DIR", home.path().join("config"))
        .env("KEYSTROKE_CREDENTIAL_STORE", "file")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<String> = stdout.lines().map(str::to_string).collect();
    assert_eq!(values(&lines), Vec::<&str>::new(), "only the flags, no org slugs");
    assert!(lines.iter().any(|line| line == "--platform-url"), "the flags still: {lines:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

/// Candidates other than flags: after a space, clap offers the flags beside the values.
fn values(candidates: &[String]) -> Vec<&str> {
    candidates.iter().map(String::as_str).filter(|candidate| !candidate.starts_with('-')).collect()
}

/// `PATH` with the freshly built `keystroke` first, as an installed one would be.
fn path_with_keystroke() -> OsString {
    let bin_dir = Path::new(BIN).parent().unwrap().to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&rest))).unwrap()
}

/// A shell with an empty home and nothing of the developer's environment.
fn plain(shell: &Path, home: &Path) -> Command {
    let mut command = Command::new(shell);
    command.env_clear().env("PATH", path_with_keystroke()).env("HOME", home);
    command
}

/// What bash's Tab offers for `words` (the last one being completed): loads the completion
/// with `setup`, then calls the function `complete -p keystroke` names, as readline would.
fn bash_complete(mut bash: Command, setup: &str, words: &[&str]) -> Vec<String> {
    const HARNESS: &str = r#"
eval "$1"; shift
spec=$(complete -p keystroke) || exit 1
function=${spec#*-F }; function=${function%% *}
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9
"$function" keystroke "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    bash.args(["--norc", "--noprofile", "-c", HARNESS, "bash", setup]).args(words);
    let (stdout, stderr) = run_bounded(bash);
    // What the completion writes on stderr lands in the middle of the line being typed.
    assert_eq!(stderr, "", "{words:?}");
    stdout.lines().filter(|line| !line.is_empty()).map(str::to_string).collect()
}

/// What fish's `complete -C` (what Tab shows) offers for `line`, after `setup`.
fn fish_complete(mut fish: Command, setup: &str, line: &str) -> Vec<String> {
    fish.args(["--no-config", "-c", "eval $argv[1]; complete -C $argv[2]", setup, line]);
    let (stdout, stderr) = run_bounded(fish);
    assert_eq!(stderr, "", "{line:?}");
    stdout.lines().map(str::to_string).collect()
}

/// The command line after typing `line` and pressing Tab in an interactive zsh, which a driver
/// zsh runs on a pseudo-terminal (zpty). Enter is rebound to print the line instead of running it.
fn zsh_complete(mut zsh: Command, setup: &str, line: &str) -> String {
    const ZSHRC: &str = r#"
PS1='READY> '
capture-line() { captured=$BUFFER; BUFFER='print -r -- "<<$captured>>"'; zle .accept-line }
zle -N accept-line capture-line
"#;
    const DRIVER: &str = r#"
zmodload zsh/zpty
zpty z zsh -i
zpty -r z out '*READY> *'
zpty -w -n z "$1"$'\t'
zpty -w -n z $'\r'
zpty -r z out '*<<keystroke*>>*'
print -r -- "$out"
zpty -d z
"#;
    let zdotdir = tempfile::tempdir().unwrap();
    std::fs::write(zdotdir.path().join(".zshrc"), format!("{setup}\n{ZSHRC}")).unwrap();
    zsh.args(["-f", "-c", DRIVER, "zsh", line]).env("ZDOTDIR", zdotdir.path()).env("TERM", "xterm");
    let (output, _) = run_bounded(zsh);
    let start = output.rfind("<<").expect("the line was printed") + 2;
    let end = output.rfind(">>").unwrap();
    output[start..end].to_string()
}

/// Runs `command` to the end and returns its stdout and stderr; fails the test if it outlives
/// [`SHELL_TIMEOUT`] or exits non-zero.
fn run_bounded(mut command: Command) -> (String, String) {
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > SHELL_TIMEOUT {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{command:?} still ran after {SHELL_TIMEOUT:?}; stdout: {}", out.join().unwrap());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    assert!(status.success(), "{command:?} failed ({status}): {stdout}\n{stderr}");
    (stdout, stderr)
}

/// A path as a single-quoted shell word (bash, zsh and fish agree on this form).
fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn completion_needs_neither_keyring_nor_platform() {
    let env = TestEnv::new();
    // An invalid store name would fail any command that touched the credential store.
    let run = env.run_with_env(&["completion", "bash"], &[("KEYSTROKE_CREDENTIAL_STORE", "bogus")]);
    let run = run.success();
    assert!(run.stdout.contains("_keystroke()"));
    let help = env.run_with_env(&["--help"], &[("KEYSTROKE_CREDENTIAL_STORE", "bogus")]).success();
    assert!(help.stdout.contains("\nUsage: keystroke [OPTIONS] <COMMAND>\n"), "{help:#?}");
}

/// The completion library repeats a shell name it does not know: a secret in `COMPLETE` is not.
#[test]
fn a_secret_in_complete_is_not_repeated() {
    let env = TestEnv::new();
    let secret = "kss_h6FymTVfbpOhDrUxDhepo6ilszI76SPr0AsqFI";
    let run = env.run_with_env(&[], &[("COMPLETE", secret)]).code(2);
    assert_eq!(
        run.stderr,
        "error: `COMPLETE` holds an API key or session token, not a shell's name (it is not repeated here)\nhint: \
         set it to bash, zsh, fish, powershell or elvish (see `keystroke completion --help`)\n"
    );
    let unknown = env.run_with_env(&[], &[("COMPLETE", "tcsh")]);
    assert!(unknown.stderr.contains("unknown shell `tcsh`"), "{unknown:#?}");
}
