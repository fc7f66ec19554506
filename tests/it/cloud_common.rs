//! Shared helpers of the cloud integration tests: a programmable HTTP server on
//! 127.0.0.1:0 that records every request, server-side signature verifiers, and a client
//! preset with fast retries.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assistctl::cloud::backoff::BackoffConfig;
use assistctl::cloud::entropy::SeededEntropy;
use assistctl::cloud::retry::RetryConfig;
use assistctl::cloud::sign::{v1, v3};
use assistctl::cloud::{ClientBuilder, StaticCredentials};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

pub const AK: &str = "LTAI5tTestAccessKeyId";
pub const SECRET: &str = "Sup3r-Secret-Value/+=";

/// One request as the server saw it. The query and any form body are decoded with form
/// semantics (`+` is a space), as the reference's server procedure prescribes.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub raw_query: String,
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The action, from the V3 header or the V1 parameter.
    pub fn action(&self) -> Option<&str> {
        self.header("x-acs-action").or_else(|| self.param("Action"))
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Option<Duration>,
}

impl Reply {
    pub fn json(body: serde_json::Value) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            delay: None,
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![],
            body: body.to_owned(),
            delay: None,
        }
    }

    /// The real error body (reference §3).
    pub fn error(status: u16, code: &str, request_id: &str) -> Self {
        let mut r = Self::json(serde_json::json!({
            "RequestId": request_id,
            "HostId": "ecs-cn-hangzhou.aliyuncs.com",
            "Code": code,
            "Message": format!("{code} happened."),
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId={request_id}"),
        }));
        r.status = status;
        r
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

struct Shared {
    handler: Box<Handler>,
    requests: Mutex<Vec<Recorded>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// A programmable server; `handler(request, index)` gets the 0-based request number.
pub struct FakeServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeServer {
    pub async fn start(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            requests: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, shared, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }

    /// The most requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw_query = uri.query().unwrap_or_default().to_owned();
    let mut params: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let is_form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        params.extend(form_urlencoded::parse(&body).into_owned());
    }
    let recorded = Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        raw_query,
        params,
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    let index = {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(recorded.clone());
        requests.len() - 1
    };
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let reply = (shared.handler)(&recorded, index);
    if let Some(d) = reply.delay {
        tokio::time::sleep(d).await;
    }
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (k, v) in reply.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    response
}

/// Verifies an ACS3-HMAC-SHA256 request the way a server does: rebuild CanonicalHeaders
/// from the SignedHeaders list, check the body hash, recompute the signature.
pub fn verify_v3(r: &Recorded, access_key_id: &str, secret: &str) -> Result<(), String> {
    let auth = r.header("authorization").ok_or("no Authorization header")?;
    let rest = auth
        .strip_prefix("ACS3-HMAC-SHA256 ")
        .ok_or("not ACS3-HMAC-SHA256")?;
    let fields: BTreeMap<&str, &str> = rest
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    if fields.get("Credential") != Some(&access_key_id) {
        return Err(format!("Credential is {:?}", fields.get("Credential")));
    }
    let signed = fields.get("SignedHeaders").ok_or("no SignedHeaders")?;
    for required in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ] {
        if !signed.split(';').any(|h| h == required) {
            return Err(format!("{required} is not signed"));
        }
    }
    let headers: Vec<(String, String)> = signed
        .split(';')
        .map(|h| (h.to_owned(), r.header(h).unwrap_or_default().to_owned()))
        .collect();
    let payload = v3::sha256_hex(&r.body);
    if r.header("x-acs-content-sha256") != Some(payload.as_str()) {
        return Err("x-acs-content-sha256 does not match the body".into());
    }
    let query: Vec<(String, String)> = form_urlencoded::parse(r.raw_query.as_bytes())
        .into_owned()
        .collect();
    let canonical = v3::canonical_request(&r.method, &query, &headers, &payload);
    let expected = v3::signature(secret, &canonical);
    if fields.get("Signature") != Some(&expected.as_str()) {
        return Err(format!(
            "signature mismatch; canonical request:\n{canonical}"
        ));
    }
    Ok(())
}

/// Verifies an RPC V1 (HMAC-SHA1) request the way a server does.
pub fn verify_v1(r: &Recorded, secret: &str) -> Result<(), String> {
    let given = r.param("Signature").ok_or("no Signature")?;
    let params: Vec<(String, String)> = r
        .params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .cloned()
        .collect();
    let expected = v1::signature(secret, &r.method, &params);
    if given == expected {
        Ok(())
    } else {
        Err(format!(
            "signature mismatch; string to sign: {}",
            v1::string_to_sign(&r.method, &params)
        ))
    }
}

/// Retries that wait about a millisecond, so tests stay fast.
pub fn fast_retry(max_attempts: u32) -> RetryConfig {
    let fast = BackoffConfig {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
    };
    RetryConfig {
        max_attempts,
        max_elapsed: Duration::from_secs(20),
        backoff: fast,
        throttle_backoff: fast,
        ..RetryConfig::default()
    }
}

/// A client for `server` with static credentials, fast retries and no effective rate limit.
pub fn client_for(server: &FakeServer) -> ClientBuilder {
    ClientBuilder::new()
        .region("cn-hangzhou")
        .endpoint(server.url())
        .credentials(StaticCredentials::new(AK, SECRET))
        .retry(fast_retry(4))
        .rate_limit(10_000.0)
        .entropy(Arc::new(SeededEntropy::new(42)))
}

/// An empty successful answer.
pub fn ok(request_id: &str) -> Reply {
    Reply::json(serde_json::json!({ "RequestId": request_id }))
}
