//! The plan as JSON: the saved plan file (`plan --out`, `apply --plan`), versioned and
//! documented in docs/plan-format.md. It is the [`Plan`] serialised as it is, so what
//! `apply` reads back is exactly what `plan` decided.

use super::redact::{self, Secrets};
use crate::reconcile::plan::Plan;

pub fn render(plan: &Plan) -> String {
    render_with_secrets(plan, &Secrets::new())
}

/// [`render`], with every value of `secrets` replaced by `****` in the plan's text values
/// (never in keys or structure, so the file stays a valid plan).
pub fn render_with_secrets(plan: &Plan, secrets: &Secrets) -> String {
    let plan = redact::plan(plan, secrets);
    let mut out = serde_json::to_string_pretty(&plan).expect("a Plan has only string keys");
    out.push('\n');
    out
}
