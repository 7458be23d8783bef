//! A wait shown as a spinner on a terminal (and as one notice elsewhere), which Ctrl-C or
//! SIGTERM ends early: `auth login`'s wait for the browser.

use std::time::{Duration, Instant};

use crate::printer::Printer;
use crate::signals;

/// How a `Spinner::wait` ended: its time ran out, or Ctrl-C or SIGTERM arrived.
#[derive(PartialEq, Eq)]
pub enum Waited {
    Out,
    Interrupted,
}

/// A spinner on a terminal; a single notice elsewhere.
pub struct Spinner<'a> {
    printer: &'a Printer,
    message: &'static str,
}

impl<'a> Spinner<'a> {
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    const TICK: Duration = Duration::from_millis(100);

    pub fn new(printer: &'a Printer, message: &'static str) -> Self {
        if !printer.animates() {
            printer.notice(&format!("{message}..."));
        }
        Self { printer, message }
    }

    /// Waits `duration` in ticks (drawing a frame each, on a terminal), or until Ctrl-C.
    pub async fn wait(&self, duration: Duration, interrupted: &signals::Caught) -> Waited {
        let started = Instant::now();
        let mut frame = 0;
        while started.elapsed() < duration {
            if interrupted.arrived() {
                return Waited::Interrupted;
            }
            if self.printer.animates() && in_the_foreground() {
                let symbol = Self::FRAMES[frame % Self::FRAMES.len()];
                // Cut short of the terminal's last column: a line that wraps is not redrawn in
                // place by `\r`, and each frame took a row of its own, scrolling the sign-in's
                // code off a narrow terminal.
                let room = self.printer.stderr_columns().map_or(usize::MAX, |columns| usize::from(columns) - 1);
                let line: String = format!("{symbol} {}", self.message).chars().take(room).collect();
                self.printer.stderr_raw(&format!("\r{line}"));
                frame += 1;
            }
            tokio::time::sleep(Self::TICK.min(duration.saturating_sub(started.elapsed()))).await;
        }
        if interrupted.arrived() { Waited::Interrupted } else { Waited::Out }
    }

    /// A warning said during the wait, on a line of its own (the spinner's line is cleared first;
    /// the next tick draws it again below).
    pub fn warn(&self, line: &str) {
        self.clear_line();
        self.printer.warn(line);
    }

    fn clear_line(&self) {
        if self.printer.animates() {
            self.printer.stderr_raw("\r\x1b[2K");
        }
    }
}

/// Whether this process's group has the terminal on stderr: a sign-in sent to the background
/// (Ctrl-Z, `bg`) waits on without drawing over what is typed at the shell's prompt meanwhile.
fn in_the_foreground() -> bool {
    #[cfg(unix)]
    return signals::in_the_foreground(libc::STDERR_FILENO);
    #[cfg(not(unix))]
    true
}

/// However the wait ends, the line is cleared before anything else is said.
impl Drop for Spinner<'_> {
    fn drop(&mut self) {
        self.clear_line();
    }
}
