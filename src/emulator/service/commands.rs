//! CreateCommand, ModifyCommand, DescribeCommands, DeleteCommand.

use serde_json::{Value, json};

use super::common::{self, Content, PAGING_50};
use super::{Ctx, Fields};
use crate::domain::command_type::CommandType;
use crate::domain::limits;
use crate::domain::params::{PlaceholderKind, custom_parameter_names, scan};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::store::commands::{self as store, CommandFilter, CommandRow};
use crate::emulator::store::tags;
use crate::emulator::wire::Params;

pub fn create(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let name = p.required("Name")?;
    let type_name = p.required("Type")?;
    let raw = p.required("CommandContent")?;
    let ty = command_type(type_name, Code::InvalidCmdTypeNotFound)?;
    let fields = EditableFields::read(p)?;
    // An invalid ContentEncoding is treated as Base64 (reference §1).
    let plain = p
        .get("ContentEncoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("PlainText"));
    let content = Content::from_request(raw, plain, Code::CmdContentDecodeError)?;
    content.check_size(ctx.config.max_content_kept, Code::CmdContentExceedLimit)?;
    let enable_parameter = p.bool("EnableParameter")?.unwrap_or(false);
    let parameter_names = if enable_parameter {
        parameter_names(&content.text())?
    } else {
        Vec::new()
    };
    let tag_list = common::tags_to_set(p)?;
    let resource_group_id = common::resource_group(p, ctx.inventory)?;
    check_quota(ctx, region)?;

    let row = CommandRow {
        command_id: new_command_id(ctx, region)?,
        region_id: region.to_string(),
        name: name.to_string(),
        description: fields.description.unwrap_or_default().to_string(),
        type_name: ty.api_name().to_string(),
        content: content.base64,
        working_dir: fields.working_dir.unwrap_or_default().to_string(),
        timeout: fields
            .timeout
            .unwrap_or(limits::DEFAULT_TIMEOUT_SECS as i64),
        enable_parameter,
        parameter_names,
        launcher: fields.launcher.unwrap_or_default().to_string(),
        resource_group_id,
        creation_time: common::fmt_time(ctx.now),
        invoke_times: 0,
    };
    store::insert(ctx.db, &row)?;
    tags::set(ctx.db, "command", &row.command_id, &tag_list)?;
    let mut f = Fields::new();
    f.insert("CommandId".into(), json!(row.command_id));
    Ok(f)
}

pub fn modify(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let id = p.required("CommandId")?;
    let mut row = existing(ctx, region, id)?;
    // CommandContent is accepted and has no effect, as on the service.
    let fields = EditableFields::read(p)?;
    if let Some(name) = fields.name {
        row.name = name.to_string();
    }
    if let Some(d) = fields.description {
        row.description = d.to_string();
    }
    if let Some(w) = fields.working_dir {
        row.working_dir = w.to_string();
    }
    if let Some(t) = fields.timeout {
        row.timeout = t;
    }
    if let Some(l) = fields.launcher {
        row.launcher = l.to_string();
    }
    store::update(ctx.db, &row)?;
    Ok(Fields::new())
}

pub fn delete(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let id = p.required("CommandId")?;
    existing(ctx, region, id)?;
    // Execution records stay: invocations keep their own copy of the command.
    store::delete(ctx.db, id)?;
    Ok(Fields::new())
}

pub fn describe(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let type_name = match p.get("Type") {
        Some(t) => Some(
            command_type(t, Code::InvalidCommandTypeNotFound)?
                .api_name()
                .to_string(),
        ),
        None => None,
    };
    let name = common::bounded(
        p,
        "Name",
        limits::MAX_NAME_CHARS,
        Code::InvalidNameLengthLimitExceeded,
    )?;
    let description = common::bounded(
        p,
        "Description",
        limits::MAX_DESCRIPTION_CHARS,
        Code::InvalidDescriptionLengthLimitExceeded,
    )?;
    let filter = CommandFilter {
        region_id: region.to_string(),
        command_id: p.get("CommandId").map(String::from),
        type_name,
        name: name.map(String::from),
        description: description.map(String::from),
        resource_group_id: p.get("ResourceGroupId").map(String::from),
        tags: common::tag_filter(p)?,
    };
    let paging = common::paging(p, &PAGING_50)?;
    // The emulator has no public (Provider) commands: asking for them lists nothing.
    let mut page = store::list(ctx.db, &filter, paging.request, Some(ctx.counts))?;
    if p.get("Provider").is_some() {
        page.items.clear();
        page.total = 0;
        page.next_seq = None;
    }
    let ids: Vec<String> = page.items.iter().map(|c| c.command_id.clone()).collect();
    let mut all_tags = tags::of_many(ctx.db, "command", &ids)?;
    let commands: Vec<Value> = page
        .items
        .iter()
        .map(|c| {
            let t = all_tags.remove(&c.command_id).unwrap_or_default();
            command_json(c, p, &t)
        })
        .collect();
    let mut f = Fields::new();
    common::paging_fields(&mut f, &paging, &page);
    f.insert("Commands".into(), json!({ "Command": commands }));
    Ok(f)
}

fn command_json(c: &CommandRow, p: &Params, tags: &[(String, String)]) -> Value {
    let names = if c.enable_parameter {
        c.parameter_names.clone()
    } else {
        Vec::new()
    };
    json!({
        "CommandId": c.command_id,
        "Name": c.name,
        "Description": c.description,
        "Type": c.type_name,
        "CommandContent": common::content_out(&c.content, p),
        "WorkingDir": c.working_dir,
        "Timeout": c.timeout,
        "EnableParameter": c.enable_parameter,
        "Launcher": c.launcher,
        "InvokeTimes": c.invoke_times,
        "CreationTime": c.creation_time,
        "ResourceGroupId": c.resource_group_id,
        "ParameterNames": { "ParameterName": names },
        "ParameterDefinitions": { "ParameterDefinition": [] },
        "Tags": common::tags_json(tags),
    })
}

/// The fields CreateCommand and ModifyCommand share, with their limits.
struct EditableFields<'a> {
    name: Option<&'a str>,
    description: Option<&'a str>,
    working_dir: Option<&'a str>,
    timeout: Option<i64>,
    launcher: Option<&'a str>,
}

