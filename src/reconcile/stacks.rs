//! What a plan must notice beyond the objects its own stack tag finds.
//!
//! - A renamed, case-changed or mistyped stack finds nothing of its own, and would create
//!   everything again beside the old stack's objects: every periodic task would then run
//!   twice. Objects of another stack with this stack's document names are reported, and a
//!   plan that would duplicate most of the stack is refused until the user says what they
//!   mean: `--take-over-from OLD` (this stack is OLD renamed: its objects are re-tagged) or
//!   `--allow-duplicates` (two stacks are meant to hold the same documents).
//! - A stack whose manifests no longer name a region would leave that region's commands and
//!   running tasks behind, unmentioned. Every region of the account is scanned for the stack's
//!   tag (DescribeRegions, then one tagged list per kind per other region), and what is found
//!   there is planned for deletion like any document removed from the manifests.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::try_join_all;

use crate::cloud::ops::commands::DescribeCommandsRequest;
use crate::cloud::ops::invocations::DescribeInvocationsRequest;
use crate::cloud::ops::regions::DescribeRegionsRequest;
use crate::cloud::ops::{Paging, Tag};
use crate::cloud::{Client, Error};

use super::command::live::Live;
use super::command::model::LiveCommand;
use super::desired::Desired;
use super::invocation::model::LiveInvocation;
use super::options::PlanOptions;
use super::ownership::TAG_STACK;
use super::plan::{MovedKind, OwnershipMove};
use crate::cloud::Reads;

/// The form two stack names share when a person would take them for the same stack.
fn normalized(name: &str) -> String {
    crate::domain::tags::normalize_stack_name(name)
}

/// The regions of the account other than `known` in which `stack` owns a command or a task.
pub async fn regions_owning(
    client: &Client,
    stack: &str,
    known: &[String],
    reads: &Reads,
) -> Result<Vec<String>, Error> {
    reads.add();
    let all = client
        .describe_regions(&DescribeRegionsRequest::default())
        .await?;
    let others: Vec<String> = all
        .regions
        .into_iter()
        .map(|r| r.region_id)
        .filter(|r| !known.contains(r))
        .collect();
    let found = try_join_all(others.into_iter().map(|region| async move {
        let c = client.with_region(&region)?;
        let one = || Paging {
            max_results: Some(1),
            ..Default::default()
        };
        let tag = vec![Tag {
            key: TAG_STACK.into(),
            value: stack.into(),
        }];
        reads.add();
        let commands = c
            .describe_commands(&DescribeCommandsRequest {
                tags: tag.clone(),
                paging: one(),
                ..Default::default()
            })
            .await?;
        if !commands.commands.is_empty() {
            return Ok::<_, Error>(Some(region));
        }
        reads.add();
        let tasks = c
            .describe_invocations(&DescribeInvocationsRequest {
                tags: tag,
                paging: one(),
                ..Default::default()
            })
            .await?;
        Ok((!tasks.invocations.is_empty()).then_some(region))
    }))
    .await?;
    Ok(found.into_iter().flatten().collect())
}

/// `commands` and `tasks` (read under another stack's tag) as this stack's, with the moves
/// that make them so.
pub fn take_over(
    stack: &str,
    commands: Vec<LiveCommand>,
    tasks: Vec<LiveInvocation>,
) -> (Vec<LiveCommand>, Vec<LiveInvocation>, Vec<OwnershipMove>) {
    let mut moves = Vec::new();
    let commands = commands
        .into_iter()
        .map(|mut c| {
            let from = c.state.tags.insert(TAG_STACK.into(), stack.into());
            moves.push(OwnershipMove {
                kind: MovedKind::Command,
                region: c.region.clone(),
                name: c.state.identity().to_string(),
                id: c.id.clone(),
                from: from.unwrap_or_default(),
            });
            c
        })
        .collect();
    let tasks = tasks
        .into_iter()
        .map(|mut t| {
            let from = t.tags.insert(TAG_STACK.into(), stack.into());
            moves.push(OwnershipMove {
                kind: MovedKind::Invocation,
                region: t.region.clone(),
                name: t.name.clone(),
                id: t.id.clone(),
                from: from.unwrap_or_default(),
            });
            t
        })
        .collect();
    moves.sort();
    (commands, tasks, moves)
}

/// Stacks other than this one (and those it takes over) that own a command with one of
/// this stack's document names: whose tasks a plan reads to find duplicated invocations.
pub fn suspects(stack: &str, opts: &PlanOptions, live: &Live) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for u in &live.unowned {
        if let Some(owner) = u.state.owner()
            && owner != stack
            && !opts.take_over_from.iter().any(|f| f == owner)
        {
            out.insert(owner.to_string());
        }
    }
    out.into_iter().collect()
}

