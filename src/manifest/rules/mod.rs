//! Semantic rules the JSON Schema cannot express: the service's limits, parameter
//! usage, schedules, references between documents and secret hygiene.

mod command;
mod common;
mod invocation;
mod stack;

use chrono::{DateTime, Utc};

use super::diagnostic::Diagnostic;
use super::set::ManifestSet;

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

/// Runs every rule over a loaded set and returns the commands' scripts as read, by
/// (region, name), for building the desired state without reading them again.
pub fn check(set: &ManifestSet, ctx: &Context, diags: &mut Vec<Diagnostic>) -> Scripts {
    stack::check(set, diags);
    let region = set
        .stack()
        .map(|s| s.doc.spec.region.clone())
        .unwrap_or_default();
    let stack_tags = set.stack().map(|s| s.doc.spec.tags.len()).unwrap_or(0);
    let commands = command::check_all(set, &region, stack_tags, diags);
    invocation::check_all(set, &region, stack_tags, &commands, ctx, diags);
    commands
        .into_iter()
        .filter_map(|(key, info)| info.script.map(|s| (key, s)))
        .collect()
}

/// Scripts of the commands by (region, name).
pub type Scripts = std::collections::HashMap<(String, String), super::script::Script>;
