//! Reconcile: read what the stack owns, compare it with the manifests, plan, apply.

pub mod diff;
pub mod model;
pub mod plan;
