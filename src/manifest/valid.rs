//! The validated model: a manifest set that passed every rule, with what the rules
//! resolved kept rather than worked out again — each document's region, each command's
//! script, each invocation's command and parsed schedule. It exists only for a set
//! without errors, so whatever reads it (the desired state) cannot fail.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::domain::command_type::CommandType;
use crate::domain::schedule::Frequency;

use super::script::Script;
use super::set::Located;
use super::types::{ParameterSpec, ParameterValue, Tags, Targets, TerminationMode};

/// The whole set: its one Stack, and the Commands and Invocations in manifest order.
#[derive(Debug, Clone)]
pub struct Validated {
    pub stack: ValidStack,
    pub commands: Vec<ValidCommand>,
    pub invocations: Vec<ValidInvocation>,
}

/// Where a document starts: shown as `file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: Arc<Path>,
    pub line: u64,
}

impl Source {
    pub fn of<T>(doc: &Located<T>) -> Source {
        Source {
            file: doc.file.clone(),
            line: doc.positions.document_line(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

#[derive(Debug, Clone)]
pub struct ValidStack {
    pub name: String,
    pub region: String,
    /// Added to every command and invocation.
    pub tags: Tags,
    pub resource_group_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ValidCommand {
    pub name: String,
    pub description: Option<String>,
    /// Its own region, else the stack's.
    pub region: String,
    pub command_type: CommandType,
    pub script: Script,
    /// `EnableParameter` as written, else inferred from the declarations and the script.
    pub enable_parameter: bool,
    pub working_dir: Option<String>,
    /// The timeout the service applies.
    pub timeout: u64,
    pub launcher: Option<String>,
    /// Its own, else the stack's.
    pub resource_group_id: Option<String>,
    /// Its own tags, without the stack's.
    pub tags: Tags,
    /// An existing command to adopt instead of creating one.
    pub import_id: Option<String>,
    /// As declared, by the name as written.
    pub parameters: BTreeMap<String, ParameterSpec>,
    pub source: Source,
}

/// When an invocation runs, parsed: what RepeatMode and Frequency are made of.
#[derive(Debug, Clone)]
pub enum Recurrence {
    Once,
    NextBoot,
    EveryBoot,
    /// A rate, an `at` time or a cron schedule, already checked against the run's timeout.
    Period(Frequency),
}

#[derive(Debug, Clone)]
pub struct ValidInvocation {
    pub name: String,
    /// Its own region, else the stack's; its command is in the same one.
    pub region: String,
    /// The command it runs: an index into [`Validated::commands`].
    pub command: usize,
    pub schedule: Recurrence,
    /// The parameters its command declares, by the name as written.
    pub declared: BTreeMap<String, ParameterSpec>,
    /// The values given, by the name as written.
    pub parameters: BTreeMap<String, ParameterValue>,
    pub targets: Targets,
    pub username: Option<String>,
    pub windows_password_name: Option<String>,
    /// The run's timeout as the service applies it: its own, else its command's.
    pub timeout: u64,
    /// The run's working directory: its own, else its command's.
    pub working_dir: Option<String>,
    pub container_id: Option<String>,
    pub container_name: Option<String>,
    pub termination_mode: Option<TerminationMode>,
    /// Its own, else the stack's.
    pub resource_group_id: Option<String>,
    /// Its own tags, without the stack's.
    pub tags: Tags,
    /// How apply reaches its instances: wave by wave (`once` only), or all at once.
    pub rollout: Option<crate::domain::rollout::Policy>,
    pub source: Source,
}
