//! Applying the invocation part of a plan: stops first (of removed documents, and of tasks
//! being replaced), then invokes and in-place modifies. An invoke sends the ClientToken the
//! plan derived, so a retried or raced apply invokes nothing twice.

use std::collections::BTreeMap;

use futures::StreamExt;

use crate::cloud::ops::Tag;
use crate::cloud::ops::invocations::{
    DescribeInvocationsRequest, InvokeCommandRequest, ModifyInvocationAttributeRequest,
    StopInvocationRequest,
};
use crate::cloud::ops::tags::{TagResourcesRequest, UntagResourcesRequest};
use crate::cloud::{Client, Error};
use crate::domain::error_codes::INVALID_INVOKE_ID_NOT_FOUND;
use crate::domain::limits::MAX_TAGS;
use crate::redact::{Secrets, redact};

use chrono::{DateTime, Utc};

use crate::cloud::Reads;
use crate::domain::rollout::wave_tag;
use crate::reconcile::execution::{Progress, Settings};
use crate::reconcile::ownership::{
    TAG_BATCH, TAG_HASH, TAG_INPUTS, TAG_WAVE, not_owned, user_tag_delta,
};

use super::change::{InvocationPlan, TaskAction, TaskChange};
use super::fields::TaskField;
use super::live;
use super::model::{ParameterSource, RepeatMode};

/// One task of the plan that apply acted on.
#[derive(Debug, Clone)]
pub struct TaskOutcome {
    pub region: String,
    pub name: String,
    pub action: TaskAction,
    pub batch: u32,
    /// The task invoked, modified or stopped.
    pub id: String,
}

