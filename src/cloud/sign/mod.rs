//! Request signing: ACS3-HMAC-SHA256 ([`v3`], the default of the current official SDKs) and
//! RPC HMAC-SHA1 ([`v1`], the legacy SDKs and STS), over [`percent`]-encoded parameters.
//!
//! [`sign`] turns an RPC call (action, version, business parameters) into the exact query
//! string and headers to send. assistctl sends the query on the wire in the canonical
//! encoding, so the bytes the server decodes are the bytes that were signed.

pub mod percent;
pub mod v1;
pub mod v3;

#[cfg(test)]
mod vectors;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::clock::format_timestamp;
use super::secret::Credentials;

/// Which signature the client computes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignatureVersion {
    /// ACS3-HMAC-SHA256: POST `/`, business parameters in the query, `x-acs-*` headers and
    /// an `Authorization` header.
    #[default]
    V3,
    /// RPC HMAC-SHA1: common and business parameters in the query, `Signature` last.
    /// (The Tea SDKs call this path `signature_algorithm='v2'`.)
    V1,
}

impl FromStr for SignatureVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "v3" | "3" | "acs3-hmac-sha256" => Ok(Self::V3),
            "v1" | "1" | "1.0" | "hmac-sha1" => Ok(Self::V1),
            other => Err(format!(
                "unknown signature version {other:?}; expected v3 (ACS3-HMAC-SHA256) or v1 (HMAC-SHA1)"
            )),
        }
    }
}

impl fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V3 => "v3",
            Self::V1 => "v1",
        })
    }
}

/// An RPC call before signing.
#[derive(Debug, Clone, Copy)]
pub struct Unsigned<'a> {
    /// `POST` or `GET`: the method actually sent, which both signatures cover.
    pub method: &'a str,
    /// The `host` header: the endpoint's host, with the port when it is not the default.
    pub host: &'a str,
    pub action: &'a str,
    /// The API version, `2014-05-26` for ECS, `2015-04-01` for STS.
    pub version: &'a str,
    /// Business parameters, already flattened (`InstanceId.1`, `Tag.1.Key`, ...).
    pub params: &'a [(String, String)],
}

/// What goes on the wire: the query string (already encoded) and the headers.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
}

const SECRET_QUERY_NAMES: [&str; 3] = ["Signature", "SecurityToken", "AccessKeyId"];
const SECRET_HEADERS: [&str; 3] = [
    "authorization",
    "x-acs-security-token",
    "x-acs-accesskey-id",
];

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query = self
            .query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if SECRET_QUERY_NAMES.contains(&k) => format!("{k}=<redacted>"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&");
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                if SECRET_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
                    (k.clone(), "<redacted>".to_owned())
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect();
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("query", &query)
            .field("headers", &headers)
            .finish()
    }
}

/// Signs `req` with `creds`. `nonce` must be fresh for every request, retries included.
pub fn sign(
    version: SignatureVersion,
    creds: &Credentials,
    req: &Unsigned<'_>,
    nonce: &str,
    now: DateTime<Utc>,
) -> SignedRequest {
    match version {
        SignatureVersion::V1 => sign_v1(creds, req, nonce, now),
        SignatureVersion::V3 => sign_v3(creds, req, nonce, now),
    }
}

