//! Typed requests and responses of the Cloud Assistant operations, one file per family.
//!
//! Requests are plain structs with `Default`; [`Operation::write_params`] flattens them to the
//! API's query parameters (reference §0): lists as `InstanceId.1`, structs as `Tag.1.Key`,
//! `Parameters` as compact JSON, DescribeInstances `InstanceIds` as a JSON array string,
//! booleans as `true`/`false`. `RegionId` is added by the client. Responses deserialize the
//! API's exact JSON field names, leniently (see `de.rs`).

// Every type is re-exported here; `invocations` stays public because tests/ name it by path.
pub(crate) mod commands;
pub(crate) mod de;
pub(crate) mod instances;
pub mod invocations;
pub(crate) mod quota;
pub(crate) mod regions;
pub(crate) mod tags;

pub use commands::*;
pub use instances::*;
pub use invocations::*;
pub use quota::*;
pub use regions::*;
pub use tags::*;

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One API operation: its action name, how its request flattens, what it returns.
pub trait Operation {
    const ACTION: &'static str;
    type Response: DeserializeOwned + Send + 'static;
    fn write_params(&self, out: &mut Params);
}

/// A tag: written as `Tag.N.Key`/`Tag.N.Value` in requests, read from `TagKey`/`TagValue`
/// (or `Key`/`Value`) in responses.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "TagKey", alias = "Key", default)]
    pub key: String,
    #[serde(rename = "TagValue", alias = "Value", default)]
    pub value: String,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// A response that carries only `RequestId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmptyResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
}

/// Flattened query parameters, in insertion order (the signer sorts them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn into_vec(self) -> Vec<(String, String)> {
        self.0
    }

    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A required parameter, always sent.
    pub fn put(&mut self, name: &str, value: impl ToString) -> &mut Self {
        self.0.push((name.to_owned(), value.to_string()));
        self
    }

    pub fn opt_str(&mut self, name: &str, value: &Option<String>) -> &mut Self {
        if let Some(v) = value {
            self.put(name, v);
        }
        self
    }

    pub fn opt_int(&mut self, name: &str, value: Option<i64>) -> &mut Self {
        if let Some(v) = value {
            self.put(name, v);
        }
        self
    }

    pub fn opt_bool(&mut self, name: &str, value: Option<bool>) -> &mut Self {
        if let Some(v) = value {
            self.put(name, if v { "true" } else { "false" });
        }
        self
    }

    /// `Name.1=a&Name.2=b`.
    pub fn list(&mut self, name: &str, values: &[String]) -> &mut Self {
        for (i, v) in values.iter().enumerate() {
            self.put(&format!("{name}.{}", i + 1), v);
        }
        self
    }

    /// `Name.1.Key=k&Name.1.Value=v`.
    pub fn tags(&mut self, name: &str, tags: &[Tag]) -> &mut Self {
        for (i, t) in tags.iter().enumerate() {
            self.put(&format!("{name}.{}.Key", i + 1), &t.key);
            self.put(&format!("{name}.{}.Value", i + 1), &t.value);
        }
        self
    }

    /// A map as one compact JSON object string (`Parameters`).
    pub fn json_map(&mut self, name: &str, value: &Option<BTreeMap<String, String>>) -> &mut Self {
        if let Some(map) = value {
            self.put(name, serde_json::to_string(map).unwrap_or_default());
        }
        self
    }

    /// A list as one JSON array string (DescribeInstances `InstanceIds`); omitted when empty.
    pub fn json_list(&mut self, name: &str, values: &[String]) -> &mut Self {
        if !values.is_empty() {
            self.put(name, serde_json::to_string(values).unwrap_or_default());
        }
        self
    }

    /// `MaxResults`/`NextToken`/`PageNumber`/`PageSize`, whichever are set.
    pub fn paging(&mut self, p: &Paging) -> &mut Self {
        self.opt_int("MaxResults", p.max_results)
            .opt_str("NextToken", &p.next_token)
            .opt_int("PageNumber", p.page_number)
            .opt_int("PageSize", p.page_size)
    }
}

/// The paging parameters of list operations. Streams set them; callers of the single-page
/// methods may.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Paging {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<i64>,
}

/// The paging fields every list response echoes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageInfo {
    #[serde(rename = "TotalCount", deserialize_with = "de::int")]
    pub total_count: i64,
    #[serde(rename = "PageNumber", deserialize_with = "de::int")]
    pub page_number: i64,
    #[serde(rename = "PageSize", deserialize_with = "de::int")]
    pub page_size: i64,
    #[serde(rename = "NextToken", deserialize_with = "de::string")]
    pub next_token: String,
}

/// One page of a list operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub info: PageInfo,
}

/// A list operation, and how its pages are asked for and read. It belongs to the operation
/// (the page sizes are the API's), so `pagination` can follow any of them without the
/// operations knowing how.
pub trait Paginated: Operation + Clone + Send + Sync + 'static {
    type Item: Send + 'static;
    /// The largest page the operation accepts.
    const MAX_PAGE_SIZE: i64;
    /// Whether the operation takes `PageNumber`/`PageSize`.
    const PAGE_NUMBERS: bool = true;
    /// Whether the operation takes `MaxResults`.
    const MAX_RESULTS: bool = true;

    fn paging_mut(&mut self) -> &mut Paging;
    fn into_page(response: Self::Response) -> Page<Self::Item>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_flatten_like_the_api() {
        let mut p = Params::new();
        p.list("InstanceId", &["i-a".into(), "mi-b".into()])
            .tags("Tag", &[Tag::new("env", "prod"), Tag::new("team", "")])
            .json_map(
                "Parameters",
                &Some([("name".to_owned(), "Jack".to_owned())].into()),
            )
            .json_list("InstanceIds", &["i-a".into(), "i-b".into()])
            .json_list("Empty", &[])
            .opt_bool("EnableParameter", Some(true))
            .opt_bool("KeepCommand", Some(false))
            .opt_int("Timeout", None);
        assert_eq!(
            p.into_vec(),
            [
                ("InstanceId.1", "i-a"),
                ("InstanceId.2", "mi-b"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "prod"),
                ("Tag.2.Key", "team"),
                ("Tag.2.Value", ""),
                ("Parameters", "{\"name\":\"Jack\"}"),
                ("InstanceIds", "[\"i-a\",\"i-b\"]"),
                ("EnableParameter", "true"),
                ("KeepCommand", "false"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn tag_reads_both_spellings() {
        let a: Tag = serde_json::from_str(r#"{"TagKey":"k","TagValue":"v"}"#).unwrap();
        let b: Tag = serde_json::from_str(r#"{"Key":"k","Value":"v"}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"TagKey":"k","TagValue":"v"}"#
        );
    }
}
