//! Reconcile invocations as a pure function: desired invocations (with the instances they
//! resolve to now), the tasks the stack owns and what becomes of each command in, the
//! invocation part of the plan out. No I/O, so every transition is tested without a cloud.
//!
//! - `once`: a task with the document's name, spec hash and batch means nothing to do,
//!   whatever its outcome; otherwise the batch is invoked and the plan says why.
//! - Repeating: one active task per document and batch. What ModifyInvocationAttribute can
//!   change (parameters, frequency, added instances) is changed in place; anything else
//!   stops the task and invokes a new one. A task that no longer runs is drift.
//! - Tasks of a removed document are stopped.
//! - A task whose user tags (the stack's and the document's) differ is re-tagged in place,
//!   `once` or repeating: tags are not in the spec hash, so they never run anything again.
//!
//! The spec hash also covers inputs a task does not report (the command's script and
//! launcher, the target selector, `fromEnv` references, windowsPasswordName). Those but
//! the selector have a hash of their own on each task (`assistctl:inputs`), so a plan
//! tells their change (a new task) from a change of what the task reports; a selector
//! change shows in the instances it resolves to.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::invocation_model::{
    BATCH_SIZE, DesiredInvocation, LiveInvocation, ParameterSource, PlannedParameter, RepeatMode,
    RunOptions, TAG_BATCH, TAG_HASH, TAG_INPUTS, invoke_token, user_tag_delta, user_tags,
};
use super::invocation_plan::{IneligibleInstance, InvocationPlan, TaskAction, TaskChange};
use super::invocation_schedule::planned;
use super::plan::FieldDiff;
use super::targets::{Inventory, modify_blocker};
use crate::domain::limits::MAX_TAGS;

/// How a value the plan must not show is shown.
pub const HIDDEN: &str = "****";

/// A desired invocation and the instances its targets resolve to now.
#[derive(Debug, Clone)]
pub struct Target {
    pub desired: DesiredInvocation,
    pub instances: Vec<String>,
    pub ineligible: Vec<IneligibleInstance>,
}

/// The command an invocation runs, as the command part of the plan leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandRef {
    /// It exists and keeps this id.
    Stays(String),
    /// This apply creates it, or replaces it (`"created"`, `"replaced"`): its id is new.
    New(&'static str),
}

pub struct Inputs<'a> {
    pub stack: &'a str,
    pub desired: &'a [Target],
    pub live: &'a [LiveInvocation],
    /// By (region, command document name).
    pub commands: &'a BTreeMap<(String, String), CommandRef>,
    pub inventory: &'a Inventory,
    /// Fire times are shown after this instant.
    pub now: DateTime<Utc>,
}

pub fn diff(inp: &Inputs<'_>) -> Vec<InvocationPlan> {
    let mut out: Vec<InvocationPlan> = inp.desired.iter().map(|t| document(inp, t)).collect();
    let wanted: BTreeSet<(&str, &str)> = inp
        .desired
        .iter()
        .map(|t| (t.desired.region.as_str(), t.desired.name.as_str()))
        .collect();
    let mut gone: BTreeMap<(&str, &str), Vec<&LiveInvocation>> = BTreeMap::new();
    for l in inp.live {
        if !wanted.contains(&(l.region.as_str(), l.name.as_str())) {
            gone.entry((&l.region, &l.name)).or_default().push(l);
        }
    }
    for tasks in gone.values() {
        if let Some(p) = removed(inp, tasks) {
            out.push(p);
        }
    }
    out.sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    out
}

