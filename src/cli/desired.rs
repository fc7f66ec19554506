//! Reading the manifests for plan and apply: validation first, and no cloud call at all
//! when the manifests have errors.

use std::path::PathBuf;

use anyhow::bail;

use super::output;
use crate::manifest::{self, rules::Context};
use crate::reconcile::desired::{self, Desired};

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
            "the manifests have {} errors; fix them (assistctl validate) before planning",
            v.errors()
        );
    }
    let Some(stack) = v.set.stack() else {
        bail!("no Stack document in the manifests");
    };
    desired::build(&v.set, stack)
}
