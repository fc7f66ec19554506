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

use crate::domain::status::InvocationStatus;
use crate::reconcile::ownership::{TAG_BATCH, TAG_HASH, TAG_INPUTS, invoke_token};

use super::change::{IneligibleInstance, InvocationPlan, TaskAction, TaskChange};
use super::fields::{
    TAGS_IN_PLACE, TaskField, TaskFieldDiff, fields, hidden_changed, tag_writes, view,
};
use super::model::{
    BATCH_SIZE, CommandRef, DesiredInvocation, LiveInvocation, RepeatMode, RunOptions,
};
use super::rollout;
use super::schedule::planned;
use super::targets::{Inventory, modify_blocker};

/// A desired invocation and the instances its targets resolve to now.
#[derive(Debug, Clone)]
pub struct Target {
    pub desired: DesiredInvocation,
    pub instances: Vec<String>,
    pub ineligible: Vec<IneligibleInstance>,
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
    /// Documents whose halted rollout this apply resumes (`apply --resume`).
    pub resume: &'a [String],
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
    let mut rollout_plan = None;
    let mut tasks = match (d.repeat_mode, &d.rollout) {
        (RepeatMode::Once, Some(policy)) => {
            let mut tasks = stop_repeating(&group);
            let (plan, rollout_tasks) = rollout::plan(
                inp.stack,
                d,
                policy,
                &t.instances,
                &group,
                inp.resume.contains(&d.name),
                inp.now,
            );
            rollout_plan = Some(plan);
            tasks.extend(rollout_tasks);
            tasks
        }
        (RepeatMode::Once, None) => once::once(inp, t, &group, cmd),
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
        schedule: planned(d.repeat_mode, d.frequency.as_deref(), inp.now),
        parameters: d.parameters.clone(),
        targets: d.selector.clone(),
        run: d.run.clone(),
        tags,
        hash: d.hash.clone(),
        inputs_hash: d.inputs.clone(),
        instances: t.instances.clone(),
        ineligible: t.ineligible.clone(),
        tasks,
        rollout: rollout_plan,
    }
}

/// The document's schedule is now `once`: its repeating tasks stop.
fn stop_repeating(group: &[&LiveInvocation]) -> Vec<TaskChange> {
    group
        .iter()
        .filter(|l| l.is_active() && l.repeat() != Some(RepeatMode::Once))
        .map(|l| {
            stop(
                l,
                "the document's schedule is now `once`, so its repeating task stops".into(),
            )
        })
        .collect()
}

