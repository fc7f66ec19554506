//! The V3 `Authorization` header:
//! `ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<a;b>,Signature=<hex>`.

use crate::emulator::errors::{ApiError, Code};

/// The header's three parts; SignedHeaders are lower-cased, as CanonicalHeaders uses them.
pub(super) struct Authorization {
    pub credential: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl Authorization {
    pub(super) fn parse(raw: &str) -> Result<Self, ApiError> {
        let incomplete = |why: &str| {
            ApiError::new(
                Code::IncompleteSignature,
                format!("The Authorization header is malformed: {why}."),
            )
        };
        let (algorithm, rest) = raw
            .trim()
            .split_once(' ')
            .ok_or_else(|| incomplete("expected `ACS3-HMAC-SHA256 Credential=...`"))?;
        if algorithm != "ACS3-HMAC-SHA256" {
            return Err(incomplete(&format!(
                "algorithm {algorithm:?} is not supported, use ACS3-HMAC-SHA256"
            )));
        }
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for part in rest.split(',') {
            let Some((k, v)) = part.trim().split_once('=') else {
                continue;
            };
            match k.trim() {
                "Credential" => credential = Some(v.trim().to_string()),
                "SignedHeaders" => {
                    signed_headers = Some(
                        v.trim()
                            .split(';')
                            .filter(|h| !h.is_empty())
                            .map(|h| h.to_ascii_lowercase())
                            .collect(),
                    )
                }
                "Signature" => signature = Some(v.trim().to_string()),
                _ => {}
            }
        }
        Ok(Self {
            credential: credential
                .filter(|c: &String| !c.is_empty())
                .ok_or_else(|| incomplete("no Credential"))?,
            signed_headers: signed_headers.ok_or_else(|| incomplete("no SignedHeaders"))?,
            signature: signature.ok_or_else(|| incomplete("no Signature"))?,
        })
    }
}
