//! Tag rules shared by commands, invocations and the tag APIs.

use super::limits::{MAX_TAG_VALUE_CHARS, MAX_TAGS};

/// Tags assistctl puts on every command it owns: `assistctl:stack` and `assistctl:name`.
pub const COMMAND_RESERVED_TAGS: usize = 2;
/// Tags assistctl puts on every invocation task it owns: `assistctl:stack`,
/// `assistctl:name`, `assistctl:hash`, `assistctl:inputs` and `assistctl:batch`.
pub const TASK_RESERVED_TAGS: usize = 5;
/// User tags (the stack's and a document's own together) that fit an invocation's tasks.
pub const MAX_TASK_USER_TAGS: usize = MAX_TAGS - TASK_RESERVED_TAGS;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagRuleError {
    #[error("tag key is empty")]
    EmptyKey,
    #[error("tag key `{key}` is {len} characters long; at most {max} are allowed")]
    KeyTooLong { key: String, len: usize, max: usize },
    #[error(
        "tag key `{0}` starts with a reserved prefix; keys must not start with `aliyun` or `acs:`"
    )]
    ReservedPrefix(String),
    #[error("tag key `{0}` contains `http://` or `https://`, which the service rejects")]
    KeyHasUrl(String),
    #[error("tag value for `{key}` is {len} characters long; at most {max} are allowed")]
    ValueTooLong { key: String, len: usize, max: usize },
    #[error("tag value for `{0}` contains `http://` or `https://`, which the service rejects")]
    ValueHasUrl(String),
}

/// Longest stack name: a DNS label's length, well under the 128 characters of the tag
/// value it becomes, so a stack name also fits a host name or a file name.
pub const MAX_STACK_NAME_CHARS: usize = 63;

/// The stack name pattern, as the JSON Schema carries it: lower-case ASCII letters,
/// digits and `-`, starting and ending with a letter or digit, 1 to 63 characters.
#[cfg(test)]
pub const STACK_NAME_PATTERN: &str = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";

/// Why a stack name is refused. The name is the `assistctl:stack` tag of everything the
/// stack owns, so `Stack-A` or a name with a Cyrillic `а` would silently be a second
/// stack beside `stack-a`: one spelling per name is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StackNameError {
    #[error("the stack name is empty")]
    Empty,
    #[error("the stack name is {len} characters long; at most {max} are allowed")]
    TooLong { len: usize, max: usize },
    #[error("the stack name `{name}` contains {what} at character {at}")]
    Character {
        name: String,
        what: String,
        at: usize,
    },
    #[error("the stack name `{0}` starts or ends with `-`")]
    Dash(String),
}

/// Checks a stack name against `STACK_NAME_PATTERN`, naming the first offending
/// character so the message says what to change.
pub fn validate_stack_name(name: &str) -> Result<(), StackNameError> {
    if name.is_empty() {
        return Err(StackNameError::Empty);
    }
    if let Some((i, c)) = name
        .chars()
        .enumerate()
        .find(|(_, c)| !matches!(c, 'a'..='z' | '0'..='9' | '-'))
    {
        let what = match c {
            'A'..='Z' => format!("the upper-case letter `{c}`"),
            c if c.is_whitespace() => format!("whitespace (U+{:04X})", c as u32),
            c if c.is_ascii() => format!("`{c}`"),
            c => format!("the non-ASCII character `{c}` (U+{:04X})", c as u32),
        };
        return Err(StackNameError::Character {
            name: name.to_string(),
            what,
            at: i + 1,
        });
    }
    let len = name.chars().count();
    if len > MAX_STACK_NAME_CHARS {
        return Err(StackNameError::TooLong {
            len,
            max: MAX_STACK_NAME_CHARS,
        });
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(StackNameError::Dash(name.to_string()));
    }
    Ok(())
}

/// The form of a stack name that stacks differing only in spelling share: lower case,
/// full-width forms and common Cyrillic and Greek look-alikes folded to ASCII, `_`, `.`
/// and whitespace turned into `-`, runs of `-` collapsed and `-` trimmed at both ends.
///
/// Two stacks whose names normalise the same are almost certainly one stack renamed or
/// mistyped. The folding is a short table, not Unicode's full confusables list: it
/// catches the look-alikes a keyboard layout or a copy from a document produces, and
/// [`validate_stack_name`] refuses every other non-ASCII character anyway.
pub fn normalize_stack_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = fold(c);
        let c = if c == '_' || c == '.' || c.is_whitespace() {
            '-'
        } else {
            c
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// One lower-case character folded to the ASCII character it looks like, if any.
fn fold(c: char) -> char {
    match c {
        // Full-width ASCII (what NFKC maps to ASCII): U+FF01..=U+FF5E.
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        // Hyphens and dashes.
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' => '-',
        // Cyrillic.
        'а' => 'a',
        'в' => 'b',
        'с' => 'c',
        'ԁ' => 'd',
        'е' => 'e',
        'һ' => 'h',
        'і' => 'i',
        'ј' => 'j',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'ѕ' => 's',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        // Greek.
        'α' => 'a',
        'ε' => 'e',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        c => c,
    }
}

fn has_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("http://") || l.contains("https://")
}

