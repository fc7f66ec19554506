//! ECS StopInstance, StartInstance and RebootInstance over HTTP with hand-signed V1
//! requests, and what they change for Cloud Assistant: each test is a claim about the
//! service's behaviour. The three operations take no RegionId, so they are sent without one.

use crate::emu_common;

use assistctl::emulator::store::{StateLocation, Store, invocations};
use emu_common::{Api, b64, start};
use serde_json::Value;

const WEB1: &str = "i-bp1web0000000000001";
const WEB2: &str = "i-bp1web0000000000002";
const WIN2: &str = "i-bp1win0000000000002";
const MI1: &str = "mi-hz0100000000000001";

async fn status(api: &Api, id: &str) -> String {
    let ids = format!("[\"{id}\"]");
    let body = api
        .r("DescribeInstances", &[("InstanceIds", &ids)])
        .await
        .ok();
    body["Instances"]["Instance"][0]["Status"]
        .as_str()
        .unwrap_or_else(|| panic!("no instance {id} in {body}"))
        .to_string()
}

async fn assistant(api: &Api, id: &str) -> Value {
    let body = api
        .r("DescribeCloudAssistantStatus", &[("InstanceId.1", id)])
        .await
        .ok();
    body["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"][0].clone()
}

async fn command(api: &Api) -> String {
    let content = b64("echo hello");
    let body = api
        .r(
            "CreateCommand",
            &[
                ("Name", "hello"),
                ("Type", "RunShellScript"),
                ("CommandContent", &content),
            ],
        )
        .await
        .ok();
    body["CommandId"].as_str().unwrap().to_string()
}

/// A successful answer of these operations is `{RequestId}` and nothing else.
#[track_caller]
fn only_request_id(body: &Value) {
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["RequestId"], "{body}");
}

#[tokio::test]
async fn stop_makes_an_instance_stopped_unreachable_and_uninvokable_until_started() {
    let (_emu, api) = start(|_| {}).await;
    let cmd = command(&api).await;
    assert_eq!(status(&api, WEB1).await, "Running");

    let body = api.call("StopInstance", &[("InstanceId", WEB1)]).await.ok();
    only_request_id(&body);
    assert_eq!(status(&api, WEB1).await, "Stopped");
    let stopped = api
        .r("DescribeInstances", &[("Status", "Stopped")])
        .await
        .ok();
    let ids: Vec<&str> = stopped["Instances"]["Instance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["InstanceId"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&WEB1) && ids.contains(&WIN2),
        "the Status filter sees the current status: {ids:?}"
    );
    let ca = assistant(&api, WEB1).await;
    assert_eq!(ca["CloudAssistantStatus"], "false");
    assert_eq!(ca["CloudAssistantVersion"], "");
    assert!(ca.get("LastHeartbeatTime").is_none(), "{ca}");

    let refused = api
        .r(
            "InvokeCommand",
            &[("CommandId", &cmd), ("InstanceId.1", WEB1)],
        )
        .await;
    refused.err(400, "InvalidInstance.NotMatch");
    assert!(
        refused.text.contains("InstanceNotRunning"),
        "{}",
        refused.text
    );
    // The same refusal as for an instance stopped in the inventory.
    api.r(
        "InvokeCommand",
        &[("CommandId", &cmd), ("InstanceId.1", WIN2)],
    )
    .await
    .err(400, "InvalidInstance.NotMatch");

    api.call("StopInstance", &[("InstanceId", WEB1)])
        .await
        .err(403, "IncorrectInstanceStatus");
    api.call("RebootInstance", &[("InstanceId", WEB1)])
        .await
        .err(403, "IncorrectInstanceStatus");

    let body = api
        .call("StartInstance", &[("InstanceId", WEB1)])
        .await
        .ok();
    only_request_id(&body);
    assert_eq!(status(&api, WEB1).await, "Running");
    assert_eq!(assistant(&api, WEB1).await["CloudAssistantStatus"], "true");
    api.call("StartInstance", &[("InstanceId", WEB1)])
        .await
        .err(403, "IncorrectInstanceStatus");
    api.r(
        "InvokeCommand",
        &[("CommandId", &cmd), ("InstanceId.1", WEB1)],
    )
    .await
    .ok();

    let body = api
        .call(
            "RebootInstance",
            &[("InstanceId", WEB1), ("ForceStop", "true")],
        )
        .await
        .ok();
    only_request_id(&body);
    assert_eq!(status(&api, WEB1).await, "Running");
}

