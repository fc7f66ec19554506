//! Console edits made with the official Python SDK (tests/py/console.py).

use super::emu::{AK, Emu, SECRET};

pub struct Sdk {
    endpoint: String,
}

impl Sdk {
    pub fn new(emu: &Emu) -> Sdk {
        Sdk {
            endpoint: emu.endpoint.clone(),
        }
    }

    /// Runs `console.py ENDPOINT <args>`; panics with its output when it fails.
    pub fn run(&self, args: &str) {
        self.output(args);
    }

    /// Runs `console.py ENDPOINT <args>` and returns what it printed.
    pub fn output(&self, args: &str) -> String {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/console.py");
        let out = std::process::Command::new(super::pyvenv::python())
            .arg(script)
            .arg(&self.endpoint)
            .args(args.split_whitespace())
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", AK)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
            .output()
            .expect("run the SDK script");
        assert!(
            out.status.success(),
            "console.py {args}: {}",
            super::text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The tasks of `stack`, as DescribeInvocations returns them through the official SDK.
    pub fn invocations(&self, stack: &str) -> Vec<serde_json::Value> {
        self.output(&format!("invocations {stack}"))
            .lines()
            .map(|l| serde_json::from_str(l).expect("console.py prints JSON lines"))
            .collect()
    }
}
