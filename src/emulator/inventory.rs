//! The emulated account: its id, the regions it may call, its resource groups, its ECS
//! instances (`i-…`) and managed instances (`mi-…`). Read from YAML with `serde-saphyr`.
//!
//! Format (every field but `id` and `os` has a default; `region` defaults to the first entry of
//! `regions`):
//!
//! ```yaml
//! accountId: "1234567890123456"
//! regions: [cn-hangzhou, cn-shanghai]        # others answer InvalidRegionId.NotFound
//! resourceGroups: [rg-acfmdefault00001]      # ResourceGroupId values that exist
//! instances:
//!   - id: i-bp1web0000000000001
//!     name: web-1                             # InstanceName; HostName defaults to it
//!     os: linux                               # linux | windows | FreeBSD
//!     osName: Alibaba Cloud Linux 3           # OSName
//!     region: cn-hangzhou
//!     zone: cn-hangzhou-h
//!     status: Running                         # at start: Pending | Running | Starting | Stopping | Stopped
//!     timeZone: Asia/Shanghai                 # IANA name; default below
//!     agentVersion: 2.2.3.857                 # Cloud Assistant agent version
//!     agentOnline: true                       # heartbeat within the last 2 minutes
//!     resourceGroupId: rg-acfmdefault00001
//!     tags: { env: prod }
//! managedInstances:
//!   - id: mi-hz0100000000000001
//!     name: onprem-db-1
//!     os: linux
//!     osVersion: Linux_#1 SMP ...
//!     agentVersion: 2.4.3.857
//!     connected: true                         # Connected; false = agent offline
//!     intranetIp: 192.168.10.11
//!     internetIp: 203.0.113.11
//!     machineId: ...                          # default derived from the id
//!     activationId: ...                       # default derived from the id
//!     registrationTime: 2024-01-01T00:00:00Z
//!     region: cn-hangzhou
//!     timeZone: Europe/Berlin                 # IANA name; default below
//!     resourceGroupId: rg-acfmdefault00001
//!     tags: { env: prod }
//! ```
//!
//! `status` is where an instance starts: StopInstance, StartInstance and RebootInstance (and
//! the agent's power-off and reboot exit codes) change it in the store, and
//! `store::instances::current` answers what it is now.
//!
//! `timeZone` is the zone of the instance's clock: the agent runs cron schedules that carry
//! no zone of their own in it, as the real agent uses the operating system's zone. ECS
//! reports no such field in DescribeInstances, so it only shows in when those runs fire. The
//! default is `Asia/Shanghai` in regions whose id starts with `cn-` (the zone of Alibaba
//! Cloud's public images there) and `UTC` elsewhere.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::domain::agent_version::AgentVersion;
use crate::domain::command_type::Os;
use crate::domain::schedule::Zone;

/// The default world, shipped in the binary.
pub const DEFAULT_INVENTORY_YAML: &str = include_str!("default_inventory.yaml");

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot read inventory {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("inventory is not valid YAML for the expected format: {0}")]
    Parse(String),
    #[error("inventory: {0}")]
    Invalid(String),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawInventory {
    #[serde(default = "default_account")]
    account_id: String,
    #[serde(default = "default_regions")]
    regions: Vec<String>,
    #[serde(default)]
    resource_groups: Vec<String>,
    #[serde(default)]
    instances: Vec<RawInstance>,
    #[serde(default)]
    managed_instances: Vec<RawManaged>,
}

fn default_account() -> String {
    "1234567890123456".into()
}

