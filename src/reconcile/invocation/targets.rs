//! Targets: the instances of a region read once (DescribeInstances, DescribeManagedInstances
//! and DescribeCloudAssistantStatus, every page), and each invocation's selector resolved
//! to the instances it hits now, each checked the way InvokeCommand checks it. The service
//! fails a whole call when one target is unsuitable, so the unsuitable ones are left out
//! and reported.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cloud::ops::instances::{
    DescribeCloudAssistantStatusRequest, DescribeInstancesRequest, DescribeManagedInstancesRequest,
};
use crate::cloud::{Client, Error};
use crate::domain::command_type::Os;
use crate::domain::eligibility::{self, InstanceFacts};
use crate::domain::error_codes::InstanceErrorCode;

use crate::cloud::pagination::{self, Reads};

use super::change::IneligibleInstance;
use super::model::{Needs, TargetSelector};

/// What the checks need to know of one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryInstance {
    pub id: String,
    pub managed: bool,
    /// `linux`, `windows` or `FreeBSD` as the API reports it.
    pub os_type: String,
    /// ECS `Status`; `Running` for managed instances.
    pub status: String,
    /// The agent's heartbeat is recent (managed: `Connected`).
    pub online: bool,
    /// Empty when no agent runs.
    pub agent_version: String,
    pub resource_group_id: String,
    pub tags: BTreeMap<String, String>,
}

/// The instances of each region read.
pub type Inventory = BTreeMap<String, Vec<InventoryInstance>>;

