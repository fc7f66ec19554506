//! The local Cloud Assistant: an HTTP server that speaks the ECS 2014-05-26 RPC API (signed
//! requests, the real parameter names, limits and error codes) and keeps its state in SQLite.
//!
//! Layout, after moto's split: [`wire`] parses requests and renders answers, [`auth`] checks
//! signatures, [`errors`] holds every error code, [`service`] the rules per operation family,
//! [`store`] the SQLite schema and queries, [`inventory`] the instances, [`faults`] fault
//! injection, [`metrics`] Prometheus metrics, [`server`] the HTTP glue.
//!
//! Embedding: [`Emulator::start`] runs it in-process (as `--local` does):
//!
//! ```no_run
//! # async fn demo() -> Result<(), assistctl::emulator::EmulatorError> {
//! use assistctl::emulator::{Emulator, EmulatorConfig};
//! let cwd = std::env::current_dir().unwrap();
//! let running = Emulator::start(EmulatorConfig::local_default(&cwd)).await?;
//! println!("{} as {}", running.endpoint_url(), running.access_key_id());
//! running.shutdown().await;
//! # Ok(()) }
//! ```

pub mod agent;
pub mod auth;
pub mod clock;
pub mod console;
pub mod errors;
pub mod faults;
pub mod ids;
pub mod inventory;
pub mod metrics;
pub mod server;
pub mod service;
pub mod state;
pub mod store;
pub mod wire;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::AccessKey;
pub use faults::FaultConfig;
pub use inventory::Inventory;
pub use service::ServiceConfig;
pub use store::StateLocation;

/// The access key pair accepted when none is configured (local use only).
pub const DEFAULT_ACCESS_KEY_ID: &str = "LTAIlocalemulator";
pub const DEFAULT_ACCESS_KEY_SECRET: &str = "local-emulator-secret";
/// Port of `assistctl emulator serve` when `--listen` is not given.
pub const DEFAULT_PORT: u16 = 8089;

/// How to run an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub listen: SocketAddr,
    pub state: StateLocation,
    pub inventory: Inventory,
    /// Accepted key pairs; the first is the one [`RunningEmulator::access_key_id`] reports.
    pub access_keys: Vec<AccessKey>,
    pub service: ServiceConfig,
    pub faults: FaultConfig,
    /// Makes ids and fault injection reproducible.
    pub seed: Option<u64>,
    /// How scripts run.
    pub agent: AgentOptions,
}

/// How the emulator's agent runs scripts.
#[derive(Debug, Clone)]
pub struct AgentOptions {
    /// Run scripts directly on this machine instead of in a bubblewrap sandbox per instance.
    pub unsandboxed: bool,
    /// Where each instance's files live [default: `instances/` beside the state file; a
    /// temporary directory, removed at exit, for ephemeral state].
    pub instances_dir: Option<PathBuf>,
    /// Emulated time runs this many times faster than real time (schedules fire sooner;
    /// script timeouts stay real seconds).
    pub time_scale: f64,
    /// Runs at the same time, all instances together.
    pub max_concurrent_runs: usize,
    /// Start no run: every run waits `Pending` (or `Scheduled`), as when no instance's agent
    /// polls. For tests of the API's own answers, which a run finishing in between would race.
    pub hold_runs: bool,
}

impl Default for AgentOptions {
    fn default() -> Self {
        Self {
            unsandboxed: false,
            instances_dir: None,
            time_scale: 1.0,
            max_concurrent_runs: 64,
            hold_runs: false,
        }
    }
}

impl EmulatorConfig {
    /// Defaults: loopback on [`DEFAULT_PORT`], state in the user's data directory, the shipped
    /// inventory and the default key pair.
    pub fn new() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            state: StateLocation::File(default_state_path()),
            inventory: Inventory::default_world(),
            access_keys: vec![default_access_key()],
            service: ServiceConfig::default(),
            faults: FaultConfig::default(),
            seed: None,
            agent: AgentOptions::default(),
        }
    }

    /// What `--local` uses: an ephemeral port on loopback and state under `.assistctl/` of
    /// `cwd`, so local runs keep their commands between invocations of the tool.
    pub fn local_default(cwd: &Path) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state: StateLocation::File(cwd.join(".assistctl").join("emulator.db")),
            ..Self::new()
        }
    }

    /// The same but nothing is kept.
    pub fn ephemeral() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state: StateLocation::Ephemeral,
            ..Self::new()
        }
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self::new()
    }
}

pub fn default_access_key() -> AccessKey {
    AccessKey {
        id: DEFAULT_ACCESS_KEY_ID.into(),
        secret: DEFAULT_ACCESS_KEY_SECRET.into(),
        security_token: None,
    }
}

