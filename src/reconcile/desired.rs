//! The desired state: a validated manifest set turned into normalised command states,
//! with the stack's tags, the ownership tags and the service's defaults applied.

use std::collections::BTreeMap;

use crate::manifest::effective;
use crate::manifest::rules::Scripts;
use crate::manifest::set::{Located, ManifestSet};
use crate::manifest::types::{CommandDocument, StackDocument};

use super::invocation_desired;
use super::invocation_model::DesiredInvocation;
use super::model::{CommandState, DesiredCommand, TAG_NAME, TAG_STACK};
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

fn command(
    c: &Located<CommandDocument>,
    scripts: &Scripts,
    stack: &Located<StackDocument>,
) -> anyhow::Result<DesiredCommand> {
    let spec = &c.doc.spec;
    let region = spec
        .region
        .clone()
        .unwrap_or_else(|| stack.doc.spec.region.clone());
    let Some(script) = scripts.get(&(region, c.doc.metadata.name.clone())).cloned() else {
        anyhow::bail!(
            "the script of command `{}` cannot be read",
            c.doc.metadata.name
        );
    };
    let mut tags: BTreeMap<String, String> = stack.doc.spec.tags.clone();
    tags.extend(spec.tags.clone());
    tags.insert(TAG_STACK.into(), stack.doc.metadata.name.clone());
    tags.insert(TAG_NAME.into(), c.doc.metadata.name.clone());
    let state = CommandState {
        name: c.doc.metadata.name.clone(),
        description: c.doc.metadata.description.clone().unwrap_or_default(),
        command_type: spec.command_type.command_type().api_name().to_string(),
        enable_parameter: effective::parameters_enabled(spec, &script.text),
        content: script.text,
        working_dir: spec.working_dir.clone().unwrap_or_default(),
        timeout: effective::timeout(spec.timeout),
        launcher: spec.launcher.clone().unwrap_or_default(),
        resource_group_id: spec
            .resource_group_id
            .clone()
            .or_else(|| stack.doc.spec.resource_group_id.clone())
            .unwrap_or_default(),
        tags,
    };
    Ok(DesiredCommand {
        region: spec
            .region
            .clone()
            .unwrap_or_else(|| stack.doc.spec.region.clone()),
        state,
        source: format!("{}:{}", c.file.display(), c.positions.document_line()),
        adopt_id: spec.import_id.clone(),
    })
}
