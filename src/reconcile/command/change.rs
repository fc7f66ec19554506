//! What becomes of one command: the action, why, field by field what differs, and what
//! blocks it (a conflict with an object apply must not touch).

use serde::{Deserialize, Serialize};

use super::fields::CommandFieldDiff;
use super::model::CommandState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceKind {
    Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// In sync; listed so a plan can show what it checked.
    NoOp,
    Create,
    /// ModifyCommand and/or tag changes, in place.
    Update,
    /// Create the new command, move the stack's invocations, delete the old one.
    Replace,
    /// Take an existing unowned command into the stack by tagging it (from `import`).
    Adopt,
    Delete,
}

impl Action {
    /// Terraform-style symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Adopt => "<=",
            Action::Delete => "-",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Action::NoOp => "is up to date",
            Action::Create => "will be created",
            Action::Update => "will be updated in place",
            Action::Replace => "must be replaced",
            Action::Adopt => "will be adopted into the stack",
            Action::Delete => "will be deleted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub kind: ResourceKind,
    pub action: Action,
    pub region: String,
    /// The document's name (`metadata.name`).
    pub name: String,
    /// The live object's id, for everything but a create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `file:line` of the document, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Why, in words.
    pub reasons: Vec<String>,
    pub fields: Vec<CommandFieldDiff>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<CommandState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<CommandState>,
    /// The ClientToken a create sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
    /// API writes this change makes.
    pub writes: u32,
}

/// A live object apply must not touch, blocking a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub kind: ResourceKind,
    pub region: String,
    pub name: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub message: String,
    pub hint: String,
}
