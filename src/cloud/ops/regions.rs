//! ECS DescribeRegions: the regions the account can use. assistctl calls it to find what a
//! stack still owns in regions its manifests no longer name.

use serde::{Deserialize, Serialize};

use super::{Operation, Params, de};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeRegionsRequest {
    pub accept_language: Option<String>,
}

impl Operation for DescribeRegionsRequest {
    const ACTION: &'static str = "DescribeRegions";
    type Response = DescribeRegionsResponse;

    fn write_params(&self, p: &mut Params) {
        p.opt_str("AcceptLanguage", &self.accept_language);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DescribeRegionsResponse {
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(rename = "Regions", with = "de::region")]
    pub regions: Vec<Region>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Region {
    pub region_id: String,
    pub region_endpoint: String,
    pub local_name: String,
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shape() {
        let body = r#"{"RequestId":"R","Regions":{"Region":[{"RegionId":"cn-qingdao",
          "RegionEndpoint":"ecs.aliyuncs.com","LocalName":"华北1（青岛）","Status":"available"}]}}"#;
        let r: DescribeRegionsResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.regions[0].region_id, "cn-qingdao");
        assert_eq!(r.regions[0].status, "available");
    }
}
