//! A rollout as a pure function of the cloud: where a `once` invocation with a `rollout`
//! stands, and which instances each remaining wave reaches. Nothing of its progress is kept
//! on this machine: every task of a wave carries the wave's index in an `assistctl:wave`
//! tag, so a plan made after a killed apply reads the same progress and continues it.
//!
//! - An instance is *reached* when a task of this spec lists it with a run that was not
//!   cancelled before it started; it never runs the same spec again.
//! - The rollout covers the instances it reached and those that can run it now; wave sizes
//!   and the budget are taken of that number, so instances that join are reached by the
//!   waves still to come, or, once every wave ran, by a run of their own.
//! - The current wave is the highest wave index on a task. Failed runs (as `waitFor` counts
//!   them) after the last resumed wave are the rollout's errors; more than the budget, or
//!   a wave with runs still going past its `waveTimeout`, halts it. A halted rollout invokes
//!   nothing until the spec changes (a new spec is a new rollout, from wave 1, on every
//!   instance: those that succeeded ran the old script, not this one), the policy allows
//!   what happened (a larger `maxErrors`), or `apply --resume NAME` accepts the failures so
//!   far.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::domain::rollout::{Policy, parse_wave_tag};
use crate::domain::status::TargetStatus;
use crate::reconcile::ownership::{TAG_WAVE, invoke_token};

use super::change::{
    FailedRun, RolloutPlan, RolloutState, TaskAction, TaskChange, WavePlan, WaveStatus,
};
use super::model::{BATCH_SIZE, DesiredInvocation, LiveInvocation, RepeatMode};

/// One run of this spec on one instance.
struct Run<'a> {
    instance: &'a str,
    task: &'a LiveInvocation,
    status: Option<TargetStatus>,
    wave: u32,
}

