//! `keystroke auth`: one file per part of signing in and out.

mod login_browser;
mod login_with_token;
mod logout;
mod status;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, Stdio};

use crate::support::TestEnv;

/// The `keystroke` processes whose command line names `url`.
pub(super) fn keystroke_processes_of(url: &str) -> Vec<libc::pid_t> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<libc::pid_t>() else { continue };
        let command_line = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let words: Vec<&[u8]> = command_line.split(|&byte| byte == 0).collect();
        let ours = words.first().is_some_and(|program| program.ends_with(b"/keystroke"));
        if ours && words.contains(&url.as_bytes()) {
            found.push(pid);
        }
    }
    found
}

/// Starts `auth login --no-browser` and reads, off its stderr, the two lines that tell a person
/// what to do; returns the running login, the rest of its stderr, and the user code.
pub(super) fn start_device_login(env: &TestEnv) -> (Child, BufReader<ChildStderr>, String) {
    start_device_login_through(env, env.url())
}

/// How a login started by [`start_device_login`] ended, and the rest of what it said on stderr.
pub(super) fn finish_device_login(
    mut child: Child,
    mut stderr: BufReader<ChildStderr>,
) -> (std::process::ExitStatus, String) {
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    (status, rest)
}

/// [`start_device_login`] with the CLI sent to `url` (a proxy to the platform).
pub(super) fn start_device_login_through(env: &TestEnv, url: &str) -> (Child, BufReader<ChildStderr>, String) {
    let mut child = env
        .command(&["auth", "login", "--no-browser", "--platform-url", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let code = first
        .strip_prefix("First copy your one-time code: ")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .trim()
        .to_string();
    let mut second = String::new();
    stderr.read_line(&mut second).unwrap();
    assert_eq!(second, format!("Then open {}/device in your browser and approve the sign-in.\n", env.url()));
    (child, stderr, code)
}

/// A browser sign-in as the user of `role`, approved at once, that succeeded: what it said after
/// the code.
pub(super) fn approved_browser_sign_in(env: &TestEnv, role: keystroke_api::Role) -> String {
    let (child, stderr, code) = start_device_login(env);
    let user = env.user(role);
    env.server().approve_device(&code, &user.email, &user.password).unwrap();
    let (status, rest) = finish_device_login(child, stderr);
    assert!(status.success(), "{rest}");
    rest
}
