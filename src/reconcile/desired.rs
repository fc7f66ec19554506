//! The desired state: a validated manifest set turned into normalised commands and
//! invocations, with the stack's tags, the ownership tags and the service's defaults applied.

use crate::manifest::valid::Validated;

use super::command::desired::command;
use super::command::model::DesiredCommand;
use super::invocation::desired::invocation;
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

/// Builds the desired state of a validated set, every document of it: `--target` limits
/// the plan, in the planner.
pub fn build(valid: &Validated) -> Desired {
    let stack = &valid.stack;
    let commands: Vec<DesiredCommand> = valid.commands.iter().map(|c| command(c, stack)).collect();
    // The desired commands are the valid ones in the same order, so an invocation's
    // command index is good for both.
    let invocations: Vec<DesiredInvocation> = valid
        .invocations
        .iter()
        .map(|i| invocation(i, stack, &commands[i.command]))
        .collect();
    let mut regions = vec![stack.region.clone()];
    for r in commands
        .iter()
        .map(|c| &c.region)
        .chain(invocations.iter().map(|i| &i.region))
    {
        if !regions.contains(r) {
            regions.push(r.clone());
        }
    }
    regions.sort();
    Desired {
        stack: stack.name.clone(),
        regions,
        commands,
        invocations,
        not_reconciled: Vec::new(),
    }
}
