//! Standard output. A closed pipe (`casework report worklist | head`) ends the command
//! quietly with status 141 (128 + SIGPIPE, what a shell shows for a tool killed by it),
//! instead of a panic; any other write failure is an error that says so.

use std::io::Write;

use crate::failure::Failure;

/// The exit status of a command whose reader went away.
pub const BROKEN_PIPE: u8 = 141;

fn failed(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure {
            message: String::new(),
            hint: None,
            code: BROKEN_PIPE,
        }
    } else {
        Failure {
            message: format!("writing to standard output: {e}"),
            hint: Some("check where the output goes (a full disk?)".into()),
            code: crate::failure::STORE,
        }
    }
}

/// Writes `text` and a newline.
pub fn line(text: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(text)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(failed)
}

/// Writes `text` as it is and flushes.
pub fn text(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(failed)
}

/// `println!` for commands: returns from the calling function with the failure when the
/// line cannot be written.
macro_rules! say {
    () => {
        $crate::output::line(format_args!(""))?
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))?
    };
}
pub(crate) use say;

/// A progress bar with a total and the time left, on standard error, drawn only when
/// standard error is a terminal.
pub fn bar(total: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    let template = format!("{{bar:40}} {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left)");
    bar.set_style(
        indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// How a command prints what it found: a table for people, JSON for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned text.
    #[default]
    Table,
    /// One JSON document.
    Json,
}

/// Writes `value` as pretty JSON.
pub fn json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure {
        message: format!("cannot write JSON: {e}"),
        hint: None,
        code: crate::failure::STORE,
    })?;
    line(format_args!("{text}"))
}
