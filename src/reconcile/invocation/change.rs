//! The invocation part of the Plan: per document, what it runs, on which instances now,
//! which were left out and why, its schedule with the next fire times, its parameters
//! (secrets only as `{fromEnv: NAME}`) and, per task, what apply does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fields::TaskFieldDiff;
use super::model::{PlannedParameter, RepeatMode, RunOptions, TargetSelector};
use crate::domain::rollout::Policy;

/// One Invocation document, or the tasks of a removed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationPlan {
    pub region: String,
    /// The document's `metadata.name` (the `assistctl:name` tag of its tasks).
    pub name: String,
    /// `file:line` of the document; absent when the document is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `metadata.name` of the command it runs.
    pub command: String,
    /// The command's id when it exists and stays; absent when this apply creates or
    /// replaces it (apply then uses the new id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_id: Option<String>,
    pub schedule: PlannedSchedule,
    pub parameters: Vec<PlannedParameter>,
    pub targets: TargetSelector,
    pub run: RunOptions,
    /// Tags of every task, without the per-task `assistctl:hash` and `assistctl:batch`.
    pub tags: BTreeMap<String, String>,
    /// The spec hash (the `assistctl:hash` tag).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
    /// The hash of the inputs a task does not report (the `assistctl:inputs` tag).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub inputs_hash: String,
    /// The concrete instances the targets resolve to now and that can run it.
    pub instances: Vec<String>,
    /// Instances the targets name or select that cannot run it now, left out.
    pub ineligible: Vec<IneligibleInstance>,
    /// What apply does, per task (one per batch of at most 50 instances).
    pub tasks: Vec<TaskChange>,
    /// Where the document's rollout stands and its waves, when it declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<RolloutPlan>,
}

