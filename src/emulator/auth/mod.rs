//! Signature verification for both request-signing versions of reference §4.
//!
//! - V1 (RPC HMAC-SHA1): the server form-decodes the query and body, drops `Signature`, sorts
//!   the rest by name, re-encodes with PE, and signs `METHOD&%2F&PE(CQS)` with `secret&`.
//! - V3 (ACS3-HMAC-SHA256): the server rebuilds CanonicalHeaders from the request's own
//!   SignedHeaders list (the Python SDK signs every header it sets), checks
//!   `x-acs-content-sha256` against the body, and signs the hashed canonical request with the
//!   bare secret.
//!
//! Both check the timestamp (±15 min), remember nonces until the request would have expired
//! anyway (bounded memory), and compare signatures in constant time.
//!
//! One concern per file: [`policy`] (which key pairs are accepted, and the STS token an STS
//! pair must carry), `replay` (the timestamp window and the nonce memory), [`v1`] and [`v3`]
//! (each version's canonical form and check) and `header` (the V3 `Authorization` header).

mod header;
pub mod policy;
mod replay;
pub mod v1;
pub mod v3;

#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, Utc};

use super::errors::ApiError;
use super::wire::{ApiRequest, SignatureStyle};

pub use policy::AccessKey;
pub use replay::MAX_SKEW_MINUTES;
pub use v1::{signature as v1_signature, string_to_sign as v1_string_to_sign};
pub use v3::{
    canonical_request as v3_canonical_request, signature as v3_signature,
    string_to_sign as v3_string_to_sign,
};

/// Who made a verified request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access_key_id: String,
    pub style: SignatureStyle,
}

/// Checks signatures against the configured keys and remembers nonces.
pub struct Verifier {
    keys: policy::Keys,
    nonces: replay::Nonces,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.ids())
            .finish()
    }
}

impl Verifier {
    pub fn new(keys: impl IntoIterator<Item = AccessKey>) -> Self {
        Self {
            keys: policy::Keys::new(keys),
            nonces: replay::Nonces::default(),
        }
    }

    pub fn verify(&self, req: &ApiRequest, now: DateTime<Utc>) -> Result<Caller, ApiError> {
        let style = req.style();
        let access_key_id = match style {
            SignatureStyle::V1 => v1::verify(&self.keys, &self.nonces, req, now)?,
            SignatureStyle::V3 => v3::verify(&self.keys, &self.nonces, req, now)?,
        };
        Ok(Caller {
            access_key_id,
            style,
        })
    }
}
