//! Reading what the stack owns: one paginated DescribeCommands per region filtered by the
//! stack's tag (never one describe per command), regions read concurrently, then the few
//! name or id look-ups that conflict detection and adoption need.

use std::collections::HashSet;

use base64::Engine;
use futures::future::try_join_all;

use crate::cloud::ops::Tag;
use crate::cloud::ops::commands::{Command, DescribeCommandsRequest};
use crate::cloud::{Client, Error};

use crate::cloud::pagination::{self, Reads};
use crate::reconcile::ownership::TAG_STACK;

use super::model::{CommandState, DesiredCommand, LiveCommand};

/// What the live read found in one pass.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// Commands carrying this stack's tag.
    pub owned: Vec<LiveCommand>,
    /// Commands without this stack's tag that share a name with a desired command, or
    /// that a document asks to adopt.
    pub unowned: Vec<LiveCommand>,
}

/// Up to this many unknown names are looked up one by one; more, and the region's whole
/// command list is read once instead.
const NAME_LOOKUPS: usize = 10;

/// Reads the live state of `stack` in `regions`, and the unowned commands that the
/// desired ones would collide with or adopt.
pub async fn read(
    client: &Client,
    stack: &str,
    regions: &[String],
    desired: &[DesiredCommand],
    reads: &Reads,
) -> Result<Live, Error> {
    let per_region = try_join_all(regions.iter().map(|region| async move {
        let c = client.with_region(region)?;
        let owned = list(&c, region, owned_filter(stack), reads).await?;
        let wanted: Vec<&DesiredCommand> = desired.iter().filter(|d| &d.region == region).collect();
        let unowned = unowned(&c, region, &owned, &wanted, reads).await?;
        Ok::<_, Error>((owned, unowned))
    }))
    .await?;
    let mut live = Live::default();
    for (owned, unowned) in per_region {
        live.owned.extend(owned);
        live.unowned.extend(unowned);
    }
    Ok(live)
}

fn owned_filter(stack: &str) -> DescribeCommandsRequest {
    DescribeCommandsRequest {
        tags: vec![Tag {
            key: TAG_STACK.into(),
            value: stack.into(),
        }],
        ..Default::default()
    }
}

async fn unowned(
    c: &Client,
    region: &str,
    owned: &[LiveCommand],
    wanted: &[&DesiredCommand],
    reads: &Reads,
) -> Result<Vec<LiveCommand>, Error> {
    let owned_names: HashSet<&str> = owned.iter().map(|o| o.state.identity()).collect();
    let missing: Vec<&&DesiredCommand> = wanted
        .iter()
        .filter(|d| !owned_names.contains(d.state.identity()))
        .collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<LiveCommand> = if missing.len() > NAME_LOOKUPS {
        list(c, region, DescribeCommandsRequest::default(), reads).await?
    } else {
        let mut found = Vec::new();
        for d in &missing {
            let req = match &d.adopt_id {
                Some(id) => DescribeCommandsRequest {
                    command_id: Some(id.clone()),
                    ..Default::default()
                },
                None => DescribeCommandsRequest {
                    name: Some(d.state.name.clone()),
                    ..Default::default()
                },
            };
            found.extend(list(c, region, req, reads).await?);
        }
        found
    };
    let owned_ids: HashSet<&str> = owned.iter().map(|o| o.id.as_str()).collect();
    let wanted_keys: HashSet<&str> = missing
        .iter()
        .flat_map(|d| [Some(d.state.name.as_str()), d.adopt_id.as_deref()])
        .flatten()
        .collect();
    Ok(all
        .into_iter()
        .filter(|l| !owned_ids.contains(l.id.as_str()))
        .filter(|l| {
            wanted_keys.contains(l.id.as_str()) || wanted_keys.contains(l.state.name.as_str())
        })
        .collect())
}

/// Every command matching `filter`, normalised.
async fn list(
    c: &Client,
    region: &str,
    filter: DescribeCommandsRequest,
    reads: &Reads,
) -> Result<Vec<LiveCommand>, Error> {
    let commands = pagination::all(c, filter, reads).await?;
    Ok(commands
        .into_iter()
        .map(|cmd| to_live(region, cmd))
        .collect())
}

/// A command's content as DescribeCommands returns it (Base64), decoded to text.
pub fn decode_content(raw: &str) -> Option<String> {
    base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

fn to_live(region: &str, c: Command) -> LiveCommand {
    // Content that is not Base64 of UTF-8 is compared as it came, so it shows as a change.
    let content = decode_content(&c.command_content).unwrap_or(c.command_content);
    LiveCommand {
        id: c.command_id,
        region: region.to_string(),
        creation_time: c.creation_time,
        state: CommandState {
            name: c.name,
            description: c.description,
            command_type: c.command_type,
            content,
            working_dir: c.working_dir,
            timeout: u64::try_from(c.timeout).unwrap_or(0),
            enable_parameter: c.enable_parameter,
            launcher: c.launcher,
            resource_group_id: c.resource_group_id,
            tags: c.tags.into_iter().map(|t| (t.key, t.value)).collect(),
        },
    }
}
