//! Runs the real `keystroke` binary against a real dev platform, in an isolated environment.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use keystroke_api::Role;
use keystroke_platform::dev::{DevServer, DevUser};
use keystroke_platform::{Config, Mode};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_keystroke");

/// One platform, one user's home and config dir; the kernel keyring entry is per platform URL,
/// so tests running side by side never share a token.
pub struct TestEnv {
    server: Option<DevServer>,
    url: String,
    home: TempDir,
    config_dir: PathBuf,
    store: &'static str,
}

/// What a finished command showed.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(self.code, 0, "expected success, got {self:#?}");
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "unexpected exit code: {self:#?}");
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("{err}: {self:#?}"))
    }
}

impl TestEnv {
    pub fn new() -> Self {
        Self::with_server(dev_server(Config::new(Mode::Dev)), "keyutils")
    }

    /// A platform that asks the CLI to poll every second, so the device flow test is quick.
    pub fn with_fast_device_flow() -> Self {
        Self::with_device_flow(|_| {})
    }

    /// [`TestEnv::with_fast_device_flow`], with more of the platform's configuration changed.
    pub fn with_device_flow(configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::new(Mode::Dev);
        config.device_poll_interval_secs = 1;
        configure(&mut config);
        Self::with_server(dev_server(config), "keyutils")
    }

    pub fn with_store(store: &'static str) -> Self {
        Self::with_server(dev_server(Config::new(Mode::Dev)), store)
    }

    fn with_server(server: DevServer, store: &'static str) -> Self {
        join_a_session_keyring_of_our_own();
        let home = tempfile::tempdir().unwrap();
        let config_dir = home.path().join("config");
        let env = TestEnv { url: server.url.clone(), server: Some(server), home, config_dir, store };
        // A port can come back in a later run: forget whatever an earlier run left in the keyring.
        env.forget_local_token();
        env
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn server(&self) -> &DevServer {
        self.server.as_ref().expect("the platform is running")
    }

    /// Stops the platform; its URL then refuses connections.
    pub fn stop_server(&mut self) {
        self.server = None;
    }

    pub fn user(&self, role: Role) -> &DevUser {
        self.server().user(role)
    }

    /// `keystroke ARGS` with nothing of the developer's environment but `PATH`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = self.isolated(BIN);
        command.args(args);
        command
    }

    /// `program` in the environment `keystroke` gets from [`TestEnv::command`], so that what it
    /// runs of `keystroke` (a shell asking for completions) sees this platform and this user.
    pub fn isolated(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("KEYSTROKE_CONFIG_DIR", &self.config_dir)
            .env("KEYSTROKE_CREDENTIAL_STORE", self.store)
            .stdin(Stdio::null());
        // The Secret Service is reached over the session bus of the test run.
        if let (true, Some(bus)) = (self.store == "secret-service", std::env::var_os("DBUS_SESSION_BUS_ADDRESS")) {
            command.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        output_within_limit(self.command(args))
    }

    pub fn run_with_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        command.envs(vars.iter().copied());
        output_within_limit(command)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run_with_stdin_and_env(args, stdin, &[])
    }

    pub fn run_with_stdin_and_env(&self, args: &[&str], stdin: &str, vars: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        command.envs(vars.iter().copied());
        run_with_stdin(command, stdin)
    }

    /// `keystroke` in a login session of its own, with a new session keyring as a second SSH
    /// login gets (`keyctl session -`, from keyutils, which says so on stderr).
    pub fn run_in_another_login_session(&self, args: &[&str], stdin: &str, vars: &[(&str, &str)]) -> Run {
        let mut command = self.isolated("keyctl");
        command.args(["session", "-", BIN]).args(args).envs(vars.iter().copied());
        run_with_stdin(command, stdin)
    }

    /// `keystroke auth login --with-token` to this platform, the token on stdin, with `vars` set.
    pub fn login_with_token(&self, token: &str, vars: &[(&str, &str)]) -> Run {
        self.run_with_stdin_and_env(&["auth", "login", "--with-token", "--platform-url", self.url()], token, vars)
    }

    /// Signs in as the acme member with `role`, the way scripts do: token on stdin.
    pub fn sign_in(&self, role: Role) -> &DevUser {
        let user = self.user(role);
        self.login_with_token(&user.session_token, &[]).success();
        user
    }

