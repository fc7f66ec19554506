//! Terminal output helpers: colours that honour --color and NO_COLOR.

use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};

use crate::manifest::diagnostic::{Diagnostic, Severity};

pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const OK: Style = AnsiColor::Green.on_default().bold();
pub const DIM: Style = Style::new().dimmed();
pub const BOLD: Style = Style::new().bold();

pub fn print_error(e: &anyhow::Error) {
    eprintln!("{ERROR}error{ERROR:#}: {e:#}");
}

/// A diagnostic on stderr, for commands whose stdout is a plan.
pub fn print_diagnostic_stderr(d: &Diagnostic) {
    let style = match d.severity {
        Severity::Error => ERROR,
        Severity::Warning => WARNING,
    };
    let text = d.render();
    let (head, rest) = text.split_once(':').unwrap_or((&text, ""));
    eprintln!("{style}{head}{style:#}:{rest}");
}

/// A diagnostic, coloured; `Diagnostic::render` is the plain form.
pub fn print_diagnostic(d: &Diagnostic) {
    let (style, word) = match d.severity {
        Severity::Error => (ERROR, "error"),
        Severity::Warning => (WARNING, "warning"),
    };
    let path = if d.path.is_empty() {
        String::new()
    } else {
        format!("{BOLD}{}{BOLD:#}: ", d.path)
    };
    println!(
        "{style}{word}[{}]{style:#}: {}: {path}{}",
        d.code,
        d.location(),
        d.message
    );
    if let Some(h) = &d.help {
        println!("  {DIM}= help:{DIM:#} {h}");
    }
}

/// Exit code of an apply that left a rollout halted, and of `plan --detailed-exitcode` that
/// finds one: neither in sync (0) nor changes (2) nor a plain error (1), it needs a person.
pub const HALTED: u8 = 3;
