//! Making a plan: read the live state, diff it with the desired state, check the quota
//! and the safety rules, and record digests so a saved plan can be checked for staleness.

use std::collections::BTreeMap;

use chrono::{SecondsFormat, Utc};
use futures::future::try_join_all;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cloud::ops::Paging;
use crate::cloud::ops::commands::DescribeCommandsRequest;
use crate::cloud::ops::quota::DescribeAccountAttributesRequest;
use crate::cloud::{Client, Error};

use super::desired::Desired;
use super::diff::{self, Live};
use super::invocation_diff::{self, CommandRef, Target};
use super::invocation_live;
use super::invocation_model::{LiveInvocation, user_tags};
use super::invocation_plan::InvocationPlan;
use super::live::{self, Reads};
use super::plan::{Action, ApiCalls, Change, OwnershipMove, PLAN_FORMAT_VERSION, Plan, Summary};
use super::stacks;
use super::targets::{self, Inventory};
use crate::domain::limits::MAX_TAGS;
use crate::domain::tags::{MAX_TASK_USER_TAGS, TASK_RESERVED_TAGS};
use crate::manifest::diagnostic::did_you_mean;

/// How a plan was asked for. Saved in the plan, so `apply --plan` makes it again the
/// same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PlanOptions {
    /// Only these documents (by name); others are neither changed nor deleted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Allow a plan that deletes every command the stack owns.
    pub allow_empty: bool,
    /// Refuse the plan when an invocation's targets include an instance that cannot run it,
    /// instead of leaving the instance out.
    pub strict: bool,
    /// Stacks whose objects this stack takes over (a renamed stack): their commands and
    /// tasks with this stack's document names are re-tagged instead of made twice.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub take_over_from: Vec<String>,
    /// Another stack owning documents of the same names is meant (e.g. one stack per
    /// environment in one region): warn, do not refuse.
    pub allow_duplicates: bool,
}

/// Everything a plan reads from the cloud.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    pub commands: Live,
    pub invocations: Vec<LiveInvocation>,
    /// The instances of the regions that have invocation documents.
    pub inventory: Inventory,
    /// Regions no document names in which the stack still owns objects.
    pub left_regions: Vec<String>,
    /// Objects taken over from other stacks (already in `commands` and `invocations`).
    pub moves: Vec<OwnershipMove>,
    /// Tasks of other stacks that own commands with this stack's document names.
    pub other_tasks: Vec<LiveInvocation>,
}

/// Reads the live state of the stack: its commands and tasks in every region it owns
/// anything in, what it takes over from other stacks, the tasks of stacks that hold its
/// document names, and the instances of the regions invocations run in. Independent lists
/// are read at the same time.
pub async fn read_live(
    client: &Client,
    desired: &Desired,
    opts: &PlanOptions,
    reads: &Reads,
) -> Result<LiveState, Error> {
    let stack = &desired.stack;
    let mut inv_regions: Vec<&String> = desired.invocations.iter().map(|i| &i.region).collect();
    inv_regions.sort();
    inv_regions.dedup();
    let inventory = async {
        let per_region = try_join_all(inv_regions.iter().map(|region| async move {
            Ok::<_, Error>((
                (*region).clone(),
                targets::read(client, region, reads).await?,
            ))
        }))
        .await?;
        Ok::<Inventory, Error>(per_region.into_iter().collect())
    };
    let (left_regions, mut commands, mut invocations, inventory) = tokio::try_join!(
        stacks::regions_owning(client, stack, &desired.regions, reads),
        live::read(client, stack, &desired.regions, &desired.commands, reads),
        invocation_live::read(client, stack, &desired.regions, reads),
        inventory,
    )?;
    let mut regions = desired.regions.clone();
    regions.extend(left_regions.iter().cloned());
    if !left_regions.is_empty() {
        let (c, i) = tokio::try_join!(
            live::read(client, stack, &left_regions, &[], reads),
            invocation_live::read(client, stack, &left_regions, reads),
        )?;
        commands.owned.extend(c.owned);
        invocations.extend(i);
    }
    let mut moves = Vec::new();
    for from in opts.take_over_from.iter().filter(|f| *f != stack) {
        let (c, i) = tokio::try_join!(
            live::read(client, from, &regions, &[], reads),
            invocation_live::read(client, from, &regions, reads),
        )?;
        let (c, i, m) = stacks::take_over(stack, c.owned, i);
        let taken: std::collections::HashSet<&str> = c.iter().map(|c| c.id.as_str()).collect();
        commands.unowned.retain(|u| !taken.contains(u.id.as_str()));
        commands.owned.extend(c);
        invocations.extend(i);
        moves.extend(m);
    }
    moves.sort();
    let suspects = stacks::suspects(stack, opts, &commands);
    let other_tasks = try_join_all(
        suspects
            .iter()
            .map(|other| invocation_live::read(client, other, &desired.regions, reads)),
    )
    .await?
    .into_iter()
    .flatten()
    .collect();
    Ok(LiveState {
        commands,
        invocations,
        inventory,
        left_regions,
        moves,
        other_tasks,
    })
}