    /// A new CLI session of the user with this email, minted on the platform as another
    /// machine's sign-in would be; returns its token.
    pub fn new_session(&self, email: &str) -> String {
        keystroke_platform::admin::issue_session(self.server().storage(), email, 3_600).unwrap()
    }

    /// The id of the session commands run with here (with `vars` set), as `session list` marks it.
    pub fn current_session_id(&self, vars: &[(&str, &str)]) -> String {
        let sessions = self.run_with_env(&["session", "list", "--json"], vars).success().json();
        let current = sessions.as_array().unwrap().iter().find(|session| session["current"] == true);
        current.unwrap_or_else(|| panic!("no current session: {sessions}"))["id"].as_str().unwrap().to_owned()
    }

    /// Creates a key through the CLI (`--json`) and returns `(id, secret)`.
    pub fn create_key(&self, name: &str, extra: &[&str]) -> (String, String) {
        let mut args = vec!["api-key", "create", "--name", name, "--json"];
        args.extend_from_slice(extra);
        let created = self.run(&args).success().json();
        (created["id"].as_str().unwrap().to_string(), created["secret"].as_str().unwrap().to_string())
    }

    /// The platform's answer to `doc/api-keys.md`'s `curl "$KEYSTROKE_PLATFORM_URL/api/projects"`.
    pub fn curl_status(&self, path: &str, bearer: &str) -> u16 {
        let output = Command::new("curl")
            // This machine's platform, never through a proxy the environment names.
            .args(["-s", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}"])
            .arg(format!("{}{path}", self.url()))
            .arg("-H")
            .arg(format!("Authorization: Bearer {bearer}"))
            .output()
            .expect("curl runs");
        String::from_utf8(output.stdout).unwrap().parse().unwrap()
    }

    /// `HOME` of the commands run here.
    pub fn home_path(&self) -> &Path {
        self.home.path()
    }

    pub fn config_dir_path(&self) -> &Path {
        &self.config_dir
    }

    pub fn config_files(&self) -> Vec<(PathBuf, String)> {
        read_dir_recursive(&self.config_dir)
    }

    fn forget_local_token(&self) {
        let _ = self.run(&["auth", "logout", "--platform-url", self.url()]);
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        self.forget_local_token();
    }
}

pub fn run_with_stdin(mut command: Command, stdin: &str) -> Run {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let watchdog = Watchdog::new(child.id());
    // A command may fail before it reads its input (no store to put a token in, say): a closed
    // pipe then is part of what is being tested, not a failure of the harness.
    if let Err(error) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "writing the command's stdin");
    }
    let output = child.wait_with_output().unwrap();
    watchdog.stop(&format!("{command:?}"), &output);
    output.into()
}

/// `command` run to its end (stdin empty), within [`COMMAND_LIMIT`].
fn output_within_limit(mut command: Command) -> Run {
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let watchdog = Watchdog::new(child.id());
    let output = child.wait_with_output().unwrap();
    watchdog.stop(&format!("{command:?}"), &output);
    output.into()
}

/// How long one command of a test may run: far beyond what any takes (the slowest wait a few
/// seconds on purpose). Past it, the command is killed and its test fails with what it printed,
/// rather than hang the whole suite.
const COMMAND_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Kills a process still running after [`COMMAND_LIMIT`], unless stopped first.
struct Watchdog {
    stop: std::sync::mpsc::Sender<()>,
    fired: std::thread::JoinHandle<bool>,
}

impl Watchdog {
    fn new(pid: u32) -> Self {
        let (stop, stopped) = std::sync::mpsc::channel();
        let fired = std::thread::spawn(move || match stopped.recv_timeout(COMMAND_LIMIT) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
                true
            }
            _ => false,
        });
        Watchdog { stop, fired }
    }

    /// Once the process has ended: fails the test if it ended because the watchdog killed it.
    #[track_caller]
    fn stop(self, what: &str, output: &Output) {
        let _ = self.stop.send(());
        let fired = self.fired.join().unwrap();
        assert!(
            !fired,
            "{what} still ran after {COMMAND_LIMIT:?} and was killed; stdout: {:?}; stderr: {:?}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn read_dir_recursive(dir: &Path) -> Vec<(PathBuf, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(read_dir_recursive(&path));
        } else {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            files.push((path, text));
        }
    }
    files
}

