//! Whether an instance can run a task, as InvokeCommand checks every target: the command's OS,
//! the instance Running, its agent online, and an agent recent enough for what the task uses
//! (a rate / at / year / time-zone schedule, `{{ACS::...}}` built-ins, a container). One
//! unsuitable target fails the whole call, so a client leaves such targets out beforehand
//! and the emulator refuses them.
//!
//! ModifyInvocationAttribute has its own minimum on every target ([`check_modify`]).

use std::fmt;

use super::agent_version::AgentVersion;
use super::command_type::Os;
use super::error_codes::InstanceErrorCode;
use super::params::Builtin;

/// The ECS `Status` of an instance that can run commands; managed instances count as
/// Running.
pub const RUNNING: &str = "Running";

/// What the check needs to know of one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceFacts {
    /// `None` when the API reports an OS type that is not known here: the OS check is then
    /// skipped and the command's OS is assumed for the version minimums.
    pub os: Option<Os>,
    /// ECS `Status` (`Running`, `Stopped`, ...); [`RUNNING`] for managed instances.
    pub status: String,
    /// The agent's heartbeat is recent (managed instances: `Connected`).
    pub agent_online: bool,
    /// A managed instance (`mi-`), whose agent is said to be connected rather than online.
    pub managed: bool,
    /// `None` when no agent version is reported.
    pub agent_version: Option<AgentVersion>,
}

/// What the agent on an instance must support for a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// `linux` or `windows`.
    pub os: String,
    /// The `{{ACS::...}}` built-ins the content uses (with parameters enabled). Checked in
    /// this order; names that are no built-in need nothing.
    pub builtins: Vec<String>,
    /// A rate, at, year or time-zone schedule.
    pub new_schedule: bool,
    pub container: bool,
}

/// Something a run uses that needs a minimum agent version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// A rate, at, year or time-zone schedule ([`AgentVersion::schedule_minimum`]).
    NewSchedule,
    Builtin(Builtin),
    /// ContainerId / ContainerName ([`AgentVersion::container_minimum`]).
    Container,
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Feature::NewSchedule => f.write_str("a rate, at or time-zone schedule"),
            Feature::Builtin(b) => write!(f, "{{{{ACS::{}}}}}", b.name()),
            Feature::Container => f.write_str("running in a container"),
        }
    }
}

/// Why an instance cannot run a task, as data, for a caller that words it its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The command's type needs another OS.
    OsMismatch {
        instance: Os,
        command: Os,
    },
    /// The instance is not Running; `status` is its ECS status.
    NotRunning {
        status: String,
    },
    AgentOffline {
        managed: bool,
    },
    /// The agent is online but reports no version.
    NoAgentVersion,
    AgentTooOld {
        feature: Feature,
        min: AgentVersion,
        have: AgentVersion,
    },
    /// Containers are supported on Linux only.
    ContainerNotOnLinux,
}

impl Cause {
    /// The per-instance ErrorCode the service gives a run refused for this cause.
    pub fn code(&self) -> InstanceErrorCode {
        match self {
            Cause::OsMismatch { .. } | Cause::ContainerNotOnLinux => {
                InstanceErrorCode::CommandNotApplicable
            }
            Cause::NotRunning { .. } => InstanceErrorCode::InstanceNotRunning,
            Cause::AgentOffline { .. } | Cause::NoAgentVersion => {
                InstanceErrorCode::ClientNotRunning
            }
            Cause::AgentTooOld { .. } => InstanceErrorCode::ClientNeedUpgrade,
        }
    }
}

/// The sentence a person reads in a plan, without the code.
impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::OsMismatch { instance, command } => {
                write!(f, "it runs {instance} and the command needs {command}")
            }
            Cause::NotRunning { status } => write!(f, "it is {status}"),
            Cause::AgentOffline { managed: true } => f.write_str("its agent is not connected"),
            Cause::AgentOffline { managed: false } => {
                f.write_str("its Cloud Assistant agent is offline")
            }
            Cause::NoAgentVersion => f.write_str("its Cloud Assistant agent reports no version"),
            Cause::AgentTooOld { feature, min, have } => {
                write!(f, "{feature} needs agent {min} or later and it has {have}")
            }
            Cause::ContainerNotOnLinux => f.write_str("containers are supported on Linux only"),
        }
    }
}

