//! The invocation diff without I/O: plans from desired and live tasks.
use super::*;
use crate::domain::status::{InvocationStatus, TargetStatus};
use crate::reconcile::invocation::model::{
    Needs, ParameterSource, PlannedParameter, TargetSelector, inputs_hash, spec_hash,
};
use crate::reconcile::invocation::targets::InventoryInstance;

fn desired(
    mode: RepeatMode,
    frequency: Option<&str>,
    params: &[(&str, &str)],
) -> DesiredInvocation {
    let parameters: Vec<PlannedParameter> = params
        .iter()
        .map(|(k, v)| PlannedParameter {
            name: k.to_string(),
            source: ParameterSource::Literal,
            value: Some(v.to_string()),
            from_env: None,
        })
        .collect();
    let selector = TargetSelector {
        tags: [("env".to_string(), "prod".to_string())].into(),
        ..TargetSelector::default()
    };
    let run = RunOptions {
        timeout: 60,
        ..RunOptions::default()
    };
    let hash = spec_hash("cmd", &parameters, &selector, mode, frequency, &run);
    let inputs = inputs_hash("cmd", &parameters, &run);
    DesiredInvocation {
        region: "r".into(),
        name: "n".into(),
        source: "f:1".into(),
        command: "c".into(),
        command_type: "RunShellScript".into(),
        command_digest: "cmd".into(),
        repeat_mode: mode,
        frequency: frequency.map(Into::into),
        parameters,
        selector,
        run,
        tags: BTreeMap::new(),
        needs: Needs {
            os: "linux".into(),
            ..Needs::default()
        },
        hash,
        inputs,
        rollout: None,
    }
}

/// The task apply would have invoked for `d` on `instances`.
fn task_of(d: &DesiredInvocation, id: &str, batch: u32, instances: &[&str]) -> LiveInvocation {
    LiveInvocation {
        id: id.into(),
        region: d.region.clone(),
        creation_time: format!("2026-01-01T00:00:0{batch}Z"),
        name: d.name.clone(),
        hash: d.hash.clone(),
        inputs: d.inputs.clone(),
        batch,
        command_id: "c-1".into(),
        command_name: "c".into(),
        repeat_mode: Some(d.repeat_mode),
        frequency: d.frequency.clone().unwrap_or_default(),
        parameters: d
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.value.clone().unwrap_or_default()))
            .collect(),
        timeout: d.run.timeout,
        working_dir: String::new(),
        username: "root".into(),
        container_id: String::new(),
        container_name: String::new(),
        termination_mode: String::new(),
        status: Some(if d.repeat_mode == RepeatMode::Period {
            InvocationStatus::Scheduled
        } else {
            InvocationStatus::Pending
        }),
        instances: instances
            .iter()
            .map(|i| (i.to_string(), Some(TargetStatus::Pending)))
            .collect(),
        tags: BTreeMap::new(),
    }
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("i-{i:03}")).collect()
}

fn plan_with(
    d: DesiredInvocation,
    instances: Vec<String>,
    live: &[LiveInvocation],
    cmd: CommandRef,
    inventory: &Inventory,
) -> Vec<InvocationPlan> {
    let commands = BTreeMap::from([(("r".to_string(), "c".to_string()), cmd)]);
    diff(&Inputs {
        stack: "s",
        desired: &[Target {
            desired: d,
            instances,
            ineligible: Vec::new(),
        }],
        live,
        commands: &commands,
        inventory,
        now: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
        resume: &[],
    })
}

fn plan(
    d: DesiredInvocation,
    instances: Vec<String>,
    live: &[LiveInvocation],
) -> Vec<InvocationPlan> {
    plan_with(
        d,
        instances,
        live,
        CommandRef::Stays("c-1".into()),
        &Inventory::new(),
    )
}

fn actions(p: &[InvocationPlan]) -> Vec<(TaskAction, u32, usize)> {
    p.iter()
        .flat_map(|i| &i.tasks)
        .map(|t| (t.action, t.batch, t.instances.len()))
        .collect()
}

