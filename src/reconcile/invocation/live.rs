//! Reading the tasks the stack owns: one paginated DescribeInvocations per region filtered
//! by the stack's tag (never one describe per task), and the per-instance results of the
//! few tasks `status` shows.

use std::collections::BTreeMap;

use base64::Engine;
use futures::TryStreamExt;
use futures::future::try_join_all;

use crate::cloud::ops::Tag;
use crate::cloud::ops::invocations::{
    DescribeInvocationResultsRequest, DescribeInvocationsRequest, Invocation, InvocationResult,
};
use crate::cloud::{Client, Error};

use crate::cloud::pagination::{self, Reads};
use crate::reconcile::ownership::{TAG_BATCH, TAG_HASH, TAG_INPUTS, TAG_NAME, TAG_STACK};

use crate::domain::status::{InvocationStatus, TargetStatus};

use super::model::{LiveInvocation, RepeatMode};

/// Every task of `stack` in `regions`, regions read concurrently.
pub async fn read(
    client: &Client,
    stack: &str,
    regions: &[String],
    reads: &Reads,
) -> Result<Vec<LiveInvocation>, Error> {
    let per_region = try_join_all(regions.iter().map(|region| async move {
        let c = client.with_region(region)?;
        list(&c, region, stack, reads).await
    }))
    .await?;
    let mut out: Vec<LiveInvocation> = per_region.into_iter().flatten().collect();
    // Creation times have whole seconds. The service lists tasks newest first, and the sort
    // is stable, so tasks created in the same second keep that order: the first of them is
    // the newest.
    out.sort_by(|a, b| {
        (&a.region, &a.name, &a.creation_time).cmp(&(&b.region, &b.name, &b.creation_time))
    });
    Ok(out)
}

async fn list(
    c: &Client,
    region: &str,
    stack: &str,
    reads: &Reads,
) -> Result<Vec<LiveInvocation>, Error> {
    let req = DescribeInvocationsRequest {
        tags: vec![Tag::new(TAG_STACK, stack)],
        ..Default::default()
    };
    Ok(pagination::all(c, req, reads)
        .await?
        .into_iter()
        // The filter is the service's; the check keeps a lax server from handing another
        // stack's task to this one.
        .filter(|i| {
            i.tags
                .iter()
                .any(|t| t.key == TAG_STACK && t.value == stack)
        })
        .map(|i| to_live(region, i))
        .collect())
}

fn to_live(region: &str, i: Invocation) -> LiveInvocation {
    let tags: BTreeMap<String, String> = i
        .tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    let parameters = i
        .parameters_map()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect();
    LiveInvocation {
        id: i.invoke_id,
        region: region.to_string(),
        creation_time: i.creation_time,
        name: tags
            .get(TAG_NAME)
            .cloned()
            .unwrap_or_else(|| i.command_name.clone()),
        hash: tags.get(TAG_HASH).cloned().unwrap_or_default(),
        inputs: tags.get(TAG_INPUTS).cloned().unwrap_or_default(),
        batch: tags
            .get(TAG_BATCH)
            .and_then(|b| b.parse().ok())
            .unwrap_or(0),
        command_id: i.command_id,
        command_name: i.command_name,
        repeat_mode: RepeatMode::from_api(&i.repeat_mode),
        frequency: i.frequency,
        parameters,
        timeout: u64::try_from(i.timeout).unwrap_or(0),
        working_dir: i.working_dir,
        username: i.username,
        container_id: i.container_id,
        container_name: i.container_name,
        termination_mode: i.termination_mode,
        status: InvocationStatus::from_api(&i.invocation_status),
        instances: i
            .invoke_instances
            .into_iter()
            .map(|t| {
                let status = TargetStatus::from_api(&t.invocation_status);
                (t.instance_id, status)
            })
            .collect(),
        tags,
    }
}

/// Every per-instance result of one task, output decoded from Base64.
pub async fn results(
    client: &Client,
    region: &str,
    invoke_id: &str,
) -> Result<Vec<InvocationResult>, Error> {
    let c = client.with_region(region)?;
    let mut rows: Vec<InvocationResult> = c
        .describe_invocation_results_all(DescribeInvocationResultsRequest {
            invoke_id: Some(invoke_id.to_string()),
            ..Default::default()
        })
        .try_collect()
        .await?;
    for r in &mut rows {
        r.output = decode_output(&r.output);
    }
    rows.sort_by(|a, b| a.instance_id.cmp(&b.instance_id));
    Ok(rows)
}

/// Output arrives Base64-encoded; what does not decode to UTF-8 is shown as it came.
pub fn decode_output(raw: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|| raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_decoded() {
        assert_eq!(decode_output("aGVsbG8K"), "hello\n");
        assert_eq!(decode_output(""), "");
        assert_eq!(decode_output("not base64!"), "not base64!");
    }
}
