//! Checks shared by several operations: region, ClientToken, lengths, timeouts, content
//! encoding, tags, paging.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Fields;
use crate::domain::limits;
use crate::domain::tags::{TagRuleError, validate_tag};
use crate::emulator::errors::{ApiError, Code};
use crate::emulator::inventory::Inventory;
use crate::emulator::store::{Page, PageRequest};
use crate::emulator::wire::Params;

pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `RegionId` is required everywhere and must be one the account may use.
pub fn region(p: &Params, inv: &Inventory) -> Result<String, ApiError> {
    let r = p.required("RegionId")?;
    if !inv.regions.iter().any(|x| x == r) {
        return Err(ApiError::new(
            Code::InvalidRegionIdNotFound,
            format!(
                "The specified RegionId {r:?} does not exist; this account has {}.",
                inv.regions.join(", ")
            ),
        ));
    }
    Ok(r.to_string())
}

/// `ClientToken`: ASCII, at most 64 characters.
pub fn client_token(p: &Params) -> Result<Option<&str>, ApiError> {
    match p.get("ClientToken") {
        None => Ok(None),
        Some(t)
            if t.len() <= limits::MAX_CLIENT_TOKEN_CHARS
                && t.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(t))
        }
        Some(_) => Err(ApiError::new(
            Code::InvalidClientTokenMalformed,
            format!(
                "The specified ClientToken is not valid: it must be printable ASCII of at most {} characters.",
                limits::MAX_CLIENT_TOKEN_CHARS
            ),
        )),
    }
}

/// A string parameter of at most `max` characters, else `code`.
pub fn bounded<'a>(
    p: &'a Params,
    name: &str,
    max: usize,
    code: Code,
) -> Result<Option<&'a str>, ApiError> {
    match p.get(name) {
        Some(v) if v.chars().count() > max => Err(ApiError::new(
            code,
            format!(
                "The specified {name} is {} characters long; at most {max} are allowed.",
                v.chars().count()
            ),
        )),
        v => Ok(v),
    }
}

/// `Launcher`: at most 1 KB.
pub fn launcher(p: &Params) -> Result<Option<&str>, ApiError> {
    match p.get("Launcher") {
        Some(v) if v.len() > limits::MAX_LAUNCHER_BYTES => Err(ApiError::new(
            Code::InvalidLauncherLengthLimitExceeded,
            format!(
                "The specified Launcher is {} bytes long; at most {} are allowed.",
                v.len(),
                limits::MAX_LAUNCHER_BYTES
            ),
        )),
        v => Ok(v),
    }
}

/// `WorkingDir`: at most 200 characters.
pub fn working_dir(p: &Params) -> Result<Option<&str>, ApiError> {
    bounded(
        p,
        "WorkingDir",
        limits::MAX_WORKING_DIR_CHARS,
        Code::InvalidParameterWorkingDir,
    )
}

/// `Timeout`: below 10 is raised to 10 (product page), above the maximum is refused.
pub fn timeout(p: &Params) -> Result<Option<i64>, ApiError> {
    match p.int("Timeout")? {
        None => Ok(None),
        Some(t) if t > limits::MAX_TIMEOUT_SECS as i64 => Err(ApiError::new(
            Code::InvalidTimeoutExceedLimit,
            format!(
                "The specified Timeout {t} exceeds the maximum of {} seconds.",
                limits::MAX_TIMEOUT_SECS
            ),
        )),
        Some(t) => Ok(Some(t.max(limits::MIN_TIMEOUT_SECS as i64))),
    }
}

/// Content in its Base64 form plus the decoded bytes. `plain` says the caller sent plain text.
pub struct Content {
    pub base64: String,
    pub bytes: Vec<u8>,
}

