//! Invocations through the binary against a fresh emulator: each repeat mode as the API
//! takes it, each field change (in place or a new task), tag selectors with instances left
//! out, batches, run-once semantics, `fromEnv` secrets, drift and `status`. What the cloud
//! holds is read back with the official Python SDK (tests/py/console.py).

use crate::common;

use std::collections::BTreeMap;

use common::emu::Emu;
use common::sdk::Sdk;
use common::{Fixture, text};
use serde_json::Value;

const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: shop }\nspec:\n  region: cn-hangzhou\n";

const WEB1: &str = "i-bp1web0000000000001";
const WEB2: &str = "i-bp1web0000000000002";
const API1: &str = "i-bp1api0000000000001";
const STG1: &str = "i-bp1stg0000000000001";

/// A shell command with one parameter (default `world`) and a secret one.
fn hello(content: &str) -> String {
    format!(
        "apiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: hello }}\nspec:\n  type: shell\n  timeout: 30\n  content: |\n    {content}\n  parameters:\n    who: {{ default: world }}\n"
    )
}

const HELLO: &str = "echo hello {{who}}";

fn invocation(name: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: {name} }}\nspec:\n  command: hello\n{spec}"
    )
}

fn ids(list: &[&str]) -> String {
    format!("  targets: {{ instanceIds: [{}] }}\n", list.join(", "))
}

fn set(docs: &[String]) -> Fixture {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    f.write("main.yaml", docs.join("\n"));
    f
}

#[track_caller]
fn converged(emu: &Emu, f: &Fixture) {
    let out = emu.run(f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(0), "not converged: {}", text(&out));
}

fn invocation_of<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no invocation {name} in {plan}"))
}

