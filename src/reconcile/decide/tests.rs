//! The whole plan, commands and invocations together, decided without a cloud: manifests
//! from a temporary directory through the real validation, the cloud as a hand-made
//! [`LiveState`] (what apply would have left), and a fixed clock.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::domain::status::{InvocationStatus, TargetStatus};
use crate::reconcile::command::model::LiveCommand;
use crate::reconcile::invocation::change::{TaskAction, TaskChange};
use crate::reconcile::invocation::model::{LiveInvocation, RepeatMode};
use crate::reconcile::invocation::targets::InventoryInstance;
use crate::reconcile::observe::Quota;
use crate::reconcile::ownership::{TAG_BATCH, TAG_HASH, TAG_INPUTS};

const REGION: &str = "cn-hangzhou";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: web }\nspec:\n  region: cn-hangzhou\n";

fn command(name: &str, script: &str) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: {name} }}\nspec:\n  type: shell\n  timeout: 60\n  content: |\n    {script}\n"
    )
}

fn invocation(name: &str, command: &str, schedule: &str) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: {name} }}\nspec:\n  command: {command}\n  targets: {{ tags: {{ app: web }} }}\n  schedule: {schedule}\n"
    )
}

/// The desired state of `docs` (after the Stack document), through the real validation.
fn desired(docs: &[String]) -> Desired {
    let dir = tempfile::tempdir().unwrap();
    let text = std::iter::once(STACK.to_string())
        .chain(docs.iter().cloned())
        .collect::<String>();
    std::fs::write(dir.path().join("stack.yaml"), text).unwrap();
    let v = crate::manifest::validate(
        &[dir.path().to_path_buf()],
        &crate::manifest::rules::Context::default(),
    );
    assert_eq!(v.errors(), 0, "{:#?}", v.diagnostics);
    crate::reconcile::desired::build(v.model().unwrap())
}

fn instance(id: &str) -> InventoryInstance {
    InventoryInstance {
        id: id.into(),
        managed: false,
        os_type: "linux".into(),
        status: "Running".into(),
        online: true,
        agent_version: "2.2.3.857".into(),
        resource_group_id: String::new(),
        tags: [("app".to_string(), "web".to_string())].into(),
    }
}

/// An empty account with `n` web instances and room for 100 commands.
fn empty(n: usize) -> LiveState {
    LiveState {
        inventory: [(
            REGION.to_string(),
            (1..=n).map(|i| instance(&format!("i-web{i}"))).collect(),
        )]
        .into(),
        quotas: [(
            REGION.to_string(),
            Quota {
                limit: Some(100),
                count: 0,
            },
        )]
        .into(),
        ..LiveState::default()
    }
}

/// The cloud after `plan` was applied as planned: each created command with an id, each
/// invoked task running (repeating) or done (`once`).
fn applied(mut live: LiveState, plan: &Plan) -> LiveState {
    let mut next = 0;
    let mut id = |prefix: &str| {
        next += 1;
        format!("{prefix}-{next}")
    };
    let mut ids = BTreeMap::new();
    for c in plan.actions() {
        match c.action {
            Action::Create | Action::Replace => {
                live.commands.owned.retain(|l| Some(&l.id) != c.id.as_ref());
                let new = LiveCommand {
                    id: id("c"),
                    region: c.region.clone(),
                    creation_time: "2026-03-01T12:00:00Z".into(),
                    state: c.desired.clone().unwrap(),
                };
                ids.insert(c.name.clone(), new.id.clone());
                live.commands.owned.push(new);
            }
            Action::Delete => live.commands.owned.retain(|l| Some(&l.id) != c.id.as_ref()),
            _ => {
                let l = live
                    .commands
                    .owned
                    .iter_mut()
                    .find(|l| Some(&l.id) == c.id.as_ref())
                    .unwrap();
                l.state = c.desired.clone().unwrap();
            }
        }
    }
    for i in &plan.invocations {
        for t in i.actions() {
            if matches!(t.action, TaskAction::Stop | TaskAction::Reinvoke) {
                let old = live
                    .invocations
                    .iter_mut()
                    .find(|l| Some(&l.id) == t.id.as_ref())
                    .unwrap();
                old.status = Some(InvocationStatus::Stopped);
            }
            if matches!(t.action, TaskAction::Invoke | TaskAction::Reinvoke) {
                let command_id = i
                    .command_id
                    .clone()
                    .or_else(|| ids.get(&i.command).cloned())
                    .unwrap();
                live.invocations.push(task(i, t, id("t"), command_id));
            }
        }
    }
    live
}

