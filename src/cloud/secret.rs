//! Strings that must never be printed, AccessKey secrets and STS security tokens, and the
//! [`Credentials`] made of them.
//!
//! `Debug` and `Display` print `<redacted>`; the only way to read the value is
//! [`Secret::expose`], so every place that handles the raw text is easy to find with grep.
//! `Credentials` live here rather than with the providers that hand them out because the
//! signer needs them too, and the providers (STS) need the signer.

use std::fmt;

use chrono::{DateTime, Utc};

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

/// An AccessKey pair, optionally with an STS security token and its expiry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: Secret,
    pub security_token: Option<Secret>,
    pub expiration: Option<DateTime<Utc>>,
}

impl Credentials {
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<Secret>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
            expiration: None,
        }
    }

    /// The secret strings of these credentials, for scrubbing them out of server messages.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        let mut out = vec![self.access_key_secret.expose()];
        if let Some(t) = &self.security_token {
            out.push(t.expose());
        }
        out
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &mask_key_id(&self.access_key_id))
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// Masks an AccessKey ID for messages: enough to tell keys apart, not enough to use one.
pub fn mask_key_id(id: &str) -> String {
    let prefix: String = id.chars().take(4).collect();
    format!("{prefix}****")
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
    fn mask_keeps_prefix_only() {
        assert_eq!(mask_key_id("LTAI5tABCDEF"), "LTAI****");
        assert_eq!(mask_key_id("ab"), "ab****");
    }
}