/// The rollout of `d` (which has a policy) over the `eligible` instances, from the tasks
/// of its `group` (every task of the document), as of `now`. With `resume`, a halted
/// rollout continues after accepting its failures. Returns the plan and the task changes:
/// a no-op per existing task of this spec, the resume's re-tags and the invokes, wave by
/// wave.
pub fn plan(
    stack: &str,
    d: &DesiredInvocation,
    policy: &Policy,
    eligible: &[String],
    group: &[&LiveInvocation],
    resume: bool,
    now: DateTime<Utc>,
) -> (RolloutPlan, Vec<TaskChange>) {
    let tasks: Vec<&LiveInvocation> = group
        .iter()
        .copied()
        .filter(|l| l.repeat() == Some(RepeatMode::Once) && l.hash == d.hash)
        .collect();
    let runs: Vec<Run> = tasks
        .iter()
        .flat_map(|t| {
            let wave = t.wave().map_or(0, |(w, _)| w);
            t.instances.iter().map(move |(i, s)| Run {
                instance: i,
                task: t,
                status: *s,
                wave,
            })
        })
        .collect();
    let reached: BTreeSet<&str> = runs
        .iter()
        .filter(|r| r.status != Some(TargetStatus::Cancelled))
        .map(|r| r.instance)
        .collect();
    let mut population: BTreeSet<&str> = reached.clone();
    population.extend(eligible.iter().map(String::as_str));
    let n = population.len();
    let sizes = policy.sizes(n);
    let budget = policy.budget(n);
    let current = tasks.iter().filter_map(|t| t.wave().map(|(w, _)| w)).max();
    let current = current.or(if tasks.is_empty() { None } else { Some(0) });
    let resumed_upto = tasks
        .iter()
        .filter_map(|t| t.wave())
        .filter(|(_, r)| *r)
        .map(|(w, _)| w)
        .max();
    let counted = |wave: u32, resumed_upto: Option<u32>| resumed_upto.is_none_or(|r| wave > r);
    let is_error = |r: &Run| r.status.is_some_and(|s| policy.wait_for.is_error(s));
    let failed_of = |resumed_upto: Option<u32>| -> Vec<FailedRun> {
        runs.iter()
            .filter(|r| counted(r.wave, resumed_upto) && is_error(r))
            .map(|r| FailedRun {
                instance_id: r.instance.to_string(),
                task: r.task.id.clone(),
                status: r.status.map_or("unknown", TargetStatus::api_name).into(),
            })
            .collect()
    };
    let settled = |w: u32| {
        runs.iter()
            .filter(|r| r.wave == w)
            .all(|r| r.status.is_some_and(TargetStatus::is_final))
    };
    let mut failed = failed_of(resumed_upto);
    let mut state = match current {
        None => RolloutState::NotStarted,
        Some(w) => halt(policy, &runs, &failed, budget, w, settled(w), now).unwrap_or(
            RolloutState::InProgress {
                wave: w,
                settled: settled(w),
            },
        ),
    };
    let mut resumed = false;
    let mut out: Vec<TaskChange> = tasks.iter().map(|t| noop(t)).collect();
    if let (true, RolloutState::Halted { wave, .. }) = (resume, &state) {
        let w = *wave;
        resumed = true;
        for t in tasks.iter().filter(|t| t.wave().map_or(0, |(x, _)| x) == w) {
            if let Some(c) = out.iter_mut().find(|c| c.id.as_deref() == Some(&t.id)) {
                c.action = TaskAction::Modify;
                c.reasons = vec![format!(
                    "apply --resume: the failures up to wave {} are accepted (the task's wave tag records it), and the rollout goes on",
                    w + 1
                )];
                c.wave = Some(w);
                c.writes = 1;
            }
        }
        failed = failed_of(Some(w));
        state = RolloutState::InProgress {
            wave: w,
            settled: settled(w),
        };
    }
    let halted = matches!(state, RolloutState::Halted { .. });
    // Instances still to reach, in a stable order, so a continued apply picks the same
    // ones for the wave it continues.
    let mut rest: Vec<&str> = eligible
        .iter()
        .map(String::as_str)
        .filter(|i| !reached.contains(i))
        .collect();
    rest.sort_unstable();
    let first = match current {
        None => 0,
        Some(w) if reached.len() < sizes.get(w as usize).copied().unwrap_or(n) => w,
        Some(w) => w + 1,
    };
    let mut next_batch = tasks.iter().map(|t| t.batch + 1).max().unwrap_or(0);
    let mut planned: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    if !halted {
        let mut taken = reached.len();
        let last = sizes.len().saturating_sub(1) as u32;
        for (k, size) in sizes.iter().enumerate().skip(first as usize) {
            let k = k as u32;
            let want = size.saturating_sub(taken).min(rest.len());
            let wave: Vec<String> = rest.drain(..want).map(String::from).collect();
            taken += wave.len();
            // Instances that join after the last wave ran get a run of their own in it.
            let joined = current == Some(last) && k == last;
            for chunk in wave.chunks(BATCH_SIZE) {
                out.push(TaskChange {
                    action: TaskAction::Invoke,
                    batch: next_batch,
                    id: None,
                    reasons: vec![if joined {
                        format!(
                            "{} joined the targets after the rollout's last wave; they run once",
                            count(chunk.len())
                        )
                    } else {
                        format!("wave {} of {}", k + 1, sizes.len())
                    }],
                    fields: Vec::new(),
                    instances: chunk.to_vec(),
                    added_instances: Vec::new(),
                    client_token: Some(invoke_token(
                        stack, &d.region, &d.name, &d.hash, next_batch, chunk, "",
                    )),
                    writes: 1,
                    wave: Some(k),
                    membership: joined,
                });
                next_batch += 1;
            }
            if !wave.is_empty() {
                planned.insert(k, wave);
            }
        }
    }
    if current.is_some()
        && !halted
        && planned.is_empty()
        && matches!(state, RolloutState::InProgress { settled: true, .. })
    {
        state = RolloutState::Complete;
    }
    let errors = failed.len();
    if let RolloutState::Halted { failed: f, .. } = &mut state {
        *f = failed.clone();
    }
    let waves = sizes
        .iter()
        .enumerate()
        .map(|(k, size)| {
            let k = k as u32;
            let mine: Vec<&Run> = runs.iter().filter(|r| r.wave == k).collect();
            let mut instances: Vec<String> = mine.iter().map(|r| r.instance.to_string()).collect();
            instances.extend(planned.get(&k).cloned().unwrap_or_default());
            let running = mine
                .iter()
                .filter(|r| !r.status.is_some_and(TargetStatus::is_final))
                .count();
            let status = match &state {
                RolloutState::Halted { wave, .. } if *wave == k => WaveStatus::Halted,
                _ if planned.contains_key(&k) => WaveStatus::Planned,
                _ if !mine.is_empty() && running > 0 => WaveStatus::Running,
                _ if !mine.is_empty() => WaveStatus::Done,
                _ if k > 0 && sizes[k as usize - 1] == *size => WaveStatus::Empty,
                _ => WaveStatus::Waiting,
            };
            WavePlan {
                wave: k,
                size: *size,
                status,
                instances,
                succeeded: mine
                    .iter()
                    .filter(|r| r.status == Some(TargetStatus::Success))
                    .count(),
                failed: mine.iter().filter(|r| is_error(r)).count(),
                running,
                counted: counted(k, if resumed { current } else { resumed_upto }),
                started: mine.iter().map(|r| r.task.creation_time.clone()).min(),
            }
        })
        .collect();
    (
        RolloutPlan {
            policy: policy.clone(),
            instances: n,
            budget,
            errors,
            state,
            resume: resumed,
            waves,
        },
        out,
    )
}

