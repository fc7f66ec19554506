//! The desired invocations: each validated Invocation with its command's parameter
//! defaults filled in, its schedule as RepeatMode and Frequency exactly as the API takes
//! them, what the agent must support, and its spec hash.

use std::collections::BTreeMap;

use crate::domain::command_type::CommandType;
use crate::domain::params::{self, PlaceholderKind};
use crate::manifest::types::{ParameterSpec, ParameterValue};
use crate::manifest::valid::{Recurrence, ValidInvocation, ValidStack};

use crate::reconcile::command::model::DesiredCommand;
use crate::reconcile::ownership::{TAG_NAME, TAG_STACK};

use super::model::{
    DesiredInvocation, Needs, ParameterSource, PlannedParameter, RepeatMode, RunOptions,
    TargetSelector, inputs_hash, run_digest, spec_hash,
};

/// `cmd` is the desired state of the command `inv` runs.
pub fn invocation(
    inv: &ValidInvocation,
    stack: &ValidStack,
    cmd: &DesiredCommand,
) -> DesiredInvocation {
    let parameters = parameters(
        &inv.parameters,
        &inv.declared,
        &cmd.state.content,
        cmd.state.enable_parameter,
    );
    let (repeat_mode, frequency) = schedule(&inv.schedule);
    let selector = TargetSelector {
        instance_ids: inv.targets.instance_ids.clone(),
        tags: inv.targets.tags.clone(),
        resource_group_id: inv.targets.resource_group_id.clone().unwrap_or_default(),
        allow_empty: inv.targets.allow_empty,
    };
    let run = RunOptions {
        timeout: inv.timeout,
        working_dir: inv.working_dir.clone().unwrap_or_default(),
        username: inv.username.clone().unwrap_or_default(),
        windows_password_name: inv.windows_password_name.clone().unwrap_or_default(),
        container_id: inv.container_id.clone().unwrap_or_default(),
        container_name: inv.container_name.clone().unwrap_or_default(),
        termination_mode: inv
            .termination_mode
            .map(|m| format!("{m:?}"))
            .unwrap_or_default(),
        resource_group_id: inv.resource_group_id.clone().unwrap_or_default(),
    };
    let mut tags: BTreeMap<String, String> = stack.tags.clone();
    tags.extend(inv.tags.clone());
    tags.insert(TAG_STACK.into(), stack.name.clone());
    tags.insert(TAG_NAME.into(), inv.name.clone());
    let builtins = if cmd.state.enable_parameter {
        let mut b: Vec<String> = params::scan(&cmd.state.content)
            .into_iter()
            .filter_map(|p| match p.kind {
                PlaceholderKind::Builtin(b) => Some(b.name().to_string()),
                _ => None,
            })
            .collect();
        b.sort();
        b.dedup();
        b
    } else {
        Vec::new()
    };
    let new_schedule = matches!(&inv.schedule, Recurrence::Period(f) if f.needs_new_agent());
    let command_type = CommandType::from_api_name(&cmd.state.command_type);
    let needs = Needs {
        os: command_type
            .map_or("linux", |t| t.os().as_str())
            .to_string(),
        builtins,
        new_schedule,
        container: !run.container_id.is_empty() || !run.container_name.is_empty(),
    };
    let command_digest = run_digest(&cmd.state);
    let hash = spec_hash(
        &command_digest,
        &parameters,
        &selector,
        repeat_mode,
        frequency.as_deref(),
        &run,
    );
    let inputs = inputs_hash(&command_digest, &parameters, &run);
    DesiredInvocation {
        region: inv.region.clone(),
        name: inv.name.clone(),
        source: inv.source.to_string(),
        command: cmd.state.name.clone(),
        command_type: cmd.state.command_type.clone(),
        command_digest,
        repeat_mode,
        frequency,
        parameters,
        selector,
        run,
        tags,
        needs,
        hash,
        inputs,
        rollout: inv.rollout.clone(),
    }
}

/// The values sent: those given (literal or `fromEnv`), then the declared defaults of the
/// rest. Names compare case-insensitively; a given name keeps its spelling.
fn parameters(
    given: &BTreeMap<String, ParameterValue>,
    declared: &BTreeMap<String, ParameterSpec>,
    content: &str,
    enabled: bool,
) -> Vec<PlannedParameter> {
    let mut out: Vec<PlannedParameter> = given
        .iter()
        .map(|(name, v)| match v {
            ParameterValue::Literal(l) => PlannedParameter {
                name: name.clone(),
                source: ParameterSource::Literal,
                value: Some(l.as_text()),
                from_env: None,
            },
            ParameterValue::FromEnv(e) => PlannedParameter {
                name: name.clone(),
                source: ParameterSource::FromEnv,
                value: None,
                from_env: Some(e.from_env.clone()),
            },
        })
        .collect();
    for (name, decl) in declared {
        let given = out.iter().any(|p| p.name.eq_ignore_ascii_case(name));
        if let (false, Some(d)) = (given, &decl.default) {
            out.push(PlannedParameter {
                name: name.clone(),
                source: ParameterSource::Default,
                value: Some(d.clone()),
                from_env: None,
            });
        }
    }
    // The service refuses a run of a command with parameters that gives none of them;
    // names left out run as "", so they are sent as "" explicitly.
    if out.is_empty() && enabled {
        out.extend(
            params::custom_parameter_names(content)
                .into_iter()
                .map(|name| PlannedParameter {
                    name,
                    source: ParameterSource::Default,
                    value: Some(String::new()),
                    from_env: None,
                }),
        );
    }
    out.sort_by_key(|p| p.name.to_ascii_lowercase());
    out
}

/// RepeatMode and Frequency as the API takes them.
pub fn schedule(r: &Recurrence) -> (RepeatMode, Option<String>) {
    match r {
        Recurrence::Once => (RepeatMode::Once, None),
        Recurrence::NextBoot => (RepeatMode::NextRebootOnly, None),
        Recurrence::EveryBoot => (RepeatMode::EveryReboot, None),
        Recurrence::Period(f) => (RepeatMode::Period, Some(f.to_api_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::Frequency;

    #[test]
    fn schedules_map_to_repeat_mode_and_frequency() {
        assert_eq!(schedule(&Recurrence::Once), (RepeatMode::Once, None));
        assert_eq!(
            schedule(&Recurrence::NextBoot),
            (RepeatMode::NextRebootOnly, None)
        );
        assert_eq!(
            schedule(&Recurrence::EveryBoot),
            (RepeatMode::EveryReboot, None)
        );
        let period = |f| schedule(&Recurrence::Period(f));
        assert_eq!(
            period(Frequency::parse("rate(5m)").unwrap()),
            (RepeatMode::Period, Some("rate(5m)".into()))
        );
        let at = period(Frequency::parse("at(2030-01-13 02:00:00 Asia/Shanghai)").unwrap());
        assert_eq!(
            at.1.as_deref(),
            Some("at(2030-01-13 02:00:00 Asia/Shanghai)")
        );
        let cron = period(Frequency::cron("0 15 4 ? * SUN", Some("Europe/Berlin")).unwrap());
        assert_eq!(cron.1.as_deref(), Some("0 15 4 ? * SUN Europe/Berlin"));
    }
}
