//! The plan as a pull-request comment: a title with the summary, a table of the changes,
//! one `<details>` per change with its field differences and script diff, then
//! conflicts, blockers, documents not reconciled yet and warnings. It always fits in one GitHub
//! comment: when too long, details are left out (see [`fit`]) and a note says so.

mod escape;
mod fit;

use escape::{In, code, fence, html, prose};
use fit::{Doc, Order, Section};

use super::describe::{self, TagChange};
use super::script;
use crate::reconcile::command::change::{Action, Change, Conflict};
use crate::reconcile::command::fields::CommandField;
use crate::reconcile::invocation::change::InvocationPlan;
use crate::reconcile::invocation::fields::TaskField;
use crate::reconcile::plan::Plan;

/// GitHub's limit on the body of a comment or an issue, in characters.
pub const COMMENT_LIMIT: usize = 65_536;
/// Room left for what CI adds around the plan (a marker comment, a link to the run).
pub const WRAPPER_ROOM: usize = 1_024;

pub fn render(plan: &Plan) -> String {
    let mut sections = Vec::new();
    if plan.has_drift() {
        sections.push(Section {
            head: TABLE_HEAD.to_string(),
            items: plan
                .actions()
                .map(row)
                .chain(invocations(plan).map(invocation_row))
                .collect(),
            noun: "table rows",
            order: Order::FromEnd,
            rank: 3,
        });
        sections.push(Section {
            head: "\n#### Details\n\n".to_string(),
            items: plan
                .actions()
                .map(details)
                .chain(invocations(plan).map(invocation_details))
                .collect(),
            noun: "change details",
            order: Order::LargestFirst,
            rank: 0,
        });
    }
    let fleet = membership(plan);
    if !fleet.is_empty() {
        sections.push(Section {
            head: "\n### Membership\n\nThe fleet changed, not the manifests (instances joined or left the targets); not drift.\n\n".into(),
            items: fleet,
            noun: "membership changes",
            order: Order::FromEnd,
            rank: 2,
        });
    }
    if !plan.ownership_moves.is_empty() {
        sections.push(Section {
            head: "\n### Taken over from other stacks\n\n".into(),
            items: plan
                .ownership_moves
                .iter()
                .map(|m| format!("- {}\n", prose(&describe::move_line(m), In::Text)))
                .collect(),
            noun: "ownership moves",
            order: Order::FromEnd,
            rank: 2,
        });
    }
    let waiting: Vec<&InvocationPlan> = describe::idle_rollouts(plan).collect();
    if !waiting.is_empty() {
        sections.push(Section {
            head:
                "\n### Rollouts with nothing to invoke now\n\nHalted, or a wave still running.\n\n"
                    .into(),
            items: waiting.iter().map(|i| invocation_details(i)).collect(),
            noun: "rollouts",
            order: Order::LargestFirst,
            rank: 4,
        });
    }
    let idle: Vec<&InvocationPlan> = describe::unrunnable(plan).collect();
    if !idle.is_empty() {
        sections.push(Section {
            head: "\n### Invocations no instance can run now\n\nNothing is invoked for these.\n\n"
                .into(),
            items: idle.iter().map(|i| invocation_details(i)).collect(),
            noun: "invocations without instances",
            order: Order::LargestFirst,
            rank: 1,
        });
    }
    if !plan.conflicts.is_empty() {
        sections.push(Section {
            head: "\n### Conflicts\n\nApply will not run until these are resolved.\n\n".into(),
            items: plan.conflicts.iter().map(conflict).collect(),
            noun: "conflicts",
            order: Order::FromEnd,
            rank: 4,
        });
    }
    if !plan.blockers.is_empty() {
        sections.push(Section {
            head: "\n### Blockers\n\nApply will refuse this plan because:\n\n".into(),
            items: plan
                .blockers
                .iter()
                .map(|b| format!("- {}\n", prose(b, In::Text)))
                .collect(),
            noun: "blockers",
            order: Order::FromEnd,
            rank: 5,
        });
    }
    if !plan.not_reconciled.is_empty() {
        sections.push(Section {
            head: "\n### Not reconciled yet\n\nThis version of assistctl does not plan or apply these documents; apply leaves them alone.\n\n".into(),
            items: plan
                .not_reconciled
                .iter()
                .map(|n| {
                    format!(
                        "- {} {} ({})\n",
                        prose(&n.kind, In::Text),
                        code(&n.name, In::Text),
                        code(&n.source, In::Text)
                    )
                })
                .collect(),
            noun: "documents not reconciled",
            order: Order::FromEnd,
            rank: 2,
        });
    }
    if !plan.warnings.is_empty() {
        sections.push(Section {
            head: "\n### Warnings\n\n".into(),
            items: plan
                .warnings
                .iter()
                .map(|w| format!("- {}\n", prose(w, In::Text)))
                .collect(),
            noun: "warnings",
            order: Order::FromEnd,
            rank: 1,
        });
    }
    let doc = Doc {
        head: head(plan),
        sections,
    };
    doc.fit(COMMENT_LIMIT - WRAPPER_ROOM, |omitted| {
        format!(
            "> [!NOTE]\n> This plan is too long for one GitHub comment ({COMMENT_LIMIT} characters): {omitted} were left out. Run `assistctl plan` locally for the full plan.\n\n"
        )
    })
}

