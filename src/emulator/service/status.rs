//! The statuses as the store keeps them (their API names) mapped through
//! `domain::status`: a task's overall status from its targets', the legacy names answered
//! next to them, and which stored statuses a DescribeInvocations / DescribeInvocationResults
//! status filter selects.

use crate::domain::status::{InvocationStatus, LegacyStatus, TargetStatus};

/// The overall InvocationStatus of a task whose targets are stored with `statuses`.
pub fn overall<'a>(statuses: impl IntoIterator<Item = &'a str>) -> &'static str {
    let targets: Vec<TargetStatus> = statuses
        .into_iter()
        .filter_map(TargetStatus::from_api)
        .collect();
    InvocationStatus::overall(&targets).api_name()
}

/// The legacy `InvokeStatus` of a task.
pub fn legacy_task(status: &str) -> &'static str {
    InvocationStatus::from_api(status)
        .map_or(LegacyStatus::Running, InvocationStatus::legacy)
        .api_name()
}

/// The legacy `InstanceInvokeStatus` / `InvokeRecordStatus` of one target.
pub fn legacy_instance(status: &str) -> &'static str {
    TargetStatus::from_api(status)
        .map_or(LegacyStatus::Running, TargetStatus::legacy)
        .api_name()
}

/// Task statuses a DescribeInvocations `InvokeStatus` filter selects: a current name selects
/// itself; the legacy `Finished` selects finished tasks.
pub fn task_filter(value: &str) -> Option<Vec<String>> {
    use InvocationStatus as S;
    let list = match LegacyStatus::from_api(value) {
        Some(LegacyStatus::Finished) => vec![S::Success, S::Failed, S::PartialFailed],
        _ => vec![InvocationStatus::from_api(value)?],
    };
    Some(list.iter().map(|s| s.api_name().to_string()).collect())
}

/// Per-instance statuses an `InvokeRecordStatus` filter selects: the legacy names, and
/// `Success`.
pub fn record_filter(value: &str) -> Option<Vec<String>> {
    use TargetStatus as S;
    if value == S::Success.api_name() {
        return Some(vec![value.to_string()]);
    }
    let list: Vec<TargetStatus> = match LegacyStatus::from_api(value)? {
        LegacyStatus::Running => vec![S::Running, S::Pending, S::Scheduled],
        LegacyStatus::Finished => vec![
            S::Success,
            S::Failed,
            S::Invalid,
            S::Aborted,
            S::Timeout,
            S::Error,
        ],
        LegacyStatus::Failed | LegacyStatus::PartialFailed => S::FAILURES.to_vec(),
        LegacyStatus::Stopped => S::STOPPED.to_vec(),
        LegacyStatus::Stopping => vec![S::Stopping],
    };
    Some(list.iter().map(|s| s.api_name().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overall_of_stored_names() {
        assert_eq!(overall(["Pending", "Success"]), "Pending");
        assert_eq!(overall(["Cancelled", "Stopped", "Terminated"]), "Stopped");
        assert_eq!(overall(["Success", "Error"]), "PartialFailed");
    }

    #[test]
    fn legacy_names() {
        assert_eq!(legacy_task("Pending"), "Running");
        assert_eq!(legacy_task("Success"), "Finished");
        assert_eq!(legacy_instance("Cancelled"), "Stopped");
        assert_eq!(legacy_instance("Timeout"), "Failed");
    }

    #[test]
    fn filters() {
        assert_eq!(
            task_filter("Finished").unwrap(),
            ["Success", "Failed", "PartialFailed"]
        );
        assert_eq!(task_filter("Scheduled").unwrap(), ["Scheduled"]);
        assert_eq!(task_filter("running"), None);
        assert_eq!(task_filter("Cancelled"), None);
        assert_eq!(
            record_filter("Running").unwrap(),
            ["Running", "Pending", "Scheduled"]
        );
        assert_eq!(
            record_filter("Finished").unwrap(),
            [
                "Success", "Failed", "Invalid", "Aborted", "Timeout", "Error"
            ]
        );
        assert_eq!(
            record_filter("PartialFailed").unwrap(),
            ["Invalid", "Aborted", "Failed", "Timeout", "Error"]
        );
        assert_eq!(
            record_filter("Stopped").unwrap(),
            ["Stopped", "Cancelled", "Terminated"]
        );
        assert_eq!(record_filter("Success").unwrap(), ["Success"]);
        assert_eq!(record_filter("Stopping").unwrap(), ["Stopping"]);
        assert_eq!(record_filter("Pending"), None);
    }
}
