//! The normalised state of an invocation: what the manifests want (one per document) and
//! what the cloud has (one per task), so the diff compares like with like.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::status::{InvocationStatus, TargetStatus};
use crate::reconcile::command::model::CommandState;

/// Instances per InvokeCommand. The API allows 100 (raisable), older docs and
/// StopInvocation 50; 50 fits every operation that takes a task's instance list.
pub const BATCH_SIZE: usize = 50;

/// The command an invocation runs, as the command part of the plan leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandRef {
    /// It exists and keeps this id.
    Stays(String),
    /// This apply creates it: its id is new.
    Created,
    /// This apply replaces it: its id is new.
    Replaced,
}

impl CommandRef {
    /// How the command comes to be, for messages: `created`, `replaced`.
    pub fn new_by(&self) -> Option<&'static str> {
        match self {
            CommandRef::Stays(_) => None,
            CommandRef::Created => Some("created"),
            CommandRef::Replaced => Some("replaced"),
        }
    }
}

pub use crate::domain::repeat::RepeatMode;

/// Where a parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ParameterSource {
    /// Written in the invocation.
    Literal,
    /// The command's declared default.
    Default,
    /// An environment variable read at apply; the value is never in a plan.
    FromEnv,
}

/// A parameter as a plan holds it: a literal or default value, or the name of the
/// environment variable (`{fromEnv: NAME}`), never a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedParameter {
    pub name: String,
    pub source: ParameterSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_env: Option<String>,
}

impl PlannedParameter {
    /// How the value enters the spec hash: the text, or `fromEnv:NAME` (never the secret).
    fn hash_text(&self) -> String {
        match (&self.value, &self.from_env) {
            (_, Some(var)) => format!("fromEnv:{var}"),
            (Some(v), None) => format!("value:{v}"),
            (None, None) => String::new(),
        }
    }
}

/// The instances a document names: ids, a tag selector and a resource group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetSelector {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_group_id: String,
    /// `targets.allowEmpty`: resolving to no eligible instance is intended, not an error.
    /// Not part of the spec hash (see [`spec_hash`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_empty: bool,
}

/// How each run executes: the per-run options of InvokeCommand, with the command's values
/// filled in where the invocation sets none, as the service fills them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOptions {
    /// Seconds: the invocation's timeout, else the command's.
    pub timeout: u64,
    /// The invocation's working directory, else the command's (empty: the service's).
    pub working_dir: String,
    /// Empty: the service's default (`root` on Linux, `System` on Windows).
    pub username: String,
    pub windows_password_name: String,
    pub container_id: String,
    pub container_name: String,
    /// `Process`, `ProcessTree` or empty.
    pub termination_mode: String,
    pub resource_group_id: String,
}

pub use crate::domain::eligibility::Needs;

/// An invocation the manifests declare, resolved as far as it can be without the cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredInvocation {
    pub region: String,
    pub name: String,
    /// `file:line` of the document.
    pub source: String,
    /// `metadata.name` of the command it runs.
    pub command: String,
    pub command_type: String,
    /// [`run_digest`] of the command's desired state.
    pub command_digest: String,
    pub repeat_mode: RepeatMode,
    /// The API's Frequency (Period only).
    pub frequency: Option<String>,
    pub parameters: Vec<PlannedParameter>,
    pub selector: TargetSelector,
    pub run: RunOptions,
    /// Stack and document tags with `assistctl:stack` and `assistctl:name`; the hash and
    /// batch tags are added per task.
    pub tags: BTreeMap<String, String>,
    pub needs: Needs,
    pub hash: String,
    /// [`inputs_hash`] of this spec.
    pub inputs: String,
    /// Wave by wave (a `once` invocation's `rollout`), else all at once. Not in the spec
    /// hash: a new policy changes how the rest is reached, and reruns nobody.
    pub rollout: Option<crate::domain::rollout::Policy>,
}

/// The part of a command a run depends on and a task does not report: what it runs and
/// with which launcher. Name, description, resource group and tags do not change a run, so
/// editing them reruns nothing; timeout and working directory enter the hash as the run's
/// own (the invocation's, else the command's), which tasks report.
pub fn run_digest(c: &CommandState) -> String {
    let run = CommandState {
        name: String::new(),
        description: String::new(),
        working_dir: String::new(),
        timeout: 0,
        resource_group_id: String::new(),
        tags: BTreeMap::new(),
        ..c.clone()
    };
    run.digest()
}

/// The spec hash of an invocation: the command's run digest, the parameter values as
/// written (a `fromEnv` value hashes as its reference), the target selector (not the
/// instances it resolves to), the schedule and the run options.
pub fn spec_hash(
    command_digest: &str,
    parameters: &[PlannedParameter],
    selector: &TargetSelector,
    repeat_mode: RepeatMode,
    frequency: Option<&str>,
    run: &RunOptions,
) -> String {
    let params: BTreeMap<String, String> = parameters
        .iter()
        .map(|p| (p.name.clone(), p.hash_text()))
        .collect();
    // `allowEmpty` only decides whether `plan` accepts an empty selection: setting it
    // must not run anything again. Left out when false, so the hash of a selector without
    // it is what it always was.
    let selector = TargetSelector {
        allow_empty: false,
        ..selector.clone()
    };
    let doc = serde_json::json!({
        "command": command_digest,
        "parameters": params,
        "selector": selector,
        "repeatMode": repeat_mode,
        "frequency": frequency,
        "run": run,
    });
    let mut h = Sha256::new();
    h.update(doc.to_string().as_bytes());
    hex::encode(h.finalize())[..40].to_string()
}

