//! Applying a plan: each change turned into its API calls, independent changes run
//! concurrently (bounded), every failure kept with its API code and request id while the
//! rest goes on. Running apply again converges, since every step is idempotent: creates
//! carry a ClientToken, and the next plan sees what did or did not happen.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use chrono::Utc;
use futures::StreamExt;

use crate::cloud::ops::Tag;
use crate::cloud::ops::commands::{
    CreateCommandRequest, DeleteCommandRequest, DescribeCommandsRequest, ModifyCommandRequest,
};
use crate::cloud::ops::tags::{TagResourcesRequest, UntagResourcesRequest};
use crate::cloud::{Client, Error};
use crate::render::redact::Secrets;

use super::diff::tag_delta;
use super::invocation_apply::{self, CommandIds, TaskResults};
use super::live::{self, Reads};
use super::model::{CommandState, TAG_STACK, not_owned};
use super::plan::{Action, Change, MovedKind, OwnershipMove, Plan};

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
    /// Ownership moves done, and those that failed (with why).
    pub moved: Vec<OwnershipMove>,
    pub move_failures: Vec<(OwnershipMove, String)>,
    /// The invocation part.
    pub tasks: TaskResults,
    /// What was not started because apply was interrupted, or because the ownership moves
    /// it depends on failed.
    pub not_started: Vec<String>,
    /// Objects another writer made for this stack's documents while apply ran.
    pub races: Vec<String>,
}

impl Outcome {
    pub fn failed(&self) -> usize {
        self.failures.len()
            + self.move_failures.len()
            + self.tasks.failures.len()
            + self.races.len()
    }
}

/// Set when apply must stop starting changes (SIGINT, SIGTERM); the changes in flight
/// finish and are reported.
#[derive(Debug, Default, Clone)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// One change finished: what it was, and its new id or why it failed.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub label: &'a str,
    pub result: Result<Option<&'a str>, &'a str>,
}

/// How apply runs: changes at the same time, the `fromEnv` values, a callback as each change
/// finishes (progress output), and the interrupt flag.
pub struct Settings<'a> {
    pub parallelism: usize,
    pub env: &'a Secrets,
    pub done: &'a (dyn Fn(Progress<'_>) + Sync),
    pub interrupt: &'a Interrupt,
}

