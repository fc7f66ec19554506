//! Every credential source of the default chain, with files in a temporary HOME, variables in
//! an isolated `Env`, and fake STS / metadata / credential-URI servers on loopback.

use crate::cloud_common;

use std::path::Path;
use std::sync::Arc;

use assistctl::cloud::clock::ManualClock;
use assistctl::cloud::credential::{CredentialOptions, DefaultChain, SourceContext};
use assistctl::cloud::ops::DeleteCommandRequest;
use assistctl::cloud::{ClientBuilder, CredentialProvider, Credentials, Env, Error};
use chrono::{TimeZone, Utc};
use cloud_common::*;
use serde_json::json;

const STS_EXPIRATION: &str = "2030-01-01T00:00:00Z";

/// An isolated environment whose HOME is `home`; the metadata link is off unless a test
/// turns it on, so nothing ever tries 100.100.100.200.
fn base_env(home: &Path) -> Env {
    Env::isolated(home).with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
}

fn chain(env: Env) -> DefaultChain {
    DefaultChain::new(SourceContext::new(env, CredentialOptions::default()))
}

fn chain_with(env: Env, options: CredentialOptions) -> DefaultChain {
    DefaultChain::new(SourceContext::new(env, options))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn write_cli_config(home: &Path, config: serde_json::Value) {
    write(&home.join(".aliyun/config.json"), &config.to_string());
}

fn session(ak: &str) -> serde_json::Value {
    json!({"AccessKeyId": ak, "AccessKeySecret": "sts-secret", "SecurityToken": "sts-token", "Expiration": STS_EXPIRATION})
}

/// A fake STS answering both actions.
async fn fake_sts() -> FakeServer {
    FakeServer::start(|r, _| {
        let ak = match r.param("Action") {
            Some("AssumeRole") => "STS.assumed",
            Some("AssumeRoleWithOIDC") => "STS.oidc",
            _ => return Reply::error(400, "InvalidAction.NotFound", "STS-bad"),
        };
        Reply::json(json!({"RequestId": "STS-R", "Credentials": session(ak), "AssumedRoleUser": {"Arn": "acs:ram::1:role/r", "AssumedRoleId": "1:r"}}))
    })
    .await
}

/// A fake metadata service; `v2` decides whether the token endpoint works.
async fn fake_metadata(v2: bool) -> FakeServer {
    FakeServer::start(move |r, _| match (r.method.as_str(), r.path.as_str()) {
        ("PUT", "/latest/api/token") if v2 => {
            if r.header("x-aliyun-ecs-metadata-token-ttl-seconds") == Some("21600") {
                Reply::text(200, "imds-token-123")
            } else {
                Reply::text(400, "missing ttl")
            }
        }
        ("PUT", _) => Reply::text(403, "forbidden"),
        ("GET", path) => {
            if v2 && r.header("x-aliyun-ecs-metadata-token") != Some("imds-token-123") {
                return Reply::text(401, "token required");
            }
            match path.strip_prefix("/latest/meta-data/ram/security-credentials/") {
                Some("") => Reply::text(200, "EcsRole\n"),
                Some("EcsRole") | Some("NamedRole") => {
                    let mut body = session("STS.ecs");
                    body["Code"] = json!("Success");
                    body["LastUpdated"] = json!("2029-12-31T23:00:00Z");
                    Reply::json(body)
                }
                _ => Reply::text(404, "not found"),
            }
        }
        _ => Reply::text(405, ""),
    })
    .await
}

fn assert_sts_session(c: &Credentials, ak: &str) {
    assert_eq!(c.access_key_id, ak);
    assert_eq!(c.access_key_secret.expose(), "sts-secret");
    assert_eq!(c.security_token.as_ref().unwrap().expose(), "sts-token");
    assert_eq!(
        c.expiration,
        Some(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap())
    );
}

#[tokio::test]
async fn environment_variables() {
    let home = tempfile::tempdir().unwrap();
    let env = base_env(home.path())
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv")
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
        .with_var("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token");
    let chain = chain(env);
    let c = chain.credentials().await.unwrap();
    assert_eq!(c.access_key_id, "LTAIenv");
    assert_eq!(c.access_key_secret.expose(), "env-secret");
    assert_eq!(c.security_token.unwrap().expose(), "env-token");
    assert_eq!(chain.source().await, Some("environment"));
}

#[tokio::test]
async fn nothing_found_lists_every_source_and_why() {
    let home = tempfile::tempdir().unwrap();
    let err = chain(base_env(home.path()))
        .credentials()
        .await
        .unwrap_err();
    let Error::NoCredentials { tried } = &err else {
        panic!("{err:?}")
    };
    let names: Vec<&str> = tried.iter().map(|t| t.source.as_str()).collect();
    assert_eq!(
        names,
        [
            "environment",
            "oidc (environment)",
            "aliyun cli profile",
            "credentials file",
            "ecs metadata",
            "credentials uri"
        ]
    );
    assert!(
        tried.iter().all(|t| t.outcome.starts_with("skipped: ")),
        "{tried:?}"
    );
    let text = err.to_string();
    for why in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID is not set",
        "config.json does not exist",
        "credentials.ini does not exist",
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
        "ALIBABA_CLOUD_CREDENTIALS_URI is not set",
    ] {
        assert!(text.contains(why), "missing {why:?} in:\n{text}");
    }
}

