//! A string that must never be printed: AccessKey secrets and STS security tokens.
//!
//! `Debug` and `Display` print `<redacted>`; the only way to read the value is
//! [`Secret::expose`], so every place that handles the raw text is easy to find with grep.

use std::fmt;

/// A secret string. Comparison is constant-time so secrets can be checked in tests and by
/// the emulator without leaking timing.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for signing and for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.len() == other.0.len() && bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Masks an AccessKey ID for messages: enough to tell keys apart, not enough to use one.
pub fn mask_key_id(id: &str) -> String {
    let prefix: String = id.chars().take(4).collect();
    format!("{prefix}****")
}

/// Replaces every occurrence of each secret in `text` (raw, percent-encoded once and twice, as
/// a server echoes them in `SignatureDoesNotMatch` messages) with `<redacted>`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        let once = crate::cloud::sign::percent::encode(secret);
        let twice = crate::cloud::sign::percent::encode(&once);
        for form in [twice, once, (*secret).to_owned()] {
            if out.contains(&form) {
                out = out.replace(&form, "<redacted>");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn equality_compares_values() {
        assert_eq!(Secret::new("abc"), Secret::new("abc"));
        assert_ne!(Secret::new("abc"), Secret::new("abd"));
        assert_ne!(Secret::new("abc"), Secret::new("abcd"));
    }

    #[test]
    fn scrub_removes_raw_and_encoded_forms() {
        let token = "CAIS+tok/en=";
        let msg = format!(
            "server string to sign is:GET&%2F&SecurityToken%3D{} raw {token}",
            crate::cloud::sign::percent::encode(&crate::cloud::sign::percent::encode(token))
        );
        let out = scrub(&msg, &[token]);
        assert!(!out.contains("CAIS"), "{out}");
        assert!(out.contains("<redacted>"));
    }

    #[test]
    fn mask_keeps_prefix_only() {
        assert_eq!(mask_key_id("LTAI5tABCDEF"), "LTAI****");
        assert_eq!(mask_key_id("ab"), "ab****");
    }
}
