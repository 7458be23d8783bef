//! `scripts/bench --smoke`: the benchmark suite with tiny sizes, so that it cannot rot.
//!
//! It runs the script on the binaries of this very `cargo test` (never cargo itself: cargo holds
//! the build lock while tests run) and checks that the report has every figure with numbers.
//! The goals are not checked here; timings of a debug build on a busy test machine mean nothing.
#![cfg(target_os = "linux")]

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "skip/mod.rs"]
mod skip;

/// Every row of the report: 1a–1e the CLI vs curl, 2–2b load, 3a–3c the large org, 4a–4b size and
/// OpenSSL.
const ROWS: [&str; 12] = ["1a", "1b", "1c", "1d", "1e", "2", "2b", "3a", "3b", "3c", "4a", "4b"];

/// Commands the script needs (it installs them itself only when run as root outside a test).
const TOOLS: [&str; 8] =
    ["hyperfine", "valgrind", "wrk", "curl", "jq", "dbus-run-session", "gnome-keyring-daemon", "time"];

const DEADLINE: Duration = Duration::from_secs(600);

fn on_path(tool: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        let candidate = dir.join(tool);
        candidate.is_file()
            && std::fs::metadata(&candidate).is_ok_and(|m| {
                use std::os::unix::fs::PermissionsExt;
                m.permissions().mode() & 0o111 != 0
            })
    })
}

fn bin_dir() -> PathBuf {
    let keystroke = Path::new(env!("CARGO_BIN_EXE_keystroke"));
    let dir = keystroke.parent().expect("the binary has a directory").to_path_buf();
    assert!(
        dir.join("keystroke-platform").is_file(),
        "keystroke-platform is not next to {} : run `cargo test --workspace` (or scripts/test), \
         which builds both binaries",
        keystroke.display()
    );
    dir
}

#[test]
fn the_benchmark_script_runs_and_reports_every_figure() {
    let missing: Vec<_> = TOOLS.iter().filter(|tool| !on_path(tool)).collect();
    if !missing.is_empty() {
        let note = format!(
            "scripts/bench needs {missing:?} (Debian packages: hyperfine valgrind wrk time curl jq dbus gnome-keyring)"
        );
        skip::skip(&format!("the benchmark smoke run: {note}"));
        return;
    }

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(root.join("scripts/bench"))
        .args(["--smoke", "--bin-dir"])
        .arg(bin_dir())
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A group of its own, so that a run past the deadline can be stopped with its children.
        .process_group(0)
        .spawn()
        .expect("running scripts/bench");

    let mut stdout_pipe = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stdout_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text);
        text
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for scripts/bench") {
            break Some(status);
        }
        if started.elapsed() > DEADLINE {
            let _ = Command::new("kill").arg("-TERM").arg(format!("-{}", child.id())).status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let report = stdout_reader.join().unwrap();
    let log = stderr_reader.join().unwrap();
    let context = format!("--- report ---\n{report}\n--- stderr ---\n{log}");

    let Some(status) = status else {
        panic!("scripts/bench --smoke did not finish within {DEADLINE:?}\n{context}");
    };
    assert!(status.success(), "scripts/bench --smoke failed ({status})\n{context}");
    assert!(report.contains("**Smoke run**"), "{context}");
    assert!(report.contains("| CPUs (nproc) |") && report.contains("| rustc |"), "no machine description\n{context}");

    for id in ROWS {
        let prefix = format!("| {id} |");
        let row = report
            .lines()
            .find(|line| line.starts_with(&prefix))
            .unwrap_or_else(|| panic!("the report has no row {id}\n{context}"));
        // | id | figure | measured | baseline | ratio | goal | result |
        let cells: Vec<&str> = row.split(" | ").collect();
        assert_eq!(cells.len(), 7, "row {id} does not have 7 columns: {row}");
        assert!(cells[2].chars().any(|c| c.is_ascii_digit()), "row {id} has no measured number: {row}");
        let ratio = cells[4].strip_suffix('×').unwrap_or_else(|| panic!("row {id} has no ratio: {row}"));
        assert!(ratio.parse::<f64>().is_ok(), "row {id} has no numeric ratio: {row}");
        assert!(
            ["pass", "miss", "(reported)"].contains(&cells[6].trim_end_matches(" |")),
            "row {id} has no result: {row}"
        );
    }
}
