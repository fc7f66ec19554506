//! A fresh emulator per test: the real binary on an ephemeral loopback port, killed on drop.

use std::path::Path;
use std::process::Command;

// The emulator tests' own launcher: the binary on 127.0.0.1:0, its address read from stdout.
pub(crate) use crate::emu_common as spawn;

pub use spawn::{AK, SECRET};

pub struct Emu {
    _process: spawn::Spawned,
    pub endpoint: String,
}

impl Emu {
    /// `emulator serve --ephemeral EXTRA...`, killed on drop.
    pub fn start(extra: &[&str]) -> Emu {
        let mut args = vec!["--ephemeral"];
        args.extend_from_slice(extra);
        let process = spawn::Spawned::start(&args);
        Emu {
            endpoint: process.base.clone(),
            _process: process,
        }
    }

    /// `assistctl ARGS` pointed at this emulator, in `dir`, with credentials in the
    /// environment and nothing of the real user's configuration.
    pub fn cmd(&self, dir: &Path) -> Command {
        let mut c = super::bin();
        c.current_dir(dir)
            .env("HOME", dir)
            .env("ALIBABA_CLOUD_ECS_ENDPOINT", &self.endpoint)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", AK)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
            .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
            .env_remove("ALIBABA_CLOUD_PROFILE")
            .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
            .env_remove("ALIBABA_CLOUD_ROLE_ARN")
            .env_remove("ALIBABA_CLOUD_CREDENTIALS_URI");
        c
    }

    /// The Prometheus counter of requests for `action`, summed over statuses.
    pub fn requests(&self, action: &str) -> u64 {
        let text = http_get(&format!("{}/metrics", self.endpoint));
        text.lines()
            .filter(|l| {
                l.contains(&format!("action=\"{action}\""))
                    && l.starts_with("assistctl_emulator_requests_total")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    }
}

/// A plain HTTP GET on loopback, enough for /metrics.
fn http_get(url: &str) -> String {
    {
        use std::io::{Read, Write};
        let rest = url.strip_prefix("http://").expect("http url");
        let (host, path) = rest.split_once('/').map_or((rest, "/"), |(h, p)| (h, p));
        let mut s = std::net::TcpStream::connect(host).expect("connect");
        write!(s, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    }
}

impl Emu {
    /// `assistctl ARGS` in the fixture's directory.
    pub fn run(&self, f: &super::Fixture, args: &[&str]) -> std::process::Output {
        self.cmd(f.path())
            .args(args)
            .output()
            .expect("run assistctl")
    }

    /// `plan --format json` of the fixture, parsed; retries see through injected faults.
    pub fn plan_json(&self, f: &super::Fixture) -> serde_json::Value {
        let out = self.run(
            f,
            &["plan", "--format", "json", "--max-attempts", "10", "."],
        );
        assert!(
            out.status.code().is_some_and(|c| c != 101),
            "{}",
            super::text(&out)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", super::text(&out)))
    }

    /// `apply --auto-approve`, which must succeed; returns its output.
    #[track_caller]
    pub fn apply(&self, f: &super::Fixture) -> String {
        let out = self.run(f, &["apply", "--auto-approve", "."]);
        let t = super::text(&out);
        assert_eq!(out.status.code(), Some(0), "{t}");
        t
    }
}
