//! InvokeCommand and RunCommand: targets, repeat mode and schedule, per-run options, custom
//! parameter values, and the new task with one result and one run per target.
//!
//! Nothing runs scripts yet: every target starts `Pending` (`Scheduled` for Period tasks) and
//! a row in `runs` waits for an agent to pick it up. No result is ever reported as executed.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{NaiveTime, Utc};
use regex::Regex;
use serde_json::{Map, Value, json};

use super::commands::{self, parameter_names};
use super::common::{self, Content, RESOURCE_TAGS};
use super::{Ctx, Fields};
use crate::domain::agent_version::AgentVersion;
use crate::domain::command_type::{CommandType, Os};
use crate::domain::limits;
use crate::domain::params::{PlaceholderKind, scan, substitute};
use crate::domain::schedule::{Frequency, Zone};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::inventory::Instance;
use crate::emulator::store::commands::{self as command_store, CommandRow};
use crate::emulator::store::instances as instance_state;
use crate::emulator::store::invocations::{
    self as store, InstanceResultRow, InvocationRow, RunRow,
};
use crate::emulator::store::tags;
use crate::emulator::wire::Params;

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

/// How and where a task runs.
pub struct Execution<'a> {
    pub targets: Vec<&'a Instance>,
    pub repeat_mode: &'static str,
    pub frequency: Option<Frequency>,
    /// The Frequency as the caller wrote it (the service echoes it).
    pub frequency_raw: String,
    pub timeout: i64,
    pub working_dir: String,
    pub username: String,
    pub windows_password_name: String,
    pub launcher: String,
    pub container_id: String,
    pub container_name: String,
    pub termination_mode: String,
    pub oss_output_delivery: String,
}

impl<'a> Execution<'a> {
    fn read(
        p: &Params,
        region: &str,
        ctx: &Ctx<'a>,
        ty: CommandType,
        cmd: &CommandRow,
        content: &str,
        enable_parameter: bool,
    ) -> Result<Self, ApiError> {
        let targets = select_targets(p, region, ctx)?;
        let timeout = common::timeout(p)?.unwrap_or(cmd.timeout);
        let (repeat_mode, frequency) = schedule(p, timeout, ctx)?;
        let frequency_raw = p.get("Frequency").unwrap_or_default().to_string();
        let working_dir = common::working_dir(p)?
            .unwrap_or(&cmd.working_dir)
            .to_string();
        let launcher = common::launcher(p)?.unwrap_or(&cmd.launcher).to_string();
        let username = common::bounded(
            p,
            "Username",
            limits::MAX_USERNAME_CHARS,
            Code::UsernameExceedLimit,
        )?;
        let windows_password_name = common::bounded(
            p,
            "WindowsPasswordName",
            limits::MAX_WINDOWS_PASSWORD_NAME_CHARS,
            Code::WindowsPasswordNameExceedLimit,
        )?;
        let username = match (username, ty.os()) {
            (Some(u), _) => u.to_string(),
            (None, Os::Linux) => "root".to_string(),
            (None, Os::Windows) => "System".to_string(),
        };
        if ty.os() == Os::Windows
            && !username.eq_ignore_ascii_case("System")
            && windows_password_name.is_none()
        {
            return Err(ApiError::new(
                Code::WindowsPasswordNameMissed,
                format!(
                    "Running as the Windows user {username:?} needs WindowsPasswordName (the OOS parameter holding its password)."
                ),
            ));
        }
        let container_id = container_id(p)?;
        let container_name = container_name(p)?;
        let termination_mode = match p.get("TerminationMode") {
            None => String::new(),
            Some(m @ ("Process" | "ProcessTree")) => m.to_string(),
            Some(m) => {
                return Err(ApiError::new(
                    Code::InvalidTerminationModeNotFound,
                    format!(
                        "The specified TerminationMode {m:?} does not exist; use Process or ProcessTree."
                    ),
                ));
            }
        };
        let oss_output_delivery = match p.get("OssOutputDelivery") {
            None => String::new(),
            Some(o) if o.starts_with("oss://") && o.len() > "oss://".len() => o.to_string(),
            Some(o) => {
                return Err(ApiError::invalid(
                    "OssOutputDelivery",
                    format!("{o:?} is not oss://bucket/prefix"),
                ));
            }
        };
        let exec = Self {
            targets,
            repeat_mode,
            frequency,
            frequency_raw,
            timeout,
            working_dir,
            username,
            windows_password_name: windows_password_name.unwrap_or_default().to_string(),
            launcher,
            container_id,
            container_name,
            termination_mode,
            oss_output_delivery,
        };
        exec.check_targets(ctx, ty, content, enable_parameter)?;
        Ok(exec)
    }

