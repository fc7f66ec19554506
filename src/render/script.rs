//! Scripts as people review them: a unified diff of the decoded text (never of its
//! base64), 3 lines of context, headed `--- live (c-...)` / `+++ manifests`. A line's
//! CRLF ending is shown as a line end (Windows scripts are CRLF throughout); when the two
//! sides end their lines differently, a note says so, since the lines then look alike.

use similar::{ChangeTag, TextDiff};

use super::describe::visible;

/// Lines of context around each change, as `diff -u`.
const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// `--- ...` / `+++ ...`
    Header,
    /// `@@ -a,b +c,d @@`
    Hunk,
    Added,
    Removed,
    Context,
    /// `\ No newline at end of file`
    Note,
}

/// One line of a rendered script, its diff prefix included, control characters made
/// visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    pub text: String,
}

impl Line {
    fn new(kind: LineKind, text: String) -> Line {
        Line { kind, text }
    }
}

/// The unified diff from the live script to the manifests' one.
pub fn diff(live_id: Option<&str>, before: &str, after: &str) -> Vec<Line> {
    let old = match live_id {
        Some(id) => format!("live ({id})"),
        None => "live".to_string(),
    };
    let mut out = vec![
        Line::new(LineKind::Header, format!("--- {}", visible(&old))),
        Line::new(LineKind::Header, "+++ manifests".to_string()),
    ];
    let (was, now) = (endings(before), endings(after));
    if was != now && !was.is_empty() && !now.is_empty() {
        out.push(Line::new(
            LineKind::Note,
            format!("\\ Line endings differ: live {was}, manifests {now}"),
        ));
    }
    let d = TextDiff::from_lines(before, after);
    let mut udiff = d.unified_diff();
    udiff.context_radius(CONTEXT);
    for hunk in udiff.iter_hunks() {
        out.push(Line::new(LineKind::Hunk, hunk.header().to_string()));
        for change in hunk.iter_changes() {
            let (kind, prefix) = match change.tag() {
                ChangeTag::Insert => (LineKind::Added, '+'),
                ChangeTag::Delete => (LineKind::Removed, '-'),
                ChangeTag::Equal => (LineKind::Context, ' '),
            };
            out.push(Line::new(
                kind,
                format!("{prefix}{}", shown(change.value())),
            ));
            if change.missing_newline() {
                out.push(Line::new(
                    LineKind::Note,
                    "\\ No newline at end of file".to_string(),
                ));
            }
        }
    }
    out
}

/// A new script, every line added.
pub fn added(content: &str) -> Vec<Line> {
    content
        .split_inclusive('\n')
        .map(|l| Line::new(LineKind::Added, format!("+{}", shown(l))))
        .collect()
}

/// A line without its line end (LF or CRLF), other control characters made visible.
fn shown(line: &str) -> String {
    let l = line.strip_suffix('\n').unwrap_or(line);
    let l = if line.ends_with('\n') {
        l.strip_suffix('\r').unwrap_or(l)
    } else {
        l
    };
    visible(l)
}

/// How a script ends its lines: "CRLF", "LF", "mixed", or "" with no line end at all.
fn endings(s: &str) -> &'static str {
    let lf = s.matches('\n').count();
    let crlf = s.matches("\r\n").count();
    match (lf, crlf) {
        (0, _) => "",
        (n, c) if n == c => "CRLF",
        (_, 0) => "LF",
        _ => "mixed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn a_changed_line_is_a_unified_hunk() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let after = "a\nb\nc\nd\nE\nf\ng\nh\n";
        assert_eq!(
            texts(&diff(Some("c-1"), before, after)),
            [
                "--- live (c-1)",
                "+++ manifests",
                "@@ -2,7 +2,7 @@",
                " b",
                " c",
                " d",
                "-e",
                "+E",
                " f",
                " g",
                " h"
            ]
        );
    }

    #[test]
    fn a_missing_final_newline_is_noted() {
        let lines = diff(None, "x\n", "x");
        assert!(lines.iter().any(|l| l.kind == LineKind::Note));
    }

    #[test]
    fn crlf_is_a_line_end_and_a_change_of_endings_is_noted() {
        assert_eq!(texts(&added("a\r\nb\r\n")), ["+a", "+b"]);
        assert_eq!(texts(&added("a\rb")), ["+a\\rb"]);
        let lines = diff(None, "a\r\nb\r\n", "a\nb\n");
        assert_eq!(
            lines[2].text,
            "\\ Line endings differ: live CRLF, manifests LF"
        );
        let lines = diff(None, "a\r\nb\r\n", "a\r\nc\r\n");
        assert!(lines.iter().all(|l| l.kind != LineKind::Note));
        assert_eq!(endings("a\r\nb\n"), "mixed");
    }

    #[test]
    fn a_new_script_is_all_added_lines() {
        assert_eq!(texts(&added("echo 1\necho 2")), ["+echo 1", "+echo 2"]);
        assert!(added("").is_empty());
    }
}