fn head(plan: &Plan) -> String {
    let title = if describe::is_in_sync(plan) {
        "no changes".to_string()
    } else {
        describe::summary_counts(&plan.summary) + &describe::membership_counts(plan)
    };
    let mut out = format!(
        "### assistctl plan for {}: {title}\n\n",
        code(&plan.stack, In::Text)
    );
    if describe::is_in_sync(plan) {
        out.push_str(&describe::no_changes_line(plan));
        out.push_str("\n\n");
    }
    let regions: Vec<String> = plan.regions.iter().map(|r| code(r, In::Text)).collect();
    out.push_str(&format!(
        "Regions: {}. {} Plan made {} by assistctl {}.\n",
        if regions.is_empty() {
            "none".to_string()
        } else {
            regions.join(", ")
        },
        describe::api_line(&plan.api_calls),
        prose(&plan.created_at, In::Text),
        prose(&plan.assistctl_version, In::Text)
    ));
    out
}

const TABLE_HEAD: &str =
    "\n|  | Kind | Name | Region | Action | Why |\n|:-:|---|---|---|---|---|\n";

fn row(c: &Change) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} |\n",
        code(c.action.symbol(), In::Table),
        describe::kind(c.kind),
        code(&c.name, In::Table),
        code(&c.region, In::Table),
        describe::label(c.action),
        prose(&c.reasons.join("; "), In::Table)
    )
}

fn details(c: &Change) -> String {
    let mut out = format!(
        "<details><summary><code>{}</code> {} <b>{}</b> in {} {}</summary>\n\n",
        html(c.action.symbol()),
        describe::kind(c.kind),
        html(&c.name),
        html(&c.region),
        c.action.verb()
    );
    if let Some(id) = &c.id {
        out.push_str(&format!("- ID: {}\n", code(id, In::Text)));
    }
    if let Some(src) = &c.source {
        out.push_str(&format!("- Source: {}\n", code(src, In::Text)));
    }
    for r in &c.reasons {
        out.push_str(&format!("- Why: {}\n", prose(r, In::Text)));
    }
    match c.action {
        Action::Create => created(c, &mut out),
        Action::Update | Action::Replace | Action::Adopt => changed(c, &mut out),
        Action::Delete | Action::NoOp => {}
    }
    out.push_str("\n</details>\n\n");
    out
}

fn created(c: &Change, out: &mut String) {
    let Some(d) = &c.desired else { return };
    out.push_str("\n| Field | Value |\n|---|---|\n");
    for (field, value) in describe::create_fields(d) {
        out.push_str(&format!("| {field} | {} |\n", code(&value, In::Table)));
    }
    for (k, v) in &d.tags {
        out.push_str(&format!(
            "| tag {} | {} |\n",
            code(k, In::Table),
            code(v, In::Table)
        ));
    }
    if d.content.is_empty() {
        out.push_str("\n*Empty script.*\n");
    } else {
        let lines: Vec<String> = script::added(&d.content)
            .into_iter()
            .map(|l| l.text)
            .collect();
        out.push_str("\nScript:\n\n");
        out.push_str(&fence("diff", &lines));
    }
}