/// Checks one tag. `max_key_chars` is 64 for Create/Invoke/Run and 128 for the tag APIs.
pub fn validate_tag(key: &str, value: &str, max_key_chars: usize) -> Result<(), TagRuleError> {
    if key.is_empty() {
        return Err(TagRuleError::EmptyKey);
    }
    let len = key.chars().count();
    if len > max_key_chars {
        return Err(TagRuleError::KeyTooLong {
            key: key.to_string(),
            len,
            max: max_key_chars,
        });
    }
    let lower = key.to_ascii_lowercase();
    if lower.starts_with("aliyun") || lower.starts_with("acs:") {
        return Err(TagRuleError::ReservedPrefix(key.to_string()));
    }
    if has_url(key) {
        return Err(TagRuleError::KeyHasUrl(key.to_string()));
    }
    let vlen = value.chars().count();
    if vlen > MAX_TAG_VALUE_CHARS {
        return Err(TagRuleError::ValueTooLong {
            key: key.to_string(),
            len: vlen,
            max: MAX_TAG_VALUE_CHARS,
        });
    }
    if has_url(value) {
        return Err(TagRuleError::ValueHasUrl(key.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names() {
        for ok in ["a", "0", "sre-ops", "team-1-prod", &"a".repeat(63)] {
            assert_eq!(validate_stack_name(ok), Ok(()), "{ok}");
        }
        assert_eq!(validate_stack_name(""), Err(StackNameError::Empty));
        assert!(matches!(
            validate_stack_name(&"a".repeat(64)),
            Err(StackNameError::TooLong { len: 64, max: 63 })
        ));
        assert!(matches!(
            validate_stack_name("-ops"),
            Err(StackNameError::Dash(_))
        ));
        assert!(matches!(
            validate_stack_name("ops-"),
            Err(StackNameError::Dash(_))
        ));
        let e = validate_stack_name("Stack-A").unwrap_err().to_string();
        assert!(
            e.contains("the upper-case letter `S` at character 1"),
            "{e}"
        );
        let e = validate_stack_name("ops_team").unwrap_err().to_string();
        assert!(e.contains("`_` at character 4"), "{e}");
        // A Cyrillic `о` in place of the Latin `o`.
        let e = validate_stack_name("sre-\u{43e}ps")
            .unwrap_err()
            .to_string();
        assert!(e.contains("non-ASCII character `\u{43e}` (U+043E)"), "{e}");
        let e = validate_stack_name("sre ops").unwrap_err().to_string();
        assert!(e.contains("whitespace (U+0020)"), "{e}");
        // The regex the schema carries agrees on these.
        let re = regex::Regex::new(STACK_NAME_PATTERN).unwrap();
        for name in ["a", "sre-ops", "-a", "a-", "A", "a_b", "", &"a".repeat(64)] {
            assert_eq!(
                re.is_match(name),
                validate_stack_name(name).is_ok(),
                "{name:?}"
            );
        }
    }

    #[test]
    fn normalised_stack_names() {
        assert_eq!(normalize_stack_name("sre-ops"), "sre-ops");
        assert_eq!(normalize_stack_name("Stack-A"), "stack-a");
        assert_eq!(normalize_stack_name("SRE_Ops.prod"), "sre-ops-prod");
        assert_eq!(normalize_stack_name("  sre   ops \t"), "sre-ops");
        assert_eq!(normalize_stack_name("sre--_ops"), "sre-ops");
        // Cyrillic `о` and `р`, Greek `α`, full-width letters, a Unicode hyphen.
        assert_eq!(normalize_stack_name("sre-\u{43e}\u{440}s"), "sre-ops");
        assert_eq!(normalize_stack_name("\u{3b1}pp"), "app");
        assert_eq!(normalize_stack_name("\u{ff33}\u{ff32}\u{ff25}"), "sre");
        assert_eq!(normalize_stack_name("sre\u{2010}ops"), "sre-ops");
        // A valid name is its own normal form, unless it doubles a `-`.
        for ok in ["a", "sre-ops", "team-1-prod"] {
            assert_eq!(normalize_stack_name(ok), ok);
        }
        assert_eq!(normalize_stack_name("sre--ops"), "sre-ops");
        assert_eq!(normalize_stack_name(""), "");
        assert_eq!(normalize_stack_name("__"), "");
    }

    #[test]
    fn rules() {
        assert!(validate_tag("env", "", 64).is_ok());
        assert_eq!(validate_tag("", "x", 64), Err(TagRuleError::EmptyKey));
        assert!(matches!(
            validate_tag("aliyun:x", "", 64),
            Err(TagRuleError::ReservedPrefix(_))
        ));
        assert!(matches!(
            validate_tag("ACS:x", "", 64),
            Err(TagRuleError::ReservedPrefix(_))
        ));
        assert!(matches!(
            validate_tag(&"k".repeat(65), "", 64),
            Err(TagRuleError::KeyTooLong { .. })
        ));
        assert!(validate_tag(&"k".repeat(65), "", 128).is_ok());
        assert!(matches!(
            validate_tag("k", "see https://x", 64),
            Err(TagRuleError::ValueHasUrl(_))
        ));
        assert!(matches!(
            validate_tag("k", &"v".repeat(129), 64),
            Err(TagRuleError::ValueTooLong { .. })
        ));
    }
}
