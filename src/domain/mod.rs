//! Facts of Cloud Assistant itself, shared by the manifest validator, the
//! reconciler and the emulator: command types and their OS, limits, parameter
//! rules, tag rules, agent versions and the schedule grammar.

pub mod agent_version;
pub mod command_type;
pub mod limits;
pub mod params;
pub mod schedule;
pub mod tags;