fn changed(c: &Change, out: &mut String) {
    let mut rows = Vec::new();
    let mut scripts = Vec::new();
    for f in &c.fields {
        let forces = if f.forces_replace {
            " *(forces replacement)*"
        } else {
            ""
        };
        match f.field {
            CommandField::Content => scripts.push((
                forces,
                script::diff(c.id.as_deref(), &f.before_text(), &f.after_text()),
            )),
            CommandField::Tags => {
                for t in describe::tag_changes(f) {
                    let (key, before, after) = match &t {
                        TagChange::Added { key, value } => (key, None, Some(value)),
                        TagChange::Changed { key, before, after } => {
                            (key, Some(before), Some(after))
                        }
                        TagChange::Removed { key, value } => (key, Some(value), None),
                    };
                    rows.push(format!(
                        "| tag {}{forces} | {} | {} |\n",
                        code(key, In::Table),
                        cell(before.map(String::as_str)),
                        cell(after.map(String::as_str))
                    ));
                }
            }
            field => rows.push(format!(
                "| {}{forces} | {} | {} |\n",
                prose(field.name(), In::Table),
                cell(f.before.as_ref().map(|v| v.text()).as_deref()),
                cell(f.after.as_ref().map(|v| v.text()).as_deref())
            )),
        }
    }
    if !rows.is_empty() {
        out.push_str("\n| Field | Live | Manifests |\n|---|---|---|\n");
        for r in rows {
            out.push_str(&r);
        }
    }
    for (forces, lines) in scripts {
        let lines: Vec<String> = lines.into_iter().map(|l| l.text).collect();
        out.push_str(&format!("\nScript{forces}:\n\n"));
        out.push_str(&fence("diff", &lines));
    }
}

/// Invocation documents with something to do.
/// Invocations with configuration changes (membership has its own section).
fn invocations(plan: &Plan) -> impl Iterator<Item = &InvocationPlan> {
    plan.invocations
        .iter()
        .filter(|i| i.tasks.iter().any(describe::configured))
}

