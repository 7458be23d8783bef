//! The one place that writes to the terminal: data on stdout, everything else on stderr.
//!
//! Text for people goes through [`terminal_safe`] or [`one_line`] here, on its way out: names,
//! emails and error messages come from the platform, and an escape sequence (or a line break that
//! fakes a line of our own) in one must not reach the terminal.
//! Styles are added after that, by the methods below, never inside the text they are given.
//! Errors and warnings also lose anything shaped like a secret: their words may be the
//! platform's, or those of a proxy that repeats the request's `Authorization` header.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};

use keystroke_api::written_out;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::error::CliError;
use crate::{env, table};

#[derive(Debug, Clone)]
pub struct Printer {
    quiet: bool,
    verbose: bool,
    json: bool,
    no_input: bool,
    stdout_color: bool,
    stderr_color: bool,
    stdout_is_terminal: bool,
    stderr_is_terminal: bool,
    stdin_is_terminal: bool,
    /// `TERM=dumb`: a terminal that shows escape codes as text.
    dumb_terminal: bool,
    /// Nothing for people at all, warnings included ([`Printer::silenced`]).
    silent: bool,
}

/// An ANSI style, written only when colors are on for that stream.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    Bold,
    Red,
    Yellow,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Red => "1;31",
            Style::Yellow => "1;33",
        }
    }
}

impl Printer {
    pub fn new(global: &GlobalArgs) -> Self {
        let stdout_is_terminal = io::stdout().is_terminal();
        let stderr_is_terminal = io::stderr().is_terminal();
        // no-color.org: any non-empty value, a blank one included (`env::var` treats blank as unset).
        let dumb_terminal = std::env::var_os(env::TERM).is_some_and(|term| term == "dumb");
        let no_color = std::env::var_os(env::NO_COLOR).is_some_and(|value| !value.is_empty()) || dumb_terminal;
        Self {
            quiet: global.quiet,
            verbose: global.verbose,
            json: global.json,
            no_input: global.no_input,
            stdout_color: use_color(global.color, no_color, stdout_is_terminal) && !global.json,
            stderr_color: use_color(global.color, no_color, stderr_is_terminal),
            stdout_is_terminal,
            stderr_is_terminal,
            stdin_is_terminal: io::stdin().is_terminal(),
            dumb_terminal,
            silent: false,
        }
    }

    /// For Tab completion, whose stderr lands in the middle of the command line being typed:
    /// notices, messages and warnings are not printed (the command itself says them when run).
    pub fn silenced(self) -> Self {
        Self { silent: true, ..self }
    }

    /// For errors found before the command line could be parsed: no flags to go by but `--json`.
    pub fn for_errors(json: bool) -> Self {
        Self::new(&GlobalArgs { json, no_input: true, ..GlobalArgs::default() })
    }