fn default_regions() -> Vec<String> {
    vec!["cn-hangzhou".into()]
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawInstance {
    id: String,
    name: Option<String>,
    host_name: Option<String>,
    os: String,
    os_name: Option<String>,
    region: Option<String>,
    zone: Option<String>,
    status: Option<String>,
    agent_version: Option<String>,
    agent_online: Option<bool>,
    resource_group_id: Option<String>,
    time_zone: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawManaged {
    id: String,
    name: Option<String>,
    hostname: Option<String>,
    os: String,
    os_version: Option<String>,
    agent_version: Option<String>,
    connected: Option<bool>,
    intranet_ip: Option<String>,
    internet_ip: Option<String>,
    machine_id: Option<String>,
    activation_id: Option<String>,
    registration_time: Option<String>,
    region: Option<String>,
    resource_group_id: Option<String>,
    time_zone: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// An ECS instance or a managed instance: what the service rules need to know about a target.
#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub managed: bool,
    pub name: String,
    pub host_name: String,
    pub os: Os,
    /// As written in the inventory (`linux`, `windows`, `FreeBSD`).
    pub os_type: String,
    pub os_name: String,
    pub region: String,
    pub zone: String,
    /// The status the instance starts with (`Running`, `Stopped`, ...; managed instances are
    /// `Running`). What it is now is `store::instances::current`: StopInstance and friends
    /// change it, so never decide anything on this field alone.
    pub initial_status: String,
    /// IANA name of the instance's clock, e.g. `Asia/Shanghai`: the zone of cron schedules
    /// without one of their own.
    pub time_zone: String,
    pub agent_version: AgentVersion,
    /// Heartbeat in the last 2 minutes (managed: `Connected`).
    pub agent_online: bool,
    pub resource_group_id: String,
    pub tags: BTreeMap<String, String>,
    pub intranet_ip: String,
    pub internet_ip: String,
    pub machine_id: String,
    pub activation_id: String,
    pub registration_time: String,
}

impl Instance {
    /// [`Instance::time_zone`] for schedule computations.
    pub fn zone(&self) -> Zone {
        // Validated as an IANA name when the inventory was loaded.
        Zone::parse(&self.time_zone).unwrap_or(Zone::Utc)
    }

    pub fn has_tags(&self, wanted: &[(String, Option<String>)]) -> bool {
        wanted.iter().all(|(k, v)| match (self.tags.get(k), v) {
            (Some(_), None) => true,
            (Some(have), Some(want)) => have == want,
            (None, _) => false,
        })
    }
}

/// The loaded world.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub account_id: String,
    pub regions: Vec<String>,
    pub resource_groups: Vec<String>,
    /// ECS instances first, then managed instances, each in file order.
    pub instances: Vec<Instance>,
}

impl Inventory {
    pub fn default_world() -> Self {
        Self::from_yaml(DEFAULT_INVENTORY_YAML).expect("the shipped default inventory is valid")
    }

    pub fn load(path: &Path) -> Result<Self, InventoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_yaml(&text)
    }

    pub fn from_yaml(text: &str) -> Result<Self, InventoryError> {
        let raw: RawInventory =
            serde_saphyr::from_str(text).map_err(|e| InventoryError::Parse(e.to_string()))?;
        if raw.regions.is_empty() {
            return Err(InventoryError::Invalid(
                "`regions` must list at least one region".into(),
            ));
        }
        let home = raw.regions[0].clone();
        let default_rg = raw.resource_groups.first().cloned().unwrap_or_default();
        let mut instances = Vec::new();
        for i in raw.instances {
            if !i.id.starts_with("i-") {
                return Err(InventoryError::Invalid(format!(
                    "instance id {:?} must start with `i-`",
                    i.id
                )));
            }
            let os = parse_os(&i.id, &i.os)?;
            let name = i.name.unwrap_or_else(|| i.id.clone());
            let region = i.region.unwrap_or_else(|| home.clone());
            instances.push(Instance {
                host_name: i.host_name.unwrap_or_else(|| name.clone()),
                name,
                managed: false,
                os,
                os_type: i.os.clone(),
                os_name: i.os_name.unwrap_or_default(),
                zone: i.zone.unwrap_or_else(|| format!("{region}-a")),
                initial_status: parse_status(&i.id, i.status)?,
                time_zone: parse_zone(&i.id, i.time_zone, &region)?,
                agent_version: parse_agent(&i.id, i.agent_version.as_deref(), os)?,
                agent_online: i.agent_online.unwrap_or(true),
                resource_group_id: i.resource_group_id.unwrap_or_else(|| default_rg.clone()),
                tags: i.tags,
                region,
                id: i.id,
                intranet_ip: String::new(),
                internet_ip: String::new(),
                machine_id: String::new(),
                activation_id: String::new(),
                registration_time: String::new(),
            });
        }
        for m in raw.managed_instances {
            if !m.id.starts_with("mi-") {
                return Err(InventoryError::Invalid(format!(
                    "managed instance id {:?} must start with `mi-`",
                    m.id
                )));
            }
            let os = parse_os(&m.id, &m.os)?;
            let name = m.name.unwrap_or_else(|| m.id.clone());
            let region = m.region.unwrap_or_else(|| home.clone());
            let suffix = m.id.trim_start_matches("mi-").to_string();
            instances.push(Instance {
                host_name: m.hostname.unwrap_or_else(|| name.clone()),
                name,
                managed: true,
                os,
                os_type: m.os.clone(),
                os_name: m.os_version.unwrap_or_default(),
                zone: String::new(),
                initial_status: "Running".into(),
                time_zone: parse_zone(&m.id, m.time_zone, &region)?,
                agent_version: parse_agent(&m.id, m.agent_version.as_deref(), os)?,
                agent_online: m.connected.unwrap_or(true),
                resource_group_id: m.resource_group_id.unwrap_or_else(|| default_rg.clone()),
                tags: m.tags,
                region,
                intranet_ip: m.intranet_ip.unwrap_or_default(),
                internet_ip: m.internet_ip.unwrap_or_default(),
                machine_id: m.machine_id.unwrap_or_else(|| format!("{suffix:0>32}")),
                activation_id: m
                    .activation_id
                    .unwrap_or_else(|| format!("4A4F1A5B-{suffix}")),
                registration_time: m
                    .registration_time
                    .unwrap_or_else(|| "2024-01-01T00:00:00Z".into()),
                id: m.id,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for i in &instances {
            if !seen.insert(i.id.as_str()) {
                return Err(InventoryError::Invalid(format!(
                    "duplicate instance id {}",
                    i.id
                )));
            }
            if !raw.regions.contains(&i.region) {
                return Err(InventoryError::Invalid(format!(
                    "instance {} is in region {} which is not listed in `regions`",
                    i.id, i.region
                )));
            }
        }
        Ok(Self {
            account_id: raw.account_id,
            regions: raw.regions,
            resource_groups: raw.resource_groups,
            instances,
        })
    }

    pub fn get(&self, region: &str, id: &str) -> Option<&Instance> {
        self.instances
            .iter()
            .find(|i| i.id == id && i.region == region)
    }

    pub fn in_region<'a, 'b>(
        &'a self,
        region: &'b str,
    ) -> impl Iterator<Item = &'a Instance> + use<'a, 'b> {
        self.instances.iter().filter(move |i| i.region == region)
    }
}

fn parse_os(id: &str, os: &str) -> Result<Os, InventoryError> {
    Os::from_api(os).ok_or_else(|| {
        InventoryError::Invalid(format!(
            "instance {id}: os {os:?} is not one of linux, windows, FreeBSD"
        ))
    })
}

/// The statuses DescribeInstances knows; anything else would be answered verbatim and
/// break clients that match on them.
const STATUSES: &[&str] = &["Pending", "Running", "Starting", "Stopping", "Stopped"];

fn parse_status(id: &str, status: Option<String>) -> Result<String, InventoryError> {
    match status {
        None => Ok("Running".into()),
        Some(s) if STATUSES.contains(&s.as_str()) => Ok(s),
        Some(s) => Err(InventoryError::Invalid(format!(
            "instance {id}: status {s:?} is not one of {}",
            STATUSES.join(", ")
        ))),
    }
}

/// An IANA zone name, canonical as chrono-tz spells it; the default follows the region.
fn parse_zone(id: &str, zone: Option<String>, region: &str) -> Result<String, InventoryError> {
    match zone {
        None if region.starts_with("cn-") => Ok("Asia/Shanghai".into()),
        None => Ok("UTC".into()),
        Some(z) => z
            .parse::<chrono_tz::Tz>()
            .map(|tz| tz.name().to_string())
            .map_err(|_| {
                InventoryError::Invalid(format!(
                    "instance {id}: timeZone {z:?} is not an IANA time zone name (e.g. Asia/Shanghai, Europe/Berlin, UTC)"
                ))
            }),
    }
}

fn parse_agent(id: &str, v: Option<&str>, os: Os) -> Result<AgentVersion, InventoryError> {
    match v {
        Some(v) => v
            .parse()
            .map_err(|e| InventoryError::Invalid(format!("instance {id}: {e}"))),
        // A current agent for the OS.
        None => Ok(match os {
            Os::Linux => AgentVersion::new(&[2, 2, 3, 857]),
            Os::Windows => AgentVersion::new(&[2, 1, 3, 857]),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_world_has_the_documented_shape() {
        let inv = Inventory::default_world();
        let ecs: Vec<_> = inv.instances.iter().filter(|i| !i.managed).collect();
        let managed: Vec<_> = inv.instances.iter().filter(|i| i.managed).collect();
        assert_eq!(ecs.len(), 8);
        assert_eq!(managed.len(), 2);
        assert_eq!(ecs.iter().filter(|i| i.os == Os::Windows).count(), 2);
        assert!(ecs.iter().any(|i| i.initial_status == "Stopped"));
        assert!(ecs.iter().any(|i| !i.agent_online));
        assert!(
            ecs.iter()
                .any(|i| i.agent_version < AgentVersion::schedule_minimum(i.os))
        );
        assert_eq!(inv.regions[0], "cn-hangzhou");
        let zone = |id: &str| {
            inv.instances
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.time_zone.clone())
        };
        assert_eq!(
            zone("i-bp1web0000000000001").as_deref(),
            Some("Asia/Shanghai")
        );
        assert_eq!(
            zone("i-bp1api0000000000001").as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(
            zone("mi-hz0100000000000001").as_deref(),
            Some("Asia/Shanghai")
        );
    }

    #[test]
    fn time_zones_default_by_region_and_must_be_iana_names() {
        let inv = Inventory::from_yaml(
            "regions: [cn-beijing, ap-southeast-1]\ninstances:\n  - id: i-a\n    os: linux\n  - id: i-b\n    os: linux\n    region: ap-southeast-1\nmanagedInstances:\n  - id: mi-c\n    os: linux\n    region: ap-southeast-1\n    timeZone: America/New_York\n",
        )
        .unwrap();
        let zones: Vec<&str> = inv.instances.iter().map(|i| i.time_zone.as_str()).collect();
        assert_eq!(zones, ["Asia/Shanghai", "UTC", "America/New_York"]);
        let e = Inventory::from_yaml(
            "instances:\n  - id: i-a\n    os: linux\n    timeZone: GMT+8:00\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("IANA"), "{e}");
        let e =
            Inventory::from_yaml("instances:\n  - id: i-a\n    os: linux\n    status: Asleep\n")
                .unwrap_err();
        assert!(e.to_string().contains("Asleep"), "{e}");
    }

    #[test]
    fn bad_inventories_are_explained() {
        let e = Inventory::from_yaml("instances:\n  - id: x-1\n    os: linux\n").unwrap_err();
        assert!(e.to_string().contains("must start with `i-`"), "{e}");
        let e = Inventory::from_yaml("instances:\n  - id: i-1\n    os: beos\n").unwrap_err();
        assert!(e.to_string().contains("beos"), "{e}");
        let e = Inventory::from_yaml("bogus: 1\n").unwrap_err();
        assert!(matches!(e, InventoryError::Parse(_)));
    }
}
