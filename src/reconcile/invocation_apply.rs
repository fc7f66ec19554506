//! Applying the invocation part of a plan: stops first (of removed documents, and of tasks
//! being replaced), then invokes and in-place modifies. An invoke sends the ClientToken the
//! plan derived, so a retried or raced apply invokes nothing twice.

use std::collections::BTreeMap;

use futures::StreamExt;

use crate::cloud::ops::Tag;
use crate::cloud::ops::invocations::{
    InvokeCommandRequest, ModifyInvocationAttributeRequest, StopInvocationRequest,
};
use crate::cloud::ops::tags::TagResourcesRequest;
use crate::cloud::{Client, Error};
use crate::render::redact::{Secrets, redact};

use super::invocation_model::{ParameterSource, TAG_BATCH, TAG_HASH, TAG_INPUTS};
use super::invocation_plan::{InvocationPlan, TaskAction, TaskChange};

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
/// changes (or why there is none); `env` the values of the `fromEnv` variables.
pub async fn apply(
    client: &Client,
    invocations: &[InvocationPlan],
    commands: &CommandIds,
    env: &Secrets,
    parallelism: usize,
    done: &(dyn Fn(&str, bool) + Sync),
) -> TaskResults {
    let mut out = TaskResults::default();
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
        .map(|(i, t)| async move { (*i, *t, stop(client, i, t).await) })
        .buffer_unordered(parallelism.max(1));
    while let Some((i, t, r)) = results.next().await {
        let label = format!("- invocation {} batch {}", i.name, t.batch);
        match r {
            Ok(()) if t.action == TaskAction::Stop => {
                done(&label, true);
                out.applied
                    .push(outcome(i, t, t.id.clone().unwrap_or_default()));
            }
            Ok(()) => {}
            Err(e) => {
                done(&label, false);
                stopped_failed.push((i.region.clone(), i.name.clone(), t.batch));
                out.failures.push(failure(i, t, &e, env));
            }
        }
    }
    drop(results);
    let runs = work.iter().filter(|(i, t)| {
        matches!(
            t.action,
            TaskAction::Invoke | TaskAction::Reinvoke | TaskAction::Modify
        ) && !stopped_failed.contains(&(i.region.clone(), i.name.clone(), t.batch))
    });
    let mut results = futures::stream::iter(runs)
        .map(|(i, t)| async move { (*i, *t, run(client, i, t, commands, env).await) })
        .buffer_unordered(parallelism.max(1));
    while let Some((i, t, r)) = results.next().await {
        let label = format!(
            "{} invocation {} batch {}",
            t.action.symbol(),
            i.name,
            t.batch
        );
        done(&label, r.is_ok());
        match r {
            Ok(id) => out.applied.push(outcome(i, t, id)),
            Err(e) => out.failures.push(failure(i, t, &e, env)),
        }
    }
    drop(results);
    out.applied
        .sort_by(|a, b| (&a.region, &a.name, a.batch).cmp(&(&b.region, &b.name, b.batch)));
    out.failures
        .sort_by(|a, b| (&a.region, &a.name, a.batch).cmp(&(&b.region, &b.name, b.batch)));
    out
}

fn outcome(i: &InvocationPlan, t: &TaskChange, id: String) -> TaskOutcome {
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

async fn stop(client: &Client, i: &InvocationPlan, t: &TaskChange) -> Result<(), RunError> {
    let c = client.with_region(&i.region)?;
    let id = t.id.clone().unwrap_or_default();
    match c
        .stop_invocation(&StopInvocationRequest {
            invoke_id: id,
            instance_ids: Vec::new(),
        })
        .await
    {
        // Gone already (records expire after about two weeks): nothing left to stop.
        Err(e) if e.code() == Some("InvalidInvokeId.NotFound") => Ok(()),
        r => r.map(|_| ()).map_err(RunError::Api),
    }
}

async fn run(
    client: &Client,
    i: &InvocationPlan,
    t: &TaskChange,
    commands: &CommandIds,
    env: &Secrets,
) -> Result<String, RunError> {
    let c = client.with_region(&i.region)?;
    if t.action == TaskAction::Modify {
        let id = t.id.clone().unwrap_or_default();
        let changed = |f: &str| t.fields.iter().any(|x| x.field == f);
        let req = ModifyInvocationAttributeRequest {
            invoke_id: id.clone(),
            parameters: changed("parameters").then(|| parameters(i, env)),
            frequency: if changed("frequency") {
                i.schedule.frequency.clone()
            } else {
                None
            },
            instance_ids: t.added_instances.clone(),
            ..Default::default()
        };
        // A selector that resolves as before changes only the tags.
        if req.parameters.is_some() || req.frequency.is_some() || !req.instance_ids.is_empty() {
            c.modify_invocation_attribute(&req).await?;
        }
        // The task now runs this spec.
        c.tag_resources(&TagResourcesRequest {
            resource_type: "invocation".into(),
            resource_ids: vec![id.clone()],
            tags: vec![
                Tag::new(TAG_HASH, &i.hash),
                Tag::new(TAG_INPUTS, &i.inputs_hash),
            ],
        })
        .await?;
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
    let params = parameters(i, env);
    let req = InvokeCommandRequest {
        command_id,
        instance_ids: t.instances.clone(),
        repeat_mode: Some(i.schedule.repeat_mode.clone()),
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
