//! Cloud Assistant agent versions (`2.2.3.309`) and the minimums features need.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use super::command_type::Os;

/// A dotted agent version, compared numerically part by part (missing parts are 0).
#[derive(Debug, Clone)]
pub struct AgentVersion(Vec<u32>);

impl AgentVersion {
    pub fn new(parts: &[u32]) -> Self {
        AgentVersion(parts.to_vec())
    }

    /// rate and at schedules, and time zones in cron, need 2.2.3.282 (Linux) or
    /// 2.1.3.282 (Windows); older agents answer `ClientNeedUpgrade`.
    pub fn schedule_minimum(os: Os) -> AgentVersion {
        match os {
            Os::Linux => AgentVersion::new(&[2, 2, 3, 282]),
            Os::Windows => AgentVersion::new(&[2, 1, 3, 282]),
        }
    }

    /// Running in a container (ContainerId / ContainerName) needs 2.2.3.344; containers are
    /// supported on Linux only.
    pub fn container_minimum() -> AgentVersion {
        AgentVersion::new(&[2, 2, 3, 344])
    }

    /// ModifyInvocationAttribute needs 2.2.3.541 (Linux) or 2.1.3.541 (Windows).
    pub fn modify_invocation_minimum(os: Os) -> AgentVersion {
        match os {
            Os::Linux => AgentVersion::new(&[2, 2, 3, 541]),
            Os::Windows => AgentVersion::new(&[2, 1, 3, 541]),
        }
    }

    fn part(&self, i: usize) -> u32 {
        self.0.get(i).copied().unwrap_or(0)
    }
}

impl Ord for AgentVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.0.len().max(other.0.len());
        (0..n)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialEq for AgentVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for AgentVersion {}

impl PartialOrd for AgentVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl FromStr for AgentVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Result<Vec<u32>, _> = s.trim().split('.').map(str::parse::<u32>).collect();
        match parts {
            Ok(p) if !p.is_empty() => Ok(AgentVersion(p)),
            _ => Err(format!(
                "`{s}` is not an agent version: expected dotted numbers like 2.2.3.309"
            )),
        }
    }
}

impl fmt::Display for AgentVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&s.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_numerically() {
        let v = |s: &str| s.parse::<AgentVersion>().unwrap();
        assert!(v("2.2.3.309") > v("2.2.3.282"));
        assert!(v("2.2.10") > v("2.2.9.999"));
        assert_eq!(v("2.2.3"), v("2.2.3.0"));
        assert!("2.x".parse::<AgentVersion>().is_err());
        assert_eq!(v("2.1.3.344").to_string(), "2.1.3.344");
    }
}
