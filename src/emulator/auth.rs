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

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::errors::{ApiError, Code};
use super::wire::encode::{canonical_query, pe};
use super::wire::{ApiRequest, SignatureStyle};

/// Largest clock difference accepted between the caller and the emulator.
pub const MAX_SKEW_MINUTES: i64 = 15;
/// Nonces remembered at once; past this, requests are throttled rather than replayable.
const MAX_NONCES: usize = 1_000_000;
const SWEEP_EVERY: usize = 4096;

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

/// Who made a verified request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access_key_id: String,
    pub style: SignatureStyle,
}

/// Checks signatures against the configured keys and remembers nonces.
pub struct Verifier {
    keys: HashMap<String, AccessKey>,
    nonces: Mutex<NonceCache>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[derive(Default)]
struct NonceCache {
    /// `access key id \n nonce` -> the instant after which the request is expired anyway.
    seen: HashMap<String, DateTime<Utc>>,
    inserts: usize,
}

impl Verifier {
    pub fn new(keys: impl IntoIterator<Item = AccessKey>) -> Self {
        Self {
            keys: keys.into_iter().map(|k| (k.id.clone(), k)).collect(),
            nonces: Mutex::new(NonceCache::default()),
        }
    }

    pub fn verify(&self, req: &ApiRequest, now: DateTime<Utc>) -> Result<Caller, ApiError> {
        match req.style() {
            SignatureStyle::V1 => self.verify_v1(req, now),
            SignatureStyle::V3 => self.verify_v3(req, now),
        }
    }

