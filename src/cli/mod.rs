//! Command-line interface: one module per subcommand; this file holds the global
//! flags, logging and dispatch.

mod apply;
mod completions;
mod connect;
mod desired;
pub mod emulator;
mod import;
mod output;
mod plan;
mod schema;
mod status;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

/// Keep Alibaba Cloud ECS Cloud Assistant commands in git: validate, plan, apply and
/// detect drift, against Alibaba Cloud or the embedded local emulator.
#[derive(Debug, Parser)]
#[command(name = "assistctl", version, propagate_version = true)]
pub struct Cli {
    /// When to use colours: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, env = "ASSISTCTL_COLOR")]
    pub color: ColorWhen,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests offline: YAML, schema, service limits, parameters, schedules, secrets.
    Validate(validate::Args),
    /// Show what apply would change: created, updated, replaced, adopted, deleted, and why.
    Plan(plan::Args),
    /// Make the cloud match the manifests (from a fresh or a saved plan).
    Apply(apply::Args),
    /// The latest run of each invocation per instance: status, exit code, times, output.
    Status(status::Args),
    /// Adopt existing commands no stack owns: write their manifests and scripts.
    Import(import::Args),
    /// The local Cloud Assistant emulator (`emulator serve`).
    Emulator(emulator::EmulatorArgs),
    /// Print the JSON Schema of manifests.
    Schema(schema::Args),
    /// Print a shell completion script.
    Completions(completions::Args),
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // A usage error exits 1, never 2: 2 means "changes" under --detailed-exitcode,
            // and a nightly drift job must not read a mistyped flag as drift.
            return ExitCode::from(u8::from(e.use_stderr()));
        }
    };
    setup(&cli);
    let result = match cli.command {
        Command::Validate(a) => validate::run(a),
        Command::Plan(a) => block_on(plan::run(a)),
        Command::Apply(a) => block_on(apply::run(a)),
        Command::Import(a) => block_on(import::run(a)),
        Command::Status(a) => block_on(status::run(a)),
        Command::Emulator(a) => emulator::run(a).map(|()| 0),
        Command::Schema(a) => schema::run(a),
        Command::Completions(a) => completions::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(1)
        }
    }
}

fn block_on<F: std::future::Future<Output = anyhow::Result<u8>>>(f: F) -> anyhow::Result<u8> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?
        .block_on(f)
}

fn setup(cli: &Cli) {
    let choice = match cli.color {
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
        ColorWhen::Auto => anstream::ColorChoice::Auto,
    };
    choice.write_global();
    // The emulator's one log line per request is its output, so it logs at info.
    let quiet_default = if matches!(cli.command, Command::Emulator(_)) {
        "info"
    } else {
        "warn"
    };
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (_, 0) => quiet_default,
        (_, 1) => "info",
        (_, 2) => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("assistctl={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never)
        .with_target(false)
        .try_init();
}
