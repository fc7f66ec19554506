//! Invocations: InvokeCommand, RunCommand, ModifyInvocationAttribute, DescribeInvocations,
//! DescribeInvocationResults, StopInvocation (reference §1).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{EmptyResponse, Operation, Page, PageInfo, Paginated, Paging, Params, Tag, de};

/// InvokeCommand. Give `instance_ids` or `resource_tags`, not both. `client_token` is filled
/// in by the client when left `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InvokeCommandRequest {
    pub command_id: String,
    #[serde(rename = "InstanceId")]
    pub instance_ids: Vec<String>,
    #[serde(rename = "ResourceTag")]
    pub resource_tags: Vec<Tag>,
    /// `Once` | `Period` | `NextRebootOnly` | `EveryReboot` | `DryRun`.
    pub repeat_mode: Option<String>,
    /// `rate(5m)`, `at(...)` or a cron expression.
    pub frequency: Option<String>,
    /// Values of `{{name}}` parameters; sent as one compact JSON object.
    pub parameters: Option<BTreeMap<String, String>>,
    pub timeout: Option<i64>,
    pub working_dir: Option<String>,
    pub username: Option<String>,
    pub windows_password_name: Option<String>,
    pub container_id: Option<String>,
    pub container_name: Option<String>,
    pub launcher: Option<String>,
    /// `Process` | `ProcessTree`.
    pub termination_mode: Option<String>,
    pub oss_output_delivery: Option<String>,
    pub resource_group_id: Option<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    pub client_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InvokeCommandResponse {
    pub request_id: String,
    pub invoke_id: String,
}

impl Operation for InvokeCommandRequest {
    const ACTION: &'static str = "InvokeCommand";
    type Response = InvokeCommandResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("CommandId", &self.command_id)
            .list("InstanceId", &self.instance_ids)
            .tags("ResourceTag", &self.resource_tags)
            .opt_str("RepeatMode", &self.repeat_mode)
            .opt_str("Frequency", &self.frequency)
            .json_map("Parameters", &self.parameters)
            .opt_int("Timeout", self.timeout)
            .opt_str("WorkingDir", &self.working_dir)
            .opt_str("Username", &self.username)
            .opt_str("WindowsPasswordName", &self.windows_password_name)
            .opt_str("ContainerId", &self.container_id)
            .opt_str("ContainerName", &self.container_name)
            .opt_str("Launcher", &self.launcher)
            .opt_str("TerminationMode", &self.termination_mode)
            .opt_str("OssOutputDelivery", &self.oss_output_delivery)
            .opt_str("ResourceGroupId", &self.resource_group_id)
            .tags("Tag", &self.tags)
            .opt_str("ClientToken", &self.client_token);
    }
}

/// RunCommand: create a command and invoke it in one call. `ContentEncoding` defaults to
/// `PlainText` here (unlike CreateCommand).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RunCommandRequest {
    #[serde(rename = "Type")]
    pub command_type: String,
    pub command_content: String,
    pub content_encoding: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub enable_parameter: Option<bool>,
    pub keep_command: Option<bool>,
    #[serde(rename = "InstanceId")]
    pub instance_ids: Vec<String>,
    #[serde(rename = "ResourceTag")]
    pub resource_tags: Vec<Tag>,
    pub repeat_mode: Option<String>,
    pub frequency: Option<String>,
    pub parameters: Option<BTreeMap<String, String>>,
    pub timeout: Option<i64>,
    pub working_dir: Option<String>,
    pub username: Option<String>,
    pub windows_password_name: Option<String>,
    pub container_id: Option<String>,
    pub container_name: Option<String>,
    pub launcher: Option<String>,
    pub termination_mode: Option<String>,
    pub oss_output_delivery: Option<String>,
    pub resource_group_id: Option<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    pub client_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RunCommandResponse {
    pub request_id: String,
    pub command_id: String,
    pub invoke_id: String,
}

