//! Instances: DescribeInstances (the subset assistctl uses), DescribeManagedInstances and
//! DescribeCloudAssistantStatus (reference §1).

use serde::{Deserialize, Serialize};

use super::{Operation, Page, PageInfo, Paginated, Paging, Params, Tag, de};

/// DescribeInstances. `instance_ids` is sent as one JSON array string (≤100 IDs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeInstancesRequest {
    pub instance_ids: Vec<String>,
    pub instance_name: Option<String>,
    /// Pending | Running | Starting | Stopping | Stopped.
    pub status: Option<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for DescribeInstancesRequest {
    const ACTION: &'static str = "DescribeInstances";
    type Response = DescribeInstancesResponse;

    fn write_params(&self, p: &mut Params) {
        p.json_list("InstanceIds", &self.instance_ids)
            .opt_str("InstanceName", &self.instance_name)
            .opt_str("Status", &self.status)
            .tags("Tag", &self.tags)
            .paging(&self.paging);
    }
}

impl Paginated for DescribeInstancesRequest {
    type Item = Instance;
    const MAX_PAGE_SIZE: i64 = 100;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }

    fn into_page(r: DescribeInstancesResponse) -> Page<Instance> {
        Page {
            items: r.instances,
            info: r.page,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DescribeInstancesResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(flatten)]
    pub page: PageInfo,
    #[serde(rename = "Instances", with = "de::instance")]
    pub instances: Vec<Instance>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Instance {
    pub instance_id: String,
    pub instance_name: String,
    pub host_name: String,
    /// `linux` | `windows`.
    #[serde(rename = "OSType")]
    pub os_type: String,
    #[serde(rename = "OSName")]
    pub os_name: String,
    pub status: String,
    pub region_id: String,
    pub zone_id: String,
    pub resource_group_id: String,
    #[serde(with = "de::tag")]
    pub tags: Vec<Tag>,
}

/// DescribeManagedInstances (servers outside ECS registered with the agent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeManagedInstancesRequest {
    #[serde(rename = "InstanceId")]
    pub instance_ids: Vec<String>,
    pub instance_name: Option<String>,
    pub instance_ip: Option<String>,
    pub activation_id: Option<String>,
    pub machine_id: Option<String>,
    /// `windows` | `linux` | `FreeBSD`.
    pub os_type: Option<String>,
    pub connected: Option<bool>,
    pub resource_group_id: Option<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for DescribeManagedInstancesRequest {
    const ACTION: &'static str = "DescribeManagedInstances";
    type Response = DescribeManagedInstancesResponse;

    fn write_params(&self, p: &mut Params) {
        p.list("InstanceId", &self.instance_ids)
            .opt_str("InstanceName", &self.instance_name)
            .opt_str("InstanceIp", &self.instance_ip)
            .opt_str("ActivationId", &self.activation_id)
            .opt_str("MachineId", &self.machine_id)
            .opt_str("OsType", &self.os_type)
            .opt_bool("Connected", self.connected)
            .opt_str("ResourceGroupId", &self.resource_group_id)
            .tags("Tag", &self.tags)
            .paging(&self.paging);
    }
}

impl Paginated for DescribeManagedInstancesRequest {
    type Item = ManagedInstance;
    const MAX_PAGE_SIZE: i64 = 50;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }

    fn into_page(r: DescribeManagedInstancesResponse) -> Page<ManagedInstance> {
        Page {
            items: r.instances,
            info: r.page,
        }
    }
}

/// The lists of this operation are plain arrays, without wrapper objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DescribeManagedInstancesResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(flatten)]
    pub page: PageInfo,
    #[serde(rename = "Instances", with = "de::plain")]
    pub instances: Vec<ManagedInstance>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ManagedInstance {
    pub instance_id: String,
    pub instance_name: String,
    pub hostname: String,
    pub machine_id: String,
    pub os_type: String,
    pub os_version: String,
    pub agent_version: String,
    #[serde(deserialize_with = "de::bool")]
    pub connected: bool,
    pub internet_ip: String,
    pub intranet_ip: String,
    pub activation_id: String,
    pub registration_time: String,
    pub last_invoked_time: String,
    #[serde(deserialize_with = "de::int")]
    pub invocation_count: i64,
    pub resource_group_id: String,
    #[serde(with = "de::plain")]
    pub tags: Vec<Tag>,
}

