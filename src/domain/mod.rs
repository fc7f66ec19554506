//! Facts of Cloud Assistant itself, shared by the manifest validator, the
//! reconciler and the emulator: command types and their OS, limits, parameter
//! rules, tag rules, agent versions, the schedule grammar, repeat modes, invocation
//! statuses, which instances can run a task, and the error codes both sides name.

pub mod agent_version;
pub mod command_type;
pub mod eligibility;
pub mod error_codes;
pub mod limits;
pub mod params;
pub mod repeat;
pub mod rollout;
pub mod schedule;
pub mod status;
pub mod tags;
