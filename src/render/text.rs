//! The plan for a terminal, after Terraform's: a header, one block per change with its
//! symbol, where it comes from, why, and field by field what changes; scripts as unified
//! diffs; then conflicts, blockers, documents not reconciled yet, warnings and the
//! summary.

use anstyle::{AnsiColor, Style};

use super::describe::{self, TagChange};
use super::script::{self, LineKind};
use crate::reconcile::command::change::{Action, Change};
use crate::reconcile::command::fields::{CommandField, CommandFieldDiff, is_scalar};
use crate::reconcile::invocation::change::{InvocationPlan, TaskAction, TaskChange};
use crate::reconcile::invocation::fields::TaskField;
use crate::reconcile::plan::Plan;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colours (the caller decides from `--color`, `NO_COLOR` and the terminal).
    pub color: bool,
    /// Prose (reasons, hints, warnings) wraps at this many characters; 0 never wraps.
    /// Scripts are never wrapped: a diff must show lines as they are.
    pub width: usize,
    /// The compact form: a created command shows this many lines of its script and how
    /// many it has; `None` shows every line. Updates and replacements always show their
    /// whole unified diff, which is what a review is about.
    pub script_lines: Option<usize>,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            color: false,
            width: 100,
            script_lines: None,
        }
    }
}

pub fn render(plan: &Plan, opts: &TextOptions) -> String {
    let mut w = Writer {
        out: String::new(),
        opts,
    };
    w.plan(plan);
    w.out
}

const BOLD: Style = Style::new().bold();
const GREEN: Style = AnsiColor::Green.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const RED: Style = AnsiColor::Red.on_default();
const MAGENTA: Style = AnsiColor::Magenta.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();

fn task_style(a: TaskAction) -> Style {
    match a {
        TaskAction::NoOp => Style::new(),
        TaskAction::Invoke => GREEN,
        TaskAction::Modify => YELLOW,
        TaskAction::Reinvoke => MAGENTA,
        TaskAction::Stop => RED,
    }
}

fn action_style(a: Action) -> Style {
    match a {
        Action::NoOp => Style::new(),
        Action::Create => GREEN,
        Action::Update => YELLOW,
        Action::Replace => MAGENTA,
        Action::Adopt => CYAN,
        Action::Delete => RED,
    }
}

/// Indent of the lines under a change's heading, and of what nests under a field.
const DETAIL: &str = "      ";
const NESTED: &str = "          ";

struct Writer<'a> {
    out: String,
    opts: &'a TextOptions,
}