fn document(inp: &Inputs<'_>, t: &Target) -> InvocationPlan {
    let d = &t.desired;
    let group: Vec<&LiveInvocation> = inp
        .live
        .iter()
        .filter(|l| l.region == d.region && l.name == d.name)
        .collect();
    let cmd = inp.commands.get(&(d.region.clone(), d.command.clone()));
    let mut tasks = match d.repeat_mode {
        RepeatMode::Once => once(inp, t, &group, cmd),
        _ => repeating(inp, t, &group, cmd),
    };
    tasks.sort_by_key(|x| (x.batch, x.action == TaskAction::Stop));
    let mut tags = d.tags.clone();
    tags.remove(TAG_HASH);
    tags.remove(TAG_INPUTS);
    tags.remove(TAG_BATCH);
    InvocationPlan {
        region: d.region.clone(),
        name: d.name.clone(),
        source: Some(d.source.clone()),
        command: d.command.clone(),
        command_id: match cmd {
            Some(CommandRef::Stays(id)) => Some(id.clone()),
            _ => None,
        },
        schedule: planned(d.repeat_mode.api_name(), d.frequency.as_deref(), inp.now),
        parameters: d.parameters.clone(),
        targets: d.selector.clone(),
        run: d.run.clone(),
        tags,
        hash: d.hash.clone(),
        inputs_hash: d.inputs.clone(),
        instances: t.instances.clone(),
        ineligible: t.ineligible.clone(),
        tasks,
    }
}

fn once(
    inp: &Inputs<'_>,
    t: &Target,
    group: &[&LiveInvocation],
    cmd: Option<&CommandRef>,
) -> Vec<TaskChange> {
    let d = &t.desired;
    let mut out: Vec<TaskChange> = group
        .iter()
        .filter(|l| l.is_active() && l.repeat() != Some(RepeatMode::Once))
        .map(|l| {
            stop(
                l,
                "the document's schedule is now `once`, so its repeating task stops".into(),
            )
        })
        .collect();
    let history: Vec<&&LiveInvocation> = group
        .iter()
        .filter(|l| l.repeat() == Some(RepeatMode::Once))
        .collect();
    let same: Vec<&&LiveInvocation> = history
        .iter()
        .copied()
        .filter(|l| l.hash == d.hash)
        .collect();
    let covered: BTreeSet<&str> = same
        .iter()
        .flat_map(|l| l.instances.iter().map(|(i, _)| i.as_str()))
        .collect();
    let latest = history
        .iter()
        .max_by(|a, b| (&a.creation_time, &a.id).cmp(&(&b.creation_time, &b.id)));
    for (k, batch) in t.instances.chunks(BATCH_SIZE).enumerate() {
        let k = k as u32;
        if let Some(l) = same.iter().find(|l| l.batch == k) {
            let ran = format!(
                "this spec ran as {} ({}); a `once` invocation runs once per spec",
                l.id, l.status
            );
            let mut change = TaskChange {
                action: TaskAction::NoOp,
                batch: k,
                id: Some(l.id.clone()),
                reasons: vec![ran.clone()],
                fields: Vec::new(),
                instances: l.instance_ids(),
                added_instances: Vec::new(),
                client_token: None,
                writes: 0,
            };
            if let Some(f) = tags_field(l, d) {
                change.action = TaskAction::Modify;
                change.reasons = vec![format!("{TAGS_IN_PLACE}; {ran}, so it does not run again")];
                change.fields = vec![f];
                change.writes = tag_writes(l, d);
            }
            out.push(change);
            continue;
        }
        let rest: Vec<String> = batch
            .iter()
            .filter(|i| !covered.contains(i.as_str()))
            .cloned()
            .collect();
        if rest.is_empty() {
            out.push(TaskChange {
                action: TaskAction::NoOp,
                batch: k,
                id: None,
                reasons: vec!["every instance of this batch already ran this spec".into()],
                fields: Vec::new(),
                instances: batch.to_vec(),
                added_instances: Vec::new(),
                client_token: None,
                writes: 0,
            });
            continue;
        }
        let (reasons, fields) = if !same.is_empty() {
            (
                vec![format!(
                    "batch {k} of this spec has not run yet (an interrupted apply?)"
                )],
                Vec::new(),
            )
        } else {
            match latest {
                None => (
                    vec!["first run: no task of this document exists yet".to_string()],
                    Vec::new(),
                ),
                Some(l) => changed_since(d, l, cmd),
            }
        };
        out.push(TaskChange {
            action: TaskAction::Invoke,
            batch: k,
            id: None,
            reasons,
            fields,
            client_token: Some(invoke_token(
                inp.stack, &d.region, &d.name, &d.hash, k, &rest, "",
            )),
            instances: rest,
            added_instances: Vec::new(),
            writes: 1,
        });
    }
    out
}

