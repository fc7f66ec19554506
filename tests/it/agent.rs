//! The emulator's agent, through the HTTP API: scripts really run, one sandbox per simulated
//! Linux instance, and their results come back as the service reports them. No run is
//! believed on its status alone: the scripts leave marks in the instance's files that the
//! tests read on the host.

use crate::emu_common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assistctl::emulator::EmulatorConfig;
use emu_common::{Api, b64, start};
use serde_json::Value;

const WEB1: &str = "i-bp1web0000000000001";
const WEB2: &str = "i-bp1web0000000000002";
const API1: &str = "i-bp1api0000000000001";
const WIN1: &str = "i-bp1win0000000000001";

/// An emulator whose agent runs scripts, with the instances' files in `dir`.
async fn agent(
    dir: &Path,
    tweak: impl FnOnce(&mut EmulatorConfig),
) -> (assistctl::emulator::RunningEmulator, Api) {
    let instances = dir.to_path_buf();
    start(move |c| {
        c.agent.hold_runs = false;
        c.agent.instances_dir = Some(instances);
        tweak(c);
    })
    .await
}

fn file(dir: &Path, instance: &str, inside: &str) -> PathBuf {
    let fs = assistctl::emulator::agent::sandbox::InstanceFs::new(dir, instance);
    fs.host_path(inside).expect("a writable path")
}

/// RunCommand of a shell script on `instances`, with extra parameters; its InvokeId.
async fn run(api: &Api, content: &str, instances: &[&str], extra: &[(&str, &str)]) -> String {
    run_typed(api, "RunShellScript", content, instances, extra).await
}

async fn run_typed(
    api: &Api,
    kind: &str,
    content: &str,
    instances: &[&str],
    extra: &[(&str, &str)],
) -> String {
    let content = b64(content);
    let keys: Vec<String> = (1..=instances.len())
        .map(|i| format!("InstanceId.{i}"))
        .collect();
    let mut params: Vec<(&str, &str)> = vec![
        ("Type", kind),
        ("CommandContent", &content),
        ("ContentEncoding", "Base64"),
    ];
    for (k, v) in keys.iter().zip(instances) {
        params.push((k, v));
    }
    params.extend_from_slice(extra);
    let body = api.r("RunCommand", &params).await.ok();
    body["InvokeId"].as_str().unwrap().to_string()
}

const FINAL: [&str; 9] = [
    "Success",
    "Failed",
    "Error",
    "Timeout",
    "Cancelled",
    "Terminated",
    "Invalid",
    "Aborted",
    "Stopped",
];