/// One item per task the fleet causes and per member that stays in its task.
fn membership(plan: &Plan) -> Vec<String> {
    let mut out: Vec<String> = plan
        .invocations
        .iter()
        .flat_map(|i| {
            i.tasks
                .iter()
                .filter(|t| describe::joined(t))
                .map(move |t| {
                    format!(
                        "- {} invocation {} in {}: task batch {} {} ({}): {}\n",
                        code(t.action.symbol(), In::Text),
                        code(&i.name, In::Text),
                        code(&i.region, In::Text),
                        t.batch,
                        t.action.verb(),
                        prose(&t.instances.join(", "), In::Text),
                        prose(&t.reasons.join("; "), In::Text)
                    )
                })
        })
        .collect();
    out.extend(
        describe::membership_notes(plan)
            .into_iter()
            .map(|(name, region, note)| {
                format!(
                    "- invocation {} in {} is left as it is: {}\n",
                    code(name, In::Text),
                    code(region, In::Text),
                    prose(note, In::Text)
                )
            }),
    );
    out
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn invocation_row(i: &InvocationPlan) -> String {
    let a = describe::invocation_action_of(i, describe::configured);
    let why: Vec<String> = i
        .tasks
        .iter()
        .filter(|t| describe::configured(t))
        .map(|t| format!("batch {}: {}", t.batch, t.reasons.join("; ")))
        .collect();
    format!(
        "| {} | invocation | {} | {} | {} | {} |\n",
        code(a.symbol(), In::Table),
        code(&i.name, In::Table),
        code(&i.region, In::Table),
        a.label(),
        prose(&why.join(" / "), In::Table)
    )
}

fn invocation_details(i: &InvocationPlan) -> String {
    let a = describe::invocation_action(i);
    let mut out = format!(
        "<details><summary><code>{}</code> invocation <b>{}</b> in {}: {}</summary>\n\n",
        html(a.symbol()),
        html(&i.name),
        html(&i.region),
        a.label()
    );
    if let Some(src) = &i.source {
        out.push_str(&format!("- Source: {}\n", code(src, In::Text)));
    }
    out.push_str(&format!(
        "- Command: {}\n",
        code(&describe::invocation_command(i), In::Text)
    ));
    out.push_str(&format!(
        "- Schedule: {}\n",
        prose(&describe::invocation_schedule(i), In::Text)
    ));
    for f in &i.schedule.next_fires {
        out.push_str(&format!("  - next: {}\n", code(f, In::Text)));
    }
    if !i.parameters.is_empty() {
        out.push_str("- Parameters:\n");
        for p in describe::invocation_parameters(i) {
            out.push_str(&format!("  - {}\n", code(&p, In::Text)));
        }
    }
    if i.source.is_some() {
        let ids: Vec<String> = i.instances.iter().map(|x| code(x, In::Text)).collect();
        out.push_str(&format!(
            "- Instances ({}): {}\n",
            i.instances.len(),
            if ids.is_empty() {
                "none".into()
            } else {
                ids.join(", ")
            }
        ));
    }
    if !i.ineligible.is_empty() {
        out.push_str("- Left out:\n");
        for x in &i.ineligible {
            out.push_str(&format!(
                "  - {}: {}\n",
                code(&x.instance_id, In::Text),
                prose(&x.reason, In::Text)
            ));
        }
    }
    if let Some(r) = &i.rollout {
        for (label, text) in crate::render::rollout::lines(&i.name, r) {
            out.push_str(&format!(
                "- {}: {}\n",
                upper_first(&label),
                prose(&text, In::Text)
            ));
        }
    }
    if i.actions().next().is_some() {
        out.push_str("\n| Task | Action | Instances | Why |\n|---|---|---|---|\n");
    }
    for t in i.actions() {
        let id =
            t.id.as_deref()
                .map_or(String::new(), |id| format!(" {}", code(id, In::Table)));
        let mut why = t.reasons.clone();
        for f in &t.fields {
            if f.field == TaskField::Tags {
                // Key by key, as a command's tags are shown.
                let changes = describe::tag_changes(f);
                why.extend(changes.into_iter().map(|c| match c {
                    TagChange::Added { key, value } => format!("tag {key}: added {value}"),
                    TagChange::Changed { key, before, after } => {
                        format!("tag {key}: {before} -> {after}")
                    }
                    TagChange::Removed { key, value } => format!("tag {key}: removed {value}"),
                }));
                continue;
            }
            why.push(format!(
                "{}: {} -> {}",
                f.field,
                f.before_text(),
                f.after_text()
            ));
        }
        if !t.added_instances.is_empty() {
            why.push(format!("adds {}", t.added_instances.join(", ")));
        }
        let wave = t
            .wave
            .map_or(String::new(), |w| format!(" (wave {})", w + 1));
        out.push_str(&format!(
            "| batch {}{wave}{id} | {} | {} | {} |\n",
            t.batch,
            t.action.label(),
            t.instances.len(),
            prose(&why.join("; "), In::Table)
        ));
    }
    out.push_str("\n</details>\n\n");
    out
}

fn cell(v: Option<&str>) -> String {
    v.map_or("*(none)*".to_string(), |v| code(v, In::Table))
}

fn conflict(k: &Conflict) -> String {
    let mut at = vec![code(&k.id, In::Text)];
    if let Some(src) = &k.source {
        at.push(code(src, In::Text));
    }
    format!(
        "- **{} {}** in {} ({}): {}  \n  Hint: {}\n",
        describe::kind(k.kind),
        code(&k.name, In::Text),
        code(&k.region, In::Text),
        at.join(", "),
        prose(&k.message, In::Text),
        prose(&k.hint, In::Text)
    )
}
