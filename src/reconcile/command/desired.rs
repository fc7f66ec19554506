//! The desired commands: each Command document as a normalised command state, with the
//! stack's tags, the ownership tags and the service's defaults applied.

use std::collections::BTreeMap;

use crate::manifest::effective;
use crate::manifest::rules::Scripts;
use crate::manifest::set::Located;
use crate::manifest::types::{CommandDocument, StackDocument};

use crate::reconcile::ownership::{TAG_NAME, TAG_STACK};

use super::model::{CommandState, DesiredCommand};

pub fn command(
    c: &Located<CommandDocument>,
    scripts: &Scripts,
    stack: &Located<StackDocument>,
) -> anyhow::Result<DesiredCommand> {
    let spec = &c.doc.spec;
    let region = effective::region(spec.region.as_deref(), &stack.doc.spec.region);
    let Some(script) = scripts
        .get(&(region.clone(), c.doc.metadata.name.clone()))
        .cloned()
    else {
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
        resource_group_id: effective::resource_group(
            spec.resource_group_id.as_deref(),
            stack.doc.spec.resource_group_id.as_deref(),
        )
        .unwrap_or_default(),
        tags,
    };
    Ok(DesiredCommand {
        region,
        state,
        source: format!("{}:{}", c.file.display(), c.positions.document_line()),
        adopt_id: spec.import_id.clone(),
    })
}