/// Why a `once` spec runs again: what differs from the latest task.
fn changed_since(
    d: &DesiredInvocation,
    l: &LiveInvocation,
    cmd: Option<&CommandRef>,
) -> (Vec<String>, Vec<FieldDiff>) {
    let v = view(l, d);
    let fields = fields(d, &v, l, cmd, None);
    let hidden = hidden_changed(d, l, &fields);
    // Tags are not in the spec hash: they never explain a run.
    let mut names: Vec<&str> = fields
        .iter()
        .map(|f| f.field.as_str())
        .filter(|f| *f != "tags")
        .collect();
    if hidden {
        names.push(HIDDEN_INPUTS);
    }
    if names.is_empty() {
        names.push("the target selector");
    }
    let why = format!(
        "the spec changed since the latest task {}: {} changed",
        l.id,
        names.join(", ")
    );
    (vec![why], fields)
}

const HIDDEN_INPUTS: &str =
    "the command's script or launcher, a fromEnv reference or windowsPasswordName";

fn repeating(
    inp: &Inputs<'_>,
    t: &Target,
    group: &[&LiveInvocation],
    cmd: Option<&CommandRef>,
) -> Vec<TaskChange> {
    let d = &t.desired;
    let mut out = Vec::new();
    let tasks: Vec<&LiveInvocation> = group
        .iter()
        .copied()
        .filter(|l| l.repeat() != Some(RepeatMode::Once))
        .collect();
    let mut newest_first: Vec<&LiveInvocation> =
        tasks.iter().copied().filter(|l| l.is_active()).collect();
    newest_first.sort_by(|a, b| (&b.creation_time, &b.id).cmp(&(&a.creation_time, &a.id)));
    let mut by_batch: BTreeMap<u32, &LiveInvocation> = BTreeMap::new();
    for l in newest_first {
        match by_batch.get(&l.batch) {
            Some(kept) => out.push(stop(
                l,
                format!(
                    "a second active task for batch {} (a racing apply?); {} is kept",
                    l.batch, kept.id
                ),
            )),
            None => {
                by_batch.insert(l.batch, l);
            }
        }
    }
    if t.instances.is_empty() {
        for l in by_batch.values() {
            out.push(TaskChange {
                action: TaskAction::NoOp,
                batch: l.batch,
                id: Some(l.id.clone()),
                reasons: vec![
                    "no instance can run it now (see the ineligible instances); the task is left as it is".into(),
                ],
                fields: Vec::new(),
                instances: l.instance_ids(),
                added_instances: Vec::new(),
                client_token: None,
                writes: 0,
            });
        }
        return out;
    }
    // Instances stay in the task that has them, so a new instance does not reshuffle
    // every batch; new ones fill the tasks with room, then new batches.
    let wanted: BTreeSet<&str> = t.instances.iter().map(String::as_str).collect();
    let mut keep: BTreeMap<u32, Vec<String>> = by_batch
        .iter()
        .map(|(b, l)| {
            let mut k: Vec<String> = l
                .instances
                .iter()
                .map(|(i, _)| i.clone())
                .filter(|i| wanted.contains(i.as_str()))
                .collect();
            k.sort();
            k.dedup();
            (*b, k)
        })
        .collect();
    let assigned: BTreeSet<String> = keep.values().flatten().cloned().collect();
    let mut unassigned: Vec<String> = t
        .instances
        .iter()
        .filter(|i| !assigned.contains(*i))
        .cloned()
        .collect();
    for k in keep.values_mut() {
        let room = BATCH_SIZE.saturating_sub(k.len()).min(unassigned.len());
        k.extend(unassigned.drain(..room));
        k.sort();
    }
    for (b, l) in &by_batch {
        let after = &keep[b];
        if after.is_empty() {
            out.push(stop(l, "none of its instances is a target any more".into()));
        } else {
            out.push(compare(inp, d, cmd, l, after));
        }
    }
    let mut used: BTreeSet<u32> = by_batch.keys().copied().collect();
    for chunk in unassigned.chunks(BATCH_SIZE) {
        let b = (0..).find(|b| !used.contains(b)).unwrap_or(0);
        used.insert(b);
        out.push(fresh(inp, t, &tasks, b, chunk));
    }
    out
}

