//! Semantic rules the JSON Schema cannot express: the service's limits, parameter
//! usage, schedules, references between documents and secret hygiene.

mod command;
mod common;
mod invocation;
mod model;
mod rollout;
mod stack;

use chrono::{DateTime, Utc};

use super::diagnostic::Diagnostic;
use super::set::ManifestSet;
use super::valid::Validated;

/// What rules may depend on besides the manifests.
#[derive(Debug, Clone)]
pub struct Context {
    /// Schedules are checked from this instant (a cron's next fires, an `at` in the past).
    pub now: DateTime<Utc>,
}

impl Default for Context {
    fn default() -> Self {
        Context { now: Utc::now() }
    }
}

/// Runs every rule over a loaded set. Returns the validated model built from what the
/// rules resolved, or `None` when something could not be resolved; it is only worth
/// keeping when the rules reported no error at all (see [`super::Validation::model`]).
pub fn check(set: &ManifestSet, ctx: &Context, diags: &mut Vec<Diagnostic>) -> Option<Validated> {
    stack::check(set, diags);
    let region = set
        .stack()
        .map(|s| s.doc.spec.region.clone())
        .unwrap_or_default();
    let stack_tags = set.stack().map(|s| s.doc.spec.tags.len()).unwrap_or(0);
    let commands = command::check_all(set, &region, stack_tags, diags);
    let invocations = invocation::check_all(set, &region, stack_tags, &commands, ctx, diags);
    model::build(set, &commands, &invocations)
}
