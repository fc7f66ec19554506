//! `assistctl status`: the latest execution of each invocation the stack owns, per
//! instance (status, exit code, start and finish, the last lines of output), and with
//! `--wait` a `once` run followed until it finishes, for CI.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anstream::{eprintln, print};
use anyhow::bail;

use super::connect::{self, ConnectArgs};
use super::output::{BOLD, ERROR, OK};
use crate::cloud::Client;
use crate::cloud::Reads;
use crate::cloud::ops::invocations::InvocationResult;
use crate::domain::repeat::RepeatMode;
use crate::domain::status::TargetStatus;
use crate::reconcile::RolloutPlan;
use crate::reconcile::desired::Desired;
use crate::reconcile::invocation::live as invocation_live;
use crate::reconcile::invocation::model::LiveInvocation;
use crate::reconcile::invocation::{rollout, targets};
use crate::redact::{Secrets, redact};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this invocation (its metadata.name).
    pub name: Option<String>,
    /// Manifest files or directories; they name the stack and its regions.
    #[arg(long = "path", value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Follow the latest run of `once` invocations until every instance has finished;
    /// exit 1 when one did not succeed, or when --timeout passes first.
    #[arg(long)]
    pub wait: bool,
    /// Seconds --wait waits at most.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub timeout: u64,
    /// Lines of output shown per instance.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub lines: usize,
    /// Output format: text for people, json for scripts (docs/status-format.md). With
    /// --wait the JSON is printed once, when the wait ends.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The version of the JSON `status --format json` prints (docs/status-format.md): fields
/// are only added within a version.
pub const STATUS_FORMAT_VERSION: u32 = 1;

/// Nothing more happens to a run in this per-instance status. `Stopping` is not final (see
/// [`TargetStatus`]): --wait waits through it. A status the service has not documented is
/// not final either, so it is waited for rather than taken for an end.
fn is_final(status: &str) -> bool {
    TargetStatus::from_api(status).is_some_and(TargetStatus::is_final)
}

/// Seconds between two looks while waiting.
const POLL: Duration = Duration::from_secs(1);

pub async fn run(args: Args) -> anyhow::Result<u8> {
    let desired = super::desired::load(&args.paths)?;
    let secrets = super::desired::env_secrets(&desired);
    let region = desired.regions.first().cloned().unwrap_or_default();
    let conn = connect::connect(&args.connect, &region).await?;
    let r = watch(&args, &desired, &conn.client, &secrets).await;
    conn.close().await;
    r
}

/// The latest tasks of one document: those of its newest task's spec, newest per batch.
struct Latest<'a> {
    region: &'a str,
    name: &'a str,
    tasks: Vec<&'a LiveInvocation>,
}

fn latest<'a>(live: &'a [LiveInvocation], only: Option<&str>) -> Vec<Latest<'a>> {
    let mut by_doc: BTreeMap<(&str, &str), Vec<&LiveInvocation>> = BTreeMap::new();
    for l in live.iter().filter(|l| only.is_none_or(|n| n == l.name)) {
        by_doc.entry((&l.region, &l.name)).or_default().push(l);
    }
    by_doc
        .into_iter()
        .map(|((region, name), mut tasks)| {
            // Stable: tasks of one second stay newest first, as the service lists them.
            tasks.sort_by(|a, b| b.creation_time.cmp(&a.creation_time));
            let hash = tasks[0].hash.clone();
            let mut per_batch: BTreeMap<u32, &LiveInvocation> = BTreeMap::new();
            for t in tasks.into_iter().filter(|t| t.hash == hash) {
                per_batch.entry(t.batch).or_insert(t);
            }
            Latest {
                region,
                name,
                tasks: per_batch.into_values().collect(),
            }
        })
        .collect()
}

