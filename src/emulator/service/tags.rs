//! TagResources, UntagResources, ListTagResources for commands (`c-…`), invocations
//! (`t-…`) and ECS instances (`i-…`, ResourceType `instance` as ECS spells it: a new
//! instance joins a tag-selected group by being tagged). Other ECS resource types are
//! outside the emulator and answer `InvalidResourceType.NotFound`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::common::{self, TAGS};
use super::{Ctx, Fields};
use crate::domain::limits;
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::inventory::Instance;
use crate::emulator::store::{commands, instances, invocations, tags};
use crate::emulator::wire::Params;

/// ListTagResources page size (the service's is unconfirmed).
const LIST_PAGE: usize = 50;
use crate::domain::limits::MAX_TAG_RESOURCE_IDS as MAX_RESOURCE_IDS;

fn resource_type(p: &Params) -> Result<&'static str, ApiError> {
    let t = p.required("ResourceType")?;
    match t.to_ascii_lowercase().as_str() {
        "command" => Ok("command"),
        "invocation" => Ok("invocation"),
        "instance" => Ok("instance"),
        _ => Err(ApiError::new(
            Code::InvalidResourceTypeNotFound,
            format!(
                "The ResourceType {t:?} is not supported here; use command, invocation or instance."
            ),
        )),
    }
}

/// `ResourceId.N`, each an existing resource of the type in the region.
fn resource_ids(
    p: &Params,
    region: &str,
    kind: &str,
    ctx: &Ctx<'_>,
    required: bool,
) -> Result<Vec<String>, ApiError> {
    let ids = p.list("ResourceId");
    if ids.is_empty() && required {
        return Err(ApiError::missing("ResourceId.1"));
    }
    if ids.len() > MAX_RESOURCE_IDS {
        return Err(ApiError::new(
            Code::NumberExceedResourceIds,
            format!("At most {MAX_RESOURCE_IDS} ResourceId.N are allowed."),
        ));
    }
    let prefix = match kind {
        "command" => "c-",
        "instance" => "i-",
        _ => "t-",
    };
    for id in &ids {
        if !id.starts_with(prefix) {
            return Err(ApiError::new(
                Code::InvalidResourceIdNotSupported,
                format!("The resource {id:?} is not a {kind} (its id should start with {prefix})."),
            ));
        }
        let found = match kind {
            "command" => commands::get(ctx.db, region, id)?.is_some(),
            "instance" => instance(ctx, region, id).is_some(),
            _ => invocations::get(ctx.db, region, id)?.is_some(),
        };
        if !found && required {
            return Err(ApiError::new(
                Code::InvalidResourceIdNotFound,
                format!("The specified {kind} {id:?} does not exist in {region}."),
            ));
        }
    }
    Ok(ids)
}

pub fn tag(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let kind = resource_type(p)?;
    let ids = resource_ids(p, region, kind, ctx, true)?;
    let new: Vec<(String, String)> = common::tag_list(p, &TAGS, limits::MAX_TAG_KEY_CHARS_TAG_API)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect();
    if new.is_empty() {
        return Err(ApiError::new(
            Code::MissingParameterTagKey,
            "Tag.1.Key is required.",
        ));
    }
    for id in &ids {
        let mut after: BTreeMap<String, String> = match instance(ctx, region, id) {
            Some(i) if kind == "instance" => instances::tags(ctx.db, i)?,
            _ => tags::of(ctx.db, kind, id)?.into_iter().collect(),
        };
        after.extend(new.iter().cloned());
        if after.len() > limits::MAX_TAGS {
            return Err(ApiError::new(
                Code::OperationDeniedQuotaExceed,
                format!(
                    "The {kind} {id} would carry {} tags; at most {} are allowed.",
                    after.len(),
                    limits::MAX_TAGS
                ),
            ));
        }
    }
    for id in &ids {
        if kind == "instance" {
            instances::set_tags(ctx.db, id, &new)?;
        } else {
            tags::set(ctx.db, kind, id, &new)?;
        }
    }
    Ok(Fields::new())
}

pub fn untag(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let kind = resource_type(p)?;
    let ids = resource_ids(p, region, kind, ctx, true)?;
    let keys = p.list("TagKey");
    if keys.len() > limits::MAX_TAGS {
        return Err(ApiError::new(
            Code::NumberExceedTags,
            format!("At most {} TagKey.N are allowed.", limits::MAX_TAGS),
        ));
    }
    let all = p.bool("All")?.unwrap_or(false);
    for id in &ids {
        if let (Some(i), "instance") = (instance(ctx, region, id), kind) {
            let keys: Vec<String> = match (keys.is_empty(), all) {
                (false, _) => keys.clone(),
                (true, true) => instances::tags(ctx.db, i)?.into_keys().collect(),
                (true, false) => Vec::new(),
            };
            instances::remove_tags(ctx.db, id, &keys)?;
        } else if !keys.is_empty() {
            tags::remove(ctx.db, kind, id, &keys)?;
        } else if all {
            tags::delete_all(ctx.db, kind, id)?;
        }
    }
    Ok(Fields::new())
}