    /// Every target must suit the task; one unsuitable target fails the whole call.
    fn check_targets(
        &self,
        ctx: &Ctx<'_>,
        ty: CommandType,
        content: &str,
        enable_parameter: bool,
    ) -> Result<(), ApiError> {
        let builtins: Vec<_> = if enable_parameter {
            scan(content)
                .into_iter()
                .filter_map(|ph| match ph.kind {
                    PlaceholderKind::Builtin(b) => Some(b),
                    _ => None,
                })
                .collect()
        } else {
            Vec::new()
        };
        let container = !self.container_id.is_empty() || !self.container_name.is_empty();
        for t in &self.targets {
            let unsuitable = |why: String| {
                Err(ApiError::new(
                    Code::InvalidInstanceNotMatch,
                    format!("The instance {} cannot run this task: {why}.", t.id),
                ))
            };
            if t.os != ty.os() {
                return unsuitable(format!(
                    "it runs {}, and {} needs {} (CommandNotApplicable)",
                    t.os,
                    ty.api_name(),
                    ty.os()
                ));
            }
            // The status as it is now: an instance stopped through StopInstance (or by a
            // script's power-off) is refused exactly like one stopped in the inventory.
            let status = instance_state::current(ctx.db, t)?.status;
            if status != instance_state::RUNNING {
                return unsuitable(format!("it is {status} (InstanceNotRunning)"));
            }
            if !t.agent_online {
                return unsuitable(
                    "its Cloud Assistant agent is not running (ClientNotRunning)".into(),
                );
            }
            let need = |min: AgentVersion, what: &str| -> Result<(), ApiError> {
                if t.agent_version < min {
                    return Err(ApiError::new(
                        Code::InvalidInstanceNotMatch,
                        format!(
                            "The instance {} cannot run this task: {what} needs Cloud Assistant agent {min} or later and it has {} (ClientNeedUpgrade).",
                            t.id, t.agent_version
                        ),
                    ));
                }
                Ok(())
            };
            if let Some(f) = &self.frequency
                && f.needs_new_agent()
            {
                need(
                    AgentVersion::schedule_minimum(t.os),
                    "a rate, at, year or time-zone schedule",
                )?;
            }
            for b in &builtins {
                if let Some(min) = b.min_agent_version(t.os) {
                    need(min, &format!("{{{{ACS::{}}}}}", b.name()))?;
                }
            }
            if container {
                if t.os != Os::Linux {
                    return unsuitable("containers are supported on Linux only".into());
                }
                need(AgentVersion::new(&[2, 2, 3, 344]), "running in a container")?;
            }
        }
        Ok(())
    }

    fn stop_if_dry_run(&self) -> Result<(), ApiError> {
        if self.repeat_mode == "DryRun" {
            return Err(ApiError::new(
                Code::DryRunOperation,
                "Request validation has been passed with DryRun flag set.",
            ));
        }
        Ok(())
    }
}

/// `InstanceId.N` or `ResourceTag.N`, exactly one of them.
pub fn select_targets<'a>(
    p: &Params,
    region: &str,
    ctx: &Ctx<'a>,
) -> Result<Vec<&'a Instance>, ApiError> {
    let mut seen = HashSet::new();
    let ids: Vec<String> = p
        .list("InstanceId")
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect();
    let by_tag = common::tag_list(p, &RESOURCE_TAGS, limits::MAX_TAG_KEY_CHARS)?;
    let max = ctx.config.max_instances_per_call;
    let too_many = |n: usize| {
        ApiError::new(
            Code::InstanceIdsExceedLimit,
            format!("The task has {n} target instances; at most {max} are allowed per call."),
        )
    };
    match (ids.is_empty(), by_tag.is_empty()) {
        (false, false) => Err(ApiError::new(
            Code::InvalidResourceTagConflictWithInstanceIds,
            "ResourceTag and InstanceId cannot be used together.",
        )),
        (true, true) => Err(ApiError::new(
            Code::MissingParamInstanceId,
            "The input parameter InstanceId (or ResourceTag) that is mandatory for processing this request is not supplied.",
        )),
        (false, true) => {
            if ids.len() > max {
                return Err(too_many(ids.len()));
            }
            ids.iter()
                .map(|id| {
                    ctx.inventory.get(region, id).ok_or_else(|| {
                        ApiError::new(
                            Code::InvalidInstanceNotFound,
                            format!("The specified instance {id:?} does not exist in {region}."),
                        )
                    })
                })
                .collect()
        }
        (true, false) => {
            let found: Vec<&Instance> = ctx
                .inventory
                .in_region(region)
                .filter(|i| i.has_tags(&by_tag))
                .collect();
            if found.is_empty() {
                return Err(ApiError::new(
                    Code::InvalidResourceTagInstanceNotFound,
                    "No instance in the region carries the specified ResourceTag.",
                ));
            }
            if found.len() > max {
                return Err(too_many(found.len()));
            }
            Ok(found)
        }
    }
}