/// An instance that cannot run a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ineligible {
    /// The per-instance ErrorCode the service gives such a target.
    pub code: InstanceErrorCode,
    /// What is wrong, for a person reading a plan, without the code in parentheses (the
    /// [`Cause`]'s Display).
    pub reason: String,
    pub cause: Cause,
}

impl From<Cause> for Ineligible {
    fn from(cause: Cause) -> Self {
        Ineligible {
            code: cause.code(),
            reason: cause.to_string(),
            cause,
        }
    }
}

impl fmt::Display for Ineligible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason, self.code)
    }
}

/// Whether an instance with `facts` can run a task with `needs`, checked in the service's
/// order: the OS (when both are known), Running, the agent online and reporting a version,
/// the agent minimums of [`minimums`] in their order, and last a container on another OS
/// than Linux. The first failure is the answer.
pub fn check(facts: &InstanceFacts, needs: &Needs) -> Result<(), Ineligible> {
    let want = Os::from_api(&needs.os);
    if let (Some(want), Some(os)) = (want, facts.os)
        && want != os
    {
        return Err(Cause::OsMismatch {
            instance: os,
            command: want,
        }
        .into());
    }
    if facts.status != RUNNING {
        return Err(Cause::NotRunning {
            status: facts.status.clone(),
        }
        .into());
    }
    if !facts.agent_online {
        return Err(Cause::AgentOffline {
            managed: facts.managed,
        }
        .into());
    }
    let os = facts.os.or(want).unwrap_or(Os::Linux);
    let Some(have) = &facts.agent_version else {
        return Err(Cause::NoAgentVersion.into());
    };
    for (min, feature) in minimums(needs, os) {
        if *have < min {
            return Err(Cause::AgentTooOld {
                feature,
                min,
                have: have.clone(),
            }
            .into());
        }
    }
    if needs.container && os != Os::Linux {
        return Err(Cause::ContainerNotOnLinux.into());
    }
    Ok(())
}

/// The agent versions a run with `needs` requires on `os`, with what requires them: the
/// schedule's, each known built-in's (in `needs.builtins` order), and the container's (Linux;
/// elsewhere a container is refused, not upgraded to).
pub fn minimums(needs: &Needs, os: Os) -> Vec<(AgentVersion, Feature)> {
    let mut out = Vec::new();
    if needs.new_schedule {
        out.push((AgentVersion::schedule_minimum(os), Feature::NewSchedule));
    }
    for b in needs.builtins.iter().filter_map(|b| Builtin::from_name(b)) {
        if let Some(min) = b.min_agent_version(os) {
            out.push((min, Feature::Builtin(b)));
        }
    }
    if needs.container && os == Os::Linux {
        out.push((AgentVersion::container_minimum(), Feature::Container));
    }
    out
}

/// The agent on a target is too old for ModifyInvocationAttribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifyUnsupported {
    pub min: AgentVersion,
    pub have: AgentVersion,
}