fn task(i: &InvocationPlan, t: &TaskChange, id: String, command_id: String) -> LiveInvocation {
    let once = i.schedule.repeat_mode == RepeatMode::Once;
    let mut tags = i.tags.clone();
    tags.insert(TAG_HASH.into(), i.hash.clone());
    tags.insert(TAG_INPUTS.into(), i.inputs_hash.clone());
    tags.insert(TAG_BATCH.into(), t.batch.to_string());
    let (status, target) = if once {
        (InvocationStatus::Success, TargetStatus::Success)
    } else {
        (InvocationStatus::Running, TargetStatus::Running)
    };
    LiveInvocation {
        id,
        region: i.region.clone(),
        creation_time: "2026-03-01T12:00:00Z".into(),
        name: i.name.clone(),
        hash: i.hash.clone(),
        inputs: i.inputs_hash.clone(),
        batch: t.batch,
        command_id,
        command_name: i.command.clone(),
        repeat_mode: Some(i.schedule.repeat_mode),
        frequency: i.schedule.frequency.clone().unwrap_or_default(),
        parameters: i
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.value.clone().unwrap_or_default()))
            .collect(),
        timeout: i.run.timeout,
        working_dir: i.run.working_dir.clone(),
        username: "root".into(),
        container_id: String::new(),
        container_name: String::new(),
        termination_mode: String::new(),
        status: Some(status),
        instances: t
            .instances
            .iter()
            .map(|x| (x.clone(), Some(target)))
            .collect(),
        tags,
    }
}

fn plan(d: &Desired, live: &LiveState) -> Plan {
    reconcile(d, live, &PlanOptions::default(), now()).unwrap()
}

fn tasks(p: &Plan) -> Vec<(String, TaskAction, u32)> {
    p.invocations
        .iter()
        .flat_map(|i| {
            i.tasks
                .iter()
                .map(move |t| (i.name.clone(), t.action, t.batch))
        })
        .collect()
}

#[test]
fn a_new_stack_creates_its_commands_and_invokes_with_the_created_command() {
    let d = desired(&[
        command("rotate", "logrotate -f /etc/logrotate.conf"),
        invocation("rotate-hourly", "rotate", "{ rate: 1h }"),
        command("audit", "last -n 5"),
        invocation("audit-once", "audit", "once"),
    ]);
    let p = plan(&d, &empty(3));
    let created: Vec<(&str, Action)> = p
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        created,
        [("audit", Action::Create), ("rotate", Action::Create)]
    );
    assert_eq!(
        tasks(&p),
        [
            ("audit-once".into(), TaskAction::Invoke, 0),
            ("rotate-hourly".into(), TaskAction::Invoke, 0)
        ]
    );
    let rotate = &p.invocations[1];
    assert_eq!(rotate.command_id, None, "its id is made by this apply");
    assert_eq!(rotate.instances, ["i-web1", "i-web2", "i-web3"]);
    // The clock is the caller's: the plan's time and the first fire come from it.
    assert_eq!(p.created_at, "2026-03-01T12:00:00Z");
    assert_eq!(
        rotate.schedule.next_fires[0],
        "2026-03-01 13:00:00 +00:00 (UTC)"
    );
    assert_eq!((p.summary.create, p.summary.invoke), (2, 2));
    assert_eq!(p.api_calls.writes, 4);
    assert!(p.blockers.is_empty() && p.warnings.is_empty(), "{p:#?}");
}