#[test]
fn once_runs_once_per_spec_in_batches_of_fifty() {
    let d = desired(RepeatMode::Once, None, &[("a", "1")]);
    let p = plan(d.clone(), ids(120), &[]);
    assert_eq!(
        actions(&p),
        [
            (TaskAction::Invoke, 0, 50),
            (TaskAction::Invoke, 1, 50),
            (TaskAction::Invoke, 2, 20)
        ]
    );
    assert!(p[0].tasks[0].reasons[0].starts_with("first run"));
    let tokens: BTreeSet<_> = p[0].tasks.iter().map(|t| t.client_token.clone()).collect();
    assert_eq!(tokens.len(), 3);
    // Ran (whatever the outcome): nothing to do.
    let all = ids(120);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let mut live = vec![
        task_of(&d, "t-0", 0, &refs[..50]),
        task_of(&d, "t-1", 1, &refs[50..100]),
    ];
    live[0].status = Some(InvocationStatus::Failed);
    // Batch 2 never ran (an interrupted apply): only it is invoked.
    let p = plan(d.clone(), ids(120), &live);
    assert_eq!(
        actions(&p),
        [
            (TaskAction::NoOp, 0, 50),
            (TaskAction::NoOp, 1, 50),
            (TaskAction::Invoke, 2, 20)
        ]
    );
    assert!(p[0].tasks[2].reasons[0].contains("has not run yet"));
    // A changed parameter runs it again, and says what changed.
    let changed = desired(RepeatMode::Once, None, &[("a", "2")]);
    let p = plan(changed, ids(3), &live);
    assert_eq!(actions(&p), [(TaskAction::Invoke, 0, 3)]);
    assert!(
        p[0].tasks[0].reasons[0].contains("parameters changed"),
        "{:?}",
        p[0].tasks[0].reasons
    );
    assert_eq!(p[0].tasks[0].fields[0].after_text(), "a=2");
}

#[test]
fn repeating_task_in_sync_is_a_no_op_and_fields_decide_modify_or_reinvoke() {
    let d = desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "1")]);
    let live = vec![task_of(&d, "t-1", 0, &["i-000", "i-001"])];
    let p = plan(d.clone(), ids(2), &live);
    assert_eq!(actions(&p), [(TaskAction::NoOp, 0, 2)]);

    // Parameters, frequency and an added instance: in place.
    let d2 = desired(RepeatMode::Period, Some("rate(10m)"), &[("a", "2")]);
    let p = plan(d2, ids(3), &live);
    let t = &p[0].tasks[0];
    assert_eq!(t.action, TaskAction::Modify, "{t:?}");
    assert_eq!(t.added_instances, ["i-002"]);
    let fields: Vec<&str> = t.fields.iter().map(|f| f.field.name()).collect();
    assert_eq!(fields, ["frequency", "parameters", "instances"]);

    // A removed instance, a timeout, a repeat mode: stop and invoke again.
    let p = plan(d.clone(), vec!["i-000".into()], &live);
    assert_eq!(p[0].tasks[0].action, TaskAction::Reinvoke);
    assert!(p[0].tasks[0].reasons[0].contains("only add instances"));
    let mut slow = d.clone();
    slow.run.timeout = 90;
    assert_eq!(
        plan(slow, ids(2), &live)[0].tasks[0].action,
        TaskAction::Reinvoke
    );
    let boot = desired(RepeatMode::EveryReboot, None, &[("a", "1")]);
    let t = &plan(boot, ids(2), &live)[0].tasks[0];
    assert_eq!(t.action, TaskAction::Reinvoke);
    assert!(
        t.fields
            .iter()
            .any(|f| f.field == TaskField::RepeatMode && f.forces_replace)
    );
    // A re-invoke's token differs from the first invoke's (the service would hand back
    // the stopped task otherwise).
    assert!(t.client_token.is_some());
}

#[test]
fn a_hidden_input_or_a_new_command_replaces_the_task() {
    let d = desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "1")]);
    let live = vec![task_of(&d, "t-1", 0, &["i-000"])];
    let mut other = d.clone();
    other.run.windows_password_name = "pw".into();
    other.hash = "changed".into();
    other.inputs = inputs_hash("cmd", &other.parameters, &other.run);
    let t = &plan(other, ids(1), &live)[0].tasks[0];
    assert_eq!(t.action, TaskAction::Reinvoke);
    assert!(
        t.reasons[0].contains("windowsPasswordName changed"),
        "{t:?}"
    );
    let p = plan_with(
        d.clone(),
        ids(1),
        &live,
        CommandRef::Replaced,
        &Inventory::new(),
    );
    let t = &p[0].tasks[0];
    assert_eq!(t.action, TaskAction::Reinvoke);
    assert!(t.reasons[0].contains("replaced by this apply"), "{t:?}");
    assert_eq!(p[0].command_id, None);
}

