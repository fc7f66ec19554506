//! `once` documents: a spec runs once per INSTANCE, not once per batch. An instance is
//! covered when any `once` task of this document with the same spec hash lists it,
//! whatever its outcome; every eligible instance that is not covered is invoked in new
//! batches. Counting per batch would skip an instance that joins the targets later (a new
//! instance, or one stopped at the first apply) whenever its batch already has a task, and
//! would shift every later instance into another batch when one joins in the middle.

use std::collections::BTreeSet;

use crate::reconcile::ownership::invoke_token;

use super::super::change::{TaskAction, TaskChange};
use super::super::fields::{TAGS_IN_PLACE, tag_writes, tags_field};
use super::super::model::{BATCH_SIZE, CommandRef, DesiredInvocation, LiveInvocation, RepeatMode};
use super::{Inputs, Target, changed_since, stop_repeating};

/// The instances a `once` run of `d`'s spec has already reached: those any `once` task of
/// the document (`group`) with the same spec hash lists, whatever their outcome (a failed
/// run is reported, not retried: a `once` script need not be idempotent).
pub(crate) fn covered(d: &DesiredInvocation, group: &[&LiveInvocation]) -> BTreeSet<String> {
    group
        .iter()
        .filter(|l| l.repeat() == Some(RepeatMode::Once) && l.hash == d.hash)
        .flat_map(|l| l.instances.iter().map(|(i, _)| i.clone()))
        .collect()
}

/// The `once` part of a document's plan: the tasks of its spec stay (re-tagged in place
/// when their tags differ), and the eligible instances none of them lists are invoked.
pub(super) fn once(
    inp: &Inputs<'_>,
    t: &Target,
    group: &[&LiveInvocation],
    cmd: Option<&CommandRef>,
) -> Vec<TaskChange> {
    let d = &t.desired;
    let mut out = stop_repeating(group);
    let history: Vec<&LiveInvocation> = group
        .iter()
        .copied()
        .filter(|l| l.repeat() == Some(RepeatMode::Once))
        .collect();
    let same: Vec<&LiveInvocation> = history
        .iter()
        .copied()
        .filter(|l| l.hash == d.hash)
        .collect();
    for l in &same {
        out.push(ran(d, l));
    }
    let covered = covered(d, group);
    let uncovered: Vec<String> = t
        .instances
        .iter()
        .filter(|i| !covered.contains(*i))
        .cloned()
        .collect();
    // New batches come after every batch of this spec, so a joiner never takes the number
    // (and so the ClientToken) of a batch that ran.
    let first = same.iter().map(|l| l.batch + 1).max().unwrap_or(0);
    let latest = history
        .iter()
        .max_by(|a, b| (&a.creation_time, &a.id).cmp(&(&b.creation_time, &b.id)));
    for (k, chunk) in uncovered.chunks(BATCH_SIZE).enumerate() {
        let batch = first + k as u32;
        let membership = !same.is_empty();
        let (reasons, fields) = if membership {
            (
                vec![format!(
                    "this spec has not run yet on {}: {} the targets since the last apply (new, or started since), or an earlier apply was interrupted",
                    list(chunk),
                    if chunk.len() == 1 {
                        "it joined"
                    } else {
                        "they joined"
                    }
                )],
                Vec::new(),
            )
        } else {
            match latest {
                None => (
                    vec!["first run: no task of this document exists yet".to_string()],
                    Vec::new(),
                ),
                Some(l) => changed_since(d, l, cmd),
            }
        };
        out.push(TaskChange {
            action: TaskAction::Invoke,
            batch,
            id: None,
            reasons,
            fields,
            client_token: Some(invoke_token(
                inp.stack, &d.region, &d.name, &d.hash, batch, chunk, "",
            )),
            instances: chunk.to_vec(),
            added_instances: Vec::new(),
            writes: 1,
            wave: None,
            membership,
        });
    }
    out
}

/// A task of this spec: nothing to do, or its tags re-written in place.
fn ran(d: &DesiredInvocation, l: &LiveInvocation) -> TaskChange {
    let ran = format!(
        "this spec ran as {} ({}); a `once` invocation runs once per spec and instance",
        l.id,
        l.status_name()
    );
    let mut change = TaskChange {
        action: TaskAction::NoOp,
        batch: l.batch,
        id: Some(l.id.clone()),
        reasons: vec![ran.clone()],
        fields: Vec::new(),
        instances: l.instance_ids(),
        added_instances: Vec::new(),
        client_token: None,
        writes: 0,
        wave: None,
        membership: false,
    };
    if let Some(f) = tags_field(l, d) {
        change.action = TaskAction::Modify;
        change.reasons = vec![format!("{TAGS_IN_PLACE}; {ran}, so it does not run again")];
        change.fields = vec![f];
        change.writes = tag_writes(l, d);
    }
    change
}

/// Up to five ids, then how many more: a reason stays one readable line at 120 joiners.
pub(super) fn list(ids: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    s
}
