use axum::http::{HeaderMap, Method};
use chrono::{DateTime, Utc};

use super::*;
use crate::emulator::errors::Code;
use crate::emulator::wire::encode::canonical_query;
use crate::emulator::wire::{ApiRequest, SignatureStyle};

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

fn v3_request(extra: &[(&str, &str)], signed: &str, signature: &str, query: &str) -> ApiRequest {
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
        format!("ACS3-HMAC-SHA256 Credential=testid,SignedHeaders={signed},Signature={signature}")
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
