//! Signals for the moments the CLI answers them itself: Ctrl-C (SIGINT) and SIGTERM during a wait
//! (for the browser's sign-in, for the answer to a change that must not be made twice), and
//! SIGINT, SIGTERM, SIGHUP or SIGQUIT at a prompt; everywhere else they end the process as usual.
//! Each guard puts back the disposition it replaced when dropped, with `sigaction`, so nothing of
//! a previous handler's flags is lost.

#[cfg(unix)]
use std::sync::atomic::AtomicI32;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// The first signal [`Caught`]'s handler saw, 0 for none, never reset: the process ends by it
/// ([`end_by_caught_signal`]) whichever guard caught it. The first, as what ended the wait: a
/// SIGTERM that interrupts a question's wait for a key is followed by the SIGINT dialoguer sends
/// itself on an interrupted read. Storing to atomics is all a signal handler may safely do.
#[cfg(unix)]
static ARRIVED: AtomicI32 = AtomicI32::new(0);
/// How many signals the handler has seen: a guard's own are those since it was made.
static ARRIVALS: AtomicU32 = AtomicU32::new(0);

/// The terminal's settings from before a prompt, for [`on_ending_signal`] to put back.
#[cfg(unix)]
static mut SETTINGS_BEFORE_PROMPT: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();
/// Whether [`SETTINGS_BEFORE_PROMPT`] holds settings (set after them, cleared before they go).
static SETTINGS_SAVED: AtomicBool = AtomicBool::new(false);

/// For a terminal prompt, until dropped: SIGINT ignored, so that the prompt sees Ctrl-C as an
/// interrupted read (or recorded, at a prompt that reads keys: [`DuringPrompt::ctrl_c_as_a_key`]);
/// and SIGTERM, SIGHUP and SIGQUIT (`timeout`, a closed terminal window, `kill
/// -QUIT`) still end the process, but only after putting back the terminal's settings and
/// cursor, which the prompt's raw, echo-less mode would otherwise outlive (but for a prompt
/// within a [`Caught`] wait: [`DuringPrompt::answered_by`]). A signal the process was started
/// ignoring (`nohup`, `trap '' TERM`) stays ignored. At a prompt that reads keys
/// ([`DuringPrompt::ctrl_c_as_a_key`]), Ctrl-\ and Ctrl-Z are keys it ignores, as in its raw
/// reads.
pub struct DuringPrompt {
    #[cfg(unix)]
    previous: [(libc::c_int, libc::sigaction); 4],
    /// [`DuringPrompt::interrupting_line_reads`]'s pipe, closed on drop.
    #[cfg(unix)]
    wake_pipe: Option<[libc::c_int; 2]>,
    /// Whether [`DuringPrompt::ctrl_c_as_a_key`] or [`DuringPrompt::not_suspended`] changed the
    /// terminal's settings, which the drop puts back.
    #[cfg(unix)]
    settings_changed: bool,
    /// What [`DuringPrompt::not_suspended`] replaced, for the drop to put back.
    #[cfg(unix)]
    previous_suspend: Option<libc::sigaction>,
    /// [`ARRIVALS`] when the prompt began: see [`DuringPrompt::ctrl_c_pressed`].
    arrivals_before: u32,
}

/// The pipe a question read a line at a time waits on beside stdin (read end, write end; -1 when
/// none): a signal answered during it writes a byte there, which wakes the wait whichever thread
/// the signal was delivered to (a `poll` interrupted by it is only the one of that thread).
#[cfg(unix)]
static WAKE_PIPE: [AtomicI32; 2] = [AtomicI32::new(-1), AtomicI32::new(-1)];

/// Whether the prompt draws without escape codes (a dumb terminal): an ending signal then adds
/// a line end only, not the code that shows a cursor never hidden.
static DRAWN_PLAINLY: AtomicBool = AtomicBool::new(false);

