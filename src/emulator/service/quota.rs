//! DescribeAccountAttributes for the two Cloud Assistant quotas. `Value` is the quota and
//! `Count` what is used now (commands kept in the region; tasks created today, UTC).

use chrono::NaiveTime;
use serde_json::{Value, json};

use super::{Ctx, Fields, common};
use crate::emulator::errors::ApiError;
use crate::emulator::store::{commands, invocations};
use crate::emulator::wire::Params;

const COMMAND_COUNT: &str = "max-axt-command-count";
const INVOCATION_DAILY: &str = "max-axt-invocation-daily";

pub fn describe_account_attributes(
    p: &Params,
    region: &str,
    ctx: &Ctx<'_>,
) -> Result<Fields, ApiError> {
    let wanted = p.list("AttributeName");
    if wanted.len() > 8 {
        return Err(ApiError::invalid(
            "AttributeName",
            "at most 8 AttributeName.N are allowed",
        ));
    }
    let want = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    let mut items: Vec<Value> = Vec::new();
    if want(COMMAND_COUNT) {
        let used = commands::count_in_region(ctx.db, region)?;
        items.push(item(COMMAND_COUNT, ctx.config.command_quota, used));
    }
    if want(INVOCATION_DAILY) {
        let midnight = ctx.now.date_naive().and_time(NaiveTime::MIN).and_utc();
        let used = invocations::count_since(ctx.db, region, &common::fmt_time(midnight))?;
        items.push(item(
            INVOCATION_DAILY,
            ctx.config.invocation_daily_quota,
            used,
        ));
    }
    let mut f = Fields::new();
    f.insert(
        "AccountAttributeItems".into(),
        json!({ "AccountAttributeItem": items }),
    );
    Ok(f)
}

fn item(name: &str, quota: u64, used: i64) -> Value {
    json!({
        "AttributeName": name,
        "AttributeValues": { "ValueItem": [ { "Value": quota.to_string(), "Count": used } ] },
    })
}
