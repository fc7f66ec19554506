//! One field that differs between the cloud and the manifests, typed by the kind of object
//! it belongs to (a command's [`CommandField`](super::command::fields::CommandField), a
//! task's [`TaskField`](super::invocation::fields::TaskField)), so nothing downstream picks
//! fields by matching their names as text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A value as a plan shows it: text (numbers and booleans as their text, scripts whole), or
/// a set of tags kept as a map so renderers and apply never parse it back from text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Text(String),
    Tags(BTreeMap<String, String>),
}

impl FieldValue {
    /// The text of a text value; tags as `k=v, k=v` (for messages only).
    pub fn text(&self) -> String {
        match self {
            FieldValue::Text(t) => t.clone(),
            FieldValue::Tags(t) => t
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            FieldValue::Tags(t) => Some(t),
            FieldValue::Text(_) => None,
        }
    }
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Text(s.to_string())
    }
}

impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Text(s)
    }
}

/// One field that differs. `content` holds whole scripts, which renderers show as a
/// unified diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDiff<F> {
    pub field: F,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<FieldValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<FieldValue>,
    /// This field forces a new object (a replaced command, a new task).
    #[serde(default)]
    pub forces_replace: bool,
}

impl<F> FieldDiff<F> {
    pub fn before_text(&self) -> String {
        self.before
            .as_ref()
            .map(FieldValue::text)
            .unwrap_or_default()
    }

    pub fn after_text(&self) -> String {
        self.after
            .as_ref()
            .map(FieldValue::text)
            .unwrap_or_default()
    }
}

/// The tags to set (new or another value) and the keys to remove, going from `before` to
/// `after`, leaving alone the keys `keep` says are not the caller's to remove.
pub fn tag_delta(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    keep: impl Fn(&str) -> bool,
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let unset = before
        .keys()
        .filter(|k| !after.contains_key(*k) && !keep(k))
        .cloned()
        .collect();
    (set, unset)
}
