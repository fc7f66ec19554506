//! Signature version 1, the RPC style (reference §4, V1): HMAC-SHA1 with `secret&` over
//! `METHOD&%2F&PE(CQS)`, where CQS is every query and form-body parameter but `Signature`,
//! sorted by name and percent-encoded. The legacy core SDKs and STS calls sign this way.

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

use super::policy::{Keys, check_token};
use super::replay::{Nonces, check_time};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::wire::ApiRequest;
use crate::emulator::wire::encode::{canonical_query, pe};

/// Checks a V1-signed request; returns the access key id that signed it.
pub(super) fn verify(
    keys: &Keys,
    nonces: &Nonces,
    req: &ApiRequest,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let p = &req.params;
    let presented = p.get("Signature").ok_or_else(|| {
        ApiError::new(
            Code::IncompleteSignature,
            "The request has no Signature parameter and no ACS3 Authorization header.",
        )
    })?;
    let ak_id = p.required("AccessKeyId")?;
    let method = p.get("SignatureMethod").unwrap_or("");
    if method != "HMAC-SHA1" {
        return Err(ApiError::new(
            Code::IncompleteSignature,
            format!("SignatureMethod {method:?} is not supported; use HMAC-SHA1."),
        ));
    }
    if let Some(v) = p.get("SignatureVersion")
        && v != "1.0"
    {
        return Err(ApiError::new(
            Code::IncompleteSignature,
            format!("SignatureVersion {v:?} is not supported; use 1.0."),
        ));
    }
    let nonce = p.required("SignatureNonce")?;
    let ts = check_time(p.required("Timestamp")?, now)?;
    let key = keys.get(ak_id)?;
    check_token(key, p.get("SecurityToken"))?;

    let string_to_sign = string_to_sign(
        req.method.as_str(),
        p.iter().filter(|(k, _)| *k != "Signature"),
    );
    let expected = signature(&key.secret, &string_to_sign);
    if !bool::from(expected.as_bytes().ct_eq(presented.as_bytes())) {
        return Err(ApiError::new(
            Code::SignatureDoesNotMatch,
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
            ),
        ));
    }
    nonces.remember(ak_id, nonce, ts, now)?;
    Ok(ak_id.to_string())
}

/// `METHOD&%2F&PE(CQS)`.
pub fn string_to_sign<'a>(
    method: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    format!("{method}&%2F&{}", pe(&canonical_query(params)))
}

/// `Base64(HMAC-SHA1(secret + "&", StringToSign))`.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
