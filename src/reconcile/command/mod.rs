//! Commands: the normalised state ([`model`]) of what the manifests declare ([`desired`])
//! and what the cloud has ([`live`]), the field table ([`fields`]), the pure comparison
//! ([`diff`]) into changes ([`change`]), and the API calls that make them ([`apply`]).

pub mod apply;
pub mod change;
pub mod desired;
pub mod diff;
pub mod fields;
pub mod live;
pub mod model;
