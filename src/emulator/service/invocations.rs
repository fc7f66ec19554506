//! DescribeInvocations, DescribeInvocationResults, StopInvocation, ModifyInvocationAttribute.

use serde_json::{Map, Value, json};

use super::common::{self, Content, PAGING_50};
use super::invoke::{self, check_parameter_map};
use super::status;
use super::{Ctx, Fields};
use crate::domain::command_type::CommandType;
use crate::domain::eligibility::{self, Needs};
use crate::domain::limits;
use crate::domain::params::custom_parameter_names;
use crate::domain::repeat::RepeatMode;
use crate::domain::status::{InvocationStatus, TargetStatus};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::store::invocations::{
    self as store, InstanceResultRow, InvocationFilter, InvocationRow, ResultFilter, RunRow,
};
use crate::emulator::store::{Page, tags};
use crate::emulator::wire::Params;

pub fn describe(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let instance_id = p.get("InstanceId").map(String::from);
    let include_output = p.bool("IncludeOutput")?.unwrap_or(false);
    if include_output && p.get("InvokeId").is_none() && instance_id.is_none() {
        return Err(ApiError::invalid(
            "IncludeOutput",
            "IncludeOutput=true needs InvokeId or InstanceId",
        ));
    }
    let mut statuses = match p.get("InvokeStatus") {
        None => None,
        Some(s) => Some(status::task_filter(s).ok_or_else(|| {
            ApiError::invalid("InvokeStatus", format!("{s:?} is not a task status"))
        })?),
    };
    let timed = p.bool("Timed")?;
    if timed == Some(true) {
        // Timed=true selects unfinished repeating tasks.
        let active: Vec<String> = InvocationStatus::active()
            .map(|s| s.api_name().to_string())
            .collect();
        statuses = Some(match statuses {
            None => active,
            Some(list) => list.into_iter().filter(|s| active.contains(s)).collect(),
        });
    }
    // With InstanceId set, CommandName and RepeatMode are ignored (reference §1).
    let by_instance = instance_id.is_some();
    let filter = InvocationFilter {
        region_id: region.to_string(),
        invoke_id: p.get("InvokeId").map(String::from),
        command_id: p.get("CommandId").map(String::from),
        command_name: p
            .get("CommandName")
            .filter(|_| !by_instance)
            .map(String::from),
        command_type: p.get("CommandType").map(String::from),
        instance_id,
        statuses,
        repeat_mode: p
            .get("RepeatMode")
            .filter(|_| !by_instance)
            .map(String::from),
        timed,
        resource_group_id: p.get("ResourceGroupId").map(String::from),
        tags: common::tag_filter(p)?,
    };
    let paging = common::paging(p, &PAGING_50)?;
    let page = store::list(ctx.db, &filter, paging.request)?;
    let ids: Vec<String> = page.items.iter().map(|i| i.invoke_id.clone()).collect();
    let mut targets = store::instances_of(ctx.db, &ids)?;
    let mut all_tags = tags::of_many(ctx.db, "invocation", &ids)?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|inv| {
            let t = targets.remove(&inv.invoke_id).unwrap_or_default();
            let tg = all_tags.remove(&inv.invoke_id).unwrap_or_default();
            invocation_json(inv, &t, &tg, p, include_output)
        })
        .collect();
    let mut f = Fields::new();
    common::paging_fields(&mut f, &paging, &page);
    f.insert("Invocations".into(), json!({ "Invocation": items }));
    Ok(f)
}

