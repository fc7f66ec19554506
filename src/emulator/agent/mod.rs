//! The emulator's Cloud Assistant agent: it really runs the scripts of the tasks the API
//! records, one sandbox per simulated Linux instance, and reports what happened through the
//! same tables the API answers from. It follows the open-source agent
//! (aliyun_assist_client, `agent/taskengine/`); where that and the API documentation differ,
//! the module that decides says which it follows.
//!
//! Every tick it:
//! 1. kills the runs StopInvocation asked to stop (their rows are `Stopping`);
//! 2. starts the runs that are due (`runs.due_time` has come on the emulator's clock: an
//!    invoke, a schedule's fire, or a boot), at most `max_concurrent_runs` at a time (the
//!    rest wait, as the agent's task pool queues them), on instances that are running with
//!    their agent online. A fire that comes while the previous run of the same task on the
//!    same instance still goes is dropped, as the agent drops it; a schedule's fire more than
//!    a few seconds late (the emulator was down, or the clock was advanced past it) is
//!    dropped too, never replayed.
//!
//! A run ends as the process ends ([`process`]), and its result, the next run of a repeating
//! task ([`timer`]) and the task's overall status are written in one transaction.
//! Stopping the emulator kills what runs and records it as interrupted; a restart finds no run
//! left `Running` (what a crash left is recorded as interrupted at start).

pub mod outcome;
mod prepare;
pub mod process;
mod record;
pub mod sandbox;
pub mod script;
pub mod timer;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, Semaphore, watch};

use self::prepare::prepare;
use self::process::Cancel;
use self::record::{instance_zone, record_end, recover, refresh_task};
use self::sandbox::Mode;
use crate::domain::error_codes::InstanceErrorCode;
use crate::domain::status::TargetStatus;
use crate::emulator::inventory::Instance;
use crate::emulator::service::common::fmt_time;
use crate::emulator::state::AppState;
use crate::emulator::store::instances;
use crate::emulator::store::invocations::{self as tasks, InvocationRow, RunRow};
use crate::emulator::store::runs::{self, RunEnd, RunKey};

/// How the agent runs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub mode: Mode,
    /// Each instance's own files: `<instances_dir>/<instance id>/`.
    pub instances_dir: PathBuf,
    /// Runs at the same time, all instances together.
    pub max_concurrent_runs: usize,
    /// How often due runs are looked for (real time).
    pub tick: Duration,
    /// Start nothing (see `AgentOptions::hold_runs`).
    pub hold_runs: bool,
}

impl AgentConfig {
    pub fn new(mode: Mode, instances_dir: PathBuf) -> AgentConfig {
        AgentConfig {
            mode,
            instances_dir,
            max_concurrent_runs: 64,
            tick: Duration::from_millis(100),
            hold_runs: false,
        }
    }
}

/// A run that is not started when the instance is not reachable within this long is
/// Aborted (the API: "not delivered within about 1 min").
const DELIVERY_TIMEOUT_SECS: i64 = 60;

pub(super) struct Inner {
    state: Arc<AppState>,
    config: AgentConfig,
    running: Mutex<HashMap<RunKey, watch::Sender<Option<Cancel>>>>,
    permits: Arc<Semaphore>,
    stopping: AtomicBool,
    wake: Notify,
    idle: Notify,
}