#[test]
fn old_agents_turn_a_modify_into_a_reinvoke() {
    let d = desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "1")]);
    let live = vec![task_of(&d, "t-1", 0, &["i-000"])];
    let inventory = Inventory::from([(
        "r".to_string(),
        vec![InventoryInstance {
            id: "i-000".into(),
            managed: false,
            os_type: "linux".into(),
            status: "Running".into(),
            online: true,
            agent_version: "2.2.3.400".into(),
            resource_group_id: String::new(),
            tags: BTreeMap::new(),
        }],
    )]);
    let d2 = desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "2")]);
    let p = plan_with(
        d2,
        ids(1),
        &live,
        CommandRef::Stays("c-1".into()),
        &inventory,
    );
    assert_eq!(p[0].tasks[0].action, TaskAction::Reinvoke);
    assert!(p[0].tasks[0].reasons[0].contains("2.2.3.541"));
}

#[test]
fn stopped_repeating_task_is_drift_and_removed_documents_stop() {
    let d = desired(RepeatMode::Period, Some("rate(5m)"), &[]);
    let mut stopped = task_of(&d, "t-1", 0, &["i-000"]);
    stopped.status = Some(InvocationStatus::Stopped);
    let p = plan(d.clone(), ids(1), std::slice::from_ref(&stopped));
    let t = &p[0].tasks[0];
    assert_eq!(t.action, TaskAction::Invoke);
    assert!(t.reasons[0].starts_with("drift"), "{t:?}");
    let first = invoke_token("s", "r", "n", &d.hash, 0, &ids(1), "");
    assert_ne!(t.client_token.as_deref(), Some(first.as_str()));

    // Its document removed: active tasks stop, ended ones are history.
    let active = task_of(&d, "t-2", 0, &["i-000"]);
    let commands = BTreeMap::new();
    let p = diff(&Inputs {
        stack: "s",
        desired: &[],
        live: &[stopped, active],
        commands: &commands,
        inventory: &Inventory::new(),
        now: Utc::now(),
        resume: &[],
    });
    assert_eq!(actions(&p), [(TaskAction::Stop, 0, 1)]);
    assert_eq!(p[0].tasks[0].id.as_deref(), Some("t-2"));
    assert!(p[0].source.is_none() && p[0].parameters.is_empty());
}

#[test]
fn new_instances_fill_existing_batches_before_new_ones() {
    let d = desired(RepeatMode::EveryReboot, None, &[]);
    let all = ids(60);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let live = vec![
        task_of(&d, "t-0", 0, &refs[..50]),
        task_of(&d, "t-1", 1, &refs[50..55]),
    ];
    // One new instance sorting first: batch 0 is untouched, batch 1 gains it.
    let mut wanted = ids(60);
    wanted.push("i-aaa".into());
    wanted.sort();
    let p = plan(d.clone(), wanted, &live);
    assert_eq!(
        actions(&p),
        [(TaskAction::NoOp, 0, 50), (TaskAction::Modify, 1, 11)]
    );
    // A one-time boot run that finished is done, not drift.
    let nb = desired(RepeatMode::NextRebootOnly, None, &[]);
    let mut ran = task_of(&nb, "t-5", 0, &["i-000"]);
    ran.status = Some(InvocationStatus::Success);
    assert_eq!(
        actions(&plan(nb, ids(1), &[ran])),
        [(TaskAction::NoOp, 0, 1)]
    );
}

