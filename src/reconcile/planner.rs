//! Making a plan: read the live state, diff it with the desired state, check the quota
//! and the safety rules, and record digests so a saved plan can be checked for staleness.

use chrono::{SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use crate::cloud::ops::Paging;
use crate::cloud::ops::commands::DescribeCommandsRequest;
use crate::cloud::ops::quota::DescribeAccountAttributesRequest;
use crate::cloud::{Client, Error};

use super::desired::Desired;
use super::diff::{self, Live};
use super::live::{self, Reads};
use super::plan::{Action, ApiCalls, PLAN_FORMAT_VERSION, Plan, Summary};

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Only these documents (by name); others are neither changed nor deleted.
    pub targets: Vec<String>,
    /// Allow a plan that deletes every command the stack owns.
    pub allow_empty: bool,
}

pub async fn plan(client: &Client, desired: &Desired, opts: &PlanOptions) -> Result<Plan, Error> {
    let reads = Reads::default();
    let live = live::read(
        client,
        &desired.stack,
        &desired.regions,
        &desired.commands,
        &reads,
    )
    .await?;
    let (mut changes, mut conflicts) = diff::diff(&desired.stack, &desired.commands, &live);
    if !opts.targets.is_empty() {
        changes.retain(|c| opts.targets.contains(&c.name));
        conflicts.retain(|c| opts.targets.contains(&c.name));
    }
    let mut blockers = Vec::new();
    let deletes = changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .count();
    if desired.commands.is_empty() && deletes > 0 && !opts.allow_empty && opts.targets.is_empty() {
        blockers.push(format!(
            "the manifests declare no commands, so this plan would delete all {deletes} commands stack `{}` owns; pass --allow-empty if that is intended",
            desired.stack
        ));
    }
    let mut warnings = Vec::new();
    for region in &desired.regions {
        let adds = changes
            .iter()
            .filter(|c| &c.region == region && matches!(c.action, Action::Create | Action::Replace))
            .count();
        let removes = changes
            .iter()
            .filter(|c| &c.region == region && c.action == Action::Delete)
            .count();
        if adds > 0 {
            let (quota, count) = quota(client, region, &reads).await?;
            // A replace holds both commands for a moment, so it counts as one more.
            let peak = count + adds as i64;
            if let Some(q) = quota {
                if peak > q {
                    blockers.push(format!(
                        "region {region} has {count} commands and its quota (max-axt-command-count) is {q}; this apply would need {peak} at its peak ({adds} created before {removes} are deleted)"
                    ));
                } else if peak * 10 > q * 9 {
                    warnings.push(format!(
                        "region {region} will use {peak} of its {q} commands quota"
                    ));
                }
            }
        }
    }
    let summary = Summary::of(&changes, conflicts.len());
    let writes = changes.iter().map(|c| u64::from(c.writes)).sum();
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        assistctl_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        stack: desired.stack.clone(),
        regions: desired.regions.clone(),
        manifest_digest: manifest_digest(desired),
        live_digest: live_digest(&live),
        changes,
        conflicts,
        not_reconciled: desired.not_reconciled.clone(),
        warnings,
        blockers,
        summary,
        api_calls: ApiCalls {
            reads: reads.get(),
            writes,
        },
    })
}

/// The region's command quota and how many commands it holds now.
async fn quota(client: &Client, region: &str, reads: &Reads) -> Result<(Option<i64>, i64), Error> {
    let c = client.with_region(region)?;
    reads.add();
    let attrs = c
        .describe_account_attributes(&DescribeAccountAttributesRequest {
            attribute_names: vec!["max-axt-command-count".into()],
        })
        .await?;
    reads.add();
    let count = c
        .describe_commands(&DescribeCommandsRequest {
            paging: Paging {
                page_number: Some(1),
                page_size: Some(1),
                ..Default::default()
            },
            ..Default::default()
        })
        .await?;
    Ok((
        attrs.value_of("max-axt-command-count"),
        count.page.total_count,
    ))
}

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
    items.sort();
    digest(&items)
}

pub fn live_digest(live: &Live) -> String {
    let mut items: Vec<String> = live
        .owned
        .iter()
        .chain(&live.unowned)
        .map(|l| format!("{}\0{}\0{}", l.region, l.id, l.state.digest()))
        .collect();
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
