//! The admin commands' hidden prompts (`user add`, `user set-password`, `key revoke --leaked`) on
//! a real terminal, a pty from util-linux `script`. However the prompt ends, the terminal is left
//! as it was found.
#![cfg(target_os = "linux")]

#[path = "../../../tests/skip/mod.rs"]
mod skip;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A shell command on a terminal of its own, and everything the terminal showed.
struct Shell {
    script: Child,
    keys: ChildStdin,
    shown: Arc<Mutex<Vec<u8>>>,
    /// The shell's home: none of the developer's files (`~/.bash_history`) is read or written.
    _home: tempfile::TempDir,
}

/// Whether `script` and bash are there to run these; a test without them says so and passes.
fn terminal_tools() -> bool {
    let there = |tool: &str| Command::new(tool).arg("--version").output().is_ok_and(|run| run.status.success());
    let tools = there("script") && there("bash") && there("stty");
    if !tools {
        skip::skip("a terminal for the hidden prompts: util-linux `script`, bash or stty is not installed");
    }
    tools
}

impl Shell {
    /// An interactive bash, with job control (Ctrl-Z stops a command, `fg` resumes it), as an
    /// operator's SSH session has.
    fn interactive() -> Self {
        Self::start("exec bash --norc --noprofile -i")
    }