    pub fn json(&self) -> bool {
        self.json
    }

    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_is_terminal
    }

    /// Where a table goes: a pipe, or a terminal of some width (`COLUMNS`, else the terminal's
    /// own answer), which long names then wrap within.
    pub fn table_target(&self) -> table::Target {
        if !self.stdout_is_terminal {
            return table::Target::Pipe;
        }
        table::Target::Terminal { columns: columns_from_env().or_else(|| terminal_columns(Stream::Stdout)) }
    }

    /// The width of the terminal on stderr (`COLUMNS`, else the terminal's own answer), for a
    /// line redrawn in place, which must not wrap.
    pub fn stderr_columns(&self) -> Option<u16> {
        columns_from_env().or_else(|| terminal_columns(Stream::Stderr))
    }

    pub fn stdin_is_terminal(&self) -> bool {
        self.stdin_is_terminal
    }

    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_is_terminal
    }

    /// `-q`: data and errors only.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// `TERM=dumb` (Emacs' shell, some IDE consoles): escape codes would show as text, so
    /// questions are asked a line at a time ([`crate::prompt`]).
    pub fn dumb_terminal(&self) -> bool {
        self.dumb_terminal
    }

    /// Whether a progress spinner may draw on stderr (it redraws its line with escape codes).
    pub fn animates(&self) -> bool {
        self.stderr_is_terminal && !self.quiet && !self.dumb_terminal
    }

    /// `--no-input`: nothing may wait for a person, not even in a browser.
    pub fn no_input(&self) -> bool {
        self.no_input
    }

    /// Whether stdout is `/dev/null` or `/dev/zero` (a closed stdout is `/dev/null` too: Rust
    /// reopens fds 0–2 on it at start), where data is lost without an error.
    pub fn stdout_is_discarded(&self) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{FileTypeExt, MetadataExt};
            let Some(out) = stdout_metadata() else {
                return false;
            };
            let device = |path: &str| std::fs::metadata(path).ok().map(|sink| sink.rdev());
            out.file_type().is_char_device() && [device("/dev/null"), device("/dev/zero")].contains(&Some(out.rdev()))
        }
        #[cfg(not(unix))]
        false
    }

    /// When stdout is a regular file whose mode lets other users read it (`> key.txt` under the
    /// usual umask makes it `0644`): its mode, and its path where the system says it (Linux), unless
    /// the file was deleted meanwhile (a path that no longer leads to it).
    pub fn stdout_file_open_to_others(&self) -> Option<(u32, Option<std::path::PathBuf>)> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let out = stdout_metadata().filter(std::fs::Metadata::is_file)?;
            let mode = out.permissions().mode() & 0o777;
            let path = || std::fs::read_link("/proc/self/fd/1").ok().filter(|_| out.nlink() > 0);
            (mode & 0o044 != 0).then(|| (mode, path()))
        }
        #[cfg(not(unix))]
        None
    }

    /// `> key.txt` makes a file the shell's umask leaves readable to every user of the machine:
    /// `what` (a key's secret, a session token) is written all the same (the file is the user's
    /// to mode), and they are told.
    pub fn warn_if_stdout_open_to_others(&self, what: &str) {
        let Some((mode, path)) = self.stdout_file_open_to_others() else {
            return;
        };
        let file = path.map_or_else(|| "the file on stdout".to_owned(), |path| format!("`{}`", path.display()));
        self.warn(&format!(
            "{file}, where {what} was written, has a mode ({mode:04o}) that lets other users of this machine read \
             it: run `chmod 600` on it, or move {what} somewhere safer"
        ));
    }

    /// Prompts need a person on both ends: stdin to answer, stderr to show the question.
    pub fn can_prompt(&self) -> bool {
        self.stdin_is_terminal && self.stderr_is_terminal && !self.no_input
    }

    /// Data for people on stdout (a table, a line), made [`terminal_safe`].
    pub fn data(&self, text: &str) -> anyhow::Result<()> {
        self.data_raw(&terminal_safe(text))
    }

    /// Data for people on stdout in a style (when colors are on for stdout).
    pub fn data_styled(&self, style: Style, text: &str) -> anyhow::Result<()> {
        self.data_raw(&paint(self.stdout_color, style, &terminal_safe(text)))
    }

    /// Data as it is: a shell script, or the user's own token for `$(keystroke auth token)`.
    pub fn data_raw(&self, text: &str) -> anyhow::Result<()> {
        let mut out = io::stdout().lock();
        writeln!(out, "{text}").and_then(|()| out.flush()).map_err(unwritten)
    }

    /// Data: one JSON document on stdout, written as it is serialised (no copy in memory).
    pub fn json_data(&self, value: &impl serde::Serialize) -> anyhow::Result<()> {
        let mut out = io::BufWriter::new(io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from).map_err(unwritten)?;
        writeln!(out).and_then(|()| out.flush()).map_err(unwritten)
    }

    /// Data: one JSON array on stdout, written element by element as pages arrive, so that a
    /// list of any length needs the memory of one page. Same bytes as [`Printer::json_data`] of
    /// the whole list.
    pub fn json_array(&self) -> JsonArray<io::BufWriter<io::Stdout>> {
        JsonArray::new(io::BufWriter::new(io::stdout()))
    }

    /// A notice for people on stderr; `-q` silences it.
    pub fn notice(&self, line: &str) {
        if !self.quiet && !self.silent {
            stderr_line(format_args!("{}", one_line(line)));
        }
    }

    /// A line on stderr that the user needs even with `-q` (a sign-in code, say).
    pub fn message(&self, line: &str) {
        if !self.silent {
            stderr_line(format_args!("{}", one_line(line)));
        }
    }

    /// [`Printer::message`] ending in something to copy, in bold.
    pub fn message_emphasis(&self, line: &str, emphasized: &str) {
        if self.silent {
            return;
        }
        let emphasized = self.stderr_style(Style::Bold, &one_line(emphasized));
        stderr_line(format_args!("{}{emphasized}", one_line(line)));
    }

    /// A warning on stderr, shown even with `-q` because it changes what the user should do.
    pub fn warn(&self, message: &str) {
        if self.silent {
            return;
        }
        let message = without_secrets(message);
        stderr_line(format_args!("{} {}", self.stderr_style(Style::Yellow, "warning:"), one_line(&message)));
    }

    /// A `-v` line on stderr, with anything shaped like a secret in it replaced: a URL holds what
    /// was typed (a key pasted as `--org` is a valid slug in small letters), as errors do.
    pub fn debug(&self, line: &str) {
        if self.verbose {
            let line = without_secrets(line);
            stderr_line(format_args!("{}", self.stderr_style(Style::Bold, &format!("> {}", one_line(&line)))));
        }
    }

    /// Writes text on stderr as it is, with no line end or escaping added (spinner frames, a
    /// prompt's question, text made terminal-safe already); never fails the command.
    pub fn stderr_raw(&self, text: &str) {
        let mut err = io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    /// The final error, as `error: …` and `hint: …`, or as JSON with `--json`.
    /// `code` is the exit code in words; `platform_code`, for scripts with `--json`, the
    /// platform's own code when the error is its answer (`web_session_refused`, `unavailable`).
    pub fn error(&self, code: &str, message: &str, hint: Option<&str>, platform_code: Option<&str>) {
        // Written out as on a terminal, in JSON too: `jq -r .error.message` prints the text raw.
        let message = without_secrets(message);
        let message = &*one_line(&message);
        let hint = hint.map(|hint| one_line(&without_secrets(hint)).into_owned());
        let hint = hint.as_deref();
        let platform_code = platform_code.map(without_secrets);
        let platform_code = platform_code.as_deref();
        if self.json {
            #[derive(serde::Serialize)]
            struct Body<'a> {
                error: Detail<'a>,
            }
            #[derive(serde::Serialize)]
            struct Detail<'a> {
                code: &'a str,
                message: &'a str,
                hint: Option<&'a str>,
                platform_code: Option<&'a str>,
            }
            let body = Body { error: Detail { code, message, hint, platform_code } };
            stderr_line(format_args!("{}", serde_json::to_string(&body).unwrap_or_default()));
            return;
        }
        stderr_line(format_args!("{} {message}", self.stderr_style(Style::Red, "error:")));
        if let Some(hint) = hint {
            stderr_line(format_args!("{} {hint}", self.stderr_style(Style::Yellow, "hint:")));
        }
    }

    fn stderr_style(&self, style: Style, text: &str) -> String {
        paint(self.stderr_color, style, text)
    }
}