/// Replaces every `YYYY-MM-DD HH:MM UTC` with `<time>`, so snapshots hold still.
pub fn redact_times(text: &str) -> String {
    const SHAPE: &str = "dddd-dd-dd dd:dd UTC";
    let chars: Vec<char> = text.chars().collect();
    let shape: Vec<char> = SHAPE.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let matches = chars.len() - i >= shape.len()
            && shape.iter().zip(&chars[i..]).all(|(want, got)| match want {
                'd' => got.is_ascii_digit(),
                other => other == got,
            });
        if matches {
            out.push_str("<time>");
            i += shape.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A borderless table as rows of cells (columns are separated by two or more spaces).
pub fn cells(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|line| line.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).map(str::to_string).collect())
        .collect()
}

/// `keystroke ARGS` on a terminal: a pty from util-linux `script`, so that stdin and stderr are
/// terminals and prompts appear. Everything the command writes comes back on one stream.
pub struct Terminal {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    /// Reads `script`'s stdout until `script` exits and closes it.
    reader: std::thread::JoinHandle<()>,
}

impl TestEnv {
    pub fn on_terminal(&self, args: &[&str]) -> Terminal {
        self.on_terminal_with_env(args, &[])
    }

    pub fn on_terminal_with_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Terminal {
        // `exec`: the command alone on the terminal, so a Ctrl-C reaches it and no shell.
        self.on_terminal_as(args, vars, |line| format!("exec {line}"))
    }

    /// `keystroke` on a terminal, then `after` (a shell command) on the same terminal, whatever
    /// became of it: to see the terminal as the command left it.
    pub fn on_terminal_then(&self, args: &[&str], after: &str) -> Terminal {
        self.on_terminal_as(args, &[], |line| format!("{line}; {after}"))
    }

    /// `keystroke ARGS` typed into an interactive bash with job control (Ctrl-Z stops it, `fg`
    /// resumes it), on a terminal of its own: bash's own line editing and echo in between. `None`
    /// (a skip) without bash.
    pub fn on_terminal_in_a_shell(&self, args: &[&str]) -> Option<Terminal> {
        installed("bash", "a terminal with job control")?;
        let mut terminal = self.on_terminal_as(&[], &[], |_| "exec bash --norc --noprofile -i".to_owned());
        terminal.send(&format!("{}; exit\n", shell_line(args)));
        Some(terminal)
    }

    fn on_terminal_as(&self, args: &[&str], vars: &[(&str, &str)], script: impl Fn(&str) -> String) -> Terminal {
        let mut child = self
            .isolated("script")
            .envs(vars.iter().copied())
            .args(["-qefc", &script(&shell_line(args)), "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("util-linux `script` runs");
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = output.clone();
        let reader = std::thread::spawn(move || {
            use std::io::Read;
            let mut buffer = [0; 1024];
            while let Ok(read @ 1..) = stdout.read(&mut buffer) {
                sink.lock().unwrap().extend_from_slice(&buffer[..read]);
            }
        });
        Terminal { stdin: child.stdin.take(), child, output, reader }
    }
}

/// `keystroke ARGS` as a shell reads it, every word quoted.
fn shell_line(args: &[&str]) -> String {
    let quote = |word: &str| format!("'{}'", word.replace('\'', r"'\''"));
    std::iter::once(BIN).chain(args.iter().copied()).map(quote).collect::<Vec<_>>().join(" ")
}

/// What a terminal showed, with its line ends as `\n`.
fn terminal_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\n")
}

impl Terminal {
    pub fn output(&self) -> String {
        terminal_text(&self.output.lock().unwrap())
    }

    /// Waits until the command has written `text`.
    #[track_caller]
    pub fn expect(&self, text: &str) {
        assert!(held_in_time(|| self.output().contains(text)), "no {text:?} in {:?}", self.output());
    }

    /// Waits until the command's terminal has echo off: a hidden prompt is reading, and what is
    /// typed from now on is neither shown nor discarded.
    #[track_caller]
    pub fn expect_echo_off(&self) {
        self.expect_setting("-echo");
    }

