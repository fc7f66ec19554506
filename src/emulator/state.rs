//! What every request handler shares: the verifier, the store, the clock and the rest,
//! read by the API server and the console alike.

use std::sync::Mutex;

use super::auth::Verifier;
use super::faults::Faults;
use super::ids::IdGen;
use super::inventory::Inventory;
use super::metrics::Metrics;
use super::service::ServiceConfig;
use super::store::Store;

/// Everything a request handler needs.
pub struct AppState {
    pub verifier: Verifier,
    pub store: Mutex<Store>,
    /// Read-only connection for Describe*/List* on a state file (None: use `store`).
    pub reader: Option<Mutex<rusqlite::Connection>>,
    pub service: ServiceConfig,
    pub inventory: Inventory,
    pub ids: IdGen,
    pub faults: Faults,
    pub metrics: Metrics,
    pub counts: crate::emulator::store::CountCache,
    /// The time of answers, schedules and runs (real, scaled or advanced).
    pub clock: crate::emulator::clock::Clock,
}