fn invocation_json(
    inv: &InvocationRow,
    targets: &[InstanceResultRow],
    tags: &[(String, String)],
    p: &Params,
    include_output: bool,
) -> Value {
    let instances: Vec<Value> = targets
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("InstanceId".into(), json!(r.instance_id));
            m.insert("InvocationStatus".into(), json!(r.status));
            m.insert(
                "InstanceInvokeStatus".into(),
                json!(status::legacy_instance(&r.status)),
            );
            m.insert("Repeats".into(), json!(r.repeats));
            if let Some(code) = r.exit_code {
                m.insert("ExitCode".into(), json!(code));
            }
            if include_output {
                m.insert("Output".into(), json!(output_out(&r.output, p)));
            }
            m.insert("Dropped".into(), json!(r.dropped));
            m.insert("ErrorCode".into(), json!(r.error_code));
            m.insert("ErrorInfo".into(), json!(r.error_info));
            m.insert("CreationTime".into(), json!(r.creation_time));
            optional_time(&mut m, "StartTime", &r.start_time);
            optional_time(&mut m, "FinishTime", &r.finish_time);
            optional_time(&mut m, "StopTime", &r.stop_time);
            m.insert("UpdateTime".into(), json!(r.update_time));
            m.insert("Timed".into(), json!(inv.timed));
            Value::Object(m)
        })
        .collect();
    json!({
        "InvokeId": inv.invoke_id,
        "CommandId": inv.command_id,
        "CommandName": inv.command_name,
        "CommandType": inv.command_type,
        "CommandDescription": inv.command_description,
        "CommandContent": common::content_out(&inv.command_content, p),
        "Parameters": inv.parameters,
        "RepeatMode": inv.repeat_mode,
        "Frequency": inv.frequency,
        "Timed": inv.timed,
        "Timeout": inv.timeout,
        "WorkingDir": inv.working_dir,
        "Username": inv.username,
        "Launcher": inv.launcher,
        "ContainerId": inv.container_id,
        "ContainerName": inv.container_name,
        "TerminationMode": inv.termination_mode,
        "OssOutputDelivery": inv.oss_output_delivery,
        "CreationTime": inv.creation_time,
        "InvocationStatus": inv.status,
        "InvokeStatus": status::legacy_task(&inv.status),
        "Tags": common::tags_json(tags),
        "InvokeInstances": { "InvokeInstance": instances },
    })
}

fn optional_time(m: &mut Map<String, Value>, key: &str, t: &Option<String>) {
    if let Some(t) = t {
        m.insert(key.into(), json!(t));
    }
}