/// Documents of this stack that another stack already has, by that stack's name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Duplicates {
    /// Stack name -> (kind, region, document name).
    pub by_stack: BTreeMap<String, BTreeSet<(&'static str, String, String)>>,
}

impl Duplicates {
    pub fn count(&self) -> usize {
        let all: BTreeSet<(&str, &String, &String)> = self
            .by_stack
            .values()
            .flatten()
            .map(|(k, r, n)| (*k, r, n))
            .collect();
        all.len()
    }
}

/// Which of this stack's documents that it does not own yet another stack owns under the
/// same name in the same region.
pub fn duplicates(
    desired: &Desired,
    live: &Live,
    owned_tasks: &[LiveInvocation],
    other_tasks: &[LiveInvocation],
) -> Duplicates {
    let mut out = Duplicates::default();
    for d in &desired.commands {
        let name = d.state.identity();
        let owned = live
            .owned
            .iter()
            .any(|l| l.region == d.region && l.state.identity() == name);
        if owned {
            continue;
        }
        for u in &live.unowned {
            if let Some(owner) = u.state.owner()
                && owner != desired.stack
                && u.region == d.region
                && u.state.identity() == name
            {
                out.by_stack.entry(owner.to_string()).or_default().insert((
                    "command",
                    d.region.clone(),
                    name.to_string(),
                ));
            }
        }
    }
    for d in &desired.invocations {
        let owned = owned_tasks
            .iter()
            .any(|t| t.region == d.region && t.name == d.name);
        if owned {
            continue;
        }
        for t in other_tasks {
            if t.region == d.region && t.name == d.name {
                let owner = t.tags.get(TAG_STACK).cloned().unwrap_or_default();
                out.by_stack.entry(owner).or_default().insert((
                    "invocation",
                    d.region.clone(),
                    d.name.clone(),
                ));
            }
        }
    }
    out
}

/// The warnings and blockers of duplicated documents. A plan that would make most of the
/// stack again beside another stack's objects, or beside a stack whose name differs from
/// this one's only in case or separators, is refused unless `--allow-duplicates` says it is
/// meant.
pub fn checks(
    desired: &Desired,
    dups: &Duplicates,
    opts: &PlanOptions,
    warnings: &mut Vec<String>,
    blockers: &mut Vec<String>,
) {
    let documents = desired.commands.len() + desired.invocations.len();
    let total = dups.count();
    for (other, docs) in &dups.by_stack {
        let names: Vec<String> = docs
            .iter()
            .take(5)
            .map(|(kind, region, name)| format!("{kind} `{name}` ({region})"))
            .collect();
        let more = docs.len().saturating_sub(names.len());
        let listed = if more > 0 {
            format!("{} and {more} more", names.join(", "))
        } else {
            names.join(", ")
        };
        let look_alike = normalized(other) == normalized(&desired.stack);
        let what = format!(
            "stack `{other}`{} already owns {} of the documents this plan would create for stack `{}`: {listed}; applying would make them twice (every repeating task would then run twice)",
            if look_alike {
                format!(
                    ", whose name differs from `{}` only in case or separators,",
                    desired.stack
                )
            } else {
                String::new()
            },
            docs.len(),
            desired.stack,
        );
        let fix = format!(
            "if stack `{}` is `{other}` renamed, take its objects over with `--take-over-from {other}`; if the two stacks are meant to hold the same documents, pass `--allow-duplicates`",
            desired.stack
        );
        let most = total * 2 > documents;
        if !opts.allow_duplicates && (look_alike || most) {
            blockers.push(format!("{what}. {fix}"));
        } else {
            warnings.push(format!("{what}. {fix}"));
        }
    }
}

/// A warning for each region the manifests no longer name where the stack owns objects.
pub fn left_regions(desired: &Desired, extra: &[String], warnings: &mut Vec<String>) {
    for region in extra {
        warnings.push(format!(
            "stack `{}` owns commands or tasks in region {region}, which no document names any more; they are planned for deletion (commands) and stopping (tasks) like removed documents",
            desired.stack
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_names_normalise_the_same() {
        assert_eq!(normalized("Stack-A"), "stack-a");
        assert_eq!(normalized("stack_a"), "stack-a");
        assert_eq!(normalized("stack.a"), "stack-a");
        assert_ne!(normalized("stack-aa"), "stack-a");
    }
}