/// A batch without an active task: invoked, unless a one-time run of this spec is done.
fn fresh(
    inp: &Inputs<'_>,
    t: &Target,
    tasks: &[&LiveInvocation],
    b: u32,
    instances: &[String],
) -> TaskChange {
    let d = &t.desired;
    let prior = tasks
        .iter()
        .filter(|l| l.batch == b && !l.is_active())
        .max_by(|a, b| (&a.creation_time, &a.id).cmp(&(&b.creation_time, &b.id)));
    let one_time = d.repeat_mode == RepeatMode::NextRebootOnly
        || d.frequency.as_deref().is_some_and(|f| f.starts_with("at("));
    let noop = |id: Option<String>, why: String| TaskChange {
        action: TaskAction::NoOp,
        batch: b,
        id,
        reasons: vec![why],
        fields: Vec::new(),
        instances: instances.to_vec(),
        added_instances: Vec::new(),
        client_token: None,
        writes: 0,
    };
    if let Some(p) = prior
        && one_time
        && p.hash == d.hash
        && matches!(p.status.as_str(), "Success" | "Failed" | "PartialFailed")
    {
        return noop(
            Some(p.id.clone()),
            format!("this one-time run is done: {} ended {}", p.id, p.status),
        );
    }
    let at_passed = d.frequency.as_deref().is_some_and(|f| f.starts_with("at("))
        && planned("Period", d.frequency.as_deref(), inp.now)
            .next_fires
            .is_empty();
    if at_passed {
        return noop(
            prior.map(|p| p.id.clone()),
            "its one-time schedule has passed, so it cannot be invoked".into(),
        );
    }
    let reason = match prior {
        Some(p) if p.hash == d.hash => format!(
            "drift: task {} is {} and no longer runs (stopped outside assistctl?); it is invoked again",
            p.id, p.status
        ),
        Some(p) => format!(
            "task {} ended ({}) and the spec changed; a new task is invoked",
            p.id, p.status
        ),
        None if b == 0 => "first run: no task of this document exists yet".into(),
        None => format!("no task runs batch {b} yet"),
    };
    TaskChange {
        action: TaskAction::Invoke,
        batch: b,
        id: None,
        reasons: vec![reason],
        fields: Vec::new(),
        instances: instances.to_vec(),
        added_instances: Vec::new(),
        client_token: Some(invoke_token(
            inp.stack,
            &d.region,
            &d.name,
            &d.hash,
            b,
            instances,
            prior.map_or("", |p| p.id.as_str()),
        )),
        writes: 1,
    }
}

/// An active task and what its batch should be.
fn compare(
    inp: &Inputs<'_>,
    d: &DesiredInvocation,
    cmd: Option<&CommandRef>,
    l: &LiveInvocation,
    after: &[String],
) -> TaskChange {
    let v = view(l, d);
    let fields = fields(d, &v, l, cmd, Some(after));
    let hidden = hidden_changed(d, l, &fields);
    let mut change = TaskChange {
        action: TaskAction::NoOp,
        batch: l.batch,
        id: Some(l.id.clone()),
        reasons: Vec::new(),
        fields,
        instances: after.to_vec(),
        added_instances: Vec::new(),
        client_token: None,
        writes: 0,
    };
    if change.fields.is_empty() && !hidden {
        if l.hash != d.hash {
            // A selector that still resolves to the same instances.
            change.action = TaskAction::Modify;
            change.reasons = vec![
                "the target selector changed and resolves to the same instances; only the task's hash tag is updated".into(),
            ];
            change.writes = 1;
        }
        return change;
    }
    let mut reasons: Vec<String> = change
        .fields
        .iter()
        .filter(|f| f.forces_replace)
        .map(|f| replace_reason(d, f))
        .collect();
    if hidden {
        reasons.push(format!(
            "{HIDDEN_INPUTS} changed, which ModifyInvocationAttribute cannot change"
        ));
    }
    let in_place: Vec<&str> = change
        .fields
        .iter()
        .filter(|f| !f.forces_replace)
        .map(|f| f.field.as_str())
        .collect();
    // What ModifyInvocationAttribute changes; tags are TagResources' and need no agent.
    let attributes: Vec<&str> = in_place.iter().copied().filter(|f| *f != "tags").collect();
    let tags_changed = in_place.contains(&"tags");
    let live_ids = l.instance_ids();
    let added: Vec<String> = after
        .iter()
        .filter(|i| !live_ids.contains(i))
        .cloned()
        .collect();
    if reasons.is_empty() {
        let region = inp.inventory.get(&l.region).map_or(&[][..], Vec::as_slice);
        let all: Vec<String> = live_ids.iter().chain(&added).cloned().collect();
        let blocker = if attributes.is_empty() {
            None
        } else {
            modify_blocker(region, &all)
        };
        match blocker {
            Some(why) => reasons.push(format!(
                "{} changed, but {why}, so the task is replaced",
                in_place.join(", ")
            )),
            None => {
                change.action = TaskAction::Modify;
                change.reasons = Vec::new();
                if !attributes.is_empty() {
                    change.reasons.push(format!(
                        "{} changed; ModifyInvocationAttribute changes it in place",
                        attributes.join(", ")
                    ));
                }
                if tags_changed {
                    change
                        .reasons
                        .push(format!("{TAGS_IN_PLACE}; the task keeps running as it is"));
                }
                change.added_instances = added;
                // ModifyInvocationAttribute, then the hash and user tags.
                change.writes = u32::from(!attributes.is_empty()) + tag_writes(l, d);
                return change;
            }
        }
    } else if !in_place.is_empty() {
        reasons.push(format!("also changed: {}", in_place.join(", ")));
    }
    change.action = TaskAction::Reinvoke;
    change.reasons = reasons;
    change.client_token = Some(invoke_token(
        inp.stack, &d.region, &d.name, &d.hash, l.batch, after, &l.id,
    ));
    change.writes = 2;
    change
}

