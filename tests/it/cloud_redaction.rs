//! No secret, token or signature reaches logs, errors or Debug output. A global tracing
//! subscriber at TRACE (dependencies included: reqwest, hyper) writes into a buffer while
//! signed requests with recognisable secrets run: V3 and V1, STS tokens, retries, API errors
//! that echo the token, transport errors, and credentials fetched from a fake STS.

use crate::cloud_common;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use assistctl::cloud::credential::{CredentialOptions, DefaultChain, SourceContext};
use assistctl::cloud::ops::{CreateCommandRequest, DeleteCommandRequest};
use assistctl::cloud::sign::{self, SignatureVersion, Unsigned};
use assistctl::cloud::{ClientBuilder, CredentialProvider, Env, StaticCredentials};
use cloud_common::*;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const KEY_ID: &str = "LTAI5tRecognisableKeyId";
const SECRET_VALUE: &str = "RecognisableSecret-9f8e7d";
const TOKEN: &str = "CAISRecognisableStsToken+abc/def=";
const STS_SECRET: &str = "StsIssuedSecret-1a2b3c";
const STS_TOKEN: &str = "StsIssuedToken-4d5e6f";
const OIDC_TOKEN: &str = "eyJRecognisableOidcToken";

fn forbidden() -> Vec<String> {
    let encode = assistctl::cloud::sign::percent::encode;
    let mut v: Vec<String> = [SECRET_VALUE, TOKEN, STS_SECRET, STS_TOKEN, OIDC_TOKEN]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.push(encode(TOKEN));
    v.push(encode(&encode(TOKEN)));
    v
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether the subscriber records. This test shares its process with all the other
/// integration tests (tests/it is one binary): once it is done, its global TRACE subscriber
/// must not go on formatting their events, which slows the scaled-clock tests of the agent.
static CAPTURING: AtomicBool = AtomicBool::new(true);

fn logs() -> &'static Buffer {
    static LOGS: OnceLock<Buffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish()
            .with(tracing_subscriber::filter::dynamic_filter_fn(|_, _| {
                CAPTURING.load(Ordering::SeqCst)
            }))
            .init();
        buffer
    })
}

fn captured() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