impl Operation for RunCommandRequest {
    const ACTION: &'static str = "RunCommand";
    type Response = RunCommandResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("Type", &self.command_type)
            .put("CommandContent", &self.command_content)
            .opt_str("ContentEncoding", &self.content_encoding)
            .opt_str("Name", &self.name)
            .opt_str("Description", &self.description)
            .opt_bool("EnableParameter", self.enable_parameter)
            .opt_bool("KeepCommand", self.keep_command)
            .list("InstanceId", &self.instance_ids)
            .tags("ResourceTag", &self.resource_tags)
            .opt_str("RepeatMode", &self.repeat_mode)
            .opt_str("Frequency", &self.frequency)
            .json_map("Parameters", &self.parameters)
            .opt_int("Timeout", self.timeout)
            .opt_str("WorkingDir", &self.working_dir)
            .opt_str("Username", &self.username)
            .opt_str("WindowsPasswordName", &self.windows_password_name)
            .opt_str("ContainerId", &self.container_id)
            .opt_str("ContainerName", &self.container_name)
            .opt_str("Launcher", &self.launcher)
            .opt_str("TerminationMode", &self.termination_mode)
            .opt_str("OssOutputDelivery", &self.oss_output_delivery)
            .opt_str("ResourceGroupId", &self.resource_group_id)
            .tags("Tag", &self.tags)
            .opt_str("ClientToken", &self.client_token);
    }
}

/// ModifyInvocationAttribute: change a scheduled task in place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyInvocationAttributeRequest {
    pub invoke_id: String,
    pub command_content: Option<String>,
    pub content_encoding: Option<String>,
    pub enable_parameter: Option<bool>,
    pub parameters: Option<BTreeMap<String, String>>,
    pub frequency: Option<String>,
    /// Instances to add to the task.
    #[serde(rename = "InstanceId")]
    pub instance_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyInvocationAttributeResponse {
    pub request_id: String,
    pub command_id: String,
}

impl Operation for ModifyInvocationAttributeRequest {
    const ACTION: &'static str = "ModifyInvocationAttribute";
    type Response = ModifyInvocationAttributeResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("InvokeId", &self.invoke_id)
            .opt_str("CommandContent", &self.command_content)
            .opt_str("ContentEncoding", &self.content_encoding)
            .opt_bool("EnableParameter", self.enable_parameter)
            .json_map("Parameters", &self.parameters)
            .opt_str("Frequency", &self.frequency)
            .list("InstanceId", &self.instance_ids);
    }
}

/// StopInvocation; no `instance_ids` stops the task on every instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StopInvocationRequest {
    pub invoke_id: String,
    #[serde(rename = "InstanceId")]
    pub instance_ids: Vec<String>,
}

impl Operation for StopInvocationRequest {
    const ACTION: &'static str = "StopInvocation";
    type Response = EmptyResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("InvokeId", &self.invoke_id)
            .list("InstanceId", &self.instance_ids);
    }
}

/// DescribeInvocations. `instance_id` is a single ID here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeInvocationsRequest {
    pub invoke_id: Option<String>,
    pub command_id: Option<String>,
    pub command_name: Option<String>,
    pub command_type: Option<String>,
    pub instance_id: Option<String>,
    pub invoke_status: Option<String>,
    pub repeat_mode: Option<String>,
    pub timed: Option<bool>,
    pub include_output: Option<bool>,
    pub content_encoding: Option<String>,
    pub resource_group_id: Option<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for DescribeInvocationsRequest {
    const ACTION: &'static str = "DescribeInvocations";
    type Response = DescribeInvocationsResponse;

    fn write_params(&self, p: &mut Params) {
        p.opt_str("InvokeId", &self.invoke_id)
            .opt_str("CommandId", &self.command_id)
            .opt_str("CommandName", &self.command_name)
            .opt_str("CommandType", &self.command_type)
            .opt_str("InstanceId", &self.instance_id)
            .opt_str("InvokeStatus", &self.invoke_status)
            .opt_str("RepeatMode", &self.repeat_mode)
            .opt_bool("Timed", self.timed)
            .opt_bool("IncludeOutput", self.include_output)
            .opt_str("ContentEncoding", &self.content_encoding)
            .opt_str("ResourceGroupId", &self.resource_group_id)
            .tags("Tag", &self.tags)
            .paging(&self.paging);
    }
}