#[test]
fn tags_change_in_place_and_never_run_anything_again() {
    let with_tags = |mut d: DesiredInvocation, tags: &[(&str, &str)]| {
        d.tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        d.tags.insert("assistctl:stack".into(), "s".into());
        d.tags.insert("assistctl:name".into(), "n".into());
        d
    };
    let live_of = |d: &DesiredInvocation, id: &str| {
        let mut l = task_of(d, id, 0, &["i-000"]);
        l.tags = d.tags.clone();
        l.tags.insert(TAG_HASH.into(), d.hash.clone());
        l.tags.insert(TAG_INPUTS.into(), d.inputs.clone());
        l.tags.insert(TAG_BATCH.into(), "0".into());
        // A system tag the service keeps: neither compared nor removed.
        l.tags.insert("acs:rm:rgId".into(), "rg-x".into());
        l
    };
    for mode in [RepeatMode::Once, RepeatMode::Period] {
        let freq = (mode == RepeatMode::Period).then_some("rate(5m)");
        let old = with_tags(desired(mode, freq, &[]), &[("team", "ops"), ("cost", "a")]);
        let mut live = live_of(&old, "t-1");
        live.status = Some(InvocationStatus::Success);
        if mode == RepeatMode::Period {
            live.status = Some(InvocationStatus::Scheduled);
        }
        // In sync, whatever assistctl's own and the system tags.
        let p = plan(old.clone(), ids(1), std::slice::from_ref(&live));
        assert_eq!(actions(&p), [(TaskAction::NoOp, 0, 1)], "{mode:?}");
        // One changed, one removed, one added: the same task is re-tagged.
        let new = with_tags(old.clone(), &[("team", "sre"), ("env", "prod")]);
        assert_eq!(new.hash, old.hash, "tags are not in the spec hash");
        let p = plan(new, ids(1), std::slice::from_ref(&live));
        let t = &p[0].tasks[0];
        assert_eq!(t.action, TaskAction::Modify, "{mode:?} {t:?}");
        assert_eq!(t.id.as_deref(), Some("t-1"));
        assert!(t.client_token.is_none() && t.added_instances.is_empty());
        assert_eq!(t.fields.len(), 1, "{t:?}");
        assert_eq!(t.fields[0].field, TaskField::Tags);
        assert_eq!(t.fields[0].before_text(), "cost=a, team=ops");
        assert_eq!(t.fields[0].after_text(), "env=prod, team=sre");
        assert!(!t.fields[0].forces_replace);
        assert!(t.reasons[0].contains("tags changed"), "{t:?}");
        // TagResources (hash, inputs, env, team) and UntagResources (cost).
        assert_eq!(t.writes, 2);
    }
    // A tag change beside a parameter change: one modify, no agent version needed for
    // the tags alone.
    let old = with_tags(
        desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "1")]),
        &[],
    );
    let live = live_of(&old, "t-1");
    let retagged = with_tags(old.clone(), &[("team", "sre")]);
    let inventory = Inventory::from([(
        "r".to_string(),
        vec![InventoryInstance {
            id: "i-000".into(),
            managed: false,
            os_type: "linux".into(),
            status: "Running".into(),
            online: true,
            agent_version: "2.2.3.400".into(),
            resource_group_id: String::new(),
            tags: BTreeMap::new(),
        }],
    )]);
    let p = plan_with(
        retagged,
        ids(1),
        std::slice::from_ref(&live),
        CommandRef::Stays("c-1".into()),
        &inventory,
    );
    assert_eq!(
        p[0].tasks[0].action,
        TaskAction::Modify,
        "{:?}",
        p[0].tasks[0]
    );
    assert_eq!(p[0].tasks[0].writes, 1);
    let both = with_tags(
        desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "2")]),
        &[("team", "sre")],
    );
    let t = &plan(both, ids(1), std::slice::from_ref(&live))[0].tasks[0];
    assert_eq!(t.action, TaskAction::Modify);
    let fields: Vec<&str> = t.fields.iter().map(|f| f.field.name()).collect();
    assert_eq!(fields, ["parameters", "tags"]);
    assert_eq!(t.reasons.len(), 2, "{t:?}");
    assert_eq!(t.writes, 2);
    // A `once` spec that changed runs again, and its tags never count as the reason.
    let old = with_tags(
        desired(RepeatMode::Once, None, &[("a", "1")]),
        &[("team", "ops")],
    );
    let mut ran = live_of(&old, "t-1");
    ran.status = Some(InvocationStatus::Success);
    let changed = with_tags(desired(RepeatMode::Once, None, &[("a", "2")]), &[]);
    let t = &plan(changed, ids(1), &[ran])[0].tasks[0];
    assert_eq!(t.action, TaskAction::Invoke);
    assert!(
        t.reasons[0].ends_with(": parameters changed"),
        "{:?}",
        t.reasons
    );
}

#[test]
fn fromenv_values_are_never_compared_or_shown() {
    let mut d = desired(RepeatMode::Period, Some("rate(5m)"), &[]);
    d.parameters = vec![PlannedParameter {
        name: "token".into(),
        source: ParameterSource::FromEnv,
        value: None,
        from_env: Some("TOKEN".into()),
    }];
    d.hash = spec_hash(
        "cmd",
        &d.parameters,
        &d.selector,
        d.repeat_mode,
        d.frequency.as_deref(),
        &d.run,
    );
    d.inputs = inputs_hash("cmd", &d.parameters, &d.run);
    let mut live = task_of(&d, "t-1", 0, &["i-000"]);
    live.parameters = [("token".to_string(), "hunter2".to_string())].into();
    live.parameters.insert("old".into(), "s3cret".into());
    let p = plan(d, ids(1), &[live]);
    let text = serde_json::to_string(&p).unwrap();
    assert!(
        !text.contains("hunter2") && !text.contains("s3cret"),
        "{text}"
    );
    assert!(text.contains("old=****"), "{text}");
}

