//! Invocation statuses: a task's overall `InvocationStatus`, the `InvocationStatus` of each of
//! its targets, the legacy names (`InvokeStatus`, `InstanceInvokeStatus`,
//! `InvokeRecordStatus`), and how a task's status follows its targets' (reference §2, the
//! DescribeInvocations and DescribeInvocationResults API docs).
//!
//! The service answers these names with exactly this spelling, and the emulator has always
//! matched them exactly, so [`InvocationStatus::from_api`] and [`TargetStatus::from_api`] are
//! case-sensitive; whether the service accepts other spellings in its filters is unconfirmed.

use std::fmt;

/// A task's overall `InvocationStatus` (DescribeInvocations).
///
/// `Stopping` is **not final**: a stop reaches a target's run only when the agent acts on it,
/// so a task being stopped may still end `Stopped`, or `Success` / `Failed` /
/// `PartialFailed` when its runs finished first. Anything waiting for a task to end must wait
/// through `Stopping`, and anything counting active tasks must count it. `Scheduled` (a
/// repeating task between runs) is not final either: only a stop ends a repeating task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum InvocationStatus {
    Pending,
    Scheduled,
    Running,
    Stopping,
    Success,
    Failed,
    PartialFailed,
    Stopped,
}

impl InvocationStatus {
    pub const ALL: [InvocationStatus; 8] = [
        InvocationStatus::Pending,
        InvocationStatus::Scheduled,
        InvocationStatus::Running,
        InvocationStatus::Stopping,
        InvocationStatus::Success,
        InvocationStatus::Failed,
        InvocationStatus::PartialFailed,
        InvocationStatus::Stopped,
    ];

    pub fn api_name(self) -> &'static str {
        match self {
            InvocationStatus::Pending => "Pending",
            InvocationStatus::Scheduled => "Scheduled",
            InvocationStatus::Running => "Running",
            InvocationStatus::Stopping => "Stopping",
            InvocationStatus::Success => "Success",
            InvocationStatus::Failed => "Failed",
            InvocationStatus::PartialFailed => "PartialFailed",
            InvocationStatus::Stopped => "Stopped",
        }
    }

    /// The status named exactly `s`, as the service spells it.
    pub fn from_api(s: &str) -> Option<InvocationStatus> {
        Self::ALL.into_iter().find(|x| x.api_name() == s)
    }

    /// The task will not change any more. See the type's doc for why `Stopping` is not.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            InvocationStatus::Success
                | InvocationStatus::Failed
                | InvocationStatus::PartialFailed
                | InvocationStatus::Stopped
        )
    }

    /// The statuses that are not final, in [`InvocationStatus::ALL`] order.
    pub fn active() -> impl Iterator<Item = InvocationStatus> {
        Self::ALL.into_iter().filter(|s| !s.is_final())
    }

    /// The legacy `InvokeStatus` answered next to this status.
    pub fn legacy(self) -> LegacyStatus {
        match self {
            InvocationStatus::Success => LegacyStatus::Finished,
            InvocationStatus::Failed => LegacyStatus::Failed,
            InvocationStatus::PartialFailed => LegacyStatus::PartialFailed,
            InvocationStatus::Stopped => LegacyStatus::Stopped,
            InvocationStatus::Stopping => LegacyStatus::Stopping,
            InvocationStatus::Pending | InvocationStatus::Scheduled | InvocationStatus::Running => {
                LegacyStatus::Running
            }
        }
    }

    /// The overall status of a task whose targets are in `targets` (reference §2). The docs
    /// leave the precedence between the rules open; the order chosen: any Running, Stopping,
    /// Pending or Scheduled target (in that order) decides; then all stopped-type gives
    /// Stopped; then Success / Failed / PartialFailed. A task with no targets is Stopped.
    pub fn overall(targets: &[TargetStatus]) -> InvocationStatus {
        for (target, task) in [
            (TargetStatus::Running, InvocationStatus::Running),
            (TargetStatus::Stopping, InvocationStatus::Stopping),
            (TargetStatus::Pending, InvocationStatus::Pending),
            (TargetStatus::Scheduled, InvocationStatus::Scheduled),
        ] {
            if targets.contains(&target) {
                return task;
            }
        }
        if targets.iter().all(|t| t.is_stopped()) {
            return InvocationStatus::Stopped;
        }
        let successes = targets
            .iter()
            .filter(|t| **t == TargetStatus::Success)
            .count();
        let failures = targets.iter().filter(|t| t.is_failure()).count();
        match (successes, failures) {
            (s, 0) if s > 0 => InvocationStatus::Success,
            (0, _) => InvocationStatus::Failed,
            _ => InvocationStatus::PartialFailed,
        }
    }
}

