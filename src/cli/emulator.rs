//! `assistctl emulator serve`: run the local Cloud Assistant until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde::Deserialize;

use crate::domain::limits;
use crate::emulator::{
    AccessKey, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_PORT, Emulator,
    EmulatorConfig, FaultConfig, Inventory, ServiceConfig, StateLocation, default_access_key,
    default_state_path,
};

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    #[command(subcommand)]
    pub command: EmulatorCommand,
}

#[derive(Debug, Subcommand)]
pub enum EmulatorCommand {
    /// Serve the ECS Cloud Assistant API on a local address.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port. The bound address is printed.
    #[arg(long, value_name = "ADDR", default_value_t = SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))]
    pub listen: SocketAddr,

    /// SQLite file holding the emulator's state [default: <data dir>/assistctl/emulator.db].
    #[arg(long, value_name = "PATH", conflicts_with = "ephemeral")]
    pub state: Option<PathBuf>,

    /// Keep state in memory only; it is gone when the emulator stops.
    #[arg(long)]
    pub ephemeral: bool,

    /// YAML file describing the account, regions and instances [default: the built-in one:
    /// 8 ECS instances and 2 managed instances in cn-hangzhou].
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,

    /// YAML file of accepted key pairs: `accessKeys: [{accessKeyId, accessKeySecret,
    /// securityToken?}]`.
    #[arg(long, value_name = "FILE")]
    pub keys_file: Option<PathBuf>,

    /// AccessKey ID to accept (with --access-key-secret) [default: LTAIlocalemulator].
    #[arg(long, value_name = "ID", requires = "access_key_secret")]
    pub access_key_id: Option<String>,

    /// AccessKey secret of --access-key-id.
    #[arg(
        long,
        value_name = "SECRET",
        env = "ASSISTCTL_EMULATOR_ACCESS_KEY_SECRET",
        hide_env_values = true,
        requires = "access_key_id"
    )]
    pub access_key_secret: Option<String>,

    /// AccessKey ID of an STS credential to accept; its requests must carry --sts-token.
    #[arg(long, value_name = "ID", requires_all = ["sts_access_key_secret", "sts_token"])]
    pub sts_access_key_id: Option<String>,

    /// AccessKey secret of the STS credential.
    #[arg(
        long,
        value_name = "SECRET",
        hide_env_values = true,
        requires = "sts_access_key_id"
    )]
    pub sts_access_key_secret: Option<String>,

    /// Security token the STS credential must present.
    #[arg(
        long,
        value_name = "TOKEN",
        hide_env_values = true,
        requires = "sts_access_key_id"
    )]
    pub sts_token: Option<String>,

    /// Commands that may be kept per region (the service's quota: 500 to 50,000).
    #[arg(long, value_name = "N", default_value_t = limits::DEFAULT_COMMAND_QUOTA,
          value_parser = clap::value_parser!(u64).range(1..=limits::MAX_COMMAND_QUOTA))]
    pub command_quota: u64,

    /// Tasks (InvokeCommand / RunCommand) that may be created per region per UTC day.
    #[arg(long, value_name = "N", default_value_t = crate::emulator::service::DEFAULT_INVOCATION_DAILY_QUOTA)]
    pub invocation_daily_quota: u64,

    /// Share of requests (0..1) that fail with 500 InternalError or 503 ServiceUnavailable.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    pub fail_rate: f64,

    /// Share of requests (0..1) answered 400 Throttling.User.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    pub throttle_rate: f64,

    /// Delay added to every API request, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,

    /// Seed for ids and fault injection, for reproducible runs.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Run scripts directly on this machine, without a sandbox per instance (never the
    /// default: a script can then change anything the emulator's user can).
    #[arg(long)]
    pub unsandboxed: bool,

    /// Directory of the instances' own files [default: `instances/` beside the state file;
    /// a temporary directory with --ephemeral].
    #[arg(long, value_name = "DIR")]
    pub instances_dir: Option<PathBuf>,

    /// Emulated time runs N times as fast as real time, so schedules fire sooner (script
    /// timeouts stay real seconds). `POST /_emulator/clock?advance=SECONDS` jumps it.
    #[arg(long, value_name = "N", default_value_t = 1.0, value_parser = parse_scale)]
    pub time_scale: f64,

    /// Start no run: runs wait Pending (or Scheduled) as if no agent polled. For tests of
    /// the API's answers alone.
    #[arg(long)]
    pub hold_runs: bool,

    /// Scripts run at the same time, all instances together; more wait their turn.
    #[arg(long, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub max_concurrent_runs: u64,
}

