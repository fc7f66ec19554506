//! Reconcile: what the manifests want, what the cloud has, and the plan between them.
//!
//! Data flows one way: [`desired`] (from validated manifests) and [`observe`] (all I/O)
//! feed the pure [`decide::reconcile`], whose [`Plan`] is rendered, saved, checked again
//! ([`saved`]) and applied ([`apply`]). Each kind of object has a folder with the same
//! parts — model, desired, live, diff, apply — [`command`] and [`invocation`]; what they
//! share sits here: ownership tags and tokens, typed field differences, how apply runs.

pub(crate) mod apply;
pub(crate) mod command;
pub(crate) mod decide;
pub(crate) mod desired;
pub(crate) mod digest;
pub(crate) mod execution;
pub(crate) mod field;
pub(crate) mod invocation;
pub(crate) mod observe;
pub(crate) mod options;
pub(crate) mod ownership;
pub(crate) mod plan;
pub(crate) mod saved;
pub(crate) mod stacks;

pub use apply::{Outcome, apply};
pub use command::change::{Action, Change, Conflict, ResourceKind};
pub use command::fields::CommandField;
pub use command::model::CommandState;
pub use decide::{PlanError, reconcile};
pub use desired::Desired;
pub use execution::{Interrupt, Note, Progress, Settings};
pub use field::{FieldDiff, FieldValue};
pub use invocation::change::{
    FailedRun, RolloutPlan, RolloutState, WavePlan, WaveStatus, describe_rollout,
};
pub use invocation::change::{
    IneligibleInstance, InvocationPlan, PlannedSchedule, TaskAction, TaskChange,
};
pub use invocation::fields::TaskField;
pub use invocation::live::read as read_tasks;
pub use invocation::model::{
    ParameterSource, PlannedParameter, RepeatMode, RunOptions, TargetSelector,
};
pub use invocation::schedule::planned as planned_schedule;
pub use observe::{LiveState, observe};
pub use options::PlanOptions;
pub use ownership::{TAG_NAME, TAG_STACK};
pub use plan::{
    ApiCalls, MovedKind, NotReconciled, OwnershipMove, PLAN_FORMAT_VERSION, Plan, Summary,
};

/// Why a plan could not be made: the cloud could not be read, or the request names nothing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Cloud(#[from] crate::cloud::Error),
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// Observes the cloud and decides the plan as of now: what `plan` and `apply` do.
pub async fn plan(
    client: &crate::cloud::Client,
    desired: &Desired,
    opts: &PlanOptions,
) -> Result<Plan, Error> {
    let live = observe(client, desired, opts).await?;
    Ok(reconcile(desired, &live, opts, chrono::Utc::now())?)
}