impl fmt::Display for InvocationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// The `InvocationStatus` of one target of a task (DescribeInvocations `InvokeInstance`,
/// DescribeInvocationResults): the overall statuses' waiting and running states, plus how a
/// run on one instance ended.
///
/// As for the task, `Stopping` is not final: the run being stopped ends `Terminated` (it was
/// running), `Cancelled` (it had not started), or how it ended by itself if it finished
/// before the stop reached it. `Stopped` is a repeating task's target between runs when the
/// task was stopped; the docs list it only through the overall rules ("all targets Stopped or
/// Success").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TargetStatus {
    /// Being checked or delivered.
    Pending,
    /// A repeating task waiting for its next run.
    Scheduled,
    Running,
    Stopping,
    /// Exit code 0.
    Success,
    /// Exit code other than 0.
    Failed,
    /// The command type or a parameter does not suit the instance.
    Invalid,
    /// Not delivered: the instance must be Running and reachable within about a minute.
    Aborted,
    Timeout,
    /// The run could not go on (an exception).
    Error,
    /// Stopped before it started.
    Cancelled,
    /// Stopped while it ran.
    Terminated,
    Stopped,
}

impl TargetStatus {
    pub const ALL: [TargetStatus; 13] = [
        TargetStatus::Pending,
        TargetStatus::Scheduled,
        TargetStatus::Running,
        TargetStatus::Stopping,
        TargetStatus::Success,
        TargetStatus::Failed,
        TargetStatus::Invalid,
        TargetStatus::Aborted,
        TargetStatus::Timeout,
        TargetStatus::Error,
        TargetStatus::Cancelled,
        TargetStatus::Terminated,
        TargetStatus::Stopped,
    ];

    /// The failed-type statuses, which make a task Failed or PartialFailed.
    pub const FAILURES: [TargetStatus; 5] = [
        TargetStatus::Invalid,
        TargetStatus::Aborted,
        TargetStatus::Failed,
        TargetStatus::Timeout,
        TargetStatus::Error,
    ];

    /// The stopped-type statuses, which make a task Stopped when every target has one.
    pub const STOPPED: [TargetStatus; 3] = [
        TargetStatus::Stopped,
        TargetStatus::Cancelled,
        TargetStatus::Terminated,
    ];

    pub fn api_name(self) -> &'static str {
        match self {
            TargetStatus::Pending => "Pending",
            TargetStatus::Scheduled => "Scheduled",
            TargetStatus::Running => "Running",
            TargetStatus::Stopping => "Stopping",
            TargetStatus::Success => "Success",
            TargetStatus::Failed => "Failed",
            TargetStatus::Invalid => "Invalid",
            TargetStatus::Aborted => "Aborted",
            TargetStatus::Timeout => "Timeout",
            TargetStatus::Error => "Error",
            TargetStatus::Cancelled => "Cancelled",
            TargetStatus::Terminated => "Terminated",
            TargetStatus::Stopped => "Stopped",
        }
    }

    /// The status named exactly `s`, as the service spells it.
    pub fn from_api(s: &str) -> Option<TargetStatus> {
        Self::ALL.into_iter().find(|x| x.api_name() == s)
    }

    /// Nothing more happens to this run. See the type's doc for why `Stopping` is not final.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            TargetStatus::Pending
                | TargetStatus::Scheduled
                | TargetStatus::Running
                | TargetStatus::Stopping
        )
    }

    /// The statuses that are not final, in [`TargetStatus::ALL`] order.
    pub fn active() -> impl Iterator<Item = TargetStatus> {
        Self::ALL.into_iter().filter(|s| !s.is_final())
    }

    /// One of [`TargetStatus::FAILURES`].
    pub fn is_failure(self) -> bool {
        Self::FAILURES.contains(&self)
    }

    /// One of [`TargetStatus::STOPPED`].
    pub fn is_stopped(self) -> bool {
        Self::STOPPED.contains(&self)
    }

    /// The legacy `InstanceInvokeStatus` / `InvokeRecordStatus` answered next to this status.
    pub fn legacy(self) -> LegacyStatus {
        match self {
            TargetStatus::Success => LegacyStatus::Finished,
            s if s.is_failure() => LegacyStatus::Failed,
            s if s.is_stopped() => LegacyStatus::Stopped,
            TargetStatus::Stopping => LegacyStatus::Stopping,
            _ => LegacyStatus::Running,
        }
    }
}