/// A task that failed, with what the API said (secrets redacted).
#[derive(Debug, Clone)]
pub struct TaskFailure {
    pub region: String,
    pub name: String,
    pub action: TaskAction,
    pub batch: u32,
    pub code: String,
    pub request_id: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct TaskResults {
    pub applied: Vec<TaskOutcome>,
    pub failures: Vec<TaskFailure>,
}

/// Why an invocation cannot get the id of its command.
pub type CommandIds = BTreeMap<(String, String), Result<String, String>>;

/// Applies the invocation changes. `commands` gives each command's id after the command
/// changes (or why there is none); `s.env` the values of the `fromEnv` variables. Returns
/// what was done and the labels of what was not started (apply interrupted).
pub async fn apply(
    client: &Client,
    stack: &str,
    invocations: &[InvocationPlan],
    commands: &CommandIds,
    s: &Settings<'_>,
) -> (TaskResults, Vec<String>) {
    let env = s.env;
    let mut out = TaskResults::default();
    let mut not_started = Vec::new();
    let label = |i: &InvocationPlan, t: &TaskChange| {
        format!(
            "{} invocation {} ({}) batch {}",
            t.action.symbol(),
            i.name,
            i.region,
            t.batch
        )
    };
    let work: Vec<(&InvocationPlan, &TaskChange)> = invocations
        .iter()
        .flat_map(|i| i.actions().map(move |t| (i, t)))
        .collect();
    // Stops, so a replaced task never runs beside its successor.
    let stops = work
        .iter()
        .filter(|(_, t)| matches!(t.action, TaskAction::Stop | TaskAction::Reinvoke));
    let mut stopped_failed = Vec::new();
    let mut results = futures::stream::iter(stops)
        .map(|(i, t)| async move {
            if s.interrupt.is_set() {
                return (*i, *t, None);
            }
            (*i, *t, Some(stop(client, stack, i, t).await))
        })
        .buffer_unordered(s.parallelism.max(1));
    while let Some((i, t, r)) = results.next().await {
        let stop_label = format!(
            "- invocation {} ({}) batch {} {}",
            i.name,
            i.region,
            t.batch,
            t.id.as_deref().unwrap_or_default()
        );
        match r {
            None => {
                stopped_failed.push((i.region.clone(), i.name.clone(), t.batch));
                not_started.push(label(i, t));
            }
            Some(Ok(())) => {
                (s.done)(Progress {
                    label: &stop_label,
                    result: Ok(None),
                });
                if t.action == TaskAction::Stop {
                    out.applied
                        .push(outcome(i, t, t.id.clone().unwrap_or_default()));
                }
            }
            Some(Err(e)) => {
                let f = failure(i, t, &e, env);
                (s.done)(Progress {
                    label: &stop_label,
                    result: Err(&f.message),
                });
                stopped_failed.push((i.region.clone(), i.name.clone(), t.batch));
                out.failures.push(f);
            }
        }
    }
    drop(results);
    // A rollout's tasks are invoked wave by wave by `rollout::drive`, after these.
    let runs = work
        .iter()
        .filter(|(_, t)| t.wave.is_none())
        .filter(|(i, t)| {
            matches!(
                t.action,
                TaskAction::Invoke | TaskAction::Reinvoke | TaskAction::Modify
            ) && !stopped_failed.contains(&(i.region.clone(), i.name.clone(), t.batch))
        });
    let mut results = futures::stream::iter(runs)
        .map(|(i, t)| async move {
            if s.interrupt.is_set() {
                return (*i, *t, None);
            }
            (*i, *t, Some(run(client, stack, i, t, commands, env).await))
        })
        .buffer_unordered(s.parallelism.max(1));
    while let Some((i, t, r)) = results.next().await {
        let l = label(i, t);
        match r {
            None => not_started.push(l),
            Some(Ok(id)) => {
                (s.done)(Progress {
                    label: &l,
                    result: Ok(Some(&id)),
                });
                out.applied.push(outcome(i, t, id));
            }
            Some(Err(e)) => {
                let f = failure(i, t, &e, env);
                (s.done)(Progress {
                    label: &l,
                    result: Err(&f.message),
                });
                out.failures.push(f);
            }
        }
    }
    drop(results);
    // Stops of the tasks being replaced whose invoke was not started are listed too.
    for (i, t) in &work {
        if t.action == TaskAction::Reinvoke
            && stopped_failed.contains(&(i.region.clone(), i.name.clone(), t.batch))
            && !not_started.contains(&label(i, t))
            && !out
                .failures
                .iter()
                .any(|f| f.name == i.name && f.region == i.region && f.batch == t.batch)
        {
            not_started.push(label(i, t));
        }
    }
    out.applied
        .sort_by(|a, b| (&a.region, &a.name, a.batch).cmp(&(&b.region, &b.name, b.batch)));
    out.failures
        .sort_by(|a, b| (&a.region, &a.name, a.batch).cmp(&(&b.region, &b.name, b.batch)));
    (out, not_started)
}

/// Tasks another writer made for this stack's documents while apply ran: a task of a
/// document this apply invoked, not this apply's, with another spec hash, that is still
/// active for a repeating document (it would run beside this apply's), or was created after
/// apply started for a `once` one. A racing apply of the same version sends the same
/// ClientToken and gets this apply's task back, so it is never one of these.
pub async fn races(
    client: &Client,
    stack: &str,
    invocations: &[InvocationPlan],
    done: &TaskResults,
    started: DateTime<Utc>,
) -> Vec<String> {
    let invoked: Vec<&TaskOutcome> = done
        .applied
        .iter()
        .filter(|t| matches!(t.action, TaskAction::Invoke | TaskAction::Reinvoke))
        .collect();
    if invoked.is_empty() {
        return Vec::new();
    }
    let mut regions: Vec<String> = invoked.iter().map(|t| t.region.clone()).collect();
    regions.sort();
    regions.dedup();
    let live = match live::read(client, stack, &regions, &Reads::default()).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("could not check the tasks for a racing apply: {e}");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for i in invocations {
        let ours: Vec<&str> = invoked
            .iter()
            .filter(|t| t.region == i.region && t.name == i.name)
            .map(|t| t.id.as_str())
            .collect();
        if ours.is_empty() {
            continue;
        }
        let others: Vec<&str> = live
            .iter()
            .filter(|l| l.region == i.region && l.name == i.name)
            .filter(|l| !ours.contains(&l.id.as_str()) && l.hash != i.hash)
            .filter(|l| {
                if i.schedule.repeat_mode != RepeatMode::Once {
                    return l.is_active();
                }
                // The service's times have whole seconds: only a later second is surely later.
                chrono::DateTime::parse_from_rfc3339(&l.creation_time)
                    .is_ok_and(|t| t.timestamp() > started.timestamp())
            })
            .map(|l| l.id.as_str())
            .collect();
        if !others.is_empty() {
            out.push(format!(
                "invocation {} ({}): another writer invoked {} with another spec while this apply invoked {}; run `assistctl plan` to see what runs now",
                i.name,
                i.region,
                others.join(", "),
                ours.join(", ")
            ));
        }
    }
    out
}

/// Invokes one task of the plan (a rollout's wave batch among them): the new task's id, or
/// the failure as apply reports it.
pub async fn invoke(
    client: &Client,
    stack: &str,
    i: &InvocationPlan,
    t: &TaskChange,
    commands: &CommandIds,
    env: &Secrets,
) -> Result<String, TaskFailure> {
    run(client, stack, i, t, commands, env)
        .await
        .map_err(|e| failure(i, t, &e, env))
}

/// An API error on task `t`, as apply reports it (the message redacted).
pub fn api_failure(i: &InvocationPlan, t: &TaskChange, e: Error, env: &Secrets) -> TaskFailure {
    failure(i, t, &RunError::Api(e), env)
}

pub fn outcome(i: &InvocationPlan, t: &TaskChange, id: String) -> TaskOutcome {
    TaskOutcome {
        region: i.region.clone(),
        name: i.name.clone(),
        action: t.action,
        batch: t.batch,
        id,
    }
}

/// What went wrong with a task. Besides API errors, an invocation fails when its command
/// has no id (its create failed).
#[derive(Debug)]
enum RunError {
    Api(Error),
    Command(String),
    NotOwned(String),
    /// The task's record is gone.
    Gone(String),
}

impl From<Error> for RunError {
    fn from(e: Error) -> Self {
        RunError::Api(e)
    }
}

fn failure(i: &InvocationPlan, t: &TaskChange, e: &RunError, env: &Secrets) -> TaskFailure {
    let (code, request_id, message) = match e {
        RunError::Api(e) => (
            e.code().unwrap_or("Transport").to_string(),
            e.request_id().unwrap_or_default().to_string(),
            e.to_string(),
        ),
        RunError::Command(m) => ("CommandMissing".into(), String::new(), m.clone()),
        RunError::NotOwned(m) => ("NotOwnedByStack".into(), String::new(), m.clone()),
        RunError::Gone(m) => (INVALID_INVOKE_ID_NOT_FOUND.into(), String::new(), m.clone()),
    };
    TaskFailure {
        region: i.region.clone(),
        name: i.name.clone(),
        action: t.action,
        batch: t.batch,
        code,
        request_id,
        // An error may echo a parameter value back.
        message: redact(&message, env),
    }
}

/// Stops a task after checking, at this moment, that it carries `stack`'s tag.
async fn stop(
    client: &Client,
    stack: &str,
    i: &InvocationPlan,
    t: &TaskChange,
) -> Result<(), RunError> {
    let c = client.with_region(&i.region)?;
    let id = t.id.clone().unwrap_or_default();
    match owned_task(&c, stack, &id, &format!("stop task {id}")).await {
        // Gone already (records expire after about two weeks): nothing left to stop.
        Err(RunError::Gone(_)) => return Ok(()),
        r => r?,
    };
    match c
        .stop_invocation(&StopInvocationRequest {
            invoke_id: id,
            instance_ids: Vec::new(),
        })
        .await
    {
        // Gone already (records expire after about two weeks): nothing left to stop.
        Err(e) if e.code() == Some(INVALID_INVOKE_ID_NOT_FOUND) => Ok(()),
        r => r.map(|_| ()).map_err(RunError::Api),
    }
}

/// The tags of task `id` as the service has them now, when it carries `stack`'s tag.
async fn owned_task(c: &Client, stack: &str, id: &str, what: &str) -> Result<Vec<Tag>, RunError> {
    let found = c
        .describe_invocations(&DescribeInvocationsRequest {
            invoke_id: Some(id.to_string()),
            ..Default::default()
        })
        .await?;
    let Some(task) = found.invocations.into_iter().find(|x| x.invoke_id == id) else {
        return Err(RunError::Gone(format!(
            "task {id} is gone (the service keeps a task's record for about two weeks); run `assistctl plan` again"
        )));
    };
    let tags = task.tags.iter().map(|t| (t.key.as_str(), t.value.as_str()));
    if let Some(why) = not_owned(tags, stack, what) {
        return Err(RunError::NotOwned(why));
    }
    Ok(task.tags)
}

async fn run(
    client: &Client,
    stack: &str,
    i: &InvocationPlan,
    t: &TaskChange,
    commands: &CommandIds,
    env: &Secrets,
) -> Result<String, RunError> {
    let c = client.with_region(&i.region)?;
    if t.action == TaskAction::Modify {
        let id = t.id.clone().unwrap_or_default();
        let changed = |f: TaskField| t.fields.iter().any(|x| x.field == f);
        let req = ModifyInvocationAttributeRequest {
            invoke_id: id.clone(),
            parameters: changed(TaskField::Parameters).then(|| parameters(i, env)),
            frequency: if changed(TaskField::Frequency) {
                i.schedule.frequency.clone()
            } else {
                None
            },
            instance_ids: t.added_instances.clone(),
            ..Default::default()
        };
        // A selector that resolves as before, or new tags, change only the tags.
        if req.parameters.is_some() || req.frequency.is_some() || !req.instance_ids.is_empty() {
            c.modify_invocation_attribute(&req).await?;
        }
        // The task now runs this spec.
        let mut set = vec![
            Tag::new(TAG_HASH, &i.hash),
            Tag::new(TAG_INPUTS, &i.inputs_hash),
        ];
        let mut unset = Vec::new();
        if changed(TaskField::Tags) {
            // The delta is taken from the task as it is now (not from the plan's text,
            // which cannot carry every key), after checking it is still this stack's.
            let live = owned_task(&c, stack, &id, &format!("re-tag task {id}")).await?;
            let live: BTreeMap<String, String> =
                live.into_iter().map(|t| (t.key, t.value)).collect();
            let (add, remove) = user_tag_delta(&live, &i.tags);
            set.extend(add.iter().map(|(k, v)| Tag::new(k, v)));
            unset = remove;
        }
        for tags in set.chunks(MAX_TAGS) {
            c.tag_resources(&TagResourcesRequest {
                resource_type: "invocation".into(),
                resource_ids: vec![id.clone()],
                tags: tags.to_vec(),
            })
            .await?;
        }
        for keys in unset.chunks(MAX_TAGS) {
            c.untag_resources(&UntagResourcesRequest {
                resource_type: "invocation".into(),
                resource_ids: vec![id.clone()],
                tag_keys: keys.to_vec(),
                all: None,
            })
            .await?;
        }
        return Ok(id);
    }
    let command_id = match commands.get(&(i.region.clone(), i.command.clone())) {
        Some(Ok(id)) => id.clone(),
        Some(Err(why)) => return Err(RunError::Command(why.clone())),
        None => match &i.command_id {
            Some(id) => id.clone(),
            None => {
                return Err(RunError::Command(format!(
                    "command `{}` has no id: it was neither found nor created",
                    i.command
                )));
            }
        },
    };
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let mut tags: Vec<Tag> = i.tags.iter().map(|(k, v)| Tag::new(k, v)).collect();
    tags.push(Tag::new(TAG_HASH, &i.hash));
    tags.push(Tag::new(TAG_INPUTS, &i.inputs_hash));
    tags.push(Tag::new(TAG_BATCH, t.batch.to_string()));
    if let Some(w) = t.wave {
        tags.push(Tag::new(TAG_WAVE, wave_tag(w, false)));
    }
    let params = parameters(i, env);
    let req = InvokeCommandRequest {
        command_id,
        instance_ids: t.instances.clone(),
        repeat_mode: Some(i.schedule.repeat_mode.api_name().to_string()),
        frequency: i.schedule.frequency.clone(),
        parameters: (!params.is_empty()).then_some(params),
        timeout: Some(i.run.timeout as i64),
        working_dir: non_empty(&i.run.working_dir),
        username: non_empty(&i.run.username),
        windows_password_name: non_empty(&i.run.windows_password_name),
        container_id: non_empty(&i.run.container_id),
        container_name: non_empty(&i.run.container_name),
        termination_mode: non_empty(&i.run.termination_mode),
        resource_group_id: non_empty(&i.run.resource_group_id),
        tags,
        client_token: t.client_token.clone(),
        ..Default::default()
    };
    Ok(c.invoke_command(&req).await?.invoke_id)
}

/// The values sent: literals and defaults as planned, `fromEnv` from the environment
/// (checked present before apply started).
fn parameters(i: &InvocationPlan, env: &Secrets) -> BTreeMap<String, String> {
    i.parameters
        .iter()
        .map(|p| {
            let v = match (p.source, &p.from_env) {
                (ParameterSource::FromEnv, Some(var)) => env.get(var).cloned().unwrap_or_default(),
                _ => p.value.clone().unwrap_or_default(),
            };
            (p.name.clone(), v)
        })
        .collect()
}
