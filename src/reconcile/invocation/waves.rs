//! Apply's side of a rollout: invoke a wave, wait for its runs by polling the tasks
//! (DescribeInvocations per task, backing off to one look every 10 s, within the client's
//! rate limit), count the failed ones against the budget, and go on or halt. Only the
//! plan's tasks are invoked, each with its ClientToken and wave tag, so a killed apply
//! leaves nothing a later plan cannot read.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;

use crate::cloud::Client;
use crate::cloud::ops::Tag;
use crate::cloud::ops::invocations::{DescribeInvocationsRequest, StopInvocationRequest};
use crate::cloud::ops::tags::TagResourcesRequest;
use crate::domain::limits::MAX_TAG_RESOURCE_IDS;
use crate::domain::rollout::wave_tag;
use crate::domain::status::TargetStatus;
use crate::reconcile::execution::{Note, Settings};
use crate::reconcile::ownership::TAG_WAVE;
use crate::redact::redact;

use super::apply::{CommandIds, TaskFailure, TaskOutcome, api_failure, invoke, outcome};
use super::change::{InvocationPlan, RolloutState, TaskAction, TaskChange};
use super::live;
use super::rollout::count;

/// Lines of output shown per failed run.
const OUTPUT_LINES: usize = 5;
const FIRST_POLL: Duration = Duration::from_secs(1);
const MAX_POLL: Duration = Duration::from_secs(10);

/// What became of one document's rollout in this apply.
#[derive(Debug, Clone)]
pub struct RolloutOutcome {
    pub region: String,
    pub name: String,
    /// Why the rollout is halted, when it is.
    pub halted: Option<String>,
    /// The failed runs of the wave it halted at, with what they said.
    pub failed: Vec<FailedDetail>,
    /// `--no-wait`, an interrupt, or a wave still running: what is left for the next apply.
    pub left: Option<String>,
    pub applied: Vec<TaskOutcome>,
    pub failures: Vec<TaskFailure>,
}

#[derive(Debug, Clone)]
pub struct FailedDetail {
    pub instance_id: String,
    pub task: String,
    pub status: String,
    pub exit_code: Option<i64>,
    pub error_code: String,
    pub error_info: String,
    /// The last lines the script printed (secrets redacted).
    pub output: Vec<String>,
}

/// Drives every rollout of the plan, the documents side by side.
pub async fn run_all(
    client: &Client,
    stack: &str,
    invocations: &[InvocationPlan],
    commands: &CommandIds,
    s: &Settings<'_>,
) -> Vec<RolloutOutcome> {
    let docs = invocations.iter().filter(|i| i.rollout.is_some());
    futures::future::join_all(docs.map(|i| drive(client, stack, i, commands, s))).await
}

