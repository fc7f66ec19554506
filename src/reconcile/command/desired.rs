//! The desired commands: each validated Command as a normalised command state, with the
//! stack's tags, the ownership tags and the service's defaults applied.

use std::collections::BTreeMap;

use crate::manifest::valid::{ValidCommand, ValidStack};

use crate::reconcile::ownership::{TAG_NAME, TAG_STACK};

use super::model::{CommandState, DesiredCommand};

pub fn command(c: &ValidCommand, stack: &ValidStack) -> DesiredCommand {
    let mut tags: BTreeMap<String, String> = stack.tags.clone();
    tags.extend(c.tags.clone());
    tags.insert(TAG_STACK.into(), stack.name.clone());
    tags.insert(TAG_NAME.into(), c.name.clone());
    let state = CommandState {
        name: c.name.clone(),
        description: c.description.clone().unwrap_or_default(),
        command_type: c.command_type.api_name().to_string(),
        enable_parameter: c.enable_parameter,
        content: c.script.text.clone(),
        working_dir: c.working_dir.clone().unwrap_or_default(),
        timeout: c.timeout,
        launcher: c.launcher.clone().unwrap_or_default(),
        resource_group_id: c.resource_group_id.clone().unwrap_or_default(),
        tags,
    };
    DesiredCommand {
        region: c.region.clone(),
        state,
        source: c.source.to_string(),
        adopt_id: c.import_id.clone(),
    }
}
