//! Ownership: the tags that make an object a stack's, the check made at the moment of every
//! destructive call, and the ClientTokens that make creates and invokes idempotent.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Tag carrying the owning stack's name: nothing without it is ever touched.
pub const TAG_STACK: &str = "assistctl:stack";
/// Tag carrying the document's `metadata.name`: the identity of an owned object.
pub const TAG_NAME: &str = "assistctl:name";

/// Why an object whose tags are `tags` is not `stack`'s to `verb` (delete, stop), or None
/// when it carries `assistctl:stack=<stack>`. Checked at the moment of the call, whatever a
/// plan says.
pub fn not_owned<'a>(
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    stack: &str,
    what: &str,
) -> Option<String> {
    let owner = tags
        .into_iter()
        .find(|(k, _)| *k == TAG_STACK)
        .map(|(_, v)| v);
    (owner != Some(stack)).then(|| {
        format!(
            "refusing to {what}: it carries {}, not {TAG_STACK}={stack}",
            match owner {
                Some(o) => format!("{TAG_STACK}={o}"),
                None => format!("no {TAG_STACK} tag"),
            }
        )
    })
}

/// Tag carrying the spec hash a task was invoked with (see `invocation::model::spec_hash`).
pub const TAG_HASH: &str = "assistctl:hash";
/// Tag carrying `invocation::model::inputs_hash`: the inputs of the spec a task does not report.
pub const TAG_INPUTS: &str = "assistctl:inputs";
/// Tag carrying the 0-based batch index of a task: targets are split into batches of at
/// most `invocation::model::BATCH_SIZE` instances, one task each.
pub const TAG_BATCH: &str = "assistctl:batch";
/// Tag carrying the rollout wave of a task of a document with a `rollout` (see
/// `domain::rollout::wave_tag`): the rollout's progress lives on its tasks.
pub const TAG_WAVE: &str = "assistctl:wave";
/// The tags of a task a person chose (the stack's and the document's): every tag but
/// assistctl's own (`assistctl:` ownership, hash, inputs and batch) and the service's
/// reserved system tags (`acs:`, `aliyun`), which nobody can set or remove, so comparing
/// them would be drift no apply could ever clear.
pub fn user_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !(k.starts_with("assistctl:") || k.starts_with("acs:") || k.starts_with("aliyun"))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Going from a task's `live` tags to the `desired` ones: the user tags to set (new or
/// another value) and the user tag keys to remove. assistctl's own tags are never in
/// either: they are kept by the code that owns them.
pub fn user_tag_delta(
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let (live, desired) = (user_tags(live), user_tags(desired));
    let set = desired
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let unset = live
        .keys()
        .filter(|k| !desired.contains_key(*k))
        .cloned()
        .collect();
    (set, unset)
}

/// The ClientToken of a create: the same for the same stack, region, name, spec and
/// replaced command, so a retried or raced create returns the first one instead of
/// making a second. At most 64 ASCII characters, as the API requires. `replaces` is the
/// id a replace supersedes (empty for a plain create): without it, replacing a command
/// back to an earlier spec would get the earlier, since-deleted command back.
pub fn client_token(
    stack: &str,
    region: &str,
    name: &str,
    spec_digest: &str,
    replaces: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [stack, region, name, spec_digest, replaces] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("assistctl-{}", &hex::encode(h.finalize())[..40])
}

/// The ClientToken of an invoke: the same for the same stack, region, document, spec,
/// batch, instances and replaced task, so a retried or raced apply invokes nothing twice.
/// `replaces` (the task a re-invoke supersedes) keeps a re-invoke of an unchanged spec
/// from getting the stopped task back from the service's token memory; the instances keep
/// a batch whose targets changed from a token mismatch.
pub fn invoke_token(
    stack: &str,
    region: &str,
    name: &str,
    hash: &str,
    batch: u32,
    instances: &[String],
    replaces: &str,
) -> String {
    let mut h = Sha256::new();
    let batch = batch.to_string();
    for part in [stack, region, name, hash, batch.as_str(), replaces] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for i in instances {
        h.update(i.as_bytes());
        h.update([0]);
    }
    format!("assistctl-{}", &hex::encode(h.finalize())[..40])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_by_batch_instances_and_replaced_task() {
        let ids = vec!["i-1".to_string()];
        let t = invoke_token("s", "r", "n", "h", 0, &ids, "");
        assert_eq!(t, invoke_token("s", "r", "n", "h", 0, &ids, ""));
        assert_ne!(t, invoke_token("s", "r", "n", "h", 1, &ids, ""));
        assert_ne!(t, invoke_token("s", "r", "n", "h", 0, &[], ""));
        assert_ne!(t, invoke_token("s", "r", "n", "h", 0, &ids, "t-1"));
        assert!(t.len() <= 64);
    }
}
