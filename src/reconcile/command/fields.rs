//! The fields of a command, in one table: how each is read from a [`CommandState`], how the
//! API changes it (ModifyCommand in place, or only a new command), and how ModifyCommand
//! sends it. The diff, apply and the renderers all read this table; a new field is one row
//! here (and its place in `CommandState`, the manifest type, the API operation and the
//! emulator).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cloud::ops::commands::ModifyCommandRequest;
use crate::reconcile::field::{FieldDiff, FieldValue, tag_delta};
use crate::reconcile::ownership::{TAG_NAME, TAG_STACK};

use super::model::CommandState;

/// A field of a command, named as the plan format names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CommandField {
    Name,
    Description,
    Type,
    Content,
    WorkingDir,
    Timeout,
    EnableParameter,
    Launcher,
    ResourceGroupId,
    /// TagResources / UntagResources, never ModifyCommand.
    Tags,
}

impl CommandField {
    /// The name in the plan format (and in messages).
    pub fn name(self) -> &'static str {
        match self {
            CommandField::Name => "name",
            CommandField::Description => "description",
            CommandField::Type => "type",
            CommandField::Content => "content",
            CommandField::WorkingDir => "workingDir",
            CommandField::Timeout => "timeout",
            CommandField::EnableParameter => "enableParameter",
            CommandField::Launcher => "launcher",
            CommandField::ResourceGroupId => "resourceGroupId",
            CommandField::Tags => "tags",
        }
    }
}

impl std::fmt::Display for CommandField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How the API changes a field of an existing command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedBy {
    /// ModifyCommand sets it.
    Modify,
    /// ModifyCommand sets it but cannot empty it: API clients leave empty parameters out,
    /// so clearing it takes a new command.
    ModifyUnlessCleared,
    /// ModifyCommand cannot change it: a new command replaces the old one.
    Replace,
}

/// One row of the table.
pub struct FieldSpec {
    pub field: CommandField,
    pub changed_by: ChangedBy,
    /// A number or a boolean: shown without quotes.
    pub scalar: bool,
    pub value: fn(&CommandState) -> String,
    /// Puts the desired value into a ModifyCommand request (`None` for fields it cannot
    /// change).
    pub modify: Option<fn(&mut ModifyCommandRequest, &CommandState)>,
}

/// Every field but tags, in the order plans list them.
pub const FIELDS: [FieldSpec; 9] = [
    FieldSpec {
        field: CommandField::Name,
        changed_by: ChangedBy::Modify,
        scalar: false,
        value: |s| s.name.clone(),
        modify: Some(|r, s| r.name = Some(s.name.clone())),
    },
    FieldSpec {
        field: CommandField::Description,
        changed_by: ChangedBy::ModifyUnlessCleared,
        scalar: false,
        value: |s| s.description.clone(),
        modify: Some(|r, s| r.description = Some(s.description.clone())),
    },
    FieldSpec {
        field: CommandField::Type,
        changed_by: ChangedBy::Replace,
        scalar: false,
        value: |s| s.command_type.clone(),
        modify: None,
    },
    FieldSpec {
        field: CommandField::Content,
        changed_by: ChangedBy::Replace,
        scalar: false,
        value: |s| s.content.clone(),
        modify: None,
    },
    FieldSpec {
        field: CommandField::WorkingDir,
        changed_by: ChangedBy::ModifyUnlessCleared,
        scalar: false,
        value: |s| s.working_dir.clone(),
        modify: Some(|r, s| r.working_dir = Some(s.working_dir.clone())),
    },
    FieldSpec {
        field: CommandField::Timeout,
        changed_by: ChangedBy::Modify,
        scalar: true,
        value: |s| s.timeout.to_string(),
        modify: Some(|r, s| r.timeout = Some(s.timeout as i64)),
    },
    FieldSpec {
        field: CommandField::EnableParameter,
        changed_by: ChangedBy::Replace,
        scalar: true,
        value: |s| s.enable_parameter.to_string(),
        modify: None,
    },
    FieldSpec {
        field: CommandField::Launcher,
        changed_by: ChangedBy::ModifyUnlessCleared,
        scalar: false,
        value: |s| s.launcher.clone(),
        modify: Some(|r, s| r.launcher = Some(s.launcher.clone())),
    },
    FieldSpec {
        field: CommandField::ResourceGroupId,
        changed_by: ChangedBy::Replace,
        scalar: false,
        value: |s| s.resource_group_id.clone(),
        modify: None,
    },
];