    /// Waits until the command's terminal has `setting` as `stty -a` writes it (`-echo`, `-isig`).
    #[track_caller]
    pub fn expect_setting(&self, setting: &str) {
        let has_it = || {
            // The command is `script`'s only child (`exec`); its stdin is the terminal.
            let pid = self.child.id();
            let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
            let tty = children.split_whitespace().next().and_then(|child| {
                std::fs::read_link(format!("/proc/{child}/fd/0")).ok().filter(|tty| tty.starts_with("/dev/pts"))
            });
            let settings = tty.and_then(|tty| Command::new("stty").arg("-F").arg(tty).arg("-a").output().ok());
            let listed = |settings: &std::process::Output| {
                String::from_utf8_lossy(&settings.stdout).split_whitespace().any(|listed| listed == setting)
            };
            settings.is_some_and(|settings| listed(&settings))
        };
        assert!(held_in_time(has_it), "the terminal never had {setting}: {:?}", self.output());
    }

    /// Types `keys`.
    pub fn send(&mut self, keys: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(keys.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits until `script` has taken what was typed from its pipe, on its way to the terminal:
    /// at a hidden prompt nothing shows when it arrives.
    pub fn keys_taken(&self) {
        use std::os::fd::AsRawFd;
        let stdin = self.stdin.as_ref().unwrap().as_raw_fd();
        let taken = || {
            let mut queued: libc::c_int = 0;
            // SAFETY: FIONREAD writes the count of bytes in the pipe into `queued`.
            (unsafe { libc::ioctl(stdin, libc::FIONREAD, &mut queued) }) == 0 && queued == 0
        };
        assert!(held_in_time(taken), "the keys were never taken: {:?}", self.output());
        // From `script` to the terminal: one more write, at once.
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    /// Sends `signal` from elsewhere (`kill`, `timeout`) to the command on the terminal once it
    /// waits for a key or a line (asleep in `poll` or `select`), so that the signal is known to
    /// come during the wait rather than while the question is drawn.
    #[track_caller]
    pub fn signal_while_waiting(&self, signal: libc::c_int) {
        let command = self.command_pid();
        let threads = format!("/proc/{command}/task");
        // The kernel function a thread sleeps in; where kernel symbols are hidden (`wchan` reads
        // `0`), the system call it sleeps in, by its number.
        #[cfg(target_arch = "x86_64")]
        const WAITS_FOR_INPUT: [&str; 4] = ["7", "23", "270", "271"]; // poll, select, pselect6, ppoll
        #[cfg(target_arch = "aarch64")]
        const WAITS_FOR_INPUT: [&str; 2] = ["72", "73"]; // pselect6, ppoll
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        const WAITS_FOR_INPUT: [&str; 0] = [];
        let waiting = || {
            let Ok(threads) = std::fs::read_dir(&threads) else { return false };
            threads.flatten().any(|thread| {
                let sleeping_in = std::fs::read_to_string(thread.path().join("wchan")).unwrap_or_default();
                let in_syscall = std::fs::read_to_string(thread.path().join("syscall")).unwrap_or_default();
                ["poll_schedule", "do_select", "core_sys_select"].iter().any(|wait| sleeping_in.starts_with(wait))
                    || in_syscall.split(' ').next().is_some_and(|number| WAITS_FOR_INPUT.contains(&number))
            })
        };
        assert!(held_in_time(waiting), "the command never waited for input: {:?}", self.output());
        // SAFETY: a signal to the command this terminal runs.
        assert_eq!(unsafe { libc::kill(command, signal) }, 0);
    }

    /// The command `script` runs (its only child: the shell `exec`s it).
    fn command_pid(&self) -> libc::pid_t {
        let script = self.child.id().to_string();
        let child_of_script = || {
            std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
                let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                // `pid (name) state ppid ...`: the name may hold spaces, never the `) `.
                let ppid = stat.rsplit_once(") ")?.1.split(' ').nth(1)?;
                (ppid == script).then(|| entry.file_name().to_str()?.parse().ok()).flatten()
            })
        };
        let mut found = None;
        let started = held_in_time(|| {
            found = child_of_script();
            found.is_some()
        });
        assert!(started, "no command under `script`: {:?}", self.output());
        found.unwrap()
    }

    /// Presses Ctrl-C once, and waits for `answer` to show (20 s at most): a press is never lost
    /// once the question or the wait it interrupts is on the screen.
    #[track_caller]
    pub fn interrupt(&mut self, answer: &str) {
        self.send("\x03");
        let answered = held_in_time(|| self.output().contains(answer));
        assert!(answered, "Ctrl-C did not bring {answer:?}: {:?}", self.output());
    }

    /// The exit code and everything shown.
    pub fn finish(mut self) -> (i32, String) {
        let watchdog = Watchdog::new(self.child.id());
        let status = self.child.wait().unwrap();
        let shown = Output { status, stdout: self.output.lock().unwrap().clone(), stderr: Vec::new() };
        watchdog.stop("the command on the terminal", &shown);
        drop(self.stdin.take());
        // Everything the command wrote has been read once the reader meets the end of the pipe.
        self.reader.join().expect("the terminal reader ends with `script`");
        let output = terminal_text(&self.output.lock().unwrap());
        (status.code().expect("exited"), output)
    }
}

/// Each test's thread, and the commands it runs, in a new session keyring, as a login with
/// `pam_keyinit` gets: the same whether the tests run in a login session or under CI (where the
/// kernel would hand out the user's shared one), and apart from the tokens of other tests and
/// earlier runs. Per thread: a thread's credentials are its own (`cargo test` runs each test on a
/// thread of one process; nextest, each in a process), so a `TestEnv` stays on the thread that
/// made it (its drop signs out in that thread's keyring).
fn join_a_session_keyring_of_our_own() {
    thread_local!(static JOINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if JOINED.get() {
        return;
    }
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) makes and joins an anonymous session keyring.
    let joined = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, std::ptr::null::<u8>()) };
    assert!(joined > 0, "joining a new session keyring: {}", std::io::Error::last_os_error());
    JOINED.set(true);
}

