//! The official Python SDK runs `tests/sdk/scenario.py` against the emulator binary, with both
//! of its signature styles. The script asserts every field and error code; this test asserts
//! its exit status. It fails (never skips) when python3 or pip cannot provide the SDK.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::emu::spawn::{AK, SECRET, Spawned};

#[test]
fn official_python_sdk_scenario_passes_with_v3_and_v2_signatures() {
    // The one venv the tests share (target/py-venv), with the official SDK pinned.
    let python = common::pyvenv::python();
    // Runs are held: the scenario checks the API's answers step by step (a Pending target,
    // then Cancelled by StopInvocation); tests/it/agent.rs reads real runs through the SDK.
    let emu = Spawned::start(&[
        "--ephemeral",
        "--command-quota",
        "40",
        "--seed",
        "7",
        "--hold-runs",
    ]);
    let endpoint = emu.base.trim_start_matches("http://").to_string();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/scenario.py");
    let out = Command::new(&python)
        .arg(&script)
        .env("EMULATOR_ENDPOINT", &endpoint)
        .env("EMULATOR_AK", AK)
        .env("EMULATOR_SECRET", SECRET)
        .output()
        .expect("run the SDK scenario");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SDK scenario failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("v3: ok") && stdout.contains("v2: ok"),
        "{stdout}"
    );
}

/// The official SDK reads real runs back (tests/sdk/runs.py): exit codes, decoded output,
/// statuses, Repeats, a Period task's history and a stopped run.
#[test]
fn official_python_sdk_reads_real_runs_back() {
    let python = common::pyvenv::python();
    let dir = tempfile::tempdir().unwrap();
    let emu = Spawned::start(&[
        "--ephemeral",
        "--time-scale",
        "60",
        "--instances-dir",
        dir.path().to_str().unwrap(),
    ]);
    let endpoint = emu.base.trim_start_matches("http://").to_string();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/runs.py");
    let out = Command::new(&python)
        .arg(&script)
        .env("EMULATOR_ENDPOINT", &endpoint)
        .env("EMULATOR_AK", AK)
        .env("EMULATOR_SECRET", SECRET)
        .output()
        .expect("run the SDK script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("runs: ok"),
        "SDK runs script failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    // The runs it read happened: each instance has the mark its script wrote.
    for id in ["i-bp1web0000000000001", "i-bp1web0000000000002"] {
        assert!(dir.path().join(id).join("tmp/sdk-mark").exists(), "{id}");
    }
}
