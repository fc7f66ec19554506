//! Error codes of the service that both the client and the emulator name: the API's `Code`
//! of a failed call (reference §3), and the per-instance `ErrorCode` of a run (reference §2).
//!
//! The emulator's full table of API codes, with the HTTP status it answers each with, is
//! `emulator::errors::Code`; the codes here are the ones a client also reacts to, so both
//! sides spell them from one place.

use std::fmt;

/// The command does not exist (ModifyCommand, DeleteCommand, InvokeCommand).
pub const INVALID_CMD_ID_NOT_FOUND: &str = "InvalidCmdId.NotFound";
/// The task does not exist (StopInvocation, ModifyInvocationAttribute, ...).
pub const INVALID_INVOKE_ID_NOT_FOUND: &str = "InvalidInvokeId.NotFound";
/// A target instance does not exist (InvokeCommand, RunCommand).
pub const INVALID_INSTANCE_NOT_FOUND: &str = "InvalidInstance.NotFound";
/// An instance is not a target of the task (StopInvocation).
pub const INVALID_INSTANCE_ID_NOT_FOUND: &str = "InvalidInstanceId.NotFound";
/// A target cannot run the task: its state, OS or agent (InvokeCommand, RunCommand).
pub const INVALID_INSTANCE_NOT_MATCH: &str = "InvalidInstance.NotMatch";
/// The region does not exist (every operation).
pub const INVALID_REGION_ID_NOT_FOUND: &str = "InvalidRegionId.NotFound";
/// Flow control; every code starting with `Throttling` is one.
pub const THROTTLING: &str = "Throttling";
pub const THROTTLING_USER: &str = "Throttling.User";
pub const SERVICE_UNAVAILABLE: &str = "ServiceUnavailable";
/// Every code starting with `InternalError` is a server fault.
pub const INTERNAL_ERROR: &str = "InternalError";
/// The same ClientToken came with other parameters.
pub const IDEMPOTENT_PARAMETER_MISMATCH: &str = "IdempotentParameterMismatch";
/// The first request with this ClientToken is still being processed.
pub const IDEMPOTENT_PROCESSING: &str = "IdempotentProcessing";
pub const SIGNATURE_DOES_NOT_MATCH: &str = "SignatureDoesNotMatch";

/// Why a run on one instance failed or never started: the `ErrorCode` of DescribeInvocations'
/// `InvokeInstance` and of DescribeInvocationResults (empty when the run succeeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstanceErrorCode {
    /// The instance does not exist or was released.
    InstanceNotExists,
    /// The instance was released while the task ran.
    InstanceReleased,
    /// The instance was not Running when the task was created.
    InstanceNotRunning,
    /// The command does not suit the instance (its type needs another OS).
    CommandNotApplicable,
    AccountNotExists,
    DirectoryNotExists,
    BadCronExpression,
    /// The Cloud Assistant agent is not running (or not connected, for a managed instance).
    ClientNotRunning,
    ClientNotResponse,
    ClientIsUpgrading,
    /// The agent is too old for something the task uses.
    ClientNeedUpgrade,
    DeliveryTimeout,
    ExecutionTimeout,
    ExecutionException,
    ExecutionInterrupted,
    ExitCodeNonzero,
    SecurityGroupRuleDenied,
    TaskConcurrencyLimit,
}

impl InstanceErrorCode {
    pub const ALL: [InstanceErrorCode; 18] = [
        InstanceErrorCode::InstanceNotExists,
        InstanceErrorCode::InstanceReleased,
        InstanceErrorCode::InstanceNotRunning,
        InstanceErrorCode::CommandNotApplicable,
        InstanceErrorCode::AccountNotExists,
        InstanceErrorCode::DirectoryNotExists,
        InstanceErrorCode::BadCronExpression,
        InstanceErrorCode::ClientNotRunning,
        InstanceErrorCode::ClientNotResponse,
        InstanceErrorCode::ClientIsUpgrading,
        InstanceErrorCode::ClientNeedUpgrade,
        InstanceErrorCode::DeliveryTimeout,
        InstanceErrorCode::ExecutionTimeout,
        InstanceErrorCode::ExecutionException,
        InstanceErrorCode::ExecutionInterrupted,
        InstanceErrorCode::ExitCodeNonzero,
        InstanceErrorCode::SecurityGroupRuleDenied,
        InstanceErrorCode::TaskConcurrencyLimit,
    ];

    pub fn api_name(self) -> &'static str {
        match self {
            InstanceErrorCode::InstanceNotExists => "InstanceNotExists",
            InstanceErrorCode::InstanceReleased => "InstanceReleased",
            InstanceErrorCode::InstanceNotRunning => "InstanceNotRunning",
            InstanceErrorCode::CommandNotApplicable => "CommandNotApplicable",
            InstanceErrorCode::AccountNotExists => "AccountNotExists",
            InstanceErrorCode::DirectoryNotExists => "DirectoryNotExists",
            InstanceErrorCode::BadCronExpression => "BadCronExpression",
            InstanceErrorCode::ClientNotRunning => "ClientNotRunning",
            InstanceErrorCode::ClientNotResponse => "ClientNotResponse",
            InstanceErrorCode::ClientIsUpgrading => "ClientIsUpgrading",
            InstanceErrorCode::ClientNeedUpgrade => "ClientNeedUpgrade",
            InstanceErrorCode::DeliveryTimeout => "DeliveryTimeout",
            InstanceErrorCode::ExecutionTimeout => "ExecutionTimeout",
            InstanceErrorCode::ExecutionException => "ExecutionException",
            InstanceErrorCode::ExecutionInterrupted => "ExecutionInterrupted",
            InstanceErrorCode::ExitCodeNonzero => "ExitCodeNonzero",
            InstanceErrorCode::SecurityGroupRuleDenied => "SecurityGroupRuleDenied",
            InstanceErrorCode::TaskConcurrencyLimit => "TaskConcurrencyLimit",
        }
    }

    /// The code named exactly `s`, as the service spells it.
    pub fn from_api(s: &str) -> Option<InstanceErrorCode> {
        Self::ALL.into_iter().find(|c| c.api_name() == s)
    }
}

impl fmt::Display for InstanceErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_codes_round_trip() {
        for c in InstanceErrorCode::ALL {
            assert_eq!(InstanceErrorCode::from_api(c.api_name()), Some(c));
            assert_eq!(c.to_string(), c.api_name());
        }
    }
}
