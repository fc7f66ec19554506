//! Test support for the emulator: an independent V1 (HMAC-SHA1) request signer, a small
//! client over reqwest, and helpers to run the emulator in-process or as the real binary.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;

pub const AK: &str = "LTAIlocalemulator";
pub const SECRET: &str = "local-emulator-secret";
pub const REGION: &str = "cn-hangzhou";

/// RFC 3986 percent-encoding over UTF-8, upper-case hex (written here independently of the
/// emulator's own encoder).
pub fn pe(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Base64(HMAC-SHA1(secret&, METHOD&%2F&PE(sorted PE(k)=PE(v)))).
pub fn sign_v1(method: &str, params: &[(String, String)], secret: &str) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let cqs: Vec<String> = sorted
        .iter()
        .map(|(k, v)| format!("{}={}", pe(k), pe(v)))
        .collect();
    let sts = format!("{method}&%2F&{}", pe(&cqs.join("&")));
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Overrides of the common parameters, for auth tests.
#[derive(Default, Clone)]
pub struct Opts {
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub format: Option<&'static str>,
    pub secret: Option<String>,
    pub access_key_id: Option<String>,
    pub security_token: Option<String>,
    pub get: bool,
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub text: String,
    pub body: Value,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or("")
    }

    /// Asserts success and returns the body.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "expected success, got {}", self.text);
        assert!(
            self.body["RequestId"]
                .as_str()
                .is_some_and(|r| r.len() == 36)
        );
        self.body
    }

    /// Asserts an error with this status and code.
    #[track_caller]
    pub fn err(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.code()), (status, code), "{}", self.text);
        assert!(self.body["RequestId"].is_string() && self.body["HostId"].is_string());
        assert!(self.body["Recommend"].as_str().unwrap().contains(code));
        assert!(self.body["Message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

/// A V1-signing client.
pub struct Api {
    pub base: String,
    pub ak: String,
    pub secret: String,
    http: reqwest::Client,
    seq: AtomicU64,
}

impl Api {
    pub fn new(base: &str, ak: &str, secret: &str) -> Self {
        Self {
            base: base.to_string(),
            ak: ak.into(),
            secret: secret.into(),
            http: reqwest::Client::new(),
            seq: AtomicU64::new(0),
        }
    }

    pub async fn call(&self, action: &str, params: &[(&str, &str)]) -> Resp {
        self.call_with(action, params, Opts::default()).await
    }

    /// Shorthand: the region parameter is added.
    pub async fn r(&self, action: &str, params: &[(&str, &str)]) -> Resp {
        let mut all = vec![("RegionId", REGION)];
        all.extend_from_slice(params);
        self.call(action, &all).await
    }

    /// Like `call`, but a connection failure is `None` instead of a panic.
    pub async fn try_call(&self, action: &str, params: &[(&str, &str)]) -> Option<Resp> {
        self.send(action, params, Opts::default()).await
    }

    pub async fn call_with(&self, action: &str, params: &[(&str, &str)], o: Opts) -> Resp {
        self.send(action, params, o)
            .await
            .expect("request to the emulator")
    }

    async fn send(&self, action: &str, params: &[(&str, &str)], o: Opts) -> Option<Resp> {
        let (status, text) = self.send_raw(action, params, o).await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Some(Resp { status, text, body })
    }

    /// Status and body text, unparsed (for the benchmark).
    pub async fn send_raw(
        &self,
        action: &str,
        params: &[(&str, &str)],
        o: Opts,
    ) -> Option<(u16, String)> {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let nonce = o
            .nonce
            .clone()
            .unwrap_or_else(|| format!("{}-{}-{}", std::process::id(), n, rand_suffix()));
        let ts = o
            .timestamp
            .clone()
            .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
        let mut all: Vec<(String, String)> = vec![
            ("Action".into(), action.into()),
            ("Version".into(), "2014-05-26".into()),
            ("Format".into(), o.format.unwrap_or("JSON").into()),
            (
                "AccessKeyId".into(),
                o.access_key_id.clone().unwrap_or(self.ak.clone()),
            ),
            ("SignatureMethod".into(), "HMAC-SHA1".into()),
            ("SignatureVersion".into(), "1.0".into()),
            ("SignatureNonce".into(), nonce),
            ("Timestamp".into(), ts),
        ];
        if let Some(t) = &o.security_token {
            all.push(("SecurityToken".into(), t.clone()));
        }
        all.extend(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let method = if o.get { "GET" } else { "POST" };
        let sig = sign_v1(method, &all, o.secret.as_deref().unwrap_or(&self.secret));
        all.push(("Signature".into(), sig));
        let query: Vec<String> = all
            .iter()
            .map(|(k, v)| format!("{}={}", pe(k), pe(v)))
            .collect();
        let url = format!("{}/?{}", self.base, query.join("&"));
        let req = if o.get {
            self.http.get(url)
        } else {
            self.http.post(url)
        };
        let resp = req.send().await.ok()?;
        let status = resp.status().as_u16();
        let text = resp.text().await.ok()?;
        Some((status, text))
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Starts the emulator in-process on an ephemeral port with in-memory state. Its runs are
/// held (`hold_runs`): these tests check the API's own answers, which a script finishing in
/// between would race; tests/it/agent.rs checks the runs.
pub async fn start(
    tweak: impl FnOnce(&mut assistctl::emulator::EmulatorConfig),
) -> (assistctl::emulator::RunningEmulator, Api) {
    let mut cfg = assistctl::emulator::EmulatorConfig::ephemeral();
    cfg.seed = Some(42);
    cfg.agent.hold_runs = true;
    tweak(&mut cfg);
    let running = assistctl::emulator::Emulator::start(cfg)
        .await
        .expect("emulator starts");
    let api = Api::new(
        &running.endpoint_url(),
        running.access_key_id(),
        running.access_key_secret(),
    );
    (running, api)
}

/// The emulator binary, started with `args`; its bound address is read from stdout.
pub struct Spawned {
    pub child: Child,
    pub base: String,
}

impl Spawned {
    pub fn start(args: &[&str]) -> Self {
        Self::start_env(args, &[])
    }

    /// [`Spawned::start`] with extra environment variables.
    pub fn start_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_assistctl"))
            .args(["emulator", "serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn assistctl");
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        // Keep reading so the emulator never writes into a closed pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        let base = line
            .trim()
            .split_once("listening on ")
            .map(|(_, a)| a.to_string())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        Self { child, base }
    }

    /// SIGTERM, as a service manager stops it; waits for it to exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        self.child.wait().unwrap()
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}
