//! plan / apply / import through the binary against a fresh emulator: one test per
//! transition, the exit codes, stale plans, drift, partial failure and races.

use crate::common;

use common::emu::Emu;
use common::{Fixture, text};
use serde_json::Value;

const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: shop }\nspec:\n  region: cn-hangzhou\n  tags: { team: sre }\n";

fn command(name: &str, body: &str) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: {name} }}\nspec:\n{body}"
    )
}

const HELLO: &str = "  type: shell\n  timeout: 30\n  content: |\n    echo hello\n";

fn set(docs: &[String]) -> Fixture {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    f.write("commands.yaml", docs.join("\n"));
    f
}

fn actions(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "noOp")
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn act(a: &str, n: &str) -> (String, String) {
    (a.to_string(), n.to_string())
}

#[test]
fn create_then_no_op_with_detailed_exit_codes() {
    let emu = Emu::start(&[]);
    let f = set(&[command("hello", HELLO)]);
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("hello"), "{}", text(&out));
    let t = emu.apply(&f);
    assert!(t.contains("Apply complete: 1 change applied"), "{t}");
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "second plan must be empty: {}",
        text(&out)
    );
    let p = emu.plan_json(&f);
    assert_eq!(p["summary"]["unchanged"], 1);
    // The created command carries the ownership and stack tags.
    let c = &p["changes"][0]["live"];
    assert_eq!(c["tags"]["assistctl:stack"], "shop");
    assert_eq!(c["tags"]["assistctl:name"], "hello");
    assert_eq!(c["tags"]["team"], "sre");
}

#[test]
fn error_exit_code_is_1() {
    let emu = Emu::start(&[]);
    let f = set(&[command("bad", "  type: shell\n  content: echo {{x}}\n")]);
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("undeclared-parameter"),
        "{}",
        text(&out)
    );
}

