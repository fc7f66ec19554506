//! Command quota: DescribeAccountAttributes with `max-axt-command-count` and
//! `max-axt-invocation-daily` (reference §1).

use serde::{Deserialize, Serialize};

use super::{Operation, Params, de};

pub const MAX_COMMAND_COUNT: &str = "max-axt-command-count";
pub const MAX_INVOCATION_DAILY: &str = "max-axt-invocation-daily";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeAccountAttributesRequest {
    #[serde(rename = "AttributeName")]
    pub attribute_names: Vec<String>,
}

impl Operation for DescribeAccountAttributesRequest {
    const ACTION: &'static str = "DescribeAccountAttributes";
    type Response = DescribeAccountAttributesResponse;

    fn write_params(&self, p: &mut Params) {
        p.list("AttributeName", &self.attribute_names);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DescribeAccountAttributesResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(rename = "AccountAttributeItems", with = "de::account_attribute_item")]
    pub items: Vec<AccountAttributeItem>,
}

impl DescribeAccountAttributesResponse {
    /// The first value of `name` as an integer (the quota attributes are numbers in strings).
    pub fn value_of(&self, name: &str) -> Option<i64> {
        self.items
            .iter()
            .find(|i| i.attribute_name == name)?
            .attribute_values
            .first()?
            .value
            .trim()
            .parse()
            .ok()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AccountAttributeItem {
    pub attribute_name: String,
    #[serde(with = "de::value_item")]
    pub attribute_values: Vec<ValueItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ValueItem {
    /// A number in a string; ints are accepted too.
    #[serde(deserialize_with = "de::string")]
    pub value: String,
    #[serde(deserialize_with = "de::int")]
    pub count: i64,
    pub zone_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quota_values_as_string_or_int() {
        let body = r#"{"RequestId":"R","AccountAttributeItems":{"AccountAttributeItem":[
          {"AttributeName":"max-axt-command-count","AttributeValues":{"ValueItem":[{"Value":"500","Count":1}]}},
          {"AttributeName":"max-axt-invocation-daily","AttributeValues":{"ValueItem":[{"Value":10000}]}}]}}"#;
        let r: DescribeAccountAttributesResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.value_of(MAX_COMMAND_COUNT), Some(500));
        assert_eq!(r.value_of(MAX_INVOCATION_DAILY), Some(10000));
        assert_eq!(r.value_of("other"), None);
    }
}