#[tokio::test]
async fn a_broken_source_is_reported_and_the_next_one_used() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".alibabacloud/credentials.ini"),
        "[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = ini-secret\n",
    );
    let env = base_env(home.path()).with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIhalf");
    let chain = chain(env);
    assert_eq!(chain.credentials().await.unwrap().access_key_id, "LTAIini");
    assert_eq!(chain.source().await, Some("credentials file"));

    let empty = tempfile::tempdir().unwrap();
    let err =
        self::chain(base_env(empty.path()).with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIhalf"))
            .credentials()
            .await
            .unwrap_err();
    assert!(err.to_string().contains("environment: failed: credentials: ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not"), "{err}");
}

#[tokio::test]
async fn oidc_from_environment_is_an_unsigned_assume_role_with_oidc() {
    let sts = fake_sts().await;
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("oidc-token");
    write(&token_file, "eyJhbGciOiJSUzI1NiJ9.oidc.token\n");
    let env = base_env(home.path())
        .with_var("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::123:role/oidc-role")
        .with_var(
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::123:oidc-provider/ack",
        )
        .with_var(
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.to_str().unwrap(),
        )
        .with_var("ALIBABA_CLOUD_ROLE_SESSION_NAME", "ci-session")
        .with_var("ALIBABA_CLOUD_STS_ENDPOINT", sts.url());
    let chain = chain(env);
    assert_sts_session(&chain.credentials().await.unwrap(), "STS.oidc");
    assert_eq!(chain.source().await, Some("oidc (environment)"));
    let r = &sts.requests()[0];
    assert_eq!(r.method, "GET");
    for (k, v) in [
        ("Action", "AssumeRoleWithOIDC"),
        ("Version", "2015-04-01"),
        ("Format", "JSON"),
        ("RoleArn", "acs:ram::123:role/oidc-role"),
        ("OIDCProviderArn", "acs:ram::123:oidc-provider/ack"),
        ("OIDCToken", "eyJhbGciOiJSUzI1NiJ9.oidc.token"),
        ("RoleSessionName", "ci-session"),
        ("DurationSeconds", "3600"),
    ] {
        assert_eq!(r.param(k), Some(v), "{k}");
    }
    for unsigned in [
        "Signature",
        "AccessKeyId",
        "SignatureNonce",
        "SignatureMethod",
        "SecurityToken",
    ] {
        assert_eq!(r.param(unsigned), None, "{unsigned} must not be sent");
    }
    assert!(r.header("authorization").is_none());
}

