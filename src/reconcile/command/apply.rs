//! Applying the command part of a plan: CreateCommand (with its ClientToken), ModifyCommand
//! and the tag calls of an update or adoption, and DeleteCommand after an ownership check
//! made at the moment of the call.

use base64::Engine;

use crate::cloud::ops::Tag;
use crate::cloud::ops::commands::{
    CreateCommandRequest, DeleteCommandRequest, DescribeCommandsRequest,
};
use crate::cloud::ops::tags::{TagResourcesRequest, UntagResourcesRequest};
use crate::cloud::{Client, Error};
use crate::domain::error_codes::INVALID_CMD_ID_NOT_FOUND;
use crate::reconcile::ownership::not_owned;

use super::change::{Action, Change};
use super::fields::{command_tag_delta, modify_request};
use super::live;
use super::model::CommandState;
use crate::cloud::Reads;

#[derive(Debug, Clone)]
pub struct Failure {
    pub change: Change,
    pub code: String,
    pub request_id: String,
    pub message: String,
}

/// A ClientToken the service still remembers returns the command first created with it,
/// even when that command has since been deleted (a command deleted and declared again
/// unchanged). So the ids creates returned are checked against one list of what the stack
/// owns per region, and a create that got a deleted command back is made again with a
/// fresh token.
///
/// `applied` holds the changes applied with the ids they got; a create that fails again
/// moves to `failures`. Returns what another writer made meanwhile (a race).
pub async fn verify_creates(
    client: &Client,
    stack: &str,
    applied: &mut Vec<(Change, Option<String>)>,
    failures: &mut Vec<Failure>,
) -> Vec<String> {
    let mut races = Vec::new();
    let created: Vec<usize> = (0..applied.len())
        .filter(|&i| matches!(applied[i].0.action, Action::Create | Action::Replace))
        .collect();
    let mut regions: Vec<String> = created
        .iter()
        .map(|&i| applied[i].0.region.clone())
        .collect();
    regions.sort();
    regions.dedup();
    if regions.is_empty() {
        return races;
    }
    let owned = match live::read(client, stack, &regions, &[], &Reads::default()).await {
        Ok(l) => l.owned,
        Err(e) => {
            tracing::warn!("could not check the created commands: {e}");
            return races;
        }
    };
    for &i in &created {
        let (change, id) = &applied[i];
        // Another apply (of another version: the same version sends the same ClientToken
        // and gets this very command back) made a command for the same document meanwhile.
        let others: Vec<&str> = owned
            .iter()
            .filter(|o| {
                o.region == change.region
                    && o.state.identity() == change.name
                    && Some(&o.id) != id.as_ref()
                    && Some(&o.id) != change.id.as_ref()
            })
            .map(|o| o.id.as_str())
            .collect();
        if !others.is_empty() {
            races.push(format!(
                "command {} ({}): another writer created {} for the same document while this apply created {}; run `assistctl plan` to see both (the next apply keeps one and deletes the others)",
                change.name,
                change.region,
                others.join(", "),
                id.as_deref().unwrap_or("nothing"),
            ));
        }
    }
    for i in created {
        let (change, id) = &applied[i];
        if id
            .as_ref()
            .is_some_and(|id| owned.iter().any(|o| &o.id == id))
        {
            continue;
        }
        let mut retry = change.clone();
        retry.client_token = Some(format!(
            "{}-{}",
            change.client_token.clone().unwrap_or_default(),
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        ));
        tracing::info!(name = %change.name, "the create returned a deleted command (a remembered ClientToken); creating it again");
        match client.with_region(&change.region) {
            Ok(c) => match create(&c, &retry).await {
                Ok(new_id) => applied[i].1 = Some(new_id),
                Err(e) => failures.push(failure(change.clone(), &e)),
            },
            Err(e) => failures.push(failure(change.clone(), &e)),
        }
    }
    applied.retain(|(c, _)| {
        !failures.iter().any(|f| {
            f.change.name == c.name && f.change.region == c.region && f.change.action == c.action
        })
    });
    races
}

pub fn failure(change: Change, e: &Error) -> Failure {
    Failure {
        code: e.code().unwrap_or("Transport").to_string(),
        request_id: e.request_id().unwrap_or_default().to_string(),
        message: e.to_string(),
        change,
    }
}

