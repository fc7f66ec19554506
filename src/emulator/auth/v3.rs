//! Signature version 3, ACS3-HMAC-SHA256 (reference §4, V3), the Tea SDKs' default: a
//! canonical request of method, path, sorted query, the signed headers and the body's
//! SHA-256, hashed and signed with the bare secret. The headers are those the request's own
//! SignedHeaders names, because the Python SDK signs every header it sets.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::header::Authorization;
use super::policy::{Keys, check_token};
use super::replay::{Nonces, check_time};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::wire::ApiRequest;
use crate::emulator::wire::encode::canonical_query;

/// Checks a V3-signed request; returns the access key id that signed it.
pub(super) fn verify(
    keys: &Keys,
    nonces: &Nonces,
    req: &ApiRequest,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let auth = Authorization::parse(req.header("authorization").unwrap_or(""))?;
    let date = req
        .header("x-acs-date")
        .ok_or_else(|| ApiError::missing("x-acs-date"))?;
    let ts = check_time(date, now)?;
    let nonce = req
        .header("x-acs-signature-nonce")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("x-acs-signature-nonce"))?;
    for required in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
    ] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(ApiError::new(
                Code::IncompleteSignature,
                format!("The header {required} must be listed in SignedHeaders."),
            ));
        }
    }
    let key = keys.get(&auth.credential)?;
    check_token(key, req.header("x-acs-security-token"))?;

    let body_hash = hex::encode(Sha256::digest(&req.body));
    let claimed = req.header("x-acs-content-sha256").unwrap_or(&body_hash);
    if !claimed.eq_ignore_ascii_case(&body_hash) {
        return Err(ApiError::new(
            Code::SignatureDoesNotMatch,
            "The x-acs-content-sha256 header does not match the SHA-256 of the request body.",
        ));
    }
    let headers: Vec<(String, String)> = auth
        .signed_headers
        .iter()
        .map(|name| {
            let mut values: Vec<String> = req
                .headers
                .get_all(name.as_str())
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
                .collect();
            values.sort();
            (name.clone(), values.join(","))
        })
        .collect();
    let canonical = canonical_request(
        req.method.as_str(),
        req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &headers,
        claimed,
    );
    let expected = signature(&key.secret, &canonical);
    if !bool::from(
        expected
            .as_bytes()
            .ct_eq(auth.signature.to_ascii_lowercase().as_bytes()),
    ) {
        return Err(ApiError::new(
            Code::SignatureDoesNotMatch,
            format!(
                "The request signature does not conform to Aliyun standards. server string to sign is:{}",
                string_to_sign(&canonical)
            ),
        ));
    }
    nonces.remember(&auth.credential, nonce, ts, now)?;
    Ok(auth.credential)
}

/// `METHOD\n/\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHashedPayload`; `headers` are
/// (lower-case name, trimmed value) pairs, the signed ones.
pub fn canonical_request<'a>(
    method: &str,
    query: impl IntoIterator<Item = (&'a str, &'a str)>,
    headers: &[(String, String)],
    hashed_payload: &str,
) -> String {
    let mut headers: Vec<&(String, String)> = headers.iter().collect();
    headers.sort();
    let mut canonical_headers = String::new();
    for (k, v) in &headers {
        canonical_headers.push_str(k);
        canonical_headers.push(':');
        canonical_headers.push_str(v);
        canonical_headers.push('\n');
    }
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    format!(
        "{method}\n/\n{}\n{canonical_headers}\n{}\n{hashed_payload}",
        canonical_query(query),
        signed.join(";")
    )
}

pub fn string_to_sign(canonical_request: &str) -> String {
    format!(
        "ACS3-HMAC-SHA256\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// `hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(SHA256(CanonicalRequest))))`.
pub fn signature(secret: &str, canonical_request: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign(canonical_request).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}