impl fmt::Display for TargetStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// The legacy status names: `InvokeStatus` of a task, `InstanceInvokeStatus` and
/// `InvokeRecordStatus` of a target. A repeating task stays Running until it is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyStatus {
    Running,
    Finished,
    Failed,
    PartialFailed,
    Stopped,
    Stopping,
}

impl LegacyStatus {
    pub const ALL: [LegacyStatus; 6] = [
        LegacyStatus::Running,
        LegacyStatus::Finished,
        LegacyStatus::Failed,
        LegacyStatus::PartialFailed,
        LegacyStatus::Stopped,
        LegacyStatus::Stopping,
    ];

    pub fn api_name(self) -> &'static str {
        match self {
            LegacyStatus::Running => "Running",
            LegacyStatus::Finished => "Finished",
            LegacyStatus::Failed => "Failed",
            LegacyStatus::PartialFailed => "PartialFailed",
            LegacyStatus::Stopped => "Stopped",
            LegacyStatus::Stopping => "Stopping",
        }
    }

    /// The status named exactly `s`, as the service spells it.
    pub fn from_api(s: &str) -> Option<LegacyStatus> {
        Self::ALL.into_iter().find(|x| x.api_name() == s)
    }
}

impl fmt::Display for LegacyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overall(names: &[&str]) -> &'static str {
        let targets: Vec<TargetStatus> = names
            .iter()
            .map(|n| TargetStatus::from_api(n).unwrap())
            .collect();
        InvocationStatus::overall(&targets).api_name()
    }

    #[test]
    fn overall_rules() {
        assert_eq!(overall(&["Pending", "Success"]), "Pending");
        assert_eq!(overall(&["Scheduled", "Stopped"]), "Scheduled");
        assert_eq!(overall(&["Success", "Stopping"]), "Stopping");
        assert_eq!(overall(&["Stopping", "Running"]), "Running");
        assert_eq!(overall(&["Cancelled", "Stopped", "Terminated"]), "Stopped");
        assert_eq!(overall(&["Success", "Stopped"]), "Success");
        assert_eq!(overall(&["Failed", "Timeout", "Cancelled"]), "Failed");
        assert_eq!(overall(&["Success", "Error"]), "PartialFailed");
        assert_eq!(overall(&[]), "Stopped");
    }

    #[test]
    fn stopping_is_not_final_on_either_level() {
        assert!(!InvocationStatus::Stopping.is_final());
        assert!(!TargetStatus::Stopping.is_final());
        let active: Vec<&str> = InvocationStatus::active().map(|s| s.api_name()).collect();
        assert_eq!(active, ["Pending", "Scheduled", "Running", "Stopping"]);
        let active: Vec<&str> = TargetStatus::active().map(|s| s.api_name()).collect();
        assert_eq!(active, ["Pending", "Scheduled", "Running", "Stopping"]);
    }

    #[test]
    fn final_target_statuses() {
        let finals: Vec<&str> = TargetStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .map(|s| s.api_name())
            .collect();
        assert_eq!(
            finals,
            [
                "Success",
                "Failed",
                "Invalid",
                "Aborted",
                "Timeout",
                "Error",
                "Cancelled",
                "Terminated",
                "Stopped"
            ]
        );
    }

    #[test]
    fn names_round_trip_exactly() {
        for s in InvocationStatus::ALL {
            assert_eq!(InvocationStatus::from_api(s.api_name()), Some(s));
        }
        for s in TargetStatus::ALL {
            assert_eq!(TargetStatus::from_api(s.api_name()), Some(s));
        }
        for s in LegacyStatus::ALL {
            assert_eq!(LegacyStatus::from_api(s.api_name()), Some(s));
        }
        assert_eq!(TargetStatus::from_api("success"), None);
        assert_eq!(InvocationStatus::from_api("Finished"), None);
    }

    #[test]
    fn legacy_names() {
        assert_eq!(InvocationStatus::Pending.legacy().api_name(), "Running");
        assert_eq!(InvocationStatus::Scheduled.legacy().api_name(), "Running");
        assert_eq!(InvocationStatus::Success.legacy().api_name(), "Finished");
        assert_eq!(InvocationStatus::Stopping.legacy().api_name(), "Stopping");
        assert_eq!(TargetStatus::Cancelled.legacy().api_name(), "Stopped");
        assert_eq!(TargetStatus::Timeout.legacy().api_name(), "Failed");
        assert_eq!(TargetStatus::Scheduled.legacy().api_name(), "Running");
    }
}
