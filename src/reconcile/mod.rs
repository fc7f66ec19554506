//! Reconcile: read what the stack owns, compare it with the manifests, plan, apply.

pub mod apply;
pub mod desired;
pub mod diff;
pub mod live;
pub mod model;
pub mod plan;
pub mod planner;
