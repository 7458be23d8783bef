//! A line typed unseen at the terminal: the admin commands' passwords, and a leaked key's secret
//! pasted for `key revoke --leaked`. However the prompt ends (Enter, Ctrl-D, Ctrl-C, or a signal
//! from elsewhere: `timeout`, a closed SSH session), the terminal is left as it was found (the
//! crate this replaced, rpassword 7.5, read in raw mode and left the terminal without echo, line
//! editing or Ctrl-C when a signal ended the prompt, for every command typed after in zsh, fish
//! or `sh`), and what was typed but not read is thrown away rather than left for the shell to
//! show. Ctrl-Z does nothing meanwhile, and keeps what was typed: stopped, the process would hand
//! the terminal to the shell, which turns echo back on, and the rest would be typed in sight
//! after `fg`. The CLI's `src/signals.rs` does the same for its prompts, with more (its questions
//! read keys); the platform's binary cannot depend on the CLI.

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// The signals that end the process at the prompt, after the terminal is put back.
const ENDING: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// The terminal's settings from before the prompt, for [`on_ending_signal`] to put back.
static mut SETTINGS_BEFORE: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();
/// Whether [`SETTINGS_BEFORE`] holds them (set after they are, cleared before the prompt ends).
static SAVED: AtomicBool = AtomicBool::new(false);

/// Throws away what was typed and not read, puts the terminal back, ends the prompt's line, and
/// ends the process by `signal`, as it would have ended without this handler (the shell reports it
/// so, and a loop stops). Async-signal-safe: `tcgetpgrp`, `getpgrp`, `tcflush`, `tcsetattr`,
/// `write`, `sigaction` and `raise` only.
extern "C" fn on_ending_signal(signal: libc::c_int) {
    // SAFETY: the settings are read only once saved; the rest are plain calls.
    unsafe {
        // Only from the foreground: a background process that set the terminal would be stopped
        // by SIGTTOU, here in the handler (the prompt itself, asked in the background, is stopped
        // so before it reads, as every program that reads the terminal is).
        let in_foreground = libc::tcgetpgrp(libc::STDIN_FILENO) == libc::getpgrp();
        if in_foreground && SAVED.load(Ordering::SeqCst) {
            libc::tcflush(libc::STDIN_FILENO, libc::TCIFLUSH);
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, (&raw const SETTINGS_BEFORE).cast());
        }
        libc::write(libc::STDERR_FILENO, b"\n".as_ptr().cast(), 1);
        set_disposition(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// Sets `signal`'s handler, returning the one it replaces.
fn set_disposition(signal: libc::c_int, handler: libc::sighandler_t) -> libc::sigaction {
    // SAFETY: both structs are plain data, zeroed then filled; `sigaction` only reads `new` and
    // writes `previous`.
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = handler;
        libc::sigemptyset(&mut new.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, &new, &mut previous);
        previous
    }
}

/// `prompt` on stderr, then the line typed on the terminal (stdin), unseen; without its line end.
/// Empty at Ctrl-D (an end of input), for the caller to refuse as it refuses an empty line.
pub(crate) fn hidden_line(prompt: &str) -> std::io::Result<String> {
    let mut stderr = std::io::stderr();
    write!(stderr, "{prompt}")?;
    stderr.flush()?;
    // SAFETY: `tcgetattr` fills the termios it is given; the flag is set only once it has. One
    // prompt is asked at a time.
    let before = unsafe {
        let settings = (&raw mut SETTINGS_BEFORE).cast::<libc::termios>();
        (libc::tcgetattr(libc::STDIN_FILENO, settings) == 0).then(|| *settings)
    };
    let Some(before) = before else {
        // Not a terminal after all: nothing to hide, or to put back.
        return read_line();
    };
    SAVED.store(true, Ordering::SeqCst);
    // A signal the process was started ignoring (`nohup`, `trap '' TERM`) stays ignored: looked
    // at first, as a handler put in and taken back could catch one meant to be ignored.
    let previous: Vec<(libc::c_int, libc::sigaction)> = ENDING
        .iter()
        .filter(|&&signal| !keystroke_platform::server::ignored(signal))
        .map(|&signal| (signal, set_disposition(signal, on_ending_signal as *const () as libc::sighandler_t)))
        .collect();
    let previous_suspend = set_disposition(libc::SIGTSTP, libc::SIG_IGN);
    let mut hidden = before;
    // No echo, but the Enter that ends the line is shown, so that what follows starts a line;
    // and Ctrl-Z, ignored, does not throw away what was typed before it (the handler does, for a
    // signal that ends the prompt).
    hidden.c_lflag &= !libc::ECHO;
    hidden.c_lflag |= libc::ECHONL | libc::NOFLSH;
    // SAFETY: `tcsetattr` only reads the settings it is given.
    unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &hidden) };
    let line = read_line();
    // SAFETY: as above; the handlers go only once the settings are back.
    unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &before) };
    SAVED.store(false, Ordering::SeqCst);
    for (signal, previous) in &previous {
        // SAFETY: puts back exactly what `set_disposition` read.
        unsafe { libc::sigaction(*signal, previous, std::ptr::null_mut()) };
    }
    // SAFETY: as above.
    unsafe { libc::sigaction(libc::SIGTSTP, &previous_suspend, std::ptr::null_mut()) };
    line
}

fn read_line() -> std::io::Result<String> {
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        // Ctrl-D: the prompt's line is ended here, as Enter's would have been.
        let _ = writeln!(std::io::stderr());
    }
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