async fn drive(
    client: &Client,
    stack: &str,
    i: &InvocationPlan,
    commands: &CommandIds,
    s: &Settings<'_>,
) -> RolloutOutcome {
    let r = i.rollout.as_ref().expect("only rollouts are driven");
    let mut out = RolloutOutcome {
        region: i.region.clone(),
        name: i.name.clone(),
        halted: None,
        failed: Vec::new(),
        left: None,
        applied: Vec::new(),
        failures: Vec::new(),
    };
    let label = |w: u32| wave_label(i, w);
    if let RolloutState::Halted { wave, reason, .. } = &r.state {
        out.halted = Some(format!("halted at wave {}: {reason}", wave + 1));
        return out;
    }
    // `apply --resume`: the halted wave's tasks record that its failures are accepted, all
    // in one TagResources call (at most 50 tasks each).
    let resumed: Vec<&TaskChange> = i
        .tasks
        .iter()
        .filter(|t| t.action == TaskAction::Modify && t.wave.is_some() && t.id.is_some())
        .collect();
    for chunk in resumed.chunks(MAX_TAG_RESOURCE_IDS) {
        let w = chunk[0].wave.unwrap_or_default();
        let ids: Vec<String> = chunk.iter().filter_map(|t| t.id.clone()).collect();
        let tagged = match client.with_region(&i.region) {
            Ok(c) => c
                .tag_resources(&TagResourcesRequest {
                    resource_type: "invocation".into(),
                    resource_ids: ids.clone(),
                    tags: vec![Tag::new(TAG_WAVE, wave_tag(w, true))],
                })
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = tagged {
            out.failures.push(api_failure(i, chunk[0], e, s.env));
            out.halted = Some("the resume could not be recorded on the tasks".into());
            return out;
        }
        for (t, id) in chunk.iter().zip(ids) {
            out.applied.push(outcome(i, t, id));
        }
    }
    let budget = r.budget;
    let running = match r.state {
        RolloutState::InProgress {
            wave,
            settled: false,
        } => Some(wave),
        _ => None,
    };
    let mut errors: usize = r
        .waves
        .iter()
        .filter(|w| w.counted && Some(w.wave) != running)
        .map(|w| w.failed)
        .sum();
    let mut waited_any = false;
    if let Some(w) = running {
        if !s.wait {
            out.left = Some(format!(
                "wave {} is still running; run apply again once it has ended to go on",
                w + 1
            ));
            return out;
        }
        let tasks: Vec<String> = i
            .tasks
            .iter()
            .filter(|t| t.wave == Some(w) && t.id.is_some())
            .filter_map(|t| t.id.clone())
            .collect();
        let started = r.waves[w as usize]
            .started
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
        (s.note)(Note::Line(&format!(
            "{}: waiting for the runs of a previous apply",
            label(w)
        )));
        if !wait_and_judge(
            client,
            i,
            w,
            &tasks,
            started,
            &mut errors,
            budget,
            s,
            &mut out,
        )
        .await
        {
            return out;
        }
        waited_any = true;
    }
    let mut waves: BTreeMap<u32, Vec<&TaskChange>> = BTreeMap::new();
    for t in i.tasks.iter().filter(|t| t.action == TaskAction::Invoke) {
        if let Some(w) = t.wave {
            waves.entry(w).or_default().push(t);
        }
    }
    for (w, tasks) in waves {
        if s.interrupt.is_set() {
            out.left = Some(format!(
                "wave {} was not started (apply was interrupted)",
                w + 1
            ));
            return out;
        }
        if r.policy.pause > 0 && (waited_any || w > 0) {
            (s.note)(Note::Line(&format!(
                "{}: pausing {}s before it starts",
                label(w),
                r.policy.pause
            )));
            if !sleep_unless_interrupted(Duration::from_secs(r.policy.pause), s).await {
                out.left = Some(format!(
                    "wave {} was not started (apply was interrupted)",
                    w + 1
                ));
                return out;
            }
        }
        let n: usize = tasks.iter().map(|t| t.instances.len()).sum();
        (s.note)(Note::Line(&format!("{}: invoking {}", label(w), count(n))));
        let started = Utc::now();
        let env = s.env;
        let results: Vec<(&TaskChange, Result<String, TaskFailure>)> = futures::stream::iter(tasks)
            .map(|t| async move { (t, invoke(client, stack, i, t, commands, env).await) })
            .buffer_unordered(s.parallelism.max(1))
            .collect()
            .await;
        let mut ids = Vec::new();
        for (t, res) in results {
            match res {
                Ok(id) => {
                    out.applied.push(outcome(i, t, id.clone()));
                    ids.push(id);
                }
                Err(f) => out.failures.push(f),
            }
        }
        if !out.failures.is_empty() {
            out.halted = Some(format!(
                "wave {} could not be invoked in full: see the errors",
                w + 1
            ));
            return out;
        }
        if !s.wait {
            out.left = Some(format!(
                "wave {} was invoked and not waited for (--no-wait); run apply again once it has ended to go on",
                w + 1
            ));
            return out;
        }
        if !wait_and_judge(
            client,
            i,
            w,
            &ids,
            started,
            &mut errors,
            budget,
            s,
            &mut out,
        )
        .await
        {
            return out;
        }
        waited_any = true;
    }
    out
}

/// Waits for wave `w` (tasks `ids`, invoked at `started`), adds its failed runs to
/// `errors`, and halts the rollout when they exceed `budget` or the wave passes its
/// timeout. Returns whether the rollout goes on.
#[allow(clippy::too_many_arguments)]
async fn wait_and_judge(
    client: &Client,
    i: &InvocationPlan,
    w: u32,
    ids: &[String],
    started: DateTime<Utc>,
    errors: &mut usize,
    budget: usize,
    s: &Settings<'_>,
    out: &mut RolloutOutcome,
) -> bool {
    let r = i.rollout.as_ref().expect("a rollout");
    let label = wave_label(i, w);
    let deadline = started + chrono::Duration::seconds(r.policy.wave_timeout as i64);
    let mut pause = FIRST_POLL;
    let runs = loop {
        let runs = match statuses(client, &i.region, ids, s.parallelism).await {
            Ok(runs) => runs,
            Err(e) => {
                out.halted = Some(format!(
                    "the runs of wave {} could not be read: {}",
                    w + 1,
                    redact(&e, s.env)
                ));
                return false;
            }
        };
        let ended = runs
            .iter()
            .filter(|(_, st)| st.is_some_and(TargetStatus::is_final))
            .count();
        let failed: Vec<&(String, Option<TargetStatus>)> = runs
            .iter()
            .filter(|(_, st)| st.is_some_and(|x| r.policy.wait_for.is_error(x)))
            .collect();
        (s.note)(Note::Status(&format!(
            "{label}: {ended}/{} ended, {} failed",
            runs.len(),
            failed.len()
        )));
        // A wave halts as soon as its failures spend the budget: later runs cannot undo them.
        if ended == runs.len() || *errors + failed.len() > budget {
            break runs;
        }
        if Utc::now() > deadline {
            let going = runs.len() - ended;
            let why = format!(
                "wave {} did not end within its waveTimeout of {}s: {} still running",
                w + 1,
                r.policy.wave_timeout,
                count(going)
            );
            halt(client, i, w, ids, &runs, why, s, out).await;
            return false;
        }
        if !sleep_unless_interrupted(pause, s).await {
            out.left = Some(format!(
                "apply was interrupted while wave {} ran; its runs go on, and the next apply waits for them",
                w + 1
            ));
            return false;
        }
        pause = (pause * 3 / 2).min(MAX_POLL);
    };
    let failed = runs
        .iter()
        .filter(|(_, st)| st.is_some_and(|x| r.policy.wait_for.is_error(x)))
        .count();
    let ok = runs
        .iter()
        .filter(|(_, st)| *st == Some(TargetStatus::Success))
        .count();
    let secs = (Utc::now() - started).num_milliseconds() as f64 / 1000.0;
    *errors += failed;
    (s.note)(Note::Line(&format!(
        "{label}: {ok} succeeded, {failed} failed of {} ({secs:.1}s); errors {}/{budget} allowed",
        runs.len(),
        *errors
    )));
    if *errors > budget {
        let why = format!("{} failed > maxErrors {budget}", *errors);
        halt(client, i, w, ids, &runs, why, s, out).await;
        return false;
    }
    true
}

/// Records the halt: stops what still runs in the wave when the policy says so, and reads
/// what each failed run said.
#[allow(clippy::too_many_arguments)]
async fn halt(
    client: &Client,
    i: &InvocationPlan,
    w: u32,
    ids: &[String],
    runs: &[(String, Option<TargetStatus>)],
    why: String,
    s: &Settings<'_>,
    out: &mut RolloutOutcome,
) {
    let r = i.rollout.as_ref().expect("a rollout");
    out.halted = Some(format!("halted at wave {}: {why}", w + 1));
    let going = runs
        .iter()
        .any(|(_, st)| !st.is_some_and(TargetStatus::is_final));
    if r.policy.stop_on_halt
        && going
        && let Ok(c) = client.with_region(&i.region)
    {
        for id in ids {
            if let Err(e) = c
                .stop_invocation(&StopInvocationRequest {
                    invoke_id: id.clone(),
                    instance_ids: Vec::new(),
                })
                .await
            {
                tracing::warn!("could not stop the runs of {id}: {e}");
            }
        }
    }
    for id in ids {
        let Ok(rows) = live::results(client, &i.region, id).await else {
            continue;
        };
        for row in rows {
            let Some(st) = TargetStatus::from_api(&row.invocation_status) else {
                continue;
            };
            if !r.policy.wait_for.is_error(st) {
                continue;
            }
            let text = redact(&row.output, s.env);
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(OUTPUT_LINES)..]
                .iter()
                .map(|l| l.to_string())
                .collect();
            out.failed.push(FailedDetail {
                instance_id: row.instance_id,
                task: id.clone(),
                status: st.api_name().to_string(),
                // A run that never started has no exit code to show.
                exit_code: (!row.start_time.is_empty()).then_some(row.exit_code),
                error_code: row.error_code,
                error_info: redact(&row.error_info, s.env),
                output: tail,
            });
        }
    }
    out.failed.sort_by(|a, b| a.instance_id.cmp(&b.instance_id));
}

