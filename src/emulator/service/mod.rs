//! The service's rules, one file per operation family (moto's `models.py`, split). Each
//! operation reads typed parameters, checks them in the service's order, changes the store
//! inside the caller's transaction and returns the answer's fields.

pub mod commands;
pub mod common;
pub mod instances;
pub mod invocations;
pub mod invoke;
pub mod lifecycle;
pub mod quota;
pub mod regions;
pub mod status;
pub mod tags;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::{Map, Value};

use super::errors::{ApiError, Code};
use super::ids::IdGen;
use super::inventory::Inventory;
use super::store::tokens;
use super::wire::Params;
use crate::domain::limits;

/// The fields of a successful answer, without `RequestId`.
pub type Fields = Map<String, Value>;

/// Limits and quotas of the emulated account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Kept commands per region.
    pub command_quota: u64,
    /// Tasks created per region per UTC day.
    pub invocation_daily_quota: u64,
    /// Base64 content limit for kept commands (and InvokeCommand's expanded content).
    pub max_content_kept: usize,
    /// Base64 content limit for RunCommand with KeepCommand=false.
    pub max_content_unkept: usize,
    /// Targets per InvokeCommand / RunCommand call.
    pub max_instances_per_call: usize,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            command_quota: limits::DEFAULT_COMMAND_QUOTA,
            invocation_daily_quota: DEFAULT_INVOCATION_DAILY_QUOTA,
            max_content_kept: limits::MAX_CONTENT_BASE64_BYTES,
            max_content_unkept: limits::MAX_CONTENT_BASE64_BYTES_UNKEPT,
            max_instances_per_call: limits::MAX_INSTANCES_PER_CALL,
        }
    }
}

/// Tasks per region per day when not configured: the reference gives 2,000–200,000 depending
/// on the account; a middle value keeps test suites and local use away from the limit.
pub const DEFAULT_INVOCATION_DAILY_QUOTA: u64 = 10_000;

/// What an operation works with.
pub struct Ctx<'a> {
    pub db: &'a Connection,
    /// List totals remembered between pages, valid at this request's generation.
    pub counts: crate::emulator::store::Counts<'a>,
    pub config: &'a ServiceConfig,
    pub inventory: &'a Inventory,
    pub ids: &'a IdGen,
    pub now: DateTime<Utc>,
}

/// Every operation the emulator answers.
pub const ACTIONS: &[&str] = &[
    "CreateCommand",
    "ModifyCommand",
    "DescribeCommands",
    "DeleteCommand",
    "InvokeCommand",
    "RunCommand",
    "ModifyInvocationAttribute",
    "DescribeInvocations",
    "DescribeInvocationResults",
    "StopInvocation",
    "DescribeInstances",
    "DescribeManagedInstances",
    "DescribeCloudAssistantStatus",
    "TagResources",
    "UntagResources",
    "ListTagResources",
    "DescribeAccountAttributes",
    "DescribeRegions",
    "StopInstance",
    "StartInstance",
    "RebootInstance",
];

/// Operations that honour `ClientToken`.
const IDEMPOTENT: &[&str] = &["CreateCommand", "InvokeCommand", "RunCommand"];

/// Operations that change nothing (they may run on a read-only connection).
pub fn is_read_only(action: &str) -> bool {
    action.starts_with("Describe") || action.starts_with("List")
}

pub fn is_known(action: &str) -> bool {
    ACTIONS.contains(&action)
}

/// Runs one operation.
pub fn dispatch(action: &str, p: &Params, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    if action == "DescribeRegions" {
        return regions::describe(p, ctx);
    }
    // The instance operations take no RegionId (the region is the endpoint's).
    if lifecycle::ACTIONS.contains(&action) {
        return lifecycle::run(action, p, ctx);
    }
    let region = common::region(p, ctx.inventory)?;
    let token = if IDEMPOTENT.contains(&action) {
        common::client_token(p)?
    } else {
        None
    };
    if let Some(token) = token {
        let fingerprint = p.fingerprint();
        if let Some((seen, response)) = tokens::get(ctx.db, action, token)? {
            if seen != fingerprint {
                return Err(ApiError::new(
                    Code::IdempotentParameterMismatch,
                    format!(
                        "The ClientToken {token:?} was already used for a {action} request with different parameters."
                    ),
                ));
            }
            return serde_json::from_str(&response)
                .map_err(|e| ApiError::internal(format!("stored idempotent answer: {e}")));
        }
        let fields = run(action, p, &region, ctx)?;
        let text = Value::Object(fields.clone()).to_string();
        tokens::put(
            ctx.db,
            action,
            token,
            &fingerprint,
            &text,
            &common::fmt_time(ctx.now),
        )?;
        return Ok(fields);
    }
    run(action, p, &region, ctx)
}

fn run(action: &str, p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    match action {
        "CreateCommand" => commands::create(p, region, ctx),
        "ModifyCommand" => commands::modify(p, region, ctx),
        "DescribeCommands" => commands::describe(p, region, ctx),
        "DeleteCommand" => commands::delete(p, region, ctx),
        "InvokeCommand" => invoke::invoke_command(p, region, ctx),
        "RunCommand" => invoke::run_command(p, region, ctx),
        "ModifyInvocationAttribute" => invocations::modify(p, region, ctx),
        "DescribeInvocations" => invocations::describe(p, region, ctx),
        "DescribeInvocationResults" => invocations::describe_results(p, region, ctx),
        "StopInvocation" => invocations::stop(p, region, ctx),
        "DescribeInstances" => instances::describe_instances(p, region, ctx),
        "DescribeManagedInstances" => instances::describe_managed(p, region, ctx),
        "DescribeCloudAssistantStatus" => instances::describe_status(p, region, ctx),
        "TagResources" => tags::tag(p, region, ctx),
        "UntagResources" => tags::untag(p, region, ctx),
        "ListTagResources" => tags::list(p, region, ctx),
        "DescribeAccountAttributes" => quota::describe_account_attributes(p, region, ctx),
        other => Err(ApiError::new(
            Code::InvalidActionNotFound,
            format!(
                "Specified api {other:?} is not found; the emulator answers {}.",
                ACTIONS.join(", ")
            ),
        )),
    }
}