/// The end of the pipe to wait on, beside stdin, during a question read a line at a time: it
/// turns readable when Ctrl-C (or a signal a wait answers) comes.
#[cfg(unix)]
pub fn line_read_waker() -> Option<libc::c_int> {
    Some(WAKE_PIPE[0].load(Ordering::SeqCst)).filter(|&fd| fd >= 0)
}

/// Wakes a question read a line at a time, if one is waiting. Async-signal-safe (`write`).
#[cfg(unix)]
fn wake_line_read() {
    let fd = WAKE_PIPE[1].load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: one byte from a constant into a descriptor this process owns (non-blocking: a
        // full pipe has woken the wait already).
        unsafe { libc::write(fd, [1u8].as_ptr().cast(), 1) };
    }
}

impl DuringPrompt {
    pub fn new() -> Self {
        Self::with(Ending::EndsTheProcess)
    }

    /// For a prompt within a wait that answers signals in words ([`Caught`]): SIGTERM and SIGHUP
    /// are recorded as [`Caught`] records them, and end the prompt as Ctrl-C does (the prompt's
    /// wait for a key is a `poll`, which a handled signal interrupts); [`Caught::arrived`] then
    /// says the wait was ended, by any of them ([`DuringPrompt::ctrl_c_pressed`] counts Ctrl-C).
    /// SIGQUIT still ends the process.
    pub fn answered_by(_wait: &Caught) -> Self {
        Self::with(Ending::Recorded)
    }