/// A dev platform on a loopback address of its own. Credential store entries are per platform
/// URL, and a port freed by one test (`stop_server`) can be handed to another test's platform in
/// the same run: distinct addresses keep their entries apart.
fn dev_server(config: Config) -> DevServer {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let process = (std::process::id() % 250 + 1) as u8;
    let addr: SocketAddr = ([127, process, (n / 250) as u8, (n % 250 + 2) as u8], 0).into();
    DevServer::start_with(addr, None, config).expect("dev platform starts")
}

/// The path of an installed tool (a shell, `openssl`); a missing one is a [`crate::skip::skip`].
pub fn installed(name: &str, needed_for: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).map(|dir| dir.join(name)).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|candidate| candidate.is_file());
    if found.is_none() {
        crate::skip::skip(&format!("{needed_for}: {name} is not installed"));
    }
    found
}

/// Runs `command` with stdout and stderr captured, sends it `signal` once `arrived` says its
/// request reached the platform (else the test fails saying `what` never did), and returns how it
/// ended and what it printed.
pub fn signalled_once_arrived(command: &mut Command, arrived: &AtomicBool, signal: i32, what: &str) -> Output {
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    wait_until(&format!("the {what} reaching the platform"), || arrived.load(Ordering::SeqCst));
    // SAFETY: kill only sends a signal to the child just started.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
    child.wait_with_output().unwrap()
}

