//! When a task runs: RepeatMode and Frequency, and the first fire time of a Period task.

use chrono::Utc;

use crate::domain::repeat::RepeatMode;
use crate::domain::schedule::{Frequency, Zone};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::inventory::Instance;
use crate::emulator::service::{Ctx, common};
use crate::emulator::wire::Params;

/// The API's `RepeatMode` value that validates a call without creating a task.
const DRY_RUN: &str = "DryRun";

/// RepeatMode and Frequency as a call gives them.
pub struct Schedule {
    pub repeat_mode: RepeatMode,
    /// `RepeatMode=DryRun`: the call is only validated.
    pub dry_run: bool,
    pub frequency: Option<Frequency>,
}

/// RepeatMode and Frequency: any Frequency forces Period; Period needs a Frequency.
pub fn read(p: &Params, timeout: i64, ctx: &Ctx<'_>) -> Result<Schedule, ApiError> {
    let (repeat_mode, dry_run) = match p.get("RepeatMode") {
        None => (RepeatMode::Once, false),
        Some(m) if m.eq_ignore_ascii_case(DRY_RUN) => (RepeatMode::Once, true),
        Some(m) => (
            RepeatMode::from_api(m).ok_or_else(|| {
                ApiError::new(
                    Code::InvalidRepeatModeNotFound,
                    format!("The specified RepeatMode {m:?} does not exist; use Once, Period, NextRebootOnly, EveryReboot or DryRun."),
                )
            })?,
            false,
        ),
    };
    let Some(raw) = p.get("Frequency") else {
        if repeat_mode == RepeatMode::Period {
            return Err(ApiError::new(
                Code::MissingParamFrequency,
                "RepeatMode=Period needs a Frequency (rate(...), at(...) or a cron expression).",
            ));
        }
        return Ok(Schedule {
            repeat_mode,
            dry_run,
            frequency: None,
        });
    };
    let f = parse_frequency(raw, timeout, ctx, Code::InvalidParamFrequency)?;
    Ok(Schedule {
        repeat_mode: RepeatMode::Period,
        dry_run,
        frequency: Some(f),
    })
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