    /// For a question read a line at a time (on a dumb terminal): Ctrl-C, handled by doing
    /// nothing rather than ignored, interrupts the `poll` that waits for the line, and so ends
    /// the question as it ends dialoguer's (which reads it as a key). Still ignored by a process
    /// started ignoring it.
    pub fn interrupting_line_reads(#[cfg_attr(not(unix), allow(unused_mut))] mut self) -> Self {
        #[cfg(unix)]
        {
            let mut fds = [-1; 2];
            // SAFETY: `pipe` fills the two descriptors it is given, and `fcntl` sets their flags
            // (macOS has no `pipe2`): not inherited by a browser started meanwhile, and never
            // blocking the handler.
            let made = unsafe {
                libc::pipe(fds.as_mut_ptr()) == 0
                    && fds.iter().all(|&fd| {
                        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) == 0
                            && libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) == 0
                    })
            };
            if made {
                WAKE_PIPE[0].store(fds[0], Ordering::SeqCst);
                WAKE_PIPE[1].store(fds[1], Ordering::SeqCst);
                self.wake_pipe = Some(fds);
            } else {
                // Without it, Ctrl-C still interrupts the wait when delivered to its thread.
                // SAFETY: closes what `pipe` made, if it made anything.
                fds.iter().filter(|&&fd| fd >= 0).for_each(|&fd| unsafe {
                    libc::close(fd);
                });
            }
            self.handle_sigint(on_interrupting_signal);
        }
        self
    }

    /// For a prompt that reads one key at a time (dialoguer's, each read in raw mode): Ctrl-C
    /// reaches it as a key from before the question is drawn until the answer, instead of as a
    /// SIGINT whenever the prompt is between two reads, where a press was lost: the terminal's
    /// `ISIG` is cleared until dropped. Not for a line read (a line is delivered at Enter only,
    /// so Ctrl-C would wait for it) nor a hidden one (it would become part of the secret).
    /// A SIGINT sent from elsewhere (`kill -INT`, `timeout -s INT`) is then recorded as Ctrl-C,
    /// and interrupts the prompt's wait for a key as the key does (unless the process was
    /// started ignoring it); so is the one dialoguer sends itself on reading the key.
    pub fn ctrl_c_as_a_key(#[cfg_attr(not(unix), allow(unused_mut))] mut self) -> Self {
        #[cfg(unix)]
        {
            self.change_terminal(|settings| settings.c_lflag &= !libc::ISIG);
            self.handle_sigint(on_caught_signal);
        }
        self
    }

    /// For a hidden prompt: Ctrl-Z does nothing until dropped. Stopped, the process would hand
    /// the terminal to the shell, which turns echo back on, and after `fg` the rest of the secret
    /// would be typed in sight; and the terminal would throw away what was typed before it. So the
    /// terminal's suspend key is turned off (Ctrl-Z then comes as a character, which the prompt's
    /// caller drops) and SIGTSTP, sent otherwise, is ignored. Ctrl-C, ignored too, still throws
    /// away what was typed, as the terminal does: Enter alone then cancels. Not for a prompt that
    /// reads keys ([`DuringPrompt::ctrl_c_as_a_key`]): each starts from the settings saved before
    /// the prompt.
    pub fn not_suspended(#[cfg_attr(not(unix), allow(unused_mut))] mut self) -> Self {
        #[cfg(unix)]
        {
            self.previous_suspend = Some(replace_disposition(libc::SIGTSTP, libc::SIG_IGN));
            self.change_terminal(|settings| settings.c_cc[libc::VSUSP] = libc::_POSIX_VDISABLE);
        }
        self
    }

    /// Ctrl-C ended the prompt (read as a key, or as the SIGINT a line read answers): recorded
    /// as the SIGINT it stands for, unless a signal recorded meanwhile ended it, so that the
    /// command, once it has said what it did not do, ends by it ([`end_by_caught_signal`]): a
    /// loop typed at an interactive shell, asking for each of many keys, stops there, as at any
    /// other Ctrl-C. Within a [`Caught`] wait it counts as that wait's arrival, as SIGTERM at the
    /// prompt does.
    pub fn ctrl_c_pressed(&self) {
        if !self.signalled() {
            #[cfg(unix)]
            record_arrival(libc::SIGINT);
            #[cfg(not(unix))]
            ARRIVALS.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Whether a signal this prompt answers (Ctrl-C, SIGINT, or SIGTERM and SIGHUP within a
    /// [`Caught`] wait) has arrived since it began: one that came while the question was being
    /// drawn interrupted no wait for a key, and must still end it.
    pub fn signalled(&self) -> bool {
        ARRIVALS.load(Ordering::SeqCst) != self.arrivals_before
    }

    /// The terminal's settings from before the prompt, as `change` makes them, set until dropped
    /// (from the foreground only: [`saved_settings_to_set`]).
    #[cfg(unix)]
    fn change_terminal(&mut self, change: impl FnOnce(&mut libc::termios)) {
        if let Some(mut settings) = saved_settings_to_set() {
            change(&mut settings);
            // SAFETY: `tcsetattr` only reads the settings it is given.
            self.settings_changed = unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &settings) } == 0;
        }
    }

    /// SIGINT answered by `handler` until dropped, rather than ignored, unless the process was
    /// started ignoring it. What was there before this guard stays in `previous`, for the drop to
    /// put back.
    #[cfg(unix)]
    fn handle_sigint(&self, handler: extern "C" fn(libc::c_int)) {
        if self.previous[0].1.sa_sigaction != libc::SIG_IGN {
            replace_disposition(libc::SIGINT, handler as *const () as libc::sighandler_t);
        }
    }

    /// For a prompt drawn without escape codes (on a dumb terminal): see [`DRAWN_PLAINLY`].
    pub fn drawn_plainly(self) -> Self {
        DRAWN_PLAINLY.store(true, Ordering::SeqCst);
        self
    }

    fn with(ending: Ending) -> Self {
        #[cfg(unix)]
        save_terminal_settings();
        #[cfg(unix)]
        let ends = |signal| replace_unless_ignored(signal, on_ending_signal as *const () as libc::sighandler_t);
        #[cfg(unix)]
        let answered = |signal| match ending {
            Ending::EndsTheProcess => ends(signal),
            Ending::Recorded => replace_unless_ignored(signal, on_caught_signal as *const () as libc::sighandler_t),
        };
        #[cfg(not(unix))]
        let _ = ending;
        DuringPrompt {
            #[cfg(unix)]
            wake_pipe: None,
            #[cfg(unix)]
            settings_changed: false,
            #[cfg(unix)]
            previous_suspend: None,
            arrivals_before: ARRIVALS.load(Ordering::SeqCst),
            #[cfg(unix)]
            previous: [
                (libc::SIGINT, replace_disposition(libc::SIGINT, libc::SIG_IGN)),
                answered(libc::SIGTERM),
                answered(libc::SIGHUP),
                ends(libc::SIGQUIT),
            ],
        }
    }
}

