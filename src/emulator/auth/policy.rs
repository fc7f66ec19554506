//! Which credentials the emulator accepts: the configured access key pairs, and for an STS
//! pair the security token every request made with it must carry.

use std::collections::HashMap;
use std::fmt;

use subtle::ConstantTimeEq;

use crate::emulator::errors::{ApiError, Code};

/// An access key pair the emulator accepts. The secret and token never appear in Debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    /// When set, the pair is an STS credential and every request must carry this token.
    pub security_token: Option<String>,
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The accepted pairs by access key id.
pub(super) struct Keys(HashMap<String, AccessKey>);

impl Keys {
    pub(super) fn new(keys: impl IntoIterator<Item = AccessKey>) -> Self {
        Self(keys.into_iter().map(|k| (k.id.clone(), k)).collect())
    }

    pub(super) fn ids(&self) -> Vec<&String> {
        self.0.keys().collect()
    }

    pub(super) fn get(&self, id: &str) -> Result<&AccessKey, ApiError> {
        self.0.get(id).ok_or_else(|| {
            ApiError::new(
                Code::InvalidAccessKeyIdNotFound,
                format!("Specified access key {id:?} is not found."),
            )
        })
    }
}

/// An STS pair needs its own token; a plain pair must come without one.
pub(super) fn check_token(key: &AccessKey, presented: Option<&str>) -> Result<(), ApiError> {
    match (&key.security_token, presented.filter(|t| !t.is_empty())) {
        (None, None) => Ok(()),
        (Some(expected), Some(got)) if bool::from(expected.as_bytes().ct_eq(got.as_bytes())) => {
            Ok(())
        }
        (Some(_), None) => Err(ApiError::new(
            Code::InvalidSecurityTokenMalformed,
            format!(
                "The AccessKeyId {:?} is an STS credential; the request must carry its security token.",
                key.id
            ),
        )),
        _ => Err(ApiError::new(
            Code::InvalidSecurityTokenMismatchWithAccessKey,
            "The security token does not match the AccessKeyId.",
        )),
    }
}