/// The per-instance results of a task, once every one is final.
async fn finished(api: &Api, invoke_id: &str, limit: Duration) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let body = api
            .r(
                "DescribeInvocationResults",
                &[("InvokeId", invoke_id), ("ContentEncoding", "PlainText")],
            )
            .await
            .ok();
        let rows = body["Invocation"]["InvocationResults"]["InvocationResult"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !rows.is_empty()
            && rows
                .iter()
                .all(|r| FINAL.contains(&r["InvocationStatus"].as_str().unwrap_or("")))
        {
            return rows;
        }
        assert!(
            started.elapsed() < limit,
            "{invoke_id} not finished after {limit:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn status_of(api: &Api, invoke_id: &str) -> Value {
    api.r("DescribeInvocations", &[("InvokeId", invoke_id)])
        .await
        .ok()["Invocations"]["Invocation"][0]
        .clone()
}

/// Waits until the task's target on `instance` shows `status`.
async fn wait_status(api: &Api, invoke_id: &str, instance: &str, status: &str) {
    let started = Instant::now();
    loop {
        let inv = status_of(api, invoke_id).await;
        let now = inv["InvokeInstances"]["InvokeInstance"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["InstanceId"] == instance).cloned())
            .unwrap_or_default();
        if now["InvocationStatus"] == status {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{invoke_id} on {instance} never {status}: {inv}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("no time: {v}")))
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[tokio::test(flavor = "multi_thread")]
async fn each_linux_type_runs_with_its_interpreter_and_reports_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, api) = agent(dir.path(), |_| {}).await;
    let shell = run(
        &api,
        "echo shell on $(hostname); echo ran > /tmp/shell-mark; echo to-stderr >&2",
        &[WEB1],
        &[],
    )
    .await;
    let python = run_typed(
        &api,
        "RunPythonScript",
        "import sys\nprint('python', sys.version_info[0])\nopen('/tmp/py-mark', 'w').write('ran')\n",
        &[WEB1],
        &[],
    )
    .await;
    let perl = run_typed(
        &api,
        "RunPerlScript",
        "print \"perl \" . (1 + 2) . \"\\n\"; open(my $f, '>', '/tmp/pl-mark'); print $f 'ran';\n",
        &[WEB1],
        &[],
    )
    .await;
    for (id, output, mark) in [
        (&shell, "shell on web-1\nto-stderr\n", "/tmp/shell-mark"),
        (&python, "python 3\n", "/tmp/py-mark"),
        (&perl, "perl 3\n", "/tmp/pl-mark"),
    ] {
        let r = &finished(&api, id, Duration::from_secs(30)).await[0];
        assert_eq!(r["InvocationStatus"], "Success", "{r}");
        assert_eq!(r["ExitCode"], 0);
        assert_eq!(r["Output"], output, "{r}");
        assert_eq!(r["Repeats"], 1);
        assert_eq!(r["Dropped"], 0);
        assert_eq!(r["ErrorCode"], "");
        assert!(time(&r["FinishedTime"]) >= time(&r["StartTime"]));
        // It really ran: the mark is in the instance's own /tmp.
        assert!(file(dir.path(), WEB1, mark).exists(), "{mark} missing");
        assert_eq!(status_of(&api, id).await["InvocationStatus"], "Success");
    }
    // A non-zero exit.
    let id = run(&api, "echo failing; exit 7", &[WEB1], &[]).await;
    let r = &finished(&api, &id, Duration::from_secs(30)).await[0];
    assert_eq!(
        (
            r["InvocationStatus"].as_str(),
            r["ExitCode"].as_i64(),
            r["ErrorCode"].as_str()
        ),
        (Some("Failed"), Some(7), Some("ExitCodeNonzero")),
        "{r}"
    );
    assert_eq!(
        r["ErrorInfo"],
        "the command execution exit code is not zero"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parameters_and_every_builtin_are_filled_in_only_when_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, api) = agent(dir.path(), |_| {}).await;
    let script = "echo {{who}} {{ACS::RegionId}} {{ACS::AccountId}} {{ACS::InstanceId}} {{ACS::InstanceName}} {{ACS::InvokeId}} {{ACS::CommandId}}";
    let body = api
        .r(
            "RunCommand",
            &[
                ("Type", "RunShellScript"),
                ("CommandContent", &b64(script)),
                ("ContentEncoding", "Base64"),
                ("InstanceId.1", WEB2),
                ("EnableParameter", "true"),
                ("Parameters", r#"{"who":"ops-team"}"#),
            ],
        )
        .await
        .ok();
    let (invoke, command) = (
        body["InvokeId"].as_str().unwrap(),
        body["CommandId"].as_str().unwrap(),
    );
    let r = &finished(&api, invoke, Duration::from_secs(30)).await[0];
    let account = assistctl::emulator::Inventory::default_world().account_id;
    assert_eq!(
        r["Output"].as_str().unwrap(),
        format!("ops-team cn-hangzhou {account} {WEB2} web-2 {invoke} {command}\n"),
        "{r}"
    );
    // EnableParameter=false: the braces are the script's own text.
    let id = run(&api, "echo '{{x}}' '{{ACS::InstanceId}}'", &[WEB2], &[]).await;
    let r = &finished(&api, &id, Duration::from_secs(30)).await[0];
    assert_eq!(r["Output"], "{{x}} {{ACS::InstanceId}}\n", "{r}");
}

