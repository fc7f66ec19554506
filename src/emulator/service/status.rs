//! Status names of tasks and per-instance results, and how a task's overall status follows
//! from its targets' (reference §2). The precedence between the rules is unconfirmed; the
//! order chosen here is: any Running, Stopping, Pending or Scheduled target (in that order)
//! decides; then all stopped-type gives Stopped; then Success / Failed / PartialFailed.

const STOPPED_TYPE: &[&str] = &["Stopped", "Cancelled", "Terminated"];
const FAILED_TYPE: &[&str] = &["Invalid", "Aborted", "Failed", "Timeout", "Error"];

/// The overall InvocationStatus of a task whose targets are in `statuses`.
pub fn overall<'a>(statuses: impl IntoIterator<Item = &'a str> + Clone) -> &'static str {
    for active in ["Running", "Stopping", "Pending", "Scheduled"] {
        if statuses.clone().into_iter().any(|s| s == active) {
            return active;
        }
    }
    let all: Vec<&str> = statuses.into_iter().collect();
    if all.iter().all(|s| STOPPED_TYPE.contains(s)) {
        return "Stopped";
    }
    let successes = all.iter().filter(|s| **s == "Success").count();
    let failures = all.iter().filter(|s| FAILED_TYPE.contains(s)).count();
    match (successes, failures) {
        (s, 0) if s > 0 => "Success",
        (0, _) => "Failed",
        _ => "PartialFailed",
    }
}

/// The legacy `InvokeStatus` of a task.
pub fn legacy_task(status: &str) -> &'static str {
    match status {
        "Success" => "Finished",
        "Failed" => "Failed",
        "PartialFailed" => "PartialFailed",
        "Stopped" => "Stopped",
        "Stopping" => "Stopping",
        _ => "Running",
    }
}

/// The legacy `InstanceInvokeStatus` / `InvokeRecordStatus` of one target.
pub fn legacy_instance(status: &str) -> &'static str {
    match status {
        "Success" => "Finished",
        s if FAILED_TYPE.contains(&s) => "Failed",
        s if STOPPED_TYPE.contains(&s) => "Stopped",
        "Stopping" => "Stopping",
        _ => "Running",
    }
}

/// Task statuses a DescribeInvocations `InvokeStatus` filter selects: a current name selects
/// itself; the legacy `Finished` selects finished tasks.
pub fn task_filter(value: &str) -> Option<Vec<String>> {
    let v = |xs: &[&str]| Some(xs.iter().map(|s| s.to_string()).collect());
    match value {
        "Finished" => v(&["Success", "Failed", "PartialFailed"]),
        "Running" | "Success" | "Failed" | "PartialFailed" | "Stopped" | "Stopping" | "Pending"
        | "Scheduled" => v(&[value]),
        _ => None,
    }
}

/// Per-instance statuses an `InvokeRecordStatus` filter selects.
pub fn record_filter(value: &str) -> Option<Vec<String>> {
    let v = |xs: &[&str]| Some(xs.iter().map(|s| s.to_string()).collect());
    match value {
        "Running" => v(&["Running", "Pending", "Scheduled"]),
        "Finished" => v(&[
            "Success", "Failed", "Invalid", "Aborted", "Timeout", "Error",
        ]),
        "Success" => v(&["Success"]),
        "Failed" | "PartialFailed" => v(FAILED_TYPE),
        "Stopped" => v(STOPPED_TYPE),
        "Stopping" => v(&["Stopping"]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overall_rules() {
        assert_eq!(overall(["Pending", "Success"]), "Pending");
        assert_eq!(overall(["Scheduled", "Stopped"]), "Scheduled");
        assert_eq!(overall(["Cancelled", "Stopped", "Terminated"]), "Stopped");
        assert_eq!(overall(["Success", "Stopped"]), "Success");
        assert_eq!(overall(["Failed", "Timeout", "Cancelled"]), "Failed");
        assert_eq!(overall(["Success", "Error"]), "PartialFailed");
    }

    #[test]
    fn legacy_names() {
        assert_eq!(legacy_task("Pending"), "Running");
        assert_eq!(legacy_task("Success"), "Finished");
        assert_eq!(legacy_instance("Cancelled"), "Stopped");
        assert_eq!(legacy_instance("Timeout"), "Failed");
    }
}
