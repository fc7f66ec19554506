//! The normalised state of a command, the same type for what the manifests want and what
//! the cloud has, so a difference is a field-wise comparison.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::reconcile::ownership::{TAG_NAME, TAG_STACK};

/// A command as Cloud Assistant stores it, normalised: content decoded, defaults filled in
/// as the service fills them, tags sorted (including the ownership tags).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandState {
    pub name: String,
    pub description: String,
    /// The API's `Type`, e.g. `RunShellScript`.
    #[serde(rename = "type")]
    pub command_type: String,
    /// The script, decoded.
    pub content: String,
    /// Empty when not set: the service then runs in `/root` (Linux) or the agent's
    /// directory (Windows).
    pub working_dir: String,
    pub timeout: u64,
    pub enable_parameter: bool,
    pub launcher: String,
    pub resource_group_id: String,
    pub tags: BTreeMap<String, String>,
}

impl CommandState {
    /// A stable digest of everything that defines the command.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).expect("state serializes");
        hex::encode(Sha256::digest(json))
    }

    /// The stack that owns this command, if any.
    pub fn owner(&self) -> Option<&str> {
        self.tags.get(TAG_STACK).map(String::as_str)
    }

    /// The document name this command belongs to (falls back to its Name).
    pub fn identity(&self) -> &str {
        self.tags
            .get(TAG_NAME)
            .map_or(self.name.as_str(), String::as_str)
    }
}

/// A command that exists in the cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCommand {
    pub id: String,
    pub region: String,
    pub creation_time: String,
    pub state: CommandState,
}

/// A command the manifests declare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredCommand {
    pub region: String,
    pub state: CommandState,
    /// `file:line` of the document, for messages.
    pub source: String,
    /// Adopt this existing unowned command instead of creating one (written by `import`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopt_id: Option<String>,
}