/// Whether the rollout is halted at its current wave `w`.
fn halt(
    policy: &Policy,
    runs: &[Run],
    failed: &[FailedRun],
    budget: usize,
    w: u32,
    settled: bool,
    now: DateTime<Utc>,
) -> Option<RolloutState> {
    if failed.len() > budget {
        return Some(RolloutState::Halted {
            wave: w,
            reason: format!("{} failed > maxErrors {budget}", failed.len()),
            failed: Vec::new(),
        });
    }
    if settled {
        return None;
    }
    let started = runs
        .iter()
        .filter(|r| r.wave == w)
        .filter_map(|r| DateTime::parse_from_rfc3339(&r.task.creation_time).ok())
        .map(|t| t.with_timezone(&Utc))
        .min()?;
    let deadline = started + chrono::Duration::seconds(policy.wave_timeout as i64);
    if now <= deadline {
        return None;
    }
    let going = runs
        .iter()
        .filter(|r| r.wave == w && !r.status.is_some_and(TargetStatus::is_final))
        .count();
    Some(RolloutState::Halted {
        wave: w,
        reason: format!(
            "wave {} did not end within its waveTimeout of {}s: {} still running",
            w + 1,
            policy.wave_timeout,
            count(going)
        ),
        failed: Vec::new(),
    })
}

fn noop(t: &LiveInvocation) -> TaskChange {
    TaskChange {
        action: TaskAction::NoOp,
        batch: t.batch,
        id: Some(t.id.clone()),
        reasons: vec![format!(
            "this spec ran as {} ({}); a `once` invocation runs once per spec",
            t.id,
            t.status_name()
        )],
        fields: Vec::new(),
        instances: t.instance_ids(),
        added_instances: Vec::new(),
        client_token: None,
        writes: 0,
        wave: Some(t.wave().map_or(0, |(w, _)| w)),
        membership: false,
    }
}

pub(super) fn count(n: usize) -> String {
    if n == 1 {
        "1 instance".into()
    } else {
        format!("{n} instances")
    }
}

impl LiveInvocation {
    /// The rollout wave of this task and whether `apply --resume` accepted its failures;
    /// `None` for a task of no rollout.
    pub fn wave(&self) -> Option<(u32, bool)> {
        self.tags.get(TAG_WAVE).and_then(|v| parse_wave_tag(v))
    }
}

#[cfg(test)]
mod tests;
