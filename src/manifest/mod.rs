//! What users write: manifest types, loading with positions, and validation.

pub mod confine;
pub mod diagnostic;
pub mod effective;
pub mod load;
pub mod located;
pub mod rules;
pub mod schema;
pub mod schema_errors;
pub mod scope;
pub mod script;
pub mod secret_scan;
pub mod set;
pub mod types;
pub mod valid;

use std::path::PathBuf;

use diagnostic::{Diagnostic, Severity};
use set::ManifestSet;
use valid::Validated;

/// The outcome of reading and checking a manifest set.
#[derive(Debug)]
pub struct Validation {
    pub set: ManifestSet,
    /// Sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
    /// Kept private so that a model exists only beside a validation without errors.
    valid: Option<Validated>,
}

impl Validation {
    /// The validated model, when validation found no error.
    pub fn model(&self) -> Option<&Validated> {
        self.valid.as_ref()
    }

    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    pub fn documents(&self) -> usize {
        self.set.stacks.len()
            + self.set.commands.len()
            + self.set.invocations.len()
            + self.set.rejected.len()
    }
}

/// Reads every manifest under `paths` and checks it: YAML, schema and semantic rules.
pub fn validate(paths: &[PathBuf], ctx: &rules::Context) -> Validation {
    let mut diagnostics = Vec::new();
    let set = set::read(paths, &mut diagnostics);
    let valid = rules::check(&set, ctx, &mut diagnostics);
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
    diagnostics.dedup();
    let mut v = Validation {
        set,
        diagnostics,
        valid: None,
    };
    if v.errors() == 0 {
        v.valid = valid;
    }
    v
}
