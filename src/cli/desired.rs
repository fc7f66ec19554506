//! Reading the manifests for plan and apply: validation first, and no cloud call at all
//! when the manifests have errors.

use std::path::PathBuf;

use anyhow::bail;

use super::output;
use crate::manifest::{self, rules::Context};
use crate::reconcile::desired::{self, Desired};
use crate::redact::Secrets;

/// The desired state of the manifests under `paths`, or the validation errors printed and
/// an error returned.
pub fn load(paths: &[PathBuf]) -> anyhow::Result<Desired> {
    let v = manifest::validate(paths, &Context::default());
    if v.errors() > 0 {
        for d in v
            .diagnostics
            .iter()
            .filter(|d| d.severity == manifest::diagnostic::Severity::Error)
        {
            output::print_diagnostic_stderr(d);
        }
        bail!(
            "the manifests have {} {}; fix them (assistctl validate) before planning",
            v.errors(),
            if v.errors() == 1 { "error" } else { "errors" }
        );
    }
    // Validation without errors always resolves a model; this guards the invariant
    // rather than panic if a new rule ever forgets to report what it could not resolve.
    let Some(model) = v.model() else {
        bail!("the manifests validated but could not be resolved into a stack; please report this");
    };
    Ok(desired::build(model))
}

/// The values of the `fromEnv` variables the invocations name that are set now: never
/// used for a plan's content, only to redact them from everything printed.
pub fn env_secrets(desired: &Desired) -> Secrets {
    desired
        .invocations
        .iter()
        .flat_map(|i| i.parameters.iter().filter_map(|p| p.from_env.clone()))
        .filter_map(|var| std::env::var(&var).ok().map(|v| (var, v)))
        .collect()
}

/// The values of `vars`, or an error naming every one that is not set.
pub fn require_env(vars: &[String]) -> anyhow::Result<Secrets> {
    let missing: Vec<&str> = vars
        .iter()
        .filter(|v| std::env::var_os(v).is_none())
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        bail!(
            "the invocations to apply read {} from the environment, and {} not set: {}; set {} and apply again (nothing was changed)",
            if vars.len() == 1 {
                "a parameter"
            } else {
                "parameters"
            },
            if missing.len() == 1 {
                "this variable is"
            } else {
                "these variables are"
            },
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" }
        );
    }
    vars.iter()
        .map(|v| {
            std::env::var(v)
                .map(|value| (v.clone(), value))
                .map_err(|_| anyhow::anyhow!("the environment variable {v} is not valid UTF-8"))
        })
        .collect()
}
