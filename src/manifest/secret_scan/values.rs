//! Reading the value given to a name, and telling a literal secret from an expansion, a
//! placeholder, an expression or another name.

use super::*;

/// A value read after a separator: its content span (inside the quotes when quoted)
/// and the character that follows it.
pub(super) struct Value<'a> {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) text: &'a str,
    pub(super) quoted: bool,
    pub(super) next: Option<char>,
}

/// Reads the value starting at byte `at`. `enclosing` is the quote the value sits in,
/// if any: reaching it means the value is empty.
pub(super) fn read_value(line: &str, at: usize, enclosing: Option<char>) -> Option<Value<'_>> {
    let rest = line.get(at..)?;
    let first = rest.chars().next()?;
    if Some(first) == enclosing {
        return None;
    }
    if first == '"' || first == '\'' {
        let start = at + 1;
        let close = find_close(line, start, first);
        let end = close.unwrap_or_else(|| line.trim_end().len().max(start));
        return Some(Value {
            start,
            end,
            text: &line[start..end],
            quoted: true,
            next: close.and_then(|c| line[c + 1..].chars().next()),
        });
    }
    let stop = |c: char| {
        c.is_whitespace()
            || matches!(c, ';' | '&' | '|' | ',' | ')' | '}' | ']' | '"' | '\'')
            || Some(c) == enclosing
    };
    let end = rest.find(stop).map_or(line.len(), |i| at + i);
    if end == at {
        return None;
    }
    Some(Value {
        start: at,
        end,
        text: &line[at..end],
        quoted: false,
        next: line[end..].chars().next(),
    })
}

/// Byte index of the quote closing a string that starts at `from`.
pub(super) fn find_close(line: &str, from: usize, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in line[from..].char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && q == '"' {
            escaped = true;
        } else if c == q {
            return Some(from + i);
        }
    }
    None
}

/// The quote character the byte at `pos` is inside of, tracking `"` and `'` from the
/// start of the line.
pub(super) fn quote_at(line: &str, pos: usize) -> Option<char> {
    let mut state: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if i >= pos {
            break;
        }
        if escaped {
            escaped = false;
            continue;
        }
        match state {
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => state = None,
            None if c == '\\' => escaped = true,
            None if c == '"' || c == '\'' => state = Some(c),
            _ => {}
        }
    }
    state
}

/// Byte index where a trailing `#` comment starts (the line's length when none).
pub(super) fn trailing_comment(line: &str) -> usize {
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        if c == '#' && (prev.is_whitespace() || prev == '<') && quote_at(line, i).is_none() {
            return if prev == '<' { i - 1 } else { i };
        }
        prev = c;
    }
    line.len()
}

pub(super) fn is_comment_line(trimmed: &str) -> bool {
    COMMENT_LINE.is_match(trimmed)
}

/// Whether a value's text could be a secret: not empty, not a reference, not a
/// placeholder, not a switch word.
pub(super) fn is_secret_text(v: &str) -> bool {
    let t = v.trim();
    // `*` prompts (`net user name *`); `\` continues the command on the next line.
    if t.is_empty()
        || t == "*"
        || t == "\\"
        || EXPANSION.is_match(t)
        || t.starts_with(['$', '%', '{', '@', '`'])
    {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    let word = matches!(
        lower.as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "none"
            | "null"
            | "nil"
            | "undef"
            | "undefined"
            | "required"
            | "optional"
            | "enabled"
            | "disabled"
            | "prompt"
            | "stdin"
    );
    let small_number = t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit());
    let punctuation = t.len() <= 2 && !t.bytes().any(|b| b.is_ascii_alphanumeric());
    let source = ["env:", "file:", "fd:", "stdin"]
        .iter()
        .any(|p| lower.starts_with(p));
    let angle = t.starts_with('<') && t.ends_with('>');
    !(word
        || small_number
        || punctuation
        || source
        || angle
        || is_filler(t)
        || PLACEHOLDER_WORD.is_match(t))
}

/// Visibly filler or redacted, three characters or more: `****`, `xxxx`, `....`,
/// `0000`, `:***`.
pub(super) fn is_filler(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let first = lower.chars().next();
    lower.contains("***")
        || lower.chars().count() >= 3
            && (lower
                .chars()
                .all(|c| matches!(c, '*' | 'x' | '.' | '-' | '_' | '?' | '#'))
                || lower.chars().all(|c| Some(c) == first))
}

/// An unquoted value that is code: a call, a subscript, or a keyword argument.
pub(super) fn is_expression(v: &Value<'_>) -> bool {
    !v.quoted && (v.text.contains(['(', '[']) || matches!(v.next, Some(',' | ')')))
}

/// `password=password`, `password=db_password`, `password=args.password`: a variable.
pub(super) fn is_reference_name(v: &str, key: &str) -> bool {
    let key = key.trim_start_matches(['$', '@', '%']);
    IDENTIFIER.is_match(v)
        && (v.eq_ignore_ascii_case(key)
            || (v.contains(['_', '.']) && classify_name(v).is_some())
            || (IDENTIFIER_CHAIN.is_match(v) && v.len() < 12))
}

/// `EOF`, `PASSWORD`, `DB_TOKEN`: a constant, a metavariable in usage text, or a
/// heredoc delimiter, not a secret (letters and `_` only, so `K7QX9P2M` still counts).
pub(super) fn is_constant_name(v: &str) -> bool {
    v.len() >= 2
        && v.starts_with(|c: char| c.is_ascii_uppercase())
        && v.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

/// `'refresh_token'`, `"db-password"`: a quoted name of a secret (a dict key, a header
/// name), not its value.
pub(super) fn names_a_secret(v: &str) -> bool {
    v.contains(['_', '-'])
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && classify_name(v).is_some()
}

/// An unquoted value after ` = ` that is not a plain identifier: long, with letters
/// and digits, or a JWT.
pub(super) fn looks_like_credential(v: &str) -> bool {
    if v.starts_with("eyJ") {
        return true;
    }
    let identifier = IDENTIFIER.is_match(v) && (v.contains('_') || IDENTIFIER_CHAIN.is_match(v));
    v.chars().count() >= 12
        && v.chars().any(|c| c.is_ascii_digit())
        && v.chars().any(|c| c.is_ascii_alphabetic())
        && !identifier
}

// ---------------------------------------------------------------- excerpt