/// RepeatMode and Frequency: any Frequency forces Period; Period needs a Frequency.
fn schedule(
    p: &Params,
    timeout: i64,
    ctx: &Ctx<'_>,
) -> Result<(&'static str, Option<Frequency>), ApiError> {
    const MODES: [&str; 5] = ["Once", "Period", "NextRebootOnly", "EveryReboot", "DryRun"];
    let mode = match p.get("RepeatMode") {
        None => "Once",
        Some(m) => MODES
            .into_iter()
            .find(|x| x.eq_ignore_ascii_case(m))
            .ok_or_else(|| {
                ApiError::new(
                    Code::InvalidRepeatModeNotFound,
                    format!("The specified RepeatMode {m:?} does not exist; use Once, Period, NextRebootOnly, EveryReboot or DryRun."),
                )
            })?,
    };
    let Some(raw) = p.get("Frequency") else {
        if mode == "Period" {
            return Err(ApiError::new(
                Code::MissingParamFrequency,
                "RepeatMode=Period needs a Frequency (rate(...), at(...) or a cron expression).",
            ));
        }
        return Ok((mode, None));
    };
    let f = parse_frequency(raw, timeout, ctx, Code::InvalidParamFrequency)?;
    let mode = if mode == "DryRun" { mode } else { "Period" };
    Ok((mode, Some(f)))
}

pub fn parse_frequency(
    raw: &str,
    timeout: i64,
    ctx: &Ctx<'_>,
    code: Code,
) -> Result<Frequency, ApiError> {
    let bad = |e: &dyn std::fmt::Display| {
        ApiError::new(code, format!("The specified Frequency is not valid: {e}."))
    };
    let f = Frequency::parse(raw).map_err(|e| bad(&e))?;
    f.check(timeout.max(0) as u64, ctx.now)
        .map_err(|e| bad(&e))?;
    // domain::schedule accepts any well-formed at(); a one-time run in the past can never
    // happen, so it is refused here.
    if matches!(f, Frequency::At { .. }) && f.next_fires(ctx.now, 1, &Zone::Utc).is_empty() {
        return Err(bad(&format!("{raw} is in the past")));
    }
    Ok(f)
}

static CONTAINER_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^((docker|containerd|cri-o)://)?[0-9a-f]{64}$").expect("static regex")
});
static CONTAINER_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$").expect("static regex"));

fn container_id(p: &Params) -> Result<String, ApiError> {
    match p.get("ContainerId") {
        None => Ok(String::new()),
        Some(c) if CONTAINER_ID.is_match(c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::new(
            Code::InvalidContainerIdMalformed,
            format!(
                "The ContainerId {c:?} is not 64 hex characters with an optional docker://, containerd:// or cri-o:// prefix."
            ),
        )),
    }
}

fn container_name(p: &Params) -> Result<String, ApiError> {
    match p.get("ContainerName") {
        None => Ok(String::new()),
        Some(c) if CONTAINER_NAME.is_match(c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::new(
            Code::InvalidContainerNameMalformed,
            format!(
                "The ContainerName {c:?} is not valid: letters, digits, `_`, `.` and `-`, starting with a letter or digit."
            ),
        )),
    }
}

/// The `Parameters` JSON object, checked against the command's parameter names. Names left
/// out become "" at run time; a command with parameters given no values at all is
/// `Parameter.MissingValue` (the reference: keys must be a non-empty subset).
pub fn parameter_values(
    p: &Params,
    enable: bool,
    names: &[String],
) -> Result<Map<String, Value>, ApiError> {
    let given = match p.get("Parameters") {
        None => Map::new(),
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(ApiError::new(
                    Code::InvalidParameterParameters,
                    "Parameters must be a JSON object of parameter names to string values, e.g. {\"name\":\"value\"}.",
                ));
            }
        },
    };
    check_parameter_map(&given, enable, names, Code::ParameterCountExceedLimit)?;
    if enable && !names.is_empty() && given.is_empty() {
        return Err(ApiError::new(
            Code::ParameterMissingValue,
            format!(
                "The command defines the parameters {} and Parameters gives none of them.",
                names.join(", ")
            ),
        ));
    }
    Ok(given)
}