/// Output is kept as text; it is answered in Base64 unless ContentEncoding=PlainText.
fn output_out(output: &str, p: &Params) -> String {
    use base64::Engine;
    if p.get("ContentEncoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("PlainText"))
    {
        output.to_string()
    } else {
        base64::engine::general_purpose::STANDARD.encode(output.as_bytes())
    }
}

pub fn describe_results(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let statuses = match p.get("InvokeRecordStatus") {
        None => None,
        Some(s) => Some(status::record_filter(s).ok_or_else(|| {
            ApiError::invalid(
                "InvokeRecordStatus",
                format!("{s:?} is not a record status"),
            )
        })?),
    };
    let paging = common::paging(p, &PAGING_50)?;
    if p.bool("IncludeHistory")?.unwrap_or(false) {
        return history(p, region, ctx, paging, statuses);
    }
    let filter = ResultFilter {
        region_id: region.to_string(),
        invoke_id: p.get("InvokeId").map(String::from),
        instance_id: p.get("InstanceId").map(String::from),
        command_id: p.get("CommandId").map(String::from),
        statuses,
        resource_group_id: p.get("ResourceGroupId").map(String::from),
        tags: common::tag_filter(p)?,
    };
    let page = store::list_results(ctx.db, &filter, paging.request)?;
    let ids: Vec<String> = page
        .items
        .iter()
        .map(|(i, _)| i.invoke_id.clone())
        .collect();
    let all_tags = tags::of_many(ctx.db, "invocation", &ids)?;
    let records: Vec<Value> = page
        .items
        .iter()
        .map(|(inv, r)| {
            let run = RunRow {
                repeat: r.repeats,
                status: r.status.clone(),
                start_time: r.start_time.clone(),
                finish_time: r.finish_time.clone(),
                stop_time: r.stop_time.clone(),
                exit_code: r.exit_code,
                output: r.output.clone(),
                dropped: r.dropped,
                error_code: r.error_code.clone(),
                error_info: r.error_info.clone(),
                ..Default::default()
            };
            let tg = all_tags.get(&inv.invoke_id).cloned().unwrap_or_default();
            record_json(inv, &r.instance_id, &run, &tg, p)
        })
        .collect();
    Ok(results_fields(&paging, &page, records))
}

/// IncludeHistory=true: one record per run of a Period or EveryReboot task.
fn history(
    p: &Params,
    region: &str,
    ctx: &Ctx<'_>,
    paging: common::Paging,
    statuses: Option<Vec<String>>,
) -> Result<Fields, ApiError> {
    let invoke_id = p.get("InvokeId").ok_or_else(|| {
        ApiError::invalid(
            "IncludeHistory",
            "IncludeHistory=true needs the InvokeId of a Period or EveryReboot task",
        )
    })?;
    let inv = existing(ctx, region, invoke_id, Code::InvalidInvokeIdNotFound)?;
    if !RepeatMode::from_api(&inv.repeat_mode).is_some_and(RepeatMode::keeps_history) {
        return Err(ApiError::invalid(
            "IncludeHistory",
            format!(
                "the task {invoke_id} is {}, and history exists only for Period and EveryReboot tasks",
                inv.repeat_mode
            ),
        ));
    }
    let runs: Vec<RunRow> = store::runs_of(ctx.db, invoke_id, p.get("InstanceId"))?
        .into_iter()
        .filter(|r| statuses.as_ref().is_none_or(|s| s.contains(&r.status)))
        .collect();
    // Token paging over an in-memory list: the token holds the offset.
    let start = paging.request.before_seq.unwrap_or(0).max(0) + paging.request.offset;
    let end = (start + paging.request.limit).min(runs.len() as i64);
    let tg = tags::of(ctx.db, "invocation", invoke_id)?;
    let records: Vec<Value> = runs
        .iter()
        .skip(start as usize)
        .take((end - start).max(0) as usize)
        .map(|r| record_json(&inv, &r.instance_id, r, &tg, p))
        .collect();
    let page = Page::<()> {
        items: Vec::new(),
        total: runs.len() as i64,
        next_seq: (end < runs.len() as i64).then_some(end),
    };
    Ok(results_fields(&paging, &page, records))
}

fn results_fields<T>(paging: &common::Paging, page: &Page<T>, records: Vec<Value>) -> Fields {
    let mut inner = Fields::new();
    common::paging_fields(&mut inner, paging, page);
    inner.insert(
        "InvocationResults".into(),
        json!({ "InvocationResult": records }),
    );
    let mut f = Fields::new();
    f.insert("Invocation".into(), Value::Object(inner));
    f
}

fn record_json(
    inv: &InvocationRow,
    instance_id: &str,
    r: &RunRow,
    tags: &[(String, String)],
    p: &Params,
) -> Value {
    let mut m = Map::new();
    m.insert("InvokeId".into(), json!(inv.invoke_id));
    m.insert("CommandId".into(), json!(inv.command_id));
    m.insert("InstanceId".into(), json!(instance_id));
    m.insert("InvocationStatus".into(), json!(r.status));
    m.insert(
        "InvokeRecordStatus".into(),
        json!(status::legacy_instance(&r.status)),
    );
    m.insert("Repeats".into(), json!(r.repeat));
    if let Some(code) = r.exit_code {
        m.insert("ExitCode".into(), json!(code));
    }
    m.insert("Output".into(), json!(output_out(&r.output, p)));
    m.insert("Dropped".into(), json!(r.dropped));
    m.insert("ErrorCode".into(), json!(r.error_code));
    m.insert("ErrorInfo".into(), json!(r.error_info));
    optional_time(&mut m, "StartTime", &r.start_time);
    optional_time(&mut m, "FinishedTime", &r.finish_time);
    optional_time(&mut m, "StopTime", &r.stop_time);
    m.insert("Username".into(), json!(inv.username));
    m.insert("Launcher".into(), json!(inv.launcher));
    m.insert("ContainerId".into(), json!(inv.container_id));
    m.insert("ContainerName".into(), json!(inv.container_name));
    m.insert("TerminationMode".into(), json!(inv.termination_mode));
    m.insert("OssOutputDelivery".into(), json!(inv.oss_output_delivery));
    m.insert("Tags".into(), common::tags_json(tags));
    Value::Object(m)
}

pub fn stop(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let invoke_id = p.required("InvokeId")?;
    let inv = existing(ctx, region, invoke_id, Code::InvalidInvokeIdNotFound)?;
    let wanted = p.list("InstanceId");
    if wanted.len() > limits::MAX_INSTANCES_PER_CALL {
        return Err(ApiError::new(
            Code::InstanceIdsExceedLimit,
            format!(
                "At most {} InstanceId.N are allowed.",
                limits::MAX_INSTANCES_PER_CALL
            ),
        ));
    }
    let targets = store::instances_of(ctx.db, std::slice::from_ref(&inv.invoke_id))?
        .remove(&inv.invoke_id)
        .unwrap_or_default();
    for id in &wanted {
        if !targets.iter().any(|t| &t.instance_id == id) {
            return Err(ApiError::new(
                Code::InvalidInstanceIdNotFound,
                format!("The instance {id:?} is not a target of the task {invoke_id}."),
            ));
        }
    }
    let now = common::fmt_time(ctx.now);
    for t in &targets {
        if !wanted.is_empty() && !wanted.contains(&t.instance_id) {
            continue;
        }
        // Pending runs are cancelled; a Period task schedules nothing more. A running script
        // is killed, as the agent kills it (`Task.Cancel`: SIGKILL, then Terminated); the
        // API reference's "runs already started are not interrupted" is not what the agent
        // does. The target shows Stopping until the agent has killed it.
        match TargetStatus::from_api(&t.status) {
            Some(TargetStatus::Pending) => store::stop_instance(
                ctx.db,
                invoke_id,
                &t.instance_id,
                TargetStatus::Cancelled.api_name(),
                &now,
            )?,
            Some(TargetStatus::Scheduled) => store::stop_instance(
                ctx.db,
                invoke_id,
                &t.instance_id,
                TargetStatus::Stopped.api_name(),
                &now,
            )?,
            Some(TargetStatus::Running) => {
                store::cancel_pending_runs(ctx.db, invoke_id, &t.instance_id, &now)?;
                store::stopping(ctx.db, invoke_id, &t.instance_id, &now)?;
            }
            _ => store::cancel_pending_runs(ctx.db, invoke_id, &t.instance_id, &now)?,
        }
    }
    refresh_status(ctx, invoke_id)?;
    Ok(Fields::new())
}

/// Recomputes a task's overall status from its targets.
pub fn refresh_status(ctx: &Ctx<'_>, invoke_id: &str) -> Result<(), ApiError> {
    let targets = store::instances_of(ctx.db, &[invoke_id.to_string()])?
        .remove(invoke_id)
        .unwrap_or_default();
    let overall = status::overall(targets.iter().map(|t| t.status.as_str()));
    store::set_status(ctx.db, invoke_id, overall)?;
    Ok(())
}

pub fn modify(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let invoke_id = p.required("InvokeId")?;
    let mut inv = existing(ctx, region, invoke_id, Code::InvalidInvokeIdNotFound)?;
    let Some(repeat_mode) = RepeatMode::from_api(&inv.repeat_mode).filter(|m| m.is_timed()) else {
        return Err(ApiError::new(
            Code::InvalidOperationRepeatModeUnsupported,
            format!(
                "The task {invoke_id} is a {} task; only Period, NextRebootOnly and EveryReboot tasks can be modified.",
                inv.repeat_mode
            ),
        ));
    };
    if InvocationStatus::from_api(&inv.status).is_none_or(InvocationStatus::is_final) {
        return Err(ApiError::new(
            Code::InvalidOperationInvokeAlreadyFinished,
            format!(
                "The task {invoke_id} is {} and can no longer be modified.",
                inv.status
            ),
        ));
    }
    let ty = CommandType::from_api_name(&inv.command_type)
        .ok_or_else(|| ApiError::internal(format!("stored command type {}", inv.command_type)))?;
    let targets = store::instances_of(ctx.db, std::slice::from_ref(&inv.invoke_id))?
        .remove(&inv.invoke_id)
        .unwrap_or_default();
    let added = added_targets(p, region, ctx, &targets, ty)?;
    for id in targets
        .iter()
        .map(|t| t.instance_id.as_str())
        .chain(added.iter().map(|i| i.id.as_str()))
    {
        if let Some(i) = ctx.inventory.get(region, id)
            && let Err(e) = eligibility::check_modify(&invoke::targets::facts(ctx, i)?)
        {
            return Err(ApiError::new(
                Code::InvalidOperationCloudAssistantVersionUnsupported,
                format!(
                    "Modifying a task needs Cloud Assistant agent {} or later; {id} has {}.",
                    e.min, e.have
                ),
            ));
        }
    }

    let content_changed = if let Some(raw) = p.get("CommandContent") {
        let plain = p
            .get("ContentEncoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("PlainText"));
        let content = Content::from_request(raw, plain, Code::InvalidCommandContentDecodeError)?;
        let max = if inv.command_kept {
            ctx.config.max_content_kept
        } else {
            ctx.config.max_content_unkept
        };
        content.check_size(max, Code::InvalidCommandContentLengthLimitExceeded)?;
        let changed = content.base64 != inv.command_content;
        inv.command_content = content.base64;
        changed
    } else {
        false
    };
    if let Some(e) = p.bool("EnableParameter")? {
        inv.enable_parameter = e;
    }
    let text = Content::from_request(
        &inv.command_content,
        false,
        Code::InvalidCommandContentDecodeError,
    )?
    .text();
    let names = if inv.enable_parameter {
        custom_parameter_names(&text)
    } else {
        Vec::new()
    };
    if let Some(raw) = p.get("Parameters") {
        let given = match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(ApiError::new(
                    Code::InvalidParameterParameters,
                    "Parameters must be a JSON object.",
                ));
            }
        };
        check_parameter_map(
            &given,
            inv.enable_parameter,
            &names,
            Code::InvalidParametersCountLimitExceeded,
        )?;
        inv.parameters = Value::Object(given).to_string();
    }
    let mut new_due = None;
    if let Some(raw) = p.get("Frequency") {
        if repeat_mode != RepeatMode::Period {
            return Err(ApiError::new(
                Code::InvalidParameterFrequency,
                format!(
                    "The task {invoke_id} is {}; only Period tasks have a Frequency.",
                    inv.repeat_mode
                ),
            ));
        }
        let f = invoke::parse_frequency(raw, inv.timeout, ctx, Code::InvalidParameterFrequency)?;
        new_due = invoke::next_fire(Some(&f), ctx);
        inv.frequency = raw.to_string();
    }
    if content_changed {
        // The task now runs content that no stored command has: it gets a command id of its
        // own, which the answer returns.
        inv.command_id = super::commands::new_command_id(ctx, region)?;
    }

    store::update_modifiable(ctx.db, &inv)?;
    if let Some(due) = &new_due {
        store::reschedule(ctx.db, invoke_id, due)?;
    }
    let due = match new_due {
        Some(d) => Some(d),
        None if repeat_mode == RepeatMode::Period => invoke::parse_frequency(
            &inv.frequency,
            inv.timeout,
            ctx,
            Code::InvalidParameterFrequency,
        )
        .ok()
        .and_then(|f| invoke::next_fire(Some(&f), ctx)),
        None => None,
    };
    for (k, i) in added.iter().enumerate() {
        invoke::insert_target(
            ctx,
            invoke_id,
            &i.id,
            (targets.len() + k) as i64,
            repeat_mode,
            due.clone(),
        )?;
    }
    refresh_status(ctx, invoke_id)?;
    let mut f = Fields::new();
    f.insert("CommandId".into(), json!(inv.command_id));
    Ok(f)
}

