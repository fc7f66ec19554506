//! RPC signature version 1: HMAC-SHA1 over the sorted query (reference §4 "V1").
//!
//! The algorithm of `Utils.get_rpcsignature` in `alibabacloud-tea-openapi` and of the legacy
//! `aliyun-python-sdk-core` RPC composer:
//! `StringToSign = METHOD + "&%2F&" + PE(CQS)` and
//! `Signature = Base64(HMAC-SHA1(secret + "&", StringToSign))`.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::percent::{canonical_query, encode};

/// The string to sign for `method` (the HTTP method actually used) and every parameter
/// except `Signature`.
pub fn string_to_sign(method: &str, params: &[(String, String)]) -> String {
    format!("{method}&%2F&{}", encode(&canonical_query(params)))
}

/// The `Signature` value (before URL-encoding).
pub fn signature(secret: &str, method: &str, params: &[(String, String)]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign(method, params).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
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

    /// V1-A: the published ECS DescribeRegions example.
    #[test]
    fn reference_v1_a() {
        let params = pairs(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]);
        assert_eq!(
            signature("testsecret", "GET", &params),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    /// The V1-B parameters (RunCommand), decoded from the reference's CQS.
    pub(crate) fn v1_b_params() -> Vec<(String, String)> {
        pairs(&[
            ("AccessKeyId", "testid"),
            ("Action", "RunCommand"),
            ("CommandContent", "echo \"hello world\" {{name}} ~/a*b"),
            ("ContentEncoding", "PlainText"),
            ("EnableParameter", "true"),
            ("Format", "JSON"),
            ("InstanceId.1", "i-bp1aaaaaaaaaaaaaaaaa"),
            ("InstanceId.2", "i-bp1bbbbbbbbbbbbbbbbb"),
            ("Parameters", "{\"name\":\"Jack\"}"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "9b2f4c6e1a3d4e5f8a7b6c5d4e3f2a1b"),
            ("SignatureVersion", "1.0"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("Timeout", "60"),
            ("Timestamp", "2024-05-01T08:30:00Z"),
            ("Type", "RunShellScript"),
            ("Version", "2014-05-26"),
        ])
    }

    #[test]
    fn reference_v1_b_cqs() {
        assert_eq!(
            canonical_query(&v1_b_params()),
            "AccessKeyId=testid&Action=RunCommand&CommandContent=echo%20%22hello%20world%22%20%7B%7Bname%7D%7D%20~%2Fa%2Ab&ContentEncoding=PlainText&EnableParameter=true&Format=JSON&InstanceId.1=i-bp1aaaaaaaaaaaaaaaaa&InstanceId.2=i-bp1bbbbbbbbbbbbbbbbb&Parameters=%7B%22name%22%3A%22Jack%22%7D&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=9b2f4c6e1a3d4e5f8a7b6c5d4e3f2a1b&SignatureVersion=1.0&Tag.1.Key=env&Tag.1.Value=prod&Timeout=60&Timestamp=2024-05-01T08%3A30%3A00Z&Type=RunShellScript&Version=2014-05-26"
        );
    }

    #[test]
    fn reference_v1_b_post_get_sts() {
        let mut params = v1_b_params();
        assert_eq!(
            signature("testsecret", "POST", &params),
            "eFLH4ZNTlrEuYWZVM74Em3S2zOY="
        );
        assert_eq!(
            signature("testsecret", "GET", &params),
            "hGQ1g0u9fvGQ/BhiAVaWX4yyyVs="
        );
        params.push(("SecurityToken".into(), "teststs".into()));
        assert_eq!(
            signature("testsecret", "POST", &params),
            "pXL+Kul6Sq3MMZpoMmhbdH6Nkl4="
        );
    }

    /// The exact request of the Python SDK with `signature_algorithm='v2'`.
    #[test]
    fn reference_python_sdk_request() {
        let params: Vec<_> = v1_b_params()
            .into_iter()
            .map(|(k, v)| match k.as_str() {
                "Format" => (k, "json".to_owned()),
                "EnableParameter" => (k, "True".to_owned()),
                _ => (k, v),
            })
            .collect();
        assert_eq!(
            signature("testsecret", "POST", &params),
            "VxuxX78QpTzecgSTYVa1TBTuhz0="
        );
    }
}
