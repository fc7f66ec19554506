//! Commands: CreateCommand, ModifyCommand, DescribeCommands, DeleteCommand (reference §1).

use serde::{Deserialize, Serialize};

use super::{EmptyResponse, Operation, Page, PageInfo, Paginated, Paging, Params, Tag, de};

/// CreateCommand. `client_token` is filled in by the client when left `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateCommandRequest {
    pub name: String,
    /// `RunShellScript`, `RunBatScript`, `RunPowerShellScript` (also `RunPythonScript`,
    /// `RunPerlScript`).
    #[serde(rename = "Type")]
    pub command_type: String,
    /// Base64 unless `content_encoding` is `PlainText`.
    pub command_content: String,
    pub content_encoding: Option<String>,
    pub description: Option<String>,
    pub working_dir: Option<String>,
    pub timeout: Option<i64>,
    pub enable_parameter: Option<bool>,
    pub launcher: Option<String>,
    pub resource_group_id: Option<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    pub client_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateCommandResponse {
    pub request_id: String,
    pub command_id: String,
}

impl Operation for CreateCommandRequest {
    const ACTION: &'static str = "CreateCommand";
    type Response = CreateCommandResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("Name", &self.name)
            .put("Type", &self.command_type)
            .put("CommandContent", &self.command_content)
            .opt_str("ContentEncoding", &self.content_encoding)
            .opt_str("Description", &self.description)
            .opt_str("WorkingDir", &self.working_dir)
            .opt_int("Timeout", self.timeout)
            .opt_bool("EnableParameter", self.enable_parameter)
            .opt_str("Launcher", &self.launcher)
            .opt_str("ResourceGroupId", &self.resource_group_id)
            .tags("Tag", &self.tags)
            .opt_str("ClientToken", &self.client_token);
    }
}

/// ModifyCommand: name, description, working directory, timeout and launcher only (the API
/// ignores a new CommandContent; see reference §1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyCommandRequest {
    pub command_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub working_dir: Option<String>,
    pub timeout: Option<i64>,
    pub launcher: Option<String>,
}

impl Operation for ModifyCommandRequest {
    const ACTION: &'static str = "ModifyCommand";
    type Response = EmptyResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("CommandId", &self.command_id)
            .opt_str("Name", &self.name)
            .opt_str("Description", &self.description)
            .opt_str("WorkingDir", &self.working_dir)
            .opt_int("Timeout", self.timeout)
            .opt_str("Launcher", &self.launcher);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteCommandRequest {
    pub command_id: String,
}

impl Operation for DeleteCommandRequest {
    const ACTION: &'static str = "DeleteCommand";
    type Response = EmptyResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("CommandId", &self.command_id);
    }
}

/// DescribeCommands. `Name` and `Description` take `*` wildcards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeCommandsRequest {
    pub command_id: Option<String>,
    #[serde(rename = "Type")]
    pub command_type: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Omit for your own commands; `AlibabaCloud` etc. for public ones.
    pub provider: Option<String>,
    pub latest: Option<bool>,
    /// Encoding of the returned content: `Base64` (default) or `PlainText`.
    pub content_encoding: Option<String>,
    pub resource_group_id: Option<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for DescribeCommandsRequest {
    const ACTION: &'static str = "DescribeCommands";
    type Response = DescribeCommandsResponse;

    fn write_params(&self, p: &mut Params) {
        p.opt_str("CommandId", &self.command_id)
            .opt_str("Type", &self.command_type)
            .opt_str("Name", &self.name)
            .opt_str("Description", &self.description)
            .opt_str("Provider", &self.provider)
            .opt_bool("Latest", self.latest)
            .opt_str("ContentEncoding", &self.content_encoding)
            .opt_str("ResourceGroupId", &self.resource_group_id)
            .tags("Tag", &self.tags)
            .paging(&self.paging);
    }
}

impl Paginated for DescribeCommandsRequest {
    type Item = Command;
    const MAX_PAGE_SIZE: i64 = 50;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }

    fn into_page(r: DescribeCommandsResponse) -> Page<Command> {
        Page {
            items: r.commands,
            info: r.page,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DescribeCommandsResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(flatten)]
    pub page: PageInfo,
    #[serde(rename = "Commands", with = "de::command")]
    pub commands: Vec<Command>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Command {
    pub command_id: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "Type")]
    pub command_type: String,
    pub command_content: String,
    pub working_dir: String,
    #[serde(deserialize_with = "de::int")]
    pub timeout: i64,
    #[serde(deserialize_with = "de::bool")]
    pub enable_parameter: bool,
    pub launcher: String,
    #[serde(deserialize_with = "de::int")]
    pub invoke_times: i64,
    pub creation_time: String,
    pub resource_group_id: String,
    #[serde(with = "de::parameter_name")]
    pub parameter_names: Vec<String>,
    #[serde(with = "de::parameter_definition")]
    pub parameter_definitions: Vec<ParameterDefinition>,
    #[serde(with = "de::tag")]
    pub tags: Vec<Tag>,
    pub category: String,
    pub provider: String,
    #[serde(deserialize_with = "de::int")]
    pub version: i64,
    #[serde(deserialize_with = "de::bool")]
    pub latest: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ParameterDefinition {
    pub parameter_name: String,
    pub description: String,
    pub default_value: String,
    #[serde(deserialize_with = "de::bool")]
    pub required: bool,
    pub pattern_regex: String,
    #[serde(with = "de::possible_value")]
    pub possible_values: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_command_params() {
        let req = CreateCommandRequest {
            name: "backup".into(),
            command_type: "RunShellScript".into(),
            command_content: "ZWNobw==".into(),
            timeout: Some(60),
            enable_parameter: Some(true),
            tags: vec![Tag::new("assistctl:stack", "ops")],
            client_token: Some("tok".into()),
            ..Default::default()
        };
        let mut p = Params::new();
        req.write_params(&mut p);
        assert_eq!(p.get("Type"), Some("RunShellScript"));
        assert_eq!(p.get("EnableParameter"), Some("true"));
        assert_eq!(p.get("Tag.1.Key"), Some("assistctl:stack"));
        assert_eq!(p.get("ClientToken"), Some("tok"));
        assert_eq!(p.get("Description"), None);
    }

    #[test]
    fn parses_describe_commands() {
        let body = r#"{"RequestId":"R","TotalCount":"1","PageNumber":1,"PageSize":10,"NextToken":"",
          "Commands":{"Command":[{"CommandId":"c-1","Name":"n","Type":"RunShellScript","Timeout":"60",
          "EnableParameter":"True","InvokeTimes":3,"ParameterNames":{"ParameterName":["file"]},
          "ParameterDefinitions":{"ParameterDefinition":[{"ParameterName":"file","Required":true,
          "PossibleValues":{"PossibleValue":["a","b"]}}]},
          "Tags":{"Tag":[{"TagKey":"k","TagValue":"v"}]},"Version":1,"Latest":false}]}}"#;
        let r: DescribeCommandsResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.page.total_count, 1);
        let c = &r.commands[0];
        assert_eq!(
            (c.timeout, c.enable_parameter, c.invoke_times),
            (60, true, 3)
        );
        assert_eq!(c.parameter_names, ["file"]);
        assert_eq!(c.parameter_definitions[0].possible_values, ["a", "b"]);
        assert_eq!(c.tags, [Tag::new("k", "v")]);
        let back = serde_json::to_value(&r).unwrap();
        assert_eq!(
            back["Commands"]["Command"][0]["Tags"]["Tag"][0]["TagKey"],
            "k"
        );
        assert_eq!(back["NextToken"], "");
    }
}