/// A change's first step: everything but deletes, and a replace's create (its old
/// command is deleted with the deletes, after the tasks moved).
pub async fn first_step(client: &Client, c: &Change) -> Result<Option<String>, Error> {
    let client = client.with_region(&c.region)?;
    let id = c.id.clone().unwrap_or_default();
    match c.action {
        Action::NoOp | Action::Delete => Ok(None),
        Action::Create | Action::Replace => create(&client, c).await.map(Some),
        Action::Update | Action::Adopt => {
            update(&client, c, &id).await?;
            Ok(None)
        }
    }
}

fn desired(c: &Change) -> &CommandState {
    c.desired
        .as_ref()
        .expect("a create, update, replace or adopt carries its desired state")
}

async fn create(client: &Client, c: &Change) -> Result<String, Error> {
    let d = desired(c);
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let req = CreateCommandRequest {
        name: d.name.clone(),
        command_type: d.command_type.clone(),
        command_content: base64::engine::general_purpose::STANDARD.encode(&d.content),
        content_encoding: Some("Base64".into()),
        description: non_empty(&d.description),
        working_dir: non_empty(&d.working_dir),
        timeout: Some(d.timeout as i64),
        enable_parameter: Some(d.enable_parameter),
        launcher: non_empty(&d.launcher),
        resource_group_id: non_empty(&d.resource_group_id),
        tags: tags(d.tags.iter()),
        client_token: c.client_token.clone(),
    };
    Ok(client.create_command(&req).await?.command_id)
}

/// ModifyCommand for the fields that differ and it can change, then the tag changes.
async fn update(client: &Client, c: &Change, id: &str) -> Result<(), Error> {
    let d = desired(c);
    if let Some(req) = modify_request(id, d, &c.fields) {
        client.modify_command(&req).await?;
    }
    let no_tags = Default::default();
    let live_tags = c.live.as_ref().map_or(&no_tags, |l| &l.tags);
    let (set, unset) = command_tag_delta(live_tags, &d.tags);
    if !set.is_empty() {
        client
            .tag_resources(&TagResourcesRequest {
                resource_type: "command".into(),
                resource_ids: vec![id.to_string()],
                tags: tags(set.iter()),
            })
            .await?;
    }
    if !unset.is_empty() {
        client
            .untag_resources(&UntagResourcesRequest {
                resource_type: "command".into(),
                resource_ids: vec![id.to_string()],
                tag_keys: unset,
                all: None,
            })
            .await?;
    }
    Ok(())
}

/// Why a step of apply did not happen: the API said no, or the target is not this stack's.
#[derive(Debug)]
pub enum StepError {
    Api(Error),
    NotOwned(String),
}

impl From<Error> for StepError {
    fn from(e: Error) -> Self {
        StepError::Api(e)
    }
}

impl StepError {
    pub fn into_failure(self, change: Change) -> Failure {
        match self {
            StepError::Api(e) => failure(change, &e),
            StepError::NotOwned(message) => Failure {
                change,
                code: "NotOwnedByStack".into(),
                request_id: String::new(),
                message,
            },
        }
    }
}

/// Deletes `id` after checking, at this moment, that it carries `stack`'s tag: whatever the
/// plan says, a command of another stack or of none is never deleted.
pub async fn delete(client: &Client, stack: &str, id: &str) -> Result<(), StepError> {
    let found = client
        .describe_commands(&DescribeCommandsRequest {
            command_id: Some(id.to_string()),
            ..Default::default()
        })
        .await?;
    let Some(command) = found.commands.into_iter().find(|c| c.command_id == id) else {
        // Already gone (a retried apply, or someone else deleted it): the goal is met.
        return Ok(());
    };
    let tags = command
        .tags
        .iter()
        .map(|t| (t.key.as_str(), t.value.as_str()));
    if let Some(why) = not_owned(tags, stack, &format!("delete command {id}")) {
        return Err(StepError::NotOwned(why));
    }
    match client
        .delete_command(&DeleteCommandRequest {
            command_id: id.to_string(),
        })
        .await
    {
        Err(e) if e.code() == Some(INVALID_CMD_ID_NOT_FOUND) => Ok(()),
        r => r.map(|_| ()).map_err(StepError::Api),
    }
}

fn tags<'a>(it: impl Iterator<Item = (&'a String, &'a String)>) -> Vec<Tag> {
    it.map(|(k, v)| Tag {
        key: k.clone(),
        value: v.clone(),
    })
    .collect()
}
