//! Signature version 3: ACS3-HMAC-SHA256 (reference §4 "V3").
//!
//! The algorithm of `Utils.get_authorization` in `alibabacloud-tea-openapi`, the default of the
//! current official SDKs:
//! `CanonicalRequest = METHOD\n/\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHashedPayload`,
//! `StringToSign = "ACS3-HMAC-SHA256\n" + hex(SHA256(CanonicalRequest))`,
//! `Signature = hex(HMAC-SHA256(secret, StringToSign))`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::percent::canonical_query;

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Hex SHA-256 of an empty body: the `x-acs-content-sha256` of every assistctl request.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `(CanonicalHeaders, SignedHeaders)`: names lower-cased and sorted, values trimmed,
/// repeated headers joined with `,` in sorted order (as the Python SDK does).
pub fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut merged: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, value) in headers {
        merged
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value.trim().to_owned());
    }
    let mut canonical = String::new();
    for (name, values) in &mut merged {
        values.sort();
        canonical.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let signed = merged.keys().cloned().collect::<Vec<_>>().join(";");
    (canonical, signed)
}

/// The canonical request for an RPC call (path `/`).
pub fn canonical_request(
    method: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    payload_sha256: &str,
) -> String {
    let (canonical_headers, signed_headers) = canonical_headers(headers);
    format!(
        "{method}\n/\n{}\n{canonical_headers}\n{signed_headers}\n{payload_sha256}",
        canonical_query(query)
    )
}

pub fn string_to_sign(canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// Hex HMAC-SHA256 signature of a canonical request.
pub fn signature(secret: &str, canonical_request: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(string_to_sign(canonical_request).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value. Every header in `headers` is signed.
pub fn authorization(
    access_key_id: &str,
    secret: &str,
    method: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    payload_sha256: &str,
) -> String {
    let canonical = canonical_request(method, query, headers, payload_sha256);
    let (_, signed_headers) = canonical_headers(headers);
    format!(
        "{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={}",
        signature(secret, &canonical)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn empty_payload_hash() {
        assert_eq!(sha256_hex(b""), EMPTY_PAYLOAD_SHA256);
    }

    /// V3-A: the published RunInstances example.
    #[test]
    fn reference_v3_a() {
        let query = pairs(&[
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ]);
        let headers = pairs(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256),
        ]);
        let canonical = canonical_request("POST", &query, &headers, EMPTY_PAYLOAD_SHA256);
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signature("YourAccessKeySecret", &canonical),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    fn v3_b_query() -> Vec<(String, String)> {
        pairs(&[
            ("CommandContent", "echo \"hello world\" {{name}} ~/a*b"),
            ("ContentEncoding", "PlainText"),
            ("EnableParameter", "true"),
            ("InstanceId.1", "i-bp1aaaaaaaaaaaaaaaaa"),
            ("InstanceId.2", "i-bp1bbbbbbbbbbbbbbbbb"),
            ("Parameters", "{\"name\":\"Jack\"}"),
            ("RegionId", "cn-hangzhou"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("Timeout", "60"),
            ("Type", "RunShellScript"),
        ])
    }

    fn v3_b_headers() -> Vec<(String, String)> {
        pairs(&[
            ("host", "ecs-cn-hangzhou.aliyuncs.com"),
            ("x-acs-action", "RunCommand"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2024-05-01T08:30:00Z"),
            ("x-acs-signature-nonce", "9b2f4c6e1a3d4e5f8a7b6c5d4e3f2a1b"),
            ("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256),
        ])
    }

    #[test]
    fn reference_v3_b() {
        let canonical =
            canonical_request("POST", &v3_b_query(), &v3_b_headers(), EMPTY_PAYLOAD_SHA256);
        assert_eq!(
            canonical,
            "POST\n/\nCommandContent=echo%20%22hello%20world%22%20%7B%7Bname%7D%7D%20~%2Fa%2Ab&ContentEncoding=PlainText&EnableParameter=true&InstanceId.1=i-bp1aaaaaaaaaaaaaaaaa&InstanceId.2=i-bp1bbbbbbbbbbbbbbbbb&Parameters=%7B%22name%22%3A%22Jack%22%7D&RegionId=cn-hangzhou&Tag.1.Key=env&Tag.1.Value=prod&Timeout=60&Type=RunShellScript\nhost:ecs-cn-hangzhou.aliyuncs.com\nx-acs-action:RunCommand\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2024-05-01T08:30:00Z\nx-acs-signature-nonce:9b2f4c6e1a3d4e5f8a7b6c5d4e3f2a1b\nx-acs-version:2014-05-26\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "fbbbcad3a2a345e2e181bade94d628ed6aeba8955522ba6c46c4c68429675317"
        );
        let auth = authorization(
            "testid",
            "testsecret",
            "POST",
            &v3_b_query(),
            &v3_b_headers(),
            EMPTY_PAYLOAD_SHA256,
        );
        assert_eq!(
            auth,
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=4efc313e1a8adb5dc3b87533c5a683ce5c950aa7cdcdaabbbbfc3bde88257008"
        );
    }

    #[test]
    fn reference_v3_b_sts() {
        let mut headers = v3_b_headers();
        headers.push(("x-acs-accesskey-id".into(), "testid".into()));
        headers.push(("x-acs-security-token".into(), "teststs".into()));
        let canonical = canonical_request("POST", &v3_b_query(), &headers, EMPTY_PAYLOAD_SHA256);
        assert_eq!(
            signature("testsecret", &canonical),
            "fa57c1723fbacf8e100e736bebd97713dda457101eb9751731a5ec02844ce81e"
        );
    }

    /// The exact request of the Python SDK's default (V3) path.
    #[test]
    fn reference_python_sdk_request() {
        let query: Vec<_> = v3_b_query()
            .into_iter()
            .map(|(k, v)| {
                if k == "EnableParameter" {
                    (k, "True".to_owned())
                } else {
                    (k, v)
                }
            })
            .collect();
        let mut headers = v3_b_headers();
        headers.extend(pairs(&[
            ("accept", "application/json"),
            ("user-agent", "test-agent/1.0"),
            ("x-acs-credentials-provider", "static_ak"),
        ]));
        let auth = authorization(
            "testid",
            "testsecret",
            "POST",
            &query,
            &headers,
            EMPTY_PAYLOAD_SHA256,
        );
        assert_eq!(
            auth,
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=51ae75dfa79e21157964d485a496479d1d10aa87d436671da2b138b0d94002a4"
        );
    }

    #[test]
    fn repeated_headers_are_merged_sorted() {
        let (c, s) = canonical_headers(&pairs(&[("X-B", " 2 "), ("x-b", "1"), ("A", "z")]));
        assert_eq!(c, "a:z\nx-b:1,2\n");
        assert_eq!(s, "a;x-b");
    }
}
