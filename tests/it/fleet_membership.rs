//! Fleet membership is not configuration drift (issue 13), through the binary against an
//! emulator whose agent really runs the scripts: each run appends a line to a file in the
//! instance's own files, read on the host, so "ran exactly once" is proven by the marks,
//! not by statuses. A new instance joins a tag-selected group by TagResources, as on ECS.

use crate::common;
use crate::emu_common::Api;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::emu::{AK, Emu, SECRET};
use common::{Fixture, text};
use serde_json::Value;

const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: fleet }\nspec:\n  region: cn-hangzhou\n";

/// Inside each instance: one line per run.
const MARK: &str = "/var/tmp/fleet-mark";

fn command(kind: &str) -> String {
    format!(
        "apiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: mark }}\nspec:\n  type: {kind}\n  timeout: 60\n  content: |\n    echo ran >> {MARK}\n"
    )
}

fn invocation(targets: &str, schedule: &str) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: stamp }}\nspec:\n  command: mark\n  targets: {targets}\n  schedule: {schedule}\n"
    )
}

fn manifests(docs: &[String]) -> Fixture {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    f.write("main.yaml", docs.join("\n"));
    f
}

/// `(id, status, tags)` → an inventory file of Linux instances in cn-hangzhou.
fn inventory(dir: &Path, instances: &[(String, &str, &str)]) -> PathBuf {
    let mut yaml = String::from("instances:\n");
    for (id, status, tags) in instances {
        yaml.push_str(&format!(
            "  - id: {id}\n    os: linux\n    status: {status}\n    tags: {{ {tags} }}\n"
        ));
    }
    let path = dir.join("inventory.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

struct Fleet {
    emu: Emu,
    api: Api,
    files: tempfile::TempDir,
    _inventory: tempfile::TempDir,
}

impl Fleet {
    fn start(instances: &[(String, &str, &str)]) -> Fleet {
        let inv = tempfile::tempdir().unwrap();
        let files = tempfile::tempdir().unwrap();
        let path = inventory(inv.path(), instances);
        let emu = Emu::start(&[
            "--inventory",
            path.to_str().unwrap(),
            "--instances-dir",
            files.path().to_str().unwrap(),
        ]);
        let api = Api::new(&emu.endpoint, AK, SECRET);
        Fleet {
            emu,
            api,
            files,
            _inventory: inv,
        }
    }

    /// Lines of the instance's mark file (0 when it never ran).
    fn marks(&self, instance: &str) -> usize {
        let fs = assistctl::emulator::agent::sandbox::InstanceFs::new(self.files.path(), instance);
        std::fs::read_to_string(fs.host_path(MARK).unwrap())
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    /// Waits until each of `ids` has a mark, then a little longer so that a second run
    /// (which must not come) would have shown.
    fn wait_marks(&self, ids: &[String]) {
        let started = Instant::now();
        while let Some(missing) = ids.iter().find(|i| self.marks(i) == 0) {
            assert!(
                started.elapsed() < Duration::from_secs(180),
                "{missing} never ran"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        std::thread::sleep(Duration::from_secs(2));
    }

    /// `plan --detailed-exitcode --format json`: the exit code and the plan.
    fn plan(&self, f: &Fixture) -> (Option<i32>, Value, String) {
        let out = self
            .emu
            .run(f, &["plan", "--detailed-exitcode", "--format", "json", "."]);
        let plan = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out.status.code(), plan, text(&out))
    }

    fn call(&self, action: &str, params: &[(&str, &str)]) -> Value {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(self.api.r(action, params)).ok()
    }
}

/// The tasks of the plan's only invocation that do something.
fn actions(plan: &Value) -> Vec<&Value> {
    plan["invocations"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["action"] != "noOp")
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_new_instance_joining_a_group_of_120_runs_once_and_nobody_else_again() {
    let mut fleet: Vec<(String, &str, &str)> = (0..120)
        .map(|i| (format!("i-fleet{i:03}"), "Running", "group: web"))
        .collect();
    // It sorts in the middle: counted per batch, it would push i-fleet099 into batch 2.
    let new = "i-fleet060new".to_string();
    fleet.push((new.clone(), "Running", ""));
    let emu = Fleet::start(&fleet);
    let f = manifests(&[
        command("shell"),
        invocation("{ tags: { group: web } }", "once"),
    ]);
    let web: Vec<String> = fleet[..120].iter().map(|(i, _, _)| i.clone()).collect();

    let (code, plan, out) = emu.plan(&f);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(
        actions(&plan).len(),
        3,
        "three batches of at most 50: {out}"
    );
    emu.emu.apply(&f);
    emu.wait_marks(&web);

    emu.call(
        "TagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", &new),
            ("Tag.1.Key", "group"),
            ("Tag.1.Value", "web"),
        ],
    );
    let (code, plan, out) = emu.plan(&f);
    assert_eq!(code, Some(0), "a joiner alone is not drift: {out}");
    assert!(out.contains("only the fleet changed"), "{out}");
    let joins = actions(&plan);
    assert_eq!(joins.len(), 1, "{plan}");
    assert_eq!(joins[0]["action"], "invoke");
    assert_eq!(joins[0]["membership"], true);
    assert_eq!(strings(&joins[0]["instances"]), std::slice::from_ref(&new));
    assert_eq!(joins[0]["batch"], 3, "after the batches that ran");
    assert_eq!(plan["summary"]["membership"], 1);
    assert_eq!(plan["summary"]["invoke"], 1);

    emu.emu.apply(&f);
    emu.wait_marks(std::slice::from_ref(&new));
    for (id, _, _) in &fleet {
        assert_eq!(emu.marks(id), 1, "{id} ran {} times", emu.marks(id));
    }
    let (code, plan, out) = emu.plan(&f);
    assert_eq!(code, Some(0), "{out}");
    assert!(actions(&plan).is_empty(), "{plan}");
    assert_eq!(plan["summary"]["membership"], 0);
}

#[test]
fn an_instance_stopped_at_the_first_apply_runs_once_after_it_starts() {
    let fleet: Vec<(String, &str, &str)> = vec![
        ("i-late001".into(), "Running", "group: web"),
        ("i-late002".into(), "Stopped", "group: web"),
        ("i-late003".into(), "Running", "group: web"),
    ];
    let emu = Fleet::start(&fleet);
    let f = manifests(&[
        command("shell"),
        invocation("{ tags: { group: web } }", "once"),
    ]);
    let (code, plan, out) = emu.plan(&f);
    assert_eq!(code, Some(2), "{out}");
    let left = &plan["invocations"][0]["ineligible"];
    assert_eq!(left[0]["instanceId"], "i-late002", "{plan}");
    assert_eq!(left[0]["code"], "InstanceNotRunning", "{plan}");
    emu.emu.apply(&f);
    emu.wait_marks(&["i-late001".into(), "i-late003".into()]);
    assert_eq!(emu.marks("i-late002"), 0);
    // Still stopped: nothing to do, and not red.
    let (code, plan, out) = emu.plan(&f);
    assert_eq!(code, Some(0), "{out}");
    assert!(actions(&plan).is_empty(), "{plan}");

    emu.call("StartInstance", &[("InstanceId", "i-late002")]);
    let (code, plan, out) = emu.plan(&f);
    assert_eq!(code, Some(0), "{out}");
    let joins = actions(&plan);
    assert_eq!(joins.len(), 1, "{plan}");
    assert_eq!(joins[0]["membership"], true);
    assert_eq!(strings(&joins[0]["instances"]), ["i-late002"]);
    emu.emu.apply(&f);
    emu.wait_marks(&["i-late002".into()]);
    for (id, _, _) in &fleet {
        assert_eq!(emu.marks(id), 1, "{id} ran {} times", emu.marks(id));
    }
    let (code, plan, _) = emu.plan(&f);
    assert_eq!(code, Some(0));
    assert!(actions(&plan).is_empty(), "{plan}");
}

#[test]
fn a_stopped_member_of_a_rate_task_leaves_the_task_alone() {
    let fleet: Vec<(String, &str, &str)> = (1..=3)
        .map(|i| (format!("i-rate00{i}"), "Running", "group: web"))
        .collect();
    let emu = Fleet::start(&fleet);
    let f = manifests(&[
        command("shell"),
        invocation("{ tags: { group: web } }", "{ rate: 1h }"),
    ]);
    emu.emu.apply(&f);
    let (code, plan, out) = emu.plan(&f);
    assert_eq!(code, Some(0), "{out}");
    let task = plan["invocations"][0]["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    emu.call("StopInstance", &[("InstanceId", "i-rate002")]);
    let (code, plan, out) = emu.plan(&f);
    assert_eq!(code, Some(0), "a stopped member is not drift: {out}");
    assert!(actions(&plan).is_empty(), "{plan}");
    let t = &plan["invocations"][0]["tasks"][0];
    assert_eq!(t["id"], task.as_str());
    assert_eq!(
        t["membership"], true,
        "the plan notes the stopped member: {t}"
    );
    assert!(t["reasons"].to_string().contains("stays in task"), "{t}");
    assert_eq!(
        plan["invocations"][0]["ineligible"][0]["code"],
        "InstanceNotRunning"
    );
    let text_plan = emu.emu.run(&f, &["plan", "."]);
    assert!(
        text(&text_plan).contains("Membership"),
        "{}",
        text(&text_plan)
    );
    emu.emu.apply(&f);

    emu.call("StartInstance", &[("InstanceId", "i-rate002")]);
    let (code, plan, out) = emu.plan(&f);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(plan["invocations"][0]["tasks"][0]["id"], task.as_str());
    let live = emu.call("DescribeInvocations", &[("InvokeId", &task)]);
    let inv = &live["Invocations"]["Invocation"][0];
    assert_eq!(inv["InvocationStatus"], "Scheduled", "{inv}");
    let members: Vec<&str> = inv["InvokeInstances"]["InvokeInstance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["InstanceId"].as_str().unwrap())
        .collect();
    assert!(members.contains(&"i-rate002"), "{members:?}");
    assert_eq!(members.len(), 3);
}

#[test]
fn an_id_that_does_not_exist_or_a_script_for_another_os_is_an_error() {
    let fleet: Vec<(String, &str, &str)> = vec![("i-os001".into(), "Running", "group: web")];
    let emu = Fleet::start(&fleet);
    let typo = manifests(&[
        command("shell"),
        invocation("{ instanceIds: [i-os001, i-os00l] }", "once"),
    ]);
    let (code, _, out) = emu.plan(&typo);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("i-os00l which does not exist"),
        "names the id: {out}"
    );

    let windows = manifests(&[
        command("powershell"),
        invocation("{ instanceIds: [i-os001] }", "once"),
    ]);
    let (code, _, out) = emu.plan(&windows);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("would run nowhere"), "{out}");
    assert!(out.contains("CommandNotApplicable"), "{out}");

    let allowed = manifests(&[
        command("powershell"),
        invocation("{ instanceIds: [i-os001], allowEmpty: true }", "once"),
    ]);
    let (code, plan, out) = emu.plan(&allowed);
    assert!(matches!(code, Some(0 | 2)), "{out}");
    let inv = &plan["invocations"][0];
    assert_eq!(inv["targets"]["allowEmpty"], true, "{inv}");
    assert_eq!(inv["ineligible"][0]["instanceId"], "i-os001");
    assert_eq!(inv["ineligible"][0]["code"], "CommandNotApplicable");
    assert!(plan["blockers"].as_array().unwrap().is_empty(), "{plan}");
}
