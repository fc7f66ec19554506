//! Deciding: the plan as a pure function of the desired state, the observed live state,
//! the options and the time. No I/O and no clock here, so a whole plan, commands and
//! invocations together, is tested without a cloud.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::error_codes::InstanceErrorCode;
use crate::domain::limits::MAX_TAGS;
use crate::domain::tags::{MAX_TASK_USER_TAGS, TASK_RESERVED_TAGS};
use crate::manifest::diagnostic::did_you_mean;

use super::command::change::{Action, Change};
use super::command::diff as command_diff;
use super::desired::Desired;
use super::digest::{live_digest, manifest_digest};
use super::invocation::change::InvocationPlan;
use super::invocation::diff::{self as invocation_diff, Target};
use super::invocation::model::CommandRef;
use super::invocation::targets::{self, Inventory};
use super::observe::LiveState;
use super::options::PlanOptions;
use super::ownership::user_tags;
use super::plan::{ApiCalls, PLAN_FORMAT_VERSION, Plan, Summary};
use super::stacks;

/// Why no plan can be made at all (as opposed to a plan with blockers, which can be shown).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// `--target` names no document.
    #[error("{0}")]
    UnknownTarget(String),
    /// `--resume` names a document whose rollout is not halted.
    #[error("{0}")]
    NotHalted(String),
}

/// `--resume NAME` must name a document whose rollout is halted: resuming anything else
/// would do nothing, and the caller believes it did.
fn check_resume(invocations: &[InvocationPlan], opts: &PlanOptions) -> Result<(), PlanError> {
    for name in &opts.resume {
        let doc = invocations
            .iter()
            .find(|i| &i.name == name && i.source.is_some());
        let why = match doc.map(|i| i.rollout.as_ref()) {
            None => {
                format!("--resume {name}: no Invocation document of this stack is named `{name}`")
            }
            Some(None) => format!(
                "--resume {name}: invocation `{name}` declares no rollout, so there is nothing to resume"
            ),
            Some(Some(r)) if r.resume => continue,
            Some(Some(r)) => format!(
                "--resume {name}: the rollout of `{name}` is not halted ({}), so there is nothing to resume",
                super::invocation::change::describe_rollout(&r.state)
            ),
        };
        return Err(PlanError::NotHalted(why));
    }
    Ok(())
}

/// The plan that takes the cloud from `live` to `desired`, as of `now` (the plan's time
/// and the instant schedules' next fire times are counted from).
pub fn reconcile(
    desired: &Desired,
    live: &LiveState,
    opts: &PlanOptions,
    now: DateTime<Utc>,
) -> Result<Plan, PlanError> {
    check_targets(desired, live, opts)?;
    let (mut changes, mut conflicts) =
        command_diff::diff(&desired.stack, &desired.commands, &live.commands);
    let resolved = resolve_targets(desired, &live.inventory);
    let mut invocations = invocation_diff::diff(&invocation_diff::Inputs {
        stack: &desired.stack,
        desired: &resolved,
        live: &live.invocations,
        commands: &command_refs(&changes),
        inventory: &live.inventory,
        now,
        resume: &opts.resume,
    });
    check_resume(&invocations, opts)?;
    if !opts.targets.is_empty() {
        changes.retain(|c| opts.targets.contains(&c.name));
        conflicts.retain(|c| opts.targets.contains(&c.name));
        invocations.retain(|i| opts.targets.contains(&i.name));
    }
    let mut blockers = Vec::new();
    let mut warnings = Vec::new();
    invocation_checks(desired, &invocations, opts, &mut blockers, &mut warnings);
    let dups = stacks::duplicates(
        desired,
        &live.commands,
        &live.invocations,
        &live.other_tasks,
    );
    stacks::checks(desired, &dups, opts, &mut warnings, &mut blockers);
    stacks::left_regions(desired, &live.left_regions, &mut warnings);
    all_at_once(&invocations, &mut warnings);
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
    quota_checks(desired, live, &changes, &mut warnings, &mut blockers);
    let mut summary = Summary::of(&changes, conflicts.len()).with_invocations(&invocations);
    summary.take_over = live.moves.len();
    let writes = changes.iter().map(|c| u64::from(c.writes)).sum::<u64>()
        + invocations
            .iter()
            .flat_map(|i| &i.tasks)
            .map(|t| u64::from(t.writes))
            .sum::<u64>();
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        assistctl_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        stack: desired.stack.clone(),
        regions: desired.regions.clone(),
        manifest_digest: manifest_digest(desired),
        live_digest: live_digest(live, &resolved),
        options: opts.clone(),
        paths: Vec::new(),
        ownership_moves: live.moves.clone(),
        changes,
        invocations,
        conflicts,
        not_reconciled: desired.not_reconciled.clone(),
        warnings,
        blockers,
        summary,
        api_calls: ApiCalls {
            reads: live.reads,
            writes,
        },
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
                (Action::Create, _) => CommandRef::Created,
                (Action::Replace, _) => CommandRef::Replaced,
                (Action::Delete, _) | (_, None) => return None,
                (_, Some(id)) => CommandRef::Stays(id.clone()),
            };
            Some(((c.region.clone(), c.name.clone()), r))
        })
        .collect()
}

