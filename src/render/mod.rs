//! The plan for people and for machines: [`text`] for a terminal (Terraform-like symbols,
//! colour, unified diffs of the scripts themselves), [`markdown`] for a pull-request
//! comment that fits GitHub's size limit, [`json`] for the saved plan file.
//!
//! A plan holds no secret value (a `fromEnv` parameter is carried by its variable's name,
//! a live value that may be secret as `****` where it is placed), so the renderers show it as
//! it is; [`crate::redact`] is for free text that comes from outside: run output and the
//! service's messages.

pub mod json;
pub mod markdown;
pub mod text;

mod describe;
pub(crate) mod rollout;
mod script;

pub use describe::visible;
