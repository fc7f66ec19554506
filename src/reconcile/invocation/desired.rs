//! The desired invocations: each Invocation document with its command's values filled in
//! (timeout, working directory, parameter defaults), its schedule as RepeatMode and
//! Frequency exactly as the API takes them, what the agent must support, and its spec hash.

use std::collections::BTreeMap;

use anyhow::{Context, bail};

use crate::domain::params::{self, PlaceholderKind};
use crate::domain::schedule::Frequency;
use crate::manifest::effective;
use crate::manifest::set::{Located, ManifestSet};
use crate::manifest::types::{
    InvocationDocument, ParameterValue, Schedule, ScheduleKeyword, StackDocument,
};

use crate::reconcile::command::model::DesiredCommand;
use crate::reconcile::ownership::{TAG_NAME, TAG_STACK};

use super::model::{
    DesiredInvocation, Needs, ParameterSource, PlannedParameter, RepeatMode, RunOptions,
    TargetSelector, inputs_hash, run_digest, spec_hash,
};

pub fn build(
    set: &ManifestSet,
    stack: &Located<StackDocument>,
    commands: &[DesiredCommand],
) -> anyhow::Result<Vec<DesiredInvocation>> {
    set.invocations
        .iter()
        .map(|i| invocation(set, stack, commands, i))
        .collect()
}

fn invocation(
    set: &ManifestSet,
    stack: &Located<StackDocument>,
    commands: &[DesiredCommand],
    inv: &Located<InvocationDocument>,
) -> anyhow::Result<DesiredInvocation> {
    let spec = &inv.doc.spec;
    let name = &inv.doc.metadata.name;
    let region = effective::region(spec.region.as_deref(), &stack.doc.spec.region);
    let Some(cmd) = commands
        .iter()
        .find(|c| c.region == region && c.state.identity() == spec.command)
    else {
        bail!(
            "invocation `{name}` runs command `{}`, which is not declared in {region}",
            spec.command
        );
    };
    let declared = set
        .commands
        .iter()
        .find(|c| {
            c.doc.metadata.name == spec.command
                && effective::region(c.doc.spec.region.as_deref(), &stack.doc.spec.region) == region
        })
        .map(|c| c.doc.spec.parameters.clone())
        .unwrap_or_default();
    let parameters = parameters(
        spec,
        &declared,
        &cmd.state.content,
        cmd.state.enable_parameter,
    );
    let (repeat_mode, frequency) =
        schedule(&spec.schedule).with_context(|| format!("the schedule of invocation `{name}`"))?;
    let selector = TargetSelector {
        instance_ids: spec.targets.instance_ids.clone(),
        tags: spec.targets.tags.clone(),
        resource_group_id: spec.targets.resource_group_id.clone().unwrap_or_default(),
    };
    let run = RunOptions {
        timeout: spec
            .timeout
            .map_or(cmd.state.timeout, |t| effective::timeout(Some(t))),
        working_dir: spec
            .working_dir
            .clone()
            .unwrap_or_else(|| cmd.state.working_dir.clone()),
        username: spec.username.clone().unwrap_or_default(),
        windows_password_name: spec.windows_password_name.clone().unwrap_or_default(),
        container_id: spec.container_id.clone().unwrap_or_default(),
        container_name: spec.container_name.clone().unwrap_or_default(),
        termination_mode: spec
            .termination_mode
            .map(|m| format!("{m:?}"))
            .unwrap_or_default(),
        resource_group_id: effective::resource_group(
            spec.resource_group_id.as_deref(),
            stack.doc.spec.resource_group_id.as_deref(),
        )
        .unwrap_or_default(),
    };
    let mut tags: BTreeMap<String, String> = stack.doc.spec.tags.clone();
    tags.extend(spec.tags.clone());
    tags.insert(TAG_STACK.into(), stack.doc.metadata.name.clone());
    tags.insert(TAG_NAME.into(), name.clone());
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
    let new_schedule = frequency
        .as_deref()
        .and_then(|f| Frequency::parse(f).ok())
        .is_some_and(|f| f.needs_new_agent());
    let command_type =
        crate::domain::command_type::CommandType::from_api_name(&cmd.state.command_type);
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
    Ok(DesiredInvocation {
        region,
        name: name.clone(),
        source: format!("{}:{}", inv.file.display(), inv.positions.document_line()),
        command: spec.command.clone(),
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
    })
}

/// The values sent: those given (literal or `fromEnv`), then the declared defaults of the
/// rest. Names compare case-insensitively; a given name keeps its spelling.
fn parameters(
    spec: &crate::manifest::types::InvocationSpec,
    declared: &BTreeMap<String, crate::manifest::types::ParameterSpec>,
    content: &str,
    enabled: bool,
) -> Vec<PlannedParameter> {
    let mut out: Vec<PlannedParameter> = spec
        .parameters
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
pub fn schedule(s: &Schedule) -> anyhow::Result<(RepeatMode, Option<String>)> {
    let period = |f: Result<Frequency, crate::domain::schedule::ScheduleError>| {
        Ok((RepeatMode::Period, Some(f?.to_api_string())))
    };
    match s {
        Schedule::Keyword(ScheduleKeyword::Once) => Ok((RepeatMode::Once, None)),
        Schedule::Keyword(ScheduleKeyword::NextBoot) => Ok((RepeatMode::NextRebootOnly, None)),
        Schedule::Keyword(ScheduleKeyword::EveryBoot) => Ok((RepeatMode::EveryReboot, None)),
        Schedule::Rate(r) => period(Frequency::parse(&format!("rate({})", r.rate))),
        Schedule::At(a) => period(Frequency::parse(&format!(
            "at({} {})",
            a.at.replace('T', " "),
            a.timezone.as_deref().unwrap_or("UTC")
        ))),
        Schedule::Cron(c) => period(Frequency::cron(&c.cron, c.timezone.as_deref())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::types::{AtSchedule, CronSchedule, RateSchedule};

    #[test]
    fn schedules_map_to_repeat_mode_and_frequency() {
        let kw = |k| schedule(&Schedule::Keyword(k)).unwrap();
        assert_eq!(kw(ScheduleKeyword::Once), (RepeatMode::Once, None));
        assert_eq!(
            kw(ScheduleKeyword::NextBoot),
            (RepeatMode::NextRebootOnly, None)
        );
        assert_eq!(
            kw(ScheduleKeyword::EveryBoot),
            (RepeatMode::EveryReboot, None)
        );
        let rate = schedule(&Schedule::Rate(RateSchedule { rate: "5m".into() })).unwrap();
        assert_eq!(rate, (RepeatMode::Period, Some("rate(5m)".into())));
        let at = schedule(&Schedule::At(AtSchedule {
            at: "2030-01-13T02:00:00".into(),
            timezone: Some("Asia/Shanghai".into()),
        }))
        .unwrap();
        assert_eq!(
            at.1.as_deref(),
            Some("at(2030-01-13 02:00:00 Asia/Shanghai)")
        );
        let cron = schedule(&Schedule::Cron(CronSchedule {
            cron: "0 15 4 ? * SUN".into(),
            timezone: Some("Europe/Berlin".into()),
        }))
        .unwrap();
        assert_eq!(cron.1.as_deref(), Some("0 15 4 ? * SUN Europe/Berlin"));
    }
}