#[test]
fn applied_as_planned_the_next_plan_is_in_sync_and_the_same_inputs_decide_the_same() {
    let d = desired(&[
        command("rotate", "logrotate -f /etc/logrotate.conf"),
        invocation("rotate-hourly", "rotate", "{ rate: 1h }"),
        invocation("rotate-once", "rotate", "once"),
    ]);
    let first = plan(&d, &empty(2));
    let live = applied(empty(2), &first);
    let second = plan(&d, &live);
    assert!(!second.has_changes(), "{second:#?}");
    assert_eq!(second.summary.unchanged, 1);
    assert_eq!(second.summary.tasks_unchanged, 2);
    assert_eq!(second, plan(&d, &live), "a pure function of its inputs");
    assert_ne!(first.live_digest, second.live_digest);
}

#[test]
fn a_new_script_replaces_the_command_and_moves_the_repeating_task_to_it() {
    let before = desired(&[
        command("rotate", "logrotate -f /etc/logrotate.conf"),
        invocation("rotate-hourly", "rotate", "{ rate: 1h }"),
        invocation("rotate-once", "rotate", "once"),
    ]);
    let live = applied(empty(2), &plan(&before, &empty(2)));
    let after = desired(&[
        command("rotate", "logrotate -v -f /etc/logrotate.conf"),
        invocation("rotate-hourly", "rotate", "{ rate: 1h }"),
        invocation("rotate-once", "rotate", "once"),
    ]);
    let p = plan(&after, &live);
    assert_eq!(p.changes[0].action, Action::Replace);
    assert_eq!(p.changes[0].fields[0].field.name(), "content");
    assert_eq!(
        tasks(&p),
        [
            ("rotate-hourly".into(), TaskAction::Reinvoke, 0),
            ("rotate-once".into(), TaskAction::Invoke, 0)
        ]
    );
    let hourly = &p.invocations[0].tasks[0];
    assert!(
        hourly.reasons[0].contains("command `rotate` is replaced by this apply"),
        "{:?}",
        hourly.reasons
    );
    // A `once` spec whose command changed runs again, and says why.
    assert!(
        p.invocations[1].tasks[0].reasons[0].contains("the spec changed since the latest task"),
        "{:?}",
        p.invocations[1].tasks[0].reasons
    );
    // And once applied, nothing is left to do.
    assert!(!plan(&after, &applied(live, &p)).has_changes());
}

#[test]
fn a_removed_document_deletes_its_command_and_stops_its_task() {
    let d = desired(&[
        command("rotate", "logrotate -f /etc/logrotate.conf"),
        invocation("rotate-hourly", "rotate", "{ rate: 1h }"),
        command("keep", "true"),
    ]);
    let live = applied(empty(1), &plan(&d, &empty(1)));
    let p = plan(&desired(&[command("keep", "true")]), &live);
    let actions: Vec<(&str, Action)> = p
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        actions,
        [("keep", Action::NoOp), ("rotate", Action::Delete)]
    );
    assert_eq!(tasks(&p), [("rotate-hourly".into(), TaskAction::Stop, 0)]);
    assert_eq!(p.invocations[0].source, None);
}

#[test]
fn the_quota_observed_blocks_a_plan_that_would_exceed_it() {
    let d = desired(&[command("a", "true"), command("b", "true")]);
    let mut live = empty(0);
    live.quotas.insert(
        REGION.into(),
        Quota {
            limit: Some(100),
            count: 99,
        },
    );
    let p = plan(&d, &live);
    assert_eq!(p.blockers.len(), 1, "{p:#?}");
    assert!(p.blockers[0].contains("has 99 commands and its quota (max-axt-command-count) is 100"));
    assert!(p.blockers[0].contains("would need 101 at its peak"));
    live.quotas.insert(
        REGION.into(),
        Quota {
            limit: Some(100),
            count: 89,
        },
    );
    let p = plan(&d, &live);
    assert!(p.blockers.is_empty());
    assert_eq!(
        p.warnings,
        ["region cn-hangzhou will use 91 of its 100 commands quota"]
    );
}

