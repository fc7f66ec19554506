//! The Plan: what apply will do and why, per object. Serialised as the versioned JSON
//! plan format (docs/plan-format.md), which is also the saved plan file.

use serde::{Deserialize, Serialize};

use super::command::change::{Action, Change, Conflict};
use super::invocation::change::{InvocationPlan, TaskAction};
use super::options::PlanOptions;

/// Bumped on any incompatible change of the JSON plan format.
pub const PLAN_FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub format_version: u32,
    pub assistctl_version: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub stack: String,
    pub regions: Vec<String>,
    /// Digest of the desired state the plan was made from (the manifests).
    pub manifest_digest: String,
    /// Digest of every live object read; apply refuses a saved plan when it changed.
    pub live_digest: String,
    /// How the plan was asked for (`--target`, `--allow-empty`, `--strict`,
    /// `--take-over-from`, `--allow-duplicates`); `apply --plan` plans again the same way.
    #[serde(default)]
    pub options: PlanOptions,
    /// The manifest paths the plan was made from, as given on the command line (relative
    /// to the directory it ran in): `apply --plan` without paths reads these. Added within
    /// format 1; absent when unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Objects another stack owns that this plan takes over (`--take-over-from`): apply
    /// re-tags them first, and the changes below treat them as this stack's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ownership_moves: Vec<OwnershipMove>,
    pub changes: Vec<Change>,
    /// One per Invocation document, and per removed document with tasks to stop.
    #[serde(default)]
    pub invocations: Vec<InvocationPlan>,
    pub conflicts: Vec<Conflict>,
    /// Documents this version does not reconcile (none since invocations are).
    pub not_reconciled: Vec<NotReconciled>,
    pub warnings: Vec<String>,
    /// Reasons apply must refuse this plan (a quota that would be exceeded, a plan that
    /// would delete everything without --allow-empty).
    #[serde(default)]
    pub blockers: Vec<String>,
    pub summary: Summary,
    pub api_calls: ApiCalls,
}

impl Plan {
    /// Whether apply would change anything.
    pub fn has_changes(&self) -> bool {
        !self.ownership_moves.is_empty()
            || self.changes.iter().any(|c| c.action != Action::NoOp)
            || self
                .invocations
                .iter()
                .any(|i| i.actions().next().is_some())
    }

    /// Whether apply would change anything the fleet alone does not explain: what a
    /// nightly drift check reports (`plan --detailed-exitcode` exits 2 only then). Tasks
    /// with `membership` (instances that joined or left the targets) are not drift.
    pub fn has_drift(&self) -> bool {
        !self.ownership_moves.is_empty()
            || self.changes.iter().any(|c| c.action != Action::NoOp)
            || self
                .invocations
                .iter()
                .any(|i| i.actions().any(|t| !t.membership))
    }

    /// Every `fromEnv` variable the tasks apply invokes or modifies need.
    pub fn env_needed(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .invocations
            .iter()
            .filter(|i| {
                i.tasks.iter().any(|t| {
                    matches!(
                        t.action,
                        TaskAction::Invoke | TaskAction::Reinvoke | TaskAction::Modify
                    )
                })
            })
            .flat_map(|i| i.parameters.iter().filter_map(|p| p.from_env.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Changes that do something, in apply order.
    pub fn actions(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action != Action::NoOp)
    }
}

/// What an ownership move re-tags: a command or an invocation task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MovedKind {
    Command,
    Invocation,
}

impl MovedKind {
    /// The tag APIs' `ResourceType`.
    pub fn resource_type(self) -> &'static str {
        match self {
            MovedKind::Command => "command",
            MovedKind::Invocation => "invocation",
        }
    }
}

/// One object taken over from another stack: its `assistctl:stack` tag becomes this
/// stack's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnershipMove {
    pub kind: MovedKind,
    pub region: String,
    /// The document name (`assistctl:name`).
    pub name: String,
    /// `c-...` or `t-...`.
    pub id: String,
    /// The stack that owns it now.
    pub from: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotReconciled {
    pub kind: String,
    pub name: String,
    pub source: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub adopt: usize,
    pub delete: usize,
    pub unchanged: usize,
    pub conflicts: usize,
    /// Tasks to invoke (InvokeCommand).
    #[serde(default)]
    pub invoke: usize,
    /// Tasks to modify in place (ModifyInvocationAttribute).
    #[serde(default)]
    pub modify: usize,
    /// Tasks to stop and invoke again.
    #[serde(default)]
    pub reinvoke: usize,
    /// Tasks to stop.
    #[serde(default)]
    pub stop: usize,
    /// Tasks with nothing to do.
    #[serde(default)]
    pub tasks_unchanged: usize,
    /// Commands and tasks taken over from other stacks (`ownershipMoves`).
    #[serde(default)]
    pub take_over: usize,
    /// Tasks above (invoke, modify, stop and invoke again, stop) that the fleet causes, not
    /// the manifests: instances that joined the targets get their run, or instances that
    /// left leave a task. Not drift: `plan --detailed-exitcode` exits 0 when these are
    /// the only changes. Added within format 2.
    #[serde(default)]
    pub membership: usize,
    /// Rollouts that are halted (`plan --detailed-exitcode` exits 3).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rollouts_halted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    pub fn of(changes: &[Change], conflicts: usize) -> Summary {
        let mut s = Summary {
            conflicts,
            ..Summary::default()
        };
        for c in changes {
            match c.action {
                Action::NoOp => s.unchanged += 1,
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Adopt => s.adopt += 1,
                Action::Delete => s.delete += 1,
            }
        }
        s
    }

    /// [`Summary::of`] with the invocations' tasks counted too.
    pub fn with_invocations(mut self, invocations: &[InvocationPlan]) -> Summary {
        self.rollouts_halted = invocations
            .iter()
            .filter(|i| {
                i.rollout.as_ref().is_some_and(|r| {
                    matches!(
                        r.state,
                        super::invocation::change::RolloutState::Halted { .. }
                    )
                })
            })
            .count();
        for t in invocations.iter().flat_map(|i| &i.tasks) {
            if t.membership && t.action != TaskAction::NoOp {
                self.membership += 1;
            }
            match t.action {
                TaskAction::NoOp => self.tasks_unchanged += 1,
                TaskAction::Invoke => self.invoke += 1,
                TaskAction::Modify => self.modify += 1,
                TaskAction::Reinvoke => self.reinvoke += 1,
                TaskAction::Stop => self.stop += 1,
            }
        }
        self
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiCalls {
    /// Read calls the plan made.
    pub reads: u64,
    /// Write calls apply will make.
    pub writes: u64,
}
