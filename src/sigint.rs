//! Ctrl-C (SIGINT) for the moments the CLI answers it itself; everywhere else it ends the process
//! as usual. Each guard puts back the disposition it replaced when dropped, with `sigaction`, so
//! nothing of a previous handler's flags is lost.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by [`Caught`]'s handler: storing to an atomic is all a signal handler may safely do.
static PRESSED: AtomicBool = AtomicBool::new(false);

/// SIGINT ignored until dropped: a terminal prompt then sees Ctrl-C as an interrupted read.
pub struct Ignored {
    #[cfg(unix)]
    previous: libc::sigaction,
}

impl Ignored {
    pub fn new() -> Self {
        Ignored {
            #[cfg(unix)]
            previous: replace_disposition(libc::SIG_IGN),
        }
    }
}

impl Drop for Ignored {
    fn drop(&mut self) {
        #[cfg(unix)]
        restore(&self.previous);
    }
}

/// SIGINT recorded until dropped, for a wait that checks [`Caught::pressed`] between steps and
/// ends in words instead of dying mid-line.
pub struct Caught {
    #[cfg(unix)]
    previous: libc::sigaction,
}

impl Caught {
    pub fn new() -> Self {
        PRESSED.store(false, Ordering::SeqCst);
        Caught {
            #[cfg(unix)]
            previous: replace_disposition(on_sigint as *const () as libc::sighandler_t),
        }
    }

    /// Whether Ctrl-C was pressed since this guard was made.
    pub fn pressed(&self) -> bool {
        PRESSED.load(Ordering::SeqCst)
    }
}

impl Drop for Caught {
    fn drop(&mut self) {
        #[cfg(unix)]
        restore(&self.previous);
    }
}

#[cfg(unix)]
extern "C" fn on_sigint(_: libc::c_int) {
    PRESSED.store(true, Ordering::SeqCst);
}

/// Installs `handler` for SIGINT and returns the disposition it replaced.
#[cfg(unix)]
fn replace_disposition(handler: libc::sighandler_t) -> libc::sigaction {
    // SAFETY: both structs are plain data, zeroed then filled; `sigaction` only reads `new` and
    // writes `previous`. The handler, if ours, touches nothing but an atomic.
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = handler;
        // Calls under way (a read of the platform's answer) carry on rather than fail with EINTR;
        // the wait notices the key press at its next tick.
        new.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut new.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGINT, &new, &mut previous);
        previous
    }
}

#[cfg(unix)]
fn restore(previous: &libc::sigaction) {
    // SAFETY: puts back exactly what `replace_disposition` read.
    unsafe {
        libc::sigaction(libc::SIGINT, previous, std::ptr::null_mut());
    }
}