#[test]
fn each_mutable_field_updates_in_place() {
    let emu = Emu::start(&[]);
    let f = set(&[command("c", HELLO)]);
    emu.apply(&f);
    let id = emu.plan_json(&f)["changes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let head = "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: { name: c, description: says hello }\nspec:\n  type: shell\n  content: |\n    echo hello\n";
    let launcher = "  launcher: 'bash {{ACS::ScriptFileName}}'\n";
    let edits = [
        ("description", format!("{head}  timeout: 30\n")),
        (
            "workingDir",
            format!("{head}  timeout: 30\n  workingDir: /home\n"),
        ),
        (
            "timeout",
            format!("{head}  timeout: 45\n  workingDir: /home\n"),
        ),
        (
            "launcher",
            format!("{head}  timeout: 45\n  workingDir: /home\n{launcher}"),
        ),
        (
            "tags",
            format!(
                "{head}  timeout: 45\n  workingDir: /home\n{launcher}  tags: {{ tier: gold }}\n"
            ),
        ),
    ];
    for (field, doc) in edits {
        f.write("commands.yaml", &doc);
        let p = emu.plan_json(&f);
        assert_eq!(actions(&p), vec![act("update", "c")], "{field}: {p}");
        let fields: Vec<&str> = p["changes"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, vec![field], "{p}");
        emu.apply(&f);
        let p = emu.plan_json(&f);
        assert_eq!(actions(&p), vec![], "{field} converged: {p}");
        assert_eq!(
            p["changes"][0]["id"],
            id.as_str(),
            "updated in place, same id"
        );
    }
    // Removing the tag untags it.
    f.write(
        "commands.yaml",
        format!("{head}  timeout: 45\n  workingDir: /home\n{launcher}"),
    );
    assert_eq!(actions(&emu.plan_json(&f)), vec![act("update", "c")]);
    emu.apply(&f);
    let p = emu.plan_json(&f);
    assert!(p["changes"][0]["live"]["tags"].get("tier").is_none(), "{p}");
}

#[test]
fn each_immutable_field_replaces() {
    let emu = Emu::start(&[]);
    let f = set(&[command("c", HELLO)]);
    emu.apply(&f);
    let causes = [
        (
            "content",
            command(
                "c",
                "  type: shell\n  timeout: 30\n  content: |\n    echo goodbye\n",
            ),
        ),
        (
            "type",
            command(
                "c",
                "  type: python\n  timeout: 30\n  content: |\n    echo goodbye\n",
            ),
        ),
        (
            "enableParameter",
            command(
                "c",
                "  type: python\n  timeout: 30\n  enableParameter: true\n  content: |\n    echo goodbye\n",
            ),
        ),
        (
            "resourceGroupId",
            command(
                "c",
                "  type: python\n  timeout: 30\n  enableParameter: true\n  resourceGroupId: rg-acfmops000000001\n  content: |\n    echo goodbye\n",
            ),
        ),
    ];
    for (field, doc) in causes {
        let before = emu.plan_json(&f)["changes"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        f.write("commands.yaml", &doc);
        let p = emu.plan_json(&f);
        assert_eq!(actions(&p), vec![act("replace", "c")], "{field}: {p}");
        let change = &p["changes"][0];
        assert!(
            change["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["field"] == field && x["forcesReplace"] == true),
            "{p}"
        );
        let t = emu.apply(&f);
        assert!(t.contains("replaced"), "{t}");
        let p = emu.plan_json(&f);
        assert_eq!(actions(&p), vec![], "{field} converged: {p}");
        let after = p["changes"][0]["id"].as_str().unwrap();
        assert_ne!(after, before, "{field}: a replace makes a new command");
        assert_eq!(
            p["changes"].as_array().unwrap().len(),
            1,
            "the old command is deleted: {p}"
        );
    }
    // The text plan shows the script as a unified diff, not base64.
    f.write("commands.yaml", command("c", "  type: python\n  timeout: 30\n  enableParameter: true\n  resourceGroupId: rg-acfmops000000001\n  content: |\n    echo farewell\n"));
    let out = emu.run(&f, &["plan", "."]);
    let t = text(&out);
    assert!(
        t.contains("-echo goodbye") && t.contains("+echo farewell"),
        "{t}"
    );
}

#[test]
fn removed_document_is_pruned_and_empty_set_is_refused() {
    let emu = Emu::start(&[]);
    let f = set(&[command("a", HELLO), command("b", HELLO)]);
    emu.apply(&f);
    f.write("commands.yaml", command("a", HELLO));
    assert_eq!(actions(&emu.plan_json(&f)), vec![act("delete", "b")]);
    emu.apply(&f);
    assert_eq!(actions(&emu.plan_json(&f)), vec![]);
    // Declared again unchanged: the service remembers the first ClientToken and returns
    // the deleted command, which apply notices and creates anew.
    f.write(
        "commands.yaml",
        [command("a", HELLO), command("b", HELLO)].join("\n"),
    );
    assert_eq!(actions(&emu.plan_json(&f)), vec![act("create", "b")]);
    emu.apply(&f);
    assert_eq!(actions(&emu.plan_json(&f)), vec![], "b exists again");
    f.write("commands.yaml", command("a", HELLO));
    emu.apply(&f);
    // No command documents at all: deleting everything needs --allow-empty.
    f.write("commands.yaml", "");
    std::fs::remove_file(f.path().join("commands.yaml")).unwrap();
    let out = emu.run(&f, &["apply", "--auto-approve", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("--allow-empty"), "{}", text(&out));
    let out = emu.run(&f, &["apply", "--auto-approve", "--allow-empty", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(emu.plan_json(&f)["changes"].as_array().unwrap().len(), 0);
}

#[test]
fn target_limits_the_plan() {
    let emu = Emu::start(&[]);
    let f = set(&[command("a", HELLO), command("b", HELLO)]);
    let out = emu.run(&f, &["apply", "--auto-approve", "--target", "a", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(actions(&emu.plan_json(&f)), vec![act("create", "b")]);
}

#[test]
fn an_unknown_target_is_an_error_with_did_you_mean() {
    let emu = Emu::start(&[]);
    let f = set(&[command("nightly-backup", HELLO), command("b", HELLO)]);
    for verb in [
        &["plan", "--detailed-exitcode"][..],
        &["apply", "--auto-approve"],
    ] {
        let mut args = verb.to_vec();
        args.extend(["--target", "nightly-bakup", "."]);
        let out = emu.run(&f, &args);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(1), "{verb:?}: {t}");
        assert!(
            t.contains("--target `nightly-bakup` names no document of stack `shop`: did you mean `nightly-backup`?"),
            "{t}"
        );
        assert!(
            t.contains("documents in the manifests: `b`, `nightly-backup`"),
            "{t}"
        );
        assert!(!t.contains("No changes"), "{t}");
    }
    assert_eq!(
        actions(&emu.plan_json(&f)),
        vec![act("create", "b"), act("create", "nightly-backup")],
        "nothing was applied"
    );
    // A removed document the stack still owns can be targeted, to prune just it.
    emu.apply(&f);
    let f2 = set(&[command("nightly-backup", HELLO)]);
    std::fs::copy(
        f2.path().join("commands.yaml"),
        f.path().join("commands.yaml"),
    )
    .unwrap();
    let out = emu.run(&f, &["plan", "--format", "json", "--target", "b", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(actions(&p), vec![act("delete", "b")]);
    let out = emu.run(&f, &["plan", "--target", "c", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("removed documents the stack still owns in the cloud: `b`"),
        "{t}"
    );
}

#[test]
fn apply_refuses_without_a_terminal_or_auto_approve() {
    let emu = Emu::start(&[]);
    let f = set(&[command("a", HELLO)]);
    let out = emu.run(&f, &["apply", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("--auto-approve"), "{}", text(&out));
    assert_eq!(
        actions(&emu.plan_json(&f)),
        vec![act("create", "a")],
        "nothing was applied"
    );
}

#[test]
fn saved_plan_applies_and_a_stale_one_is_refused() {
    let emu = Emu::start(&[]);
    let f = set(&[command("a", HELLO)]);
    let out = emu.run(&f, &["plan", "--out", "plan.json", "."]);
    assert!(out.status.success(), "{}", text(&out));
    // The manifests change after the plan was made.
    f.write(
        "commands.yaml",
        command(
            "a",
            "  type: shell\n  timeout: 40\n  content: |\n    echo hello\n",
        ),
    );
    let out = emu.run(&f, &["apply", "--plan", "plan.json", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("stale: the manifests changed"),
        "{}",
        text(&out)
    );
    // The cloud changes after the plan was made.
    let out = emu.run(&f, &["plan", "--out", "plan.json", "."]);
    assert!(out.status.success());
    let other = set(&[command("zzz", HELLO)]);
    other.write("stack.yaml", STACK);
    emu.apply(&other);
    let out = emu.run(&f, &["apply", "--plan", "plan.json", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("stale: the commands in the cloud changed"),
        "{}",
        text(&out)
    );
    // A fresh saved plan applies without a prompt.
    let out = emu.run(&f, &["plan", "--out", "plan.json", "."]);
    assert!(out.status.success());
    let out = emu.run(&f, &["apply", "--plan", "plan.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(actions(&emu.plan_json(&f)), vec![]);
}

#[test]
fn unowned_command_with_the_same_name_conflicts_and_import_adopts_it() {
    let emu = Emu::start(&[]);
    // Someone created `legacy` by hand: a stack without it creates it, then we strip tags.
    let manual = set(&[command("legacy", HELLO)]);
    manual.write(
        "stack.yaml",
        STACK
            .replace("shop", "handmade")
            .replace("  tags: { team: sre }\n", ""),
    );
    emu.apply(&manual);
    let id = emu.plan_json(&manual)["changes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sdk = common::sdk::Sdk::new(&emu);
    sdk.run(&format!("untag {id} assistctl:stack assistctl:name"));

    let f = set(&[command("legacy", HELLO)]);
    let out = emu.run(&f, &["plan", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // The hint's command is complete (`import` requires --region): run it as written,
    // with DIR filled in.
    let p = emu.plan_json(&f);
    let given = p["conflicts"][0]["hint"].as_str().unwrap();
    let hint = format!("assistctl import --region cn-hangzhou --id {id} --out DIR");
    assert!(given.contains(&format!("`{hint}`")), "{p}");
    let args: Vec<String> = hint
        .replace("DIR", "imported")
        .split_whitespace()
        .skip(1)
        .map(String::from)
        .collect();
    let out = emu.cmd(f.path()).args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    std::fs::remove_file(f.path().join("commands.yaml")).unwrap();
    let p = emu.plan_json(&f);
    assert_eq!(actions(&p), vec![act("adopt", "legacy")], "{p}");
    let t = emu.apply(&f);
    assert!(t.contains("adopted"), "{t}");
    let p = emu.plan_json(&f);
    assert_eq!(actions(&p), vec![], "{p}");
    assert_eq!(p["changes"][0]["id"], id.as_str(), "adopted, not recreated");
}

#[test]
fn console_edit_is_drift_and_apply_repairs_it() {
    let emu = Emu::start(&[]);
    let f = set(&[command("c", HELLO)]);
    emu.apply(&f);
    let id = emu.plan_json(&f)["changes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    common::sdk::Sdk::new(&emu).run(&format!(
        "modify {id} Timeout=99 Description=edited-in-console Name=renamed-in-console"
    ));
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(2), "drift: {}", text(&out));
    let t = text(&out);
    assert!(t.contains("99") && t.contains("renamed-in-console"), "{t}");
    let p = emu.plan_json(&f);
    let fields: Vec<&str> = p["changes"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    // Clearing the description takes a replace, which also restores the rest.
    assert_eq!(fields, vec!["name", "description", "timeout"], "{p}");
    assert_eq!(p["changes"][0]["action"], "replace", "{p}");
    emu.apply(&f);
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(out.status.code(), Some(0), "repaired: {}", text(&out));
    // A rename alone is put back in place, keeping the command.
    let id = emu.plan_json(&f)["changes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    common::sdk::Sdk::new(&emu).run(&format!("modify {id} Name=renamed Timeout=31"));
    let p = emu.plan_json(&f);
    assert_eq!(actions(&p), vec![act("update", "c")], "{p}");
    emu.apply(&f);
    let p = emu.plan_json(&f);
    assert_eq!(actions(&p), vec![]);
    assert_eq!(p["changes"][0]["id"], id.as_str());
    assert_eq!(p["changes"][0]["live"]["name"], "c");
}

#[test]
fn partial_failure_reports_codes_and_the_next_apply_converges() {
    // One in seven requests fails before it changes anything; apply makes one attempt per
    // call, so some changes fail while the others go through.
    let emu = Emu::start(&["--fail-rate", "0.15", "--seed", "7"]);
    let docs: Vec<String> = (0..12).map(|i| command(&format!("c{i}"), HELLO)).collect();
    let f = set(&docs);
    let mut partial = false;
    // Each apply makes about a dozen calls before its first write (regions, commands,
    // tasks, quota), each failing one time in seven, so it takes a number of tries.
    for _ in 0..40 {
        let out = emu.run(&f, &["apply", "--auto-approve", "--max-attempts", "1", "."]);
        let t = text(&out);
        if t.contains("Apply incomplete") {
            partial = true;
            assert_eq!(out.status.code(), Some(1), "{t}");
            assert!(
                t.contains("request id")
                    && (t.contains("InternalError") || t.contains("ServiceUnavailable")),
                "{t}"
            );
        }
        // With retries on, a plan sees through the injected faults.
        let check = emu.run(
            &f,
            &["plan", "--detailed-exitcode", "--max-attempts", "10", "."],
        );
        if check.status.code() == Some(0) {
            assert!(partial, "fault injection never made an apply fail part-way");
            let p = emu.plan_json(&f);
            assert_eq!(
                p["summary"]["unchanged"], 12,
                "one command per document: {p}"
            );
            return;
        }
    }
    panic!("apply did not converge in 40 attempts");
}

#[test]
fn two_applies_at_once_create_no_duplicates() {
    let emu = Emu::start(&["--latency-ms", "50"]);
    let docs: Vec<String> = (0..6).map(|i| command(&format!("c{i}"), HELLO)).collect();
    let f = set(&docs);
    let a = emu
        .cmd(f.path())
        .args(["apply", "--auto-approve", "."])
        .spawn()
        .unwrap();
    let b = emu
        .cmd(f.path())
        .args(["apply", "--auto-approve", "."])
        .spawn()
        .unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        a.status.success() && b.status.success(),
        "{} {}",
        text(&a),
        text(&b)
    );
    let p = emu.plan_json(&f);
    assert_eq!(actions(&p), vec![], "{p}");
    assert_eq!(
        p["changes"].as_array().unwrap().len(),
        6,
        "exactly one command per document: {p}"
    );
}

#[test]
fn plan_reads_with_list_calls_not_one_describe_per_command() {
    let emu = Emu::start(&[]);
    let docs: Vec<String> = (0..120)
        .map(|i| command(&format!("c{i:03}"), HELLO))
        .collect();
    let f = set(&docs);
    emu.apply(&f);
    let before = emu.requests("DescribeCommands");
    let tasks_before = emu.requests("DescribeInvocations");
    let p = emu.plan_json(&f);
    let reads = emu.requests("DescribeCommands") - before;
    // 120 commands in pages of 50, one look for the stack's tag in each of the default
    // inventory's three other regions (a stack that moved regions leaves nothing behind),
    // and one page of one for the region's command count (the quota check).
    assert_eq!(reads, 3 + 3 + 1, "120 commands in pages of 50: {p}");
    // One DescribeInvocations for the stack's tasks, and one per other region.
    assert_eq!(emu.requests("DescribeInvocations") - tasks_before, 1 + 3);
    assert_eq!(
        p["apiCalls"]["reads"],
        7 + 4 + 1 + 1,
        "with one DescribeRegions and one DescribeAccountAttributes"
    );
}

/// Two stacks in one region, with the same document names (one stack per environment, as
/// `--allow-duplicates` means): applying, pruning and emptying stack A leaves every command
/// and task of stack B as it was, read back with the official SDK and by B's own plan.
#[test]
fn two_stacks_with_the_same_names_never_touch_each_other() {
    let emu = Emu::start(&[]);
    let sdk = common::sdk::Sdk::new(&emu);
    let stack = |name: &str| {
        format!(
            "apiVersion: assistctl/v1\nkind: Stack\nmetadata: {{ name: {name} }}\nspec:\n  region: cn-hangzhou\n"
        )
    };
    let invocation = |name: &str, command: &str, extra: &str| {
        format!(
            "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: {name} }}\nspec:\n  command: {command}\n  targets: {{ instanceIds: [i-bp1web0000000000001] }}\n{extra}"
        )
    };
    let docs = |who: &str| {
        vec![
            command("hello", &HELLO.replace("hello", who)),
            command("disk", "  type: shell\n  timeout: 30\n  content: df -h\n"),
            invocation("greet", "hello", ""),
            invocation("disk-every-5m", "disk", "  schedule: { rate: 5m }\n"),
        ]
    };
    let fixture = |name: &str, docs: &[String]| {
        let f = Fixture::new();
        f.write("stack.yaml", stack(name));
        f.write("commands.yaml", docs.join("\n"));
        f
    };
    let a = fixture("stack-a", &docs("from a"));
    let b = fixture("stack-b", &docs("from b"));
    let apply = |f: &Fixture, extra: &[&str]| {
        let mut args = vec!["apply", "--auto-approve", "--allow-duplicates"];
        args.extend_from_slice(extra);
        args.push(".");
        let out = emu.run(f, &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    };
    apply(&a, &[]);
    apply(&b, &[]);

    // B as it is: its plan in sync, its command ids, its tasks as the SDK reads them.
    let b_plan = || {
        let out = emu.run(
            &b,
            &[
                "plan",
                "--format",
                "json",
                "--allow-duplicates",
                "--detailed-exitcode",
                ".",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "B drifted: {}", text(&out));
        let p: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ids: Vec<(String, String)> = p["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!(c["action"], "noOp", "{c}");
                (
                    c["name"].as_str().unwrap().into(),
                    c["id"].as_str().unwrap().into(),
                )
            })
            .collect();
        ids
    };
    let b_tasks = || {
        let mut tasks: Vec<String> = sdk
            .invocations("stack-b")
            .iter()
            .map(|t| {
                // What B's runs depend on and what would change if A touched them; the
                // per-run status of a `once` task moves on by itself.
                let status = if t["RepeatMode"] == "Once" {
                    "-"
                } else {
                    t["Status"].as_str().unwrap()
                };
                format!(
                    "{} {} {} {status}",
                    t["InvokeId"], t["CommandId"], t["Tags"]
                )
            })
            .collect();
        tasks.sort();
        tasks
    };
    let commands = b_plan();
    assert_eq!(commands.len(), 2, "{commands:?}");
    let tasks = b_tasks();
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    assert!(
        tasks
            .iter()
            .all(|t| t.contains("\"assistctl:stack\":\"stack-b\"")),
        "{tasks:?}"
    );
    assert!(tasks.iter().any(|t| t.ends_with(" Scheduled")), "{tasks:?}");
    let a_ids: Vec<String> = sdk
        .invocations("stack-a")
        .iter()
        .map(|t| t["InvokeId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(a_ids.len(), 2);
    assert!(
        a_ids
            .iter()
            .all(|id| !tasks.iter().any(|t| t.contains(id.as_str())))
    );

    // A prunes a document of the same name as one of B's: its command and its task.
    let mut pruned = docs("from a");
    pruned.retain(|d| !d.contains("disk"));
    a.write("commands.yaml", pruned.join("\n"));
    let out = emu.run(&a, &["plan", "--format", "json", "--allow-duplicates", "."]);
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(actions(&p), vec![act("delete", "disk")], "{p}");
    apply(&a, &[]);
    assert_eq!(b_plan(), commands);
    assert_eq!(b_tasks(), tasks);

    // A empties itself.
    std::fs::remove_file(a.path().join("commands.yaml")).unwrap();
    apply(&a, &["--allow-empty"]);
    let out = emu.run(&a, &["plan", "--format", "json", "--allow-duplicates", "."]);
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(p["changes"].as_array().unwrap().len(), 0, "{p}");
    let a_active: Vec<Value> = sdk
        .invocations("stack-a")
        .into_iter()
        .filter(|t| t["RepeatMode"] != "Once" && t["Status"] == "Scheduled")
        .collect();
    assert!(a_active.is_empty(), "{a_active:?}");
    assert_eq!(b_plan(), commands);
    assert_eq!(b_tasks(), tasks);
}
