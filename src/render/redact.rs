//! Secret values out of every rendered plan. Commands carry no secrets, but invocation
//! parameters may come `fromEnv`; whatever a caller knows to be secret is replaced by
//! `****` twice: in the plan's values before rendering (so quoting, escaping or a diff's
//! line prefixes cannot split a value past the scan) and in the finished text.

use std::collections::BTreeMap;

use crate::reconcile::invocation_model::{PlannedParameter, RunOptions, TargetSelector};
use crate::reconcile::invocation_plan::{
    IneligibleInstance, InvocationPlan, PlannedSchedule, TaskChange,
};
use crate::reconcile::model::CommandState;
use crate::reconcile::plan::{Change, Conflict, FieldDiff, NotReconciled, Plan};

/// What a secret value is replaced with.
pub const MASK: &str = "****";

/// Known secret values by where they came from (e.g. the environment variable's name).
/// Only the values are secret; the names are never searched for.
pub type Secrets = BTreeMap<String, String>;

/// `text` with every occurrence of every secret value replaced by [`MASK`]. Where values
/// overlap the longest match wins. Empty values are ignored: they would match everywhere.
pub fn redact(text: &str, secrets: &Secrets) -> String {
    let mut values: Vec<&str> = secrets
        .values()
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return text.to_string();
    }
    values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    values.dedup();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match values.iter().find(|v| rest.starts_with(**v)) {
            Some(v) => {
                out.push_str(MASK);
                rest = &rest[v.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// The plan with every text value redacted. Identifiers the tool computes itself
/// (digests, client tokens, versions, timestamps) are hex or fixed forms and kept. The
/// structs are destructured in full so a new field cannot be forgotten here.
pub fn plan(plan: &Plan, secrets: &Secrets) -> Plan {
    let mut p = plan.clone();
    if secrets.values().all(String::is_empty) {
        return p;
    }
    let r = |s: &mut String| *s = redact(s, secrets);
    let Plan {
        format_version: _,
        assistctl_version: _,
        created_at: _,
        stack,
        regions,
        manifest_digest: _,
        live_digest: _,
        changes,
        invocations,
        conflicts,
        not_reconciled,
        warnings,
        blockers,
        summary: _,
        api_calls: _,
    } = &mut p;
    r(stack);
    regions.iter_mut().for_each(r);
    warnings.iter_mut().for_each(r);
    blockers.iter_mut().for_each(r);
    for c in changes {
        change(c, secrets);
    }
    for c in conflicts {
        conflict(c, secrets);
    }
    for i in invocations {
        invocation(i, secrets);
    }
    for n in not_reconciled {
        let NotReconciled { kind, name, source } = n;
        for s in [kind, name, source] {
            r(s);
        }
    }
    p
}

fn change(c: &mut Change, secrets: &Secrets) {
    let r = |s: &mut String| *s = redact(s, secrets);
    let Change {
        kind: _,
        action: _,
        region,
        name,
        id,
        source,
        reasons,
        fields,
        desired,
        live,
        client_token: _,
        writes: _,
    } = c;
    r(region);
    r(name);
    id.iter_mut().for_each(r);
    source.iter_mut().for_each(r);
    reasons.iter_mut().for_each(r);
    fields.iter_mut().for_each(|f| field_diff(f, secrets));
    for s in desired.iter_mut().chain(live.iter_mut()) {
        state(s, secrets);
    }
}

fn field_diff(f: &mut FieldDiff, secrets: &Secrets) {
    let r = |s: &mut String| *s = redact(s, secrets);
    let FieldDiff {
        field,
        before,
        after,
        forces_replace: _,
    } = f;
    r(field);
    before.iter_mut().for_each(r);
    after.iter_mut().for_each(r);
}

fn map(m: &mut BTreeMap<String, String>, secrets: &Secrets) {
    *m = std::mem::take(m)
        .into_iter()
        .map(|(k, v)| (redact(&k, secrets), redact(&v, secrets)))
        .collect();
}

fn invocation(i: &mut InvocationPlan, secrets: &Secrets) {
    let r = |s: &mut String| *s = redact(s, secrets);
    let InvocationPlan {
        region,
        name,
        source,
        command,
        command_id,
        schedule,
        parameters,
        targets,
        run,
        tags,
        hash: _,
        inputs_hash: _,
        instances,
        ineligible,
        tasks,
    } = i;
    for s in [region, name, command] {
        r(s);
    }
    source.iter_mut().chain(command_id.iter_mut()).for_each(r);
    let PlannedSchedule {
        repeat_mode,
        frequency,
        description,
        time_zone,
        next_fires,
    } = schedule;
    r(repeat_mode);
    r(description);
    frequency.iter_mut().chain(time_zone.iter_mut()).for_each(r);
    next_fires.iter_mut().for_each(r);
    for p in parameters {
        let PlannedParameter {
            name,
            source: _,
            value,
            from_env,
        } = p;
        r(name);
        value.iter_mut().chain(from_env.iter_mut()).for_each(r);
    }
    let TargetSelector {
        instance_ids,
        tags: selector_tags,
        resource_group_id,
    } = targets;
    instance_ids.iter_mut().for_each(r);
    map(selector_tags, secrets);
    r(resource_group_id);
    let RunOptions {
        timeout: _,
        working_dir,
        username,
        windows_password_name,
        container_id,
        container_name,
        termination_mode,
        resource_group_id,
    } = run;
    for s in [
        working_dir,
        username,
        windows_password_name,
        container_id,
        container_name,
        termination_mode,
        resource_group_id,
    ] {
        r(s);
    }
    map(tags, secrets);
    instances.iter_mut().for_each(r);
    for x in ineligible {
        let IneligibleInstance {
            instance_id,
            reason,
        } = x;
        r(instance_id);
        r(reason);
    }
    for t in tasks {
        let TaskChange {
            action: _,
            batch: _,
            id,
            reasons,
            fields,
            instances,
            added_instances,
            client_token: _,
            writes: _,
        } = t;
        id.iter_mut().for_each(r);
        reasons.iter_mut().for_each(r);
        fields.iter_mut().for_each(|f| field_diff(f, secrets));
        instances
            .iter_mut()
            .chain(added_instances.iter_mut())
            .for_each(r);
    }
}

fn state(s: &mut CommandState, secrets: &Secrets) {
    let r = |s: &mut String| *s = redact(s, secrets);
    let CommandState {
        name,
        description,
        command_type,
        content,
        working_dir,
        timeout: _,
        enable_parameter: _,
        launcher,
        resource_group_id,
        tags,
    } = s;
    for s in [
        name,
        description,
        command_type,
        content,
        working_dir,
        launcher,
        resource_group_id,
    ] {
        r(s);
    }
    map(tags, secrets);
}

fn conflict(c: &mut Conflict, secrets: &Secrets) {
    let r = |s: &mut String| *s = redact(s, secrets);
    let Conflict {
        kind: _,
        region,
        name,
        id,
        source,
        message,
        hint,
    } = c;
    for s in [region, name, id, message, hint] {
        r(s);
    }
    source.iter_mut().for_each(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(values: &[&str]) -> Secrets {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("S{i}"), v.to_string()))
            .collect()
    }

    #[test]
    fn every_occurrence_is_masked_longest_first() {
        let s = secrets(&["abc", "abcdef", ""]);
        assert_eq!(redact("x abcdef abc ab", &s), "x **** **** ab");
        assert_eq!(redact("héllo", &secrets(&["é"])), "h****llo");
        assert_eq!(redact("nothing", &Secrets::new()), "nothing");
    }

    #[test]
    fn names_are_not_secret() {
        assert_eq!(redact("S0 value", &secrets(&["value"])), "S0 ****");
    }
}