/// Why `status NAME` found no task of NAME, with what NAME is if not an invocation and
/// the invocations it may have meant.
fn unknown_name(name: &str, desired: &Desired, live: &[LiveInvocation]) -> String {
    let stack = &desired.stack;
    let declared = desired.invocations.iter().any(|i| i.name == name);
    if declared {
        return format!(
            "stack `{stack}` has no task of invocation `{name}` yet: apply the manifests first"
        );
    }
    let mut invocations: Vec<&str> = desired
        .invocations
        .iter()
        .map(|i| i.name.as_str())
        .chain(live.iter().map(|l| l.name.as_str()))
        .collect();
    invocations.sort_unstable();
    invocations.dedup();
    if desired.commands.iter().any(|c| c.state.name == name) {
        let runs: Vec<String> = desired
            .invocations
            .iter()
            .filter(|i| i.command == name)
            .map(|i| format!("`{}`", i.name))
            .collect();
        let which = if runs.is_empty() {
            "no invocation of the manifests runs it".to_string()
        } else {
            format!("the invocations that run it: {}", runs.join(", "))
        };
        return format!(
            "`{name}` is a command, not an invocation; status shows the runs of invocations ({which})"
        );
    }
    let hint = crate::manifest::diagnostic::did_you_mean(name, invocations.iter().copied())
        .map(|h| format!("; {h}"))
        .unwrap_or_default();
    format!(
        "stack `{stack}` has no invocation `{name}`: the manifests declare none of that name and the cloud holds no task of it{hint}"
    )
}

async fn watch(
    args: &Args,
    desired: &Desired,
    client: &Client,
    secrets: &Secrets,
) -> anyhow::Result<u8> {
    let stack = desired.stack.as_str();
    let started = Instant::now();
    let deadline = Duration::from_secs(args.timeout);
    let mut noted = false;
    loop {
        let live =
            invocation_live::read(client, stack, &desired.regions, &Reads::default()).await?;
        let mut docs = latest(&live, args.name.as_deref());
        if args.wait {
            // A removed document's tasks are stopped by the next apply; waiting for them
            // would wait for what the manifests no longer ask for.
            let (kept, removed): (Vec<_>, Vec<_>) = docs.into_iter().partition(|d| {
                desired
                    .invocations
                    .iter()
                    .any(|i| i.name == d.name && i.region == d.region)
            });
            if !removed.is_empty() && !noted {
                let names: Vec<String> = removed
                    .iter()
                    .map(|d| format!("{} ({})", d.name, d.region))
                    .collect();
                eprintln!(
                    "note: --wait ignores the tasks of {} that the manifests no longer declare (apply stops them): {}",
                    if removed.len() == 1 {
                        "1 invocation"
                    } else {
                        "invocations"
                    },
                    names.join(", ")
                );
                noted = true;
            }
            docs = kept;
        }
        if docs.is_empty() {
            match &args.name {
                Some(n) => bail!("{}", unknown_name(n, desired, &live)),
                None if args.wait => bail!(
                    "stack `{stack}` has no tasks of the invocations its manifests declare to wait for"
                ),
                None => {
                    match args.format {
                        Format::Text => print!("Stack `{stack}` has no invocation tasks.\n"),
                        Format::Json => print!(
                            "{}",
                            json_report(stack, &[], &[], &Rollouts::new(), args.lines, secrets)
                        ),
                    }
                    return Ok(0);
                }
            }
        }
        let rollouts = rollouts(client, desired, &live).await?;
        let mut results = Vec::new();
        for d in &docs {
            for t in &d.tasks {
                results.push(invocation_live::results(client, d.region, &t.id).await?);
            }
        }
        let show = || match args.format {
            Format::Text => print!(
                "{}",
                redact(&report(&docs, &results, &rollouts, args.lines), secrets)
            ),
            Format::Json => print!(
                "{}",
                json_report(stack, &docs, &results, &rollouts, args.lines, secrets)
            ),
        };
        if !args.wait {
            show();
            return Ok(0);
        }
        let once: Vec<(&LiveInvocation, &Vec<InvocationResult>)> = docs
            .iter()
            .flat_map(|d| d.tasks.iter().copied())
            .zip(&results)
            .filter(|(t, _)| t.repeat_mode == Some(RepeatMode::Once))
            .collect();
        if once.is_empty() {
            show();
            bail!("--wait follows `once` invocations, and these repeat; it would never end");
        }
        let pending: Vec<String> = once
            .iter()
            .flat_map(|(t, rows)| {
                rows.iter()
                    .filter(|r| !is_final(&r.invocation_status))
                    .map(move |r| {
                        format!("{} on {} ({})", t.name, r.instance_id, r.invocation_status)
                    })
            })
            .collect();
        let finished = pending.is_empty() && once.iter().all(|(_, rows)| !rows.is_empty());
        if finished || started.elapsed() >= deadline {
            show();
        }
        if finished {
            let failed: Vec<String> = once
                .iter()
                .flat_map(|(t, rows)| {
                    rows.iter()
                        .filter(|r| r.invocation_status != TargetStatus::Success.api_name())
                        .map(move |r| {
                            format!("{} on {} ({})", t.name, r.instance_id, r.invocation_status)
                        })
                })
                .collect();
            if failed.is_empty() {
                // stdout holds only the JSON document in that format.
                if args.format == Format::Text {
                    print!("{OK}All runs succeeded.{OK:#}\n");
                }
                return Ok(0);
            }
            eprintln!(
                "{ERROR}error{ERROR:#}: {} of the runs did not succeed: {}",
                failed.len(),
                failed.join(", ")
            );
            return Ok(1);
        }
        if started.elapsed() >= deadline {
            eprintln!(
                "{ERROR}error{ERROR:#}: still pending after {} s: {} {} not finished: {}",
                args.timeout,
                pending.len(),
                if pending.len() == 1 {
                    "run has"
                } else {
                    "runs have"
                },
                pending.join(", ")
            );
            return Ok(1);
        }
        tokio::time::sleep(POLL.min(deadline.saturating_sub(started.elapsed()))).await;
    }
}