#[tokio::test]
async fn an_instance_stopped_in_the_inventory_starts_but_does_not_reboot() {
    let (_emu, api) = start(|_| {}).await;
    assert_eq!(status(&api, WIN2).await, "Stopped");
    api.call("RebootInstance", &[("InstanceId", WIN2)])
        .await
        .err(403, "IncorrectInstanceStatus");
    api.call("StopInstance", &[("InstanceId", WIN2)])
        .await
        .err(403, "IncorrectInstanceStatus");
    api.call("StartInstance", &[("InstanceId", WIN2)])
        .await
        .ok();
    assert_eq!(status(&api, WIN2).await, "Running");
    assert_eq!(assistant(&api, WIN2).await["CloudAssistantStatus"], "true");
}

#[tokio::test]
async fn dry_run_checks_everything_and_changes_nothing() {
    let (_emu, api) = start(|_| {}).await;
    for (action, id) in [
        ("StopInstance", WEB1),
        ("RebootInstance", WEB1),
        ("StartInstance", WIN2),
    ] {
        let r = api
            .call(action, &[("InstanceId", id), ("DryRun", "True")])
            .await;
        r.err(400, "DryRunOperation");
    }
    assert_eq!(status(&api, WEB1).await, "Running");
    assert_eq!(status(&api, WIN2).await, "Stopped");
    // A dry run that would fail reports the failure, not DryRunOperation.
    api.call("StartInstance", &[("InstanceId", WEB1), ("DryRun", "true")])
        .await
        .err(403, "IncorrectInstanceStatus");
    api.call(
        "StopInstance",
        &[("InstanceId", "i-bp1nope000000000000"), ("DryRun", "true")],
    )
    .await
    .err(404, "InvalidInstanceId.NotFound");
    api.call("StopInstance", &[("InstanceId", WEB1), ("DryRun", "false")])
        .await
        .ok();
    assert_eq!(status(&api, WEB1).await, "Stopped");
}

#[tokio::test]
async fn unknown_and_managed_ids_are_not_found_and_parameters_are_checked() {
    let (_emu, api) = start(|_| {}).await;
    for action in ["StopInstance", "StartInstance", "RebootInstance"] {
        api.call(action, &[("InstanceId", "i-bp1nope000000000000")])
            .await
            .err(404, "InvalidInstanceId.NotFound");
        // A managed instance is not an ECS instance.
        api.call(action, &[("InstanceId", MI1)])
            .await
            .err(404, "InvalidInstanceId.NotFound");
        api.call(action, &[]).await.err(400, "MissingParameter");
        api.call(action, &[("InstanceId", WEB1), ("DryRun", "maybe")])
            .await
            .err(400, "InvalidParameter");
    }
    api.call(
        "StopInstance",
        &[("InstanceId", WEB1), ("StoppedMode", "Nap")],
    )
    .await
    .err(400, "InvalidParameter");
    api.call(
        "RebootInstance",
        &[("InstanceId", WEB1), ("ForceStop", "yes")],
    )
    .await
    .err(400, "InvalidParameter");
    assert_eq!(status(&api, WEB1).await, "Running");
    // The doc's own sample request writes the mode in lower case.
    api.call(
        "StopInstance",
        &[
            ("InstanceId", WEB1),
            ("StoppedMode", "keepcharging"),
            ("ForceStop", "false"),
            ("ConfirmStop", "true"),
        ],
    )
    .await
    .ok();
    assert_eq!(status(&api, WEB1).await, "Stopped");
    // The managed instance itself is untouched and still connected.
    let body = api
        .r("DescribeManagedInstances", &[("InstanceId.1", MI1)])
        .await
        .ok();
    assert_eq!(body["Instances"][0]["Connected"], true);
}

/// The due time of the boot run is not in any answer, so it is read from the state file
/// the emulator writes, through the store's own query.
fn boot_run_due(state: &std::path::Path, invoke_id: &str, instance: &str) -> Option<String> {
    let mut store = Store::open(&StateLocation::File(state.to_path_buf())).unwrap();
    let runs = invocations::runs_of(store.conn(), invoke_id, Some(instance)).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].trigger, "boot");
    runs[0].due_time.clone()
}

async fn pending_result(api: &Api, invoke_id: &str, instance: &str) {
    let body = api
        .r(
            "DescribeInvocationResults",
            &[("InvokeId", invoke_id), ("InstanceId", instance)],
        )
        .await
        .ok();
    let r = &body["Invocation"]["InvocationResults"]["InvocationResult"][0];
    assert_eq!(
        r["InvocationStatus"], "Pending",
        "nothing ran it yet, so it stays Pending: {body}"
    );
}

