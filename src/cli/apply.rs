//! `assistctl apply`: make the cloud match the manifests, from a fresh plan (shown and
//! confirmed) or from a saved, reviewed plan (refused when stale).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anstream::{eprintln, print, println};
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};

use super::connect::{self, ConnectArgs};
use super::output::{BOLD, ERROR, OK};
use super::plan::{Format, ScopeArgs, exit_code, show};
use crate::reconcile::apply::{self, Outcome};
use crate::reconcile::plan::{PLAN_FORMAT_VERSION, Plan};
use crate::reconcile::planner::{self, PlanOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Apply this saved plan (from `plan --out`) instead of planning again; refused when the
    /// manifests or the cloud changed since it was made.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Changes applied at the same time.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallelism: u16,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

pub async fn run(args: Args) -> anyhow::Result<u8> {
    let desired = super::desired::load(&args.paths)?;
    let region = desired.regions.first().cloned().unwrap_or_default();
    let conn = connect::connect(&args.connect, &region).await?;
    let result = run_with(&args, &desired, &conn.client).await;
    conn.close().await;
    result
}

async fn run_with(
    args: &Args,
    desired: &crate::reconcile::desired::Desired,
    client: &crate::cloud::Client,
) -> anyhow::Result<u8> {
    let plan = match &args.plan {
        Some(file) => {
            let plan = read_plan(file)?;
            check_fresh(&plan, desired, client).await?;
            plan
        }
        None => planner::plan(client, desired, &args.scope.options()).await?,
    };
    let mut secrets = super::desired::env_secrets(desired);
    print!("{}", show(&plan, Format::Text, &secrets));
    if exit_code(&plan, false) != 0 {
        bail!("the plan cannot be applied: resolve the conflicts and errors above first");
    }
    if !plan.has_changes() {
        return Ok(0);
    }
    // Every variable is checked before anything changes, and all missing ones are named.
    let env = super::desired::require_env(&plan.env_needed())?;
    secrets.extend(env.clone());
    if args.plan.is_none() && !args.auto_approve && !confirm()? {
        println!("Apply cancelled.");
        return Ok(1);
    }
    let tasks: usize = plan.invocations.iter().map(|i| i.actions().count()).sum();
    let bar = progress((plan.actions().count() + tasks) as u64);
    let progress = |label: &str, ok: bool| {
        bar.set_message(label.to_string());
        if !ok {
            bar.println(format!("failed: {label}"));
        }
        bar.inc(1);
    };
    let outcome = apply::apply(
        client,
        &plan,
        usize::from(args.parallelism),
        &env,
        &progress,
    )
    .await;
    bar.finish_and_clear();
    Ok(report(&outcome, &secrets))
}

fn read_plan(file: &PathBuf) -> anyhow::Result<Plan> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the plan {}", file.display()))?;
    let plan: Plan = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an assistctl plan", file.display()))?;
    if plan.format_version != PLAN_FORMAT_VERSION {
        bail!(
            "{} has plan format {}, this assistctl reads format {PLAN_FORMAT_VERSION}; make the plan again with this version",
            file.display(),
            plan.format_version
        );
    }
    Ok(plan)
}

/// Refuses a saved plan whose manifests or live objects changed since it was made.
async fn check_fresh(
    plan: &Plan,
    desired: &crate::reconcile::desired::Desired,
    client: &crate::cloud::Client,
) -> anyhow::Result<()> {
    if plan.stack != desired.stack {
        bail!(
            "the plan is for stack `{}`, but the manifests are stack `{}`",
            plan.stack,
            desired.stack
        );
    }
    if planner::manifest_digest(desired) != plan.manifest_digest {
        bail!(
            "the plan is stale: the manifests changed since it was made (run `assistctl plan --out` again and review it)"
        );
    }
    // The plan is made again from the cloud as it is now; only its live digest is used.
    let now = planner::plan(client, desired, &PlanOptions::default()).await?;
    if now.live_digest != plan.live_digest {
        bail!(
            "the plan is stale: the commands in the cloud changed since it was made, or the tasks or instances of its invocations did (run `assistctl plan --out` again and review it)"
        );
    }
    Ok(())
}

fn confirm() -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to apply without confirmation: not on a terminal; pass --auto-approve, or apply a reviewed plan with --plan"
        );
    }
    print!("\n{BOLD}Apply these changes?{BOLD:#} Only 'yes' is accepted: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim() == "yes")
}

fn progress(n: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(n);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

fn report(o: &Outcome, secrets: &crate::render::Secrets) -> u8 {
    let r = |s: &str| crate::render::redact(s, secrets);
    for (c, id) in &o.applied {
        let id = id.as_deref().or(c.id.as_deref()).unwrap_or_default();
        println!(
            "{} command {} ({}) {}: done {id}",
            c.action.symbol(),
            c.name,
            c.region,
            past(c.action)
        );
    }
    for f in &o.failures {
        eprintln!(
            "{ERROR}error{ERROR:#}: {} command {} ({}) failed: {} (request id {}): {}",
            f.change.action.symbol(),
            f.change.name,
            f.change.region,
            f.code,
            if f.request_id.is_empty() {
                "none"
            } else {
                &f.request_id
            },
            r(&f.message)
        );
    }
    for t in &o.tasks.applied {
        println!(
            "{} invocation {} ({}) batch {} {}: done {}",
            t.action.symbol(),
            t.name,
            t.region,
            t.batch,
            task_past(t.action),
            t.id
        );
    }
    for f in &o.tasks.failures {
        eprintln!(
            "{ERROR}error{ERROR:#}: {} invocation {} ({}) batch {} failed: {} (request id {}): {}",
            f.action.symbol(),
            f.name,
            f.region,
            f.batch,
            f.code,
            if f.request_id.is_empty() {
                "none"
            } else {
                &f.request_id
            },
            r(&f.message)
        );
    }
    let applied = o.applied.len() + o.tasks.applied.len();
    let failed = o.failures.len() + o.tasks.failures.len();
    if failed == 0 {
        println!("{OK}Apply complete:{OK:#} {applied} changes applied.");
        0
    } else {
        println!(
            "{ERROR}Apply incomplete:{ERROR:#} {applied} applied, {failed} failed. Fix the cause and run apply again; it continues from where the cloud is now."
        );
        1
    }
}

fn task_past(a: crate::reconcile::invocation_plan::TaskAction) -> &'static str {
    use crate::reconcile::invocation_plan::TaskAction::*;
    match a {
        NoOp => "unchanged",
        Invoke => "invoked",
        Modify => "modified",
        Reinvoke => "stopped and invoked again",
        Stop => "stopped",
    }
}

fn past(a: crate::reconcile::plan::Action) -> &'static str {
    use crate::reconcile::plan::Action::*;
    match a {
        NoOp => "unchanged",
        Create => "created",
        Update => "updated",
        Replace => "replaced",
        Adopt => "adopted",
        Delete => "deleted",
    }
}