/// The rollout of each document that declares one, by (region, name).
type Rollouts = BTreeMap<(String, String), RolloutPlan>;

/// Where each declared rollout stands, decided as plan decides it: from its tasks and the
/// instances its targets resolve to now (one inventory read per region with a rollout).
async fn rollouts(
    client: &Client,
    desired: &Desired,
    live: &[LiveInvocation],
) -> anyhow::Result<Rollouts> {
    let mut out = Rollouts::new();
    let mut inventories = BTreeMap::new();
    for d in &desired.invocations {
        let Some(policy) = &d.rollout else { continue };
        if !inventories.contains_key(&d.region) {
            let inv = targets::read(client, &d.region, &Reads::default()).await?;
            inventories.insert(d.region.clone(), inv);
        }
        let (eligible, _) = targets::resolve(&inventories[&d.region], &d.selector, &d.needs);
        let group: Vec<&LiveInvocation> = live
            .iter()
            .filter(|l| l.region == d.region && l.name == d.name)
            .collect();
        let (plan, _) = rollout::plan(
            &desired.stack,
            d,
            policy,
            &eligible,
            &group,
            false,
            chrono::Utc::now(),
        );
        out.insert((d.region.clone(), d.name.clone()), plan);
    }
    Ok(out)
}

fn report(
    docs: &[Latest<'_>],
    results: &[Vec<InvocationResult>],
    rollouts: &Rollouts,
    lines: usize,
) -> String {
    let mut out = String::new();
    let mut rows = results.iter();
    for d in docs {
        out.push_str(&format!(
            "{BOLD}invocation {}{BOLD:#} ({})\n",
            d.name, d.region
        ));
        if let Some(r) = rollouts.get(&(d.region.to_string(), d.name.to_string())) {
            out.push_str(&format!(
                "  rollout: {}\n",
                crate::render::rollout::state(d.name, r)
            ));
        }
        for t in &d.tasks {
            let schedule = match t.frequency.as_str() {
                "" => t.repeat_name().to_string(),
                f => format!("{} {f}", t.repeat_name()),
            };
            out.push_str(&format!(
                "  task {} (batch {}): {}, command {} ({}), created {}\n",
                t.id,
                t.batch,
                t.status_name(),
                t.command_name,
                t.command_id,
                t.creation_time
            ));
            out.push_str(&format!("    schedule: {schedule}\n"));
            let Some(rows) = rows.next() else { continue };
            if rows.is_empty() {
                out.push_str("    no per-instance results yet\n");
            }
            for r in rows {
                let ran = !r.start_time.is_empty();
                let exit = if ran && is_final(&r.invocation_status) {
                    r.exit_code.to_string()
                } else {
                    "-".into()
                };
                let or_dash = |s: &str| {
                    if s.is_empty() {
                        "-".to_string()
                    } else {
                        s.to_string()
                    }
                };
                out.push_str(&format!(
                    "    {:<24} {:<10} exit {:<4} started {}  finished {}\n",
                    r.instance_id,
                    r.invocation_status,
                    exit,
                    or_dash(&r.start_time),
                    or_dash(&r.finished_time)
                ));
                if !r.error_code.is_empty() {
                    out.push_str(&format!("      error: {} {}\n", r.error_code, r.error_info));
                }
                let text: Vec<&str> = r.output.lines().collect();
                for l in &text[text.len().saturating_sub(lines)..] {
                    out.push_str(&format!("      | {}\n", crate::render::visible(l)));
                }
                if r.dropped > 0 {
                    out.push_str(&format!("      ({} bytes of output were cut)\n", r.dropped));
                }
            }
        }
    }
    out
}

/// `status --format json`: the same facts as [`report`], in the shape docs/status-format.md
/// documents; free text from the instances (output, error) is masked as the text form is.
fn json_report(
    stack: &str,
    docs: &[Latest<'_>],
    results: &[Vec<InvocationResult>],
    rollouts: &Rollouts,
    lines: usize,
    secrets: &Secrets,
) -> String {
    use serde_json::{Value, json};
    let text = |s: &str| -> Value {
        if s.is_empty() {
            Value::Null
        } else {
            Value::String(s.to_string())
        }
    };
    let masked = |s: &str| -> Value {
        if s.is_empty() {
            Value::Null
        } else {
            Value::String(redact(s, secrets))
        }
    };
    let mut rows = results.iter();
    let invocations: Vec<Value> = docs
        .iter()
        .map(|d| {
            let tasks: Vec<Value> = d
                .tasks
                .iter()
                .map(|t| {
                    let instances: Vec<Value> = rows
                        .next()
                        .map(|rows| {
                            rows.iter()
                                .map(|r| {
                                    let ran =
                                        !r.start_time.is_empty() && is_final(&r.invocation_status);
                                    let out: Vec<&str> = r.output.lines().collect();
                                    let last: Vec<String> = out
                                        [out.len().saturating_sub(lines)..]
                                        .iter()
                                        .map(|l| redact(l, secrets))
                                        .collect();
                                    json!({
                                        "instanceId": r.instance_id,
                                        "status": r.invocation_status,
                                        "exitCode": if ran { json!(r.exit_code) } else { Value::Null },
                                        "errorCode": masked(&r.error_code),
                                        "errorInfo": masked(&r.error_info),
                                        "startTime": text(&r.start_time),
                                        "finishedTime": text(&r.finished_time),
                                        "repeats": r.repeats,
                                        "dropped": r.dropped,
                                        "output": last,
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    json!({
                        "id": t.id,
                        "batch": t.batch,
                        "status": t.status,
                        "command": t.command_name,
                        "commandId": t.command_id,
                        "repeatMode": t.repeat_mode,
                        "frequency": text(&t.frequency),
                        "createdAt": t.creation_time,
                        "instances": instances,
                    })
                })
                .collect();
            let mut doc = json!({ "region": d.region, "name": d.name, "tasks": tasks });
            if let Some(r) = rollouts.get(&(d.region.to_string(), d.name.to_string())) {
                doc["rollout"] = json!({
                    "state": r.state,
                    "description": crate::reconcile::describe_rollout(&r.state),
                    "instances": r.instances,
                    "budget": r.budget,
                    "errors": r.errors,
                    "waves": r.waves,
                });
            }
            doc
        })
        .collect();
    let doc = json!({
        "formatVersion": STATUS_FORMAT_VERSION,
        "stack": stack,
        "invocations": invocations,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
