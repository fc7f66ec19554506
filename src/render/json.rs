//! The plan as JSON: the saved plan file (`plan --out`, `apply --plan`), versioned and
//! documented in docs/plan-format.md. It is the [`Plan`] serialised as it is, so what
//! `apply` reads back is exactly what `plan` decided.

use crate::reconcile::plan::Plan;

/// The plan as the saved file holds it. A plan holds no secret value (see
/// [`super::redact`]), so nothing is masked here.
pub fn render(plan: &Plan) -> String {
    let mut out = serde_json::to_string_pretty(plan).expect("a Plan has only string keys");
    out.push('\n');
    out
}