/// Reads the instances of `region`: three listings, every page of each.
pub async fn read(
    client: &Client,
    region: &str,
    reads: &Reads,
) -> Result<Vec<InventoryInstance>, Error> {
    let c = client.with_region(region)?;
    let ecs = pagination::all(&c, DescribeInstancesRequest::default(), reads).await?;
    let managed = pagination::all(&c, DescribeManagedInstancesRequest::default(), reads).await?;
    let status = pagination::all(&c, DescribeCloudAssistantStatusRequest::default(), reads).await?;
    let agent: BTreeMap<&str, (bool, &str)> = status
        .iter()
        .map(|s| {
            (
                s.instance_id.as_str(),
                (s.cloud_assistant_status, s.cloud_assistant_version.as_str()),
            )
        })
        .collect();
    let mut out: Vec<InventoryInstance> = ecs
        .iter()
        .map(|i| {
            let (online, version) = agent
                .get(i.instance_id.as_str())
                .copied()
                .unwrap_or((false, ""));
            InventoryInstance {
                id: i.instance_id.clone(),
                managed: false,
                os_type: i.os_type.clone(),
                status: i.status.clone(),
                online,
                agent_version: version.to_string(),
                resource_group_id: i.resource_group_id.clone(),
                tags: i
                    .tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect(),
            }
        })
        .collect();
    out.extend(managed.iter().map(|m| {
        InventoryInstance {
            id: m.instance_id.clone(),
            managed: true,
            os_type: m.os_type.clone(),
            status: "Running".into(),
            online: m.connected,
            agent_version: m.agent_version.clone(),
            resource_group_id: m.resource_group_id.clone(),
            tags: m
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
        }
    }));
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The instances `selector` hits among `inventory`, split into those that can run a task
/// with `needs` (sorted by id) and those that cannot, with the reason. Tag selectors and
/// the resource group pick among the region's instances; ids name them directly.
pub fn resolve(
    inventory: &[InventoryInstance],
    selector: &TargetSelector,
    needs: &Needs,
) -> (Vec<String>, Vec<IneligibleInstance>) {
    let mut hit: Vec<&str> = selector.instance_ids.iter().map(String::as_str).collect();
    if !selector.tags.is_empty() {
        hit.extend(
            inventory
                .iter()
                .filter(|i| selector.tags.iter().all(|(k, v)| i.tags.get(k) == Some(v)))
                .filter(|i| {
                    selector.resource_group_id.is_empty()
                        || i.resource_group_id == selector.resource_group_id
                })
                .map(|i| i.id.as_str()),
        );
    }
    hit.sort();
    hit.dedup();
    let mut eligible = Vec::new();
    let mut ineligible = Vec::new();
    for id in hit {
        let found = inventory.iter().find(|i| i.id == id);
        let verdict = match found {
            None => Err((
                "it does not exist in this region".to_string(),
                InstanceErrorCode::InstanceNotExists,
            )),
            Some(i) => check(i, needs).map_err(|e| (e.to_string(), e.code)),
        };
        match verdict {
            Ok(()) => eligible.push(id.to_string()),
            Err((reason, code)) => ineligible.push(IneligibleInstance {
                instance_id: id.to_string(),
                reason,
                code: code.api_name().to_string(),
            }),
        }
    }
    (eligible, ineligible)
}

impl InventoryInstance {
    /// What the service's checks read of this instance.
    fn facts(&self) -> InstanceFacts {
        InstanceFacts {
            os: Os::from_api(&self.os_type),
            status: self.status.clone(),
            agent_online: self.online,
            managed: self.managed,
            agent_version: self.agent_version.parse().ok(),
        }
    }
}

/// Whether one instance can run a task with `needs`, as InvokeCommand checks it (one home:
/// `domain::eligibility`, which the emulator's InvokeCommand uses too).
pub fn check(i: &InventoryInstance, needs: &Needs) -> Result<(), eligibility::Ineligible> {
    eligibility::check(&i.facts(), needs)
}

/// Whether ModifyInvocationAttribute can change a task on these instances: it needs agent
/// 2.2.3.541 (Linux) / 2.1.3.541 (Windows) on every target. Returns the first that is
/// too old, with its version.
pub fn modify_blocker(inventory: &[InventoryInstance], instances: &[String]) -> Option<String> {
    instances.iter().find_map(|id| {
        let i = inventory.iter().find(|i| &i.id == id)?;
        let e = eligibility::check_modify(&i.facts()).err()?;
        Some(format!(
            "{id} has agent {}, and changing a task in place needs {}",
            e.have, e.min
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(id: &str, os: &str, tags: &[(&str, &str)]) -> InventoryInstance {
        InventoryInstance {
            id: id.into(),
            managed: id.starts_with("mi-"),
            os_type: os.into(),
            status: "Running".into(),
            online: true,
            agent_version: if os == "windows" {
                "2.1.3.857"
            } else {
                "2.2.3.857"
            }
            .into(),
            resource_group_id: "rg-a".into(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn linux(new_schedule: bool) -> Needs {
        Needs {
            os: "linux".into(),
            new_schedule,
            ..Needs::default()
        }
    }

    #[test]
    fn tag_selection_leaves_out_and_explains_the_unsuitable() {
        let mut stopped = inst("i-stopped", "linux", &[("env", "prod")]);
        stopped.status = "Stopped".into();
        let mut old = inst("i-old", "linux", &[("env", "prod")]);
        old.agent_version = "2.2.0.106".into();
        let mut offline = inst("mi-off", "linux", &[("env", "prod")]);
        offline.online = false;
        offline.agent_version = String::new();
        let inv = vec![
            inst("i-a", "linux", &[("env", "prod")]),
            inst("i-b", "linux", &[("env", "dev")]),
            inst("i-win", "windows", &[("env", "prod")]),
            stopped,
            old,
            offline,
        ];
        let sel = TargetSelector {
            instance_ids: vec!["i-b".into(), "i-gone".into()],
            tags: [("env".to_string(), "prod".to_string())].into(),
            resource_group_id: String::new(),
            allow_empty: false,
        };
        let (ok, bad) = resolve(&inv, &sel, &linux(true));
        assert_eq!(ok, ["i-a", "i-b"]);
        let reasons: BTreeMap<&str, &str> = bad
            .iter()
            .map(|b| (b.instance_id.as_str(), b.reason.as_str()))
            .collect();
        assert!(reasons["i-gone"].contains("does not exist"));
        assert!(reasons["i-stopped"].contains("Stopped"));
        assert!(reasons["i-old"].contains("2.2.3.282"), "{reasons:?}");
        assert!(reasons["mi-off"].contains("not connected"));
        assert!(reasons["i-win"].contains("CommandNotApplicable"));
        // Without a rate/at/zone schedule the old agent is fine.
        let (ok, _) = resolve(&inv, &sel, &linux(false));
        assert!(ok.contains(&"i-old".to_string()));
    }

    #[test]
    fn builtins_need_their_agent_versions() {
        let mut i = inst("i-1", "linux", &[]);
        i.agent_version = "2.2.3.320".into();
        let mut needs = linux(false);
        needs.builtins = vec!["InstanceId".into()];
        assert!(check(&i, &needs).is_ok());
        needs.builtins.push("InstanceName".into());
        assert!(
            check(&i, &needs)
                .unwrap_err()
                .to_string()
                .contains("2.2.3.344")
        );
    }

    #[test]
    fn resource_group_narrows_the_tag_selection() {
        let mut other = inst("i-2", "linux", &[("app", "web")]);
        other.resource_group_id = "rg-b".into();
        let inv = vec![inst("i-1", "linux", &[("app", "web")]), other];
        let sel = TargetSelector {
            tags: [("app".to_string(), "web".to_string())].into(),
            resource_group_id: "rg-b".into(),
            ..TargetSelector::default()
        };
        assert_eq!(resolve(&inv, &sel, &linux(false)).0, ["i-2"]);
    }

    #[test]
    fn modify_needs_a_recent_agent_everywhere() {
        let mut old = inst("i-old", "linux", &[]);
        old.agent_version = "2.2.3.400".into();
        let inv = vec![inst("i-1", "linux", &[]), old];
        assert!(modify_blocker(&inv, &["i-1".into()]).is_none());
        assert!(
            modify_blocker(&inv, &["i-1".into(), "i-old".into()])
                .unwrap()
                .contains("2.2.3.541")
        );
    }
}