#[test]
fn deleting_everything_needs_allow_empty_and_a_mistyped_target_is_an_error() {
    let d = desired(&[command("a", "true")]);
    let live = applied(empty(0), &plan(&d, &empty(0)));
    let none = desired(&[]);
    let p = plan(&none, &live);
    assert!(
        p.blockers[0].contains("pass --allow-empty"),
        "{:?}",
        p.blockers
    );
    let opts = PlanOptions {
        allow_empty: true,
        ..PlanOptions::default()
    };
    assert!(
        reconcile(&none, &live, &opts, now())
            .unwrap()
            .blockers
            .is_empty()
    );

    let opts = PlanOptions {
        targets: vec!["b".into()],
        ..PlanOptions::default()
    };
    match reconcile(&d, &live, &opts, now()) {
        Err(PlanError::UnknownTarget(msg)) => {
            assert!(
                msg.contains("--target `b` names no document of stack `web`"),
                "{msg}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_target_limits_the_plan_to_its_documents() {
    let d = desired(&[
        command("a", "true"),
        command("b", "true"),
        invocation("b-once", "b", "once"),
    ]);
    let opts = PlanOptions {
        targets: vec!["b".into(), "b-once".into()],
        ..PlanOptions::default()
    };
    let p = reconcile(&d, &empty(1), &opts, now()).unwrap();
    let names: Vec<&str> = p.changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["b"]);
    assert_eq!(tasks(&p), [("b-once".into(), TaskAction::Invoke, 0)]);
}

fn invocation_on(name: &str, targets: &str) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: {name} }}\nspec:\n  command: hello\n  targets: {targets}\n  schedule: once\n"
    )
}

#[test]
fn an_id_that_does_not_exist_or_targets_that_run_nowhere_block_the_plan() {
    let hello = command("hello", "echo hi");
    // A mistyped id beside a real one: blocked, naming it.
    let d = desired(&[
        hello.clone(),
        invocation_on("typo", "{ instanceIds: [i-web1, i-wbe2] }"),
    ]);
    let p = plan(&d, &empty(2));
    assert_eq!(p.blockers.len(), 1, "{:?}", p.blockers);
    assert!(
        p.blockers[0].contains("`typo`") && p.blockers[0].contains("i-wbe2 which does not exist"),
        "{:?}",
        p.blockers
    );
    // allowEmpty does not excuse a missing id.
    let d = desired(&[
        hello.clone(),
        invocation_on("typo", "{ instanceIds: [i-wbe2], allowEmpty: true }"),
    ]);
    assert_eq!(plan(&d, &empty(2)).blockers.len(), 1);
    // A selector that hits nothing: blocked, unless allowEmpty.
    let d = desired(&[
        hello.clone(),
        invocation_on("none", "{ tags: { app: gone } }"),
    ]);
    let p = plan(&d, &empty(2));
    assert!(
        p.blockers
            .iter()
            .any(|b| b.contains("`none`") && b.contains("allowEmpty")),
        "{:?}",
        p.blockers
    );
    let d = desired(&[
        hello.clone(),
        invocation_on("none", "{ tags: { app: gone }, allowEmpty: true }"),
    ]);
    let p = plan(&d, &empty(2));
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);
    assert!(p.invocations[0].targets.allow_empty);
    // An OS that does not match: blocked, with the code.
    let mut win = empty(1);
    win.inventory.get_mut(REGION).unwrap()[0].os_type = "windows".into();
    let d = desired(&[hello.clone(), invocation_on("os", "{ tags: { app: web } }")]);
    let p = plan(&d, &win);
    assert!(
        p.blockers
            .iter()
            .any(|b| b.contains("CommandNotApplicable")),
        "{:?}",
        p.blockers
    );
    assert_eq!(p.invocations[0].ineligible[0].code, "CommandNotApplicable");
    // Only stopped instances: it runs once they start, so a warning, not a blocker.
    let mut off = empty(1);
    off.inventory.get_mut(REGION).unwrap()[0].status = "Stopped".into();
    let p = plan(&d, &off);
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);
    assert!(
        p.warnings.iter().any(|w| w.contains("stopped")),
        "{:?}",
        p.warnings
    );
    // --target scopes the checks: another document's problem does not block.
    let d = desired(&[
        hello,
        invocation_on("none", "{ tags: { app: gone } }"),
        invocation_on("fine", "{ tags: { app: web } }"),
    ]);
    let opts = PlanOptions {
        targets: vec!["fine".into()],
        ..PlanOptions::default()
    };
    let p = reconcile(&d, &empty(1), &opts, now()).unwrap();
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);
}