pub fn list(p: &Params, region: &str, ctx: &Ctx<'_>) -> Result<Fields, ApiError> {
    let kind = resource_type(p)?;
    let ids = resource_ids(p, region, kind, ctx, false)?;
    let tag_items = p.structs("Tag");
    if let Some(i) = tag_items
        .iter()
        .find(|i| i.field("Key").unwrap_or("").is_empty())
    {
        return Err(ApiError::new(
            Code::InvalidParameterTagValue,
            format!(
                "Tag.{}.Value is given without Tag.{}.Key.",
                i.index, i.index
            ),
        ));
    }
    let exact = common::tag_list(p, &TAGS, limits::MAX_TAG_KEY_CHARS_TAG_API)?;
    let fuzzy: Vec<(String, Vec<String>)> = p
        .structs("TagFilter")
        .into_iter()
        .filter_map(|i| {
            let key = i.field("TagKey")?.to_string();
            let values = i
                .fields
                .iter()
                .filter(|(k, v)| k.starts_with("TagValues.") && !v.is_empty())
                .map(|(_, v)| v.clone())
                .collect();
            Some((key, values))
        })
        .collect();
    if ids.is_empty() && exact.is_empty() && fuzzy.is_empty() {
        return Err(ApiError::missing("ResourceId.N, Tag.N or TagFilter.N"));
    }
    let start = match p.get("NextToken") {
        None => 0,
        Some(t) => common::decode_token(t)?.max(0) as usize,
    };
    // Rows of resources in this region only.
    let rows: Vec<tags::TagRow> = if kind == "instance" {
        instance_rows(ctx, region, &ids, &exact)?
    } else {
        tags::list_resources(ctx.db, kind, &ids, &exact, 0, i64::MAX / 2)?
            .into_iter()
            .filter(|r| in_region(ctx, region, kind, &r.resource_id))
            .collect()
    };
    let mut by_resource: BTreeMap<String, Vec<&tags::TagRow>> = BTreeMap::new();
    for r in &rows {
        by_resource
            .entry(r.resource_id.clone())
            .or_default()
            .push(r);
    }
    let keep = |id: &str| {
        let have = &by_resource[id];
        fuzzy.iter().all(|(k, values)| {
            have.iter().any(|r| {
                &r.tag_key == k
                    && (values.is_empty() || values.iter().any(|v| glob_like(v, &r.tag_value)))
            })
        })
    };
    let selected: Vec<&tags::TagRow> = rows.iter().filter(|r| keep(&r.resource_id)).collect();
    let end = (start + LIST_PAGE).min(selected.len());
    let items: Vec<Value> = selected
        .get(start..end)
        .unwrap_or(&[])
        .iter()
        .map(|r| json!({"ResourceId": r.resource_id, "ResourceType": kind, "TagKey": r.tag_key, "TagValue": r.tag_value}))
        .collect();
    let mut f = Fields::new();
    f.insert(
        "NextToken".into(),
        json!(if end < selected.len() {
            common::encode_token(end as i64)
        } else {
            String::new()
        }),
    );
    f.insert("TagResources".into(), json!({ "TagResource": items }));
    Ok(f)
}

/// An ECS instance of the inventory in `region` (managed instances are another type).
fn instance<'a>(ctx: &Ctx<'a>, region: &str, id: &str) -> Option<&'a Instance> {
    ctx.inventory.get(region, id).filter(|i| !i.managed)
}

/// The tag rows of the region's ECS instances (those of `ids` when given) that carry every
/// `exact` tag, as the tags are now.
fn instance_rows(
    ctx: &Ctx<'_>,
    region: &str,
    ids: &[String],
    exact: &[(String, Option<String>)],
) -> Result<Vec<tags::TagRow>, ApiError> {
    let mut rows = Vec::new();
    for i in ctx
        .inventory
        .in_region(region)
        .filter(|i| !i.managed && (ids.is_empty() || ids.contains(&i.id)))
    {
        if !instances::has_tags(ctx.db, i, exact)? {
            continue;
        }
        for (k, v) in instances::tags(ctx.db, i)? {
            rows.push(tags::TagRow {
                rowid: 0,
                resource_id: i.id.clone(),
                tag_key: k,
                tag_value: v,
            });
        }
    }
    Ok(rows)
}

fn in_region(ctx: &Ctx<'_>, region: &str, kind: &str, id: &str) -> bool {
    if kind == "command" {
        commands::get(ctx.db, region, id).ok().flatten().is_some()
    } else {
        invocations::get(ctx.db, region, id)
            .ok()
            .flatten()
            .is_some()
    }
}

/// TagFilter values match fuzzily: `*` is a wildcard, otherwise exact.
fn glob_like(pattern: &str, value: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        _ if pattern == "*" => true,
        (Some(rest), _) if rest.ends_with('*') => value.contains(&rest[..rest.len() - 1]),
        (Some(suffix), _) => value.ends_with(suffix),
        (None, Some(prefix)) => value.starts_with(prefix),
        (None, None) => pattern == value,
    }
}
