//! ECS DescribeRegions: the account's regions, as the inventory lists them. `RegionId` is
//! optional here (it only picks the endpoint), so this answers before the region check.

use serde_json::{Value, json};

use super::{Ctx, Fields};
use crate::emulator::errors::ApiError;
use crate::emulator::wire::Params;

pub fn describe(_p: &Params, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let regions: Vec<Value> = ctx
        .inventory
        .regions
        .iter()
        .map(|r| {
            json!({
                "RegionId": r,
                "RegionEndpoint": format!("ecs.{r}.aliyuncs.com"),
                "LocalName": r,
                "Status": "available",
            })
        })
        .collect();
    let mut f = Fields::new();
    f.insert("Regions".into(), json!({ "Region": regions }));
    Ok(f)
}
