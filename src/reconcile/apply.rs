//! Applying a plan: each change turned into its API calls, independent changes run
//! concurrently (bounded), every failure kept with its API code and request id while the
//! rest goes on. Running apply again converges, since every step is idempotent: creates
//! carry a ClientToken, and the next plan sees what did or did not happen.

use base64::Engine;
use futures::StreamExt;

use crate::cloud::ops::Tag;
use crate::cloud::ops::commands::{
    CreateCommandRequest, DeleteCommandRequest, ModifyCommandRequest,
};
use crate::cloud::ops::tags::{TagResourcesRequest, UntagResourcesRequest};
use crate::cloud::{Client, Error};
use crate::render::redact::Secrets;

use super::diff::tag_delta;
use super::invocation_apply::{self, CommandIds, TaskResults};
use super::live::{self, Reads};
use super::model::CommandState;
use super::plan::{Action, Change, Plan};

/// A change that failed, with what the API said.
#[derive(Debug, Clone)]
pub struct Failure {
    pub change: Change,
    pub code: String,
    pub request_id: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Outcome {
    /// Changes applied, with the id of what they created (if any).
    pub applied: Vec<(Change, Option<String>)>,
    pub failures: Vec<Failure>,
    /// The invocation part.
    pub tasks: TaskResults,
}

/// Applies every change of `plan`, at most `parallelism` at a time, in dependency order:
/// command creates, updates and adoptions (and the create half of replaces); then task
/// stops; then invokes and in-place modifies, with the ids of commands just created; then
/// command deletes (and the delete half of replaces), so a replaced command's tasks have
/// moved before it goes. `env` holds the `fromEnv` values; `done` is called as each change
/// finishes (for progress output).
pub async fn apply(
    client: &Client,
    plan: &Plan,
    parallelism: usize,
    env: &Secrets,
    done: &(dyn Fn(&str, bool) + Sync),
) -> Outcome {
    let label = |c: &Change| format!("{} command {}", c.action.symbol(), c.name);
    let first = plan
        .actions()
        .filter(|c| c.action != Action::Delete)
        .cloned();
    let mut results = futures::stream::iter(first)
        .map(|change| async move {
            let r = apply_first(client, &change).await;
            (change, r)
        })
        .buffer_unordered(parallelism.max(1));
    let mut out = Outcome::default();
    while let Some((change, r)) = results.next().await {
        if change.action != Action::Replace || r.is_err() {
            done(&label(&change), r.is_ok());
        }
        match r {
            Ok(id) => out.applied.push((change, id)),
            Err(e) => out.failures.push(failure(change, &e)),
        }
    }
    drop(results);
    verify_creates(client, plan, &mut out).await;

    let mut ids = CommandIds::new();
    for c in plan
        .actions()
        .filter(|c| matches!(c.action, Action::Create | Action::Replace))
    {
        ids.insert(
            (c.region.clone(), c.name.clone()),
            Err(format!(
                "command `{}` could not be {}: see its error",
                c.name,
                if c.action == Action::Create {
                    "created"
                } else {
                    "replaced"
                }
            )),
        );
    }
    for (c, id) in &out.applied {
        if let (Action::Create | Action::Replace, Some(id)) = (c.action, id) {
            ids.insert((c.region.clone(), c.name.clone()), Ok(id.clone()));
        }
    }
    out.tasks =
        invocation_apply::apply(client, &plan.invocations, &ids, env, parallelism, done).await;

    // Deletes last: the old halves of replaces, then the commands no document declares.
    let replaced: Vec<Change> = out
        .applied
        .iter()
        .filter(|(c, _)| c.action == Action::Replace)
        .map(|(c, _)| c.clone())
        .collect();
    let last = replaced.into_iter().chain(
        plan.actions()
            .filter(|c| c.action == Action::Delete)
            .cloned(),
    );
    let mut results = futures::stream::iter(last)
        .map(|change| async move {
            let c = client.with_region(&change.region);
            let r = match c {
                Ok(c) => delete(&c, change.id.as_deref().unwrap_or_default()).await,
                Err(e) => Err(e),
            };
            (change, r)
        })
        .buffer_unordered(parallelism.max(1));
    while let Some((change, r)) = results.next().await {
        done(&label(&change), r.is_ok());
        match (change.action, r) {
            (Action::Delete, Ok(())) => out.applied.push((change, None)),
            (_, Ok(())) => {}
            (_, Err(e)) => {
                out.applied.retain(|(c, _)| {
                    !(c.region == change.region
                        && c.name == change.name
                        && c.action == change.action)
                });
                out.failures.push(failure(change, &e));
            }
        }
    }
    drop(results);
    out.applied
        .sort_by(|a, b| (&a.0.region, &a.0.name).cmp(&(&b.0.region, &b.0.name)));
    out.failures.sort_by(|a, b| {
        (&a.change.region, &a.change.name).cmp(&(&b.change.region, &b.change.name))
    });
    out
}

/// A ClientToken the service still remembers returns the command first created with it,
/// even when that command has since been deleted (a command deleted and declared again
/// unchanged). So the ids creates returned are checked against one list of what the stack
/// owns per region, and a create that got a deleted command back is made again with a
/// fresh token.
async fn verify_creates(client: &Client, plan: &Plan, out: &mut Outcome) {
    let created: Vec<usize> = (0..out.applied.len())
        .filter(|&i| matches!(out.applied[i].0.action, Action::Create | Action::Replace))
        .collect();
    let mut regions: Vec<String> = created
        .iter()
        .map(|&i| out.applied[i].0.region.clone())
        .collect();
    regions.sort();
    regions.dedup();
    if regions.is_empty() {
        return;
    }
    let owned = match live::read(client, &plan.stack, &regions, &[], &Reads::default()).await {
        Ok(l) => l.owned,
        Err(e) => {
            tracing::warn!("could not check the created commands: {e}");
            return;
        }
    };
    for i in created {
        let (change, id) = &out.applied[i];
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
                Ok(new_id) => out.applied[i].1 = Some(new_id),
                Err(e) => out.failures.push(failure(change.clone(), &e)),
            },
            Err(e) => out.failures.push(failure(change.clone(), &e)),
        }
    }
    out.applied.retain(|(c, _)| {
        !out.failures.iter().any(|f| {
            f.change.name == c.name && f.change.region == c.region && f.change.action == c.action
        })
    });
}

