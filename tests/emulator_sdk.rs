//! The official Python SDK runs `tests/sdk/scenario.py` against the emulator binary, with both
//! of its signature styles. The script asserts every field and error code; this test asserts
//! its exit status. It fails (never skips) when python3 or pip cannot provide the SDK.

mod emu_common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use emu_common::{AK, SECRET, Spawned};

const SDK_PACKAGES: &[&str] = &[
    "alibabacloud-ecs20140526==7.11.8",
    "alibabacloud-tea-openapi==0.4.6",
];

/// `<target dir>/sdk-venv`, derived from where cargo put the binary (honours CARGO_TARGET_DIR).
fn venv_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_assistctl"));
    let target = exe
        .parent()
        .and_then(Path::parent)
        .expect("the binary lives in <target>/<profile>/");
    target.join("sdk-venv")
}

fn sdk_importable(python: &Path) -> bool {
    Command::new(python)
        .args([
            "-c",
            "import alibabacloud_ecs20140526, alibabacloud_tea_openapi",
        ])
        .status()
        .is_ok_and(|s| s.success())
}

/// Creates the venv and installs the SDK once; a lock file keeps parallel tests from racing.
fn python_with_sdk() -> PathBuf {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    std::fs::create_dir_all(venv.parent().unwrap()).unwrap();
    let lock = File::create(venv.with_extension("lock")).expect("create the venv lock file");
    lock.lock().expect("lock the venv");
    if !sdk_importable(&python) {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is required to run the SDK compatibility test");
        assert!(
            status.success(),
            "python3 -m venv {} failed",
            venv.display()
        );
        let status = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(SDK_PACKAGES)
            .status()
            .expect("pip is required to install the Alibaba Cloud SDK");
        assert!(status.success(), "pip install {SDK_PACKAGES:?} failed");
        assert!(
            sdk_importable(&python),
            "the SDK is not importable after installing it"
        );
    }
    python
}

#[test]
fn official_python_sdk_scenario_passes_with_v3_and_v2_signatures() {
    let python = python_with_sdk();
    let emu = Spawned::start(&["--ephemeral", "--command-quota", "40", "--seed", "7"]);
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