    fn verify_v1(&self, req: &ApiRequest, now: DateTime<Utc>) -> Result<Caller, ApiError> {
        let p = &req.params;
        let signature = p.get("Signature").ok_or_else(|| {
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
        let key = self.key(ak_id)?;
        check_token(key, p.get("SecurityToken"))?;

        let string_to_sign = v1_string_to_sign(
            req.method.as_str(),
            p.iter().filter(|(k, _)| *k != "Signature"),
        );
        let expected = v1_signature(&key.secret, &string_to_sign);
        if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
            return Err(ApiError::new(
                Code::SignatureDoesNotMatch,
                format!(
                    "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
                ),
            ));
        }
        self.remember_nonce(ak_id, nonce, ts, now)?;
        Ok(Caller {
            access_key_id: ak_id.to_string(),
            style: SignatureStyle::V1,
        })
    }

    fn verify_v3(&self, req: &ApiRequest, now: DateTime<Utc>) -> Result<Caller, ApiError> {
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
        let key = self.key(&auth.credential)?;
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
        let canonical = v3_canonical_request(
            req.method.as_str(),
            req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &headers,
            claimed,
        );
        let expected = v3_signature(&key.secret, &canonical);
        if !bool::from(
            expected
                .as_bytes()
                .ct_eq(auth.signature.to_ascii_lowercase().as_bytes()),
        ) {
            return Err(ApiError::new(
                Code::SignatureDoesNotMatch,
                format!(
                    "The request signature does not conform to Aliyun standards. server string to sign is:{}",
                    v3_string_to_sign(&canonical)
                ),
            ));
        }
        self.remember_nonce(&auth.credential, nonce, ts, now)?;
        Ok(Caller {
            access_key_id: auth.credential,
            style: SignatureStyle::V3,
        })
    }

    fn key(&self, id: &str) -> Result<&AccessKey, ApiError> {
        self.keys.get(id).ok_or_else(|| {
            ApiError::new(
                Code::InvalidAccessKeyIdNotFound,
                format!("Specified access key {id:?} is not found."),
            )
        })
    }

    fn remember_nonce(
        &self,
        ak: &str,
        nonce: &str,
        ts: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let mut cache = self.nonces.lock().unwrap_or_else(|e| e.into_inner());
        cache.inserts += 1;
        if cache.inserts.is_multiple_of(SWEEP_EVERY) || cache.seen.len() >= MAX_NONCES {
            cache.seen.retain(|_, expiry| *expiry > now);
        }
        let k = format!("{ak}\n{nonce}");
        if cache.seen.contains_key(&k) {
            return Err(ApiError::new(
                Code::SignatureNonceUsed,
                "Specified signature nonce was used already.",
            ));
        }
        if cache.seen.len() >= MAX_NONCES {
            return Err(ApiError::new(
                Code::ThrottlingUser,
                "Request was denied due to user flow control: too many distinct signature nonces within 15 minutes.",
            ));
        }
        cache
            .seen
            .insert(k, ts + Duration::minutes(MAX_SKEW_MINUTES));
        Ok(())
    }
}

fn check_time(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let ts = DateTime::parse_from_rfc3339(raw)
        .map_err(|_| {
            ApiError::new(
                Code::InvalidTimeStampFormat,
                format!("Specified time stamp {raw:?} is not in yyyy-MM-ddTHH:mm:ssZ (UTC)."),
            )
        })?
        .with_timezone(&Utc);
    if (now - ts).num_seconds().abs() > MAX_SKEW_MINUTES * 60 {
        return Err(ApiError::new(
            Code::InvalidTimeStampExpired,
            format!(
                "Specified time stamp or date value is expired: {raw} is more than {MAX_SKEW_MINUTES} minutes from the server time {}.",
                now.format("%Y-%m-%dT%H:%M:%SZ")
            ),
        ));
    }
    Ok(ts)
}

fn check_token(key: &AccessKey, presented: Option<&str>) -> Result<(), ApiError> {
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

/// `METHOD&%2F&PE(CQS)`.
pub fn v1_string_to_sign<'a>(
    method: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    format!("{method}&%2F&{}", pe(&canonical_query(params)))
}

/// `Base64(HMAC-SHA1(secret + "&", StringToSign))`.
pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `METHOD\n/\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHashedPayload`; `headers` are
/// (lower-case name, trimmed value) pairs, the signed ones.
pub fn v3_canonical_request<'a>(
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

pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "ACS3-HMAC-SHA256\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// `hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(SHA256(CanonicalRequest))))`.
pub fn v3_signature(secret: &str, canonical_request: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(v3_string_to_sign(canonical_request).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<a;b>,Signature=<hex>`.
struct Authorization {
    credential: String,
    signed_headers: Vec<String>,
    signature: String,
}

impl Authorization {
    fn parse(raw: &str) -> Result<Self, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, Method};

    const V1B_CQS: &str = "AccessKeyId=testid&Action=RunCommand&CommandContent=echo%20%22hello%20world%22%20%7B%7Bname%7D%7D%20~%2Fa%2Ab&ContentEncoding=PlainText&EnableParameter=true&Format=JSON&InstanceId.1=i-bp1aaaaaaaaaaaaaaaaa&InstanceId.2=i-bp1bbbbbbbbbbbbbbbbb&Parameters=%7B%22name%22%3A%22Jack%22%7D&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=9b2f4c6e1a3d4e5f8a7b6c5d4e3f2a1b&SignatureVersion=1.0&Tag.1.Key=env&Tag.1.Value=prod&Timeout=60&Timestamp=2024-05-01T08%3A30%3A00Z&Type=RunShellScript&Version=2014-05-26";

    fn decoded(cqs: &str) -> Vec<(String, String)> {
        crate::emulator::wire::encode::form_decode(cqs.as_bytes())
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn key(id: &str, secret: &str, token: Option<&str>) -> AccessKey {
        AccessKey {
            id: id.into(),
            secret: secret.into(),
            security_token: token.map(String::from),
        }
    }

    #[test]
    fn v1_a_published_example() {
        let params = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ];
        let sts = v1_string_to_sign("GET", params);
        assert_eq!(
            v1_signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn v1_b_run_command_vectors() {
        let pairs = decoded(V1B_CQS);
        assert_eq!(
            canonical_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            V1B_CQS
        );
        let sign = |method: &str, extra: Option<(&str, &str)>| {
            let mut all: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            all.extend(extra);
            v1_signature("testsecret", &v1_string_to_sign(method, all))
        };
        assert_eq!(sign("POST", None), "eFLH4ZNTlrEuYWZVM74Em3S2zOY=");
        assert_eq!(sign("GET", None), "hGQ1g0u9fvGQ/BhiAVaWX4yyyVs=");
        assert_eq!(
            sign("POST", Some(("SecurityToken", "teststs"))),
            "pXL+Kul6Sq3MMZpoMmhbdH6Nkl4="
        );
    }

    fn v1_sdk_request(signature: &str) -> ApiRequest {
        // The exact wire query of the Python SDK (spaces as `+`).
        let q = V1B_CQS
            .replace("Format=JSON", "Format=json")
            .replace("EnableParameter=true", "EnableParameter=True")
            .replace("%20", "+");
        let q = format!(
            "{q}&Signature={}",
            url::form_urlencoded::byte_serialize(signature.as_bytes()).collect::<String>()
        );
        ApiRequest::parse(Method::POST, Some(&q), HeaderMap::new(), Vec::new())
    }

    #[test]
    fn v1_exact_sdk_request_verifies_and_nonce_cannot_be_reused() {
        let v = Verifier::new([key("testid", "testsecret", None)]);
        let req = v1_sdk_request("VxuxX78QpTzecgSTYVa1TBTuhz0=");
        let now = at("2024-05-01T08:31:00Z");
        let caller = v.verify(&req, now).unwrap();
        assert_eq!(caller.access_key_id, "testid");
        assert_eq!(caller.style, SignatureStyle::V1);
        let again = v.verify(&req, now).unwrap_err();
        assert_eq!(again.code, Code::SignatureNonceUsed);
    }

    #[test]
    fn v1_wrong_signature_names_the_server_string_to_sign() {
        let v = Verifier::new([key("testid", "testsecret", None)]);
        let err = v
            .verify(
                &v1_sdk_request("AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                at("2024-05-01T08:31:00Z"),
            )
            .unwrap_err();
        assert_eq!(err.code, Code::SignatureDoesNotMatch);
        assert!(
            err.message
                .contains("server string to sign is:POST&%2F&AccessKeyId%3Dtestid")
        );
        assert!(!err.message.contains("testsecret"));
    }

    #[test]
    fn v1_rejects_old_timestamps_and_unknown_keys() {
        let v = Verifier::new([key("testid", "testsecret", None)]);
        let req = v1_sdk_request("VxuxX78QpTzecgSTYVa1TBTuhz0=");
        assert_eq!(
            v.verify(&req, at("2024-05-01T08:46:00Z")).unwrap_err().code,
            Code::InvalidTimeStampExpired
        );
        let other = Verifier::new([key("someoneelse", "x", None)]);
        assert_eq!(
            other
                .verify(&req, at("2024-05-01T08:31:00Z"))
                .unwrap_err()
                .code,
            Code::InvalidAccessKeyIdNotFound
        );
    }

    #[test]
    fn sts_pairs_require_their_token() {
        let v = Verifier::new([key("testid", "testsecret", Some("teststs"))]);
        let req = v1_sdk_request("VxuxX78QpTzecgSTYVa1TBTuhz0=");
        assert_eq!(
            v.verify(&req, at("2024-05-01T08:31:00Z")).unwrap_err().code,
            Code::InvalidSecurityTokenMalformed
        );
    }

    #[test]
    fn v3_a_published_example() {
        let headers = vec![
            (
                "host".to_string(),
                "ecs.cn-shanghai.aliyuncs.com".to_string(),
            ),
            ("x-acs-action".to_string(), "RunInstances".to_string()),
            ("x-acs-version".to_string(), "2014-05-26".to_string()),
            ("x-acs-date".to_string(), "2023-10-26T10:22:32Z".to_string()),
            ("x-acs-content-sha256".to_string(), EMPTY_SHA.to_string()),
            (
                "x-acs-signature-nonce".to_string(),
                "3156853299f313e23d1673dc12e1703d".to_string(),
            ),
        ];
        let canonical = v3_canonical_request(
            "POST",
            [
                (
                    "ImageId",
                    "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
                ),
                ("RegionId", "cn-shanghai"),
            ],
            &headers,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        );
        assert_eq!(
            v3_string_to_sign(&canonical),
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            v3_signature("YourAccessKeySecret", &canonical),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn v3b_query() -> String {
        let drop = [
            "AccessKeyId",
            "Action",
            "Format",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "Timestamp",
            "Version",
        ];
        V1B_CQS
            .split('&')
            .filter(|kv| !drop.contains(&kv.split('=').next().unwrap()))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn v3_request(
        extra: &[(&str, &str)],
        signed: &str,
        signature: &str,
        query: &str,
    ) -> ApiRequest {
        let mut h = HeaderMap::new();
        let base = [
            ("host", "ecs-cn-hangzhou.aliyuncs.com"),
            ("x-acs-action", "RunCommand"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2024-05-01T08:30:00Z"),
            ("x-acs-signature-nonce", "9b2f4c6e1a3d4e5f8a7b6c5d4e3f2a1b"),
            ("x-acs-content-sha256", EMPTY_SHA),
        ];
        for (k, v) in base.iter().chain(extra) {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h.insert(
            "authorization",
            format!(
                "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders={signed},Signature={signature}"
            )
            .parse()
            .unwrap(),
        );
        ApiRequest::parse(Method::POST, Some(query), h, Vec::new())
    }

    #[test]
    fn v3_b_run_command_and_sts_variant() {
        let signed =
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";
        let now = at("2024-05-01T08:30:30Z");
        let v = Verifier::new([key("testid", "testsecret", None)]);
        let req = v3_request(
            &[],
            signed,
            "4efc313e1a8adb5dc3b87533c5a683ce5c950aa7cdcdaabbbbfc3bde88257008",
            &v3b_query(),
        );
        assert_eq!(v.verify(&req, now).unwrap().style, SignatureStyle::V3);

        let sts = Verifier::new([key("testid", "testsecret", Some("teststs"))]);
        let req = v3_request(
            &[
                ("x-acs-accesskey-id", "testid"),
                ("x-acs-security-token", "teststs"),
            ],
            "host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version",
            "fa57c1723fbacf8e100e736bebd97713dda457101eb9751731a5ec02844ce81e",
            &v3b_query(),
        );
        sts.verify(&req, now).unwrap();
    }

    #[test]
    fn v3_exact_sdk_request_with_extra_signed_headers() {
        let q = v3b_query()
            .replace("EnableParameter=true", "EnableParameter=True")
            .replace("%20", "+");
        let req = v3_request(
            &[
                ("accept", "application/json"),
                ("user-agent", "test-agent/1.0"),
                ("x-acs-credentials-provider", "static_ak"),
            ],
            "accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version",
            "51ae75dfa79e21157964d485a496479d1d10aa87d436671da2b138b0d94002a4",
            &q,
        );
        let v = Verifier::new([key("testid", "testsecret", None)]);
        v.verify(&req, at("2024-05-01T08:30:30Z")).unwrap();
    }

    #[test]
    fn v3_body_hash_must_match() {
        let signed =
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";
        let mut req = v3_request(
            &[],
            signed,
            "4efc313e1a8adb5dc3b87533c5a683ce5c950aa7cdcdaabbbbfc3bde88257008",
            &v3b_query(),
        );
        req.body = b"tampered".to_vec();
        let v = Verifier::new([key("testid", "testsecret", None)]);
        assert_eq!(
            v.verify(&req, at("2024-05-01T08:30:30Z")).unwrap_err().code,
            Code::SignatureDoesNotMatch
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let k = key("id", "supersecret", Some("tok"));
        let s = format!("{k:?}");
        assert!(!s.contains("supersecret") && !s.contains("tok\""));
    }
}