/// `InstanceId.N` of ModifyInvocationAttribute: targets to add, each suitable.
fn added_targets<'a>(
    p: &Params,
    region: &str,
    ctx: &Ctx<'a>,
    current: &[InstanceResultRow],
    ty: CommandType,
) -> Result<Vec<&'a crate::emulator::inventory::Instance>, ApiError> {
    let mut out = Vec::new();
    for id in p.list("InstanceId") {
        if current.iter().any(|t| t.instance_id == id)
            || out
                .iter()
                .any(|i: &&crate::emulator::inventory::Instance| i.id == id)
        {
            continue;
        }
        let i = ctx.inventory.get(region, &id).ok_or_else(|| {
            ApiError::new(
                Code::InvalidInstanceNotFound,
                format!("The specified instance {id:?} does not exist in {region}."),
            )
        })?;
        // Only the OS, Running and the agent online: content, schedule and containers
        // are the task's, already accepted for its first targets.
        let needs = Needs {
            os: ty.os().as_str().to_string(),
            ..Needs::default()
        };
        if eligibility::check(&invoke::targets::facts(ctx, i)?, &needs).is_err() {
            return Err(ApiError::new(
                Code::InvalidInstanceNotMatch,
                format!(
                    "The instance {id} cannot run this task: it must run {} and be Running with a live agent.",
                    ty.os()
                ),
            ));
        }
        out.push(i);
    }
    if current.len() + out.len() > ctx.config.max_instances_per_call {
        return Err(ApiError::new(
            Code::InstanceIdsExceedLimit,
            format!(
                "The task would have {} targets; at most {} are allowed.",
                current.len() + out.len(),
                ctx.config.max_instances_per_call
            ),
        ));
    }
    Ok(out)
}

pub fn existing(
    ctx: &Ctx<'_>,
    region: &str,
    id: &str,
    code: Code,
) -> Result<InvocationRow, ApiError> {
    store::get(ctx.db, region, id)?.ok_or_else(|| {
        ApiError::new(
            code,
            format!("The specified InvokeId {id:?} does not exist in {region}."),
        )
    })
}