fn plan_ineligible(
    d: DesiredInvocation,
    instances: Vec<String>,
    ineligible: &[(&str, &str)],
    live: &[LiveInvocation],
) -> Vec<InvocationPlan> {
    let commands = BTreeMap::from([(
        ("r".to_string(), "c".to_string()),
        CommandRef::Stays("c-1".into()),
    )]);
    diff(&Inputs {
        stack: "s",
        desired: &[Target {
            desired: d,
            instances,
            ineligible: ineligible
                .iter()
                .map(|(id, code)| IneligibleInstance {
                    instance_id: id.to_string(),
                    reason: format!("it cannot run now ({code})"),
                    code: code.to_string(),
                })
                .collect(),
        }],
        live,
        commands: &commands,
        inventory: &Inventory::new(),
        now: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
        resume: &[],
    })
}

#[test]
fn a_late_instance_past_fifty_runs_once_in_a_batch_of_its_own() {
    let d = desired(RepeatMode::Once, None, &[]);
    let all = ids(120);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let mut live = vec![
        task_of(&d, "t-0", 0, &refs[..50]),
        task_of(&d, "t-1", 1, &refs[50..100]),
        task_of(&d, "t-2", 2, &refs[100..]),
    ];
    // Whatever the outcome, a listed instance is covered.
    live[1].status = Some(InvocationStatus::Failed);
    // A new id sorting in the middle: counted per batch it would shift i-099 into batch 2
    // (which has a task, so i-099 would be skipped) and never run itself.
    let mut wanted = ids(120);
    wanted.push("i-050a".into());
    wanted.sort();
    let p = plan(d.clone(), wanted.clone(), &live);
    assert_eq!(
        actions(&p),
        [
            (TaskAction::NoOp, 0, 50),
            (TaskAction::NoOp, 1, 50),
            (TaskAction::NoOp, 2, 20),
            (TaskAction::Invoke, 3, 1)
        ]
    );
    let joiner = &p[0].tasks[3];
    assert_eq!(joiner.instances, ["i-050a"]);
    assert!(joiner.membership);
    assert!(
        joiner.reasons[0].contains("i-050a") && joiner.reasons[0].contains("joined the targets"),
        "{:?}",
        joiner.reasons
    );
    assert!(p[0].tasks[..3].iter().all(|t| !t.membership));
    // Its token is stable across plans (a retried apply does not run it twice) and differs
    // from every batch that ran.
    let again = plan(d.clone(), wanted.clone(), &live);
    assert_eq!(again[0].tasks[3].client_token, joiner.client_token);
    // Once its task exists (batch 3), nothing runs again.
    let mut after = live.clone();
    after.push(task_of(&d, "t-3", 3, &["i-050a"]));
    let p = plan(d.clone(), wanted, &after);
    assert!(p[0].actions().next().is_none(), "{:?}", actions(&p));
    // More than fifty joiners come in batches of at most fifty after the highest batch.
    let mut many = ids(120);
    many.extend((0..60).map(|i| format!("i-new{i:02}")));
    many.sort();
    let p = plan(d, many, &live);
    let invokes: Vec<(u32, usize)> = p[0]
        .actions()
        .map(|t| (t.batch, t.instances.len()))
        .collect();
    assert_eq!(invokes, [(3, 50), (4, 10)]);
    assert!(p[0].actions().all(|t| t.membership));
}

#[test]
fn an_instance_stopped_at_the_first_apply_runs_when_it_starts() {
    let d = desired(RepeatMode::Once, None, &[]);
    // First apply: i-001 stopped, left out; only the others run.
    let p = plan_ineligible(
        d.clone(),
        vec!["i-000".into(), "i-002".into()],
        &[("i-001", "InstanceNotRunning")],
        &[],
    );
    assert_eq!(actions(&p), [(TaskAction::Invoke, 0, 2)]);
    assert!(
        !p[0].tasks[0].membership,
        "a first run is a configuration change"
    );
    let live = vec![task_of(&d, "t-0", 0, &["i-000", "i-002"])];
    // Still stopped: nothing to do.
    let p = plan_ineligible(
        d.clone(),
        vec!["i-000".into(), "i-002".into()],
        &[("i-001", "InstanceNotRunning")],
        &live,
    );
    assert!(p[0].actions().next().is_none());
    // Started: only it runs, as the fleet's change.
    let p = plan(d, ids(3), &live);
    let runs: Vec<&TaskChange> = p[0].actions().collect();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].instances, ["i-001"]);
    assert_eq!(runs[0].batch, 1);
    assert!(runs[0].membership);
}