fn assert_clean(what: &str, text: &str) {
    for f in forbidden() {
        assert!(!text.contains(&f), "{what} contains {f:?}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_trace_logs_errors_or_debug() {
    logs();
    // The server echoes the token in a SignatureDoesNotMatch message, as V1 gateways do.
    let server = FakeServer::start(|r, i| match i {
        0 => Reply::error(503, "ServiceUnavailable", "R-retry"),
        2 | 4 => {
            let mut reply = Reply::error(400, "SignatureDoesNotMatch", "R-sig");
            reply.body = json!({"RequestId": "R-sig", "Code": "SignatureDoesNotMatch",
                "Message": format!("Specified signature is not matched with our calculation. server string to sign is:POST&%2F&SecurityToken%3D{}", assistctl::cloud::sign::percent::encode(&assistctl::cloud::sign::percent::encode(r.param("SecurityToken").or(r.header("x-acs-security-token")).unwrap_or_default())))}).to_string();
            reply
        }
        _ => Reply::json(json!({"RequestId": format!("R-{i}"), "CommandId": "c-1"})),
    })
    .await;
    let creds = StaticCredentials::new(KEY_ID, SECRET_VALUE).with_security_token(TOKEN);
    for version in [SignatureVersion::V3, SignatureVersion::V1] {
        let client = client_for(&server)
            .credentials(creds.clone())
            .signature_version(version)
            .build()
            .unwrap();
        client
            .create_command(&CreateCommandRequest {
                name: "n".into(),
                command_type: "RunShellScript".into(),
                command_content: "ZWNobw==".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let err = client
            .delete_command(&DeleteCommandRequest {
                command_id: "c-1".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
        assert!(err.to_string().contains("<redacted>"), "{err}");
        assert_clean("error Display", &err.to_string());
        assert_clean("error Debug", &format!("{err:?}"));
        assert_clean("client Debug", &format!("{client:?}"));
        if version == SignatureVersion::V1 {
            // The V1 URL carries the token; a transport error must not echo it.
            let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = dead.local_addr().unwrap();
            drop(dead);
            let offline = ClientBuilder::new()
                .region("cn-hangzhou")
                .endpoint(format!("http://{addr}"))
                .credentials(creds.clone())
                .signature_version(SignatureVersion::V1)
                .retry(fast_retry(1))
                .build()
                .unwrap();
            let err = offline
                .delete_command(&DeleteCommandRequest {
                    command_id: "c".into(),
                })
                .await
                .unwrap_err();
            assert_clean("transport error", &format!("{err} {err:?}"));
            assert!(!err.to_string().contains(KEY_ID), "{err}");
        }
    }
    let seen_token = server.requests().iter().any(|r| {
        r.param("SecurityToken") == Some(TOKEN) || r.header("x-acs-security-token") == Some(TOKEN)
    });
    assert!(
        seen_token,
        "the token did go on the wire, so its absence from the logs means something"
    );

    // Credentials from a fake STS (RamRoleArn) and an OIDC exchange, then used for a call.
    let sts = FakeServer::start(|_, _| Reply::json(json!({"RequestId": "STS", "Credentials": {"AccessKeyId": "STS.id", "AccessKeySecret": STS_SECRET, "SecurityToken": STS_TOKEN, "Expiration": "2099-01-01T00:00:00Z"}}))).await;
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("oidc");
    std::fs::write(&token_file, OIDC_TOKEN).unwrap();
    let env = Env::isolated(home.path())
        .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .with_var("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r")
        .with_var(
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1:oidc-provider/p",
        )
        .with_var(
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.to_str().unwrap(),
        )
        .with_var("ALIBABA_CLOUD_STS_ENDPOINT", sts.url());
    let chain = DefaultChain::new(SourceContext::new(
        env.clone(),
        CredentialOptions::default(),
    ));
    let session = chain.credentials().await.unwrap();
    assert_eq!(session.access_key_secret.expose(), STS_SECRET);
    assert_clean("session credentials Debug", &format!("{session:?}"));
    assert_clean("env Debug", &format!("{env:?}"));
    let builder = ClientBuilder::from_env(&env, None)
        .region("cn-hangzhou")
        .endpoint(server.url());
    assert_clean("builder Debug", &format!("{builder:?}"));
    let client = builder.build().unwrap();
    client
        .create_command(&CreateCommandRequest::default())
        .await
        .unwrap();
    assert_clean("client Debug", &format!("{client:?}"));

    let params = vec![("RegionId".to_owned(), "cn-hangzhou".to_owned())];
    for version in [SignatureVersion::V3, SignatureVersion::V1] {
        let signed = sign::sign(
            version,
            &creds.credentials().await.unwrap(),
            &Unsigned {
                method: "POST",
                host: "h",
                action: "A",
                version: "2014-05-26",
                params: &params,
            },
            "nonce",
            chrono::Utc::now(),
        );
        let dbg = format!("{signed:?}");
        assert_clean("signed request Debug", &dbg);
        assert!(!dbg.contains(KEY_ID), "{dbg}");
    }

    let text = captured();
    CAPTURING.store(false, Ordering::SeqCst);
    assert!(
        text.contains("DeleteCommand") && text.contains("R-retry") && text.contains("attempt"),
        "the subscriber captured the client's events:\n{text}"
    );
    assert!(
        text.contains("TRACE") || text.contains("DEBUG"),
        "trace-level capture is on"
    );
    assert_clean("trace logs", &text);
    assert!(
        !text.contains(KEY_ID),
        "the AccessKey ID is not logged either:\n{text}"
    );
}
