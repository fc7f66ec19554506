//! Saved plans as review receipts, not programs.
//!
//! `apply --plan FILE` never executes what the file says. It observes the cloud again and
//! first compares the digest of what it sees with the one the plan recorded: a stale plan
//! is refused with the reason, before anything else. Then the pure reconcile decides again,
//! with the options the file records, and apply goes on only when that plan is the one that
//! was reviewed: the same body, field for field, but for what depends on the clock or on the
//! machine alone (when it was made, the next fire times of schedules, `file:line` sources,
//! how many reads it took), and with no blocker (a quota filled since) that the review did
//! not see. Then it applies the plan it just decided. A hand-edited or corrupted file is
//! refused, however it was edited.

use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use chrono::{DateTime, Utc};

use super::decide::{self, PlanError, resolve_targets};
use super::desired::Desired;
use super::digest::{live_digest, manifest_digest};
use super::observe::LiveState;
use super::plan::{PLAN_FORMAT_VERSION, Plan};

/// A saved plan larger than this is not read: plans of 10,000 commands with their scripts
/// stay well below it.
pub const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

/// Why a saved plan cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read the plan {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the plan {path} is larger than {max} MiB; a saved plan is never that large, so this is not one",
        max = MAX_PLAN_BYTES / 1024 / 1024
    )]
    TooLarge { path: String },
    #[error("{path} is not an assistctl plan: {message}")]
    NotAPlan { path: String, message: String },
    #[error(
        "{path} has plan format {found}, this assistctl reads format {PLAN_FORMAT_VERSION}; make the plan again with this version"
    )]
    Version { path: String, found: u64 },
}

/// Reads a saved plan: the size first, then its format version, then the whole plan.
pub fn read(path: &Path) -> Result<Plan, SavedPlanError> {
    let shown = path.display().to_string();
    let read_err = |source| SavedPlanError::Read {
        path: shown.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() {
        return Err(SavedPlanError::NotAPlan {
            path: shown,
            message: "it is not a regular file".into(),
        });
    }
    if meta.len() > MAX_PLAN_BYTES {
        return Err(SavedPlanError::TooLarge { path: shown });
    }
    let mut bytes = Vec::new();
    file.take(MAX_PLAN_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_PLAN_BYTES {
        return Err(SavedPlanError::TooLarge { path: shown });
    }
    let not_a_plan = |e: serde_json::Error| SavedPlanError::NotAPlan {
        path: shown.clone(),
        message: e.to_string(),
    };
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Version {
        format_version: Option<Value>,
    }
    let version: Version = serde_json::from_slice(&bytes).map_err(not_a_plan)?;
    match version.format_version {
        Some(Value::Number(n)) if n.as_u64() == Some(u64::from(PLAN_FORMAT_VERSION)) => {}
        Some(Value::Number(n)) => {
            return Err(SavedPlanError::Version {
                path: shown,
                found: n.as_u64().unwrap_or(0),
            });
        }
        _ => {
            return Err(SavedPlanError::NotAPlan {
                path: shown,
                message: "it has no numeric `formatVersion`".into(),
            });
        }
    }
    serde_json::from_slice(&bytes).map_err(not_a_plan)
}

/// Keys whose values depend on the clock or the machine, not on what apply would do.
const UNCOMPARED: [&str; 4] = ["createdAt", "apiCalls", "nextFires", "source"];

/// The plan as compared: its JSON without the [`UNCOMPARED`] keys, at any depth.
fn canonical(plan: &Plan) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.retain(|k, _| !UNCOMPARED.contains(&k.as_str()));
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(plan).unwrap_or(Value::Null);
    strip(&mut v);
    v
}

/// The JSON path of the first place where `a` and `b` differ, if they do.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => {
                        if let Some(p) = first_difference(va, vb, &format!("{path}.{k}")) {
                            return Some(p);
                        }
                    }
                    None => return Some(format!("{path}.{k}")),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k}"))
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                if let Some(p) = first_difference(va, vb, &format!("{path}[{i}]")) {
                    return Some(p);
                }
            }
            (x.len() != y.len()).then(|| format!("{path} (length {} vs {})", x.len(), y.len()))
        }
        _ => (a != b).then(|| path.to_string()),
    }
}

