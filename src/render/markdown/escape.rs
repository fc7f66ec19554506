//! User text inside markdown that cannot break it: code spans and fences longer than any
//! backtick run they hold, `\|` in table cells, HTML entities where markdown is not
//! parsed (`<summary>`), backslash escapes in prose.

use crate::render::describe::visible;

/// Where a piece of text lands: a table cell must also escape `|` and stay on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Text,
    Table,
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// `s` as an inline code span; its newlines are shown as `\n`.
pub fn code(s: &str, place: In) -> String {
    let s = visible(s);
    if s.is_empty() {
        return "*(empty)*".to_string();
    }
    let s = match place {
        In::Table => s.replace('|', "\\|"),
        In::Text => s,
    };
    let ticks = "`".repeat(longest_backtick_run(&s) + 1);
    // CommonMark strips one space from each end when both ends have one; pad so the
    // stripping removes only the padding and a leading or trailing backtick stays content.
    let pad = s.starts_with('`')
        || s.ends_with('`')
        || (s.starts_with(' ') && s.ends_with(' ') && !s.trim().is_empty());
    if pad {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

/// Characters that could start markdown or HTML syntax inside a line of prose.
const SPECIAL: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '#', '!', '&', '@',
];

fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in visible(s).chars() {
        if SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One line of prose. Backtick-quoted parts of assistctl's own messages (names, ids,
/// commands to run) stay code spans; everything else is escaped, `|` included, which a
/// table cell needs and other text tolerates. Newlines become spaces.
pub fn prose(s: &str, place: In) -> String {
    let s = s.replace(['\r', '\n'], " ");
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // Unbalanced backticks: no code spans, all of it literal.
        return plain(&s);
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out.push_str(&code(part, place));
        } else {
            out.push_str(&plain(part));
        }
    }
    out
}

/// Text for a raw HTML context such as `<summary>`, where markdown is not parsed.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A fenced code block whose fence is longer than any backtick run inside it.
pub fn fence(info: &str, lines: &[String]) -> String {
    let run = lines
        .iter()
        .map(|l| longest_backtick_run(l))
        .max()
        .unwrap_or(0);
    let ticks = "`".repeat((run + 1).max(3));
    let mut out = format!("{ticks}{info}\n");
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&ticks);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_outlast_backticks() {
        assert_eq!(code("a``b", In::Text), "```a``b```");
        assert_eq!(code("`x", In::Text), "`` `x ``");
        assert_eq!(code("a|b", In::Table), "`a\\|b`");
        assert_eq!(code("", In::Table), "*(empty)*");
        assert_eq!(code("l1\nl2", In::Text), "`l1\\nl2`");
    }

    #[test]
    fn prose_keeps_code_spans_and_escapes_the_rest() {
        assert_eq!(
            prose("run `a|b` <now> *x*", In::Table),
            "run `a\\|b` \\<now\\> \\*x\\*"
        );
        assert_eq!(prose("odd ` tick", In::Text), "odd \\` tick");
    }

    #[test]
    fn fences_are_longer_than_their_content() {
        let f = fence("diff", &["+```".into(), "+````x".into()]);
        assert!(f.starts_with("`````diff\n"));
        assert!(f.ends_with("\n`````\n"));
    }
}