fn replace_reason(d: &DesiredInvocation, f: &FieldDiff) -> String {
    match f.field.as_str() {
        "command" => match f.after.as_deref() {
            Some(a) if a.starts_with('(') => format!(
                "command `{}` is {} by this apply, and a task keeps the command it was invoked with",
                d.command,
                a.trim_start_matches("(the ")
                    .split(' ')
                    .next()
                    .unwrap_or("changed")
            ),
            _ => format!(
                "the task runs {}, not command `{}` ({})",
                f.before.as_deref().unwrap_or_default(),
                d.command,
                f.after.as_deref().unwrap_or_default()
            ),
        },
        "instances" => {
            "instances leave the targets, and ModifyInvocationAttribute can only add instances"
                .into()
        }
        other => format!("`{other}` changed, which ModifyInvocationAttribute cannot change"),
    }
}

fn stop(l: &LiveInvocation, why: String) -> TaskChange {
    TaskChange {
        action: TaskAction::Stop,
        batch: l.batch,
        id: Some(l.id.clone()),
        reasons: vec![why],
        fields: Vec::new(),
        instances: l.instance_ids(),
        added_instances: Vec::new(),
        client_token: None,
        writes: 1,
    }
}

/// The active tasks of a document that is gone: each is stopped.
fn removed(inp: &Inputs<'_>, tasks: &[&LiveInvocation]) -> Option<InvocationPlan> {
    let active: Vec<&&LiveInvocation> = tasks.iter().filter(|l| l.is_active()).collect();
    let first = active.first()?;
    let mut instances: Vec<String> = active.iter().flat_map(|l| l.instance_ids()).collect();
    instances.sort();
    instances.dedup();
    let mut tags = first.tags.clone();
    tags.remove(TAG_HASH);
    tags.remove(TAG_INPUTS);
    tags.remove(TAG_BATCH);
    Some(InvocationPlan {
        region: first.region.clone(),
        name: first.name.clone(),
        source: None,
        command: first.command_name.clone(),
        command_id: Some(first.command_id.clone()),
        schedule: planned(&first.repeat_mode, Some(&first.frequency), inp.now),
        // The task's parameter values may be secrets the manifests no longer name.
        parameters: Vec::new(),
        targets: Default::default(),
        run: RunOptions::default(),
        tags,
        hash: String::new(),
        inputs_hash: String::new(),
        instances,
        ineligible: Vec::new(),
        tasks: active
            .iter()
            .map(|l| stop(l, "its document is gone from the manifests".into()))
            .collect(),
    })
}

