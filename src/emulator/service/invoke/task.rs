//! Writing a new task: the daily quota it counts against, the task itself, and per target
//! its result and first run, which the agent picks up.

use chrono::NaiveTime;
use serde_json::{Map, Value};

use super::execution::Execution;
use super::schedule::next_fire_on;
use crate::domain::repeat::RepeatMode;
use crate::domain::status::{InvocationStatus, TargetStatus};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::service::{Ctx, common};
use crate::emulator::store::commands::CommandRow;
use crate::emulator::store::invocations::{
    self as store, InstanceResultRow, InvocationRow, RunRow,
};
use crate::emulator::store::tags;

/// The account's tasks per region per UTC day.
pub(super) fn check_daily_quota(ctx: &Ctx<'_>, region: &str) -> Result<(), ApiError> {
    let midnight = ctx.now.date_naive().and_time(NaiveTime::MIN).and_utc();
    let today = store::count_since(ctx.db, region, &common::fmt_time(midnight))?;
    if today as u64 >= ctx.config.invocation_daily_quota {
        return Err(ApiError::new(
            Code::InvocationExceedQuota,
            format!(
                "{today} tasks were created in {region} today (UTC), the daily quota of {}.",
                ctx.config.invocation_daily_quota
            ),
        ));
    }
    Ok(())
}

/// Records a new task: the task, one result per target and its first run per target.
#[allow(clippy::too_many_arguments)]
pub(super) fn create_task(
    ctx: &Ctx<'_>,
    region: &str,
    cmd: &CommandRow,
    kept: bool,
    parameters: &Map<String, Value>,
    exec: &Execution<'_>,
    task_tags: &[(String, String)],
    resource_group_id: &str,
) -> Result<String, ApiError> {
    let invoke_id = loop {
        let id = ctx.ids.resource("t", region);
        if !store::exists_anywhere(ctx.db, &id)? {
            break id;
        }
    };
    let now = common::fmt_time(ctx.now);
    let task_status = if exec.repeat_mode == RepeatMode::Period {
        InvocationStatus::Scheduled
    } else {
        InvocationStatus::Pending
    };
    let task = InvocationRow {
        invoke_id: invoke_id.clone(),
        region_id: region.to_string(),
        command_id: cmd.command_id.clone(),
        command_name: cmd.name.clone(),
        command_type: cmd.type_name.clone(),
        command_description: cmd.description.clone(),
        command_content: cmd.content.clone(),
        command_kept: kept,
        enable_parameter: cmd.enable_parameter,
        parameters: Value::Object(parameters.clone()).to_string(),
        repeat_mode: exec.repeat_mode.api_name().to_string(),
        frequency: exec.frequency_raw.clone(),
        timed: exec.repeat_mode.is_timed(),
        timeout: exec.timeout,
        working_dir: exec.working_dir.clone(),
        username: exec.username.clone(),
        windows_password_name: exec.windows_password_name.clone(),
        launcher: exec.launcher.clone(),
        container_id: exec.container_id.clone(),
        container_name: exec.container_name.clone(),
        termination_mode: exec.termination_mode.clone(),
        oss_output_delivery: exec.oss_output_delivery.clone(),
        resource_group_id: resource_group_id.to_string(),
        creation_time: now,
        status: task_status.api_name().to_string(),
    };
    store::insert(ctx.db, &task)?;
    for (position, t) in exec.targets.iter().enumerate() {
        insert_target(
            ctx,
            &invoke_id,
            &t.id,
            position as i64,
            exec.repeat_mode,
            next_fire_on(exec.frequency.as_ref(), ctx, t),
        )?;
    }
    tags::set(ctx.db, "invocation", &invoke_id, task_tags)?;
    Ok(invoke_id)
}

/// A target's result and its first run. `due` is the first fire time of a Period task.
pub fn insert_target(
    ctx: &Ctx<'_>,
    invoke_id: &str,
    instance_id: &str,
    position: i64,
    repeat_mode: RepeatMode,
    due: Option<String>,
) -> Result<(), ApiError> {
    let now = common::fmt_time(ctx.now);
    let status = if repeat_mode == RepeatMode::Period {
        TargetStatus::Scheduled
    } else {
        TargetStatus::Pending
    }
    .api_name();
    store::insert_instance(
        ctx.db,
        &InstanceResultRow {
            invoke_id: invoke_id.to_string(),
            instance_id: instance_id.to_string(),
            position,
            status: status.to_string(),
            creation_time: now.clone(),
            update_time: now.clone(),
            ..Default::default()
        },
    )?;
    let (trigger, due) = match repeat_mode {
        RepeatMode::Period => ("schedule", due),
        RepeatMode::NextRebootOnly | RepeatMode::EveryReboot => ("boot", None),
        RepeatMode::Once => ("now", Some(now)),
    };
    store::insert_run(
        ctx.db,
        &RunRow {
            invoke_id: invoke_id.to_string(),
            instance_id: instance_id.to_string(),
            repeat: 1,
            status: status.to_string(),
            trigger: trigger.to_string(),
            due_time: due,
            ..Default::default()
        },
    )?;
    Ok(())
}