/// A write to stdout that failed (a full disk, a closed pipe): said as such, the OS's reason kept
/// in the chain (a closed pipe ends the command quietly: [`is_broken_pipe`]).
pub fn unwritten(err: io::Error) -> anyhow::Error {
    anyhow::Error::new(err).context("could not write the output to stdout")
}

/// For an answer lost after a change was made (`done`: "API key ak_… was revoked"): the error
/// says the change stands, as a retry would find it made (or make it twice). A reader that went
/// away is left as it is: a closed pipe ends the command quietly.
pub fn lost_after(done: String) -> impl FnOnce(anyhow::Error) -> anyhow::Error {
    move |err| match is_broken_pipe(&err) {
        true => err,
        false => {
            CliError::failure(format!("{done}, but its answer could not be written to stdout: {}", err.root_cause()))
                .into()
        }
    }
}

/// Whether `err` comes from a reader that went away (`keystroke api-key list | head -1`), which
/// ends a command quietly: nothing is left to say to anyone.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

/// `text` without a secret in it. A bare prefix is no secret: "tokens look like `kss_…`" stays.
fn without_secrets(text: &str) -> Cow<'_, str> {
    if keystroke_api::holds_secret(text) {
        Cow::Owned(keystroke_api::redact_secrets(text, keystroke_api::SECRET_NOT_REPEATED))
    } else {
        Cow::Borrowed(text)
    }
}

/// Text as a terminal may show it: control characters (an escape sequence could retitle the
/// window, clear the screen or fake a line of output) and invisible or direction-changing ones
/// are written out as `\u{…}`; line breaks and tabs stay, for tables and blocks of lines.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    written_out(text, |c| (c.is_control() && c != '\n' && c != '\t') || keystroke_api::is_invisible_or_bidi(c))
}

/// [`terminal_safe`] for what must stay one line (a message, a table cell): a line break in it
/// is written out too, so a platform's message cannot add a line that looks like the CLI's own.
pub fn one_line(text: &str) -> Cow<'_, str> {
    written_out(text, |c| c.is_control() || keystroke_api::is_invisible_or_bidi(c))
}

/// `--color` wins, then `NO_COLOR`, then whether the stream is a terminal.
fn use_color(choice: ColorChoice, no_color: bool, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && is_terminal,
    }
}

fn paint(enabled: bool, style: Style, text: &str) -> String {
    if enabled { format!("\x1b[{}m{text}\x1b[0m", style.code()) } else { text.to_string() }
}

/// See [`Printer::json_array`].
pub struct JsonArray<W: Write> {
    out: W,
    empty: bool,
}

impl<W: Write> JsonArray<W> {
    pub fn new(out: W) -> Self {
        JsonArray { out, empty: true }
    }

