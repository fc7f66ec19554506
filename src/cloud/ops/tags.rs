//! Tags: TagResources, UntagResources, ListTagResources (reference §1). `resource_type` is
//! lower-case: `command` for `c-…`, `invocation` for `t-…`, `instance`, `managedinstance`, ….

use serde::{Deserialize, Serialize};

use super::{EmptyResponse, Operation, Page, PageInfo, Paginated, Paging, Params, Tag, de};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagResourcesRequest {
    pub resource_type: String,
    #[serde(rename = "ResourceId")]
    pub resource_ids: Vec<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
}

impl Operation for TagResourcesRequest {
    const ACTION: &'static str = "TagResources";
    type Response = EmptyResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("ResourceType", &self.resource_type)
            .list("ResourceId", &self.resource_ids)
            .tags("Tag", &self.tags);
    }
}

/// UntagResources; `all` applies only when `tag_keys` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UntagResourcesRequest {
    pub resource_type: String,
    #[serde(rename = "ResourceId")]
    pub resource_ids: Vec<String>,
    #[serde(rename = "TagKey")]
    pub tag_keys: Vec<String>,
    pub all: Option<bool>,
}

impl Operation for UntagResourcesRequest {
    const ACTION: &'static str = "UntagResources";
    type Response = EmptyResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("ResourceType", &self.resource_type)
            .list("ResourceId", &self.resource_ids)
            .list("TagKey", &self.tag_keys)
            .opt_bool("All", self.all);
    }
}

/// A fuzzy tag filter of ListTagResources (`TagFilter.N.TagKey` / `.TagValues.N`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagFilter {
    pub tag_key: String,
    pub tag_values: Vec<String>,
}

/// ListTagResources: give resource IDs, exact tags or tag filters. Pages by token only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListTagResourcesRequest {
    pub resource_type: String,
    #[serde(rename = "ResourceId")]
    pub resource_ids: Vec<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    #[serde(rename = "TagFilter")]
    pub tag_filters: Vec<TagFilter>,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for ListTagResourcesRequest {
    const ACTION: &'static str = "ListTagResources";
    type Response = ListTagResourcesResponse;

    fn write_params(&self, p: &mut Params) {
        p.put("ResourceType", &self.resource_type)
            .list("ResourceId", &self.resource_ids)
            .tags("Tag", &self.tags);
        for (i, f) in self.tag_filters.iter().enumerate() {
            p.put(&format!("TagFilter.{}.TagKey", i + 1), &f.tag_key)
                .list(&format!("TagFilter.{}.TagValues", i + 1), &f.tag_values);
        }
        // The operation takes no page size (reference: "pages by NextToken only").
        p.opt_str("NextToken", &self.paging.next_token);
    }
}

impl Paginated for ListTagResourcesRequest {
    type Item = TagResource;
    const MAX_PAGE_SIZE: i64 = 50;
    const PAGE_NUMBERS: bool = false;
    const MAX_RESULTS: bool = false;

    fn paging_mut(&mut self) -> &mut Paging {
        &mut self.paging
    }

    fn into_page(r: ListTagResourcesResponse) -> Page<TagResource> {
        Page {
            items: r.tag_resources,
            info: PageInfo {
                next_token: r.next_token,
                ..PageInfo::default()
            },
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListTagResourcesResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(rename = "NextToken", deserialize_with = "de::string")]
    pub next_token: String,
    #[serde(rename = "TagResources", with = "de::tag_resource")]
    pub tag_resources: Vec<TagResource>,
}

/// One resource × tag row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagResource {
    pub resource_id: String,
    pub resource_type: String,
    pub tag_key: String,
    pub tag_value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_tag_resources_flattens_filters_and_sends_no_page_size() {
        let mut req = ListTagResourcesRequest {
            resource_type: "command".into(),
            tag_filters: vec![TagFilter {
                tag_key: "assistctl:stack".into(),
                tag_values: vec!["ops".into()],
            }],
            ..Default::default()
        };
        req.paging.max_results = Some(50);
        let mut p = Params::new();
        req.write_params(&mut p);
        assert_eq!(p.get("TagFilter.1.TagKey"), Some("assistctl:stack"));
        assert_eq!(p.get("TagFilter.1.TagValues.1"), Some("ops"));
        assert_eq!(p.get("MaxResults"), None);
    }

    #[test]
    fn parses_tag_resources() {
        let body = r#"{"RequestId":"R","NextToken":"","TagResources":{"TagResource":[{"ResourceId":"c-1","ResourceType":"command","TagKey":"k","TagValue":"v"}]}}"#;
        let r: ListTagResourcesResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.tag_resources[0].resource_id, "c-1");
    }
}
