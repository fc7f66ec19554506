//! Command-line interface: one module per subcommand.

pub mod emulator;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Keep Alibaba Cloud ECS Cloud Assistant commands in git.
#[derive(Debug, Parser)]
#[command(name = "assistctl", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The local Cloud Assistant emulator.
    Emulator(emulator::EmulatorArgs),
}

/// Parses the arguments, sets up logging to stderr and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let result = match cli.command {
        Command::Emulator(args) => emulator::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