/// Each instance of some tasks with its run's status.
type Runs = Vec<(String, Option<TargetStatus>)>;

/// Each instance of the tasks `ids` with its run's status now.
async fn statuses(
    client: &Client,
    region: &str,
    ids: &[String],
    parallelism: usize,
) -> Result<Runs, String> {
    let c = client.with_region(region).map_err(|e| e.to_string())?;
    let c = &c;
    let pages: Vec<Result<Runs, String>> = futures::stream::iter(ids)
        .map(|id| async move {
            let found = c
                .describe_invocations(&DescribeInvocationsRequest {
                    invoke_id: Some(id.clone()),
                    ..Default::default()
                })
                .await
                .map_err(|e| e.to_string())?;
            let task = found
                .invocations
                .into_iter()
                .find(|x| &x.invoke_id == id)
                .ok_or_else(|| format!("task {id} is gone"))?;
            Ok(task
                .invoke_instances
                .into_iter()
                .map(|t| (t.instance_id, TargetStatus::from_api(&t.invocation_status)))
                .collect())
        })
        .buffer_unordered(parallelism.max(1))
        .collect()
        .await;
    let mut out = Vec::new();
    for p in pages {
        out.extend(p?);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// `rollout NAME (REGION) wave K/N`, as every line of a rollout starts.
fn wave_label(i: &InvocationPlan, w: u32) -> String {
    let total = i.rollout.as_ref().map_or(0, |r| r.waves.len());
    format!("rollout {} ({}) wave {}/{total}", i.name, i.region, w + 1)
}

/// Sleeps `d`, waking early when apply is interrupted. Returns false when it was.
async fn sleep_unless_interrupted(d: Duration, s: &Settings<'_>) -> bool {
    let step = Duration::from_millis(200);
    let mut left = d;
    while !left.is_zero() {
        if s.interrupt.is_set() {
            return false;
        }
        let nap = left.min(step);
        tokio::time::sleep(nap).await;
        left -= nap;
    }
    !s.interrupt.is_set()
}