#[tokio::test]
async fn cli_profile_modes_ak_and_sts_token_with_profile_selection() {
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        json!({
            "current": "main",
            "profiles": [
                {"name": "main", "mode": "AK", "access_key_id": "LTAImain", "access_key_secret": "main-secret", "region_id": "cn-beijing"},
                {"name": "sts", "mode": "StsToken", "access_key_id": "STS.x", "access_key_secret": "sts-s", "sts_token": "sts-t"},
                {"name": "weird", "mode": "CloudSSO"},
            ]
        }),
    );
    let current = chain(base_env(home.path()));
    assert_eq!(
        current.credentials().await.unwrap().access_key_id,
        "LTAImain"
    );
    assert_eq!(current.source().await, Some("aliyun cli profile"));

    let by_env = chain(base_env(home.path()).with_var("ALIBABA_CLOUD_PROFILE", "sts"))
        .credentials()
        .await
        .unwrap();
    assert_eq!(by_env.security_token.unwrap().expose(), "sts-t");

    let explicit = CredentialOptions {
        profile: Some("main".into()),
        ..Default::default()
    };
    let c = chain_with(
        base_env(home.path()).with_var("ALIBABA_CLOUD_PROFILE", "sts"),
        explicit,
    )
    .credentials()
    .await
    .unwrap();
    assert_eq!(
        c.access_key_id, "LTAImain",
        "the explicit profile beats ALIBABA_CLOUD_PROFILE"
    );

    let err = chain(base_env(home.path()).with_var("ALIBABA_CLOUD_PROFILE", "weird"))
        .credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mode \"CloudSSO\", which assistctl does not support"),
        "{err}"
    );
    let err = chain(base_env(home.path()).with_var("ALIBABA_CLOUD_PROFILE", "nope"))
        .credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "profile \"nope\" is not in the aliyun CLI configuration (profiles: main, sts, weird)"
        ),
        "{err}"
    );

    let disabled = base_env(home.path()).with_var("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true");
    let err = chain(disabled).credentials().await.unwrap_err().to_string();
    assert!(
        err.contains("aliyun cli profile: skipped: ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true"),
        "{err}"
    );
}

#[tokio::test]
async fn cli_profile_ram_role_arn_is_a_v1_signed_assume_role() {
    let sts = fake_sts().await;
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        json!({
            "current": "role",
            "profiles": [{"name": "role", "mode": "RamRoleArn", "access_key_id": "LTAIsource", "access_key_secret": "source-secret",
                          "ram_role_arn": "acs:ram::123:role/deployer", "ram_session_name": "assistctl-ci", "expired_seconds": 900,
                          "external_id": "ext-1", "sts_region": "cn-hangzhou"}]
        }),
    );
    let env = base_env(home.path()).with_var("ALIBABA_CLOUD_STS_ENDPOINT", sts.url());
    assert_sts_session(&chain(env).credentials().await.unwrap(), "STS.assumed");
    let r = &sts.requests()[0];
    assert_eq!(r.method, "GET");
    verify_v1(r, "source-secret").unwrap();
    for (k, v) in [
        ("Action", "AssumeRole"),
        ("Version", "2015-04-01"),
        ("Format", "JSON"),
        ("AccessKeyId", "LTAIsource"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("RoleArn", "acs:ram::123:role/deployer"),
        ("RoleSessionName", "assistctl-ci"),
        ("DurationSeconds", "900"),
        ("ExternalId", "ext-1"),
    ] {
        assert_eq!(r.param(k), Some(v), "{k}");
    }
    assert!(r.param("SignatureNonce").is_some_and(|n| !n.is_empty()));
    assert!(r.param("Timestamp").is_some());
}

#[tokio::test]
async fn cli_profile_chainable_role_uses_the_source_profile() {
    let sts = fake_sts().await;
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        json!({
            "current": "chained",
            "profiles": [
                {"name": "base", "mode": "StsToken", "access_key_id": "STS.base", "access_key_secret": "base-secret", "sts_token": "base-token"},
                {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "base", "ram_role_arn": "acs:ram::1:role/next"},
                {"name": "loop", "mode": "ChainableRamRoleArn", "source_profile": "loop", "ram_role_arn": "acs:ram::1:role/x"},
            ]
        }),
    );
    let env = base_env(home.path()).with_var("ALIBABA_CLOUD_STS_ENDPOINT", sts.url());
    assert_sts_session(
        &chain(env.clone()).credentials().await.unwrap(),
        "STS.assumed",
    );
    let r = &sts.requests()[0];
    verify_v1(r, "base-secret").unwrap();
    assert_eq!(r.param("SecurityToken"), Some("base-token"));
    assert_eq!(r.param("RoleArn"), Some("acs:ram::1:role/next"));

    let err = chain(env.with_var("ALIBABA_CLOUD_PROFILE", "loop"))
        .credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("deeper than"), "{err}");
}