/// What SIGTERM and SIGHUP do during a prompt.
#[derive(Clone, Copy)]
enum Ending {
    EndsTheProcess,
    Recorded,
}

impl Drop for DuringPrompt {
    fn drop(&mut self) {
        #[cfg(unix)]
        if self.settings_changed {
            put_back_saved_settings();
        }
        #[cfg(unix)]
        for (signal, previous) in &self.previous {
            restore(*signal, previous);
        }
        #[cfg(unix)]
        if let Some(previous) = &self.previous_suspend {
            restore(libc::SIGTSTP, previous);
        }
        // Closed only once no handler of this guard can write to it.
        #[cfg(unix)]
        if let Some(fds) = self.wake_pipe.take() {
            WAKE_PIPE[1].store(-1, Ordering::SeqCst);
            WAKE_PIPE[0].store(-1, Ordering::SeqCst);
            // SAFETY: the two descriptors `pipe` made for this guard, closed once.
            unsafe {
                libc::close(fds[0]);
                libc::close(fds[1]);
            }
        }
        SETTINGS_SAVED.store(false, Ordering::SeqCst);
        DRAWN_PLAINLY.store(false, Ordering::SeqCst);
    }
}

#[cfg(unix)]
fn save_terminal_settings() {
    // SAFETY: `tcgetattr` fills the termios it is given; the flag is set only once it has, and
    // the handler reads the settings only behind the flag. One prompt is asked at a time.
    unsafe {
        // `MaybeUninit<T>` is laid out as `T`.
        let settings = (&raw mut SETTINGS_BEFORE_PROMPT).cast::<libc::termios>();
        if libc::tcgetattr(libc::STDIN_FILENO, settings) == 0 {
            SETTINGS_SAVED.store(true, Ordering::SeqCst);
        }
    }
}

/// A copy of the terminal's settings from before the prompt, when saved and this process may set
/// the terminal: only from the foreground, as the prompt itself does (a background process that
/// set the terminal would be stopped by SIGTTOU, and the terminal is the foreground's to set
/// anyway). Async-signal-safe (`tcgetpgrp`, `getpgrp`, a copy).
#[cfg(unix)]
fn saved_settings_to_set() -> Option<libc::termios> {
    // SAFETY: the settings are read only once saved (see `save_terminal_settings`).
    (in_the_foreground(libc::STDIN_FILENO) && SETTINGS_SAVED.load(Ordering::SeqCst))
        .then(|| unsafe { *(&raw const SETTINGS_BEFORE_PROMPT).cast::<libc::termios>() })
}

/// Whether this process's group has the terminal on `fd`: a background process may not set it
/// (SIGTTOU would stop it), nor should it draw on it. Async-signal-safe (`tcgetpgrp`, `getpgrp`).
#[cfg(unix)]
pub fn in_the_foreground(fd: libc::c_int) -> bool {
    // SAFETY: plain calls on a descriptor and this process.
    unsafe { libc::tcgetpgrp(fd) == libc::getpgrp() }
}

/// The terminal's settings from before the prompt put back ([`saved_settings_to_set`]): by the
/// prompt's end, an ending signal, or a panic. Async-signal-safe (`tcsetattr` besides).
#[cfg(unix)]
fn put_back_saved_settings() {
    if let Some(settings) = saved_settings_to_set() {
        // SAFETY: `tcsetattr` only reads the settings it is given.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &settings) };
    }
}

