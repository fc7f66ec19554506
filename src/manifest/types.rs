//! The manifest documents users write (`apiVersion: assistctl/v1`). The JSON Schema in
//! `schema/assistctl.schema.json` is generated from these types, so doc comments here
//! are what editors show.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::command_type::CommandType;

/// The only manifest API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ApiVersion {
    #[serde(rename = "assistctl/v1")]
    V1,
}

/// Tags: key-value pairs. At most 20 per resource, counting the stack's tags and the two
/// `assistctl:` ownership tags. Keys must not start with `aliyun`, `acs:` or `assistctl:`.
pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// The document's name: for a Command its `Name` in Cloud Assistant; unique per kind
    /// and region within the stack. At most 128 characters.
    pub name: String,
    /// A description; for a Command its `Description` (at most 512 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

// ---------------------------------------------------------------- Stack

/// The Stack's metadata: its name is the `assistctl:stack` tag of everything it owns,
/// so it is held to one spelling per name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StackMetadata {
    /// The stack's name, the value of the `assistctl:stack` tag: 1 to 63 lower-case ASCII
    /// letters, digits and `-`, starting and ending with a letter or digit.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"))]
    pub name: String,
    /// A description, shown in plans only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum StackKind {
    Stack,
}

/// The unit of ownership: exactly one per manifest set. Everything assistctl creates is
/// tagged `assistctl:stack=<name>`, and nothing without that tag is ever touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StackDocument {
    pub api_version: ApiVersion,
    pub kind: StackKind,
    pub metadata: StackMetadata,
    pub spec: StackSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StackSpec {
    /// Default region of the documents in this stack, e.g. `cn-hangzhou`.
    pub region: String,
    /// Tags added to every command and invocation of the stack.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
    /// Default resource group of the stack's commands and invocations (`rg-...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group_id: Option<String>,
}

// ---------------------------------------------------------------- Command

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CommandKind {
    Command,
}

/// A reusable Cloud Assistant command (CreateCommand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommandDocument {
    pub api_version: ApiVersion,
    pub kind: CommandKind,
    pub metadata: Metadata,
    pub spec: CommandSpec,
}

/// Command type. Linux: `shell`, `python`, `perl`; Windows: `bat`, `powershell`. The
/// API names (`RunShellScript`, ...) are accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeName {
    #[serde(rename = "shell", alias = "RunShellScript")]
    Shell,
    #[serde(rename = "python", alias = "RunPythonScript")]
    Python,
    #[serde(rename = "perl", alias = "RunPerlScript")]
    Perl,
    #[serde(rename = "bat", alias = "RunBatScript")]
    Bat,
    #[serde(rename = "powershell", alias = "RunPowerShellScript")]
    PowerShell,
}

impl TypeName {
    pub fn command_type(self) -> CommandType {
        match self {
            TypeName::Shell => CommandType::Shell,
            TypeName::Python => CommandType::Python,
            TypeName::Perl => CommandType::Perl,
            TypeName::Bat => CommandType::Bat,
            TypeName::PowerShell => CommandType::PowerShell,
        }
    }
}