/// Why a `once` spec runs again: what differs from the latest task.
fn changed_since(
    d: &DesiredInvocation,
    l: &LiveInvocation,
    cmd: Option<&CommandRef>,
) -> (Vec<String>, Vec<TaskFieldDiff>) {
    let v = view(l, d);
    let fields = fields(d, &v, l, cmd, None);
    let hidden = hidden_changed(d, l, &fields);
    // Tags are not in the spec hash: they never explain a run.
    let mut names: Vec<&str> = fields
        .iter()
        .map(|f| f.field)
        .filter(|f| *f != TaskField::Tags)
        .map(TaskField::name)
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
            let notes: Vec<String> = staying(t, l)
                .into_iter()
                .map(|x| membership::stays_note(x, &l.id))
                .collect();
            let mut reasons = vec![
                "no instance can run it now (see the ineligible instances); the task is left as it is".to_string(),
            ];
            let membership = !notes.is_empty();
            reasons.extend(notes);
            out.push(TaskChange {
                action: TaskAction::NoOp,
                batch: l.batch,
                id: Some(l.id.clone()),
                reasons,
                fields: Vec::new(),
                instances: l.instance_ids(),
                added_instances: Vec::new(),
                client_token: None,
                writes: 0,
                wave: None,
                membership,
            });
        }
        return out;
    }
    // Instances stay in the task that has them, so a new instance does not reshuffle
    // every batch; new ones fill the tasks with room, then new batches. A member that is
    // stopped or offline for now stays too (see `membership`).
    let wanted: BTreeSet<&str> = t.instances.iter().map(String::as_str).collect();
    let mut keep: BTreeMap<u32, Vec<String>> = by_batch
        .iter()
        .map(|(b, l)| {
            let stays: BTreeSet<&str> = staying(t, l)
                .into_iter()
                .map(|x| x.instance_id.as_str())
                .collect();
            let mut k: Vec<String> = l
                .instances
                .iter()
                .map(|(i, _)| i.clone())
                .filter(|i| wanted.contains(i.as_str()) || stays.contains(i.as_str()))
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
            let mut s = stop(l, "none of its instances is a target any more".into());
            // With the same spec hash the selector is the same: the fleet changed.
            s.membership = l.hash == d.hash;
            out.push(s);
            continue;
        }
        let mut change = compare(inp, d, cmd, l, after);
        let notes: Vec<String> = staying(t, l)
            .into_iter()
            .map(|x| membership::stays_note(x, &l.id))
            .collect();
        if change.action == TaskAction::Reinvoke && !notes.is_empty() {
            // InvokeCommand refuses a call with a target that cannot run, so the new task
            // holds the members that can; the others join it when they start again.
            change.instances.retain(|i| wanted.contains(i.as_str()));
            if change.instances.is_empty() {
                let why = format!(
                    "{}; none of its members can run now, so it is stopped and they join a new task when they start again",
                    change.reasons.join("; ")
                );
                let mut s = stop(l, why);
                s.membership = change.membership;
                out.push(s);
                continue;
            }
            change.client_token = Some(invoke_token(
                inp.stack,
                &d.region,
                &d.name,
                &d.hash,
                l.batch,
                &change.instances,
                &l.id,
            ));
            change.reasons.extend(staying(t, l).into_iter().map(|x| {
                format!(
                    "{}: {}; the new task leaves it out, and a later apply adds it when it can run",
                    x.instance_id, x.reason
                )
            }));
            out.push(change);
            continue;
        }
        if change.action == TaskAction::NoOp && !notes.is_empty() {
            // Nothing to do, but the fleet changed: the plan says why the task is kept.
            change.membership = true;
        }
        change.reasons.extend(notes);
        out.push(change);
    }
    // Joiners beyond the room of the spec's live tasks get new batches: still membership.
    let joined = by_batch.values().any(|l| l.hash == d.hash);
    let mut used: BTreeSet<u32> = by_batch.keys().copied().collect();
    for chunk in unassigned.chunks(BATCH_SIZE) {
        let b = (0..).find(|b| !used.contains(b)).unwrap_or(0);
        used.insert(b);
        out.push(fresh(inp, t, &tasks, b, chunk, joined));
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
    joined: bool,
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
        wave: None,
        membership: false,
    };
    if let Some(p) = prior
        && one_time
        && p.hash == d.hash
        && p.status.is_some_and(InvocationStatus::is_final)
        && p.status != Some(InvocationStatus::Stopped)
    {
        return noop(
            Some(p.id.clone()),
            format!(
                "this one-time run is done: {} ended {}",
                p.id,
                p.status_name()
            ),
        );
    }
    let at_passed = d.frequency.as_deref().is_some_and(|f| f.starts_with("at("))
        && planned(RepeatMode::Period, d.frequency.as_deref(), inp.now)
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
            p.id,
            p.status_name()
        ),
        Some(p) => format!(
            "task {} ended ({}) and the spec changed; a new task is invoked",
            p.id,
            p.status_name()
        ),
        None if joined => format!(
            "{} joined the targets (new, or started since) and the tasks of this spec have no room left; a new batch is invoked",
            once::list(instances)
        ),
        None if b == 0 => "first run: no task of this document exists yet".into(),
        None => format!("no task runs batch {b} yet"),
    };
    let membership = joined && prior.is_none();
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
        wave: None,
        membership,
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
        wave: None,
        membership: false,
    };
    // Only the instances differ and the spec (selector included) is the same: the fleet
    // changed, not the manifests.
    let fleet = l.hash == d.hash
        && !hidden
        && !change.fields.is_empty()
        && change
            .fields
            .iter()
            .all(|f| f.field == TaskField::Instances);
    change.membership = fleet;
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
        .map(|f| replace_reason(d, cmd, f))
        .collect();
    if hidden {
        reasons.push(format!(
            "{HIDDEN_INPUTS} changed, which ModifyInvocationAttribute cannot change"
        ));
    }
    let in_place: Vec<TaskField> = change
        .fields
        .iter()
        .filter(|f| !f.forces_replace)
        .map(|f| f.field)
        .collect();
    // What ModifyInvocationAttribute changes; tags are TagResources' and need no agent.
    let attributes: Vec<&str> = in_place
        .iter()
        .filter(|f| f.modifiable())
        .map(|f| f.name())
        .collect();
    let tags_changed = in_place.contains(&TaskField::Tags);
    let in_place: Vec<&str> = in_place.iter().map(|f| f.name()).collect();
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
                if fleet {
                    change.reasons.push(format!(
                        "{} joined the targets (new, or started since); ModifyInvocationAttribute adds {} to the task in place",
                        once::list(&added),
                        if added.len() == 1 { "it" } else { "them" }
                    ));
                } else if !attributes.is_empty() {
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

fn replace_reason(d: &DesiredInvocation, cmd: Option<&CommandRef>, f: &TaskFieldDiff) -> String {
    match f.field {
        TaskField::Command => match cmd.and_then(CommandRef::new_by) {
            Some(how) => format!(
                "command `{}` is {how} by this apply, and a task keeps the command it was invoked with",
                d.command,
            ),
            None => format!(
                "the task runs {}, not command `{}` ({})",
                f.before_text(),
                d.command,
                f.after_text()
            ),
        },
        TaskField::Instances => {
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
        wave: None,
        membership: false,
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
        // A mode this assistctl does not know is shown by its Frequency.
        schedule: planned(
            first.repeat_mode.unwrap_or(RepeatMode::Period),
            Some(&first.frequency),
            inp.now,
        ),
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
        rollout: None,
    })
}

pub(crate) mod membership;
pub(crate) mod once;

use membership::staying;

#[cfg(test)]
mod tests;
