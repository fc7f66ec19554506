//! How a run's end is reported: the agent reports `finish`, `timeout`, `stopped`, `error` or
//! `invalid` and the service turns that into the per-instance `InvocationStatus`,
//! `ErrorCode` and `ErrorInfo` (the ErrorInfo sentences are the API's own, verbatim, typos
//! included).

use chrono::{DateTime, Duration, Utc};

use super::process::{Cancel, Ending, Ran};
use crate::domain::error_codes::InstanceErrorCode;
use crate::domain::status::TargetStatus;
use crate::emulator::service::common::fmt_time;
use crate::emulator::store::runs::RunEnd;

pub const DIRECTORY_NOT_EXISTS: &str = "the specified directory does not exists";
pub const ACCOUNT_NOT_EXISTS: &str = "the specified account does not exists";

/// The end of a run that started at `start` and ran (or was cut off) until `end`.
pub fn of(ran: &Ran, start: DateTime<Utc>, end: DateTime<Utc>, timeout_secs: i64) -> RunEnd {
    let output = String::from_utf8_lossy(&ran.output).into_owned();
    let base = RunEnd {
        output,
        dropped: ran.dropped as i64,
        start_time: Some(fmt_time(start)),
        finish_time: Some(fmt_time(end)),
        ..RunEnd::default()
    };
    match &ran.ending {
        Ending::Exited(0) => RunEnd {
            status: TargetStatus::Success.api_name().into(),
            exit_code: Some(0),
            ..base
        },
        Ending::Exited(code) => RunEnd {
            status: TargetStatus::Failed.api_name().into(),
            exit_code: Some(i64::from(*code)),
            error_code: InstanceErrorCode::ExitCodeNonzero.api_name().into(),
            error_info: "the command execution exit code is not zero".into(),
            ..base
        },
        // The agent reads a process a signal ended as exit code -1.
        Ending::Signaled(_) => RunEnd {
            status: TargetStatus::Failed.api_name().into(),
            exit_code: Some(-1),
            error_code: InstanceErrorCode::ExitCodeNonzero.api_name().into(),
            error_info: "the command execution exit code is not zero".into(),
            ..base
        },
        // The agent reports exit code 1 for a timeout; the API's FinishedTime is the start
        // plus the timeout, whatever the kill took.
        Ending::TimedOut => RunEnd {
            status: TargetStatus::Timeout.api_name().into(),
            exit_code: Some(1),
            error_code: InstanceErrorCode::ExecutionTimeout.api_name().into(),
            error_info: "the command execution has been timeout".into(),
            finish_time: Some(fmt_time(start + Duration::seconds(timeout_secs))),
            ..base
        },
        Ending::Cancelled(Cancel::Stop) => RunEnd {
            status: TargetStatus::Terminated.api_name().into(),
            stop_time: Some(fmt_time(end)),
            ..base
        },
        Ending::Cancelled(Cancel::Shutdown) => RunEnd {
            status: TargetStatus::Error.api_name().into(),
            error_code: InstanceErrorCode::ExecutionInterrupted.api_name().into(),
            error_info: "the command execution has been interrupted (the local emulator stopped while it ran)".into(),
            ..base
        },
        Ending::SpawnFailed(why) => RunEnd {
            status: TargetStatus::Error.api_name().into(),
            error_code: InstanceErrorCode::ExecutionException.api_name().into(),
            error_info: format!("the command execution got an exception: {why}"),
            ..base
        },
    }
}

/// A run that could not start: nothing ran, so there is no start time, exit code or output.
pub fn not_started(
    status: TargetStatus,
    code: Option<InstanceErrorCode>,
    info: impl Into<String>,
    now: DateTime<Utc>,
) -> RunEnd {
    RunEnd {
        status: status.api_name().into(),
        error_code: code.map_or("", InstanceErrorCode::api_name).into(),
        error_info: info.into(),
        finish_time: Some(fmt_time(now)),
        ..RunEnd::default()
    }
}