    fn start(command: &str) -> Self {
        let home = tempfile::tempdir().unwrap();
        let mut script = Command::new("script")
            .args(["-qefc", command, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("SHELL", "/bin/sh")
            .env("HISTFILE", "/dev/null")
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("util-linux `script` runs");
        let shown = Arc::new(Mutex::new(Vec::new()));
        let (mut stdout, sink) = (script.stdout.take().unwrap(), shown.clone());
        std::thread::spawn(move || {
            let mut buffer = [0; 1024];
            while let Ok(read @ 1..) = stdout.read(&mut buffer) {
                sink.lock().unwrap().extend_from_slice(&buffer[..read]);
            }
        });
        let keys = script.stdin.take().unwrap();
        Shell { script, keys, shown, _home: home }
    }

    fn shown(&self) -> String {
        String::from_utf8_lossy(&self.shown.lock().unwrap()).replace("\r\n", "\n")
    }

    fn type_keys(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    /// Waits until `script` has taken what was typed from its pipe, on its way to the terminal.
    /// (Echo is off at a hidden prompt: nothing shows when it arrives.)
    fn keys_taken(&self) {
        use std::os::fd::AsRawFd;
        self.expect("the keys taken", |shell| {
            let mut queued: libc::c_int = 0;
            // SAFETY: FIONREAD writes the count of bytes in the pipe into `queued`.
            let asked = unsafe { libc::ioctl(shell.keys.as_raw_fd(), libc::FIONREAD, &mut queued) };
            asked == 0 && queued == 0
        });
        // From `script` to the terminal: one more write, at once.
        std::thread::sleep(Duration::from_millis(50));
    }

    #[track_caller]
    fn expect(&self, what: &str, done: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(start.elapsed() < Duration::from_secs(20), "never {what}: {:?}", self.shown());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The terminal's settings as `stty -a` lists them (`-echo`, `isig`).
    fn settings(&self) -> String {
        let pid = self.script.id();
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        let bash = children.split_whitespace().next().unwrap_or_default();
        let tty = std::fs::read_link(format!("/proc/{bash}/fd/0")).unwrap_or_default();
        let stty = Command::new("stty").arg("-F").arg(tty).arg("-a").output().unwrap();
        String::from_utf8_lossy(&stty.stdout).into_owned()
    }

    fn has(&self, setting: &str) -> bool {
        self.settings().split_whitespace().any(|listed| listed == setting)
    }

    /// Waits for the command to end (bash, told to `exit`), and returns everything shown.
    fn finish(mut self) -> String {
        // Another command may have ended already, and `script` with it.
        let _ = self.keys.write_all(b"exit\n").and_then(|()| self.keys.flush());
        let start = Instant::now();
        while self.script.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.script.kill();
                panic!("bash did not exit: {:?}", self.shown());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        self.shown()
    }
}

/// The pid of the `keystroke-platform` whose arguments name `db`, while it runs.
fn platform_on(db: &Path) -> Option<i32> {
    let db = db.to_str().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .find(|pid| {
            // The command itself, not the shell that started it (whose `-c` names both).
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let mut args = cmdline.split(|&byte| byte == 0).map(String::from_utf8_lossy);
            args.next().is_some_and(|program| program == env!("CARGO_BIN_EXE_keystroke-platform"))
                && args.any(|arg| arg == db)
        })
}

fn database_with_a_user() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let mut add = Command::new(env!("CARGO_BIN_EXE_keystroke-platform"))
        .args(["user", "add", "--email", "owner@example.test", "--name", "Olive", "--db"])
        .arg(&db)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin.take().unwrap().write_all(b"correct horse battery staple\n").unwrap();
    assert!(add.wait().unwrap().success());
    (dir, db)
}

fn set_password_command(db: &Path) -> String {
    format!(
        "'{}' user set-password --email owner@example.test --db '{}'",
        env!("CARGO_BIN_EXE_keystroke-platform"),
        db.display()
    )
}

/// Ctrl-C, or a signal from elsewhere (`timeout`, a closed SSH session), at the hidden prompt ends
/// the command by that signal, with echo, line editing and Ctrl-C back on the terminal: `stty -a`
/// run after it on the same terminal says so. (bash would put back its own settings after a
/// command killed by a signal; zsh, fish and `sh` do not.)
#[test]
fn an_ending_signal_at_a_hidden_prompt_leaves_the_terminal_as_it_was() {
    if !terminal_tools() {
        return;
    }
    let (_dir, db) = database_with_a_user();
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        // After the command, what is left typed on the terminal is read (for up to a second) and
        // shown.
        let left = "stty -icanon min 0 time 10; echo \"left: [$(head -c 100)]\"";
        // No core file from SIGQUIT's default action.
        let shell = Shell::start(&format!("ulimit -c 0; {}; stty -a; {left}", set_password_command(&db)));
        shell.expect("prompted", |shell| shell.shown().contains("Password: "));
        shell.expect("echo off", |shell| shell.has("-echo"));
        // Half a password, typed and not yet read: thrown away, not left for the shell to show.
        let mut shell = shell;
        shell.type_keys("half a pass");
        shell.keys_taken();
        // SAFETY: a signal to the process this test started, which waits at its prompt.
        assert_eq!(unsafe { libc::kill(platform_on(&db).unwrap(), signal) }, 0);
        shell.expect("what was left", |shell| shell.shown().contains("left: ["));
        let shown = shell.finish();
        let settings = shown.split_once("speed ").map(|(_, settings)| settings).unwrap_or_default();
        let listed = |setting: &str| settings.split_whitespace().any(|listed| listed == setting);
        // Echo is what the prompt turns off; line editing and Ctrl-C too, which rpassword's raw
        // mode left off.
        assert!(listed("echo") && listed("icanon") && listed("isig"), "{signal}: {shown:?}");
        assert!(shown.contains("Password: \n"), "the prompt's line is ended: {shown:?}");
        assert!(shown.contains("left: []") && !shown.contains("half a pass"), "{signal}: {shown:?}");
    }
}

/// Ctrl-Z at the hidden prompt does nothing: stopped, the command would hand the terminal to the
/// shell, which turns echo back on, and after `fg` the password would be typed in sight.
#[test]
fn ctrl_z_at_a_hidden_prompt_is_ignored_and_the_password_stays_hidden() {
    if !terminal_tools() {
        return;
    }
    let (_dir, db) = database_with_a_user();
    let mut shell = Shell::interactive();
    shell.type_keys(&format!("{}\n", set_password_command(&db)));
    shell.expect("prompted", |shell| shell.shown().contains("Password: "));
    shell.expect("echo off", |shell| shell.has("-echo"));
    // Half the password, Ctrl-Z, the rest: one password, typed unseen (stopped, the command would
    // have let the shell show the rest; the terminal would have thrown the first half away).
    shell.type_keys("a new one, \x1along enough\n");
    shell.expect("asked again", |shell| shell.shown().contains("Password again: "));
    shell.expect("echo off again", |shell| shell.has("-echo"));
    shell.type_keys("a new one, long enough\n");
    shell.expect("the command ended", |shell| shell.shown().contains("Set a new password for owner@example.test"));
    let shown = shell.finish();
    assert!(!shown.contains("Stopped") && !shown.contains("a new one"), "{shown:?}");
}