impl<'a> EditableFields<'a> {
    fn read(p: &'a Params) -> Result<Self, ApiError> {
        Ok(Self {
            name: common::bounded(p, "Name", limits::MAX_NAME_CHARS, Code::CmdNameExceedLimit)?,
            description: common::bounded(
                p,
                "Description",
                limits::MAX_DESCRIPTION_CHARS,
                Code::CmdDescExceedLimit,
            )?,
            working_dir: common::working_dir(p)?,
            timeout: common::timeout(p)?,
            launcher: common::launcher(p)?,
        })
    }
}

pub fn command_type(name: &str, code: Code) -> Result<CommandType, ApiError> {
    CommandType::from_api_name(name).ok_or_else(|| {
        ApiError::new(
            code,
            format!(
                "The specified command type {name:?} does not exist; use RunShellScript, RunPythonScript, RunPerlScript, RunBatScript or RunPowerShellScript."
            ),
        )
    })
}

/// The `{{name}}` parameters of content with EnableParameter=true, checked.
pub fn parameter_names(text: &str) -> Result<Vec<String>, ApiError> {
    for ph in scan(text) {
        match ph.kind {
            PlaceholderKind::Empty => {
                return Err(ApiError::new(
                    Code::CmdParamEmptyKey,
                    format!(
                        "The command content has an empty parameter {} on line {}.",
                        ph.raw, ph.line
                    ),
                ));
            }
            PlaceholderKind::InvalidName(name) => {
                let only_long = name.len() > limits::MAX_PARAMETER_NAME_BYTES
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                let (code, why) = if only_long {
                    (
                        Code::CmdParamNameExceedLimit,
                        format!("is longer than {} bytes", limits::MAX_PARAMETER_NAME_BYTES),
                    )
                } else {
                    (
                        Code::CmdParamInvalidParamName,
                        "may use only letters, digits, `_` and `-`, and must not start with ACS::"
                            .to_string(),
                    )
                };
                return Err(ApiError::new(
                    code,
                    format!("The parameter name {name:?} on line {} {why}.", ph.line),
                ));
            }
            _ => {}
        }
    }
    let names = custom_parameter_names(text);
    if names.len() > limits::MAX_CUSTOM_PARAMETERS {
        return Err(ApiError::new(
            Code::CmdParamCountExceedLimit,
            format!(
                "The command content has {} custom parameters; at most {} are allowed.",
                names.len(),
                limits::MAX_CUSTOM_PARAMETERS
            ),
        ));
    }
    Ok(names)
}

pub fn existing(ctx: &Ctx<'_>, region: &str, id: &str) -> Result<CommandRow, ApiError> {
    store::get(ctx.db, region, id)?.ok_or_else(|| {
        ApiError::new(
            Code::InvalidCmdIdNotFound,
            format!("The specified CommandId {id:?} does not exist in {region}."),
        )
    })
}

pub fn check_quota(ctx: &Ctx<'_>, region: &str) -> Result<(), ApiError> {
    let count = store::count_in_region(ctx.db, region)?;
    if count as u64 >= ctx.config.command_quota {
        return Err(ApiError::new(
            Code::CmdCountExceedQuota,
            format!(
                "The number of commands in {region} has reached the quota of {}; delete commands or raise the quota.",
                ctx.config.command_quota
            ),
        ));
    }
    Ok(())
}

pub fn new_command_id(ctx: &Ctx<'_>, region: &str) -> Result<String, ApiError> {
    loop {
        let id = ctx.ids.resource("c", region);
        if !store::exists_anywhere(ctx.db, &id)? {
            return Ok(id);
        }
    }
}
