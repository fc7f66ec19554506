//! Observing: everything a plan needs from the cloud, read at once (independent lists
//! concurrently) into one [`LiveState`], which the pure [`super::decide::reconcile`] reads.
//! All of a plan's I/O is here.

use std::collections::BTreeMap;

use futures::future::try_join_all;

use crate::cloud::ops::Paging;
use crate::cloud::ops::commands::DescribeCommandsRequest;
use crate::cloud::ops::quota::DescribeAccountAttributesRequest;
use crate::cloud::{Client, Error};

use super::command::live::{self as command_live, Live};
use super::desired::Desired;
use super::invocation::live as invocation_live;
use super::invocation::model::LiveInvocation;
use super::invocation::targets::{self, Inventory};
use super::options::PlanOptions;
use super::plan::OwnershipMove;
use super::stacks;
use crate::cloud::Reads;

/// Everything a plan reads from the cloud.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    pub commands: Live,
    pub invocations: Vec<LiveInvocation>,
    /// The instances of the regions that have invocation documents.
    pub inventory: Inventory,
    /// Regions no document names in which the stack still owns objects.
    pub left_regions: Vec<String>,
    /// Objects taken over from other stacks (already in `commands` and `invocations`).
    pub moves: Vec<OwnershipMove>,
    /// Tasks of other stacks that own commands with this stack's document names.
    pub other_tasks: Vec<LiveInvocation>,
    /// The command quota of each region the manifests name.
    pub quotas: BTreeMap<String, Quota>,
    /// The API reads observing took.
    pub reads: u64,
}

/// A region's command quota and how many commands it holds (every stack's and none's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quota {
    /// `max-axt-command-count`; `None` when the account does not report it.
    pub limit: Option<i64>,
    pub count: i64,
}

/// Reads the live state of the stack: its commands and tasks in every region it owns
/// anything in, what it takes over from other stacks, the tasks of stacks that hold its
/// document names, and the instances of the regions invocations run in. Independent lists
/// are read at the same time.
pub async fn observe(
    client: &Client,
    desired: &Desired,
    opts: &PlanOptions,
) -> Result<LiveState, Error> {
    let reads = &Reads::default();
    let stack = &desired.stack;
    let mut inv_regions: Vec<&String> = desired.invocations.iter().map(|i| &i.region).collect();
    inv_regions.sort();
    inv_regions.dedup();
    let inventory = async {
        let per_region = try_join_all(inv_regions.iter().map(|region| async move {
            Ok::<_, Error>((
                (*region).clone(),
                targets::read(client, region, reads).await?,
            ))
        }))
        .await?;
        Ok::<Inventory, Error>(per_region.into_iter().collect())
    };
    let quotas = async {
        let per_region = try_join_all(desired.regions.iter().map(|region| async move {
            Ok::<_, Error>((region.clone(), quota(client, region, reads).await?))
        }))
        .await?;
        Ok::<BTreeMap<String, Quota>, Error>(per_region.into_iter().collect())
    };
    let (left_regions, mut commands, mut invocations, inventory, quotas) = tokio::try_join!(
        stacks::regions_owning(client, stack, &desired.regions, reads),
        command_live::read(client, stack, &desired.regions, &desired.commands, reads),
        invocation_live::read(client, stack, &desired.regions, reads),
        inventory,
        quotas,
    )?;
    let mut regions = desired.regions.clone();
    regions.extend(left_regions.iter().cloned());
    if !left_regions.is_empty() {
        let (c, i) = tokio::try_join!(
            command_live::read(client, stack, &left_regions, &[], reads),
            invocation_live::read(client, stack, &left_regions, reads),
        )?;
        commands.owned.extend(c.owned);
        invocations.extend(i);
    }
    let mut moves = Vec::new();
    for from in opts.take_over_from.iter().filter(|f| *f != stack) {
        let (c, i) = tokio::try_join!(
            command_live::read(client, from, &regions, &[], reads),
            invocation_live::read(client, from, &regions, reads),
        )?;
        let (c, i, m) = stacks::take_over(stack, c.owned, i);
        let taken: std::collections::HashSet<&str> = c.iter().map(|c| c.id.as_str()).collect();
        commands.unowned.retain(|u| !taken.contains(u.id.as_str()));
        commands.owned.extend(c);
        invocations.extend(i);
        moves.extend(m);
    }
    moves.sort();
    let suspects = stacks::suspects(stack, opts, &commands);
    let other_tasks = try_join_all(
        suspects
            .iter()
            .map(|other| invocation_live::read(client, other, &desired.regions, reads)),
    )
    .await?
    .into_iter()
    .flatten()
    .collect();
    Ok(LiveState {
        commands,
        invocations,
        inventory,
        left_regions,
        moves,
        other_tasks,
        quotas,
        reads: reads.get(),
    })
}

/// The region's command quota and how many commands it holds now.
async fn quota(client: &Client, region: &str, reads: &Reads) -> Result<Quota, Error> {
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
    Ok(Quota {
        limit: attrs.value_of("max-axt-command-count"),
        count: count.page.total_count,
    })
}