#[tokio::test]
async fn cli_profile_ecs_ram_role_and_oidc_modes() {
    let metadata = fake_metadata(true).await;
    let sts = fake_sts().await;
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token");
    write(&token_file, "oidc-token-value");
    write_cli_config(
        home.path(),
        json!({
            "current": "ecs",
            "profiles": [
                {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "NamedRole"},
                {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1:role/o", "oidc_provider_arn": "acs:ram::1:oidc-provider/p",
                 "oidc_token_file": token_file.to_str().unwrap(), "ram_session_name": "s1"},
            ]
        }),
    );
    let env = base_env(home.path())
        .with_var("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", metadata.url())
        .with_var("ALIBABA_CLOUD_STS_ENDPOINT", sts.url());
    assert_sts_session(&chain(env.clone()).credentials().await.unwrap(), "STS.ecs");
    let paths: Vec<String> = metadata
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        paths,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/NamedRole"
        ]
    );

    assert_sts_session(
        &chain(env.with_var("ALIBABA_CLOUD_PROFILE", "oidc"))
            .credentials()
            .await
            .unwrap(),
        "STS.oidc",
    );
    let r = &sts.requests()[0];
    assert_eq!(r.param("OIDCToken"), Some("oidc-token-value"));
    assert_eq!(r.param("RoleSessionName"), Some("s1"));
    assert_eq!(r.param("Signature"), None);
}

#[tokio::test]
async fn ini_file_access_key_default_path_and_sections() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".alibabacloud/credentials.ini"),
        "[default]\ntype = access_key\naccess_key_id = LTAIdefault\naccess_key_secret = d-secret\n\n[prod]\ntype = access_key\naccess_key_id = LTAIprod\naccess_key_secret = p-secret\n\n[off]\nenable = false\ntype = access_key\n",
    );
    let c = chain(base_env(home.path())).credentials().await.unwrap();
    assert_eq!(c.access_key_id, "LTAIdefault");
    let c = chain(base_env(home.path()).with_var("ALIBABA_CLOUD_PROFILE", "prod"))
        .credentials()
        .await
        .unwrap();
    assert_eq!(c.access_key_id, "LTAIprod");
    let err = chain(base_env(home.path()).with_var("ALIBABA_CLOUD_PROFILE", "off"))
        .credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[off]") && err.contains("enable = false"),
        "{err}"
    );
}

#[tokio::test]
async fn ini_file_from_variable_with_role_types() {
    let sts = fake_sts().await;
    let metadata = fake_metadata(false).await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("tok");
    write(&token_file, "ini-oidc-token");
    let file = dir.path().join("creds.ini");
    write(
        &file,
        &format!(
            "[default]\ntype = ram_role_arn\naccess_key_id = LTAIini\naccess_key_secret = ini-secret\nrole_arn = acs:ram::1:role/ini\nrole_session_name = ini-session\npolicy = {{\"Version\":\"1\"}}\n\n[ecs]\ntype = ecs_ram_role\nrole_name = NamedRole\n\n[oidc]\ntype = oidc_role_arn\nrole_arn = acs:ram::1:role/o\noidc_provider_arn = acs:ram::1:oidc-provider/p\noidc_token_file_path = {}\n\n[rsa]\ntype = rsa_key_pair\n",
            token_file.display()
        ),
    );
    let env = base_env(dir.path())
        .with_var("ALIBABA_CLOUD_CREDENTIALS_FILE", file.to_str().unwrap())
        .with_var("ALIBABA_CLOUD_STS_ENDPOINT", sts.url())
        .with_var("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", metadata.url());

    assert_sts_session(
        &chain(env.clone()).credentials().await.unwrap(),
        "STS.assumed",
    );
    let r = &sts.requests()[0];
    verify_v1(r, "ini-secret").unwrap();
    assert_eq!(r.param("Policy"), Some("{\"Version\":\"1\"}"));
    assert_eq!(r.param("RoleSessionName"), Some("ini-session"));

    assert_sts_session(
        &chain(env.clone().with_var("ALIBABA_CLOUD_PROFILE", "ecs"))
            .credentials()
            .await
            .unwrap(),
        "STS.ecs",
    );
    assert_sts_session(
        &chain(env.clone().with_var("ALIBABA_CLOUD_PROFILE", "oidc"))
            .credentials()
            .await
            .unwrap(),
        "STS.oidc",
    );
    assert_eq!(sts.requests()[1].param("OIDCToken"), Some("ini-oidc-token"));

    let err = chain(env.clone().with_var("ALIBABA_CLOUD_PROFILE", "rsa"))
        .credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("type \"rsa_key_pair\""), "{err}");
    let missing = base_env(dir.path()).with_var(
        "ALIBABA_CLOUD_CREDENTIALS_FILE",
        dir.path().join("absent.ini").to_str().unwrap(),
    );
    let err = chain(missing).credentials().await.unwrap_err().to_string();
    assert!(
        err.contains("credentials file: failed") && err.contains("absent.ini"),
        "{err}"
    );
}