// Written by hand because schemars does not list serde aliases.
impl JsonSchema for TypeName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TypeName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = CommandType::ALL
            .iter()
            .flat_map(|t| [t.manifest_name(), t.api_name()])
            .collect();
        schemars::json_schema!({
            "description": "Command type. Linux: `shell`, `python`, `perl`; Windows: `bat`, `powershell`. The API names (`RunShellScript`, ...) are accepted too.",
            "type": "string",
            "enum": names,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommandSpec {
    /// Command type; it must match the OS of the instances it runs on.
    #[serde(rename = "type")]
    pub command_type: TypeName,
    /// The script, inline. Exactly one of `content` and `contentFile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Path of the script, relative to this manifest file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_file: Option<String>,
    /// Working directory (at most 200 characters). When omitted the API uses `/root` on
    /// Linux and the agent's directory on Windows; the console pre-fills `/home`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Timeout in seconds (default 60). Values below 10 are raised to 10 by the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 86400))]
    pub timeout: Option<u64>,
    /// Launcher of the script, e.g. `python3 -u {{ACS::ScriptFileName|Ext(".py")}}` (at most 1 KB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launcher: Option<String>,
    /// Resource group of the command (`rg-...`); defaults to the stack's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group_id: Option<String>,
    /// Region; defaults to the stack's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Tags of the command, merged over the stack's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
    /// Whether `{{key}}` placeholders are parameters (`EnableParameter`). Defaults to true
    /// when the script uses a parameter or parameters are declared; set it to false for a
    /// script whose `{{...}}` must stay literal (Go templates, Jinja).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_parameter: Option<bool>,
    /// Id (`c-...`) of an existing command that no stack owns yet: apply tags it as this
    /// stack's instead of creating a new one. `assistctl import` writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^c-[a-z0-9]+$"))]
    pub import_id: Option<String>,
    /// Custom parameters used in the script as `{{key}}`, at most 20. Names use letters,
    /// digits, `_` and `-` (at most 64 bytes) and are case-insensitive.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, ParameterSpec>,
}

/// Declaration of a custom parameter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParameterSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Value used when an invocation gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// An invocation must give a value (there is no default).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// The value is a secret: it must come from the environment (`fromEnv`) and is
    /// redacted in every plan and log.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

// ---------------------------------------------------------------- Invocation

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum InvocationKind {
    Invocation,
}

/// A run of a command on instances (InvokeCommand): once, at the next or every boot, or
/// on a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvocationDocument {
    pub api_version: ApiVersion,
    pub kind: InvocationKind,
    pub metadata: Metadata,
    pub spec: InvocationSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvocationSpec {
    /// `metadata.name` of the Command document to run.
    pub command: String,
    /// Instances to run on.
    pub targets: Targets,
    /// Values of the command's custom parameters: a literal, or `{fromEnv: VAR}` read from
    /// the environment at apply time (never stored in git, redacted everywhere).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, ParameterValue>,
    /// When to run: `once` (default), `nextBoot`, `everyBoot`, `{rate: 5m}`,
    /// `{at: "2026-12-01T02:00:00", timezone: Asia/Shanghai}` or
    /// `{cron: "0 0 2 ? * *", timezone: Asia/Shanghai}`.
    #[serde(default)]
    pub schedule: Schedule,
    /// OS user that runs the command. Default: `root` (Linux), `system` (Windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Name of the OOS parameter holding the password of a non-system Windows user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_password_name: Option<String>,
    /// Timeout of this run in seconds, overriding the command's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 86400))]
    pub timeout: Option<u64>,
    /// Working directory of this run, overriding the command's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Run inside this container (Linux): 64 hex characters, optionally prefixed with
    /// `docker://`, `containerd://` or `cri-o://`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    /// Run inside the container with this name (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// What a timeout or stop kills: the script's process, or its whole process tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_mode: Option<TerminationMode>,
    /// Region; defaults to the stack's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Resource group of the task (`rg-...`); defaults to the stack's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group_id: Option<String>,
    /// Tags of the task, merged over the stack's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
    /// Run a `once` invocation wave by wave: apply invokes a wave, waits for its runs, and
    /// starts the next only while failed runs stay within `maxErrors`. Without it every
    /// instance is invoked at once and apply does not wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
}

/// How a `once` invocation reaches its instances: in cumulative waves, each waiting for
/// its runs, halting when failed runs exceed the error budget. Its progress lives on the
/// tasks (an `assistctl:wave` tag), so a killed apply continues where it stopped and no
/// instance runs the same spec twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rollout {
    /// Cumulative wave sizes, each a number of instances or a percentage of the instances
    /// (rounded up), increasing, the last `100%`: e.g. `[1, 10%, 50%, 100%]`. Give this or
    /// `waveSize`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waves: Option<Vec<AmountValue>>,
    /// Waves of equal size, a number of instances or a percentage (e.g. `10%`: ten waves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave_size: Option<AmountValue>,
    /// Failed runs the whole rollout tolerates: a number, or a percentage of the instances
    /// (rounded down). The rollout halts as soon as more fail. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_errors: Option<AmountValue>,
    /// What a wave waits for: `success` (default: every other end counts as failed) or
    /// `finished` (a script that ends with a non-zero exit code counts as done; timeouts,
    /// errors and runs never delivered still count as failed). Runs stopped by
    /// StopInvocation count as neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for: Option<WaitForName>,
    /// How long one wave may take, from its invoke until every run ended, as `<n><s|m|h>`;
    /// runs still going then halt the rollout. Default: the run's timeout plus 5 minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+[smh]$"))]
    pub wave_timeout: Option<String>,
    /// A pause between the end of a wave and the start of the next, as `<n><s|m|h>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+[smh]$"))]
    pub pause: Option<String>,
    /// When the rollout halts, stop the runs of the failing wave that have not ended
    /// (StopInvocation). Default false: they run to their end.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stop_on_halt: bool,
}

/// A number of instances, or a percentage such as `10%`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AmountValue {
    Count(u64),
    Percent(#[schemars(regex(pattern = r"^[0-9]+%$"))] String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum WaitForName {
    Success,
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TerminationMode {
    Process,
    ProcessTree,
}

/// Which instances an invocation runs on. Instance ids and tag selectors may be combined:
/// the plan resolves them to the concrete instances they hit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Targets {
    /// ECS instances (`i-...`) and managed instances (`mi-...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_ids: Vec<String>,
    /// Instances that carry all of these tags (at most 10).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: Tags,
    /// Only instances in this resource group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group_id: Option<String>,
    /// Allow the targets to resolve to no instance that can run the invocation. Without it
    /// `plan` refuses such an invocation, since a mistyped tag or a Windows script aimed at
    /// Linux instances would otherwise succeed silently forever. Set it for selectors that
    /// may legitimately match nothing, e.g. an autoscaling group scaled to zero. Changing
    /// it runs nothing again. An instance id that does not exist is refused regardless.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_empty: bool,
}

/// A parameter value: a literal or a reference to an environment variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ParameterValue {
    Literal(Literal),
    FromEnv(FromEnv),
}