fn failure(change: Change, e: &Error) -> Failure {
    Failure {
        code: e.code().unwrap_or("Transport").to_string(),
        request_id: e.request_id().unwrap_or_default().to_string(),
        message: e.to_string(),
        change,
    }
}

/// A change's first step: everything but deletes, and a replace's create (its old
/// command is deleted with the deletes, after the tasks moved).
async fn apply_first(client: &Client, c: &Change) -> Result<Option<String>, Error> {
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

/// ModifyCommand for the mutable fields that differ, then the tag changes.
async fn update(client: &Client, c: &Change, id: &str) -> Result<(), Error> {
    let d = desired(c);
    let live = c.live.as_ref();
    let differs = |f: &str| c.fields.iter().any(|x| x.field == f && !x.forces_replace);
    let pick = |f: &str, v: &str| differs(f).then(|| v.to_string());
    let req = ModifyCommandRequest {
        command_id: id.to_string(),
        name: pick("name", &d.name),
        description: pick("description", &d.description),
        working_dir: pick("workingDir", &d.working_dir),
        timeout: differs("timeout").then_some(d.timeout as i64),
        launcher: pick("launcher", &d.launcher),
    };
    if req.name.is_some()
        || req.description.is_some()
        || req.working_dir.is_some()
        || req.timeout.is_some()
        || req.launcher.is_some()
    {
        client.modify_command(&req).await?;
    }
    let empty = CommandState {
        tags: Default::default(),
        ..d.clone()
    };
    let (set, unset) = tag_delta(live.unwrap_or(&empty), d);
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

async fn delete(client: &Client, id: &str) -> Result<(), Error> {
    match client
        .delete_command(&DeleteCommandRequest {
            command_id: id.to_string(),
        })
        .await
    {
        // Already gone (a retried apply, or someone else deleted it): the goal is met.
        Err(e) if e.code() == Some("InvalidCmdId.NotFound") => Ok(()),
        r => r.map(|_| ()),
    }
}

fn tags<'a>(it: impl Iterator<Item = (&'a String, &'a String)>) -> Vec<Tag> {
    it.map(|(k, v)| Tag {
        key: k.clone(),
        value: v.clone(),
    })
    .collect()
}