/// What ends a line a prompt left unfinished, showing the cursor dialoguer hid (a dumb terminal's
/// prompt hid none).
#[cfg(unix)]
const SHOW_CURSOR: &[u8] = b"\x1b[?25h\n";

/// A panic during a prompt (a release build then aborts) would leave the terminal as the prompt
/// set it: without echo, or with Ctrl-C as a key. The panic hook puts back its settings first.
pub fn put_back_the_terminal_on_panic() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |panic| {
        #[cfg(unix)]
        if SETTINGS_SAVED.load(Ordering::SeqCst) {
            put_back_saved_settings();
            if !DRAWN_PLAINLY.load(Ordering::SeqCst) {
                let _ = std::io::Write::write_all(&mut std::io::stderr(), SHOW_CURSOR);
            }
        }
        report(panic);
    }));
}

/// SIGTERM, SIGHUP or SIGQUIT during a prompt: what was typed and not read thrown away, the
/// terminal as it was, the cursor shown, then the signal's own end. Only async-signal-safe calls
/// (`tcgetpgrp`, `getpgrp`, `tcflush`, `tcsetattr`, `write`, `signal`, `raise`).
#[cfg(unix)]
extern "C" fn on_ending_signal(signal: libc::c_int) {
    const LINE_END: &[u8] = b"\n";
    let line_end = if DRAWN_PLAINLY.load(Ordering::SeqCst) { LINE_END } else { SHOW_CURSOR };
    // What was typed and not yet read (half a token) would otherwise go to the shell, which
    // shows it on its prompt line.
    if saved_settings_to_set().is_some() {
        // SAFETY: a plain call on stdin's descriptor.
        unsafe { libc::tcflush(libc::STDIN_FILENO, libc::TCIFLUSH) };
    }
    put_back_saved_settings();
    // SAFETY: plain calls on stderr's descriptor and this signal's disposition.
    unsafe {
        libc::write(libc::STDERR_FILENO, line_end.as_ptr().cast(), line_end.len());
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// Ctrl-C (SIGINT) and SIGTERM (`timeout`, a cancelled CI job) recorded until dropped (and
/// SIGHUP too at a prompt within, [`DuringPrompt::answered_by`]), for a wait that checks
/// [`Caught::arrived`] between steps and ends in words instead of dying mid-line; once those
/// words are said, [`end_by_caught_signal`] ends the process by the signal.
/// A signal the process was started ignoring (`nohup`, a background job's SIGINT) stays ignored.
pub struct Caught {
    /// [`ARRIVALS`] when the guard was made.
    arrivals_before: u32,
    #[cfg(unix)]
    previous: [(libc::c_int, libc::sigaction); 2],
}

impl Caught {
    pub fn new() -> Self {
        #[cfg(unix)]
        let catch = |signal| replace_unless_ignored(signal, on_caught_signal as *const () as libc::sighandler_t);
        Caught {
            arrivals_before: ARRIVALS.load(Ordering::SeqCst),
            #[cfg(unix)]
            previous: [catch(libc::SIGINT), catch(libc::SIGTERM)],
        }
    }

    /// Whether Ctrl-C or SIGTERM arrived since this guard was made (or Ctrl-C, SIGTERM or SIGHUP
    /// at a prompt within it). One caught by an earlier guard is not this one's to answer, but still
    /// ends the process.
    pub fn arrived(&self) -> bool {
        ARRIVALS.load(Ordering::SeqCst) != self.arrivals_before
    }

    /// `work`'s output, or `None` once Ctrl-C or SIGTERM has arrived with `work` not done (seen
    /// within 50 ms). Output that is there wins over a signal.
    pub async fn unless_arrived<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        tokio::pin!(work);
        loop {
            tokio::select! {
                biased;
                output = &mut work => return Some(output),
                () = tokio::time::sleep(std::time::Duration::from_millis(50)) => {
                    if self.arrived() {
                        return None;
                    }
                }
            }
        }
    }
}

impl Drop for Caught {
    fn drop(&mut self) {
        #[cfg(unix)]
        for (signal, previous) in &self.previous {
            restore(*signal, previous);
        }
    }
}

/// Wakes the question ([`DuringPrompt::interrupting_line_reads`]); arriving also interrupts a
/// `poll` of the thread it is delivered to.
#[cfg(unix)]
extern "C" fn on_interrupting_signal(_signal: libc::c_int) {
    wake_line_read();
}

#[cfg(unix)]
extern "C" fn on_caught_signal(signal: libc::c_int) {
    record_arrival(signal);
    wake_line_read();
}

/// `signal` arrived: [`ARRIVED`] unless one came before, and counted. Async-signal-safe.
#[cfg(unix)]
fn record_arrival(signal: libc::c_int) {
    let _ = ARRIVED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    ARRIVALS.fetch_add(1, Ordering::SeqCst);
}

/// Ends the process by the signal a [`Caught`] guard recorded, if one came, once the CLI has said
/// what it stopped (or finished: one that came as the answer arrived is not lost). A shell stops
/// its loop or script only for a child that Ctrl-C ended; one that exits, it takes for one that
/// handled the signal, and runs the next command (the next `deploy` of a loop).
pub fn end_by_caught_signal() {
    #[cfg(unix)]
    {
        let signal = ARRIVED.load(Ordering::SeqCst);
        if signal != 0 {
            // SAFETY: puts back the signal's default action, then sends it to this process.
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
                libc::raise(signal);
            }
        }
    }
}