#[test]
fn a_stopped_member_stays_in_its_repeating_task() {
    let d = desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "1")]);
    let live = vec![task_of(&d, "t-1", 0, &["i-000", "i-001", "i-002"])];
    let up = vec!["i-000".to_string(), "i-002".to_string()];
    for code in ["InstanceNotRunning", "ClientNotRunning"] {
        let p = plan_ineligible(d.clone(), up.clone(), &[("i-001", code)], &live);
        let t = &p[0].tasks[0];
        assert_eq!(t.action, TaskAction::NoOp, "{t:?}");
        assert_eq!(t.instances, ["i-000", "i-001", "i-002"]);
        assert!(t.membership, "the plan notes it as the fleet's");
        assert!(
            t.reasons
                .iter()
                .any(|r| r.starts_with("i-001") && r.contains("stays in task t-1")),
            "{:?}",
            t.reasons
        );
    }
    // Every member stopped: the task is left as it is.
    let p = plan_ineligible(
        d.clone(),
        Vec::new(),
        &[
            ("i-000", "InstanceNotRunning"),
            ("i-001", "InstanceNotRunning"),
            ("i-002", "InstanceNotRunning"),
        ],
        &live,
    );
    assert_eq!(actions(&p), [(TaskAction::NoOp, 0, 3)]);
    // Not coming back by itself (a wrong OS): it leaves, which needs a new task, and the
    // fleet caused it.
    let p = plan_ineligible(
        d.clone(),
        up.clone(),
        &[("i-001", "CommandNotApplicable")],
        &live,
    );
    let t = &p[0].tasks[0];
    assert_eq!(t.action, TaskAction::Reinvoke);
    assert_eq!(t.instances, up);
    assert!(t.membership);
    // A configuration change while it is stopped: in place, it stays, not membership.
    let d2 = desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "2")]);
    let p = plan_ineligible(d2, up.clone(), &[("i-001", "InstanceNotRunning")], &live);
    let t = &p[0].tasks[0];
    assert_eq!(t.action, TaskAction::Modify);
    assert_eq!(t.instances, ["i-000", "i-001", "i-002"]);
    assert!(!t.membership);
    // A change that needs a new task: the new task holds the members that can run now
    // (InvokeCommand refuses a stopped target); the stopped one joins it later.
    let mut slow = d.clone();
    slow.run.timeout = 90;
    let p = plan_ineligible(slow, up.clone(), &[("i-001", "InstanceNotRunning")], &live);
    let t = &p[0].tasks[0];
    assert_eq!(t.action, TaskAction::Reinvoke);
    assert_eq!(t.instances, up);
    assert!(!t.membership);
}

#[test]
fn joiners_of_a_repeating_task_are_membership_and_config_changes_are_not() {
    let d = desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "1")]);
    let live = vec![task_of(&d, "t-1", 0, &["i-000", "i-001"])];
    // A new instance: added in place, as the fleet's change.
    let p = plan(d.clone(), ids(3), &live);
    let t = &p[0].tasks[0];
    assert_eq!(t.action, TaskAction::Modify);
    assert_eq!(t.added_instances, ["i-002"]);
    assert!(t.membership);
    assert!(t.reasons[0].contains("i-002 joined the targets"), "{t:?}");
    // The same join with a changed parameter: a configuration change.
    let d2 = desired(RepeatMode::Period, Some("rate(5m)"), &[("a", "2")]);
    assert!(!plan(d2, ids(3), &live)[0].tasks[0].membership);
    // Joiners beyond the task's room: a new batch, still the fleet's.
    let all = ids(50);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let full = vec![task_of(&d, "t-0", 0, &refs)];
    let p = plan(d.clone(), ids(52), &full);
    assert_eq!(
        actions(&p),
        [(TaskAction::NoOp, 0, 50), (TaskAction::Invoke, 1, 2)]
    );
    assert!(p[0].tasks[1].membership);
    // A first invoke is not.
    let p = plan(d, ids(2), &[]);
    assert!(!p[0].tasks[0].membership);
}
