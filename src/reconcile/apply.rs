//! Applying a plan: each change turned into its API calls, independent changes run
//! concurrently (bounded), every failure kept with its API code and request id while the
//! rest goes on. Running apply again converges, since every step is idempotent: creates
//! carry a ClientToken, and the next plan sees what did or did not happen.

use std::collections::BTreeMap;

use chrono::Utc;
use futures::StreamExt;

use crate::cloud::ops::Tag;
use crate::cloud::ops::tags::TagResourcesRequest;
use crate::cloud::{Client, Error};

use super::command::apply::{self as command_apply, Failure};
use super::command::change::{Action, Change};
use super::execution::{Progress, Settings};
use super::invocation::apply::{self as invocation_apply, CommandIds, TaskResults};
use super::invocation::waves::{self, RolloutOutcome};
use super::ownership::TAG_STACK;
use super::plan::{MovedKind, OwnershipMove, Plan};

#[derive(Debug, Default)]
pub struct Outcome {
    /// Changes applied, with the id of what they created (if any).
    pub applied: Vec<(Change, Option<String>)>,
    pub failures: Vec<Failure>,
    /// Ownership moves done, and those that failed (with why).
    pub moved: Vec<OwnershipMove>,
    pub move_failures: Vec<(OwnershipMove, String)>,
    /// The invocation part.
    pub tasks: TaskResults,
    /// What was not started because apply was interrupted, or because the ownership moves
    /// it depends on failed.
    pub not_started: Vec<String>,
    /// Objects another writer made for this stack's documents while apply ran.
    pub races: Vec<String>,
    /// The rollouts driven, wave by wave.
    pub rollouts: Vec<RolloutOutcome>,
}

impl Outcome {
    pub fn failed(&self) -> usize {
        self.failures.len()
            + self.move_failures.len()
            + self.tasks.failures.len()
            + self.races.len()
            + self
                .rollouts
                .iter()
                .map(|r| r.failures.len())
                .sum::<usize>()
    }

    /// The rollouts that are halted after this apply.
    pub fn halted(&self) -> impl Iterator<Item = &RolloutOutcome> {
        self.rollouts.iter().filter(|r| r.halted.is_some())
    }
}

/// Applies every change of `plan`, at most `parallelism` at a time, in dependency order:
/// ownership moves (nothing else starts when one fails); command creates, updates and
/// adoptions (and the create half of replaces); then task stops; then invokes and in-place
/// modifies, with the ids of commands just created; then command deletes (and the delete
/// half of replaces), so a replaced command's tasks have moved before it goes. A delete or a
/// stop first checks that its target carries this stack's tag at that moment. Once
/// `interrupt` is set no further change starts.
pub async fn apply(client: &Client, plan: &Plan, s: &Settings<'_>) -> Outcome {
    let label = |c: &Change| format!("{} command {} ({})", c.action.symbol(), c.name, c.region);
    let mut out = Outcome::default();
    let started = Utc::now();
    moves(client, plan, s, &mut out).await;
    if !out.move_failures.is_empty() {
        out.not_started = plan.actions().map(label).collect();
        for i in &plan.invocations {
            for t in i.actions() {
                out.not_started.push(format!(
                    "{} invocation {} ({}) batch {}",
                    t.action.symbol(),
                    i.name,
                    i.region,
                    t.batch
                ));
            }
        }
        return out;
    }
    let first = plan
        .actions()
        .filter(|c| c.action != Action::Delete)
        .cloned();
    let mut results = futures::stream::iter(first)
        .map(|change| async move {
            if s.interrupt.is_set() {
                return (change, None);
            }
            let r = command_apply::first_step(client, &change).await;
            (change, Some(r))
        })
        .buffer_unordered(s.parallelism.max(1));
    while let Some((change, r)) = results.next().await {
        let Some(r) = r else {
            out.not_started.push(label(&change));
            continue;
        };
        if change.action != Action::Replace || r.is_err() {
            report(s, &label(&change), &r);
        }
        match r {
            Ok(id) => out.applied.push((change, id)),
            Err(e) => out.failures.push(command_apply::failure(change, &e)),
        }
    }
    drop(results);
    let races =
        command_apply::verify_creates(client, &plan.stack, &mut out.applied, &mut out.failures)
            .await;
    out.races.extend(races);

    let mut ids = CommandIds::new();
    for c in plan
        .actions()
        .filter(|c| matches!(c.action, Action::Create | Action::Replace))
    {
        let why = if out.not_started.contains(&label(c)) {
            "was not started (apply was interrupted)"
        } else if c.action == Action::Create {
            "could not be created: see its error"
        } else {
            "could not be replaced: see its error"
        };
        ids.insert(
            (c.region.clone(), c.name.clone()),
            Err(format!("command `{}` {why}", c.name)),
        );
    }
    for (c, id) in &out.applied {
        if let (Action::Create | Action::Replace, Some(id)) = (c.action, id) {
            ids.insert((c.region.clone(), c.name.clone()), Ok(id.clone()));
        }
    }
    let (tasks, not_started) =
        invocation_apply::apply(client, &plan.stack, &plan.invocations, &ids, s).await;
    out.tasks = tasks;
    out.not_started.extend(not_started);
    out.races.extend(
        invocation_apply::races(client, &plan.stack, &plan.invocations, &out.tasks, started).await,
    );
    out.rollouts = waves::run_all(client, &plan.stack, &plan.invocations, &ids, s).await;

    // Deletes last: the old halves of replaces, then the commands no document declares.
    let replaced: Vec<Change> = out
        .applied
        .iter()
        .filter(|(c, _)| c.action == Action::Replace)
        .map(|(c, _)| c.clone())
        .collect();
    let last = replaced.into_iter().chain(
        plan.actions()
            .filter(|c| c.action == Action::Delete)
            .cloned(),
    );
    let mut results = futures::stream::iter(last)
        .map(|change| async move {
            if s.interrupt.is_set() {
                return (change, None);
            }
            let r = match client.with_region(&change.region) {
                Ok(c) => {
                    command_apply::delete(&c, &plan.stack, change.id.as_deref().unwrap_or_default())
                        .await
                }
                Err(e) => Err(e.into()),
            };
            (change, Some(r))
        })
        .buffer_unordered(s.parallelism.max(1));
    while let Some((change, r)) = results.next().await {
        let Some(r) = r else {
            out.not_started.push(format!(
                "- command {} ({}){}",
                change.name,
                change.region,
                if change.action == Action::Replace {
                    ": the old command of the replace"
                } else {
                    ""
                }
            ));
            continue;
        };
        let delete_label = format!(
            "- command {} ({}) {}",
            change.name,
            change.region,
            change.id.as_deref().unwrap_or_default()
        );
        match (change.action, r) {
            (Action::Delete, Ok(())) => {
                (s.done)(Progress {
                    label: &delete_label,
                    result: Ok(None),
                });
                out.applied.push((change, None));
            }
            (_, Ok(())) => {
                (s.done)(Progress {
                    label: &delete_label,
                    result: Ok(None),
                });
            }
            (_, Err(e)) => {
                let f = e.into_failure(change.clone());
                (s.done)(Progress {
                    label: &delete_label,
                    result: Err(&f.message),
                });
                out.applied.retain(|(c, _)| {
                    !(c.region == change.region
                        && c.name == change.name
                        && c.action == change.action)
                });
                out.failures.push(f);
            }
        }
    }
    drop(results);
    out.applied
        .sort_by(|a, b| (&a.0.region, &a.0.name).cmp(&(&b.0.region, &b.0.name)));
    out.failures.sort_by(|a, b| {
        (&a.change.region, &a.change.name).cmp(&(&b.change.region, &b.change.name))
    });
    out
}

