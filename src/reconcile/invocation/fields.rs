//! The field-by-field comparison of a live task with its document: what the task reports,
//! read back in the manifests' terms ([`View`]), the fields that differ, the task's tags and
//! how parameters are shown (a value that may be secret never is).

use serde::{Deserialize, Serialize};

use crate::domain::limits::MAX_TAGS;
use crate::reconcile::field::{FieldDiff, FieldValue};
use crate::reconcile::ownership::{user_tag_delta, user_tags};
use crate::redact::MASK;

use super::model::{
    CommandRef, DesiredInvocation, LiveInvocation, ParameterSource, PlannedParameter, RunOptions,
};

/// A field of a task, named as the plan format names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TaskField {
    Command,
    RepeatMode,
    Frequency,
    Parameters,
    Timeout,
    WorkingDir,
    Username,
    ContainerId,
    ContainerName,
    TerminationMode,
    Instances,
    /// TagResources / UntagResources, never a new task.
    Tags,
}

impl TaskField {
    /// The name in the plan format (and in messages).
    pub fn name(self) -> &'static str {
        match self {
            TaskField::Command => "command",
            TaskField::RepeatMode => "repeatMode",
            TaskField::Frequency => "frequency",
            TaskField::Parameters => "parameters",
            TaskField::Timeout => "timeout",
            TaskField::WorkingDir => "workingDir",
            TaskField::Username => "username",
            TaskField::ContainerId => "containerId",
            TaskField::ContainerName => "containerName",
            TaskField::TerminationMode => "terminationMode",
            TaskField::Instances => "instances",
            TaskField::Tags => "tags",
        }
    }

    /// Whether ModifyInvocationAttribute changes it (tags: TagResources does).
    pub fn modifiable(self) -> bool {
        matches!(
            self,
            TaskField::Frequency | TaskField::Parameters | TaskField::Instances
        )
    }
}

impl std::fmt::Display for TaskField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

pub type TaskFieldDiff = FieldDiff<TaskField>;

/// What a task reports, in the manifests' terms: defaults the service filled in are
/// taken back out, and what a task does not report is taken from the manifests.
pub(super) struct View {
    pub(super) frequency: Option<String>,
    pub(super) parameters: Vec<PlannedParameter>,
    pub(super) run: RunOptions,
}