/// DescribeCloudAssistantStatus.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeCloudAssistantStatusRequest {
    #[serde(rename = "InstanceId")]
    pub instance_ids: Vec<String>,
    /// `Windows` | `Linux` | `FreeBSD`.
    #[serde(rename = "OSType")]
    pub os_type: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for DescribeCloudAssistantStatusRequest {
    const ACTION: &'static str = "DescribeCloudAssistantStatus";
    type Response = DescribeCloudAssistantStatusResponse;

    fn write_params(&self, p: &mut Params) {
        p.list("InstanceId", &self.instance_ids)
            .opt_str("OSType", &self.os_type)
            .paging(&self.paging);
    }
}

impl Paginated for DescribeCloudAssistantStatusRequest {
    type Item = InstanceCloudAssistantStatus;
    const MAX_PAGE_SIZE: i64 = 50;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }

    fn into_page(r: DescribeCloudAssistantStatusResponse) -> Page<InstanceCloudAssistantStatus> {
        Page {
            items: r.statuses,
            info: r.page,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DescribeCloudAssistantStatusResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(flatten)]
    pub page: PageInfo,
    #[serde(
        rename = "InstanceCloudAssistantStatusSet",
        with = "de::instance_cloud_assistant_status"
    )]
    pub statuses: Vec<InstanceCloudAssistantStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InstanceCloudAssistantStatus {
    pub instance_id: String,
    #[serde(rename = "OSType")]
    pub os_type: String,
    /// The API sends the STRING `"true"`/`"false"`: true when a heartbeat arrived in the last
    /// two minutes. Written back as a string.
    #[serde(deserialize_with = "de::bool", serialize_with = "de::bool_as_string")]
    pub cloud_assistant_status: bool,
    pub cloud_assistant_version: String,
    pub last_heartbeat_time: String,
    pub last_invoked_time: String,
    #[serde(deserialize_with = "de::int")]
    pub active_task_count: i64,
    #[serde(deserialize_with = "de::int")]
    pub invocation_count: i64,
    #[serde(deserialize_with = "de::bool")]
    pub support_session_manager: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_instances_sends_a_json_array() {
        let req = DescribeInstancesRequest {
            instance_ids: vec!["i-a".into(), "i-b".into()],
            ..Default::default()
        };
        let mut p = Params::new();
        req.write_params(&mut p);
        assert_eq!(p.get("InstanceIds"), Some(r#"["i-a","i-b"]"#));
        assert_eq!(p.get("InstanceId.1"), None);
    }

    #[test]
    fn parses_instances() {
        let body = r#"{"RequestId":"R","TotalCount":1,"Instances":{"Instance":[{"InstanceId":"i-1","OSType":"linux","OSName":"Alibaba Cloud Linux","Status":"Running","Tags":{"Tag":[{"TagKey":"env","TagValue":"prod"}]}}]}}"#;
        let r: DescribeInstancesResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.instances[0].os_type, "linux");
        assert_eq!(r.instances[0].tags[0].value, "prod");
    }

    #[test]
    fn parses_managed_instances_plain_arrays() {
        let body = r#"{"RequestId":"R","TotalCount":1,"Instances":[{"InstanceId":"mi-1","Hostname":"h","OsType":"linux","Connected":true,"InvocationCount":"4","Tags":[{"TagKey":"k","TagValue":"v"}]}]}"#;
        let r: DescribeManagedInstancesResponse = serde_json::from_str(body).unwrap();
        let m = &r.instances[0];
        assert_eq!(
            (m.hostname.as_str(), m.connected, m.invocation_count),
            ("h", true, 4)
        );
        assert_eq!(m.tags, [Tag::new("k", "v")]);
        assert!(serde_json::to_value(&r).unwrap()["Instances"].is_array());
    }

    #[test]
    fn cloud_assistant_status_is_a_string() {
        let body = r#"{"RequestId":"R","InstanceCloudAssistantStatusSet":{"InstanceCloudAssistantStatus":[
          {"InstanceId":"i-1","OSType":"Linux","CloudAssistantStatus":"true","ActiveTaskCount":0,"SupportSessionManager":true},
          {"InstanceId":"i-2","CloudAssistantStatus":"false"}]}}"#;
        let r: DescribeCloudAssistantStatusResponse = serde_json::from_str(body).unwrap();
        assert!(r.statuses[0].cloud_assistant_status);
        assert!(!r.statuses[1].cloud_assistant_status);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"][0]["CloudAssistantStatus"],
            "true"
        );
    }
}
