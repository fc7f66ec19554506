//! The normalised state of a command, the same type for what the manifests want and what
//! the cloud has, so a difference is a field-wise comparison.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Tag carrying the owning stack's name: nothing without it is ever touched.
pub const TAG_STACK: &str = "assistctl:stack";
/// Tag carrying the document's `metadata.name`: the identity of an owned object.
pub const TAG_NAME: &str = "assistctl:name";

/// Why an object whose tags are `tags` is not `stack`'s to `verb` (delete, stop), or None
/// when it carries `assistctl:stack=<stack>`. Checked at the moment of the call, whatever a
/// plan says.
pub fn not_owned<'a>(
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    stack: &str,
    what: &str,
) -> Option<String> {
    let owner = tags
        .into_iter()
        .find(|(k, _)| *k == TAG_STACK)
        .map(|(_, v)| v);
    (owner != Some(stack)).then(|| {
        format!(
            "refusing to {what}: it carries {}, not {TAG_STACK}={stack}",
            match owner {
                Some(o) => format!("{TAG_STACK}={o}"),
                None => format!("no {TAG_STACK} tag"),
            }
        )
    })
}

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

/// The ClientToken of a create: the same for the same stack, region, name, spec and
/// replaced command, so a retried or raced create returns the first one instead of
/// making a second. At most 64 ASCII characters, as the API requires. `replaces` is the
/// id a replace supersedes (empty for a plain create): without it, replacing a command
/// back to an earlier spec would get the earlier, since-deleted command back.
pub fn client_token(
    stack: &str,
    region: &str,
    name: &str,
    spec_digest: &str,
    replaces: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [stack, region, name, spec_digest, replaces] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("assistctl-{}", &hex::encode(h.finalize())[..40])
}
