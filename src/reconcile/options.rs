//! How a plan was asked for: the scope and the safety switches the command line gives.

use serde::{Deserialize, Serialize};

/// How a plan was asked for. Saved in the plan, so `apply --plan` makes it again the
/// same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PlanOptions {
    /// Only these documents (by name); others are neither changed nor deleted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Allow a plan that deletes every command the stack owns.
    pub allow_empty: bool,
    /// Refuse the plan when an invocation's targets include an instance that cannot run it,
    /// instead of leaving the instance out.
    pub strict: bool,
    /// Stacks whose objects this stack takes over (a renamed stack): their commands and
    /// tasks with this stack's document names are re-tagged instead of made twice.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub take_over_from: Vec<String>,
    /// Another stack owning documents of the same names is meant (e.g. one stack per
    /// environment in one region): warn, do not refuse.
    pub allow_duplicates: bool,
    /// Halted rollouts (by document name) this apply resumes: the failures so far are
    /// accepted and the next waves run (`apply --resume NAME`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resume: Vec<String>,
}
