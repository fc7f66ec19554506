//! Shared helpers of the integration tests: the binary, temporary manifest sets.
#![allow(dead_code)]

pub mod emu;
pub mod pyvenv;
pub mod sdk;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_assistctl"));
    c.env_remove("RUST_LOG").env("NO_COLOR", "1");
    c
}

/// The stack document most fixtures start with.
pub const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: test-stack }\nspec:\n  region: cn-hangzhou\n";

/// A temporary directory holding manifest files.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A fixture with `stack.yaml` and one more file `main.yaml`.
    pub fn with(main: &str) -> Self {
        let f = Fixture::new();
        f.write("stack.yaml", STACK);
        f.write("main.yaml", main);
        f
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn validate(&self, extra: &[&str]) -> Output {
        bin()
            .arg("validate")
            .arg(self.path())
            .args(extra)
            .output()
            .expect("run assistctl")
    }

    /// Runs `validate --format json` and returns the parsed report.
    pub fn report(&self) -> serde_json::Value {
        let out = self.validate(&["--format", "json"]);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