/// Each desired invocation with the instances it hits now.
pub fn resolve_targets(desired: &Desired, inventory: &Inventory) -> Vec<Target> {
    desired
        .invocations
        .iter()
        .map(|d| {
            let region = inventory.get(&d.region).map_or(&[][..], Vec::as_slice);
            let (instances, ineligible) = targets::resolve(region, &d.selector, &d.needs);
            Target {
                desired: d.clone(),
                instances,
                ineligible,
            }
        })
        .collect()
}

/// What becomes of each command, for the invocations that run it.
fn command_refs(changes: &[Change]) -> BTreeMap<(String, String), CommandRef> {
    changes
        .iter()
        .filter_map(|c| {
            let r = match (c.action, &c.id) {
                (Action::Create, _) => CommandRef::New("created"),
                (Action::Replace, _) => CommandRef::New("replaced"),
                (Action::Delete, _) | (_, None) => return None,
                (_, Some(id)) => CommandRef::Stays(id.clone()),
            };
            Some(((c.region.clone(), c.name.clone()), r))
        })
        .collect()
}

pub async fn plan(client: &Client, desired: &Desired, opts: &PlanOptions) -> anyhow::Result<Plan> {
    let reads = Reads::default();
    let state = read_live(client, desired, opts, &reads).await?;
    check_targets(desired, &state, opts)?;
    let live = &state.commands;
    let (mut changes, mut conflicts) = diff::diff(&desired.stack, &desired.commands, live);
    let resolved = resolve_targets(desired, &state.inventory);
    let mut invocations = invocation_diff::diff(&invocation_diff::Inputs {
        stack: &desired.stack,
        desired: &resolved,
        live: &state.invocations,
        commands: &command_refs(&changes),
        inventory: &state.inventory,
        now: Utc::now(),
    });
    if !opts.targets.is_empty() {
        changes.retain(|c| opts.targets.contains(&c.name));
        conflicts.retain(|c| opts.targets.contains(&c.name));
        invocations.retain(|i| opts.targets.contains(&i.name));
    }
    let mut blockers = Vec::new();
    let mut warnings = Vec::new();
    invocation_checks(desired, &invocations, opts, &mut blockers);
    let dups = stacks::duplicates(
        desired,
        &state.commands,
        &state.invocations,
        &state.other_tasks,
    );
    stacks::checks(desired, &dups, opts, &mut warnings, &mut blockers);
    stacks::left_regions(desired, &state.left_regions, &mut warnings);
    let deletes = changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .count();
    if desired.commands.is_empty() && deletes > 0 && !opts.allow_empty && opts.targets.is_empty() {
        blockers.push(format!(
            "the manifests declare no commands, so this plan would delete all {deletes} commands stack `{}` owns; pass --allow-empty if that is intended",
            desired.stack
        ));
    }
    for region in &desired.regions {
        let adds = changes
            .iter()
            .filter(|c| &c.region == region && matches!(c.action, Action::Create | Action::Replace))
            .count();
        let removes = changes
            .iter()
            .filter(|c| &c.region == region && c.action == Action::Delete)
            .count();
        if adds > 0 {
            let (quota, count) = quota(client, region, &reads).await?;
            // A replace holds both commands for a moment, so it counts as one more.
            let peak = count + adds as i64;
            if let Some(q) = quota {
                if peak > q {
                    blockers.push(format!(
                        "region {region} has {count} commands and its quota (max-axt-command-count) is {q}; this apply would need {peak} at its peak ({adds} created before {removes} are deleted)"
                    ));
                } else if peak * 10 > q * 9 {
                    warnings.push(format!(
                        "region {region} will use {peak} of its {q} commands quota"
                    ));
                }
            }
        }
    }
    let mut summary = Summary::of(&changes, conflicts.len()).with_invocations(&invocations);
    summary.take_over = state.moves.len();
    let writes = changes.iter().map(|c| u64::from(c.writes)).sum::<u64>()
        + invocations
            .iter()
            .flat_map(|i| &i.tasks)
            .map(|t| u64::from(t.writes))
            .sum::<u64>();
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        assistctl_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        stack: desired.stack.clone(),
        regions: desired.regions.clone(),
        manifest_digest: manifest_digest(desired),
        live_digest: live_digest(&state, &resolved),
        options: opts.clone(),
        paths: Vec::new(),
        ownership_moves: state.moves.clone(),
        changes,
        invocations,
        conflicts,
        not_reconciled: desired.not_reconciled.clone(),
        warnings,
        blockers,
        summary,
        api_calls: ApiCalls {
            reads: reads.get(),
            writes,
        },
    })
}