/// A literal value; numbers and booleans are sent as their text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Literal {
    String(String),
    Integer(i64),
    Number(f64),
    Bool(bool),
}

impl Literal {
    pub fn as_text(&self) -> String {
        match self {
            Literal::String(s) => s.clone(),
            Literal::Integer(i) => i.to_string(),
            Literal::Number(n) => n.to_string(),
            Literal::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FromEnv {
    /// Environment variable read at apply time.
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub from_env: String,
}

/// When an invocation runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Schedule {
    Keyword(ScheduleKeyword),
    Rate(RateSchedule),
    At(AtSchedule),
    Cron(CronSchedule),
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::Keyword(ScheduleKeyword::Once)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ScheduleKeyword {
    /// Run now, once per distinct spec (RepeatMode=Once).
    Once,
    /// Run at the next boot of each instance (RepeatMode=NextRebootOnly).
    NextBoot,
    /// Run at every boot of each instance (RepeatMode=EveryReboot).
    EveryBoot,
}

/// Run at a fixed interval (60 seconds to 7 days, longer than the timeout). The first run
/// comes one interval after the task is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateSchedule {
    /// `<n><s|m|h|d>`, e.g. `5m`, `12h`.
    #[schemars(regex(pattern = r"^[0-9]+[smhd]$"))]
    pub rate: String,
}

/// Run once at a wall-clock time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AtSchedule {
    /// `yyyy-MM-ddTHH:mm:ss` (or with a space), local to `timezone`.
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}$"))]
    pub at: String,
    /// IANA name (Asia/Shanghai), `GMT+8:00` or `UTC`. Default: UTC, as the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// Run on a Quartz-style cron schedule with seconds: `sec min hour day-of-month month
/// day-of-week [year]`, e.g. `0 0 2 ? * *`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CronSchedule {
    pub cron: String,
    /// IANA name, `GMT+8:00` or `UTC`. Without it the schedule runs in each instance's
    /// own time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}
