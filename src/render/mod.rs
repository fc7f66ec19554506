//! The plan for people and for machines: [`text`] for a terminal (Terraform-like symbols,
//! colour, unified diffs of the scripts themselves), [`markdown`] for a pull-request
//! comment that fits GitHub's size limit, [`json`] for the saved plan file.
//!
//! Every renderer passes through [`redact()`](redact::redact): a value known to be secret
//! never reaches the output, whichever format is asked for.

pub mod json;
pub mod markdown;
pub mod redact;
pub mod text;

mod describe;
mod script;

pub use describe::visible;
pub use redact::{Secrets, redact};
