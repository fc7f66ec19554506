//! Writing what the agent did: a run's end, the next run of a repeating task, the task's
//! overall status, and what a previous process left unfinished.

use chrono::{DateTime, Utc};

use super::{Inner, parse_time, timer};
use crate::domain::error_codes::InstanceErrorCode;
use crate::domain::repeat::RepeatMode;
use crate::domain::status::TargetStatus;
use crate::emulator::inventory::Instance;
use crate::emulator::service::common::fmt_time;
use crate::emulator::service::status;
use crate::emulator::store::invocations::{self as tasks, InvocationRow};
use crate::emulator::store::runs::{self, RunEnd, RunKey};

/// The overall status of a task follows its targets'.
pub(super) fn refresh_task(db: &rusqlite::Connection, invoke_id: &str) -> rusqlite::Result<()> {
    let targets = tasks::instances_of(db, &[invoke_id.to_string()])?
        .remove(invoke_id)
        .unwrap_or_default();
    tasks::set_status(
        db,
        invoke_id,
        status::overall(targets.iter().map(|t| t.status.as_str())),
    )
}

/// Writes how a run ended, what its target shows now and the next run of a repeating
/// task, then the task's overall status.
pub(super) fn record_end(
    db: &rusqlite::Connection,
    key: &RunKey,
    task: &InvocationRow,
    instance_zone: &str,
    end: &RunEnd,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let stopped = matches!(
        TargetStatus::from_api(&end.status),
        Some(TargetStatus::Terminated | TargetStatus::Cancelled)
    );
    let scheduled = TargetStatus::Scheduled.api_name();
    let target_status = match RepeatMode::from_api(&task.repeat_mode) {
        Some(RepeatMode::Period) if !stopped => match parse_time(&task.creation_time)
            .and_then(|created| timer::next_after(&task.frequency, created, now, instance_zone))
        {
            Some(next) => {
                runs::schedule_next(db, key, scheduled, "schedule", Some(&fmt_time(next)))?;
                scheduled.to_string()
            }
            None => end.status.clone(),
        },
        Some(RepeatMode::EveryReboot) if !stopped => {
            let pending = TargetStatus::Pending.api_name();
            runs::schedule_next(db, key, pending, "boot", None)?;
            scheduled.to_string()
        }
        _ => end.status.clone(),
    };
    runs::finish(db, key, end, &target_status, &fmt_time(now))?;
    refresh_task(db, &key.invoke_id)
}

/// What a previous process left `Running` or `Stopping` did not finish here.
pub(super) fn recover(inner: &Inner) -> rusqlite::Result<()> {
    let now = inner.state.clock.now();
    let mut store = inner.state.store.lock().unwrap_or_else(|e| e.into_inner());
    let tx = store.conn().transaction()?;
    for status in [TargetStatus::Running, TargetStatus::Stopping] {
        let stopping = status == TargetStatus::Stopping;
        for r in runs::in_status(&tx, status.api_name())? {
            let Some(task) = tasks::get_any(&tx, &r.invoke_id)? else {
                continue;
            };
            let end = RunEnd {
                status: if stopping {
                    TargetStatus::Terminated
                } else {
                    TargetStatus::Error
                }
                .api_name()
                .into(),
                error_code: if stopping {
                    ""
                } else {
                    InstanceErrorCode::ExecutionInterrupted.api_name()
                }
                .into(),
                error_info: if stopping {
                    String::new()
                } else {
                    "the command execution has been interrupted (the local emulator stopped while it ran)".into()
                },
                start_time: r.start_time.clone(),
                finish_time: Some(fmt_time(now)),
                ..RunEnd::default()
            };
            let zone = zone_of(inner, &r.instance_id);
            record_end(&tx, &RunKey::of(&r), &task, &zone, &end, now)?;
        }
    }
    tx.commit()?;
    inner.state.counts.bump();
    Ok(())
}

/// Cron without its own zone runs in the instance's zone.
pub(super) fn instance_zone(i: &Instance) -> String {
    i.time_zone.clone()
}

fn zone_of(inner: &Inner, instance_id: &str) -> String {
    inner
        .instance(instance_id)
        .map(|i| instance_zone(&i))
        .unwrap_or_else(|| "UTC".into())
}