/// (action, batch) of every task of every invocation.
fn task_actions(plan: &Value) -> Vec<(String, String)> {
    plan["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| {
            i["tasks"].as_array().unwrap().iter().map(move |t| {
                (
                    i["name"].as_str().unwrap().to_string(),
                    t["action"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect()
}

fn tasks_by_name(sdk: &Sdk) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for t in sdk.invocations("shop") {
        let name = t["Tags"]["assistctl:name"].as_str().unwrap().to_string();
        out.entry(name).or_default().push(t);
    }
    out
}

fn active(tasks: &[Value]) -> Vec<&Value> {
    tasks
        .iter()
        .filter(|t| {
            matches!(
                t["Status"].as_str(),
                Some("Pending" | "Scheduled" | "Running")
            )
        })
        .collect()
}

#[test]
fn each_repeat_mode_is_invoked_as_the_api_takes_it() {
    let emu = Emu::start(&[]);
    let f = set(&[
        hello(HELLO),
        invocation("now", &ids(&[WEB1])),
        invocation(
            "next-boot",
            &format!("{}  schedule: nextBoot\n", ids(&[WEB1])),
        ),
        invocation(
            "every-boot",
            &format!("{}  schedule: everyBoot\n", ids(&[WEB2])),
        ),
        invocation(
            "every-5m",
            &format!("{}  schedule: {{ rate: 5m }}\n", ids(&[API1])),
        ),
        invocation(
            "one-time",
            &format!(
                "{}  schedule: {{ at: \"2030-01-13T02:00:00\", timezone: Asia/Shanghai }}\n",
                ids(&[WEB1])
            ),
        ),
        invocation(
            "sundays",
            &format!(
                "{}  schedule: {{ cron: \"0 15 4 ? * SUN\", timezone: Europe/Berlin }}\n",
                ids(&[WEB2])
            ),
        ),
    ]);
    let p = emu.plan_json(&f);
    let cron = invocation_of(&p, "sundays");
    let fires = cron["schedule"]["nextFires"].as_array().unwrap();
    assert_eq!(fires.len(), 3, "{cron}");
    for fire in fires {
        let fire = fire.as_str().unwrap();
        assert!(
            fire.contains(" 04:15:00 +0") && fire.ends_with("(Europe/Berlin)"),
            "{fire}"
        );
    }
    emu.apply(&f);
    let tasks = tasks_by_name(&Sdk::new(&emu));
    let mode = |name: &str| {
        let t = &tasks[name][0];
        (
            t["RepeatMode"].as_str().unwrap().to_string(),
            t["Frequency"].as_str().unwrap_or_default().to_string(),
        )
    };
    let want = [
        ("now", "Once", ""),
        ("next-boot", "NextRebootOnly", ""),
        ("every-boot", "EveryReboot", ""),
        ("every-5m", "Period", "rate(5m)"),
        (
            "one-time",
            "Period",
            "at(2030-01-13 02:00:00 Asia/Shanghai)",
        ),
        ("sundays", "Period", "0 15 4 ? * SUN Europe/Berlin"),
    ];
    for (name, m, freq) in want {
        assert_eq!(mode(name), (m.to_string(), freq.to_string()), "{name}");
        let tags = &tasks[name][0]["Tags"];
        assert_eq!(tags["assistctl:stack"], "shop");
        assert_eq!(tags["assistctl:batch"], "0");
        assert_eq!(tags["assistctl:hash"].as_str().unwrap().len(), 40);
    }
    converged(&emu, &f);
}

#[test]
fn parameters_frequency_and_added_instances_change_in_place() {
    let emu = Emu::start(&[]);
    let sdk = Sdk::new(&emu);
    let doc = |who: &str, rate: &str, targets: &[&str]| {
        set(&[
            hello(HELLO),
            invocation(
                "check",
                &format!(
                    "{}  parameters: {{ who: {who} }}\n  schedule: {{ rate: {rate} }}\n",
                    ids(targets)
                ),
            ),
        ])
    };
    let f = doc("a", "5m", &[WEB1]);
    emu.apply(&f);
    let first = tasks_by_name(&sdk)["check"][0]["InvokeId"].clone();
    let edits = [
        ("parameters", doc("b", "5m", &[WEB1])),
        ("frequency", doc("b", "10m", &[WEB1])),
        ("instances", doc("b", "10m", &[WEB1, WEB2])),
    ];
    for (field, edit) in edits {
        std::fs::copy(edit.path().join("main.yaml"), f.path().join("main.yaml")).unwrap();
        let p = emu.plan_json(&f);
        let task = &invocation_of(&p, "check")["tasks"][0];
        assert_eq!(task["action"], "modify", "{field}: {p}");
        let fields: Vec<&str> = task["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, [field], "{p}");
        emu.apply(&f);
        converged(&emu, &f);
        let tasks = tasks_by_name(&sdk);
        assert_eq!(tasks["check"].len(), 1, "changed in place: {tasks:?}");
        assert_eq!(tasks["check"][0]["InvokeId"], first);
    }
    let t = &tasks_by_name(&sdk)["check"][0];
    assert_eq!(t["Frequency"], "rate(10m)");
    assert!(t["Parameters"].as_str().unwrap().contains("\"b\""), "{t}");
    assert_eq!(t["Instances"], serde_json::json!([WEB1, WEB2]));
}

#[test]
fn other_changes_stop_the_task_and_invoke_a_new_one() {
    let emu = Emu::start(&[]);
    let sdk = Sdk::new(&emu);
    let doc = |content: &str, extra: &str, targets: &[&str], schedule: &str| {
        set(&[
            hello(content),
            invocation(
                "job",
                &format!("{}  schedule: {schedule}\n{extra}", ids(targets)),
            ),
        ])
    };
    let f = doc(HELLO, "", &[WEB1, WEB2], "{ rate: 5m }");
    emu.apply(&f);
    let edits = [
        (
            "username",
            doc(
                HELLO,
                "  username: ecs-user\n",
                &[WEB1, WEB2],
                "{ rate: 5m }",
            ),
        ),
        (
            "timeout",
            doc(
                HELLO,
                "  username: ecs-user\n  timeout: 45\n",
                &[WEB1, WEB2],
                "{ rate: 5m }",
            ),
        ),
        (
            "instances",
            doc(
                HELLO,
                "  username: ecs-user\n  timeout: 45\n",
                &[WEB1],
                "{ rate: 5m }",
            ),
        ),
        (
            "repeatMode",
            doc(
                HELLO,
                "  username: ecs-user\n  timeout: 45\n",
                &[WEB1],
                "everyBoot",
            ),
        ),
        (
            "command",
            doc(
                "echo goodbye {{who}}",
                "  username: ecs-user\n  timeout: 45\n",
                &[WEB1],
                "everyBoot",
            ),
        ),
    ];
    for (field, edit) in edits {
        let before = active(&tasks_by_name(&sdk)["job"])[0].clone();
        std::fs::copy(edit.path().join("main.yaml"), f.path().join("main.yaml")).unwrap();
        let p = emu.plan_json(&f);
        let task = &invocation_of(&p, "job")["tasks"][0];
        assert_eq!(task["action"], "reinvoke", "{field}: {p}");
        assert!(
            task["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["field"] == field && x["forcesReplace"] == true),
            "{field}: {p}"
        );
        let t = emu.apply(&f);
        assert!(t.contains("stopped and invoked again"), "{t}");
        converged(&emu, &f);
        let tasks = tasks_by_name(&sdk);
        let now = active(&tasks["job"]);
        assert_eq!(now.len(), 1, "one live task per document: {tasks:?}");
        assert_ne!(now[0]["InvokeId"], before["InvokeId"], "{field}");
        let old = tasks["job"]
            .iter()
            .find(|t| t["InvokeId"] == before["InvokeId"])
            .unwrap();
        assert_eq!(old["Status"], "Stopped", "{field}: {old}");
        if field == "command" {
            // The replaced command's task moved to the new command before the old was deleted.
            assert_ne!(now[0]["CommandId"], before["CommandId"]);
            let p = emu.plan_json(&f);
            assert_eq!(
                p["changes"].as_array().unwrap().len(),
                1,
                "old command deleted: {p}"
            );
            assert_eq!(p["changes"][0]["id"], now[0]["CommandId"]);
        }
    }
}

#[test]
fn tag_selector_leaves_out_and_reports_instances_that_cannot_run_it() {
    let emu = Emu::start(&[]);
    let f = set(&[
        hello("echo {{who}} on {{ACS::InstanceId}}"),
        invocation(
            "staging-check",
            "  targets: { tags: { env: staging } }\n  schedule: { rate: 5m }\n",
        ),
        invocation("prod-once", "  targets: { tags: { env: prod } }\n"),
    ]);
    let p = emu.plan_json(&f);
    let staging = invocation_of(&p, "staging-check");
    assert_eq!(staging["instances"], serde_json::json!([STG1]), "{staging}");
    let out: BTreeMap<&str, &str> = staging["ineligible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["instanceId"].as_str().unwrap(),
                x["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(out.len(), 3, "{staging}");
    assert!(
        out["i-bp1old0000000000001"].contains("2.2.0.106"),
        "{out:?}"
    );
    assert!(
        out["i-bp1win0000000000002"].contains("CommandNotApplicable"),
        "{out:?}"
    );
    assert!(
        out["mi-hz0100000000000002"].contains("not connected"),
        "{out:?}"
    );
    let prod = invocation_of(&p, "prod-once");
    assert_eq!(
        prod["instances"],
        serde_json::json!([API1, WEB1, WEB2, "mi-hz0100000000000001"])
    );
    let out: Vec<&str> = prod["ineligible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap())
        .collect();
    assert!(out.iter().any(|r| r.contains("offline")), "{out:?}");
    assert!(out.iter().any(|r| r.contains("Windows")), "{out:?}");
    // The text plan names them with the reason.
    let t = text(&emu.run(&f, &["plan", "."]));
    assert!(
        t.contains("left out:") && t.contains("i-bp1old0000000000001: "),
        "{t}"
    );

    // --strict refuses instead, and applies nothing.
    let out = emu.run(&f, &["plan", "--strict", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("--strict: invocation `staging-check`"),
        "{}",
        text(&out)
    );
    let out = emu.run(&f, &["apply", "--auto-approve", "--strict", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let sdk = Sdk::new(&emu);
    assert!(sdk.invocations("shop").is_empty());

    // Without it the service gets only instances that can run it.
    emu.apply(&f);
    let tasks = tasks_by_name(&sdk);
    assert_eq!(
        tasks["staging-check"][0]["Instances"],
        serde_json::json!([STG1])
    );
    assert_eq!(
        tasks["prod-once"][0]["Instances"].as_array().unwrap().len(),
        4
    );
    converged(&emu, &f);
}

#[test]
fn targets_over_fifty_instances_are_split_into_batches() {
    let mut inventory = String::from("regions: [cn-hangzhou]\ninstances:\n");
    for i in 0..120 {
        inventory.push_str(&format!(
            "  - {{ id: i-fleet{i:015}, os: linux, tags: {{ fleet: big }} }}\n"
        ));
    }
    let f = set(&[
        hello(HELLO),
        invocation("fleet-once", "  targets: { tags: { fleet: big } }\n"),
        invocation(
            "fleet-boot",
            "  targets: { tags: { fleet: big } }\n  schedule: everyBoot\n",
        ),
    ]);
    let world = Fixture::new();
    let inv = world.write("inventory.yaml", inventory);
    let emu = Emu::start(&["--inventory", inv.to_str().unwrap()]);
    let p = emu.plan_json(&f);
    // A `once` run on 120 instances at once is worth a rollout; a boot task is not.
    let warnings = p["warnings"].to_string();
    assert!(
        warnings.contains("`fleet-once` (cn-hangzhou) runs on 120 instances at once"),
        "{warnings}"
    );
    assert!(!warnings.contains("fleet-boot"), "{warnings}");
    for name in ["fleet-once", "fleet-boot"] {
        let tasks = invocation_of(&p, name)["tasks"].as_array().unwrap().clone();
        let sizes: Vec<usize> = tasks
            .iter()
            .map(|t| t["instances"].as_array().unwrap().len())
            .collect();
        assert_eq!(sizes, [50, 50, 20], "{name}");
        let batches: Vec<u64> = tasks.iter().map(|t| t["batch"].as_u64().unwrap()).collect();
        assert_eq!(batches, [0, 1, 2]);
    }
    emu.apply(&f);
    let tasks = tasks_by_name(&Sdk::new(&emu));
    for name in ["fleet-once", "fleet-boot"] {
        assert_eq!(tasks[name].len(), 3, "{name}");
        let mut all: Vec<String> = tasks[name]
            .iter()
            .flat_map(|t| t["Instances"].as_array().unwrap().clone())
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 120, "each instance in exactly one batch");
    }
    converged(&emu, &f);
}

#[test]
fn once_runs_once_per_spec_and_again_when_it_changes() {
    let emu = Emu::start(&[]);
    let sdk = Sdk::new(&emu);
    let doc = |who: &str| {
        set(&[
            hello(HELLO),
            invocation(
                "greet",
                &format!("{}  parameters: {{ who: {who} }}\n", ids(&[WEB1])),
            ),
        ])
    };
    let f = doc("alice");
    emu.apply(&f);
    // Applying again does not run it again, whatever the run's state.
    let t = emu.apply(&f);
    assert!(!t.contains("invoked"), "{t}");
    assert_eq!(tasks_by_name(&sdk)["greet"].len(), 1);
    let p = emu.plan_json(&f);
    let task = &invocation_of(&p, "greet")["tasks"][0];
    assert_eq!(task["action"], "noOp");
    assert!(
        task["reasons"][0]
            .as_str()
            .unwrap()
            .contains("runs once per spec"),
        "{task}"
    );

    // A changed spec runs again, and the plan says what changed.
    std::fs::copy(
        doc("bob").path().join("main.yaml"),
        f.path().join("main.yaml"),
    )
    .unwrap();
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(
        t.contains("the spec changed since the latest task") && t.contains("parameters changed"),
        "{t}"
    );
    assert!(t.contains("who=alice") && t.contains("who=bob"), "{t}");
    emu.apply(&f);
    assert_eq!(tasks_by_name(&sdk)["greet"].len(), 2);
    converged(&emu, &f);
    // Back to a spec that already ran: nothing to do (a task with its hash exists).
    std::fs::copy(
        doc("alice").path().join("main.yaml"),
        f.path().join("main.yaml"),
    )
    .unwrap();
    converged(&emu, &f);
}

#[test]
fn tags_of_the_stack_and_the_document_are_changed_on_the_same_tasks() {
    let emu = Emu::start(&[]);
    let sdk = Sdk::new(&emu);
    let f = Fixture::new();
    let write = |stack_tags: &str, once_tags: &str, rate_tags: &str| {
        f.write(
            "stack.yaml",
            format!("{}  tags: {{ {stack_tags} }}\n", STACK.trim_end())
                .replace("region: cn-hangzhou  tags", "region: cn-hangzhou\n  tags"),
        );
        f.write(
            "main.yaml",
            [
                hello(HELLO),
                invocation(
                    "greet",
                    &format!("{}  tags: {{ {once_tags} }}\n", ids(&[WEB1])),
                ),
                invocation(
                    "every-5m",
                    &format!(
                        "{}  schedule: {{ rate: 5m }}\n  tags: {{ {rate_tags} }}\n",
                        ids(&[WEB2])
                    ),
                ),
            ]
            .join("\n"),
        );
    };
    write("team: ops", "cost: a", "cost: a");
    emu.apply(&f);
    let before = tasks_by_name(&sdk);
    assert_eq!(before["greet"][0]["Tags"]["team"], "ops");
    assert_eq!(before["greet"][0]["Tags"]["cost"], "a");
    let id = |tasks: &BTreeMap<String, Vec<Value>>, name: &str| {
        assert_eq!(tasks[name].len(), 1, "{name}: {:?}", tasks[name]);
        tasks[name][0]["InvokeId"].as_str().unwrap().to_string()
    };

    // The stack's tag changes, `greet` loses `cost` and gains `env`, `every-5m` changes
    // `cost`: no script changes.
    write("team: sre", "env: prod", "cost: b");
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    for line in [
        "~ tags:",
        "~ team: \"ops\" -> \"sre\"",
        "- cost: \"a\"",
        "+ env: \"prod\"",
        "~ cost: \"a\" -> \"b\"",
    ] {
        assert!(t.contains(line), "{line:?} missing from:\n{t}");
    }
    let out = emu.run(&f, &["plan", "--format", "markdown", "."]);
    let md = text(&out);
    assert!(
        md.contains("tag team: ops -\\> sre") && md.contains("tag cost: removed a"),
        "{md}"
    );
    let p = emu.plan_json(&f);
    for name in ["greet", "every-5m"] {
        let tasks = invocation_of(&p, name)["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 1, "{p}");
        assert_eq!(tasks[0]["action"], "modify", "{name}: {p}");
        assert_eq!(tasks[0]["id"], id(&before, name).as_str());
        assert_eq!(tasks[0]["fields"][0]["field"], "tags", "{p}");
        assert!(tasks[0].get("clientToken").is_none(), "{p}");
    }
    let greet = &invocation_of(&p, "greet")["tasks"][0]["fields"][0];
    // Format 2: tag maps, not `k=v` text.
    assert_eq!(
        greet["before"],
        serde_json::json!({"cost": "a", "team": "ops"})
    );
    assert_eq!(
        greet["after"],
        serde_json::json!({"env": "prod", "team": "sre"})
    );
    // The commands take the stack's new tag too.
    assert_eq!(p["summary"]["update"], 1, "{p}");
    assert_eq!(p["summary"]["invoke"], 0, "{p}");
    assert_eq!(p["summary"]["reinvoke"], 0, "{p}");

    emu.apply(&f);
    let after = tasks_by_name(&sdk);
    for name in ["greet", "every-5m"] {
        // The same task: the `once` run did not run again, the repeating one goes on.
        assert_eq!(id(&after, name), id(&before, name), "{name}");
    }
    let greet = &after["greet"][0]["Tags"];
    assert_eq!(greet["team"], "sre");
    assert_eq!(greet["env"], "prod");
    assert!(greet.get("cost").is_none(), "{greet}");
    assert_eq!(greet["assistctl:batch"], "0");
    assert_eq!(
        greet["assistctl:hash"],
        before["greet"][0]["Tags"]["assistctl:hash"]
    );
    let rate = &after["every-5m"][0]["Tags"];
    assert_eq!((&rate["team"], &rate["cost"]), (&"sre".into(), &"b".into()));
    assert_eq!(after["every-5m"][0]["Status"], "Scheduled", "{after:?}");
    converged(&emu, &f);
}

const SECRET: &str = "s3cr3t-Value-42";

fn secret_set(who: &str) -> Fixture {
    set(&[
        "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: hello }\nspec:\n  type: shell\n  timeout: 30\n  content: |\n    echo {{who}} {{token}}\n  parameters:\n    who: { default: world }\n    token: { secret: true, required: true }\n".into(),
        invocation(
            "secret-run",
            &format!(
                "{}  parameters: {{ who: {who}, token: {{ fromEnv: HELLO_TOKEN }} }}\n  schedule: {{ rate: 5m }}\n",
                ids(&[WEB1])
            ),
        ),
    ])
}

#[test]
fn from_env_values_are_redacted_everywhere_and_never_saved() {
    let emu = Emu::start(&[]);
    let f = secret_set("a");
    let with_env = |args: &[&str]| {
        emu.cmd(f.path())
            .env("HELLO_TOKEN", SECRET)
            .args(args)
            .output()
            .unwrap()
    };
    let check = |out: &std::process::Output, what: &str| {
        let t = text(out);
        assert!(!t.contains(SECRET), "{what} leaked the secret:\n{t}");
        t
    };
    for format in ["text", "json", "markdown"] {
        let t = check(&with_env(&["plan", "--format", format, "."]), format);
        assert!(
            t.contains("HELLO_TOKEN"),
            "{format} names the variable: {t}"
        );
    }
    let out = with_env(&["plan", "--out", "saved.json", "."]);
    check(&out, "plan --out");
    let saved = std::fs::read_to_string(f.path().join("saved.json")).unwrap();
    assert!(!saved.contains(SECRET), "{saved}");
    let plan: Value = serde_json::from_str(&saved).unwrap();
    let token = invocation_of(&plan, "secret-run")["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "token")
        .unwrap()
        .clone();
    assert_eq!(token["fromEnv"], "HELLO_TOKEN");
    assert!(token.get("value").is_none(), "{token}");

    let out = with_env(&["apply", "--plan", "saved.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    check(&out, "apply");
    // The service got the value.
    let tasks = tasks_by_name(&Sdk::new(&emu));
    assert!(
        tasks["secret-run"][0]["Parameters"]
            .as_str()
            .unwrap()
            .contains(SECRET)
    );

    // The live task now holds it: later plans, with or without the variable, never show it.
    std::fs::copy(
        secret_set("b").path().join("main.yaml"),
        f.path().join("main.yaml"),
    )
    .unwrap();
    for format in ["text", "json", "markdown"] {
        check(&with_env(&["plan", "--format", format, "."]), format);
        check(&emu.run(&f, &["plan", "--format", format, "."]), format);
    }
    let out = with_env(&["apply", "--auto-approve", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    check(&out, "apply of a modify");
    check(&with_env(&["status"]), "status");
}

#[test]
fn a_missing_env_var_fails_before_any_change() {
    let emu = Emu::start(&[]);
    let f = set(&[
        "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: hello }\nspec:\n  type: shell\n  content: |\n    echo {{a}} {{b}}\n  parameters:\n    a: { required: true }\n    b: { required: true }\n".into(),
        invocation(
            "needs-two",
            &format!(
                "{}  parameters: {{ a: {{ fromEnv: FIRST_TOKEN }}, b: {{ fromEnv: SECOND_TOKEN }} }}\n",
                ids(&[WEB1])
            ),
        ),
    ]);
    let out = emu.run(&f, &["apply", "--auto-approve", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("FIRST_TOKEN, SECOND_TOKEN") && t.contains("nothing was changed"),
        "{t}"
    );
    // Not even the command was created.
    let p = emu.plan_json(&f);
    assert_eq!(p["changes"][0]["action"], "create", "{p}");
    assert!(Sdk::new(&emu).invocations("shop").is_empty());
}

#[test]
fn a_task_stopped_in_the_console_is_drift_and_apply_invokes_it_again() {
    let emu = Emu::start(&[]);
    let sdk = Sdk::new(&emu);
    let f = set(&[
        hello(HELLO),
        invocation(
            "watch",
            &format!("{}  schedule: {{ rate: 5m }}\n", ids(&[WEB1])),
        ),
    ]);
    emu.apply(&f);
    let id = tasks_by_name(&sdk)["watch"][0]["InvokeId"]
        .as_str()
        .unwrap()
        .to_string();
    sdk.run(&format!("stop {id}"));
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(2), "drift: {}", text(&out));
    let p = emu.plan_json(&f);
    let task = &invocation_of(&p, "watch")["tasks"][0];
    assert_eq!(task["action"], "invoke", "{p}");
    let why = task["reasons"][0].as_str().unwrap();
    assert!(
        why.starts_with("drift") && why.contains(&id) && why.contains("Stopped"),
        "{why}"
    );
    emu.apply(&f);
    converged(&emu, &f);
    let tasks = tasks_by_name(&sdk);
    let live = active(&tasks["watch"]);
    assert_eq!(live.len(), 1);
    assert_ne!(
        live[0]["InvokeId"],
        id.as_str(),
        "a new task, not the stopped one back"
    );
}

#[test]
fn removed_documents_stop_their_tasks() {
    let emu = Emu::start(&[]);
    let sdk = Sdk::new(&emu);
    let keep = invocation("keep", &format!("{}  schedule: everyBoot\n", ids(&[WEB1])));
    let f = set(&[
        hello(HELLO),
        keep.clone(),
        invocation(
            "drop",
            &format!("{}  schedule: {{ rate: 1h }}\n", ids(&[WEB2])),
        ),
    ]);
    emu.apply(&f);
    f.write("main.yaml", [hello(HELLO), keep].join("\n"));
    let p = emu.plan_json(&f);
    assert_eq!(
        task_actions(&p),
        [
            ("drop".to_string(), "stop".to_string()),
            ("keep".to_string(), "noOp".to_string())
        ]
    );
    emu.apply(&f);
    converged(&emu, &f);
    let tasks = tasks_by_name(&sdk);
    assert_eq!(tasks["drop"][0]["Status"], "Stopped");
    assert_eq!(active(&tasks["keep"]).len(), 1);
}

#[test]
fn status_wait_follows_real_runs_to_success_failure_and_its_timeout() {
    let emu = Emu::start(&[]);
    let f = set(&[hello(HELLO), invocation("greet", &ids(&[WEB1, WEB2]))]);
    emu.apply(&f);
    // Success: both instances ran the script; their output is the script's.
    let out = emu.run(&f, &["status", "greet", "--wait", "--timeout", "60"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("invocation greet") && t.contains(WEB1) && t.contains(WEB2),
        "{t}"
    );
    assert_eq!(t.matches("    Success    exit 0").count(), 2, "{t}");
    assert_eq!(t.matches("hello world").count(), 2, "{t}");

    // Failure: --wait exits 1 and names each instance that did not succeed.
    f.write(
        "main.yaml",
        [
            hello("echo about to fail {{who}}; exit 7"),
            invocation("greet", &ids(&[WEB1])),
        ]
        .join("\n"),
    );
    emu.apply(&f);
    let out = emu.run(&f, &["status", "greet", "--wait", "--timeout", "60"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("Failed") && t.contains("exit 7"), "{t}");
    assert!(t.contains("about to fail"), "{t}");

    // Its own timeout: a run still going when --timeout passes.
    f.write(
        "main.yaml",
        [
            hello("echo sleeping {{who}}; sleep 20"),
            invocation("greet", &ids(&[WEB2])),
        ]
        .join("\n"),
    );
    emu.apply(&f);
    let out = emu.run(&f, &["status", "greet", "--wait", "--timeout", "2"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("after 2 s") && t.contains(WEB2), "{t}");

    let out = emu.run(&f, &["status", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("stack `shop` has no invocation `nope`"),
        "{}",
        text(&out)
    );
}

/// The shipped examples: they name instances of the emulator's default inventory; the cron
/// of weekly-log-rotation shows its next three Sundays at 04:15 Berlin time, with the offset
/// of the date (the unit test of reconcile::invocation_schedule pins the dates across a
/// change); the `once` examples (which tests/it/readme.rs runs) resolve to the instances they
/// run on, and a tag selector leaves out, with the reason, the instances that cannot run it.
#[test]
fn the_examples_plan_shows_their_schedules_and_instances() {
    let emu = Emu::start(&[]);
    let f = Fixture::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/commands");
    for e in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(&root).unwrap();
            f.write(rel.to_str().unwrap(), std::fs::read(e.path()).unwrap());
        }
    }
    let p = emu.plan_json(&f);
    let rotation = invocation_of(&p, "weekly-log-rotation");
    assert_eq!(
        rotation["schedule"]["frequency"],
        "0 15 4 ? * SUN Europe/Berlin"
    );
    let fires = rotation["schedule"]["nextFires"].as_array().unwrap();
    assert_eq!(fires.len(), 3);
    for fire in fires {
        let s = fire.as_str().unwrap();
        let date = chrono::NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").unwrap();
        assert_eq!(
            chrono::Datelike::weekday(&date),
            chrono::Weekday::Sun,
            "{s}"
        );
        assert!(
            s.ends_with(" 04:15:00 +01:00 (Europe/Berlin)")
                || s.ends_with(" 04:15:00 +02:00 (Europe/Berlin)"),
            "{s}"
        );
    }
    // The examples name instances of the emulator's default inventory.
    let ids: Vec<&str> = rotation["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["i-bp1api0000000000001", "i-bp1stg0000000000001"],
        "{rotation}"
    );
    assert!(
        rotation["ineligible"]
            .as_array()
            .is_none_or(|a| a.is_empty()),
        "{rotation}"
    );
    // The `once` examples: what runs at apply, where.
    const DB1: &str = "mi-hz0100000000000001";
    const WIN1: &str = "i-bp1win0000000000001";
    const OFF1: &str = "i-bp1off0000000000001";
    let once: Vec<&str> = p["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["schedule"]["repeatMode"] == "Once")
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        once,
        vec![
            "audit-accounts-prod",
            "backup-hosts-web-1",
            "diagnose-win-1",
            "disk-usage-web-now"
        ]
    );
    for (name, want) in [
        ("audit-accounts-prod", vec![API1, WEB1, WEB2, DB1]),
        ("backup-hosts-web-1", vec![WEB1]),
        ("diagnose-win-1", vec![WIN1]),
        ("disk-usage-web-now", vec![WEB1, WEB2]),
    ] {
        let inv = invocation_of(&p, name);
        assert_eq!(inv["instances"], serde_json::json!(want), "{inv}");
        assert_eq!(
            task_actions(&serde_json::json!({ "invocations": [inv] })),
            vec![(name.to_string(), "invoke".to_string())],
            "{inv}"
        );
    }
    let audit = invocation_of(&p, "audit-accounts-prod");
    let left_out: Vec<(&str, &str)> = audit["ineligible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["instanceId"].as_str().unwrap(),
                i["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(left_out.len(), 2, "{audit}");
    assert!(
        left_out[0].0 == OFF1 && left_out[0].1.contains("(ClientNotRunning)"),
        "{audit}"
    );
    assert!(
        left_out[1].0 == WIN1 && left_out[1].1.contains("(CommandNotApplicable)"),
        "{audit}"
    );
    // The boot-time and tag-selected examples resolve in the emulator's world.
    let kernel = invocation_of(&p, "tune-kernel-staging");
    assert_eq!(kernel["schedule"]["repeatMode"], "EveryReboot");
    assert!(
        kernel["instances"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(STG1)),
        "{kernel}"
    );
}
