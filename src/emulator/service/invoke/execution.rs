//! How and where a task runs: the targets, the schedule and the per-run options of
//! InvokeCommand and RunCommand (timeout, working directory, user, launcher, container,
//! termination mode, OSS delivery), each defaulting to the command's where it has one.

use std::sync::LazyLock;

use regex::Regex;

use super::schedule::{self, Schedule};
use super::targets;
use crate::domain::command_type::{CommandType, Os};
use crate::domain::limits;
use crate::domain::repeat::RepeatMode;
use crate::domain::schedule::Frequency;
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::inventory::Instance;
use crate::emulator::service::{Ctx, common};
use crate::emulator::store::commands::CommandRow;
use crate::emulator::wire::Params;

/// How and where a task runs.
pub struct Execution<'a> {
    pub targets: Vec<&'a Instance>,
    pub repeat_mode: RepeatMode,
    /// `RepeatMode=DryRun`: validate the call, create nothing.
    pub dry_run: bool,
    pub frequency: Option<Frequency>,
    /// The Frequency as the caller wrote it (the service echoes it).
    pub frequency_raw: String,
    pub timeout: i64,
    pub working_dir: String,
    pub username: String,
    pub windows_password_name: String,
    pub launcher: String,
    pub container_id: String,
    pub container_name: String,
    pub termination_mode: String,
    pub oss_output_delivery: String,
}

impl<'a> Execution<'a> {
    pub(super) fn read(
        p: &Params,
        region: &str,
        ctx: &Ctx<'a>,
        ty: CommandType,
        cmd: &CommandRow,
        content: &str,
        enable_parameter: bool,
    ) -> Result<Self, ApiError> {
        let targets = targets::select(p, region, ctx)?;
        let timeout = common::timeout(p)?.unwrap_or(cmd.timeout);
        let Schedule {
            repeat_mode,
            dry_run,
            frequency,
        } = schedule::read(p, timeout, ctx)?;
        let frequency_raw = p.get("Frequency").unwrap_or_default().to_string();
        let working_dir = common::working_dir(p)?
            .unwrap_or(&cmd.working_dir)
            .to_string();
        let launcher = common::launcher(p)?.unwrap_or(&cmd.launcher).to_string();
        let username = common::bounded(
            p,
            "Username",
            limits::MAX_USERNAME_CHARS,
            Code::UsernameExceedLimit,
        )?;
        let windows_password_name = common::bounded(
            p,
            "WindowsPasswordName",
            limits::MAX_WINDOWS_PASSWORD_NAME_CHARS,
            Code::WindowsPasswordNameExceedLimit,
        )?;
        let username = match (username, ty.os()) {
            (Some(u), _) => u.to_string(),
            (None, Os::Linux) => "root".to_string(),
            (None, Os::Windows) => "System".to_string(),
        };
        if ty.os() == Os::Windows
            && !username.eq_ignore_ascii_case("System")
            && windows_password_name.is_none()
        {
            return Err(ApiError::new(
                Code::WindowsPasswordNameMissed,
                format!(
                    "Running as the Windows user {username:?} needs WindowsPasswordName (the OOS parameter holding its password)."
                ),
            ));
        }
        let container_id = container_id(p)?;
        let container_name = container_name(p)?;
        let termination_mode = match p.get("TerminationMode") {
            None => String::new(),
            Some(m @ ("Process" | "ProcessTree")) => m.to_string(),
            Some(m) => {
                return Err(ApiError::new(
                    Code::InvalidTerminationModeNotFound,
                    format!(
                        "The specified TerminationMode {m:?} does not exist; use Process or ProcessTree."
                    ),
                ));
            }
        };
        let oss_output_delivery = match p.get("OssOutputDelivery") {
            None => String::new(),
            Some(o) if o.starts_with("oss://") && o.len() > "oss://".len() => o.to_string(),
            Some(o) => {
                return Err(ApiError::invalid(
                    "OssOutputDelivery",
                    format!("{o:?} is not oss://bucket/prefix"),
                ));
            }
        };
        let exec = Self {
            targets,
            repeat_mode,
            dry_run,
            frequency,
            frequency_raw,
            timeout,
            working_dir,
            username,
            windows_password_name: windows_password_name.unwrap_or_default().to_string(),
            launcher,
            container_id,
            container_name,
            termination_mode,
            oss_output_delivery,
        };
        let container = !exec.container_id.is_empty() || !exec.container_name.is_empty();
        let needs = targets::needs(
            ty,
            content,
            enable_parameter,
            exec.frequency.as_ref(),
            container,
        );
        targets::check_all(ctx, &exec.targets, ty, &needs)?;
        Ok(exec)
    }

    pub(super) fn stop_if_dry_run(&self) -> Result<(), ApiError> {
        if self.dry_run {
            return Err(ApiError::new(
                Code::DryRunOperation,
                "Request validation has been passed with DryRun flag set.",
            ));
        }
        Ok(())
    }
}

static CONTAINER_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^((docker|containerd|cri-o)://)?[0-9a-f]{64}$").expect("static regex")
});
static CONTAINER_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$").expect("static regex"));

fn container_id(p: &Params) -> Result<String, ApiError> {
    match p.get("ContainerId") {
        None => Ok(String::new()),
        Some(c) if CONTAINER_ID.is_match(c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::new(
            Code::InvalidContainerIdMalformed,
            format!(
                "The ContainerId {c:?} is not 64 hex characters with an optional docker://, containerd:// or cri-o:// prefix."
            ),
        )),
    }
}

fn container_name(p: &Params) -> Result<String, ApiError> {
    match p.get("ContainerName") {
        None => Ok(String::new()),
        Some(c) if CONTAINER_NAME.is_match(c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::new(
            Code::InvalidContainerNameMalformed,
            format!(
                "The ContainerName {c:?} is not valid: letters, digits, `_`, `.` and `-`, starting with a letter or digit."
            ),
        )),
    }
}