#[tokio::test]
async fn a_boot_releases_the_next_reboot_run_of_that_instance_only() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("emulator.db");
    let file = state.clone();
    let (_emu, api) = start(move |c| c.state = StateLocation::File(file)).await;
    let cmd = command(&api).await;
    let body = api
        .r(
            "InvokeCommand",
            &[
                ("CommandId", &cmd),
                ("InstanceId.1", WEB1),
                ("InstanceId.2", WEB2),
                ("RepeatMode", "NextRebootOnly"),
            ],
        )
        .await
        .ok();
    let task = body["InvokeId"].as_str().unwrap().to_string();
    assert_eq!(boot_run_due(&state, &task, WEB1), None, "waits for a boot");
    assert_eq!(boot_run_due(&state, &task, WEB2), None);

    api.call("RebootInstance", &[("InstanceId", WEB1)])
        .await
        .ok();
    let released = boot_run_due(&state, &task, WEB1).expect("released by the reboot");
    assert!(released.ends_with('Z'), "{released}");
    assert_eq!(
        boot_run_due(&state, &task, WEB2),
        None,
        "another instance's boot run still waits"
    );
    pending_result(&api, &task, WEB1).await;

    // A stop is no boot; the start after it is.
    api.call("StopInstance", &[("InstanceId", WEB2)]).await.ok();
    assert_eq!(boot_run_due(&state, &task, WEB2), None);
    api.call("StartInstance", &[("InstanceId", WEB2)])
        .await
        .ok();
    assert!(boot_run_due(&state, &task, WEB2).is_some());
    pending_result(&api, &task, WEB2).await;

    // A dry run releases nothing.
    let body = api
        .r(
            "InvokeCommand",
            &[
                ("CommandId", &cmd),
                ("InstanceId.1", WEB1),
                ("RepeatMode", "NextRebootOnly"),
            ],
        )
        .await
        .ok();
    let second = body["InvokeId"].as_str().unwrap().to_string();
    api.call(
        "RebootInstance",
        &[("InstanceId", WEB1), ("DryRun", "true")],
    )
    .await
    .err(400, "DryRunOperation");
    assert_eq!(boot_run_due(&state, &second, WEB1), None);
    assert_eq!(
        boot_run_due(&state, &task, WEB1),
        Some(released),
        "a released run keeps its due time"
    );
}

use crate::common::pyvenv;

#[test]
fn official_python_sdk_stops_starts_and_reboots_with_v3_and_v2_signatures() {
    // The one venv the tests share (target/py-venv), with the official SDK pinned.
    let python = pyvenv::python();
    let emu = emu_common::Spawned::start(&["--ephemeral", "--seed", "7"]);
    let endpoint = emu.base.trim_start_matches("http://").to_string();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/lifecycle.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .env("EMULATOR_ENDPOINT", &endpoint)
        .env("EMULATOR_AK", emu_common::AK)
        .env("EMULATOR_SECRET", emu_common::SECRET)
        .output()
        .expect("run the SDK lifecycle script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SDK lifecycle script failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("v3: ok") && stdout.contains("v2: ok"),
        "{stdout}"
    );
}

/// Cron without a zone of its own runs in each target's inventory `timeZone`: web-1 keeps
/// the cn-* default (Asia/Shanghai, UTC+8), api-1 is on Europe/Berlin (UTC+1 or +2).
#[tokio::test]
async fn a_zoneless_cron_first_fires_at_each_targets_wall_clock_time() {
    const API1: &str = "i-bp1api0000000000001";
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("emulator.db");
    let file = state.clone();
    let (_emu, api) = start(move |c| c.state = StateLocation::File(file)).await;
    let cmd = command(&api).await;
    let body = api
        .r(
            "InvokeCommand",
            &[
                ("CommandId", &cmd),
                ("InstanceId.1", WEB1),
                ("InstanceId.2", API1),
                ("Frequency", "0 0 2 ? * *"),
            ],
        )
        .await
        .ok();
    let task = body["InvokeId"].as_str().unwrap();
    let mut store = Store::open(&StateLocation::File(state)).unwrap();
    let mut due = |instance: &str| {
        let runs = invocations::runs_of(store.conn(), task, Some(instance)).unwrap();
        runs[0].due_time.clone().unwrap()
    };
    let web = due(WEB1);
    assert!(web.ends_with("T18:00:00Z"), "02:00 in Shanghai: {web}");
    let berlin = due(API1);
    assert!(
        berlin.ends_with("T00:00:00Z") || berlin.ends_with("T01:00:00Z"),
        "02:00 in Berlin: {berlin}"
    );
}