/// What a task reports, in the manifests' terms: defaults the service filled in are
/// taken back out, and what a task does not report is taken from the manifests.
struct View {
    frequency: Option<String>,
    parameters: Vec<PlannedParameter>,
    run: RunOptions,
}

fn view(l: &LiveInvocation, d: &DesiredInvocation) -> View {
    let frequency = (!l.frequency.is_empty()).then(|| {
        crate::domain::schedule::Frequency::parse(&l.frequency)
            .map(|f| f.to_api_string())
            .unwrap_or_else(|_| l.frequency.clone())
    });
    let live_value = |name: &str| {
        l.parameters
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut parameters: Vec<PlannedParameter> = d
        .parameters
        .iter()
        .map(|p| match p.source {
            ParameterSource::FromEnv if live_value(&p.name).is_some() => p.clone(),
            ParameterSource::FromEnv => PlannedParameter {
                from_env: None,
                value: None,
                ..p.clone()
            },
            _ => PlannedParameter {
                value: live_value(&p.name),
                ..p.clone()
            },
        })
        .collect();
    for (k, v) in &l.parameters {
        if !d.parameters.iter().any(|p| p.name.eq_ignore_ascii_case(k)) {
            parameters.push(PlannedParameter {
                name: k.clone(),
                source: ParameterSource::Literal,
                value: Some(v.clone()),
                from_env: None,
            });
        }
    }
    let default_user = if d.needs.os == "windows" {
        "System"
    } else {
        "root"
    };
    let username = if d.run.username.is_empty() && l.username.eq_ignore_ascii_case(default_user) {
        String::new()
    } else {
        l.username.clone()
    };
    View {
        frequency,
        parameters,
        run: RunOptions {
            timeout: l.timeout,
            working_dir: l.working_dir.clone(),
            username,
            windows_password_name: d.run.windows_password_name.clone(),
            container_id: l.container_id.clone(),
            container_name: l.container_name.clone(),
            termination_mode: l.termination_mode.clone(),
            resource_group_id: d.run.resource_group_id.clone(),
        },
    }
}

/// Whether an input the task does not report changed. A new command explains a changed
/// script by itself, so it is not reported twice.
fn hidden_changed(d: &DesiredInvocation, l: &LiveInvocation, fields: &[FieldDiff]) -> bool {
    !fields.iter().any(|f| f.field == "command") && l.inputs != d.inputs
}

/// Reported fields that differ, in a fixed order. `instances` is compared when given.
fn fields(
    d: &DesiredInvocation,
    v: &View,
    l: &LiveInvocation,
    cmd: Option<&CommandRef>,
    instances: Option<&[String]>,
) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    let mut push = |field: &str, before: String, after: String, forces: bool| {
        if before != after {
            out.push(FieldDiff {
                field: field.into(),
                before: Some(before),
                after: Some(after),
                forces_replace: forces,
            });
        }
    };
    let wanted_command = match cmd {
        Some(CommandRef::Stays(id)) => id.clone(),
        Some(CommandRef::New(how)) => format!("(the {how} command `{}`)", d.command),
        None => format!("(command `{}`)", d.command),
    };
    push("command", l.command_id.clone(), wanted_command, true);
    push(
        "repeatMode",
        l.repeat_mode.clone(),
        d.repeat_mode.api_name().into(),
        true,
    );
    push(
        "frequency",
        v.frequency.clone().unwrap_or_default(),
        d.frequency.clone().unwrap_or_default(),
        false,
    );
    let (before, after) = (params_text(&v.parameters, d), params_text(&d.parameters, d));
    push("parameters", before, after, false);
    push(
        "timeout",
        v.run.timeout.to_string(),
        d.run.timeout.to_string(),
        true,
    );
    push(
        "workingDir",
        v.run.working_dir.clone(),
        d.run.working_dir.clone(),
        true,
    );
    push(
        "username",
        v.run.username.clone(),
        d.run.username.clone(),
        true,
    );
    push(
        "containerId",
        v.run.container_id.clone(),
        d.run.container_id.clone(),
        true,
    );
    push(
        "containerName",
        v.run.container_name.clone(),
        d.run.container_name.clone(),
        true,
    );
    push(
        "terminationMode",
        v.run.termination_mode.clone(),
        d.run.termination_mode.clone(),
        true,
    );
    if let Some(after) = instances {
        let mut before = l.instance_ids();
        before.sort();
        let removed = before.iter().any(|i| !after.contains(i));
        push("instances", before.join(", "), after.join(", "), removed);
    }
    out.extend(tags_field(l, d));
    out
}