/// Applies every change of `plan`, at most `parallelism` at a time, in dependency order:
/// ownership moves (nothing else starts when one fails); command creates, updates and
/// adoptions (and the create half of replaces); then task stops; then invokes and in-place
/// modifies, with the ids of commands just created; then command deletes (and the delete
/// half of replaces), so a replaced command's tasks have moved before it goes. A delete or a
/// stop first checks that its target carries this stack's tag at that moment. Once
/// `interrupt` is set no further change starts.
pub async fn apply(client: &Client, plan: &Plan, s: &Settings<'_>) -> Outcome {
    let label = |c: &Change| format!("{} command {} ({})", c.action.symbol(), c.name, c.region);
    let mut out = Outcome::default();
    let started = Utc::now();
    moves(client, plan, s, &mut out).await;
    if !out.move_failures.is_empty() {
        out.not_started = plan.actions().map(label).collect();
        for i in &plan.invocations {
            for t in i.actions() {
                out.not_started.push(format!(
                    "{} invocation {} ({}) batch {}",
                    t.action.symbol(),
                    i.name,
                    i.region,
                    t.batch
                ));
            }
        }
        return out;
    }
    let first = plan
        .actions()
        .filter(|c| c.action != Action::Delete)
        .cloned();
    let mut results = futures::stream::iter(first)
        .map(|change| async move {
            if s.interrupt.is_set() {
                return (change, None);
            }
            let r = apply_first(client, &change).await;
            (change, Some(r))
        })
        .buffer_unordered(s.parallelism.max(1));
    while let Some((change, r)) = results.next().await {
        let Some(r) = r else {
            out.not_started.push(label(&change));
            continue;
        };
        if change.action != Action::Replace || r.is_err() {
            report(s, &label(&change), &r);
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
        let why = if out.not_started.contains(&label(c)) {
            "was not started (apply was interrupted)"
        } else if c.action == Action::Create {
            "could not be created: see its error"
        } else {
            "could not be replaced: see its error"
        };
        ids.insert(
            (c.region.clone(), c.name.clone()),
            Err(format!("command `{}` {why}", c.name)),
        );
    }
    for (c, id) in &out.applied {
        if let (Action::Create | Action::Replace, Some(id)) = (c.action, id) {
            ids.insert((c.region.clone(), c.name.clone()), Ok(id.clone()));
        }
    }
    let (tasks, not_started) =
        invocation_apply::apply(client, &plan.stack, &plan.invocations, &ids, s).await;
    out.tasks = tasks;
    out.not_started.extend(not_started);
    out.races.extend(
        invocation_apply::races(client, &plan.stack, &plan.invocations, &out.tasks, started).await,
    );

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
            if s.interrupt.is_set() {
                return (change, None);
            }
            let r = match client.with_region(&change.region) {
                Ok(c) => delete(&c, &plan.stack, change.id.as_deref().unwrap_or_default()).await,
                Err(e) => Err(e.into()),
            };
            (change, Some(r))
        })
        .buffer_unordered(s.parallelism.max(1));
    while let Some((change, r)) = results.next().await {
        let Some(r) = r else {
            out.not_started.push(format!(
                "- command {} ({}){}",
                change.name,
                change.region,
                if change.action == Action::Replace {
                    ": the old command of the replace"
                } else {
                    ""
                }
            ));
            continue;
        };
        let delete_label = format!(
            "- command {} ({}) {}",
            change.name,
            change.region,
            change.id.as_deref().unwrap_or_default()
        );
        match (change.action, r) {
            (Action::Delete, Ok(())) => {
                (s.done)(Progress {
                    label: &delete_label,
                    result: Ok(None),
                });
                out.applied.push((change, None));
            }
            (_, Ok(())) => {
                (s.done)(Progress {
                    label: &delete_label,
                    result: Ok(None),
                });
            }
            (_, Err(e)) => {
                let f = e.into_failure(change.clone());
                (s.done)(Progress {
                    label: &delete_label,
                    result: Err(&f.message),
                });
                out.applied.retain(|(c, _)| {
                    !(c.region == change.region
                        && c.name == change.name
                        && c.action == change.action)
                });
                out.failures.push(f);
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

fn report(s: &Settings<'_>, label: &str, r: &Result<Option<String>, Error>) {
    let message;
    let result = match r {
        Ok(id) => Ok(id.as_deref()),
        Err(e) => {
            message = format!("{}: {e}", e.code().unwrap_or("Transport"));
            Err(message.as_str())
        }
    };
    (s.done)(Progress { label, result });
}

/// Re-tags the objects taken over from other stacks, per region and kind in calls of at
/// most 50.
async fn moves(client: &Client, plan: &Plan, s: &Settings<'_>, out: &mut Outcome) {
    let mut groups: BTreeMap<(String, MovedKind), Vec<OwnershipMove>> = BTreeMap::new();
    for m in &plan.ownership_moves {
        groups
            .entry((m.region.clone(), m.kind))
            .or_default()
            .push(m.clone());
    }
    for ((region, kind), moves) in groups {
        for chunk in moves.chunks(50) {
            let label = format!(
                "<= {} {} ({region}) from stack `{}`",
                kind.resource_type(),
                chunk
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                chunk[0].from
            );
            if s.interrupt.is_set() {
                out.not_started.push(label);
                continue;
            }
            let r = match client.with_region(&region) {
                Ok(c) => {
                    c.tag_resources(&TagResourcesRequest {
                        resource_type: kind.resource_type().into(),
                        resource_ids: chunk.iter().map(|m| m.id.clone()).collect(),
                        tags: vec![Tag {
                            key: TAG_STACK.into(),
                            value: plan.stack.clone(),
                        }],
                    })
                    .await
                }
                Err(e) => Err(e),
            };
            match r {
                Ok(_) => {
                    (s.done)(Progress {
                        label: &label,
                        result: Ok(None),
                    });
                    out.moved.extend(chunk.iter().cloned());
                }
                Err(e) => {
                    let message = format!("{}: {e}", e.code().unwrap_or("Transport"));
                    (s.done)(Progress {
                        label: &label,
                        result: Err(&message),
                    });
                    out.move_failures
                        .extend(chunk.iter().map(|m| (m.clone(), message.clone())));
                }
            }
        }
    }
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
    for &i in &created {
        let (change, id) = &out.applied[i];
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
            out.races.push(format!(
                "command {} ({}): another writer created {} for the same document while this apply created {}; run `assistctl plan` to see both (the next apply keeps one and deletes the others)",
                change.name,
                change.region,
                others.join(", "),
                id.as_deref().unwrap_or("nothing"),
            ));
        }
    }
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
    fn into_failure(self, change: Change) -> Failure {
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
async fn delete(client: &Client, stack: &str, id: &str) -> Result<(), StepError> {
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
        Err(e) if e.code() == Some("InvalidCmdId.NotFound") => Ok(()),
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