/// A region's commands at the peak of the apply against its quota. A replace holds both
/// commands for a moment, so it counts as one more.
fn quota_checks(
    desired: &Desired,
    live: &LiveState,
    changes: &[Change],
    warnings: &mut Vec<String>,
    blockers: &mut Vec<String>,
) {
    for region in &desired.regions {
        let adds = changes
            .iter()
            .filter(|c| &c.region == region && matches!(c.action, Action::Create | Action::Replace))
            .count();
        let removes = changes
            .iter()
            .filter(|c| &c.region == region && c.action == Action::Delete)
            .count();
        let Some(quota) = live.quotas.get(region) else {
            continue;
        };
        let (Some(q), true) = (quota.limit, adds > 0) else {
            continue;
        };
        let count = quota.count;
        let peak = count + adds as i64;
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

/// Refuses a `--target` that names nothing: a typo would otherwise plan nothing and say
/// "No changes", which a nightly job reads as "in sync". A target may name a document of
/// the manifests, or a command or task the stack owns whose document is gone (to prune
/// just it), so names the manifests lack are checked against the live state as well.
fn check_targets(
    desired: &Desired,
    state: &LiveState,
    opts: &PlanOptions,
) -> Result<(), PlanError> {
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
    Err(PlanError::UnknownTarget(msg))
}

/// Instances a `once` invocation without a rollout may reach at once before the plan
/// says so: one InvokeCommand's worth.
const AT_ONCE: usize = super::invocation::model::BATCH_SIZE;

/// A `once` invocation without a rollout runs on every instance in the same minute; past
/// one batch the plan suggests a rollout (a bad script would otherwise reach the whole
/// fleet before anyone sees its first result). Joiners of a spec that already ran are not
/// counted: they run the spec the fleet already ran.
fn all_at_once(invocations: &[InvocationPlan], warnings: &mut Vec<String>) {
    use super::invocation::change::TaskAction;
    use super::invocation::model::RepeatMode;
    for i in invocations {
        if i.rollout.is_some() || i.schedule.repeat_mode != RepeatMode::Once {
            continue;
        }
        let n: usize = i
            .tasks
            .iter()
            .filter(|t| t.action == TaskAction::Invoke && !t.membership)
            .map(|t| t.instances.len())
            .sum();
        if n > AT_ONCE {
            warnings.push(format!(
                "invocation `{}` ({}) runs on {n} instances at once, and apply does not wait for a result; declare `spec.rollout` (e.g. `waves: [1, 10%, 100%]`) to reach them wave by wave and halt on failures",
                i.name, i.region
            ));
        }
    }
}

/// Blockers of the invocation part: an instance id that does not exist, targets that
/// resolve to no instance that can run the document (unless `targets.allowEmpty`),
/// instances left out (with `--strict`), too many tags for a task.
fn invocation_checks(
    desired: &Desired,
    invocations: &[InvocationPlan],
    opts: &PlanOptions,
    blockers: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    for i in invocations.iter().filter(|i| i.source.is_some()) {
        // A mistyped or deleted id never runs anything: refused whatever else it hits.
        for x in i
            .ineligible
            .iter()
            .filter(|x| x.code == InstanceErrorCode::InstanceNotExists.api_name())
        {
            blockers.push(format!(
                "invocation `{}` ({}) names instance {} which does not exist in region {}: fix or remove the id in spec.targets.instanceIds",
                i.name,
                i.source.as_deref().unwrap_or_default(),
                x.instance_id,
                i.region
            ));
        }
        if i.instances.is_empty() && !i.targets.allow_empty {
            empty_targets(i, blockers, warnings);
        }
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

/// A document whose targets resolve to no instance that can run it. When only stopped
/// instances or offline agents keep it from running, it runs when they come back (the
/// next apply invokes them, or their task fires again): a warning, so a nightly plan is
/// not red because machines are off. Otherwise (nothing selected, a script for another
/// OS, agents too old) it would succeed silently forever: a blocker.
fn empty_targets(i: &InvocationPlan, blockers: &mut Vec<String>, warnings: &mut Vec<String>) {
    let source = i.source.as_deref().unwrap_or_default();
    if !i.ineligible.is_empty()
        && i.ineligible
            .iter()
            .all(invocation_diff::membership::transient)
    {
        warnings.push(format!(
            "invocation `{}` ({source}) can run on none of its {} instances now: they are stopped or their agents offline; it runs on them once they can",
            i.name,
            i.ineligible.len()
        ));
        return;
    }
    let why = if i.ineligible.is_empty() {
        "its targets select no instance".to_string()
    } else {
        let list: Vec<String> = i
            .ineligible
            .iter()
            .take(5)
            .map(|x| format!("{} ({})", x.instance_id, x.code))
            .collect();
        let more = i.ineligible.len().saturating_sub(5);
        format!(
            "none of the instances its targets hit can run it: {}{}",
            list.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    blockers.push(format!(
        "invocation `{}` ({source}) would run nowhere: {why}; fix spec.targets, or set spec.targets.allowEmpty: true if matching nothing is intended",
        i.name
    ));
}

#[cfg(test)]
mod tests;
