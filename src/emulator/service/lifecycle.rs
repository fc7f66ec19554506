//! StopInstance, StartInstance and RebootInstance: the ECS operations that change an
//! instance's power state, and with it what Cloud Assistant can do on it.
//!
//! Confirmed against the official Python SDK (`alibabacloud-ecs20140526` 7.11 request
//! models) and the ECS API reference of each operation:
//! - Parameters: `InstanceId` (required) and `DryRun` on all three; `ForceStop` on Stop and
//!   Reboot; `StoppedMode` (`StopCharging` | `KeepCharging`; the doc's sample request writes
//!   `keepcharging`, so it is matched case-insensitively), `ConfirmStop` (kept for I1
//!   local-disk instances only) and `Hibernate` (invitational preview) on Stop;
//!   `InitLocalDisk` (local-disk instance families) on Start. None takes `RegionId`: the
//!   region is the endpoint's. The emulator serves every region at one endpoint, so the
//!   instance is found by its id alone and a `RegionId` sent anyway is ignored (what ECS does
//!   with an undeclared RegionId is unconfirmed).
//! - Answer: `{RequestId}` only.
//! - Rules: Stop only from `Running`, Start only from `Stopped`, Reboot only from `Running`;
//!   anything else is 403 `IncorrectInstanceStatus`. An unknown id is 404
//!   `InvalidInstanceId.NotFound` (RebootInstance's error table; ECS answers it for every
//!   operation on an instance id it does not know). `DryRun=true` checks everything and
//!   answers 400 `DryRunOperation` without changing anything.
//!
//! Managed instances (`mi-…`) are not ECS instances: ECS does not know their ids, so these
//! operations answer `InvalidInstanceId.NotFound` for them.
//!
//! The flags that only matter to a real hypervisor or to billing (`ForceStop`,
//! `StoppedMode`, `ConfirmStop`, `Hibernate`, `InitLocalDisk`) are checked for their shape
//! and have no further effect.
//!
//! On ECS the transitions take a while (Running -> Stopping -> Stopped, Stopped -> Starting
//! -> Running). Here they complete within the call: the instance is `Stopped` or `Running`
//! when the answer is sent, and DescribeInstances shows it right away. A boot (Start, Reboot)
//! releases the runs waiting for it (NextRebootOnly, EveryReboot).

use super::common;
use super::{Ctx, Fields};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::inventory::Instance;
use crate::emulator::store::instances::{self as state, RUNNING, STOPPED};
use crate::emulator::wire::Params;

/// The operations of this file; they take no RegionId.
pub const ACTIONS: &[&str] = &["StopInstance", "StartInstance", "RebootInstance"];

pub fn run(action: &str, p: &Params, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    match action {
        "StopInstance" => stop(p, ctx),
        "StartInstance" => start(p, ctx),
        "RebootInstance" => reboot(p, ctx),
        other => Err(ApiError::internal(format!(
            "{other} is not a lifecycle operation"
        ))),
    }
}

pub fn stop(p: &Params, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let dry_run = dry_run(p)?;
    p.bool("ForceStop")?;
    p.bool("ConfirmStop")?;
    p.bool("Hibernate")?;
    if let Some(mode) = p.get("StoppedMode")
        && !["StopCharging", "KeepCharging"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(mode))
    {
        return Err(ApiError::invalid(
            "StoppedMode",
            format!("{mode:?} is not StopCharging or KeepCharging"),
        ));
    }
    let instance = ecs_instance(p, ctx)?;
    expect_status(ctx, instance, "StopInstance", RUNNING)?;
    stop_if_dry_run(dry_run)?;
    state::set_status(ctx.db, &instance.id, STOPPED, &common::fmt_time(ctx.now))?;
    Ok(Fields::new())
}

pub fn start(p: &Params, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let dry_run = dry_run(p)?;
    p.bool("InitLocalDisk")?;
    let instance = ecs_instance(p, ctx)?;
    expect_status(ctx, instance, "StartInstance", STOPPED)?;
    stop_if_dry_run(dry_run)?;
    state::boot(ctx.db, &instance.id, &common::fmt_time(ctx.now))?;
    Ok(Fields::new())
}

pub fn reboot(p: &Params, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let dry_run = dry_run(p)?;
    p.bool("ForceStop")?;
    let instance = ecs_instance(p, ctx)?;
    expect_status(ctx, instance, "RebootInstance", RUNNING)?;
    stop_if_dry_run(dry_run)?;
    state::boot(ctx.db, &instance.id, &common::fmt_time(ctx.now))?;
    Ok(Fields::new())
}

/// The ECS instance named by `InstanceId`, in any region of the account.
fn ecs_instance<'a>(p: &Params, ctx: &Ctx<'a>) -> Result<&'a Instance, ApiError> {
    let id = p.required("InstanceId")?;
    ctx.inventory
        .instances
        .iter()
        .find(|i| !i.managed && i.id == id)
        .ok_or_else(|| {
            ApiError::new(
                Code::InvalidInstanceIdNotFound,
                format!("The specified InstanceId does not exist: {id:?}."),
            )
        })
}

fn expect_status(
    ctx: &Ctx<'_>,
    instance: &Instance,
    action: &str,
    needed: &str,
) -> Result<(), ApiError> {
    let now = state::current(ctx.db, instance)?;
    if now.status != needed {
        return Err(ApiError::new(
            Code::IncorrectInstanceStatus,
            format!(
                "The current status of the resource does not support this operation: {} is {} and {action} needs {needed}.",
                instance.id, now.status
            ),
        ));
    }
    Ok(())
}

fn dry_run(p: &Params) -> Result<bool, ApiError> {
    Ok(p.bool("DryRun")?.unwrap_or(false))
}

/// After every check passed: a dry run ends here, before anything changes.
fn stop_if_dry_run(dry_run: bool) -> Result<(), ApiError> {
    if dry_run {
        return Err(ApiError::new(
            Code::DryRunOperation,
            "Request validation has been passed with DryRun flag set.",
        ));
    }
    Ok(())
}
