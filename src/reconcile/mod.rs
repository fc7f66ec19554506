//! Reconcile: read what the stack owns, compare it with the manifests, plan, apply.

pub mod apply;
pub mod desired;
pub mod diff;
pub mod invocation_apply;
pub mod invocation_desired;
pub mod invocation_diff;
mod invocation_fields;
pub mod invocation_live;
pub mod invocation_model;
pub mod invocation_plan;
pub mod invocation_schedule;
pub mod listing;
pub mod live;
pub mod model;
pub mod plan;
pub mod planner;
pub mod saved;
pub mod stacks;
pub mod targets;