/// Checks `saved` against the cloud as observed now (`live`) and the manifests
/// (`desired`), and returns the plan to apply: the one decided now, equal to the saved one.
/// `Ok(Err(why))` when the saved plan must not be applied.
pub fn verify(
    saved: &Plan,
    desired: &Desired,
    live: &LiveState,
    now: DateTime<Utc>,
) -> Result<Result<Plan, String>, PlanError> {
    if saved.stack != desired.stack {
        return Ok(Err(format!(
            "the plan is for stack `{}`, but the manifests are stack `{}`",
            saved.stack, desired.stack
        )));
    }
    if saved.assistctl_version != env!("CARGO_PKG_VERSION") {
        return Ok(Err(format!(
            "the plan was made by assistctl {}, and this is {}; make the plan again with the assistctl that applies it",
            saved.assistctl_version,
            env!("CARGO_PKG_VERSION")
        )));
    }
    if saved.manifest_digest != manifest_digest(desired) {
        return Ok(Err(
            "the plan is stale: the manifests changed since it was made (or its manifestDigest was edited)".into(),
        ));
    }
    if saved.live_digest != live_digest(live, &resolve_targets(desired, &live.inventory)) {
        return Ok(Err(
            "the plan is stale: the commands in the cloud changed since it was made, or the tasks or instances of its invocations did (or its liveDigest was edited)".into(),
        ));
    }
    let mut fresh = decide::reconcile(desired, live, &saved.options, now)?;
    // Where the manifests were read from is not what the plan does: the manifest digest
    // says whether they are the same, so the same manifests given by another path (or by
    // none, read from the recorded paths) are the reviewed plan.
    fresh.paths = saved.paths.clone();
    Ok(match mismatch(saved, &fresh) {
        None => Ok(fresh),
        Some(why) => {
            // A blocker the file lacks: one that appeared since (a quota filled), or one
            // edited out of the file. Either way it is named.
            let now: Vec<&str> = fresh
                .blockers
                .iter()
                .filter(|b| !saved.blockers.contains(b))
                .map(String::as_str)
                .collect();
            if now.is_empty() {
                Err(why)
            } else {
                Err(format!("{why}; it is blocked now: {}", now.join("; ")))
            }
        }
    })
}

/// Why `saved` is not the plan that would be applied now (`fresh`, made from the same
/// manifests, the cloud as it is and `saved`'s options), or `None` when it is.
pub fn mismatch(saved: &Plan, fresh: &Plan) -> Option<String> {
    if saved.stack != fresh.stack {
        return Some(format!(
            "the plan is for stack `{}`, but the manifests are stack `{}`",
            saved.stack, fresh.stack
        ));
    }
    if saved.assistctl_version != fresh.assistctl_version {
        return Some(format!(
            "the plan was made by assistctl {}, and this is {}; make the plan again with the assistctl that applies it",
            saved.assistctl_version, fresh.assistctl_version
        ));
    }
    if saved.manifest_digest != fresh.manifest_digest {
        return Some(
            "the plan is stale: the manifests changed since it was made (or its manifestDigest was edited)".into(),
        );
    }
    if saved.live_digest != fresh.live_digest {
        return Some(
            "the plan is stale: the commands in the cloud changed since it was made, or the tasks or instances of its invocations did (or its liveDigest was edited)".into(),
        );
    }
    first_difference(&canonical(saved), &canonical(fresh), "$").map(|at| {
        format!(
            "the saved plan is not the plan these manifests and the cloud give now (first difference at `{at}`): it was edited after it was made, or something it depends on changed"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_difference_is_named_by_its_path() {
        let a = json!({"changes": [{"name": "a", "fields": [1, 2]}], "x": 1});
        let b = json!({"changes": [{"name": "a", "fields": [1, 3]}], "x": 1});
        assert_eq!(
            first_difference(&a, &b, "$").as_deref(),
            Some("$.changes[0].fields[1]")
        );
        let c = json!({"changes": [], "x": 1});
        assert!(
            first_difference(&a, &c, "$")
                .unwrap()
                .starts_with("$.changes (length")
        );
        assert_eq!(first_difference(&a, &a, "$"), None);
        let d = json!({"changes": [{"name": "a", "fields": [1, 2]}], "x": 1, "y": 2});
        assert_eq!(first_difference(&a, &d, "$").as_deref(), Some("$.y"));
    }
}
