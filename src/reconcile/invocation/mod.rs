//! Invocations: the normalised state ([`model`]) of what the manifests declare
//! ([`desired`]) and the tasks the cloud has ([`live`]), the instances they resolve to
//! ([`targets`]), the pure comparison ([`diff`], field by field in [`fields`]) into task
//! changes ([`change`], schedules shown by [`schedule`]), and the API calls ([`apply`]).

pub mod apply;
pub mod change;
pub mod desired;
pub mod diff;
pub mod fields;
pub mod live;
pub mod model;
pub mod rollout;
pub mod schedule;
pub mod targets;
pub mod waves;