/// Refuses a `--target` that names nothing: a typo would otherwise plan nothing and say
/// "No changes", which a nightly job reads as "in sync". A target may name a document of
/// the manifests, or a command or task the stack owns whose document is gone (to prune
/// just it), so names the manifests lack are checked against the live state as well.
fn check_targets(desired: &Desired, state: &LiveState, opts: &PlanOptions) -> anyhow::Result<()> {
    let mut documents: Vec<&str> = desired
        .commands
        .iter()
        .map(|c| c.state.name.as_str())
        .chain(desired.invocations.iter().map(|i| i.name.as_str()))
        .collect();
    documents.sort();
    documents.dedup();
    let mut owned: Vec<&str> = state
        .commands
        .owned
        .iter()
        .map(|c| c.state.name.as_str())
        .chain(state.invocations.iter().map(|i| i.name.as_str()))
        .filter(|n| !documents.contains(n))
        .collect();
    owned.sort();
    owned.dedup();
    let unknown: Vec<&String> = opts
        .targets
        .iter()
        .filter(|t| !documents.contains(&t.as_str()) && !owned.contains(&t.as_str()))
        .collect();
    let Some(first) = unknown.first() else {
        return Ok(());
    };
    let names = |list: &[&str]| {
        list.iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let listed: Vec<String> = unknown.iter().map(|t| format!("`{t}`")).collect();
    let mut msg = format!(
        "--target {} names no document of stack `{}`",
        listed.join(", "),
        desired.stack
    );
    if let Some(hint) = did_you_mean(first, documents.iter().chain(&owned).copied()) {
        msg.push_str(&format!(": {hint}"));
    }
    msg.push_str(&format!(
        "\n  documents in the manifests: {}",
        if documents.is_empty() {
            "none".to_string()
        } else {
            names(&documents)
        }
    ));
    if !owned.is_empty() {
        msg.push_str(&format!(
            "\n  removed documents the stack still owns in the cloud: {}",
            names(&owned)
        ));
    }
    Err(anyhow::anyhow!(msg))
}

/// The region's command quota and how many commands it holds now.
async fn quota(client: &Client, region: &str, reads: &Reads) -> Result<(Option<i64>, i64), Error> {
    let c = client.with_region(region)?;
    reads.add();
    let attrs = c
        .describe_account_attributes(&DescribeAccountAttributesRequest {
            attribute_names: vec!["max-axt-command-count".into()],
        })
        .await?;
    reads.add();
    let count = c
        .describe_commands(&DescribeCommandsRequest {
            paging: Paging {
                page_number: Some(1),
                page_size: Some(1),
                ..Default::default()
            },
            ..Default::default()
        })
        .await?;
    Ok((
        attrs.value_of("max-axt-command-count"),
        count.page.total_count,
    ))
}

/// Blockers of the invocation part: instances left out (with `--strict`), too many tags
/// for a task. Documents nothing can run show in the plan as such (no instances).
fn invocation_checks(
    desired: &Desired,
    invocations: &[InvocationPlan],
    opts: &PlanOptions,
    blockers: &mut Vec<String>,
) {
    for i in invocations.iter().filter(|i| i.source.is_some()) {
        if opts.strict && !i.ineligible.is_empty() {
            let list: Vec<String> = i
                .ineligible
                .iter()
                .map(|x| format!("{}: {}", x.instance_id, x.reason))
                .collect();
            blockers.push(format!(
                "--strict: invocation `{}` ({}) targets instances that cannot run it: {}",
                i.name,
                i.region,
                list.join("; ")
            ));
        }
    }
    for d in &desired.invocations {
        // The same count `validate` makes (domain::tags): the user tags, the stack's and
        // the document's own, beside the reserved assistctl: tags of every task.
        let user = user_tags(&d.tags).len();
        if user > MAX_TASK_USER_TAGS && (opts.targets.is_empty() || opts.targets.contains(&d.name))
        {
            blockers.push(format!(
                "invocation `{}` has {user} tags of the stack's and its own; with the {TASK_RESERVED_TAGS} reserved assistctl: tags (stack, name, hash, inputs, batch) a task would carry {}, and a task takes at most {MAX_TAGS}: keep at most {MAX_TASK_USER_TAGS}",
                d.name,
                user + TASK_RESERVED_TAGS
            ));
        }
    }
}

pub fn manifest_digest(desired: &Desired) -> String {
    let mut items: Vec<String> = desired
        .commands
        .iter()
        .map(|d| {
            format!(
                "{}\0{}\0{}\0{:?}",
                d.region,
                d.state.identity(),
                d.state.digest(),
                d.adopt_id
            )
        })
        .collect();
    items.extend(
        desired
            .invocations
            .iter()
            // Tags are not in the spec hash, and a saved plan must still be made from them.
            .map(|i| {
                let tags: Vec<String> = i.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!(
                    "invocation\0{}\0{}\0{}\0{}",
                    i.region,
                    i.name,
                    i.hash,
                    tags.join("\0")
                )
            }),
    );
    items.sort();
    digest(&items)
}

/// Digest of what the plan decided on: the live commands, the tasks (without the statuses
/// that change as runs progress; whether a repeating task is active counts) and where
/// each invocation's targets resolve now.
pub fn live_digest(state: &LiveState, resolved: &[Target]) -> String {
    let live = &state.commands;
    let mut items: Vec<String> = live
        .owned
        .iter()
        .chain(&live.unowned)
        .map(|l| format!("{}\0{}\0{}", l.region, l.id, l.state.digest()))
        .collect();
    for t in &state.invocations {
        let active = t.repeat_mode != "Once" && t.is_active();
        let mut shape = t.clone();
        shape.status = String::new();
        shape.instances.iter_mut().for_each(|(_, s)| s.clear());
        let json = serde_json::to_string(&shape).unwrap_or_default();
        items.push(format!(
            "task\0{}\0{}\0{active}\0{}",
            t.region,
            t.id,
            hex::encode(Sha256::digest(json.as_bytes()))
        ));
    }
    for r in resolved {
        let out: Vec<&str> = r
            .ineligible
            .iter()
            .map(|x| x.instance_id.as_str())
            .collect();
        items.push(format!(
            "targets\0{}\0{}\0{}\0{}",
            r.desired.region,
            r.desired.name,
            r.instances.join(","),
            out.join(",")
        ));
    }
    items.sort();
    items.dedup();
    digest(&items)
}

fn digest(items: &[String]) -> String {
    let mut h = Sha256::new();
    for i in items {
        h.update(i.as_bytes());
        h.update([b'\n']);
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}
