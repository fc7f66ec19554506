//! Digests a saved plan records: of the desired state it was made from and of the live
//! state it was decided on, so `apply --plan` can tell a stale plan from a current one.

use sha2::{Digest, Sha256};

use super::desired::Desired;
use super::invocation::diff::Target;
use super::invocation::model::RepeatMode;
use super::observe::LiveState;

/// Digest of the desired state: every command's spec and every invocation's spec hash
/// and tags.
pub fn manifest_digest(desired: &Desired) -> String {
    let mut items: Vec<String> = desired
        .commands
        .iter()
        .map(|d| {
            format!(
                "{}\0{}\0{}\0{:?}",
                d.region,
                d.state.identity(),
                d.state.digest(),
                d.adopt_id
            )
        })
        .collect();
    items.extend(
        desired
            .invocations
            .iter()
            // Tags are not in the spec hash, and a saved plan must still be made from them.
            .map(|i| {
                let tags: Vec<String> = i.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!(
                    "invocation\0{}\0{}\0{}\0{}",
                    i.region,
                    i.name,
                    i.hash,
                    tags.join("\0")
                )
            }),
    );
    items.sort();
    digest(&items)
}

/// Digest of what the plan decided on: the live commands, the tasks (without the statuses
/// that change as runs progress; whether a repeating task is active counts) and where
/// each invocation's targets resolve now.
pub fn live_digest(state: &LiveState, resolved: &[Target]) -> String {
    let live = &state.commands;
    let mut items: Vec<String> = live
        .owned
        .iter()
        .chain(&live.unowned)
        .map(|l| format!("{}\0{}\0{}", l.region, l.id, l.state.digest()))
        .collect();
    for t in &state.invocations {
        let active = t.repeat_mode != Some(RepeatMode::Once) && t.is_active();
        let mut shape = t.clone();
        shape.status = None;
        shape.instances.iter_mut().for_each(|(_, s)| *s = None);
        let json = serde_json::to_string(&shape).unwrap_or_default();
        items.push(format!(
            "task\0{}\0{}\0{active}\0{}",
            t.region,
            t.id,
            hex::encode(Sha256::digest(json.as_bytes()))
        ));
    }
    for r in resolved {
        let out: Vec<&str> = r
            .ineligible
            .iter()
            .map(|x| x.instance_id.as_str())
            .collect();
        items.push(format!(
            "targets\0{}\0{}\0{}\0{}",
            r.desired.region,
            r.desired.name,
            r.instances.join(","),
            out.join(",")
        ));
    }
    items.sort();
    items.dedup();
    digest(&items)
}

fn digest(items: &[String]) -> String {
    let mut h = Sha256::new();
    for i in items {
        h.update(i.as_bytes());
        h.update([b'\n']);
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}
