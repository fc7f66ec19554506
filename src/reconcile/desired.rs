//! The desired state: a validated manifest set turned into normalised commands and
//! invocations, with the stack's tags, the ownership tags and the service's defaults applied.

use crate::manifest::rules::Scripts;
use crate::manifest::set::{Located, ManifestSet};
use crate::manifest::types::StackDocument;

use super::command::desired::command;
use super::command::model::DesiredCommand;
use super::invocation::desired as invocation_desired;
use super::invocation::model::DesiredInvocation;
use super::plan::NotReconciled;

#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub stack: String,
    /// Every region the stack touches: its own and any a document names.
    pub regions: Vec<String>,
    pub commands: Vec<DesiredCommand>,
    pub invocations: Vec<DesiredInvocation>,
    /// Documents this version does not reconcile (none: kept for the plan format).
    pub not_reconciled: Vec<NotReconciled>,
}

/// Builds the desired state of a set that validated without errors, every document of it:
/// `--target` limits the plan, in the planner.
pub fn build(
    set: &ManifestSet,
    scripts: &Scripts,
    stack: &Located<StackDocument>,
) -> anyhow::Result<Desired> {
    let region = &stack.doc.spec.region;
    let mut regions = vec![region.clone()];
    let mut commands = Vec::new();
    for c in &set.commands {
        let d = command(c, scripts, stack)?;
        if !regions.contains(&d.region) {
            regions.push(d.region.clone());
        }
        commands.push(d);
    }
    let invocations = invocation_desired::build(set, stack, &commands)?;
    for i in &invocations {
        if !regions.contains(&i.region) {
            regions.push(i.region.clone());
        }
    }
    regions.sort();
    Ok(Desired {
        stack: stack.doc.metadata.name.clone(),
        regions,
        commands,
        invocations,
        not_reconciled: Vec::new(),
    })
}