fn parse_scale(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (1.0..=1_000_000.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number from 1 to 1000000")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeysFile {
    access_keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyEntry {
    access_key_id: String,
    access_key_secret: String,
    security_token: Option<String>,
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

pub fn run(args: EmulatorArgs) -> anyhow::Result<()> {
    match args.command {
        EmulatorCommand::Serve(serve) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(serve_until_stopped(serve))
        }
    }
}

/// The configuration the flags describe.
pub fn config_from_args(a: &ServeArgs) -> anyhow::Result<EmulatorConfig> {
    let inventory = match &a.inventory {
        Some(path) => Inventory::load(path)?,
        None => Inventory::default_world(),
    };
    let mut keys = Vec::new();
    if let (Some(id), Some(secret)) = (&a.access_key_id, &a.access_key_secret) {
        keys.push(AccessKey {
            id: id.clone(),
            secret: secret.clone(),
            security_token: None,
        });
    }
    if let Some(path) = &a.keys_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read keys file {}", path.display()))?;
        let file: KeysFile = serde_saphyr::from_str(&text)
            .map_err(|e| anyhow::anyhow!("keys file {} is not valid: {e}", path.display()))?;
        keys.extend(file.access_keys.into_iter().map(|k| AccessKey {
            id: k.access_key_id,
            secret: k.access_key_secret,
            security_token: k.security_token,
        }));
    }
    if keys.is_empty() {
        keys.push(default_access_key());
    }
    if let (Some(id), Some(secret), Some(token)) =
        (&a.sts_access_key_id, &a.sts_access_key_secret, &a.sts_token)
    {
        keys.push(AccessKey {
            id: id.clone(),
            secret: secret.clone(),
            security_token: Some(token.clone()),
        });
    }
    let faults = FaultConfig {
        fail_rate: a.fail_rate,
        throttle_rate: a.throttle_rate,
        latency_ms: a.latency_ms,
    };
    if let Err(e) = faults.validate() {
        bail!("--fail-rate / --throttle-rate: {e}");
    }
    Ok(EmulatorConfig {
        listen: a.listen,
        state: if a.ephemeral {
            StateLocation::Ephemeral
        } else {
            StateLocation::File(a.state.clone().unwrap_or_else(default_state_path))
        },
        inventory,
        access_keys: keys,
        service: ServiceConfig {
            command_quota: a.command_quota,
            invocation_daily_quota: a.invocation_daily_quota,
            ..ServiceConfig::default()
        },
        faults,
        seed: a.seed,
        agent: crate::emulator::AgentOptions {
            unsandboxed: a.unsandboxed,
            instances_dir: a.instances_dir.clone(),
            time_scale: a.time_scale,
            max_concurrent_runs: usize::try_from(a.max_concurrent_runs).unwrap_or(64),
            hold_runs: a.hold_runs,
        },
    })
}

async fn serve_until_stopped(args: ServeArgs) -> anyhow::Result<()> {
    let config = config_from_args(&args)?;
    let state = match &config.state {
        StateLocation::File(p) => p.display().to_string(),
        StateLocation::Ephemeral => "in memory (--ephemeral)".into(),
    };
    let stop = StopSignal::install();
    let running = Emulator::start(config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "assistctl emulator listening on {}",
            running.endpoint_url()
        )?;
        writeln!(out, "  state:             {state}")?;
        writeln!(out, "  access key id:     {}", running.access_key_id())?;
        // Only the built-in local pair is printed; a configured secret never is.
        if running.access_key_id() == DEFAULT_ACCESS_KEY_ID
            && running.access_key_secret() == DEFAULT_ACCESS_KEY_SECRET
        {
            writeln!(out, "  access key secret: {DEFAULT_ACCESS_KEY_SECRET}")?;
        }
        writeln!(
            out,
            "  metrics:           {}/metrics",
            running.endpoint_url()
        )?;
        writeln!(out, "  scripts:           {}", running.sandbox().describe())?;
        out.flush()?;
    }
    if let crate::emulator::agent::sandbox::Mode::Unavailable(why) = running.sandbox() {
        eprintln!("warning: scripts cannot run: {why}; their runs end with an error");
    }
    stop.wait().await;
    tracing::info!("stopping the emulator");
    running.shutdown().await;
    Ok(())
}

/// SIGINT and SIGTERM, listened for from the moment this is made: a service manager may
/// stop the emulator right after it printed its address, and a signal that came before the
/// handlers were installed would kill it without recording its runs.
struct StopSignal {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignal {
    fn install() -> StopSignal {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            StopSignal {
                streams: signal(SignalKind::interrupt())
                    .and_then(|i| Ok((i, signal(SignalKind::terminate())?)))
                    .ok(),
            }
        }
        #[cfg(not(unix))]
        StopSignal {}
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.streams {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