impl Paginated for DescribeInvocationsRequest {
    type Item = Invocation;
    const MAX_PAGE_SIZE: i64 = 50;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }

    fn into_page(r: DescribeInvocationsResponse) -> Page<Invocation> {
        Page {
            items: r.invocations,
            info: r.page,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DescribeInvocationsResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(flatten)]
    pub page: PageInfo,
    #[serde(rename = "Invocations", with = "de::invocation")]
    pub invocations: Vec<Invocation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Invocation {
    pub invoke_id: String,
    pub command_id: String,
    pub command_name: String,
    pub command_type: String,
    pub command_description: String,
    pub command_content: String,
    /// The parameters as compact JSON text (the API sends a string, one doc sample an object).
    #[serde(deserialize_with = "de::json_text")]
    pub parameters: String,
    pub repeat_mode: String,
    pub frequency: String,
    #[serde(deserialize_with = "de::bool")]
    pub timed: bool,
    #[serde(deserialize_with = "de::int")]
    pub timeout: i64,
    pub working_dir: String,
    pub username: String,
    pub launcher: String,
    pub container_id: String,
    pub container_name: String,
    pub termination_mode: String,
    pub oss_output_delivery: String,
    pub creation_time: String,
    pub invocation_status: String,
    /// Legacy status.
    pub invoke_status: String,
    #[serde(with = "de::tag")]
    pub tags: Vec<Tag>,
    #[serde(with = "de::invoke_instance")]
    pub invoke_instances: Vec<InvokeInstance>,
}

impl Invocation {
    /// `parameters` as a map; None when empty or not a JSON object.
    pub fn parameters_map(&self) -> Option<BTreeMap<String, serde_json::Value>> {
        serde_json::from_str(&self.parameters).ok()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InvokeInstance {
    pub instance_id: String,
    pub invocation_status: String,
    pub instance_invoke_status: String,
    #[serde(deserialize_with = "de::int")]
    pub repeats: i64,
    #[serde(deserialize_with = "de::int")]
    pub exit_code: i64,
    pub output: String,
    #[serde(deserialize_with = "de::int")]
    pub dropped: i64,
    pub error_code: String,
    pub error_info: String,
    pub creation_time: String,
    pub start_time: String,
    /// DescribeInvocations calls it `FinishTime` (DescribeInvocationResults: `FinishedTime`).
    pub finish_time: String,
    pub stop_time: String,
    pub update_time: String,
    #[serde(deserialize_with = "de::bool")]
    pub timed: bool,
    pub oss_output_status: String,
    pub oss_output_uri: String,
    pub oss_output_error_code: String,
    pub oss_output_error_info: String,
}

/// DescribeInvocationResults. `instance_id` is a single ID here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeInvocationResultsRequest {
    pub invoke_id: Option<String>,
    pub instance_id: Option<String>,
    pub command_id: Option<String>,
    pub invoke_record_status: Option<String>,
    pub include_history: Option<bool>,
    pub content_encoding: Option<String>,
    pub resource_group_id: Option<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for DescribeInvocationResultsRequest {
    const ACTION: &'static str = "DescribeInvocationResults";
    type Response = DescribeInvocationResultsResponse;

    fn write_params(&self, p: &mut Params) {
        p.opt_str("InvokeId", &self.invoke_id)
            .opt_str("InstanceId", &self.instance_id)
            .opt_str("CommandId", &self.command_id)
            .opt_str("InvokeRecordStatus", &self.invoke_record_status)
            .opt_bool("IncludeHistory", self.include_history)
            .opt_str("ContentEncoding", &self.content_encoding)
            .opt_str("ResourceGroupId", &self.resource_group_id)
            .tags("Tag", &self.tags)
            .paging(&self.paging);
    }
}

impl Paginated for DescribeInvocationResultsRequest {
    type Item = InvocationResult;
    const MAX_PAGE_SIZE: i64 = 50;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }

    fn into_page(r: DescribeInvocationResultsResponse) -> Page<InvocationResult> {
        Page {
            items: r.invocation.invocation_results,
            info: r.invocation.page,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DescribeInvocationResultsResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    /// Paging sits inside `Invocation` for this operation.
    #[serde(rename = "Invocation")]
    pub invocation: InvocationResultsPage,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InvocationResultsPage {
    #[serde(flatten)]
    pub page: PageInfo,
    #[serde(rename = "InvocationResults", with = "de::invocation_result")]
    pub invocation_results: Vec<InvocationResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InvocationResult {
    pub invoke_id: String,
    pub command_id: String,
    pub instance_id: String,
    pub invocation_status: String,
    pub invoke_record_status: String,
    #[serde(deserialize_with = "de::int")]
    pub repeats: i64,
    #[serde(deserialize_with = "de::int")]
    pub exit_code: i64,
    pub output: String,
    #[serde(deserialize_with = "de::int")]
    pub dropped: i64,
    pub error_code: String,
    pub error_info: String,
    pub start_time: String,
    pub finished_time: String,
    pub stop_time: String,
    pub username: String,
    pub launcher: String,
    pub container_id: String,
    pub container_name: String,
    pub termination_mode: String,
    pub oss_output_delivery: String,
    pub oss_output_status: String,
    pub oss_output_uri: String,
    pub oss_output_error_code: String,
    pub oss_output_error_info: String,
    #[serde(with = "de::tag")]
    pub tags: Vec<Tag>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoke_params_include_parameters_json_and_resource_tags() {
        let req = InvokeCommandRequest {
            command_id: "c-1".into(),
            resource_tags: vec![Tag::new("env", "prod")],
            parameters: Some(
                [
                    ("b".to_owned(), "2".to_owned()),
                    ("a".to_owned(), "x y".to_owned()),
                ]
                .into(),
            ),
            ..Default::default()
        };
        let mut p = Params::new();
        req.write_params(&mut p);
        assert_eq!(p.get("ResourceTag.1.Key"), Some("env"));
        assert_eq!(p.get("Parameters"), Some(r#"{"a":"x y","b":"2"}"#));
        assert_eq!(p.get("InstanceId.1"), None);
    }

    #[test]
    fn parses_invocations_with_string_or_object_parameters() {
        let body = r#"{"RequestId":"R","NextToken":"t2","Invocations":{"Invocation":[
          {"InvokeId":"t-1","Parameters":"{\"a\":\"1\"}","Timed":"false","Timeout":60,
           "InvokeInstances":{"InvokeInstance":[{"InstanceId":"i-1","ExitCode":"0","Repeats":1,"FinishTime":"2020-11-17T06:52Z","Dropped":0}]}},
          {"InvokeId":"t-2","Parameters":{}}]}}"#;
        let r: DescribeInvocationsResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.page.next_token, "t2");
        assert_eq!(r.invocations[0].parameters_map().unwrap()["a"], "1");
        assert_eq!(
            r.invocations[0].invoke_instances[0].finish_time,
            "2020-11-17T06:52Z"
        );
        assert_eq!(r.invocations[1].parameters, "{}");
    }

    #[test]
    fn parses_invocation_results_with_paging_inside() {
        let body = r#"{"RequestId":"R","Invocation":{"TotalCount":2,"PageNumber":1,"PageSize":50,"NextToken":"n",
          "InvocationResults":{"InvocationResult":[{"InvokeId":"t-1","InstanceId":"i-1","ExitCode":1,"FinishedTime":"2019-12-20T06:15:55Z"}]}}}"#;
        let r: DescribeInvocationResultsResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.invocation.page.total_count, 2);
        assert_eq!(r.invocation.page.next_token, "n");
        assert_eq!(
            r.invocation.invocation_results[0].finished_time,
            "2019-12-20T06:15:55Z"
        );
    }
}