const TAGS_IN_PLACE: &str =
    "the task's tags changed; TagResources and UntagResources change them in place";

/// The task's user tags against the desired ones, as `k=v, ...` sorted by key (the form
/// of a command's `tags` field); `None` when they agree. Never forces a new task.
fn tags_field(l: &LiveInvocation, d: &DesiredInvocation) -> Option<FieldDiff> {
    let text = |t: &BTreeMap<String, String>| {
        user_tags(t)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (before, after) = (text(&l.tags), text(&d.tags));
    (before != after).then(|| FieldDiff {
        field: "tags".into(),
        before: Some(before),
        after: Some(after),
        forces_replace: false,
    })
}

/// The tag calls of an in-place change of task `l`: TagResources of the hash and inputs
/// tags with the user tags to set, UntagResources of the user tags to remove, at most
/// [`MAX_TAGS`] tags a call.
fn tag_writes(l: &LiveInvocation, d: &DesiredInvocation) -> u32 {
    let (set, unset) = user_tag_delta(&l.tags, &d.tags);
    ((2 + set.len()).div_ceil(MAX_TAGS) + unset.len().div_ceil(MAX_TAGS)) as u32
}

/// Parameters as `name=value, ...`; a `fromEnv` one as `name={fromEnv: VAR}` (its value is
/// never compared nor shown), and a live value the manifests do not give literally as
/// `****`: it may be a secret.
fn params_text(params: &[PlannedParameter], d: &DesiredInvocation) -> String {
    let mut items: Vec<(String, String)> = params
        .iter()
        .map(|p| {
            let literal_in_manifest = d.parameters.iter().any(|q| {
                q.name.eq_ignore_ascii_case(&p.name) && q.source != ParameterSource::FromEnv
            });
            let shown = match (&p.from_env, &p.value) {
                (Some(var), _) => format!("{{fromEnv: {var}}}"),
                (None, Some(v)) if literal_in_manifest => v.clone(),
                (None, Some(_)) => HIDDEN.into(),
                (None, None) => "(none)".into(),
            };
            (p.name.to_ascii_lowercase(), format!("{}={shown}", p.name))
        })
        .collect();
    items.sort();
    items
        .into_iter()
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::invocation_model::{Needs, TargetSelector, inputs_hash, spec_hash};
    use crate::reconcile::targets::InventoryInstance;

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
            repeat_mode: d.repeat_mode.api_name().into(),
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
            status: if d.repeat_mode == RepeatMode::Period {
                "Scheduled".into()
            } else {
                "Pending".into()
            },
            instances: instances
                .iter()
                .map(|i| (i.to_string(), "Pending".to_string()))
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
        live[0].status = "Failed".into();
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
        assert_eq!(p[0].tasks[0].fields[0].after.as_deref(), Some("a=2"));
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
        let fields: Vec<&str> = t.fields.iter().map(|f| f.field.as_str()).collect();
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
                .any(|f| f.field == "repeatMode" && f.forces_replace)
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
            CommandRef::New("replaced"),
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
        stopped.status = "Stopped".into();
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
        ran.status = "Success".into();
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
            live.status = "Success".into();
            if mode == RepeatMode::Period {
                live.status = "Scheduled".into();
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
            assert_eq!(t.fields[0].field, "tags");
            assert_eq!(t.fields[0].before.as_deref(), Some("cost=a, team=ops"));
            assert_eq!(t.fields[0].after.as_deref(), Some("env=prod, team=sre"));
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
        let fields: Vec<&str> = t.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["parameters", "tags"]);
        assert_eq!(t.reasons.len(), 2, "{t:?}");
        assert_eq!(t.writes, 2);
        // A `once` spec that changed runs again, and its tags never count as the reason.
        let old = with_tags(
            desired(RepeatMode::Once, None, &[("a", "1")]),
            &[("team", "ops")],
        );
        let mut ran = live_of(&old, "t-1");
        ran.status = "Success".into();
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
}
