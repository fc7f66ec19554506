//! InvokeCommand and RunCommand: targets, repeat mode and schedule, per-run options, custom
//! parameter values, and the new task with one result and one run per target.
//!
//! Nothing runs scripts here: every target starts `Pending` (`Scheduled` for Period tasks)
//! and a row in `runs` waits for an agent to pick it up. No result is ever reported as
//! executed.
//!
//! The operations below check in the service's order; the checks live by concern:
//! [`execution`] (how and where a task runs), [`targets`] (which instances, and whether each
//! can run it), [`schedule`] (RepeatMode, Frequency, fire times), [`parameters`] (the
//! `Parameters` values and the content limit) and [`task`] (the quota and the write).

pub mod execution;
pub mod parameters;
pub mod schedule;
pub mod targets;
pub mod task;

use serde_json::json;

use super::commands::{self, parameter_names};
use super::common::{self, Content};
use super::{Ctx, Fields};
use crate::domain::limits;
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::store::commands::{self as command_store, CommandRow};
use crate::emulator::store::tags;
use crate::emulator::wire::Params;

pub use execution::Execution;
pub use parameters::{check_expanded_size, check_parameter_map, parameter_values};
pub use schedule::{next_fire, next_fire_on, parse_frequency};
pub use targets::select as select_targets;
pub use task::insert_target;
use task::{check_daily_quota, create_task};

pub fn invoke_command(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let id = p.required("CommandId")?;
    let cmd = commands::existing(ctx, region, id)?;
    let ty = commands::command_type(&cmd.type_name, Code::InvalidCmdTypeNotFound)?;
    let content = Content::from_request(&cmd.content, false, Code::CmdContentDecodeError)?;
    let text = content.text();
    let exec = Execution::read(p, region, ctx, ty, &cmd, &text, cmd.enable_parameter)?;
    let parameters = parameter_values(p, cmd.enable_parameter, &cmd.parameter_names)?;
    check_expanded_size(&text, &parameters, ctx.config.max_content_kept)?;
    let task_tags = common::tags_to_set(p)?;
    let resource_group_id = common::resource_group(p, ctx.inventory)?;
    exec.stop_if_dry_run()?;
    check_daily_quota(ctx, region)?;

    let invoke_id = create_task(
        ctx,
        region,
        &cmd,
        true,
        &parameters,
        &exec,
        &task_tags,
        &resource_group_id,
    )?;
    command_store::increment_invoke_times(ctx.db, &cmd.command_id)?;
    let mut f = Fields::new();
    f.insert("InvokeId".into(), json!(invoke_id));
    Ok(f)
}

pub fn run_command(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let type_name = p.required("Type")?;
    let raw = p.required("CommandContent")?;
    let ty = commands::command_type(type_name, Code::InvalidCmdTypeNotFound)?;
    let name = common::bounded(p, "Name", limits::MAX_NAME_CHARS, Code::CmdNameExceedLimit)?;
    let description = common::bounded(
        p,
        "Description",
        limits::MAX_DESCRIPTION_CHARS,
        Code::CmdDescExceedLimit,
    )?;
    let working_dir = common::working_dir(p)?;
    let launcher = common::launcher(p)?;
    let timeout = common::timeout(p)?.unwrap_or(limits::DEFAULT_TIMEOUT_SECS as i64);
    // PlainText is RunCommand's default; Base64 is matched case-insensitively and anything
    // else means PlainText (reference §1).
    let plain = !p
        .get("ContentEncoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("Base64"));
    let keep = p.bool("KeepCommand")?.unwrap_or(false);
    let content = Content::from_request(raw, plain, Code::CmdContentDecodeError)?;
    let max = if keep {
        ctx.config.max_content_kept
    } else {
        ctx.config.max_content_unkept
    };
    content.check_size(max, Code::CmdContentExceedLimit)?;
    let text = content.text();
    let enable_parameter = p.bool("EnableParameter")?.unwrap_or(false);
    let names = if enable_parameter {
        parameter_names(&text)?
    } else {
        Vec::new()
    };
    let resource_group_id = common::resource_group(p, ctx.inventory)?;
    let cmd = CommandRow {
        command_id: String::new(),
        region_id: region.to_string(),
        name: name.unwrap_or_default().to_string(),
        description: description.unwrap_or_default().to_string(),
        type_name: ty.api_name().to_string(),
        content: content.base64.clone(),
        working_dir: working_dir.unwrap_or_default().to_string(),
        timeout,
        enable_parameter,
        parameter_names: names,
        launcher: launcher.unwrap_or_default().to_string(),
        resource_group_id: resource_group_id.clone(),
        creation_time: common::fmt_time(ctx.now),
        invoke_times: 1,
    };
    // Per-run options equal the command's here, so Execution reads them from `cmd`.
    let exec = Execution::read(p, region, ctx, ty, &cmd, &text, enable_parameter)?;
    let parameters = parameter_values(p, enable_parameter, &cmd.parameter_names)?;
    check_expanded_size(&text, &parameters, max)?;
    let tag_list = common::tags_to_set(p)?;
    if keep {
        commands::check_quota(ctx, region)?;
    }
    exec.stop_if_dry_run()?;
    check_daily_quota(ctx, region)?;

    let cmd = CommandRow {
        command_id: commands::new_command_id(ctx, region)?,
        ..cmd
    };
    if keep {
        command_store::insert(ctx.db, &cmd)?;
        // Run and Save tags both the command and the task.
        tags::set(ctx.db, "command", &cmd.command_id, &tag_list)?;
    }
    let invoke_id = create_task(
        ctx,
        region,
        &cmd,
        keep,
        &parameters,
        &exec,
        &tag_list,
        &resource_group_id,
    )?;
    let mut f = Fields::new();
    f.insert("CommandId".into(), json!(cmd.command_id));
    f.insert("InvokeId".into(), json!(invoke_id));
    Ok(f)
}
