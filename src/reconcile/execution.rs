//! How apply runs, shared by the command and invocation parts: the parallelism, the
//! `fromEnv` values, the progress callback and the interrupt flag.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::redact::Secrets;

/// Set when apply must stop starting changes (SIGINT, SIGTERM); the changes in flight
/// finish and are reported.
#[derive(Debug, Default, Clone)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// One change finished: what it was, and its new id or why it failed.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub label: &'a str,
    pub result: Result<Option<&'a str>, &'a str>,
}

/// How apply runs: changes at the same time, the `fromEnv` values, a callback as each change
/// finishes (progress output), and the interrupt flag.
pub struct Settings<'a> {
    pub parallelism: usize,
    pub env: &'a Secrets,
    pub done: &'a (dyn Fn(Progress<'_>) + Sync),
    pub interrupt: &'a Interrupt,
    /// Wait for each rollout wave's runs before the next (false: `apply --no-wait`, which
    /// invokes one wave and leaves the rest to the next apply).
    pub wait: bool,
    /// A rollout's progress as it goes.
    pub note: &'a (dyn Fn(Note<'_>) + Sync),
}

/// A rollout's progress: a line for the log, or how the wave being waited for stands
/// (worth showing only on a terminal, where it replaces the previous one).
#[derive(Debug, Clone, Copy)]
pub enum Note<'a> {
    Line(&'a str),
    Status(&'a str),
}
