//! Words and facts every human-readable format shares: action labels, the summary
//! sentences, the fields a create shows, tag changes key by key.

use std::collections::BTreeMap;

use crate::reconcile::command::change::{Action, ResourceKind};
use crate::reconcile::command::fields::{CommandField, FIELDS};
use crate::reconcile::command::model::CommandState;
use crate::reconcile::field::FieldDiff;
use crate::reconcile::invocation::change::{InvocationPlan, TaskAction, TaskChange};
use crate::reconcile::invocation::model::ParameterSource;
use crate::reconcile::plan::{ApiCalls, OwnershipMove, Plan, Summary};

/// Actions in the order the legend lists them.
pub const ACTIONS: [Action; 5] = [
    Action::Create,
    Action::Update,
    Action::Replace,
    Action::Adopt,
    Action::Delete,
];

pub fn kind(k: ResourceKind) -> &'static str {
    match k {
        ResourceKind::Command => "command",
    }
}

/// The action as a short noun phrase, for legends and tables.
pub fn label(a: Action) -> &'static str {
    match a {
        Action::NoOp => "no change",
        Action::Create => "create",
        Action::Update => "update in place",
        Action::Replace => "replace",
        Action::Adopt => "adopt",
        Action::Delete => "delete",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `Plan: 1 to create, ...; 3 unchanged; 0 conflicts.`, and the tasks when there are any.
pub fn summary_line(s: &Summary) -> String {
    format!("Plan: {}.", summary_counts(s))
}

/// Whether the plan has invocation tasks to count.
pub fn has_tasks(s: &Summary) -> bool {
    s.invoke + s.modify + s.reinvoke + s.stop + s.tasks_unchanged > 0
}

/// `; membership: 1 instance joins` when the fleet, not the manifests, causes tasks.
pub fn membership_counts(plan: &Plan) -> String {
    let mut joins = 0;
    let mut leaves = 0;
    for t in plan.invocations.iter().flat_map(|i| i.actions()) {
        if !t.membership {
            continue;
        }
        match t.action {
            TaskAction::Invoke => joins += t.instances.len(),
            TaskAction::Modify => joins += t.added_instances.len(),
            _ => leaves += 1,
        }
    }
    let mut parts = Vec::new();
    if joins > 0 {
        parts.push(format!(
            "{} {}",
            plural(joins, "instance", "instances"),
            if joins == 1 { "joins" } else { "join" }
        ));
    }
    if leaves > 0 {
        parts.push(format!(
            "{} {} instances that left the targets",
            plural(leaves, "task", "tasks"),
            if leaves == 1 { "drops" } else { "drop" }
        ));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(
        "; membership: {} (the fleet changed, not the manifests)",
        parts.join(", ")
    )
}

/// `1 to create, ...; 3 unchanged; 0 conflicts`
pub fn summary_counts(s: &Summary) -> String {
    format!(
        "{} to create, {} to update in place, {} to replace, {} to adopt, {} to delete; {} unchanged; {}",
        s.create,
        s.update,
        s.replace,
        s.adopt,
        s.delete,
        s.unchanged,
        plural(s.conflicts, "conflict", "conflicts")
    ) + &task_counts(s)
        + &if s.take_over > 0 {
            format!("; {} to take over from other stacks", s.take_over)
        } else {
            String::new()
        }
        + &if s.rollouts_halted > 0 {
            format!(
                "; {}",
                plural(s.rollouts_halted, "rollout halted", "rollouts halted")
            )
        } else {
            String::new()
        }
}

/// `<= command backup (c-1) in cn-hangzhou: taken over from stack `old``.
pub fn move_line(m: &OwnershipMove) -> String {
    format!(
        "<= {} {} ({}) in {}: taken over from stack `{}` (its {} tag is set to this stack)",
        m.kind.resource_type(),
        m.name,
        m.id,
        m.region,
        m.from,
        crate::reconcile::ownership::TAG_STACK
    )
}

/// `; tasks: 1 to invoke, ...` when the plan has invocation tasks.
fn task_counts(s: &Summary) -> String {
    if !has_tasks(s) {
        return String::new();
    }
    format!(
        "; tasks: {} to invoke, {} to modify in place, {} to stop and invoke again, {} to stop, {} unchanged",
        s.invoke, s.modify, s.reinvoke, s.stop, s.tasks_unchanged
    )
}

/// Tasks with an action that the manifests cause (configuration changes).
pub fn configured(t: &TaskChange) -> bool {
    t.action != TaskAction::NoOp && !t.membership
}

/// Tasks with an action that the fleet causes (membership changes).
pub fn joined(t: &TaskChange) -> bool {
    t.action != TaskAction::NoOp && t.membership
}

/// Notes on tasks that stay as they are though the fleet changed: members that are
/// stopped or offline stay in their repeating task. `(document, region, note)`.
pub fn membership_notes(plan: &Plan) -> Vec<(&str, &str, &str)> {
    plan.invocations
        .iter()
        .flat_map(|i| {
            i.tasks
                .iter()
                .filter(|t| t.action == TaskAction::NoOp && t.membership)
                .flat_map(|t| &t.reasons)
                .filter(|r| r.contains(" stays in task "))
                .map(|r| (i.name.as_str(), i.region.as_str(), r.as_str()))
        })
        .collect()
}

/// The action a document's heading shows: its tasks' one action, or `~` when they mix.
pub fn invocation_action(i: &InvocationPlan) -> TaskAction {
    invocation_action_of(i, |t| t.action != TaskAction::NoOp)
}

/// [`invocation_action`] over the tasks `pick` selects.
pub fn invocation_action_of(i: &InvocationPlan, pick: fn(&TaskChange) -> bool) -> TaskAction {
    let mut actions: Vec<TaskAction> = i
        .tasks
        .iter()
        .filter(|t| pick(t))
        .map(|t| t.action)
        .collect();
    actions.sort();
    actions.dedup();
    match actions.as_slice() {
        [] => TaskAction::NoOp,
        [one] => *one,
        _ => TaskAction::Modify,
    }
}

/// Declared invocations that no instance can run now and that have nothing to do.
pub fn unrunnable(plan: &Plan) -> impl Iterator<Item = &InvocationPlan> {
    plan.invocations
        .iter()
        .filter(|i| i.source.is_some() && i.instances.is_empty() && i.actions().next().is_none())
}

/// `backup-app-data (c-123)`, or who makes its id in this apply.
pub fn invocation_command(i: &InvocationPlan) -> String {
    match &i.command_id {
        Some(id) => format!("{} ({id})", i.command),
        None => format!("{} (created or replaced by this apply)", i.command),
    }
}

/// Each parameter as `name = "value"`, a `fromEnv` one as `name = **** (from $VAR)`; a
/// default is marked.
pub fn invocation_parameters(i: &InvocationPlan) -> Vec<String> {
    i.parameters
        .iter()
        .map(|p| match (p.source, &p.from_env, &p.value) {
            (ParameterSource::FromEnv, Some(var), _) => {
                format!(
                    "{} = {} (from ${})",
                    visible(&p.name),
                    crate::redact::MASK,
                    visible(var)
                )
            }
            (ParameterSource::Default, _, v) => format!(
                "{} = {:?} (the command's default)",
                visible(&p.name),
                v.clone().unwrap_or_default()
            ),
            (_, _, v) => format!("{} = {:?}", visible(&p.name), v.clone().unwrap_or_default()),
        })
        .collect()
}

/// `RepeatMode Frequency: in words`.
pub fn invocation_schedule(i: &InvocationPlan) -> String {
    let s = &i.schedule;
    match &s.frequency {
        Some(f) => format!(
            "{} {}: {}",
            s.repeat_mode,
            visible(f),
            visible(&s.description)
        ),
        None => format!("{}: {}", s.repeat_mode, visible(&s.description)),
    }
}

/// `API calls: N reads made, M writes to apply.`
pub fn api_line(a: &ApiCalls) -> String {
    format!(
        "API calls: {} made, {} to apply.",
        plural(a.reads as usize, "read", "reads"),
        plural(a.writes as usize, "write", "writes")
    )
}

/// Nothing to apply and nothing blocking: the short form of the summary.
pub fn is_in_sync(plan: &Plan) -> bool {
    !plan.has_changes()
        && plan.conflicts.is_empty()
        && plan.blockers.is_empty()
        && idle_rollouts(plan).next().is_none()
}

/// Rollouts with nothing to invoke that need an eye: halted, or a wave still running.
pub fn idle_rollouts(plan: &Plan) -> impl Iterator<Item = &InvocationPlan> {
    plan.invocations.iter().filter(|i| {
        i.actions().next().is_none()
            && i.rollout.as_ref().is_some_and(|r| {
                matches!(
                    r.state,
                    crate::reconcile::RolloutState::Halted { .. }
                        | crate::reconcile::RolloutState::InProgress { settled: false, .. }
                )
            })
    })
}

/// `No changes. The stack matches the manifests (N commands checked).`
pub fn no_changes_line(plan: &Plan) -> String {
    let tasks: usize = plan.invocations.iter().map(|i| i.tasks.len()).sum();
    let checked = if plan.invocations.is_empty() {
        plural(plan.changes.len(), "command", "commands")
    } else {
        format!(
            "{} and {}",
            plural(plan.changes.len(), "command", "commands"),
            plural(tasks, "task", "tasks")
        )
    };
    format!("No changes. The stack matches the manifests ({checked} checked).")
}

/// The fields of a command a create shows, in the order of a diff, empty text left out.
/// `tags` and `content` are shown on their own.
pub fn create_fields(s: &CommandState) -> Vec<(CommandField, String)> {
    FIELDS
        .iter()
        .filter(|f| f.field != CommandField::Content)
        .map(|f| (f.field, (f.value)(s)))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// One tag key that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagChange {
    Added {
        key: String,
        value: String,
    },
    Changed {
        key: String,
        before: String,
        after: String,
    },
    Removed {
        key: String,
        value: String,
    },
}

/// The tag changes of a `tags` field difference, key by key.
pub fn tag_changes<F>(f: &FieldDiff<F>) -> Vec<TagChange> {
    let none = BTreeMap::new();
    let tags = |v: &Option<crate::reconcile::field::FieldValue>| {
        v.as_ref()
            .and_then(|v| v.tags().cloned())
            .unwrap_or_else(|| none.clone())
    };
    tag_delta(&tags(&f.before), &tags(&f.after))
}

fn tag_delta(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<TagChange> {
    let mut out = Vec::new();
    for (k, v) in after {
        match before.get(k) {
            None => out.push(TagChange::Added {
                key: k.clone(),
                value: v.clone(),
            }),
            Some(b) if b != v => out.push(TagChange::Changed {
                key: k.clone(),
                before: b.clone(),
                after: v.clone(),
            }),
            Some(_) => {}
        }
    }
    for (k, v) in before {
        if !after.contains_key(k) {
            out.push(TagChange::Removed {
                key: k.clone(),
                value: v.clone(),
            });
        }
    }
    out
}

/// Replaces control characters (but tab) with visible escapes, so user text cannot move
/// the cursor, clear a terminal or hide a line.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push('\t'),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(visible("a\u{1b}[2Jb\r\tc"), "a\\u{1b}[2Jb\\r\tc");
    }
}