/// [`replace_disposition`], except for a signal the process was started ignoring (`nohup`,
/// `trap '' TERM`, a background job's SIGINT), which stays ignored. The signal and the
/// disposition to restore on drop.
#[cfg(unix)]
fn replace_unless_ignored(signal: libc::c_int, handler: libc::sighandler_t) -> (libc::c_int, libc::sigaction) {
    // SAFETY: with no new action, `sigaction` only writes the current one into `current`.
    let current = unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut current);
        current
    };
    // Looked at first: installed and taken back, ours could catch a signal meant to be ignored.
    if current.sa_sigaction == libc::SIG_IGN {
        return (signal, current);
    }
    (signal, replace_disposition(signal, handler))
}

/// Installs `handler` for `signal` and returns the disposition it replaced.
#[cfg(unix)]
fn replace_disposition(signal: libc::c_int, handler: libc::sighandler_t) -> libc::sigaction {
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
        libc::sigaction(signal, &new, &mut previous);
        previous
    }
}

#[cfg(unix)]
fn restore(signal: libc::c_int, previous: &libc::sigaction) {
    // SAFETY: puts back exactly what `replace_disposition` read.
    unsafe {
        libc::sigaction(signal, previous, std::ptr::null_mut());
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A guard answers the signals that came while it was there; one caught by an earlier guard is
    /// not the next one's to answer, and still ends the process: `api-key create` that caught
    /// Ctrl-C as the key arrived, then revoked the key when its secret could not be written
    /// (another guard), had forgotten the Ctrl-C and exited 1 instead of by the signal.
    #[test]
    fn a_signal_outlives_the_guard_that_caught_it() {
        let first = Caught::new();
        assert!(!first.arrived());
        // SAFETY: the guard's handler is installed for SIGINT; it only stores to atomics.
        assert_eq!(unsafe { libc::raise(libc::SIGINT) }, 0);
        assert!(first.arrived());
        let second = Caught::new();
        assert!(first.arrived() && !second.arrived());
        drop((first, second));
        assert_eq!(ARRIVED.load(Ordering::SeqCst), libc::SIGINT, "for end_by_caught_signal");
    }
}
