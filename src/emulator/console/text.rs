//! Stored values turned into text a person reads: Base64 scripts decoded, long outputs cut to
//! their last lines. Nothing here escapes; the pages escape what these return.

use base64::Engine;

/// A command's content as stored (Base64), decoded. Content that is not Base64 (it cannot be
/// stored that way, but a state file may be edited by hand) is shown as stored, with a note.
pub fn script(content_b64: &str) -> Result<String, String> {
    match base64::engine::general_purpose::STANDARD.decode(content_b64.trim()) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => Err(content_b64.to_string()),
    }
}

/// The last `keep` lines of `text`, and how many lines it had when some were cut.
pub fn tail(text: &str, keep: usize) -> (&str, Option<usize>) {
    let trimmed = text.strip_suffix('\n').unwrap_or(text);
    let total = if trimmed.is_empty() {
        0
    } else {
        trimmed.split('\n').count()
    };
    if total <= keep {
        return (text, None);
    }
    // Byte offset just after the newline that precedes the kept lines.
    let start = trimmed
        .match_indices('\n')
        .nth(total - keep - 1)
        .map(|(i, _)| i + 1)
        .unwrap_or(0);
    (&text[start..], Some(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_decoded_and_bad_base64_is_kept() {
        assert_eq!(script("ZWNobyA8Yj4KbHM=").unwrap(), "echo <b>\nls");
        assert_eq!(script("not base64!").unwrap_err(), "not base64!");
    }

    #[test]
    fn tail_keeps_the_last_lines_and_counts_them_all() {
        assert_eq!(tail("", 2), ("", None));
        assert_eq!(tail("a\nb\n", 2), ("a\nb\n", None));
        assert_eq!(tail("a\nb\nc\n", 2), ("b\nc\n", Some(3)));
        assert_eq!(tail("a\nb\nc", 1), ("c", Some(3)));
        let long: String = (1..=250).map(|i| format!("line {i}\n")).collect();
        let (kept, total) = tail(&long, 100);
        assert_eq!(total, Some(250));
        assert!(kept.starts_with("line 151\n") && kept.ends_with("line 250\n"));
    }
}
