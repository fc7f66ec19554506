//! Connection flags shared by every subcommand that talks to Cloud Assistant, and the
//! embedded local emulator behind `--local`.

use anyhow::Context;

use crate::cloud::builder::ENDPOINT_VAR;
use crate::cloud::retry::RetryConfig;
use crate::cloud::{Client, ClientBuilder, Env, SignatureVersion, StaticCredentials};
use crate::emulator::store::{StateLocation, Store};
use crate::emulator::{Emulator, EmulatorConfig, RunningEmulator};

/// The profile variable of the credential chain, which `--local` ignores.
const PROFILE_VAR: &str = "ALIBABA_CLOUD_PROFILE";

#[derive(Debug, Clone, clap::Args)]
pub struct ConnectArgs {
    /// Use the embedded local Cloud Assistant emulator instead of Alibaba Cloud; its state
    /// is kept under .assistctl/ of the current directory. ALIBABA_CLOUD_ECS_ENDPOINT and
    /// ALIBABA_CLOUD_PROFILE in the environment are ignored then.
    // Only the flags conflict: the environment variables are read by the client builder,
    // not by clap, so a shell that exports them can still run `--local` (it is explicit).
    #[arg(long, conflicts_with_all = ["endpoint", "profile"])]
    pub local: bool,
    /// API endpoint, a URL or host (default: ALIBABA_CLOUD_ECS_ENDPOINT, else the region's
    /// ECS endpoint). Plain http only for loopback addresses.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Profile of ~/.aliyun/config.json to take credentials from (default:
    /// ALIBABA_CLOUD_PROFILE).
    #[arg(long)]
    pub profile: Option<String>,
    /// Sign requests with the legacy RPC HMAC-SHA1 (v1) instead of ACS3-HMAC-SHA256.
    #[arg(long)]
    pub signature_v1: bool,
    /// Attempts per API call that may end in a server or network error, the first included
    /// (1 disables those retries). Throttled attempts are not counted: up to 10 of them are
    /// retried, with backoff, within the call's 150 s budget.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Client-side limit of API requests per second per region, to stay under the
    /// account's API flow control. Throttling halves the rate (down to 1/s); successes bring
    /// it back up to this ceiling.
    #[arg(long, default_value_t = 20.0)]
    pub requests_per_second: f64,
}

impl ConnectArgs {
    fn retry(&self) -> RetryConfig {
        RetryConfig {
            max_attempts: self.max_attempts,
            ..RetryConfig::default()
        }
    }
}

/// How long an embedded emulator waits for the runs due now before its process exits; a
/// script still running then is killed and recorded as interrupted.
pub const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A client, and the emulator it talks to when `--local` started one.
pub struct Connection {
    pub client: Client,
    emulator: Option<RunningEmulator>,
}

impl Connection {
    /// Closes the connection. An embedded emulator first lets the runs due now finish (for at
    /// most [`DRAIN_LIMIT`]), so `apply --local` leaves its `once` runs done, not interrupted.
    pub async fn close(self) {
        if let Some(e) = self.emulator {
            e.drain(DRAIN_LIMIT).await;
            e.shutdown().await;
        }
    }
}

pub async fn connect(args: &ConnectArgs, region: &str) -> anyhow::Result<Connection> {
    if !(args.requests_per_second > 0.0 && args.requests_per_second.is_finite()) {
        anyhow::bail!("--requests-per-second must be a positive number");
    }
    let version = if args.signature_v1 {
        SignatureVersion::V1
    } else {
        SignatureVersion::V3
    };
    if args.local {
        for var in [ENDPOINT_VAR, PROFILE_VAR] {
            if std::env::var_os(var).is_some() {
                tracing::debug!("--local: ignoring {var} of the environment");
            }
        }
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let db = cwd.join(".assistctl").join("emulator.db");
        let existed = db.exists();
        let emu = Emulator::start(EmulatorConfig::local_default(&cwd))
            .await
            .context("cannot start the local emulator")?;
        announce_state(&db, existed);
        // The local state holds each instance's files, a copy of /etc among them: keep it
        // out of the repository the manifests live in.
        let ignore = cwd.join(".assistctl").join(".gitignore");
        if !ignore.exists() {
            let _ = std::fs::write(&ignore, "# assistctl --local state: never commit it\n*\n");
        }
        tracing::info!(endpoint = %emu.endpoint_url(), "started the local emulator");
        let client = ClientBuilder::new()
            .region(region)
            .endpoint(emu.endpoint_url())
            .credentials(StaticCredentials::new(
                emu.access_key_id(),
                emu.access_key_secret(),
            ))
            .signature_version(version)
            .retry(args.retry())
            .rate_limit(args.requests_per_second)
            .build()?;
        return Ok(Connection {
            client,
            emulator: Some(emu),
        });
    }
    let mut b = ClientBuilder::from_env(&Env::from_process(), args.profile.as_deref())
        .region(region)
        .signature_version(version)
        .retry(args.retry())
        .rate_limit(args.requests_per_second);
    if let Some(e) = &args.endpoint {
        b = b.endpoint(e.clone());
    }
    Ok(Connection {
        client: b.build()?,
        emulator: None,
    })
}

/// Says on stderr which local state `--local` uses: run in another directory, it starts an
/// empty one, and a plan would then create everything; that must not pass unnoticed.
fn announce_state(db: &std::path::Path, existed: bool) {
    use anstream::eprintln;
    if !existed {
        eprintln!(
            "note: --local created a new, empty emulator state in {} (the state is per directory: run from the directory of an earlier --local apply to use its state)",
            db.display()
        );
        return;
    }
    let count = Store::open_reader(&StateLocation::File(db.to_path_buf()))
        .ok()
        .flatten()
        .and_then(|c| {
            c.query_row("SELECT COUNT(*) FROM commands", [], |r| r.get::<_, i64>(0))
                .ok()
        });
    match count {
        Some(n) => eprintln!(
            "note: --local uses the emulator state in {} ({n} {})",
            db.display(),
            if n == 1 { "command" } else { "commands" }
        ),
        None => eprintln!("note: --local uses the emulator state in {}", db.display()),
    }
}
