//! `assistctl plan`: what apply would change, and why.

use std::path::PathBuf;

use anstream::{eprintln, print};

use super::connect::{self, ConnectArgs};
use super::output::{ERROR, HALTED};
use crate::reconcile::{self, Plan, PlanOptions};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Save the plan (JSON; it never holds a secret value) for `apply --plan`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 0 when there is nothing to do, 2 when there are changes, 3 when a rollout is
    /// halted, 1 on error. Membership changes alone (instances that joined or left the
    /// targets) exit 0.
    #[arg(long)]
    pub detailed_exitcode: bool,
    #[command(flatten)]
    pub detail: DetailArgs,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// What a plan covers and refuses; shared by plan and apply.
#[derive(Debug, Clone, clap::Args)]
pub struct ScopeArgs {
    /// Only these documents (by metadata.name); may be repeated.
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,
    /// Allow a plan that deletes every command the stack owns.
    #[arg(long)]
    pub allow_empty: bool,
    /// Fail when an invocation targets an instance that cannot run it, instead of leaving
    /// the instance out.
    #[arg(long)]
    pub strict: bool,
    /// This stack is STACK renamed: take over STACK's commands and tasks (re-tag them)
    /// instead of making them again. May be repeated.
    #[arg(long, value_name = "STACK")]
    pub take_over_from: Vec<String>,
    /// Another stack owning documents of the same names is intended (e.g. one stack per
    /// environment in one region): warn instead of refusing the plan.
    #[arg(long)]
    pub allow_duplicates: bool,
    /// Resume the halted rollout of invocation NAME: its failures so far are accepted and
    /// the next waves run. May be repeated.
    #[arg(long, value_name = "NAME")]
    pub resume: Vec<String>,
}

impl ScopeArgs {
    pub fn options(&self) -> PlanOptions {
        PlanOptions {
            targets: self.targets.clone(),
            allow_empty: self.allow_empty,
            strict: self.strict,
            take_over_from: self.take_over_from.clone(),
            allow_duplicates: self.allow_duplicates,
            resume: self.resume.clone(),
        }
    }
}

/// How much of the created commands' scripts the text plan shows; shared by plan and apply.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct DetailArgs {
    /// Show every line of every created command's script (the default unless the plan
    /// creates more than 20 commands).
    #[arg(long, conflicts_with = "compact")]
    pub full: bool,
    /// Show only the first 5 lines of each created command's script and how many it has
    /// (the default when the plan creates more than 20 commands). Updates and replacements
    /// always show their whole diff.
    #[arg(long)]
    pub compact: bool,
}

/// Above this many creates the text plan is compact unless --full: a first apply of a
/// large stack would otherwise print every script, thousands of lines nobody reviews.
pub const COMPACT_AFTER: usize = 20;

/// Lines of a created script the compact form shows.
pub const COMPACT_LINES: usize = 5;

impl DetailArgs {
    /// The script lines a create shows in the text plan of `plan` (None: all).
    pub fn script_lines(&self, plan: &Plan) -> Option<usize> {
        let creates = plan
            .changes
            .iter()
            .filter(|c| c.action == crate::reconcile::Action::Create)
            .count();
        (self.compact || (!self.full && creates > COMPACT_AFTER)).then_some(COMPACT_LINES)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

pub async fn run(args: Args) -> anyhow::Result<u8> {
    let desired = super::desired::load(&args.paths)?;
    let region = desired.regions.first().cloned().unwrap_or_default();
    let conn = connect::connect(&args.connect, &region).await?;
    let result = reconcile::plan(&conn.client, &desired, &args.scope.options()).await;
    conn.close().await;
    let mut plan = result?;
    plan.paths = args.paths.iter().map(|p| p.display().to_string()).collect();
    if let Some(out) = &args.out {
        std::fs::write(out, render::json::render(&plan))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
    }
    print!("{}", show(&plan, args.format, &args.detail));
    Ok(exit_code(&plan, args.detailed_exitcode))
}

/// The plan in `format`. A plan holds no secret value, so nothing needs masking. The
/// markdown form keeps to a comment's size by its own budget, so `detail` is for text.
pub fn show(plan: &Plan, format: Format, detail: &DetailArgs) -> String {
    match format {
        Format::Text => render::text::render(
            plan,
            &render::text::TextOptions {
                color: anstream::AutoStream::choice(&std::io::stdout())
                    != anstream::ColorChoice::Never,
                width: 100,
                script_lines: detail.script_lines(plan),
            },
        ),
        Format::Json => render::json::render(plan),
        Format::Markdown => render::markdown::render(plan),
    }
}

/// 1 when the plan cannot be applied as is (conflicts, blockers); otherwise 0, or 2 with
/// --detailed-exitcode when the manifests and the cloud differ. Membership changes alone
/// (instances that joined or left the targets: a new or started instance to run, a
/// removed one) exit 0: a nightly drift check must not turn red because an instance was
/// stopped or added; apply still runs the joiners, and the note says so.
pub fn exit_code(plan: &Plan, detailed: bool) -> u8 {
    if !plan.conflicts.is_empty() || !plan.blockers.is_empty() {
        for b in &plan.blockers {
            eprintln!("{ERROR}error{ERROR:#}: {b}");
        }
        return 1;
    }
    if detailed {
        let halted: Vec<String> = plan
            .invocations
            .iter()
            .filter_map(|i| {
                let r = i.rollout.as_ref()?;
                matches!(r.state, crate::reconcile::RolloutState::Halted { .. }).then(|| {
                    format!(
                        "rollout {} ({}) is {}",
                        i.name,
                        i.region,
                        crate::reconcile::describe_rollout(&r.state)
                    )
                })
            })
            .collect();
        if !halted.is_empty() {
            for h in &halted {
                eprintln!("{ERROR}halted{ERROR:#}: {h}");
            }
            return HALTED;
        }
    }
    if detailed && plan.has_changes() && !plan.has_drift() {
        eprintln!(
            "note: only the fleet changed ({} membership {}: instances joined or left the targets), which is not drift, so the exit code is 0; `assistctl apply` runs them",
            plan.summary.membership,
            if plan.summary.membership == 1 {
                "task"
            } else {
                "tasks"
            }
        );
    }
    u8::from(detailed && plan.has_drift()) * 2
}