impl Writer<'_> {
    fn paint(&self, style: Style, s: &str) -> String {
        if self.opts.color {
            format!("{style}{s}{style:#}")
        } else {
            s.to_string()
        }
    }

    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// `label` then `text` wrapped to the width, continuation lines under the text.
    fn prose(&mut self, label: &str, text: &str) {
        let text = describe::visible(text);
        let cont = " ".repeat(label.chars().count());
        for l in wrap(&text, self.opts.width, label, &cont) {
            self.line(&l);
        }
    }

    fn plan(&mut self, plan: &Plan) {
        self.header(plan);
        if plan.has_changes() {
            self.legend(plan);
            self.line("");
            self.line("assistctl will perform the following actions:");
            if !plan.ownership_moves.is_empty() {
                self.line("");
            }
            for m in &plan.ownership_moves {
                let line = describe::move_line(m);
                self.prose("  ", &line);
            }
            for c in plan.actions() {
                self.line("");
                self.change(c);
            }
            for i in plan
                .invocations
                .iter()
                .filter(|i| i.tasks.iter().any(describe::configured))
            {
                self.line("");
                self.invocation(i, describe::configured);
            }
        }
        self.membership(plan);
        self.unrunnable(plan);
        self.rollouts(plan);
        self.conflicts(plan);
        self.blockers(plan);
        self.not_reconciled(plan);
        self.warnings(plan);
        self.line("");
        let summary = if describe::is_in_sync(plan) {
            describe::no_changes_line(plan)
        } else {
            let line = describe::summary_line(&plan.summary);
            let fleet = describe::membership_counts(plan);
            if fleet.is_empty() {
                line
            } else {
                format!("{}{fleet}.", line.trim_end_matches('.'))
            }
        };
        let summary = self.paint(BOLD, &summary);
        self.line(&summary);
        self.line(&describe::api_line(&plan.api_calls));
    }

    fn header(&mut self, plan: &Plan) {
        let stack = self.paint(BOLD, &describe::visible(&plan.stack));
        self.line(&format!("Stack: {stack}"));
        let regions: Vec<String> = plan.regions.iter().map(|r| describe::visible(r)).collect();
        let regions = if regions.is_empty() {
            "(none)".to_string()
        } else {
            regions.join(", ")
        };
        self.line(&format!("Regions: {regions}"));
        self.line(&format!(
            "Plan made {} by assistctl {} (plan format {}).",
            describe::visible(&plan.created_at),
            describe::visible(&plan.assistctl_version),
            plan.format_version
        ));
    }

    fn legend(&mut self, plan: &Plan) {
        self.line("");
        self.line("Actions are shown with these symbols:");
        for a in describe::ACTIONS {
            if plan.actions().any(|c| c.action == a) {
                let sym = self.paint(action_style(a), &format!("{:>3}", a.symbol()));
                self.line(&format!("  {sym} {}", describe::label(a)));
            }
        }
        for a in [
            TaskAction::Invoke,
            TaskAction::Modify,
            TaskAction::Reinvoke,
            TaskAction::Stop,
        ] {
            if plan
                .invocations
                .iter()
                .any(|i| i.actions().any(|t| t.action == a))
            {
                let sym = self.paint(task_style(a), &format!("{:>3}", a.symbol()));
                self.line(&format!("  {sym} {} (a task)", a.label()));
            }
        }
    }

    /// Membership apart from configuration: what the fleet (instances that joined or left
    /// the targets, members stopped for now) causes, which a drift check does not count.
    fn membership(&mut self, plan: &Plan) {
        let changed: Vec<&InvocationPlan> = plan
            .invocations
            .iter()
            .filter(|i| i.tasks.iter().any(describe::joined))
            .collect();
        let notes = describe::membership_notes(plan);
        if changed.is_empty() && notes.is_empty() {
            return;
        }
        self.line("");
        let title = self.paint(
            BOLD,
            "Membership (the fleet changed, not the manifests; not drift):",
        );
        self.line(&title);
        for i in changed {
            self.line("");
            self.invocation(i, describe::joined);
        }
        if !notes.is_empty() {
            self.line("");
        }
        for (name, region, note) in notes {
            self.prose(
                "  ",
                &format!("invocation {name} in {region} is left as it is: {note}"),
            );
        }
    }

    /// Invocations no instance can run now: nothing is invoked, so they have no action,
    /// but what they target and why nothing can run it is worth a look.
    fn unrunnable(&mut self, plan: &Plan) {
        let list: Vec<&InvocationPlan> = describe::unrunnable(plan).collect();
        if list.is_empty() {
            return;
        }
        self.line("");
        let title = self.paint(
            YELLOW.bold(),
            "Invocations no instance can run now (nothing is invoked):",
        );
        self.line(&title);
        for i in list {
            self.line("");
            self.invocation(i, |t| t.action != TaskAction::NoOp);
        }
    }

    /// A document and those of its tasks `pick` selects.
    fn invocation(&mut self, i: &InvocationPlan, pick: fn(&TaskChange) -> bool) {
        let action = describe::invocation_action_of(i, pick);
        let style = task_style(action);
        let sym = if action == TaskAction::NoOp {
            self.paint(YELLOW.bold(), "  !")
        } else {
            self.paint(style, &format!("{:>3}", action.symbol()))
        };
        let verb = match action {
            TaskAction::NoOp => "has no instance to run on",
            TaskAction::Stop if i.source.is_none() => "will be stopped (its document is gone)",
            TaskAction::Stop => "has tasks to stop",
            TaskAction::Invoke => "will be invoked",
            _ => "will change",
        };
        let head = self.paint(
            style.bold(),
            &format!(
                "invocation {} in {} {verb}",
                describe::visible(&i.name),
                describe::visible(&i.region)
            ),
        );
        self.line(&format!("{sym} {head}"));
        if let Some(src) = &i.source {
            self.line(&format!("{DETAIL}source:     {}", describe::visible(src)));
        }
        self.line(&format!(
            "{DETAIL}command:    {}",
            describe::visible(&describe::invocation_command(i))
        ));
        self.prose(
            &format!("{DETAIL}schedule:   "),
            &describe::invocation_schedule(i),
        );
        for (n, f) in i.schedule.next_fires.iter().enumerate() {
            let label = if n == 0 {
                "next fires: "
            } else {
                "            "
            };
            self.line(&format!("{DETAIL}{label}{}", describe::visible(f)));
        }
        for (n, p) in describe::invocation_parameters(i).iter().enumerate() {
            let label = if n == 0 {
                "parameters: "
            } else {
                "            "
            };
            self.line(&format!("{DETAIL}{label}{p}"));
        }
        if i.source.is_some() {
            self.prose(
                &format!("{DETAIL}instances:  "),
                &format!("{} now: {}", i.instances.len(), instance_list(&i.instances)),
            );
        }
        for (n, x) in i.ineligible.iter().enumerate() {
            let label = if n == 0 {
                "left out:   "
            } else {
                "            "
            };
            self.prose(
                &format!("{DETAIL}{label}"),
                &format!("{}: {}", x.instance_id, x.reason),
            );
        }
        if let Some(r) = &i.rollout {
            for (label, text) in super::rollout::lines(&i.name, r) {
                self.prose(&format!("{DETAIL}{:<12}", format!("{label}:")), &text);
            }
        }
        for t in i.tasks.iter().filter(|t| pick(t)) {
            self.task(t);
        }
    }

    /// Rollouts with nothing to invoke now that still need an eye: halted, or a wave
    /// running.
    fn rollouts(&mut self, plan: &Plan) {
        let list: Vec<&InvocationPlan> = describe::idle_rollouts(plan).collect();
        if list.is_empty() {
            return;
        }
        self.line("");
        let title = self.paint(YELLOW.bold(), "Rollouts with nothing to invoke now:");
        self.line(&title);
        for i in list {
            self.line("");
            let head = self.paint(
                BOLD,
                &format!(
                    "invocation {} in {}",
                    describe::visible(&i.name),
                    describe::visible(&i.region)
                ),
            );
            self.line(&format!("  {head}"));
            if let Some(r) = &i.rollout {
                for (label, text) in super::rollout::lines(&i.name, r) {
                    self.prose(&format!("{DETAIL}{:<12}", format!("{label}:")), &text);
                }
            }
        }
    }

    fn task(&mut self, t: &TaskChange) {
        let style = task_style(t.action);
        let sym = self.paint(style, &format!("{:>3}", t.action.symbol()));
        let id =
            t.id.as_deref()
                .map_or(String::new(), |id| format!(" {}", describe::visible(id)));
        let n = t.instances.len();
        let wave = t
            .wave
            .map_or(String::new(), |w| format!(" (wave {})", w + 1));
        self.line(&format!(
            "{DETAIL}{sym} task batch {}{wave}{id} {} ({n} {})",
            t.batch,
            t.action.verb(),
            if n == 1 { "instance" } else { "instances" }
        ));
        for (n, r) in t.reasons.iter().enumerate() {
            let label = if n == 0 { "why: " } else { "     " };
            self.prose(&format!("{NESTED}{label}"), r);
        }
        let tilde = self.symbol("~");
        for f in &t.fields {
            let forces = if f.forces_replace {
                " (forces a new task)"
            } else {
                ""
            };
            if f.field == TaskField::Tags {
                // Key by key, as a command's tags are shown.
                self.line(&format!("{NESTED}{tilde} tags{forces}:"));
                self.tag_lines(&format!("{NESTED}    "), describe::tag_changes(f));
                continue;
            }
            self.line(&format!(
                "{NESTED}{tilde} {}: {:?} -> {:?}{forces}",
                f.field,
                f.before_text(),
                f.after_text()
            ));
        }
        // The instances field shows additions already when the task lists its instances.
        if !t.added_instances.is_empty()
            && !t.fields.iter().any(|f| f.field == TaskField::Instances)
        {
            let plus = self.symbol("+");
            self.prose(
                &format!("{NESTED}{plus} instances: "),
                &instance_list(&t.added_instances),
            );
        }
    }

    fn change(&mut self, c: &Change) {
        let style = action_style(c.action);
        let sym = self.paint(style, &format!("{:>3}", c.action.symbol()));
        let head = self.paint(
            style.bold(),
            &format!(
                "{} {} in {} {}",
                describe::kind(c.kind),
                describe::visible(&c.name),
                describe::visible(&c.region),
                c.action.verb()
            ),
        );
        self.line(&format!("{sym} {head}"));
        if let Some(id) = &c.id {
            self.line(&format!("{DETAIL}id:     {}", describe::visible(id)));
        }
        if let Some(src) = &c.source {
            self.line(&format!("{DETAIL}source: {}", describe::visible(src)));
        }
        for (i, r) in c.reasons.iter().enumerate() {
            let label = if i == 0 { "why:    " } else { "        " };
            self.prose(&format!("{DETAIL}{label}"), r);
        }
        match c.action {
            Action::Create => self.created(c),
            Action::Delete | Action::NoOp => {}
            Action::Update | Action::Replace | Action::Adopt => {
                for f in &c.fields {
                    self.field(c, f);
                }
            }
        }
    }

    fn symbol(&self, s: &str) -> String {
        let style = match s {
            "+" => GREEN,
            "-" => RED,
            _ => YELLOW,
        };
        self.paint(style, s)
    }

    /// Tag changes key by key: `+ key: "value"`, `~ key: "old" -> "new"`, `- key: "value"`.
    fn tag_lines(&mut self, indent: &str, changes: Vec<TagChange>) {
        let tilde = self.symbol("~");
        for t in changes {
            let l = match t {
                TagChange::Added { key, value } => {
                    format!(
                        "{} {}: {value:?}",
                        self.symbol("+"),
                        describe::visible(&key)
                    )
                }
                TagChange::Changed { key, before, after } => format!(
                    "{tilde} {}: {before:?} -> {after:?}",
                    describe::visible(&key)
                ),
                TagChange::Removed { key, value } => {
                    format!(
                        "{} {}: {value:?}",
                        self.symbol("-"),
                        describe::visible(&key)
                    )
                }
            };
            self.line(&format!("{indent}{l}"));
        }
    }

    fn created(&mut self, c: &Change) {
        let Some(d) = &c.desired else { return };
        let plus = self.symbol("+");
        for (field, value) in describe::create_fields(d) {
            self.line(&format!(
                "{DETAIL}{plus} {field}: {}",
                value_text(field, &value)
            ));
        }
        if !d.tags.is_empty() {
            self.line(&format!("{DETAIL}{plus} tags:"));
            for (k, v) in &d.tags {
                self.line(&format!("{NESTED}{plus} {}: {v:?}", describe::visible(k)));
            }
        }
        let lines = script::added(&d.content);
        match self.opts.script_lines {
            _ if lines.is_empty() => self.line(&format!("{DETAIL}{plus} content: \"\"")),
            Some(n) if lines.len() > n => {
                self.line(&format!(
                    "{DETAIL}{plus} content: {} lines (first {n} shown; --full to see all)",
                    lines.len()
                ));
                self.script(&lines[..n]);
            }
            _ => {
                self.line(&format!("{DETAIL}{plus} content:"));
                self.script(&lines);
            }
        }
    }

    fn field(&mut self, c: &Change, f: &CommandFieldDiff) {
        let tilde = self.symbol("~");
        let forces = if f.forces_replace {
            " (forces replacement)"
        } else {
            ""
        };
        let name = f.field.name();
        match f.field {
            CommandField::Content => {
                self.line(&format!("{DETAIL}{tilde} content{forces}:"));
                let lines = script::diff(c.id.as_deref(), &f.before_text(), &f.after_text());
                self.script(&lines);
            }
            CommandField::Tags => {
                self.line(&format!("{DETAIL}{tilde} tags{forces}:"));
                self.tag_lines(NESTED, describe::tag_changes(f));
            }
            field => {
                let before = f
                    .before
                    .as_ref()
                    .map_or("(none)".into(), |v| value_text(field, &v.text()));
                let after = f
                    .after
                    .as_ref()
                    .map_or("(none)".into(), |v| value_text(field, &v.text()));
                self.line(&format!(
                    "{DETAIL}{tilde} {name}: {before} -> {after}{forces}"
                ));
            }
        }
    }

    fn script(&mut self, lines: &[script::Line]) {
        for l in lines {
            let style = match l.kind {
                LineKind::Header => BOLD,
                LineKind::Hunk => CYAN,
                LineKind::Added => GREEN,
                LineKind::Removed => RED,
                LineKind::Context | LineKind::Note => Style::new(),
            };
            let text = if style == Style::new() {
                l.text.clone()
            } else {
                self.paint(style, &l.text)
            };
            self.line(&format!("{NESTED}{text}"));
        }
    }

    fn conflicts(&mut self, plan: &Plan) {
        if plan.conflicts.is_empty() {
            return;
        }
        self.line("");
        let title = self.paint(
            RED.bold(),
            "Conflicts: apply will not run until these are resolved.",
        );
        self.line(&title);
        for k in &plan.conflicts {
            self.line("");
            let bang = self.paint(RED.bold(), "  !");
            self.line(&format!(
                "{bang} {} {} in {} ({})",
                describe::kind(k.kind),
                describe::visible(&k.name),
                describe::visible(&k.region),
                describe::visible(&k.id)
            ));
            if let Some(src) = &k.source {
                self.line(&format!("{DETAIL}source:  {}", describe::visible(src)));
            }
            self.prose(&format!("{DETAIL}problem: "), &k.message);
            self.prose(&format!("{DETAIL}hint:    "), &k.hint);
        }
    }

    fn blockers(&mut self, plan: &Plan) {
        if plan.blockers.is_empty() {
            return;
        }
        self.line("");
        let title = self.paint(RED.bold(), "Blockers: apply will refuse this plan because");
        self.line(&title);
        for b in &plan.blockers {
            self.prose("  - ", b);
        }
    }

    fn not_reconciled(&mut self, plan: &Plan) {
        if plan.not_reconciled.is_empty() {
            return;
        }
        self.line("");
        let title = self.paint(BOLD, "Not reconciled yet:");
        self.line(&title);
        self.prose(
            "  ",
            "This version of assistctl does not plan or apply these documents; apply leaves them alone.",
        );
        for n in &plan.not_reconciled {
            self.line(&format!(
                "  - {} {} ({})",
                describe::visible(&n.kind),
                describe::visible(&n.name),
                describe::visible(&n.source)
            ));
        }
    }

    fn warnings(&mut self, plan: &Plan) {
        if plan.warnings.is_empty() {
            return;
        }
        self.line("");
        let title = self.paint(YELLOW.bold(), "Warnings:");
        self.line(&title);
        for w in &plan.warnings {
            self.prose("  - ", w);
        }
    }
}