/// The inputs of a spec that a task does not report and ModifyInvocationAttribute cannot
/// change: the command's run digest, the `fromEnv` references, windowsPasswordName and
/// the resource group. Kept on each task so a later plan can tell a change of these from
/// a change of what the task reports (parameters, frequency, instances, run options).
/// The target selector is left out: a task reports the instances it resolved to.
pub fn inputs_hash(
    command_digest: &str,
    parameters: &[PlannedParameter],
    run: &RunOptions,
) -> String {
    let refs: BTreeMap<&str, &str> = parameters
        .iter()
        .filter_map(|p| Some((p.name.as_str(), p.from_env.as_deref()?)))
        .collect();
    let doc = serde_json::json!({
        "command": command_digest,
        "fromEnv": refs,
        "windowsPasswordName": run.windows_password_name,
        "resourceGroupId": run.resource_group_id,
    });
    let mut h = Sha256::new();
    h.update(doc.to_string().as_bytes());
    hex::encode(h.finalize())[..40].to_string()
}

/// A task the stack owns, as DescribeInvocations reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveInvocation {
    pub id: String,
    pub region: String,
    pub creation_time: String,
    /// `assistctl:name`.
    pub name: String,
    /// `assistctl:hash` (empty when missing).
    pub hash: String,
    /// `assistctl:inputs` (empty when missing).
    pub inputs: String,
    /// `assistctl:batch` (0 when missing or not a number).
    pub batch: u32,
    pub command_id: String,
    pub command_name: String,
    /// `None`: a mode this assistctl does not know.
    pub repeat_mode: Option<RepeatMode>,
    pub frequency: String,
    pub parameters: BTreeMap<String, String>,
    pub timeout: u64,
    pub working_dir: String,
    pub username: String,
    pub container_id: String,
    pub container_name: String,
    pub termination_mode: String,
    /// The overall InvocationStatus; `None`: a status this assistctl does not know.
    pub status: Option<InvocationStatus>,
    /// Target instances with their per-instance status.
    pub instances: Vec<(String, Option<TargetStatus>)>,
    pub tags: BTreeMap<String, String>,
}

impl LiveInvocation {
    /// Whether the task still runs or waits to run. A task being stopped (`Stopping`) is not
    /// the one that runs its batch any more, though its status is not final yet; a status
    /// this assistctl does not know counts as running, so nothing is invoked beside it.
    pub fn is_active(&self) -> bool {
        self.status
            .is_none_or(|s| !s.is_final() && s != InvocationStatus::Stopping)
    }

    /// The status as the service names it, for messages.
    pub fn status_name(&self) -> &'static str {
        self.status
            .map_or("unknown status", InvocationStatus::api_name)
    }

    pub fn instance_ids(&self) -> Vec<String> {
        self.instances.iter().map(|(i, _)| i.clone()).collect()
    }

    pub fn repeat(&self) -> Option<RepeatMode> {
        self.repeat_mode
    }

    /// The repeat mode as the service names it, for messages.
    pub fn repeat_name(&self) -> &'static str {
        self.repeat_mode
            .map_or("unknown RepeatMode", RepeatMode::api_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, value: Option<&str>, env: Option<&str>) -> PlannedParameter {
        PlannedParameter {
            name: name.into(),
            source: if env.is_some() {
                ParameterSource::FromEnv
            } else {
                ParameterSource::Literal
            },
            value: value.map(Into::into),
            from_env: env.map(Into::into),
        }
    }

    fn hash(params: &[PlannedParameter]) -> String {
        spec_hash(
            "d",
            params,
            &TargetSelector::default(),
            RepeatMode::Once,
            None,
            &RunOptions::default(),
        )
    }

    #[test]
    fn hash_covers_literals_and_env_references_not_secrets() {
        let a = hash(&[param("p", Some("1"), None)]);
        assert_eq!(a, hash(&[param("p", Some("1"), None)]));
        assert_ne!(a, hash(&[param("p", Some("2"), None)]));
        let e = hash(&[param("t", None, Some("TOKEN"))]);
        assert_ne!(e, hash(&[param("t", None, Some("OTHER"))]));
        // A literal equal to the reference's text is not the reference.
        assert_ne!(e, hash(&[param("t", Some("fromEnv:TOKEN"), None)]));
        assert_eq!(a.len(), 40);
    }

    #[test]
    fn allow_empty_is_not_in_the_spec_hash() {
        let sel = TargetSelector {
            tags: [("group".to_string(), "web".to_string())].into(),
            ..TargetSelector::default()
        };
        let h = |s: &TargetSelector| {
            spec_hash("d", &[], s, RepeatMode::Once, None, &RunOptions::default())
        };
        let allowed = TargetSelector {
            allow_empty: true,
            ..sel.clone()
        };
        assert_eq!(h(&sel), h(&allowed));
        // The selector itself still counts.
        let other = TargetSelector {
            tags: [("group".to_string(), "db".to_string())].into(),
            ..TargetSelector::default()
        };
        assert_ne!(h(&sel), h(&other));
    }

    #[test]
    fn run_digest_ignores_what_does_not_change_a_run() {
        let mut c = CommandState {
            name: "a".into(),
            description: "d".into(),
            command_type: "RunShellScript".into(),
            content: "echo".into(),
            working_dir: String::new(),
            timeout: 60,
            enable_parameter: false,
            launcher: String::new(),
            resource_group_id: String::new(),
            tags: BTreeMap::new(),
        };
        let d = run_digest(&c);
        c.description = "other".into();
        c.timeout = 30;
        c.tags.insert("team".into(), "x".into());
        assert_eq!(d, run_digest(&c));
        c.content = "echo 2".into();
        assert_ne!(d, run_digest(&c));
    }
}
