//! DescribeInstances, DescribeManagedInstances, DescribeCloudAssistantStatus: views of the
//! inventory, with each instance's current power state (`store::instances::current`) and
//! its activity counted from the store.

use serde_json::{Value, json};

use super::common::{self, PAGING_50, PagingRules};
use super::{Ctx, Fields};
use crate::domain::command_type::Os;
use crate::domain::limits;
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::inventory::Instance;
use crate::emulator::store::{glob_pattern, instances as state, invocations};
use crate::emulator::wire::Params;

const INSTANCE_PAGING: PagingRules = PagingRules {
    default_size: 10,
    max_size: 100,
    clamp_max_results: Some((10, 100)),
};

/// The instance's tags now (TagResources may have changed the inventory's).
fn tags_of(ctx: &Ctx<'_>, i: &Instance) -> Result<Vec<(String, String)>, ApiError> {
    Ok(state::tags(ctx.db, i)?.into_iter().collect())
}

/// `*` wildcard match, the same semantics as the store's GLOB filter.
fn wildcard(pattern: &str, value: &str) -> bool {
    let g = glob_pattern(pattern);
    let parts: Vec<&str> = g.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let lit = |s: &str| s.replace("[?]", "?").replace("[[]", "[");
    let (first, last) = (lit(parts[0]), lit(parts[parts.len() - 1]));
    if !value.starts_with(&first)
        || value.len() < first.len() + last.len()
        || !value.ends_with(&last)
    {
        return false;
    }
    let mut rest = &value[first.len()..value.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        let mid = lit(mid);
        match rest.find(&mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

pub fn describe_instances(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let ids: Option<Vec<String>> = match p.get("InstanceIds") {
        None => None,
        Some(raw) => Some(serde_json::from_str(raw).map_err(|_| {
            ApiError::invalid(
                "InstanceIds",
                "expected a JSON array of instance ids, e.g. [\"i-a\",\"i-b\"]",
            )
        })?),
    };
    if ids.as_ref().is_some_and(|i| i.len() > 100) {
        return Err(ApiError::invalid(
            "InstanceIds",
            "at most 100 ids are allowed",
        ));
    }
    let tag_filter = common::tag_filter(p)?;
    let name = p.get("InstanceName");
    let status = p.get("Status");
    let paging = common::paging(p, &INSTANCE_PAGING)?;
    let mut matching: Vec<(&Instance, String)> = Vec::new();
    for i in ctx
        .inventory
        .in_region(region)
        .filter(|i| !i.managed)
        .filter(|i| ids.as_ref().is_none_or(|ids| ids.contains(&i.id)))
        .filter(|i| name.is_none_or(|n| wildcard(n, &i.name)))
    {
        if !state::has_tags(ctx.db, i, &tag_filter)? {
            continue;
        }
        let now = state::current(ctx.db, i)?.status;
        if status.is_none_or(|s| s == now) {
            matching.push((i, now));
        }
    }
    let page = common::page_in_memory(&matching, &paging);
    let mut items: Vec<Value> = Vec::new();
    for (i, status) in &page.items {
        let tags = tags_of(ctx, i)?;
        items.push(json!({
                "InstanceId": i.id,
                "InstanceName": i.name,
                "HostName": i.host_name,
                "OSType": i.os.as_str(),
                "OSName": i.os_name,
                "Status": status,
                "RegionId": i.region,
                "ZoneId": i.zone,
                "ResourceGroupId": i.resource_group_id,
                "Tags": common::tags_json(&tags),
        }));
    }
    let mut f = Fields::new();
    common::paging_fields(&mut f, &paging, &page);
    f.insert("Instances".into(), json!({ "Instance": items }));
    Ok(f)
}

pub fn describe_managed(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let ids = p.list("InstanceId");
    if ids.len() > limits::MAX_INSTANCES_PER_CALL {
        return Err(ApiError::new(
            Code::InstanceIdsExceedLimit,
            format!(
                "At most {} InstanceId.N are allowed.",
                limits::MAX_INSTANCES_PER_CALL
            ),
        ));
    }
    let connected = p.bool("Connected")?;
    let os_type = p.get("OsType");
    let tag_filter = common::tag_filter(p)?;
    let paging = common::paging(p, &PAGING_50)?;
    let mut matching: Vec<(&Instance, bool)> = Vec::new();
    for i in ctx
        .inventory
        .in_region(region)
        .filter(|i| i.managed)
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .filter(|i| p.get("InstanceName").is_none_or(|n| n == i.name))
        .filter(|i| {
            p.get("InstanceIp")
                .is_none_or(|ip| ip == i.intranet_ip || ip == i.internet_ip)
        })
        .filter(|i| p.get("ActivationId").is_none_or(|a| a == i.activation_id))
        .filter(|i| p.get("MachineId").is_none_or(|m| m == i.machine_id))
        .filter(|i| os_type.is_none_or(|o| o.eq_ignore_ascii_case(&i.os_type)))
        .filter(|i| {
            p.get("ResourceGroupId")
                .is_none_or(|r| r == i.resource_group_id)
        })
    {
        if !state::has_tags(ctx.db, i, &tag_filter)? {
            continue;
        }
        // A managed server powered off by a script (exit code 193) has no agent to answer:
        // it shows as disconnected until it runs again.
        let live = state::reachable(ctx.db, i)?;
        if connected.is_none_or(|c| c == live) {
            matching.push((i, live));
        }
    }
    let page = common::page_in_memory(&matching, &paging);
    let mut items = Vec::new();
    for (i, live) in &page.items {
        let act = invocations::activity(ctx.db, &i.id)?;
        items.push(json!({
            "InstanceId": i.id,
            "InstanceName": i.name,
            "Hostname": i.host_name,
            "MachineId": i.machine_id,
            "OsType": i.os_type,
            "OsVersion": i.os_name,
            "AgentVersion": i.agent_version.to_string(),
            "Connected": live,
            "InternetIp": i.internet_ip,
            "IntranetIp": i.intranet_ip,
            "ActivationId": i.activation_id,
            "RegistrationTime": i.registration_time,
            "LastInvokedTime": act.last_invoked_time.unwrap_or_default(),
            "InvocationCount": act.invocation_count,
            "ResourceGroupId": i.resource_group_id,
            "Tags": common::tags_array(&tags_of(ctx, i)?),
        }));
    }
    let mut f = Fields::new();
    common::paging_fields(&mut f, &paging, &page);
    f.insert("Instances".into(), Value::Array(items));
    Ok(f)
}

pub fn describe_status(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let ids = p.list("InstanceId");
    if ids.len() > 100 {
        return Err(ApiError::new(
            Code::InstanceIdsExceedLimit,
            "At most 100 InstanceId.N are allowed.",
        ));
    }
    for id in &ids {
        if ctx.inventory.get(region, id).is_none() {
            return Err(ApiError::new(
                Code::InvalidInstanceNotFound,
                format!("The specified instance {id:?} does not exist in {region}."),
            ));
        }
    }
    let os_type = p.get("OSType");
    let matching: Vec<&Instance> = ctx
        .inventory
        .in_region(region)
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .filter(|i| os_type.is_none_or(|o| o.eq_ignore_ascii_case(&os_label(i))))
        .collect();
    let mut paging = common::paging(p, &PAGING_50)?;
    if !ids.is_empty() {
        // MaxResults is ignored when InstanceId is given.
        paging.request.limit = matching.len().max(1) as i64;
        paging.page_size = paging.request.limit;
    }
    let page = common::page_in_memory(&matching, &paging);
    let now = common::fmt_time(ctx.now);
    let mut items = Vec::new();
    for i in &page.items {
        let act = invocations::activity(ctx.db, &i.id)?;
        // No heartbeat and no version while the instance is not Running, however it got
        // there (inventory, StopInstance, a script's power-off).
        let live = state::reachable(ctx.db, i)?;
        let mut m = serde_json::Map::new();
        m.insert("InstanceId".into(), json!(i.id));
        m.insert("OSType".into(), json!(os_label(i)));
        m.insert(
            "CloudAssistantStatus".into(),
            json!(if live { "true" } else { "false" }),
        );
        m.insert(
            "CloudAssistantVersion".into(),
            json!(if live {
                i.agent_version.to_string()
            } else {
                String::new()
            }),
        );
        if live {
            m.insert("LastHeartbeatTime".into(), json!(now));
        }
        m.insert(
            "LastInvokedTime".into(),
            json!(act.last_invoked_time.unwrap_or_default()),
        );
        m.insert("ActiveTaskCount".into(), json!(act.active_task_count));
        m.insert("InvocationCount".into(), json!(act.invocation_count));
        m.insert("SupportSessionManager".into(), json!(live));
        items.push(Value::Object(m));
    }
    let mut f = Fields::new();
    common::paging_fields(&mut f, &paging, &page);
    f.insert(
        "InstanceCloudAssistantStatusSet".into(),
        json!({ "InstanceCloudAssistantStatus": items }),
    );
    Ok(f)
}

/// `Linux`, `Windows` or `FreeBSD`, as this operation spells OS types.
fn os_label(i: &Instance) -> String {
    if i.os_type.eq_ignore_ascii_case("freebsd") {
        "FreeBSD".into()
    } else {
        match i.os {
            Os::Linux => "Linux".into(),
            Os::Windows => "Windows".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn wildcards() {
        assert!(wildcard("web-*", "web-1"));
        assert!(wildcard("*-1", "web-1"));
        assert!(wildcard("*eb*", "web-1"));
        assert!(wildcard("w*b*1", "web-1"));
        assert!(!wildcard("web", "web-1"));
        assert!(!wildcard("a*a", "a"));
        assert!(wildcard("web-1", "web-1"));
    }
}