impl Content {
    pub fn from_request(raw: &str, plain: bool, decode_error: Code) -> Result<Self, ApiError> {
        if plain {
            return Ok(Self {
                base64: STANDARD.encode(raw.as_bytes()),
                bytes: raw.as_bytes().to_vec(),
            });
        }
        let cleaned: String = raw.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let bytes = STANDARD.decode(cleaned.as_bytes()).map_err(|e| {
            ApiError::new(
                decode_error,
                format!("The CommandContent is not valid Base64 ({e}); send ContentEncoding=PlainText for plain text."),
            )
        })?;
        Ok(Self {
            base64: STANDARD.encode(&bytes),
            bytes,
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn check_size(&self, max: usize, code: Code) -> Result<(), ApiError> {
        check_base64_size(self.base64.len(), max, code)
    }
}

pub fn check_base64_size(len: usize, max: usize, code: Code) -> Result<(), ApiError> {
    if len > max {
        return Err(ApiError::new(
            code,
            format!(
                "The Base64-encoded command content is {len} bytes; at most {max} are allowed."
            ),
        ));
    }
    Ok(())
}

/// Stored Base64 content as the caller asked to read it.
pub fn content_out(base64: &str, p: &Params) -> String {
    if p.get("ContentEncoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("PlainText"))
    {
        STANDARD
            .decode(base64)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    } else {
        base64.to_string()
    }
}

/// Error codes of one family of tag parameters.
pub struct TagCodes {
    pub prefix: &'static str,
    pub max: usize,
    pub too_many: Code,
    pub missing_key: Code,
    pub bad_key: Code,
    pub bad_value: Code,
    pub duplicate: Code,
}

/// `Tag.N` on Create/Invoke/Run and the tag APIs.
pub const TAGS: TagCodes = TagCodes {
    prefix: "Tag",
    max: limits::MAX_TAGS,
    too_many: Code::NumberExceedTags,
    missing_key: Code::MissingParameterTagKey,
    bad_key: Code::InvalidTagKeyMalformed,
    bad_value: Code::InvalidTagValueMalformed,
    duplicate: Code::DuplicateTagKey,
};

/// `ResourceTag.N` target selection.
pub const RESOURCE_TAGS: TagCodes = TagCodes {
    prefix: "ResourceTag",
    max: limits::MAX_RESOURCE_TAGS,
    too_many: Code::NumberExceedResourceTags,
    missing_key: Code::MissingParameterResourceTagKey,
    bad_key: Code::InvalidResourceTagKeyMalformed,
    bad_value: Code::InvalidResourceTagValueMalformed,
    duplicate: Code::DuplicateResourceTagKey,
};

/// Tags as written: (key, value if given), checked against the tag rules.
pub fn tag_list(
    p: &Params,
    codes: &TagCodes,
    max_key_chars: usize,
) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let items = p.structs(codes.prefix);
    if items.len() > codes.max || items.iter().any(|i| i.index as usize > codes.max) {
        return Err(ApiError::new(
            codes.too_many,
            format!(
                "At most {} {}.N entries are allowed.",
                codes.max, codes.prefix
            ),
        ));
    }
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for item in items {
        let key = item.field("Key").unwrap_or("");
        let value = item.field("Value");
        if key.is_empty() {
            return Err(ApiError::new(
                codes.missing_key,
                format!("{}.{}.Key is required.", codes.prefix, item.index),
            ));
        }
        if let Err(e) = validate_tag(key, value.unwrap_or(""), max_key_chars) {
            let code = match e {
                TagRuleError::ValueTooLong { .. } | TagRuleError::ValueHasUrl(_) => codes.bad_value,
                TagRuleError::EmptyKey => codes.missing_key,
                _ => codes.bad_key,
            };
            return Err(ApiError::new(
                code,
                format!("{}.{}: {e}.", codes.prefix, item.index),
            ));
        }
        if out.iter().any(|(k, _)| k == key) {
            return Err(ApiError::new(
                codes.duplicate,
                format!("The tag key {key:?} is given more than once."),
            ));
        }
        out.push((key.to_string(), value.map(String::from)));
    }
    Ok(out)
}

/// Tags to attach to a new resource: values default to "".
pub fn tags_to_set(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    Ok(tag_list(p, &TAGS, limits::MAX_TAG_KEY_CHARS)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

/// Tag filters of a Describe call.
pub fn tag_filter(p: &Params) -> Result<Vec<(String, Option<String>)>, ApiError> {
    tag_list(p, &TAGS, limits::MAX_TAG_KEY_CHARS_TAG_API)
}

/// `Tags: {Tag: [{TagKey, TagValue}]}`.
pub fn tags_json(tags: &[(String, String)]) -> Value {
    json!({ "Tag": tags_array(tags) })
}

pub fn tags_array(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
            .collect(),
    )
}

/// How a listing was asked to page.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub request: PageRequest,
    pub page_number: i64,
    pub page_size: i64,
}

/// Limits of one listing's paging parameters.
pub struct PagingRules {
    pub default_size: i64,
    pub max_size: i64,
    /// DescribeInstances clamps MaxResults into this range instead of refusing it.
    pub clamp_max_results: Option<(i64, i64)>,
}

pub const PAGING_50: PagingRules = PagingRules {
    default_size: 10,
    max_size: 50,
    clamp_max_results: None,
};

/// Reads `MaxResults` + `NextToken` or `PageNumber` + `PageSize`; a token wins.
pub fn paging(p: &Params, rules: &PagingRules) -> Result<Paging, ApiError> {
    let token = p.get("NextToken");
    let max_results = p.int("MaxResults")?;
    if token.is_some() || max_results.is_some() {
        let size = match (max_results, rules.clamp_max_results) {
            (None, _) => rules.default_size,
            (Some(m), Some((lo, hi))) => m.clamp(lo, hi),
            (Some(m), None) if (1..=rules.max_size).contains(&m) => m,
            (Some(m), None) => {
                return Err(ApiError::new(
                    Code::InvalidParameterMaxResults,
                    format!(
                        "The specified MaxResults {m} is not valid; use 1 to {}.",
                        rules.max_size
                    ),
                ));
            }
        };
        let before_seq = token.map(decode_token).transpose()?;
        return Ok(Paging {
            request: PageRequest {
                before_seq,
                offset: 0,
                limit: size,
            },
            page_number: 1,
            page_size: size,
        });
    }
    let number = p.int("PageNumber")?.unwrap_or(1);
    if number < 1 {
        return Err(ApiError::new(
            Code::InvalidParamPageNumber,
            format!("The specified PageNumber {number} is not valid; pages start at 1."),
        ));
    }
    let size = p.int("PageSize")?.unwrap_or(rules.default_size);
    if !(1..=rules.max_size).contains(&size) {
        return Err(ApiError::new(
            Code::InvalidParamPageSize,
            format!(
                "The specified PageSize {size} is not valid; use 1 to {}.",
                rules.max_size
            ),
        ));
    }
    Ok(Paging {
        request: PageRequest {
            before_seq: None,
            offset: (number - 1).saturating_mul(size),
            limit: size,
        },
        page_number: number,
        page_size: size,
    })
}

pub fn encode_token(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("assistctl-emulator:{seq}"))
}

pub fn decode_token(t: &str) -> Result<i64, ApiError> {
    URL_SAFE_NO_PAD
        .decode(t)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.strip_prefix("assistctl-emulator:")
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| {
            ApiError::new(
                Code::InvalidParameterNextToken,
                "The specified NextToken is not valid; pass the NextToken of the previous page.",
            )
        })
}

/// Adds `TotalCount`, `PageNumber`, `PageSize`, `NextToken` to an answer.
pub fn paging_fields<T>(f: &mut Fields, paging: &Paging, page: &Page<T>) {
    f.insert("TotalCount".into(), json!(page.total));
    f.insert("PageNumber".into(), json!(paging.page_number));
    f.insert("PageSize".into(), json!(paging.page_size));
    f.insert(
        "NextToken".into(),
        json!(page.next_seq.map(encode_token).unwrap_or_default()),
    );
}

/// A page of a list held in memory; the token carries the offset.
pub fn page_in_memory<T: Clone>(items: &[T], paging: &Paging) -> Page<T> {
    let start = (paging.request.before_seq.unwrap_or(0).max(0) + paging.request.offset) as usize;
    let end = start
        .saturating_add(paging.request.limit as usize)
        .min(items.len());
    let slice = if start < items.len() {
        items[start..end].to_vec()
    } else {
        Vec::new()
    };
    Page {
        items: slice,
        total: items.len() as i64,
        next_seq: (end < items.len()).then_some(end as i64),
    }
}

/// A resource group must exist in the inventory.
pub fn resource_group(p: &Params, inv: &Inventory) -> Result<String, ApiError> {
    match p.get("ResourceGroupId") {
        None => Ok(String::new()),
        Some(rg) if inv.resource_groups.iter().any(|g| g == rg) => Ok(rg.to_string()),
        Some(rg) => Err(ApiError::new(
            Code::InvalidResourceGroupNotFound,
            format!("The specified ResourceGroupId {rg:?} does not exist."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_token(&encode_token(42)).unwrap(), 42);
        assert_eq!(
            decode_token("nope").unwrap_err().code,
            Code::InvalidParameterNextToken
        );
    }

    #[test]
    fn paging_styles() {
        let pg = paging(&p(&[("PageNumber", "3"), ("PageSize", "20")]), &PAGING_50).unwrap();
        assert_eq!(pg.request.offset, 40);
        assert_eq!(pg.request.limit, 20);
        let pg = paging(&p(&[("MaxResults", "5")]), &PAGING_50).unwrap();
        assert_eq!(pg.request.limit, 5);
        assert_eq!(
            paging(&p(&[("MaxResults", "51")]), &PAGING_50)
                .unwrap_err()
                .code,
            Code::InvalidParameterMaxResults
        );
        assert_eq!(
            paging(&p(&[("PageNumber", "0")]), &PAGING_50)
                .unwrap_err()
                .code,
            Code::InvalidParamPageNumber
        );
        assert_eq!(
            paging(&p(&[("PageSize", "51")]), &PAGING_50)
                .unwrap_err()
                .code,
            Code::InvalidParamPageSize
        );
    }

    #[test]
    fn tag_rules_map_to_codes() {
        let code = |pairs: &[(&str, &str)]| tags_to_set(&p(pairs)).unwrap_err().code;
        assert_eq!(
            code(&[("Tag.1.Key", "aliyun:x")]),
            Code::InvalidTagKeyMalformed
        );
        assert_eq!(
            code(&[("Tag.1.Key", "k"), ("Tag.1.Value", "http://x")]),
            Code::InvalidTagValueMalformed
        );
        assert_eq!(code(&[("Tag.1.Value", "v")]), Code::MissingParameterTagKey);
        assert_eq!(
            code(&[("Tag.1.Key", "k"), ("Tag.2.Key", "k")]),
            Code::DuplicateTagKey
        );
        assert_eq!(code(&[("Tag.21.Key", "k")]), Code::NumberExceedTags);
        assert_eq!(
            tags_to_set(&p(&[("Tag.1.Key", "env")])).unwrap(),
            vec![("env".to_string(), String::new())]
        );
    }

    #[test]
    fn timeout_is_raised_to_the_minimum_and_capped() {
        assert_eq!(timeout(&p(&[("Timeout", "3")])).unwrap(), Some(10));
        assert_eq!(
            timeout(&p(&[("Timeout", "86401")])).unwrap_err().code,
            Code::InvalidTimeoutExceedLimit
        );
    }

    #[test]
    fn content_encodings() {
        let c = Content::from_request("ZWNobyBoaQ==", false, Code::CmdContentDecodeError).unwrap();
        assert_eq!(c.text(), "echo hi");
        let c = Content::from_request("echo hi", true, Code::CmdContentDecodeError).unwrap();
        assert_eq!(c.base64, "ZWNobyBoaQ==");
        assert_eq!(
            Content::from_request("***", false, Code::CmdContentDecodeError)
                .err()
                .unwrap()
                .code,
            Code::CmdContentDecodeError
        );
    }
}
