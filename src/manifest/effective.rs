//! Values that apply where a manifest leaves a field out: the service's defaults and
//! what a document inherits from its stack. Decided here once, for the rules and the
//! validated model they produce, so the desired state reads them resolved.

use crate::domain::limits::{DEFAULT_TIMEOUT_SECS, MIN_TIMEOUT_SECS};
use crate::domain::params::{self, PlaceholderKind};

use super::types::CommandSpec;

/// `EnableParameter`: as written, else true when parameters are declared or the script
/// uses a custom or built-in placeholder.
pub fn parameters_enabled(spec: &CommandSpec, script: &str) -> bool {
    spec.enable_parameter.unwrap_or_else(|| {
        !spec.parameters.is_empty()
            || params::scan(script).iter().any(|p| {
                matches!(
                    p.kind,
                    PlaceholderKind::Custom(_) | PlaceholderKind::Builtin(_)
                )
            })
    })
}

/// The timeout the service applies: 60 when unset, at least 10.
pub fn timeout(value: Option<u64>) -> u64 {
    value.unwrap_or(DEFAULT_TIMEOUT_SECS).max(MIN_TIMEOUT_SECS)
}

/// The region a Command or Invocation is in: its own, else the stack's. The one place
/// this is decided, so rules, references and the desired state see the same region.
pub fn region(own: Option<&str>, stack: &str) -> String {
    own.unwrap_or(stack).to_string()
}

/// The resource group of a Command or Invocation: its own, else the stack's, else none.
pub fn resource_group(own: Option<&str>, stack: Option<&str>) -> Option<String> {
    own.or(stack).map(str::to_string)
}