/// The running agent.
pub struct Agent {
    inner: Arc<Inner>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Agent {
    /// Records what a previous process left running as interrupted, then starts ticking.
    pub fn start(state: Arc<AppState>, config: AgentConfig) -> Agent {
        let inner = Arc::new(Inner {
            permits: Arc::new(Semaphore::new(config.max_concurrent_runs.max(1))),
            state,
            config,
            running: Mutex::new(HashMap::new()),
            stopping: AtomicBool::new(false),
            wake: Notify::new(),
            idle: Notify::new(),
        });
        if let Err(e) = recover(&inner) {
            tracing::error!(error = %e, "agent: could not record the runs a previous emulator left running");
        }
        let looping = inner.clone();
        let task = tokio::spawn(async move {
            while !looping.stopping.load(Ordering::SeqCst) {
                let l = looping.clone();
                let mut pause = looping.config.tick;
                match tokio::task::spawn_blocking(move || tick(&l)).await {
                    Ok(Ok((launches, next_due))) => {
                        // Sleep to the next due run when it comes before the next tick, so a
                        // run starts at its due time even on a fast (scaled) clock.
                        // (A run already due that could not start waits for the next tick.)
                        let now = looping.state.clock.now();
                        if let Some(next) = next_due.filter(|n| *n > now) {
                            let wait = looping.state.clock.real_for(next - now);
                            pause = pause.min(wait).max(Duration::from_millis(2));
                        }
                        for (key, task, instance, cancel, permit) in launches {
                            let inner = looping.clone();
                            tokio::spawn(async move {
                                execute(&inner, &key, &task, &instance, cancel).await;
                                drop(permit);
                                inner.running_done(&key);
                            });
                        }
                    }
                    Ok(Err(e)) => tracing::error!(error = %e, "agent tick failed"),
                    Err(e) => tracing::error!(error = %e, "agent tick panicked"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = looping.wake.notified() => {}
                }
            }
        });
        Agent {
            inner,
            task: Some(task),
        }
    }

    /// Waits until nothing runs and nothing is due now (the runs an apply just invoked have
    /// finished), or `limit` passes. Schedules in the future are not waited for.
    pub async fn drain(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let busy = !self
                .inner
                .running
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty();
            let due = {
                let inner = self.inner.clone();
                tokio::task::spawn_blocking(move || {
                    let now = fmt_time(inner.state.clock.now());
                    let mut store = inner.state.store.lock().unwrap_or_else(|e| e.into_inner());
                    runs::due(store.conn(), &now, 1).map(|r| !r.is_empty())
                })
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or(false)
            };
            if (!busy && !due) || tokio::time::Instant::now() >= deadline {
                return;
            }
            tokio::select! {
                _ = self.inner.idle.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    }

    /// Stops starting runs, kills the running ones (recorded as interrupted) and waits for
    /// their records to be written.
    pub async fn shutdown(mut self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.wake.notify_one();
        for tx in self
            .inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            let _ = tx.send(Some(Cancel::Shutdown));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !self
            .inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
            && tokio::time::Instant::now() < deadline
        {
            tokio::select! {
                _ = self.inner.idle.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Inner {
    fn running_done(&self, key: &RunKey) {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        self.idle.notify_waiters();
    }

    fn instance(&self, id: &str) -> Option<Instance> {
        self.state
            .inventory
            .instances
            .iter()
            .find(|i| i.id == id)
            .cloned()
    }
}

type LaunchItem = (
    RunKey,
    InvocationRow,
    Instance,
    watch::Receiver<Option<Cancel>>,
    tokio::sync::OwnedSemaphorePermit,
);

pub(super) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// One look at the runs: stops, then due runs claimed for launching.
fn tick(inner: &Arc<Inner>) -> rusqlite::Result<(Vec<LaunchItem>, Option<DateTime<Utc>>)> {
    let now = inner.state.clock.now();
    let now_s = fmt_time(now);
    let mut launches = Vec::new();
    let mut store = inner.state.store.lock().unwrap_or_else(|e| e.into_inner());
    let tx = store.conn().transaction()?;
    let mut changed = false;
    for r in runs::in_status(&tx, TargetStatus::Stopping.api_name())? {
        let key = RunKey::of(&r);
        let sender = inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        match sender {
            Some(tx) => {
                let _ = tx.send(Some(Cancel::Stop));
            }
            None => {
                // Not running here: it never started, or a previous process ran it.
                if let Some(task) = tasks::get_any(&tx, &r.invoke_id)? {
                    let end = RunEnd {
                        status: if r.start_time.is_some() {
                            TargetStatus::Terminated
                        } else {
                            TargetStatus::Cancelled
                        }
                        .api_name()
                        .into(),
                        start_time: r.start_time.clone(),
                        stop_time: Some(now_s.clone()),
                        ..RunEnd::default()
                    };
                    record_end(&tx, &key, &task, "UTC", &end, now)?;
                    changed = true;
                }
            }
        }
    }
    // A script on an instance that stopped (StopInstance) dies with it.
    let running: Vec<(RunKey, watch::Sender<Option<Cancel>>)> = inner
        .running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, sender) in running {
        if let Some(instance) = inner.instance(&key.instance_id)
            && !instances::reachable(&tx, &instance)?
        {
            let _ = sender.send(Some(Cancel::Shutdown));
        }
    }
    let limit = if inner.config.hold_runs {
        0
    } else {
        (inner.config.max_concurrent_runs * 4) as i64
    };
    for r in runs::due(&tx, &now_s, limit)? {
        if inner.stopping.load(Ordering::SeqCst) {
            break;
        }
        let key = RunKey::of(&r);
        if inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&key)
        {
            continue;
        }
        let Some(task) = tasks::get_any(&tx, &r.invoke_id)? else {
            continue;
        };
        changed |= decide(inner, &tx, &r, &key, &task, now, &mut launches)?;
    }
    let next_due = runs::next_due(&tx)?.as_deref().and_then(parse_time);
    tx.commit()?;
    if changed {
        inner.state.counts.bump();
    }
    Ok((launches, next_due.filter(|_| !inner.config.hold_runs)))
}

/// What happens to one due run now. Returns whether anything was written.
fn decide(
    inner: &Arc<Inner>,
    db: &rusqlite::Connection,
    r: &RunRow,
    key: &RunKey,
    task: &InvocationRow,
    now: DateTime<Utc>,
    launches: &mut Vec<LaunchItem>,
) -> rusqlite::Result<bool> {
    let due = r.due_time.as_deref().and_then(parse_time).unwrap_or(now);
    let late = (now - due).num_seconds();
    let scheduled = r.trigger == "schedule";
    let Some(instance) = inner.instance(&r.instance_id) else {
        let end = outcome::not_started(
            TargetStatus::Aborted,
            Some(InstanceErrorCode::InstanceNotExists),
            "the specified instance does not exists",
            now,
        );
        record_end(db, key, task, "UTC", &end, now)?;
        return Ok(true);
    };
    let zone = instance_zone(&instance);
    let skip_fire = |db: &rusqlite::Connection| -> rusqlite::Result<bool> {
        match parse_time(&task.creation_time)
            .and_then(|c| timer::next_after(&task.frequency, c, now, &zone))
        {
            Some(next) => runs::defer(db, key, &fmt_time(next))?,
            None => {
                let end = outcome::not_started(TargetStatus::Cancelled, None, "", now);
                record_end(db, key, task, &zone, &end, now)?;
            }
        }
        Ok(true)
    };
    if !instances::reachable(db, &instance)? {
        if scheduled {
            return skip_fire(db);
        }
        if late > DELIVERY_TIMEOUT_SECS {
            let (code, info) = if instances::current(db, &instance)?.status != instances::RUNNING {
                (
                    InstanceErrorCode::InstanceNotRunning,
                    "the instance is not running",
                )
            } else {
                (
                    InstanceErrorCode::ClientNotRunning,
                    "the aliyun service is not running on the instance",
                )
            };
            record_end(
                db,
                key,
                task,
                &zone,
                &outcome::not_started(TargetStatus::Aborted, Some(code), info, now),
                now,
            )?;
            return Ok(true);
        }
        return Ok(false);
    }
    // A fire the agent would have seen long ago was missed (the emulator was down, or the
    // clock jumped): dropped, not replayed.
    // A second of real time (a busy machine may delay a tick that long) or five seconds.
    let tolerance = inner.state.clock.scale().max(5.0);
    if scheduled && late as f64 > tolerance {
        return skip_fire(db);
    }
    let picked_up = inner
        .running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .keys()
        .any(|k| k.invoke_id == key.invoke_id && k.instance_id == key.instance_id);
    if picked_up || runs::busy(db, key)? {
        if scheduled {
            return skip_fire(db);
        }
        return Ok(false);
    }
    let Ok(permit) = inner.permits.clone().try_acquire_owned() else {
        return Ok(false);
    };
    // Picked up: it shows Running when its process starts (execute), as the agent reports
    // a start; until then StopInvocation still cancels it.
    let (tx, rx) = watch::channel(None);
    inner
        .running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key.clone(), tx);
    launches.push((key.clone(), task.clone(), instance, rx, permit));
    Ok(true)
}

/// Runs one claimed run to its end and records it.
async fn execute(
    inner: &Arc<Inner>,
    key: &RunKey,
    task: &InvocationRow,
    instance: &Instance,
    cancel: watch::Receiver<Option<Cancel>>,
) {
    let end = match prepare(inner, key, task, instance).await {
        Err(end) => *end,
        Ok(cmd) => {
            let started = inner.state.clock.now();
            let (i2, k2) = (inner.clone(), key.clone());
            let may_start = tokio::task::spawn_blocking(move || -> rusqlite::Result<bool> {
                let mut store = i2.state.store.lock().unwrap_or_else(|e| e.into_inner());
                let tx = store.conn().transaction()?;
                let started = runs::start(&tx, &k2, &fmt_time(started))?;
                if started {
                    refresh_task(&tx, &k2.invoke_id)?;
                }
                tx.commit()?;
                i2.state.counts.bump();
                Ok(started)
            })
            .await;
            match may_start {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => return,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, run = ?key, "agent: could not start a run");
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, run = ?key, "agent: starting a run panicked");
                    return;
                }
            }
            let timeout = Duration::from_secs(u64::try_from(task.timeout).unwrap_or(60).max(1));
            let ran = process::run(cmd, timeout, cancel).await;
            outcome::of(&ran, started, inner.state.clock.now(), task.timeout)
        }
    };
    let exit_code = end.exit_code;
    let finished = inner.state.clock.now();
    let zone = instance_zone(instance);
    let (i2, k2, t2) = (inner.clone(), key.clone(), task.clone());
    let written = tokio::task::spawn_blocking(move || -> rusqlite::Result<()> {
        let mut store = i2.state.store.lock().unwrap_or_else(|e| e.into_inner());
        let tx = store.conn().transaction()?;
        record_end(&tx, &k2, &t2, &zone, &end, finished)?;
        tx.commit()?;
        i2.state.counts.bump();
        Ok(())
    })
    .await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, run = ?key, "agent: could not record a run"),
        Err(e) => tracing::error!(error = %e, run = ?key, "agent: recording a run panicked"),
    }
    if let Some(code) = exit_code
        && (code == POWER_OFF || code == REBOOT)
    {
        let (i2, id) = (inner.clone(), instance.id.clone());
        let done = tokio::task::spawn_blocking(move || power(&i2, &id, code)).await;
        if let Ok(Err(e)) = done {
            tracing::error!(error = %e, instance = %instance.id, "agent: exit code {code} could not change the instance");
        }
    }
}

/// Exit codes that power the instance off or reboot it after the task (Linux; Windows
/// uses 3009 and 3010, and the emulator runs no Windows scripts).
const POWER_OFF: i64 = 193;
const REBOOT: i64 = 194;

/// Powers the instance off or reboots it after a run that exited 193 or 194, as the agent
/// does (`host/processor_unix.go: SideEffect`, `shutdown -h now` / `shutdown -r now`): the
/// run's result is reported first, with its exit code as it is. A reboot releases the runs
/// waiting for a boot, as RebootInstance does.
fn power(inner: &Inner, instance_id: &str, code: i64) -> rusqlite::Result<()> {
    let now = fmt_time(inner.state.clock.now());
    let mut store = inner.state.store.lock().unwrap_or_else(|e| e.into_inner());
    let tx = store.conn().transaction()?;
    if code == POWER_OFF {
        instances::power_off(&tx, instance_id, &now)?;
    } else {
        instances::reboot(&tx, instance_id, &now)?;
    }
    tx.commit()?;
    inner.state.counts.bump();
    inner.wake.notify_one();
    Ok(())
}