/// `<data dir>/assistctl/emulator.db` (e.g. `~/.local/share/assistctl/emulator.db`).
pub fn default_state_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("assistctl")
        .join("emulator.db")
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid emulator configuration: {0}")]
    Config(String),
}

/// Starts emulators.
pub struct Emulator;

impl Emulator {
    /// Opens the state, binds the address and serves until [`RunningEmulator::shutdown`].
    pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
        config.faults.validate().map_err(EmulatorError::Config)?;
        if config.access_keys.is_empty() {
            return Err(EmulatorError::Config(
                "at least one access key is needed".into(),
            ));
        }
        if config.service.command_quota > crate::domain::limits::MAX_COMMAND_QUOTA {
            return Err(EmulatorError::Config(format!(
                "command quota {} is above the service's maximum of {}",
                config.service.command_quota,
                crate::domain::limits::MAX_COMMAND_QUOTA
            )));
        }
        let store = store::Store::open(&config.state)?;
        let reader = store::Store::open_reader(&config.state)?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: config.listen,
                source,
            })?;
        let primary = config.access_keys[0].clone();
        let (instances_dir, temp_dir) = match (&config.agent.instances_dir, &config.state) {
            (Some(dir), _) => (dir.clone(), None),
            (None, StateLocation::File(path)) => (
                path.parent()
                    .map_or_else(|| PathBuf::from("instances"), |d| d.join("instances")),
                None,
            ),
            (None, StateLocation::Ephemeral) => {
                let t = tempfile::Builder::new()
                    .prefix("assistctl-emulator-")
                    .tempdir()
                    .map_err(|e| {
                        EmulatorError::Config(format!(
                            "cannot make a temporary directory for the instances' files: {e}"
                        ))
                    })?;
                (t.path().join("instances"), Some(t))
            }
        };
        let mode = agent::sandbox::Mode::probe(config.agent.unsandboxed);
        match &mode {
            agent::sandbox::Mode::Unavailable(why) => {
                tracing::warn!("scripts cannot run: {why}");
            }
            m => tracing::info!("agent: {}", m.describe()),
        }
        let state = Arc::new(state::AppState {
            verifier: auth::Verifier::new(config.access_keys),
            store: Mutex::new(store),
            reader: reader.map(Mutex::new),
            service: config.service,
            inventory: config.inventory,
            ids: ids::IdGen::new(config.seed),
            faults: faults::Faults::new(config.faults, config.seed),
            metrics: metrics::Metrics::new(),
            counts: store::CountCache::default(),
            clock: clock::Clock::new(config.agent.time_scale),
        });
        let agent = agent::Agent::start(
            state.clone(),
            agent::AgentConfig {
                max_concurrent_runs: config.agent.max_concurrent_runs.max(1),
                hold_runs: config.agent.hold_runs,
                ..agent::AgentConfig::new(mode.clone(), instances_dir)
            },
        );
        let (tx, rx) = oneshot::channel::<()>();
        let app = server::router(state);
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "emulator server stopped");
            }
        });
        Ok(RunningEmulator {
            addr,
            key: primary,
            stop: Some(tx),
            task: Some(task),
            agent: Some(agent),
            sandbox: mode,
            _temp_dir: temp_dir,
        })
    }
}

/// A serving emulator. Dropping it stops the server too.
pub struct RunningEmulator {
    addr: SocketAddr,
    key: AccessKey,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    agent: Option<agent::Agent>,
    sandbox: agent::sandbox::Mode,
    /// The instances' files of an ephemeral emulator, removed when it is dropped.
    _temp_dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("addr", &self.addr)
            .field("key", &self.key)
            .finish()
    }
}

impl RunningEmulator {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn access_key_id(&self) -> &str {
        &self.key.id
    }

    pub fn access_key_secret(&self) -> &str {
        &self.key.secret
    }

    pub fn security_token(&self) -> Option<&str> {
        self.key.security_token.as_deref()
    }

    /// How this emulator runs scripts.
    pub fn sandbox(&self) -> &agent::sandbox::Mode {
        &self.sandbox
    }

    /// Waits until the runs due now have finished (at most `limit`): what an embedded
    /// emulator does before its process exits, so an `apply --local` leaves its `once` runs
    /// done rather than interrupted.
    pub async fn drain(&self, limit: std::time::Duration) {
        if let Some(a) = &self.agent {
            a.drain(limit).await;
        }
    }

    /// Stops the agent (running scripts are killed and recorded as interrupted), then stops
    /// accepting requests and waits for the ones in flight.
    pub async fn shutdown(mut self) {
        if let Some(a) = self.agent.take() {
            a.shutdown().await;
        }
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
