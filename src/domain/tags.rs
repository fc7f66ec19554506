//! Tag rules shared by commands, invocations and the tag APIs.

use super::limits::MAX_TAG_VALUE_CHARS;

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