pub(super) fn view(l: &LiveInvocation, d: &DesiredInvocation) -> View {
    let frequency = (!l.frequency.is_empty()).then(|| {
        crate::domain::schedule::Frequency::parse(&l.frequency)
            .map(|f| f.to_api_string())
            .unwrap_or_else(|_| l.frequency.clone())
    });
    let live_value = |name: &str| {
        l.parameters
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut parameters: Vec<PlannedParameter> = d
        .parameters
        .iter()
        .map(|p| match p.source {
            ParameterSource::FromEnv if live_value(&p.name).is_some() => p.clone(),
            ParameterSource::FromEnv => PlannedParameter {
                from_env: None,
                value: None,
                ..p.clone()
            },
            _ => PlannedParameter {
                value: live_value(&p.name),
                ..p.clone()
            },
        })
        .collect();
    for (k, v) in &l.parameters {
        if !d.parameters.iter().any(|p| p.name.eq_ignore_ascii_case(k)) {
            parameters.push(PlannedParameter {
                name: k.clone(),
                source: ParameterSource::Literal,
                value: Some(v.clone()),
                from_env: None,
            });
        }
    }
    let default_user = if d.needs.os == "windows" {
        "System"
    } else {
        "root"
    };
    let username = if d.run.username.is_empty() && l.username.eq_ignore_ascii_case(default_user) {
        String::new()
    } else {
        l.username.clone()
    };
    View {
        frequency,
        parameters,
        run: RunOptions {
            timeout: l.timeout,
            working_dir: l.working_dir.clone(),
            username,
            windows_password_name: d.run.windows_password_name.clone(),
            container_id: l.container_id.clone(),
            container_name: l.container_name.clone(),
            termination_mode: l.termination_mode.clone(),
            resource_group_id: d.run.resource_group_id.clone(),
        },
    }
}

/// Whether an input the task does not report changed. A new command explains a changed
/// script by itself, so it is not reported twice.
pub(super) fn hidden_changed(
    d: &DesiredInvocation,
    l: &LiveInvocation,
    fields: &[TaskFieldDiff],
) -> bool {
    !fields.iter().any(|f| f.field == TaskField::Command) && l.inputs != d.inputs
}

/// Reported fields that differ, in a fixed order. `instances` is compared when given.
pub(super) fn fields(
    d: &DesiredInvocation,
    v: &View,
    l: &LiveInvocation,
    cmd: Option<&CommandRef>,
    instances: Option<&[String]>,
) -> Vec<TaskFieldDiff> {
    let mut out = Vec::new();
    let mut push = |field: TaskField, before: String, after: String, forces: bool| {
        if before != after {
            out.push(FieldDiff {
                field,
                before: Some(before.into()),
                after: Some(after.into()),
                forces_replace: forces,
            });
        }
    };
    let wanted_command = match cmd {
        Some(CommandRef::Stays(id)) => id.clone(),
        Some(r) => format!(
            "(the {} command `{}`)",
            r.new_by().unwrap_or_default(),
            d.command
        ),
        None => format!("(command `{}`)", d.command),
    };
    push(
        TaskField::Command,
        l.command_id.clone(),
        wanted_command,
        true,
    );
    push(
        TaskField::RepeatMode,
        l.repeat_name().into(),
        d.repeat_mode.api_name().into(),
        true,
    );
    push(
        TaskField::Frequency,
        v.frequency.clone().unwrap_or_default(),
        d.frequency.clone().unwrap_or_default(),
        false,
    );
    let (before, after) = (params_text(&v.parameters, d), params_text(&d.parameters, d));
    push(TaskField::Parameters, before, after, false);
    push(
        TaskField::Timeout,
        v.run.timeout.to_string(),
        d.run.timeout.to_string(),
        true,
    );
    push(
        TaskField::WorkingDir,
        v.run.working_dir.clone(),
        d.run.working_dir.clone(),
        true,
    );
    push(
        TaskField::Username,
        v.run.username.clone(),
        d.run.username.clone(),
        true,
    );
    push(
        TaskField::ContainerId,
        v.run.container_id.clone(),
        d.run.container_id.clone(),
        true,
    );
    push(
        TaskField::ContainerName,
        v.run.container_name.clone(),
        d.run.container_name.clone(),
        true,
    );
    push(
        TaskField::TerminationMode,
        v.run.termination_mode.clone(),
        d.run.termination_mode.clone(),
        true,
    );
    if let Some(after) = instances {
        let mut before = l.instance_ids();
        before.sort();
        let removed = before.iter().any(|i| !after.contains(i));
        push(
            TaskField::Instances,
            before.join(", "),
            after.join(", "),
            removed,
        );
    }
    out.extend(tags_field(l, d));
    out
}

pub(super) const TAGS_IN_PLACE: &str =
    "the task's tags changed; TagResources and UntagResources change them in place";

/// The task's user tags against the desired ones; `None` when they agree. Never forces a
/// new task.
pub(super) fn tags_field(l: &LiveInvocation, d: &DesiredInvocation) -> Option<TaskFieldDiff> {
    let (before, after) = (user_tags(&l.tags), user_tags(&d.tags));
    if before == after {
        return None;
    }
    Some(FieldDiff {
        field: TaskField::Tags,
        before: Some(FieldValue::Tags(before)),
        after: Some(FieldValue::Tags(after)),
        forces_replace: false,
    })
}

/// The tag calls of an in-place change of task `l`: TagResources of the hash and inputs
/// tags with the user tags to set, UntagResources of the user tags to remove, at most
/// [`MAX_TAGS`] tags a call.
pub(super) fn tag_writes(l: &LiveInvocation, d: &DesiredInvocation) -> u32 {
    let (set, unset) = user_tag_delta(&l.tags, &d.tags);
    ((2 + set.len()).div_ceil(MAX_TAGS) + unset.len().div_ceil(MAX_TAGS)) as u32
}

/// Parameters as `name=value, ...`; a `fromEnv` one as `name={fromEnv: VAR}` (its value is
/// never compared nor shown), and a live value the manifests do not give literally as
/// `****`: it may be a secret.
pub(super) fn params_text(params: &[PlannedParameter], d: &DesiredInvocation) -> String {
    let mut items: Vec<(String, String)> = params
        .iter()
        .map(|p| {
            let literal_in_manifest = d.parameters.iter().any(|q| {
                q.name.eq_ignore_ascii_case(&p.name) && q.source != ParameterSource::FromEnv
            });
            let shown = match (&p.from_env, &p.value) {
                (Some(var), _) => format!("{{fromEnv: {var}}}"),
                (None, Some(v)) if literal_in_manifest => v.clone(),
                (None, Some(_)) => MASK.into(),
                (None, None) => "(none)".into(),
            };
            (p.name.to_ascii_lowercase(), format!("{}={shown}", p.name))
        })
        .collect();
    items.sort();
    items
        .into_iter()
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join(", ")
}