/// A stand-in for a platform, for what a real platform never sends (a hostile, broken or
/// foreign server): `answer` gets each request's first line (`POST /oauth/token HTTP/1.1`) and
/// returns the whole HTTP response. One request per connection. Returns its URL.
pub fn stub_server(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> String {
    serve_each_request(move |mut socket, request| {
        let _ = socket.write_all(answer(&request.line).as_bytes());
    })
}

/// Waits until `done` holds, for what another thread or process does meanwhile: 20 s at most,
/// far more than any of it takes, then the test fails naming `what`.
#[track_caller]
pub fn wait_until(what: &str, done: impl FnMut() -> bool) {
    assert!(held_in_time(done), "{what}: not within 20 s");
}

/// Whether `done` came to hold within 20 s (checked every 20 ms): for a wait whose failure says
/// more than [`wait_until`]'s.
pub fn held_in_time(mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    true
}

/// Waits until process `pid` is blocked reading its stdin (a thread of it in `read(0, …)`, as
/// `/proc` shows): it has done what comes before, and waits for what is typed or piped.
#[track_caller]
pub fn wait_until_reading_stdin(pid: u32) {
    // `read`'s number on this architecture.
    const READ: &str = if cfg!(target_arch = "aarch64") { "63" } else { "0" };
    wait_until(&format!("process {pid} reading its stdin"), || {
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten();
        tasks.into_iter().any(|task| {
            let call = std::fs::read_to_string(task.path().join("syscall")).unwrap_or_default();
            let mut fields = call.split_whitespace();
            fields.next() == Some(READ) && fields.next() == Some("0x0")
        })
    });
}

/// A proxy to the real platform at `target` that passes every request on and lets `answer`
/// return the platform's answer as it likes (late, cut short) on the client's connection.
/// Returns its URL.
pub fn meddling_proxy(
    target: &str,
    answer: impl Fn(std::net::TcpStream, &RawRequest, Vec<u8>) + Send + Sync + 'static,
) -> String {
    meddling_proxy_on(std::net::TcpListener::bind("127.0.0.1:0").unwrap(), target, answer)
}

/// [`meddling_proxy`] on a listener of the caller's (an address it listened on before, say).
pub fn meddling_proxy_on(
    listener: std::net::TcpListener,
    target: &str,
    answer: impl Fn(std::net::TcpStream, &RawRequest, Vec<u8>) + Send + Sync + 'static,
) -> String {
    let target = target.to_string();
    serve_each_request_on(listener, move |socket, request| {
        let platform_answer = forward(&target, &request);
        answer(socket, &request, platform_answer);
    })
}

/// Sends `request` to the platform at `target` on a connection of its own, and returns its whole
/// answer.
pub fn forward(target: &str, request: &RawRequest) -> Vec<u8> {
    use std::io::Read;
    let mut upstream = std::net::TcpStream::connect(target.trim_start_matches("http://")).unwrap();
    // One request per connection upstream too, so that its end is the end of the answer.
    upstream.write_all(request.line.as_bytes()).unwrap();
    for header in request.head.iter().filter(|header| !header.to_ascii_lowercase().starts_with("connection:")) {
        upstream.write_all(header.as_bytes()).unwrap();
    }
    upstream.write_all(b"connection: close\r\n\r\n").unwrap();
    upstream.write_all(&request.body).unwrap();
    let mut platform_answer = Vec::new();
    upstream.read_to_end(&mut platform_answer).unwrap();
    platform_answer
}

/// One HTTP request as a test server read it.
pub struct RawRequest {
    /// `POST /oauth/token HTTP/1.1\r\n`
    pub line: String,
    /// The header lines, each with its `\r\n`, without the empty line that ends them.
    pub head: Vec<String>,
    pub body: Vec<u8>,
}

/// A loopback server that reads one request per connection (each in a thread of its own) and
/// hands it, with the connection, to `respond`. Returns its URL.
pub fn serve_each_request(respond: impl Fn(std::net::TcpStream, RawRequest) + Send + Sync + 'static) -> String {
    serve_each_request_on(std::net::TcpListener::bind("127.0.0.1:0").unwrap(), respond)
}

/// [`serve_each_request`] on a listener of the caller's.
pub fn serve_each_request_on(
    listener: std::net::TcpListener,
    respond: impl Fn(std::net::TcpStream, RawRequest) + Send + Sync + 'static,
) -> String {
    let url = format!("http://{}", listener.local_addr().unwrap());
    let respond = std::sync::Arc::new(respond);
    std::thread::spawn(move || {
        for socket in listener.incoming().flatten() {
            let respond = respond.clone();
            std::thread::spawn(move || {
                let request = read_request(&socket);
                respond(socket, request);
            });
        }
    });
    url
}

/// The one request a client sends on `socket`.
pub fn read_request(socket: &std::net::TcpStream) -> RawRequest {
    use std::io::{BufRead, BufReader, Read};
    let mut reader = BufReader::new(socket);
    let mut request = RawRequest { line: String::new(), head: Vec::new(), body: Vec::new() };
    let _ = reader.read_line(&mut request.line);
    // The rest of the head, then the body: a socket closed with unread input is reset, and the
    // reset can destroy the response before the client reads it.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
        if let Some(length) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            request.body = vec![0; length.trim().parse().unwrap_or(0)];
        }
        request.head.push(std::mem::take(&mut line));
    }
    let _ = reader.read_exact(&mut request.body);
    request
}

/// A [`stub_server`] that gives every request the same response.
pub fn stub_platform(response: String) -> String {
    stub_server(move |_| response.clone())
}

/// An HTTP response with a body, closing its connection.
pub fn http_response(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// This machine's address on its network (not loopback), found without sending anything.
pub fn network_address() -> Option<std::net::IpAddr> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    probe.connect("192.0.2.1:9").ok()?; // a documentation address: only picks the route
    Some(probe.local_addr().ok()?.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
}