#[tokio::test]
async fn ecs_metadata_imdsv2_token_then_discovered_role() {
    let metadata = fake_metadata(true).await;
    let home = tempfile::tempdir().unwrap();
    let env =
        Env::isolated(home.path()).with_var("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", metadata.url());
    let chain = chain(env);
    assert_sts_session(&chain.credentials().await.unwrap(), "STS.ecs");
    assert_eq!(chain.source().await, Some("ecs metadata"));
    let reqs = metadata.requests();
    let steps: Vec<String> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        steps,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/",
            "GET /latest/meta-data/ram/security-credentials/EcsRole",
        ]
    );
    assert_eq!(
        reqs[0].header("x-aliyun-ecs-metadata-token-ttl-seconds"),
        Some("21600")
    );
    assert!(
        reqs[1..]
            .iter()
            .all(|r| r.header("x-aliyun-ecs-metadata-token") == Some("imds-token-123"))
    );
}

#[tokio::test]
async fn ecs_metadata_falls_back_to_v1_unless_disabled() {
    let metadata = fake_metadata(false).await;
    let home = tempfile::tempdir().unwrap();
    let env = Env::isolated(home.path())
        .with_var("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", metadata.url())
        .with_var("ALIBABA_CLOUD_ECS_METADATA", "NamedRole");
    assert_sts_session(&chain(env.clone()).credentials().await.unwrap(), "STS.ecs");
    let reqs = metadata.requests();
    let steps: Vec<String> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        steps,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/NamedRole"
        ],
        "the role from the variable skips discovery"
    );
    assert!(reqs[1].header("x-aliyun-ecs-metadata-token").is_none());

    let err = chain(env.with_var("ALIBABA_CLOUD_IMDSV1_DISABLED", "true"))
        .credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ecs metadata: failed") && err.contains("ALIBABA_CLOUD_IMDSV1_DISABLED=true"),
        "{err}"
    );
    assert_eq!(metadata.count(), 3, "no v1 request after the refused token");
}

#[tokio::test]
async fn credentials_uri() {
    let server = FakeServer::start(|_, _| {
        let mut body = session("STS.uri");
        body["Code"] = json!("Success");
        Reply::json(body)
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let env = base_env(home.path()).with_var(
        "ALIBABA_CLOUD_CREDENTIALS_URI",
        format!("{}/creds?role=x", server.url()),
    );
    let chain = chain(env);
    assert_sts_session(&chain.credentials().await.unwrap(), "STS.uri");
    assert_eq!(chain.source().await, Some("credentials uri"));
    assert_eq!(server.requests()[0].param("role"), Some("x"));
}

#[tokio::test]
async fn chain_order_environment_then_cli_then_ini() {
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        json!({"current": "default", "profiles": [{"name": "default", "mode": "AK", "access_key_id": "LTAIcli", "access_key_secret": "c"}]}),
    );
    write(
        &home.path().join(".alibabacloud/credentials.ini"),
        "[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = i\n",
    );
    let env = base_env(home.path());
    let with_env_keys = env
        .clone()
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv")
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "e");
    assert_eq!(
        chain(with_env_keys)
            .credentials()
            .await
            .unwrap()
            .access_key_id,
        "LTAIenv"
    );
    assert_eq!(
        chain(env.clone())
            .credentials()
            .await
            .unwrap()
            .access_key_id,
        "LTAIcli"
    );
    let no_cli = env.with_var("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true");
    assert_eq!(
        chain(no_cli).credentials().await.unwrap().access_key_id,
        "LTAIini"
    );
}