pub fn check_parameter_map(
    given: &Map<String, Value>,
    enable: bool,
    names: &[String],
    too_many: Code,
) -> Result<(), ApiError> {
    if !given.is_empty() && !enable {
        return Err(ApiError::new(
            Code::ParameterDisabled,
            "Parameters were given but the command has EnableParameter=false.",
        ));
    }
    if given.len() > limits::MAX_PARAMETERS_PER_CALL {
        return Err(ApiError::new(
            too_many,
            format!(
                "Parameters has {} keys, over the limit of {}.",
                given.len(),
                limits::MAX_PARAMETERS_PER_CALL
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (k, v) in given {
        if k.len() > limits::MAX_PARAMETER_NAME_BYTES {
            return Err(ApiError::new(
                Code::ParameterKeyExceedLimit,
                format!(
                    "The parameter key {k:?} is longer than {} bytes.",
                    limits::MAX_PARAMETER_NAME_BYTES
                ),
            ));
        }
        if !v.is_string() {
            return Err(ApiError::new(
                Code::ParameterTypeNotSupported,
                format!("The value of parameter {k:?} must be a string."),
            ));
        }
        if !seen.insert(k.to_ascii_lowercase()) {
            return Err(ApiError::new(
                Code::ParameterKeyDuplicate,
                format!("The parameter {k:?} is given twice (names are case-insensitive)."),
            ));
        }
        if !names.iter().any(|n| n.eq_ignore_ascii_case(k)) {
            return Err(ApiError::new(
                Code::ParameterNotMatched,
                format!(
                    "The parameter {k:?} is not defined in the command; it defines {}.",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// The content limit applies to the content with the parameter values filled in.
pub fn check_expanded_size(
    text: &str,
    values: &Map<String, Value>,
    max: usize,
) -> Result<(), ApiError> {
    if values.is_empty() {
        return common::check_base64_size(base64_len(text.len()), max, Code::CmdContentExceedLimit);
    }
    let expanded = substitute(text, |kind| match kind {
        PlaceholderKind::Custom(n) => Some(
            values
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("")
                .to_string(),
        ),
        PlaceholderKind::Builtin(b) => Some(format!("{{{{ACS::{}}}}}", b.name())),
        PlaceholderKind::UnknownBuiltin(n) => Some(format!("{{{{ACS::{n}}}}}")),
        _ => Some(String::new()),
    })
    .unwrap_or_else(|_| text.to_string());
    common::check_base64_size(base64_len(expanded.len()), max, Code::CmdContentExceedLimit)
}

fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

fn check_daily_quota(ctx: &Ctx<'_>, region: &str) -> Result<(), ApiError> {
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
fn create_task(
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
    let target_status = if exec.repeat_mode == "Period" {
        "Scheduled"
    } else {
        "Pending"
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
        repeat_mode: exec.repeat_mode.to_string(),
        frequency: exec.frequency_raw.clone(),
        timed: exec.repeat_mode != "Once",
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
        status: target_status.to_string(),
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
    repeat_mode: &str,
    due: Option<String>,
) -> Result<(), ApiError> {
    let now = common::fmt_time(ctx.now);
    let status = if repeat_mode == "Period" {
        "Scheduled"
    } else {
        "Pending"
    };
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
        "Period" => ("schedule", due),
        "NextRebootOnly" | "EveryReboot" => ("boot", None),
        _ => ("now", Some(now)),
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

/// The first fire time of a Period task on one target. Cron without its own zone runs in
/// the target's zone (the inventory's `timeZone`), the zone the agent computes the later
/// fires in.
pub fn next_fire_on(
    frequency: Option<&Frequency>,
    ctx: &Ctx<'_>,
    target: &Instance,
) -> Option<String> {
    frequency.and_then(|f| {
        f.next_fires(ctx.now.with_timezone(&Utc), 1, &target.zone())
            .first()
            .map(|t| common::fmt_time(*t))
    })
}

/// The first fire time with zone-less cron in UTC: ModifyInvocationAttribute still gives
/// every target of a task one due time this way (`store::invocations::reschedule`).
pub fn next_fire(frequency: Option<&Frequency>, ctx: &Ctx<'_>) -> Option<String> {
    frequency.and_then(|f| {
        f.next_fires(ctx.now.with_timezone(&Utc), 1, &Zone::Utc)
            .first()
            .map(|t| common::fmt_time(*t))
    })
}
