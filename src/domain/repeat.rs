//! How often a task runs: InvokeCommand's and RunCommand's `RepeatMode`.

use serde::{Deserialize, Serialize};

/// RepeatMode as the API takes it. The variant names are the API's, so serde writes them as
/// the API does. `DryRun`, which the API also takes, only validates a call and creates no
/// task, so it is no mode a task can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RepeatMode {
    Once,
    Period,
    NextRebootOnly,
    EveryReboot,
}

impl RepeatMode {
    pub const ALL: [RepeatMode; 4] = [
        RepeatMode::Once,
        RepeatMode::Period,
        RepeatMode::NextRebootOnly,
        RepeatMode::EveryReboot,
    ];

    pub fn api_name(self) -> &'static str {
        match self {
            RepeatMode::Once => "Once",
            RepeatMode::Period => "Period",
            RepeatMode::NextRebootOnly => "NextRebootOnly",
            RepeatMode::EveryReboot => "EveryReboot",
        }
    }

    /// The mode named `s`, in any case: the service matches RepeatMode case-insensitively.
    pub fn from_api(s: &str) -> Option<RepeatMode> {
        Self::ALL
            .into_iter()
            .find(|m| m.api_name().eq_ignore_ascii_case(s))
    }

    /// DescribeInvocations' `Timed`: the task runs later, on a schedule or at boot, rather
    /// than once now. These are also the tasks ModifyInvocationAttribute can change.
    pub fn is_timed(self) -> bool {
        self != RepeatMode::Once
    }

    /// Each run is kept, for DescribeInvocationResults with `IncludeHistory=true`.
    pub fn keeps_history(self) -> bool {
        matches!(self, RepeatMode::Period | RepeatMode::EveryReboot)
    }
}

impl std::fmt::Display for RepeatMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.api_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_any_case() {
        for m in RepeatMode::ALL {
            assert_eq!(RepeatMode::from_api(m.api_name()), Some(m));
            assert_eq!(
                RepeatMode::from_api(&m.api_name().to_ascii_lowercase()),
                Some(m)
            );
        }
        assert_eq!(RepeatMode::from_api("DryRun"), None);
    }

    #[test]
    fn serde_uses_the_api_names() {
        assert_eq!(
            serde_json::to_string(&RepeatMode::NextRebootOnly).unwrap(),
            "\"NextRebootOnly\""
        );
        let m: RepeatMode = serde_json::from_str("\"EveryReboot\"").unwrap();
        assert_eq!(m, RepeatMode::EveryReboot);
    }
}