/// The row of `field`; `None` for tags, which have no row.
pub fn spec(field: CommandField) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|s| s.field == field)
}

/// Whether a field's values are numbers or booleans.
pub fn is_scalar(field: CommandField) -> bool {
    spec(field).is_some_and(|s| s.scalar)
}

pub type CommandFieldDiff = FieldDiff<CommandField>;

/// Every field that differs between live and desired, in the table's order, tags last.
pub fn field_diffs(live: &CommandState, want: &CommandState) -> Vec<CommandFieldDiff> {
    let mut out: Vec<CommandFieldDiff> = FIELDS
        .iter()
        .filter_map(|s| {
            let (before, after) = ((s.value)(live), (s.value)(want));
            (before != after).then(|| FieldDiff {
                field: s.field,
                forces_replace: match s.changed_by {
                    ChangedBy::Modify => false,
                    ChangedBy::ModifyUnlessCleared => after.is_empty(),
                    ChangedBy::Replace => true,
                },
                before: Some(before.into()),
                after: Some(after.into()),
            })
        })
        .collect();
    if live.tags != want.tags {
        out.push(FieldDiff {
            field: CommandField::Tags,
            before: Some(FieldValue::Tags(live.tags.clone())),
            after: Some(FieldValue::Tags(want.tags.clone())),
            forces_replace: false,
        });
    }
    out
}

/// The ModifyCommand request that changes the fields of `fields` it can change in place,
/// or `None` when none of them is one.
pub fn modify_request(
    id: &str,
    want: &CommandState,
    fields: &[CommandFieldDiff],
) -> Option<ModifyCommandRequest> {
    let mut req = ModifyCommandRequest {
        command_id: id.to_string(),
        ..Default::default()
    };
    let mut any = false;
    for f in fields.iter().filter(|f| !f.forces_replace) {
        if let Some(modify) = spec(f.field).and_then(|s| s.modify) {
            modify(&mut req, want);
            any = true;
        }
    }
    any.then_some(req)
}

/// Whether ModifyCommand has anything to change among `fields`.
pub fn modify_needed(fields: &[CommandFieldDiff]) -> bool {
    fields
        .iter()
        .any(|f| !f.forces_replace && spec(f.field).is_some_and(|s| s.modify.is_some()))
}

/// Tags to set (new or changed values) and keys to remove, going from `before` to `after`;
/// the ownership tags are never removed.
pub fn command_tag_delta(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    tag_delta(before, after, |k| k == TAG_STACK || k == TAG_NAME)
}

/// TagResources for added or changed tags, UntagResources for removed ones.
pub fn tag_writes(before: &CommandState, after: &CommandState) -> u32 {
    let (set, unset) = command_tag_delta(&before.tags, &after.tags);
    u32::from(!set.is_empty()) + u32::from(!unset.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> CommandState {
        CommandState {
            name: "a".into(),
            description: "d".into(),
            command_type: "RunShellScript".into(),
            content: "echo".into(),
            working_dir: "/tmp".into(),
            timeout: 60,
            enable_parameter: false,
            launcher: String::new(),
            resource_group_id: String::new(),
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn the_table_decides_modify_or_replace() {
        let live = state();
        let mut want = state();
        want.timeout = 30;
        want.description = "e".into();
        let d = field_diffs(&live, &want);
        assert_eq!(
            d.iter().map(|f| f.field).collect::<Vec<_>>(),
            [CommandField::Description, CommandField::Timeout]
        );
        assert!(d.iter().all(|f| !f.forces_replace));
        let req = modify_request("c-1", &want, &d).unwrap();
        assert_eq!(req.timeout, Some(30));
        assert_eq!(req.description.as_deref(), Some("e"));
        assert_eq!(req.name, None);
        // Emptying a text field takes a new command; so does a new script.
        want.working_dir.clear();
        want.content = "echo 2".into();
        let d = field_diffs(&live, &want);
        let forced: Vec<CommandField> = d
            .iter()
            .filter(|f| f.forces_replace)
            .map(|f| f.field)
            .collect();
        assert_eq!(forced, [CommandField::Content, CommandField::WorkingDir]);
    }

    #[test]
    fn field_names_are_the_plan_formats() {
        for s in &FIELDS {
            let json = serde_json::to_value(s.field).unwrap();
            assert_eq!(json, s.field.name());
        }
        assert_eq!(
            serde_json::to_value(CommandField::Tags).unwrap(),
            CommandField::Tags.name()
        );
    }
}
