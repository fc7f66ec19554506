//! Signature vectors computed by the official Python SDK's own signing functions
//! (`tests/fixtures/cloud/gen_sign_vectors.py`): special characters in values, GET and POST,
//! with and without an STS token.

use serde::Deserialize;
use std::collections::BTreeMap;

use super::{v1, v3};

#[derive(Deserialize)]
struct Vectors {
    v1: Vec<V1Vector>,
    v3: Vec<V3Vector>,
}

#[derive(Deserialize)]
struct V1Vector {
    name: String,
    method: String,
    secret: String,
    params: BTreeMap<String, String>,
    signature: String,
}

#[derive(Deserialize)]
struct V3Vector {
    name: String,
    method: String,
    access_key_id: String,
    secret: String,
    query: BTreeMap<String, String>,
    headers: BTreeMap<String, String>,
    payload_sha256: String,
    canonical_request: String,
    authorization: String,
}

fn vectors() -> Vectors {
    serde_json::from_str(include_str!(
        "../../../tests/fixtures/cloud/sign_vectors.json"
    ))
    .expect("sign_vectors.json parses")
}

fn pairs(map: &BTreeMap<String, String>) -> Vec<(String, String)> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[test]
fn v1_matches_python_sdk() {
    let v = vectors();
    assert!(v.v1.len() >= 20, "expected the full vector set");
    let mut methods = std::collections::BTreeSet::new();
    for case in &v.v1 {
        methods.insert(case.method.clone());
        let got = v1::signature(&case.secret, &case.method, &pairs(&case.params));
        assert_eq!(got, case.signature, "vector {}", case.name);
    }
    assert_eq!(methods.len(), 2, "both GET and POST are covered");
}

#[test]
fn v3_matches_python_sdk() {
    let v = vectors();
    assert!(v.v3.len() >= 20, "expected the full vector set");
    for case in &v.v3 {
        let query = pairs(&case.query);
        let headers = pairs(&case.headers);
        let canonical = v3::canonical_request(&case.method, &query, &headers, &case.payload_sha256);
        assert_eq!(canonical, case.canonical_request, "vector {}", case.name);
        let auth = v3::authorization(
            &case.access_key_id,
            &case.secret,
            &case.method,
            &query,
            &headers,
            &case.payload_sha256,
        );
        assert_eq!(auth, case.authorization, "vector {}", case.name);
    }
}

#[test]
fn vectors_cover_the_special_characters() {
    let v = vectors();
    let all: String =
        v.v1.iter()
            .flat_map(|c| c.params.values().cloned())
            .collect();
    for needle in [" ", "*", "~", "/", "+", "=", "&", "%", "中", "é"] {
        assert!(all.contains(needle), "no vector contains {needle:?}");
    }
    assert!(v.v1.iter().any(|c| c.params.contains_key("SecurityToken")));
    assert!(
        v.v3.iter()
            .any(|c| c.headers.contains_key("x-acs-security-token"))
    );
}
