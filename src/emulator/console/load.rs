//! What each console page shows, read from the store with its query functions (all reads,
//! in the caller's read transaction) and from the inventory.

use rusqlite::Connection;

use crate::emulator::inventory::{Instance, Inventory};
use crate::emulator::store::commands::{self, CommandFilter, CommandRow};
use crate::emulator::store::invocations::{
    self, InstanceActivity, InstanceResultRow, InvocationFilter, InvocationRow,
};
use crate::emulator::store::overview::{self, TaskCounts};
use crate::emulator::store::{PageRequest, tags};

/// One region on the overview.
#[derive(Debug, Clone)]
pub struct RegionSummary {
    pub region: String,
    pub commands: i64,
    pub tasks: TaskCounts,
    pub instances: usize,
}

/// A kept command and its tags.
#[derive(Debug, Clone)]
pub struct CommandView {
    pub row: CommandRow,
    pub tags: Vec<(String, String)>,
}

/// A task, its tags and its per-instance results in target order.
#[derive(Debug, Clone)]
pub struct Task {
    pub row: InvocationRow,
    pub tags: Vec<(String, String)>,
    pub instances: Vec<InstanceResultRow>,
}

/// One page of a newest-first listing.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Rows in the region, all pages together.
    pub total: i64,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// Commands shown per page of "My Commands".
pub const COMMANDS_PER_PAGE: u32 = 50;
/// Tasks shown per page of the task list (each with its outputs).
pub const TASKS_PER_PAGE: u32 = 20;

fn page_request(page: u32, per_page: u32) -> PageRequest {
    PageRequest {
        before_seq: None,
        offset: i64::from(page.max(1) - 1) * i64::from(per_page),
        limit: i64::from(per_page),
    }
}

pub fn overview(conn: &Connection, inv: &Inventory) -> rusqlite::Result<Vec<RegionSummary>> {
    inv.regions
        .iter()
        .map(|region| {
            Ok(RegionSummary {
                region: region.clone(),
                commands: commands::count_in_region(conn, region)?,
                tasks: overview::task_counts(conn, region)?,
                instances: inv.in_region(region).count(),
            })
        })
        .collect()
}

pub fn commands(
    conn: &Connection,
    region: &str,
    page: u32,
) -> rusqlite::Result<Listing<CommandView>> {
    let filter = CommandFilter {
        region_id: region.to_string(),
        ..Default::default()
    };
    let found = commands::list(conn, &filter, page_request(page, COMMANDS_PER_PAGE), None)?;
    let ids: Vec<String> = found.items.iter().map(|c| c.command_id.clone()).collect();
    let mut all_tags = tags::of_many(conn, "command", &ids)?;
    Ok(Listing {
        items: found
            .items
            .into_iter()
            .map(|row| CommandView {
                tags: all_tags.remove(&row.command_id).unwrap_or_default(),
                row,
            })
            .collect(),
        total: found.total,
        page: page.max(1),
        per_page: COMMANDS_PER_PAGE,
    })
}

fn with_details(conn: &Connection, rows: Vec<InvocationRow>) -> rusqlite::Result<Vec<Task>> {
    let ids: Vec<String> = rows.iter().map(|i| i.invoke_id.clone()).collect();
    let mut all_tags = tags::of_many(conn, "invocation", &ids)?;
    let mut results = invocations::instances_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| Task {
            tags: all_tags.remove(&row.invoke_id).unwrap_or_default(),
            instances: results.remove(&row.invoke_id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn invocations(conn: &Connection, region: &str, page: u32) -> rusqlite::Result<Listing<Task>> {
    let filter = InvocationFilter {
        region_id: region.to_string(),
        ..Default::default()
    };
    let found = invocations::list(conn, &filter, page_request(page, TASKS_PER_PAGE))?;
    Ok(Listing {
        items: with_details(conn, found.items)?,
        total: found.total,
        page: page.max(1),
        per_page: TASKS_PER_PAGE,
    })
}

/// One task by id, looked for in every region of the account (task ids are unique).
pub fn invocation(
    conn: &Connection,
    inv: &Inventory,
    invoke_id: &str,
) -> rusqlite::Result<Option<Task>> {
    for region in &inv.regions {
        if let Some(row) = invocations::get(conn, region, invoke_id)? {
            return Ok(with_details(conn, vec![row])?.pop());
        }
    }
    Ok(None)
}

/// The region's instances, each with its power state now (StopInstance, a script's exit
/// 193) and its task activity.
pub fn instances<'a>(
    conn: &Connection,
    inv: &'a Inventory,
    region: &str,
) -> rusqlite::Result<Vec<(&'a Instance, String, InstanceActivity)>> {
    inv.in_region(region)
        .map(|i| {
            Ok((
                i,
                crate::emulator::store::instances::current(conn, i)?.status,
                invocations::activity(conn, &i.id)?,
            ))
        })
        .collect()
}
