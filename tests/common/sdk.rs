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
    }
}
