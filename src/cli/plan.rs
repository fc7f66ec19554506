//! `assistctl plan`: what apply would change, and why.

use std::path::PathBuf;

use anstream::{eprintln, print};

use super::connect::{self, ConnectArgs};
use super::output::ERROR;
use crate::reconcile::plan::Plan;
use crate::reconcile::planner::{self, PlanOptions};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Save the plan (JSON, secrets redacted) for `apply --plan`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
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
}

impl ScopeArgs {
    pub fn options(&self) -> PlanOptions {
        PlanOptions {
            targets: self.targets.clone(),
            allow_empty: self.allow_empty,
            strict: self.strict,
        }
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
    let result = planner::plan(&conn.client, &desired, &args.scope.options()).await;
    conn.close().await;
    let plan = result?;
    let secrets = super::desired::env_secrets(&desired);
    if let Some(out) = &args.out {
        std::fs::write(out, render::json::render_with_secrets(&plan, &secrets))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
    }
    print!("{}", show(&plan, args.format, &secrets));
    Ok(exit_code(&plan, args.detailed_exitcode))
}

/// The plan in `format`, with every value of `secrets` masked.
pub fn show(plan: &Plan, format: Format, secrets: &render::Secrets) -> String {
    match format {
        Format::Text => render::text::render_with_secrets(
            plan,
            &render::text::TextOptions {
                color: anstream::AutoStream::choice(&std::io::stdout())
                    != anstream::ColorChoice::Never,
                width: 100,
            },
            secrets,
        ),
        Format::Json => render::json::render_with_secrets(plan, secrets),
        Format::Markdown => render::markdown::render_with_secrets(plan, secrets),
    }
}

/// 1 when the plan cannot be applied as is (conflicts, blockers); otherwise 0, or 2 for
/// changes with --detailed-exitcode.
pub fn exit_code(plan: &Plan, detailed: bool) -> u8 {
    if !plan.conflicts.is_empty() || !plan.blockers.is_empty() {
        for b in &plan.blockers {
            eprintln!("{ERROR}error{ERROR:#}: {b}");
        }
        return 1;
    }
    u8::from(detailed && plan.has_changes()) * 2
}