#[tokio::test(flavor = "multi_thread")]
async fn working_directory_and_user_and_what_happens_when_they_do_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, api) = agent(dir.path(), |_| {}).await;
    let id = run(
        &api,
        "echo $(id -un) $(pwd) $HOME",
        &[WEB1],
        &[("WorkingDir", "/var/tmp"), ("Username", "daemon")],
    )
    .await;
    let r = &finished(&api, &id, Duration::from_secs(30)).await[0];
    assert_eq!(r["InvocationStatus"], "Success", "{r}");
    assert_eq!(r["Output"], "daemon /var/tmp /usr/sbin\n", "{r}");
    // Without a working directory the run starts in the user's home.
    let id = run(&api, "pwd", &[WEB1], &[]).await;
    assert_eq!(
        finished(&api, &id, Duration::from_secs(30)).await[0]["Output"],
        "/root\n"
    );
    let id = run(
        &api,
        "touch /tmp/never",
        &[WEB1],
        &[("WorkingDir", "/no/such/dir")],
    )
    .await;
    let r = &finished(&api, &id, Duration::from_secs(30)).await[0];
    assert_eq!(r["InvocationStatus"], "Invalid", "{r}");
    assert_eq!(r["ErrorCode"], "DirectoryNotExists");
    assert!(
        r["StartTime"].is_null() && r.get("ExitCode").is_none_or(Value::is_null),
        "{r}"
    );
    let id = run(
        &api,
        "touch /tmp/never",
        &[WEB1],
        &[("Username", "nosuchuser")],
    )
    .await;
    let r = &finished(&api, &id, Duration::from_secs(30)).await[0];
    assert_eq!(r["InvocationStatus"], "Invalid", "{r}");
    assert_eq!(r["ErrorCode"], "AccountNotExists");
    assert!(
        r["ErrorInfo"].as_str().unwrap().contains("nosuchuser"),
        "{r}"
    );
    assert!(
        !file(dir.path(), WEB1, "/tmp/never").exists(),
        "nothing ran"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_kills_the_script_and_the_children_it_spawned() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, api) = agent(dir.path(), |_| {}).await;
    // The service's minimum timeout is 10 s; the child would write its mark at 13 s.
    let id = run(
        &api,
        "(sleep 13; echo late > /tmp/late) & echo started; sleep 60",
        &[WEB1],
        &[("Timeout", "10")],
    )
    .await;
    let r = &finished(&api, &id, Duration::from_secs(40)).await[0];
    assert_eq!(r["InvocationStatus"], "Timeout", "{r}");
    assert_eq!(r["ErrorCode"], "ExecutionTimeout");
    assert_eq!(r["ErrorInfo"], "the command execution has been timeout");
    assert_eq!(r["Output"], "started\n");
    assert_eq!(
        time(&r["FinishedTime"]) - time(&r["StartTime"]),
        chrono::Duration::seconds(10),
        "FinishedTime = StartTime + Timeout: {r}"
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        !file(dir.path(), WEB1, "/tmp/late").exists(),
        "the child outlived the timeout"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn output_over_24_kb_keeps_head_and_tail_and_counts_what_was_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, api) = agent(dir.path(), |_| {}).await;
    let id = run(
        &api,
        "echo BEGIN; head -c 100000 /dev/zero | tr '\\0' x; echo; echo END",
        &[WEB1],
        &[],
    )
    .await;
    let r = &finished(&api, &id, Duration::from_secs(30)).await[0];
    let out = r["Output"].as_str().unwrap();
    assert_eq!(out.len(), 24 * 1024, "{}", &out[..80]);
    assert!(out.starts_with("BEGIN\nxxx") && out.ends_with("xxx\nEND\n"));
    assert_eq!(r["Dropped"], 6 + 100_000 + 1 + 4 - 24 * 1024);
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_invocation_terminates_a_running_script() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, api) = agent(dir.path(), |_| {}).await;
    let id = run(
        &api,
        "echo begun; sleep 60; echo never > /tmp/never",
        &[WEB2],
        &[],
    )
    .await;
    wait_status(&api, &id, WEB2, "Running").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    api.r("StopInvocation", &[("InvokeId", &id)]).await.ok();
    let r = &finished(&api, &id, Duration::from_secs(20)).await[0];
    assert_eq!(r["InvocationStatus"], "Terminated", "{r}");
    assert_eq!(r["Output"], "begun\n", "{r}");
    assert!(r["StopTime"].is_string(), "{r}");
    assert_eq!(status_of(&api, &id).await["InvocationStatus"], "Stopped");
    assert!(!file(dir.path(), WEB2, "/tmp/never").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_instance_is_a_sandbox_that_keeps_its_files_and_reaches_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (emu, api) = agent(dir.path(), |_| {}).await;
    let port = emu.addr().port();
    let probe = format!(
        "echo etc > /etc/assistctl-probe && echo etc-ok
echo home > /root/assistctl-probe && echo home-ok
touch /usr/assistctl-probe 2>/dev/null && echo usr-WRITTEN || echo usr-refused
python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)\" 2>/dev/null && echo net-REACHED || echo net-refused
echo one > /tmp/mine; hostname"
    );
    let id = run(&api, &probe, &[WEB1], &[]).await;
    let r = &finished(&api, &id, Duration::from_secs(30)).await[0];
    assert_eq!(
        r["Output"], "etc-ok\nhome-ok\nusr-refused\nnet-refused\nweb-1\n",
        "{r}"
    );
    // What it wrote is in the instance's files, never the host's.
    assert!(file(dir.path(), WEB1, "/etc/assistctl-probe").exists());
    assert!(file(dir.path(), WEB1, "/root/assistctl-probe").exists());
    for host in ["/etc/assistctl-probe", "/usr/assistctl-probe"] {
        assert!(!Path::new(host).exists(), "{host} reached the host");
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    assert!(!Path::new(&home).join("assistctl-probe").exists());
    // The next run on the same instance sees its files; another instance does not.
    let again = run(&api, "cat /tmp/mine /etc/assistctl-probe", &[WEB1], &[]).await;
    assert_eq!(
        finished(&api, &again, Duration::from_secs(30)).await[0]["Output"],
        "one\netc\n"
    );
    let other = run(
        &api,
        "cat /tmp/mine 2>/dev/null || echo not-here; grep -c x /etc/assistctl-probe 2>/dev/null || echo no-probe",
        &[WEB2],
        &[],
    )
    .await;
    assert_eq!(
        finished(&api, &other, Duration::from_secs(30)).await[0]["Output"],
        "not-here\nno-probe\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn windows_runs_end_with_an_error_that_says_the_emulator_cannot_run_them() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, api) = agent(dir.path(), |_| {}).await;
    let id = run_typed(&api, "RunPowerShellScript", "Get-Date", &[WIN1], &[]).await;
    let r = &finished(&api, &id, Duration::from_secs(30)).await[0];
    assert_eq!(r["InvocationStatus"], "Error", "{r}");
    assert!(
        r["ErrorInfo"]
            .as_str()
            .unwrap()
            .contains("cannot run scripts on windows instances"),
        "{r}"
    );
    assert!(r["StartTime"].is_null(), "nothing ran: {r}");
}

/// Emulated time at `t` (UTC), by advancing the clock.
async fn advance_to(emu: &assistctl::emulator::RunningEmulator, t: chrono::DateTime<chrono::Utc>) {
    let http = reqwest::Client::new();
    let url = format!("{}/_emulator/clock", emu.endpoint_url());
    let now: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    let secs = (t - time(&now["now"])).num_seconds();
    assert!(secs > 0, "{now}");
    let r = http
        .post(format!("{url}?advance={secs}"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

async fn history(api: &Api, invoke_id: &str, at_least: usize, limit: Duration) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let body = api
            .r(
                "DescribeInvocationResults",
                &[
                    ("InvokeId", invoke_id),
                    ("IncludeHistory", "true"),
                    ("ContentEncoding", "PlainText"),
                ],
            )
            .await
            .ok();
        let rows: Vec<Value> = body["Invocation"]["InvocationResults"]["InvocationResult"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|r| FINAL.contains(&r["InvocationStatus"].as_str().unwrap_or("")))
            .collect();
        if rows.len() >= at_least {
            return rows;
        }
        assert!(
            started.elapsed() < limit,
            "{invoke_id}: {} of {at_least} runs after {limit:?}: {body}",
            rows.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_task_fires_on_its_grid_under_a_scaled_clock() {
    let dir = tempfile::tempdir().unwrap();
    // One real second is a minute.
    let (_emu, api) = agent(dir.path(), |c| c.agent.time_scale = 60.0).await;
    // The instance's files are made on its first run; make them before the grid matters.
    let warm = run(&api, "true", &[API1], &[]).await;
    finished(&api, &warm, Duration::from_secs(20)).await;
    let id = run(
        &api,
        "date +%s >> /var/log/rate.log",
        &[API1],
        &[
            ("RepeatMode", "Period"),
            ("Frequency", "rate(1m)"),
            ("Timeout", "30"),
        ],
    )
    .await;
    let created = time(&status_of(&api, &id).await["CreationTime"]);
    let runs = history(&api, &id, 3, Duration::from_secs(20)).await;
    for (k, r) in runs.iter().take(3).enumerate() {
        assert_eq!(r["InvocationStatus"], "Success", "{r}");
        let due = created + chrono::Duration::seconds(60 * (k as i64 + 1));
        // Runs start on their fire or, on a busy machine, a little after it (a real tenth of
        // a second is six emulated seconds); never before.
        let late = (time(&r["StartTime"]) - due).num_seconds();
        assert!(
            (0..=30).contains(&late),
            "run {k} started {late} s after its fire: {r}"
        );
    }
    let log = std::fs::read_to_string(file(dir.path(), API1, "/var/log/rate.log")).unwrap();
    assert!(log.lines().count() >= 3, "{log}");
    let inv = status_of(&api, &id).await;
    assert_eq!(inv["InvocationStatus"], "Scheduled", "{inv}");
    assert!(
        inv["InvokeInstances"]["InvokeInstance"][0]["Repeats"]
            .as_i64()
            .unwrap()
            >= 3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cron_with_seconds_in_berlin_keeps_its_wall_clock_across_the_dst_change() {
    let dir = tempfile::tempdir().unwrap();
    // One real second is five and a half hours.
    let (emu, api) = agent(dir.path(), |c| c.agent.time_scale = 20_000.0).await;
    let t = |s: &str| time(&Value::String(s.into()));
    // The instance's files are made on its first run; make them before the clock matters.
    let warm = run(&api, "true", &[WEB1], &[]).await;
    finished(&api, &warm, Duration::from_secs(20)).await;
    advance_to(&emu, t("2027-03-26T12:00:00Z")).await;
    let id = run(
        &api,
        "date -u +%FT%TZ >> /var/log/cron.log",
        &[WEB1],
        &[
            ("RepeatMode", "Period"),
            ("Frequency", "30 15 4 * * ? Europe/Berlin"),
        ],
    )
    .await;
    let runs = history(&api, &id, 3, Duration::from_secs(40)).await;
    // 04:15:30 in Berlin: CET (UTC+1) before 28 March 2027, CEST (UTC+2) from then on.
    for (r, want) in runs.iter().zip([
        "2027-03-27T03:15:30Z",
        "2027-03-28T02:15:30Z",
        "2027-03-29T02:15:30Z",
    ]) {
        // A real millisecond is 20 emulated seconds, so a run starts a few minutes after its
        // fire on a busy machine, never before; a fire in the wrong offset would be an hour off.
        let late = (time(&r["StartTime"]) - t(want)).num_seconds();
        assert!(
            (0..=45 * 60).contains(&late),
            "wanted {want}, started {}: {r}",
            r["StartTime"]
        );
        assert_eq!(r["InvocationStatus"], "Success", "{r}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_at_task_fires_once() {
    let dir = tempfile::tempdir().unwrap();
    let (emu, api) = agent(dir.path(), |c| c.agent.time_scale = 3_600.0).await;
    let http = reqwest::Client::new();
    let now: Value = http
        .get(format!("{}/_emulator/clock", emu.endpoint_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Two emulated hours from now, written in Shanghai's wall clock.
    let when = (time(&now["now"]) + chrono::Duration::hours(2))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("at(%Y-%m-%d %H:%M:%S Asia/Shanghai)")
        .to_string();
    let id = run(
        &api,
        "echo once >> /var/log/at.log",
        &[WEB2],
        &[("RepeatMode", "Period"), ("Frequency", &when)],
    )
    .await;
    let r = &finished(&api, &id, Duration::from_secs(20)).await[0];
    assert_eq!(r["InvocationStatus"], "Success", "{r}");
    assert_eq!(r["Repeats"], 1);
    // Later hours bring no second run.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let log = std::fs::read_to_string(file(dir.path(), WEB2, "/var/log/at.log")).unwrap();
    assert_eq!(log, "once\n");
    assert_eq!(status_of(&api, &id).await["InvocationStatus"], "Success");
}

#[tokio::test(flavor = "multi_thread")]
async fn reboots_fire_next_reboot_only_once_and_every_reboot_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, api) = agent(dir.path(), |_| {}).await;
    let next = run(
        &api,
        "echo next >> /var/log/next.log",
        &[WEB1],
        &[("RepeatMode", "NextRebootOnly")],
    )
    .await;
    let every = run(
        &api,
        "echo every >> /var/log/every.log",
        &[WEB1],
        &[("RepeatMode", "EveryReboot")],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !file(dir.path(), WEB1, "/var/log/next.log").exists(),
        "ran before a boot"
    );
    for boot in 1..=2 {
        api.call("RebootInstance", &[("InstanceId", WEB1)])
            .await
            .ok();
        history(&api, &every, boot, Duration::from_secs(20)).await;
    }
    let r = &finished(&api, &next, Duration::from_secs(20)).await[0];
    assert_eq!(
        (r["InvocationStatus"].as_str(), r["Repeats"].as_i64()),
        (Some("Success"), Some(1))
    );
    let read = |p: &str| std::fs::read_to_string(file(dir.path(), WEB1, p)).unwrap();
    assert_eq!(read("/var/log/next.log"), "next\n");
    assert_eq!(read("/var/log/every.log"), "every\nevery\n");
    assert_eq!(
        status_of(&api, &every).await["InvocationStatus"],
        "Scheduled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_193_powers_the_instance_off_and_194_reboots_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_emu, api) = agent(dir.path(), |_| {}).await;
    let every = run(
        &api,
        "echo booted >> /var/log/boots.log",
        &[API1],
        &[("RepeatMode", "EveryReboot")],
    )
    .await;
    let id = run(&api, "echo rebooting; exit 194", &[API1], &[]).await;
    let r = &finished(&api, &id, Duration::from_secs(20)).await[0];
    // The result is reported as it is, then the instance reboots.
    assert_eq!(
        (r["InvocationStatus"].as_str(), r["ExitCode"].as_i64()),
        (Some("Failed"), Some(194))
    );
    history(&api, &every, 1, Duration::from_secs(20)).await;
    let id = run(&api, "echo powering off; exit 193", &[API1], &[]).await;
    let r = &finished(&api, &id, Duration::from_secs(20)).await[0];
    assert_eq!(r["ExitCode"], 193);
    let started = Instant::now();
    loop {
        let body = api
            .r(
                "DescribeInstances",
                &[("InstanceIds", &format!("[\"{API1}\"]"))],
            )
            .await
            .ok();
        if body["Instances"]["Instance"][0]["Status"] == "Stopped" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(file(dir.path(), API1, "/var/log/boots.log")).unwrap();
    assert_eq!(log, "booted\n");
}

#[test]
fn stopping_or_killing_the_emulator_mid_run_leaves_no_run_running_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let state = state.to_str().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for how in ["SIGTERM", "SIGKILL"] {
        let mut emu = emu_common::Spawned::start(&["--state", state]);
        let api = Api::new(&emu.base, emu_common::AK, emu_common::SECRET);
        let id = rt.block_on(async {
            let id = run(&api, "echo going; sleep 60", &[WEB1], &[]).await;
            wait_status(&api, &id, WEB1, "Running").await;
            id
        });
        if how == "SIGTERM" {
            assert!(emu.terminate().success());
        } else {
            emu.kill9();
        }
        let emu = emu_common::Spawned::start(&["--state", state]);
        let api = Api::new(&emu.base, emu_common::AK, emu_common::SECRET);
        let r = rt.block_on(async { finished(&api, &id, Duration::from_secs(10)).await });
        assert_eq!(r[0]["InvocationStatus"], "Error", "{how}: {}", r[0]);
        assert_eq!(r[0]["ErrorCode"], "ExecutionInterrupted", "{how}");
        assert!(r[0]["StartTime"].is_string(), "it did start: {}", r[0]);
        let task = rt.block_on(status_of(&api, &id));
        assert_eq!(task["InvocationStatus"], "Failed", "{how}: {task}");
    }
}

#[test]
fn without_bubblewrap_runs_end_with_an_error_that_says_how_to_fix_it() {
    let empty = tempfile::tempdir().unwrap();
    let emu = emu_common::Spawned::start_env(
        &["--ephemeral"],
        &[("PATH", empty.path().to_str().unwrap())],
    );
    let api = Api::new(&emu.base, emu_common::AK, emu_common::SECRET);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt.block_on(async {
        let id = run(&api, "echo hi > /tmp/should-not-run", &[WEB1], &[]).await;
        finished(&api, &id, Duration::from_secs(10)).await
    });
    assert_eq!(r[0]["InvocationStatus"], "Error", "{}", r[0]);
    let info = r[0]["ErrorInfo"].as_str().unwrap();
    assert!(
        info.contains("bubblewrap") && info.contains("apt-get install bubblewrap"),
        "{info}"
    );
    assert!(r[0]["StartTime"].is_null());
}

/// The service keeps a scheduled task on an instance that stops; the agent fetches its
/// tasks when it starts again (aliyun_assist_client `agent/taskengine/scheduletask.go`:
/// `Fetch` with reason `startup`, then `schedulePeriodicTask` with a rate timer anchored
/// at the task's CreationTime), so the task fires there again, on its original grid.
#[tokio::test(flavor = "multi_thread")]
async fn a_rate_task_keeps_its_grid_on_an_instance_stopped_and_started() {
    let dir = tempfile::tempdir().unwrap();
    // One real second is a minute.
    let (_emu, api) = agent(dir.path(), |c| c.agent.time_scale = 60.0).await;
    let warm = run(&api, "true", &[API1], &[]).await;
    finished(&api, &warm, Duration::from_secs(20)).await;
    let id = run(
        &api,
        "date +%s >> /var/log/rate.log",
        &[API1],
        &[
            ("RepeatMode", "Period"),
            ("Frequency", "rate(1m)"),
            ("Timeout", "30"),
        ],
    )
    .await;
    let created = time(&status_of(&api, &id).await["CreationTime"]);
    history(&api, &id, 1, Duration::from_secs(20)).await;
    api.r("StopInstance", &[("InstanceId", API1)]).await.ok();
    let log = || {
        std::fs::read_to_string(file(dir.path(), API1, "/var/log/rate.log"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    // A run that started right before the stop may still be recorded.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = log();
    // Three fires pass while it is stopped: none runs.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(log(), before, "a stopped instance ran its task");
    let stopped = status_of(&api, &id).await;
    assert_eq!(stopped["InvocationStatus"], "Scheduled", "{stopped}");
    api.r("StartInstance", &[("InstanceId", API1)]).await.ok();
    let started = Instant::now();
    while log() < before + 2 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the task did not fire again after the start: {} runs",
            log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The same task, still on the instance, on the grid of its creation time.
    let inv = status_of(&api, &id).await;
    assert_eq!(inv["InvocationStatus"], "Scheduled", "{inv}");
    assert_eq!(
        inv["InvokeInstances"]["InvokeInstance"][0]["InstanceId"],
        API1
    );
    // The script's `date` is real time; the emulated start times are the service's.
    let runs = history(&api, &id, before + 2, Duration::from_secs(20)).await;
    let last = runs.iter().map(|r| time(&r["StartTime"])).max().unwrap();
    let offset = (last - created).num_seconds().rem_euclid(60);
    assert!(
        offset <= 30,
        "a run after the start is {offset} s off the task's 1-minute grid: {runs:?}"
    );
}