impl InvocationPlan {
    pub fn actions(&self) -> impl Iterator<Item = &TaskChange> {
        self.tasks.iter().filter(|t| t.action != TaskAction::NoOp)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedSchedule {
    /// `Once`, `Period`, `NextRebootOnly` or `EveryReboot`.
    pub repeat_mode: RepeatMode,
    /// The API's Frequency for `Period`: `rate(5m)`, `at(...)` or cron with its zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    /// In words, e.g. `every 5 minutes`.
    pub description: String,
    /// The zone `nextFires` are shown in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The next (up to three) fire times after the plan was made, wall clock in
    /// `timeZone` with the offset, e.g. `2026-03-29 04:15:00 +02:00 (Europe/Berlin)`.
    pub next_fires: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IneligibleInstance {
    pub instance_id: String,
    pub reason: String,
    /// The per-instance error code the service gives a run refused for this reason
    /// (`InstanceNotRunning`, `ClientNotRunning`, `ClientNeedUpgrade`,
    /// `CommandNotApplicable`, `InstanceNotExists`).
    #[serde(default)]
    pub code: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TaskAction {
    /// Nothing to do (a `once` spec that already ran, a live task that matches).
    NoOp,
    /// InvokeCommand.
    Invoke,
    /// ModifyInvocationAttribute (and the hash tag), in place.
    Modify,
    /// StopInvocation of the old task, then InvokeCommand.
    Reinvoke,
    /// StopInvocation.
    Stop,
}

impl TaskAction {
    pub fn symbol(self) -> &'static str {
        match self {
            TaskAction::NoOp => " ",
            TaskAction::Invoke => "+",
            TaskAction::Modify => "~",
            TaskAction::Reinvoke => "-/+",
            TaskAction::Stop => "-",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            TaskAction::NoOp => "is up to date",
            TaskAction::Invoke => "will be invoked",
            TaskAction::Modify => "will be modified in place",
            TaskAction::Reinvoke => "will be stopped and invoked again",
            TaskAction::Stop => "will be stopped",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskAction::NoOp => "no change",
            TaskAction::Invoke => "invoke",
            TaskAction::Modify => "modify in place",
            TaskAction::Reinvoke => "stop and invoke again",
            TaskAction::Stop => "stop",
        }
    }
}

/// One task: a batch of a document's instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskChange {
    pub action: TaskAction,
    /// The batch index (the `assistctl:batch` tag).
    pub batch: u32,
    /// The live task (`t-...`): the one modified, stopped or matched; absent for an invoke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub reasons: Vec<String>,
    /// What differs between the live task and the manifests.
    pub fields: Vec<TaskFieldDiff>,
    /// The instances of this task after apply.
    pub instances: Vec<String>,
    /// Instances a modify adds to the task.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_instances: Vec<String>,
    /// The ClientToken an invoke sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
    pub writes: u32,
    /// The rollout wave this task belongs to (0 is the first), for a document with a
    /// `rollout`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave: Option<u32>,
    /// The change comes from the fleet, not from the manifests: instances that joined the
    /// targets (new, or started since the last apply) get their run, or leave a task. A
    /// nightly drift check does not count it as drift (see `summary.membership`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub membership: bool,
}

/// Where a rollout stands and what apply does with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutPlan {
    pub policy: Policy,
    /// The instances the rollout covers now: reached, or able to run it.
    pub instances: usize,
    /// Failed runs it tolerates among them (`maxErrors` resolved).
    pub budget: usize,
    /// Failed runs counted against the budget so far.
    pub errors: usize,
    pub state: RolloutState,
    /// This apply resumes a halted rollout (`apply --resume`): the failures up to the
    /// halted wave are accepted, and the waves after it run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resume: bool,
    pub waves: Vec<WavePlan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum RolloutState {
    /// No wave was invoked yet.
    NotStarted,
    /// `wave` was invoked; `settled` once every one of its runs ended.
    InProgress { wave: u32, settled: bool },
    /// The rollout stopped at `wave`; `reason` says why and `failed` lists the failed runs.
    Halted {
        wave: u32,
        reason: String,
        failed: Vec<FailedRun>,
    },
    /// Every wave ran and every instance was reached.
    Complete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedRun {
    pub instance_id: String,
    pub task: String,
    /// The run's status as the service names it (`Failed`, `Timeout`, ...).
    pub status: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WaveStatus {
    /// Every run ended.
    Done,
    /// Runs are still going.
    Running,
    /// The rollout halted here.
    Halted,
    /// This apply invokes it (after the waves before it passed).
    Planned,
    /// Not invoked, and this apply does not invoke it (the rollout is halted, or a wave
    /// before it has still to end).
    Waiting,
    /// It adds no instance (e.g. `10%` of 3 instances after a first wave of 1).
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WavePlan {
    /// 0 is the first wave; shown from 1.
    pub wave: u32,
    /// Instances reached once this wave is through (cumulative).
    pub size: usize,
    pub status: WaveStatus,
    /// The instances this wave reaches: its tasks', and those this apply invokes in it.
    pub instances: Vec<String>,
    pub succeeded: usize,
    pub failed: usize,
    /// Runs not ended yet.
    pub running: usize,
    /// Its failures count against the budget (false once `apply --resume` accepted them).
    pub counted: bool,
    /// When its first task was invoked (its waveTimeout counts from here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
}

/// The state in a few words, for messages: `wave 2 running`, `halted at wave 2: ...`.
pub fn describe_rollout(s: &RolloutState) -> String {
    match s {
        RolloutState::NotStarted => "not started".into(),
        RolloutState::InProgress {
            wave,
            settled: false,
        } => format!("wave {} running", wave + 1),
        RolloutState::InProgress {
            wave,
            settled: true,
        } => {
            format!("wave {} done, the next not started", wave + 1)
        }
        RolloutState::Halted { wave, reason, .. } => {
            format!("halted at wave {}: {reason}", wave + 1)
        }
        RolloutState::Complete => "complete".into(),
    }
}