#[tokio::test]
async fn expiring_credentials_are_cached_and_refreshed_three_minutes_early() {
    let sts = fake_sts().await;
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        json!({"current": "r", "profiles": [{"name": "r", "mode": "RamRoleArn", "access_key_id": "LTAIs", "access_key_secret": "s", "ram_role_arn": "acs:ram::1:role/r"}]}),
    );
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2029, 12, 31, 23, 0, 0).unwrap(),
    ));
    let ctx = SourceContext::new(
        base_env(home.path()).with_var("ALIBABA_CLOUD_STS_ENDPOINT", sts.url()),
        CredentialOptions::default(),
    )
    .with_clock(clock.clone());
    let chain = DefaultChain::new(ctx);
    chain.credentials().await.unwrap();
    chain.credentials().await.unwrap();
    assert_eq!(sts.count(), 1, "the session is reused");
    clock.set(Utc.with_ymd_and_hms(2029, 12, 31, 23, 56, 59).unwrap());
    chain.credentials().await.unwrap();
    assert_eq!(sts.count(), 1, "still more than 3 minutes to go");
    clock.set(Utc.with_ymd_and_hms(2029, 12, 31, 23, 57, 1).unwrap());
    chain.credentials().await.unwrap();
    assert_eq!(sts.count(), 2, "refreshed within 3 minutes of expiry");
    assert_eq!(
        sts.requests()[0].param("RoleSessionName"),
        Some(
            format!(
                "assistctl-{}",
                Utc.with_ymd_and_hms(2029, 12, 31, 23, 0, 0)
                    .unwrap()
                    .timestamp()
            )
            .as_str()
        )
    );
}

#[tokio::test]
async fn sts_errors_name_the_code_and_request_id_without_secrets() {
    let sts = FakeServer::start(|_, _| {
        let mut r = Reply::error(403, "NoPermission", "STS-DENIED");
        r.body = json!({"RequestId": "STS-DENIED", "Code": "NoPermission", "Message": "You are not authorized; string to sign: AccessKeyId=LTAIs&SecurityToken=src-token"}).to_string();
        r
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    write_cli_config(
        home.path(),
        json!({"current": "r", "profiles": [{"name": "r", "mode": "RamRoleArn", "access_key_id": "LTAIs", "access_key_secret": "src-secret", "sts_token": "src-token", "ram_role_arn": "acs:ram::1:role/r"}]}),
    );
    let err = chain(base_env(home.path()).with_var("ALIBABA_CLOUD_STS_ENDPOINT", sts.url()))
        .credentials()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("NoPermission") && err.contains("STS-DENIED"),
        "{err}"
    );
    assert!(
        !err.contains("src-token") && !err.contains("src-secret"),
        "{err}"
    );
}

#[tokio::test]
async fn client_from_env_reads_region_endpoint_and_credentials() {
    let ecs = FakeServer::start(|_, _| ok("R")).await;
    let home = tempfile::tempdir().unwrap();
    let env = base_env(home.path())
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIfromenv")
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "fromenv-secret")
        .with_var("ALIBABA_CLOUD_REGION_ID", "cn-shanghai")
        .with_var("ALIBABA_CLOUD_ECS_ENDPOINT", ecs.url());
    let client = ClientBuilder::from_env(&env, None).build().unwrap();
    assert_eq!(client.region(), "cn-shanghai");
    client
        .delete_command(&DeleteCommandRequest {
            command_id: "c-1".into(),
        })
        .await
        .unwrap();
    let r = &ecs.requests()[0];
    verify_v3(r, "LTAIfromenv", "fromenv-secret").unwrap();
    assert_eq!(r.param("RegionId"), Some("cn-shanghai"));

    // The CLI profile's region_id is the fallback region; the profile argument selects it.
    write_cli_config(
        home.path(),
        json!({"current": "a", "profiles": [
        {"name": "a", "mode": "AK", "access_key_id": "LTAIa", "access_key_secret": "a", "region_id": "cn-beijing"},
        {"name": "b", "mode": "AK", "access_key_id": "LTAIb", "access_key_secret": "b", "region_id": "eu-central-1"}]}),
    );
    let env = base_env(home.path()).with_var("ALIBABA_CLOUD_ECS_ENDPOINT", ecs.url());
    assert_eq!(
        ClientBuilder::from_env(&env, None)
            .build()
            .unwrap()
            .region(),
        "cn-beijing"
    );
    let b = ClientBuilder::from_env(&env, Some("b")).build().unwrap();
    assert_eq!(b.region(), "eu-central-1");
    b.delete_command(&DeleteCommandRequest {
        command_id: "c-2".into(),
    })
    .await
    .unwrap();
    verify_v3(&ecs.requests()[1], "LTAIb", "b").unwrap();

    let bad =
        base_env(home.path()).with_var("ALIBABA_CLOUD_ECS_ENDPOINT", "http://198.51.100.7:8080");
    assert!(
        ClientBuilder::from_env(&bad, None)
            .build()
            .unwrap_err()
            .to_string()
            .contains("loopback")
    );
}
