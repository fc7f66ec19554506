//! The targets of a task: `InstanceId.N` or `ResourceTag.N` resolved to instances, and every
//! one checked the way the service checks it (`domain::eligibility`). One unsuitable target
//! fails the whole call with `InvalidInstance.NotMatch`, its message naming the
//! per-instance ErrorCode the run would have had.

use std::collections::HashSet;

use crate::domain::command_type::CommandType;
use crate::domain::eligibility::{self, Cause, Feature, Ineligible, InstanceFacts, Needs};
use crate::domain::limits;
use crate::domain::params::{PlaceholderKind, scan};
use crate::domain::schedule::Frequency;
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::inventory::Instance;
use crate::emulator::service::Ctx;
use crate::emulator::service::common::{self, RESOURCE_TAGS};
use crate::emulator::store::instances as instance_state;
use crate::emulator::wire::Params;

/// `InstanceId.N` or `ResourceTag.N`, exactly one of them.
pub fn select<'a>(p: &Params, region: &str, ctx: &Ctx<'a>) -> Result<Vec<&'a Instance>, ApiError> {
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
            let mut found: Vec<&Instance> = Vec::new();
            for i in ctx.inventory.in_region(region) {
                if instance_state::has_tags(ctx.db, i, &by_tag)? {
                    found.push(i);
                }
            }
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

/// What the targets' agents must support to run `ty` with this content and schedule. The
/// built-ins count only with parameters enabled (otherwise `{{...}}` is plain text), in the
/// order the content uses them.
pub fn needs(
    ty: CommandType,
    content: &str,
    enable_parameter: bool,
    frequency: Option<&Frequency>,
    container: bool,
) -> Needs {
    let builtins = if enable_parameter {
        scan(content)
            .into_iter()
            .filter_map(|ph| match ph.kind {
                PlaceholderKind::Builtin(b) => Some(b.name().to_string()),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    Needs {
        os: ty.os().as_str().to_string(),
        builtins,
        new_schedule: frequency.is_some_and(Frequency::needs_new_agent),
        container,
    }
}

/// Every target must suit the task; one unsuitable target fails the whole call.
pub fn check_all(
    ctx: &Ctx<'_>,
    targets: &[&Instance],
    ty: CommandType,
    needs: &Needs,
) -> Result<(), ApiError> {
    for t in targets {
        if let Err(e) = eligibility::check(&facts(ctx, t)?, needs) {
            return Err(refusal(t, ty, &e));
        }
    }
    Ok(())
}

/// What eligibility needs to know of `t`, with its status as it is now: an instance stopped
/// through StopInstance (or by a script's power-off) is refused exactly like one stopped in
/// the inventory.
pub fn facts(ctx: &Ctx<'_>, t: &Instance) -> Result<InstanceFacts, ApiError> {
    Ok(InstanceFacts {
        os: Some(t.os),
        status: instance_state::current(ctx.db, t)?.status,
        agent_online: t.agent_online,
        managed: t.managed,
        agent_version: Some(t.agent_version.clone()),
    })
}

/// The answer for a refused target. The emulator's own words (they name the command type and
/// the Cloud Assistant agent) rather than the plan's, with the per-instance code in
/// parentheses, as clients and tests match on it.
fn refusal(t: &Instance, ty: CommandType, e: &Ineligible) -> ApiError {
    let code = e.code;
    let why = match &e.cause {
        Cause::OsMismatch { instance, .. } => format!(
            "it runs {instance}, and {} needs {} ({code})",
            ty.api_name(),
            ty.os()
        ),
        Cause::NotRunning { status } => format!("it is {status} ({code})"),
        Cause::AgentOffline { .. } | Cause::NoAgentVersion => {
            format!("its Cloud Assistant agent is not running ({code})")
        }
        Cause::AgentTooOld { feature, min, have } => {
            let what = match feature {
                Feature::NewSchedule => "a rate, at, year or time-zone schedule".to_string(),
                other => other.to_string(),
            };
            format!("{what} needs Cloud Assistant agent {min} or later and it has {have} ({code})")
        }
        Cause::ContainerNotOnLinux => "containers are supported on Linux only".to_string(),
    };
    ApiError::new(
        Code::InvalidInstanceNotMatch,
        format!("The instance {} cannot run this task: {why}.", t.id),
    )
}