/// Up to 20 instance ids, then how many more.
fn instance_list(ids: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut out: Vec<String> = ids
        .iter()
        .take(SHOWN)
        .map(|i| describe::visible(i))
        .collect();
    if ids.len() > SHOWN {
        out.push(format!("and {} more", ids.len() - SHOWN));
    }
    if out.is_empty() {
        "none".into()
    } else {
        out.join(", ")
    }
}

/// A field's value as the plan shows it: numbers and booleans bare, text quoted with
/// escapes (so an empty value or trailing space is visible).
fn value_text(field: CommandField, v: &str) -> String {
    if is_scalar(field) {
        describe::visible(v)
    } else {
        format!("{v:?}")
    }
}

/// Greedy word wrap; a word longer than the line stays whole on its own line.
fn wrap(text: &str, width: usize, first: &str, cont: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = first.to_string();
    let mut cur_len = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if !empty && width > 0 && cur_len + 1 + n > width {
            lines.push(std::mem::replace(&mut cur, cont.to_string()));
            cur_len = cont.chars().count();
            empty = true;
        }
        if !empty {
            cur.push(' ');
            cur_len += 1;
        }
        cur.push_str(word);
        cur_len += n;
        empty = false;
    }
    lines.push(cur);
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn prose_wraps_under_its_label() {
        assert_eq!(
            wrap("one two three four", 14, "why: ", "     "),
            ["why: one two", "     three", "     four"]
        );
        assert_eq!(wrap("a b", 0, "> ", "  "), ["> a b"]);
        assert_eq!(wrap("", 10, "x: ", "   "), ["x: "]);
    }
}