/// Whether ModifyInvocationAttribute can change a task on an instance with `facts`: it needs
/// agent 2.2.3.541 (Linux) / 2.1.3.541 (Windows) on every target. An instance whose OS or
/// agent version is not known is no blocker: nothing says it is too old.
pub fn check_modify(facts: &InstanceFacts) -> Result<(), ModifyUnsupported> {
    let (Some(os), Some(have)) = (facts.os, &facts.agent_version) else {
        return Ok(());
    };
    let min = AgentVersion::modify_invocation_minimum(os);
    if *have < min {
        return Err(ModifyUnsupported {
            min,
            have: have.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(os: Os, version: &str) -> InstanceFacts {
        InstanceFacts {
            os: Some(os),
            status: RUNNING.into(),
            agent_online: true,
            managed: false,
            agent_version: version.parse().ok(),
        }
    }

    fn linux(new_schedule: bool) -> Needs {
        Needs {
            os: "linux".into(),
            new_schedule,
            ..Needs::default()
        }
    }

    fn refusal(f: &InstanceFacts, n: &Needs) -> String {
        check(f, n).unwrap_err().to_string()
    }

    #[test]
    fn each_rule_in_order() {
        let ok = facts(Os::Linux, "2.2.3.857");
        assert!(check(&ok, &linux(true)).is_ok());

        let win = facts(Os::Windows, "2.1.3.857");
        assert_eq!(
            refusal(&win, &linux(false)),
            "it runs Windows and the command needs Linux (CommandNotApplicable)"
        );

        let mut stopped = ok.clone();
        stopped.status = "Stopped".into();
        stopped.agent_online = false;
        assert_eq!(
            refusal(&stopped, &linux(false)),
            "it is Stopped (InstanceNotRunning)"
        );

        let mut offline = ok.clone();
        offline.agent_online = false;
        assert_eq!(
            refusal(&offline, &linux(false)),
            "its Cloud Assistant agent is offline (ClientNotRunning)"
        );
        offline.managed = true;
        assert_eq!(
            refusal(&offline, &linux(false)),
            "its agent is not connected (ClientNotRunning)"
        );

        let mut unknown = ok.clone();
        unknown.agent_version = None;
        assert_eq!(
            check(&unknown, &linux(false)).unwrap_err().cause,
            Cause::NoAgentVersion
        );

        let old = facts(Os::Linux, "2.2.0.106");
        assert_eq!(
            refusal(&old, &linux(true)),
            "a rate, at or time-zone schedule needs agent 2.2.3.282 or later and it has 2.2.0.106 (ClientNeedUpgrade)"
        );
        assert!(check(&old, &linux(false)).is_ok());
    }

    #[test]
    fn an_unknown_os_is_not_a_mismatch() {
        let mut f = facts(Os::Linux, "2.1.3.100");
        f.os = None;
        let needs = Needs {
            os: "windows".into(),
            new_schedule: true,
            ..Needs::default()
        };
        // The Windows minimum applies: the command's OS stands in for the instance's.
        assert!(refusal(&f, &needs).contains("2.1.3.282"));
    }

    #[test]
    fn builtins_need_their_agent_versions_in_order() {
        let f = facts(Os::Linux, "2.2.3.300");
        let mut needs = linux(false);
        needs.builtins = vec!["RegionId".into(), "NotABuiltin".into()];
        assert!(check(&f, &needs).is_ok());
        needs.builtins = vec!["InstanceName".into(), "InstanceId".into()];
        let e = check(&f, &needs).unwrap_err();
        assert_eq!(e.code, InstanceErrorCode::ClientNeedUpgrade);
        assert!(e.reason.starts_with("{{ACS::InstanceName}}"), "{e}");
    }

    #[test]
    fn containers_need_linux_and_a_recent_agent() {
        let mut needs = linux(false);
        needs.container = true;
        assert!(
            refusal(&facts(Os::Linux, "2.2.3.343"), &needs)
                .contains("running in a container needs agent 2.2.3.344")
        );
        assert!(check(&facts(Os::Linux, "2.2.3.344"), &needs).is_ok());
        needs.os = "windows".into();
        let e = check(&facts(Os::Windows, "2.1.3.857"), &needs).unwrap_err();
        assert_eq!(e.cause, Cause::ContainerNotOnLinux);
        assert_eq!(e.code, InstanceErrorCode::CommandNotApplicable);
    }

    #[test]
    fn modify_needs_a_recent_agent() {
        assert!(check_modify(&facts(Os::Linux, "2.2.3.541")).is_ok());
        let e = check_modify(&facts(Os::Linux, "2.2.3.400")).unwrap_err();
        assert_eq!(e.min.to_string(), "2.2.3.541");
        assert!(check_modify(&facts(Os::Windows, "2.1.3.541")).is_ok());
        let mut unknown = facts(Os::Linux, "1.0");
        unknown.agent_version = None;
        assert!(check_modify(&unknown).is_ok());
    }
}
