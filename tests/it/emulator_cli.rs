//! `assistctl emulator serve` flags: inventory files, key files and their errors.

use crate::emu_common;

use assert_cmd::Command;
use emu_common::{Api, Spawned};

#[test]
fn help_documents_every_flag() {
    let out = Command::cargo_bin("assistctl")
        .unwrap()
        .args(["emulator", "serve", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--state",
        "--ephemeral",
        "--inventory",
        "--keys-file",
        "--access-key-id",
        "--access-key-secret",
        "--sts-token",
        "--command-quota",
        "--invocation-daily-quota",
        "--fail-rate",
        "--throttle-rate",
        "--latency-ms",
        "--seed",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help:\n{text}");
    }
}

#[test]
fn bad_flags_and_files_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.yaml");
    std::fs::write(&inv, "instances:\n  - id: vm-1\n    os: linux\n").unwrap();
    let out = Command::cargo_bin("assistctl")
        .unwrap()
        .args([
            "emulator",
            "serve",
            "--ephemeral",
            "--listen",
            "127.0.0.1:0",
            "--inventory",
        ])
        .arg(&inv)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("must start with `i-`"));
    let out = Command::cargo_bin("assistctl")
        .unwrap()
        .args(["emulator", "serve", "--ephemeral", "--fail-rate", "1.5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 0 and 1"));
    let out = Command::cargo_bin("assistctl")
        .unwrap()
        .args([
            "emulator",
            "serve",
            "--ephemeral",
            "--command-quota",
            "50001",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn custom_inventory_and_keys_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.yaml");
    std::fs::write(
        &inv,
        "accountId: \"99\"\nregions: [eu-central-1]\ninstances:\n  - id: i-gw0000000000000001\n    name: box\n    os: linux\n",
    )
    .unwrap();
    let keys = dir.path().join("keys.yaml");
    std::fs::write(
        &keys,
        "accessKeys:\n  - accessKeyId: AKfile\n    accessKeySecret: file-secret\n",
    )
    .unwrap();
    let emu = Spawned::start(&[
        "--ephemeral",
        "--inventory",
        inv.to_str().unwrap(),
        "--keys-file",
        keys.to_str().unwrap(),
    ]);
    let api = Api::new(&emu.base, "AKfile", "file-secret");
    let body = api
        .call("DescribeInstances", &[("RegionId", "eu-central-1")])
        .await
        .ok();
    assert_eq!(
        body["Instances"]["Instance"][0]["InstanceId"],
        "i-gw0000000000000001"
    );
    api.call("DescribeInstances", &[("RegionId", "cn-hangzhou")])
        .await
        .err(404, "InvalidRegionId.NotFound");
    let body = api
        .call(
            "RunCommand",
            &[
                ("RegionId", "eu-central-1"),
                ("Type", "RunShellScript"),
                ("CommandContent", "echo"),
                ("InstanceId.1", "i-gw0000000000000001"),
            ],
        )
        .await
        .ok();
    assert!(
        body["InvokeId"].as_str().unwrap().starts_with("t-ce0"),
        "{body}"
    );
    // The default pair is not accepted once keys are configured.
    Api::new(&emu.base, emu_common::AK, emu_common::SECRET)
        .call("DescribeInstances", &[("RegionId", "eu-central-1")])
        .await
        .err(404, "InvalidAccessKeyId.NotFound");
}