fn owned(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

fn sign_v1(
    creds: &Credentials,
    req: &Unsigned<'_>,
    nonce: &str,
    now: DateTime<Utc>,
) -> SignedRequest {
    let mut params = req.params.to_vec();
    params.extend([
        owned("Action", req.action),
        owned("Version", req.version),
        owned("Format", "JSON"),
        owned("AccessKeyId", &creds.access_key_id),
        owned("SignatureMethod", "HMAC-SHA1"),
        owned("SignatureVersion", "1.0"),
        owned("SignatureNonce", nonce),
        owned("Timestamp", &format_timestamp(now)),
    ]);
    if let Some(token) = &creds.security_token {
        params.push(owned("SecurityToken", token.expose()));
    }
    let signature = v1::signature(creds.access_key_secret.expose(), req.method, &params);
    SignedRequest {
        method: req.method.to_owned(),
        query: format!(
            "{}&Signature={}",
            percent::canonical_query(&params),
            percent::encode(&signature)
        ),
        headers: vec![owned("accept", "application/json")],
    }
}

fn sign_v3(
    creds: &Credentials,
    req: &Unsigned<'_>,
    nonce: &str,
    now: DateTime<Utc>,
) -> SignedRequest {
    let mut headers = vec![
        owned("host", req.host),
        owned("x-acs-action", req.action),
        owned("x-acs-version", req.version),
        owned("x-acs-date", &format_timestamp(now)),
        owned("x-acs-signature-nonce", nonce),
        owned("x-acs-content-sha256", v3::EMPTY_PAYLOAD_SHA256),
        owned("accept", "application/json"),
    ];
    if let Some(token) = &creds.security_token {
        // The Python SDK sends (and signs) the key ID beside the token.
        headers.push(owned("x-acs-accesskey-id", &creds.access_key_id));
        headers.push(owned("x-acs-security-token", token.expose()));
    }
    let authorization = v3::authorization(
        &creds.access_key_id,
        creds.access_key_secret.expose(),
        req.method,
        req.params,
        &headers,
        v3::EMPTY_PAYLOAD_SHA256,
    );
    headers.push(owned("authorization", &authorization));
    SignedRequest {
        method: req.method.to_owned(),
        query: percent::canonical_query(req.params),
        headers,
    }
}

/// Replaces every occurrence of each secret in `text` (raw, percent-encoded once and twice, as
/// a server echoes them in `SignatureDoesNotMatch` messages) with `<redacted>`. It lives with
/// the signer because the forms to look for are the ones signing puts in the string to sign.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        let once = percent::encode(secret);
        let twice = percent::encode(&once);
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
    use crate::cloud::secret::Secret;
    use chrono::TimeZone;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "testid".into(),
            access_key_secret: Secret::new("testsecret"),
            security_token: token.map(Secret::new),
            expiration: None,
        }
    }

    fn params() -> Vec<(String, String)> {
        vec![owned("RegionId", "cn-hangzhou"), owned("CommandId", "c-1")]
    }

    #[test]
    fn v1_puts_common_params_and_signature_in_query() {
        let p = params();
        let req = Unsigned {
            method: "POST",
            host: "h",
            action: "DeleteCommand",
            version: "2014-05-26",
            params: &p,
        };
        let now = Utc.with_ymd_and_hms(2024, 5, 1, 8, 30, 0).unwrap();
        let s = sign(SignatureVersion::V1, &creds(Some("tok")), &req, "n1", now);
        assert!(s.query.starts_with("AccessKeyId=testid&Action=DeleteCommand&CommandId=c-1&Format=JSON&RegionId=cn-hangzhou&SecurityToken=tok&SignatureMethod=HMAC-SHA1&SignatureNonce=n1&SignatureVersion=1.0&Timestamp=2024-05-01T08%3A30%3A00Z&Version=2014-05-26&Signature="), "{}", s.query);
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("tok&") && !dbg.contains("testid"), "{dbg}");
    }

    #[test]
    fn v3_signs_every_header_it_sends() {
        let p = params();
        let req = Unsigned {
            method: "POST",
            host: "127.0.0.1:8080",
            action: "DeleteCommand",
            version: "2014-05-26",
            params: &p,
        };
        let now = Utc.with_ymd_and_hms(2024, 5, 1, 8, 30, 0).unwrap();
        let s = sign(SignatureVersion::V3, &creds(Some("tok")), &req, "n1", now);
        assert_eq!(s.query, "CommandId=c-1&RegionId=cn-hangzhou");
        let auth = &s
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .unwrap()
            .1;
        assert!(auth.starts_with("ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=accept;host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature="), "{auth}");
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("tok\"") && !dbg.contains("Signature="),
            "{dbg}"
        );
    }

    #[test]
    fn version_parses() {
        assert_eq!("V1".parse::<SignatureVersion>(), Ok(SignatureVersion::V1));
        assert_eq!(
            "acs3-hmac-sha256".parse::<SignatureVersion>(),
            Ok(SignatureVersion::V3)
        );
        assert!("v9".parse::<SignatureVersion>().is_err());
    }

    #[test]
    fn scrub_removes_raw_and_encoded_forms() {
        let token = "CAIS+tok/en=";
        let msg = format!(
            "server string to sign is:GET&%2F&SecurityToken%3D{} raw {token}",
            percent::encode(&percent::encode(token))
        );
        let out = scrub(&msg, &[token]);
        assert!(!out.contains("CAIS"), "{out}");
        assert!(out.contains("<redacted>"));
    }
}