fn report(s: &Settings<'_>, label: &str, r: &Result<Option<String>, Error>) {
    let message;
    let result = match r {
        Ok(id) => Ok(id.as_deref()),
        Err(e) => {
            message = format!("{}: {e}", e.code().unwrap_or("Transport"));
            Err(message.as_str())
        }
    };
    (s.done)(Progress { label, result });
}

/// Re-tags the objects taken over from other stacks, per region and kind in calls of at
/// most 50.
async fn moves(client: &Client, plan: &Plan, s: &Settings<'_>, out: &mut Outcome) {
    let mut groups: BTreeMap<(String, MovedKind), Vec<OwnershipMove>> = BTreeMap::new();
    for m in &plan.ownership_moves {
        groups
            .entry((m.region.clone(), m.kind))
            .or_default()
            .push(m.clone());
    }
    for ((region, kind), moves) in groups {
        for chunk in moves.chunks(crate::domain::limits::MAX_TAG_RESOURCE_IDS) {
            let label = format!(
                "<= {} {} ({region}) from stack `{}`",
                kind.resource_type(),
                chunk
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                chunk[0].from
            );
            if s.interrupt.is_set() {
                out.not_started.push(label);
                continue;
            }
            let r = match client.with_region(&region) {
                Ok(c) => {
                    c.tag_resources(&TagResourcesRequest {
                        resource_type: kind.resource_type().into(),
                        resource_ids: chunk.iter().map(|m| m.id.clone()).collect(),
                        tags: vec![Tag {
                            key: TAG_STACK.into(),
                            value: plan.stack.clone(),
                        }],
                    })
                    .await
                }
                Err(e) => Err(e),
            };
            match r {
                Ok(_) => {
                    (s.done)(Progress {
                        label: &label,
                        result: Ok(None),
                    });
                    out.moved.extend(chunk.iter().cloned());
                }
                Err(e) => {
                    let message = format!("{}: {e}", e.code().unwrap_or("Transport"));
                    (s.done)(Progress {
                        label: &label,
                        result: Err(&message),
                    });
                    out.move_failures
                        .extend(chunk.iter().map(|m| (m.clone(), message.clone())));
                }
            }
        }
    }
}