    pub fn push(&mut self, item: &impl serde::Serialize) -> io::Result<()> {
        let text = serde_json::to_string_pretty(item).map_err(io::Error::from)?;
        self.out.write_all(if self.empty { b"[\n" } else { b",\n" })?;
        self.empty = false;
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                self.out.write_all(b"\n")?;
            }
            write!(self.out, "  {line}")?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(if self.empty { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The width `--help` is wrapped to, read as a table's width is (`COLUMNS`, else the terminal's
/// on stdout), at most `widest`, which a pipe gets too.
pub fn help_width(widest: usize) -> usize {
    let columns = columns_from_env().or_else(|| terminal_columns(Stream::Stdout));
    columns.map_or(widest, |columns| usize::from(columns).min(widest))
}

/// `COLUMNS`, when it holds a width.
fn columns_from_env() -> Option<u16> {
    env::var(env::COLUMNS).and_then(|value| value.parse().ok()).filter(|&columns| columns > 0)
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// The width of the terminal on `stream`, from the kernel: `console`'s size gives up when the
/// terminal reports no rows (some `script` and CI terminals), though the width is all it takes.
#[cfg(unix)]
fn terminal_columns(stream: Stream) -> Option<u16> {
    let fd = match stream {
        Stream::Stdout => libc::STDOUT_FILENO,
        Stream::Stderr => libc::STDERR_FILENO,
    };
    // SAFETY: TIOCGWINSZ fills the struct it is given, or fails and leaves it zeroed.
    let size = unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        libc::ioctl(fd, libc::TIOCGWINSZ, &mut size);
        size
    };
    (size.ws_col > 0).then_some(size.ws_col)
}

#[cfg(not(unix))]
fn terminal_columns(stream: Stream) -> Option<u16> {
    let term = match stream {
        Stream::Stdout => dialoguer::console::Term::stdout(),
        Stream::Stderr => dialoguer::console::Term::stderr(),
    };
    term.size_checked().map(|(_rows, columns)| columns).filter(|&columns| columns > 0)
}

/// What stdout leads to, through a copy of its descriptor (the handle is never closed).
#[cfg(unix)]
fn stdout_metadata() -> Option<std::fs::Metadata> {
    use std::os::fd::AsFd;
    let stdout = io::stdout().as_fd().try_clone_to_owned().ok()?;
    std::fs::File::from(stdout).metadata().ok()
}

/// One line on stderr. Unlike `eprintln!`, a stderr that cannot be written to (a closed pipe, a
/// full disk) is not a panic: the command's outcome and exit code stand, as for a notice nobody
/// reads.
fn stderr_line(line: std::fmt::Arguments) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_flag_beats_no_color_which_beats_terminal_detection() {
        assert!(use_color(ColorChoice::Always, true, false));
        assert!(!use_color(ColorChoice::Never, false, true));
        assert!(!use_color(ColorChoice::Auto, true, true));
        assert!(use_color(ColorChoice::Auto, false, true));
        assert!(!use_color(ColorChoice::Auto, false, false));
    }

    #[test]
    fn text_for_the_terminal_shows_escapes_instead_of_running_them() {
        assert_eq!(terminal_safe("Production automation"), "Production automation");
        assert!(matches!(terminal_safe("ünïcödé 🔑\tand\nlines"), Cow::Borrowed(_)));
        assert_eq!(terminal_safe("Org\x1b]0;pwned\x07"), "Org\\u{1b}]0;pwned\\u{7}");
        assert_eq!(terminal_safe("a\u{9b}2Jb"), "a\\u{9b}2Jb", "C1 controls too");
        assert_eq!(terminal_safe("abc\u{202e}fed"), "abc\\u{202e}fed", "direction overrides");
        assert_eq!(terminal_safe("x\r\u{7f}"), "x\\u{d}\\u{7f}");
        assert_eq!(one_line("nope\nhint: run this\tnow"), "nope\\u{a}hint: run this\\u{9}now");
    }

    #[test]
    fn paint_leaves_text_alone_when_colors_are_off() {
        assert_eq!(paint(false, Style::Red, "error:"), "error:");
        assert_eq!(paint(true, Style::Red, "error:"), "\x1b[1;31merror:\x1b[0m");
    }

    #[test]
    fn a_streamed_array_is_the_same_document_as_a_whole_one() {
        let items = [serde_json::json!({"id": "ak_1", "tags": ["a"], "by": {"email": "x"}}), serde_json::json!({})];
        for count in 0..=items.len() {
            let mut array = JsonArray::new(Vec::new());
            for item in &items[..count] {
                array.push(item).unwrap();
            }
            let streamed = String::from_utf8(array.finish().unwrap()).unwrap();
            let whole = serde_json::to_string_pretty(&items[..count]).unwrap() + "\n";
            assert_eq!(streamed, whole, "{count} items");
        }
    }
}
