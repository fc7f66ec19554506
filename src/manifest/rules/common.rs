//! Checks shared by several kinds: lengths, tags, ids, working directories.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::domain::command_type::Os;
use crate::domain::limits::{MAX_TAG_KEY_CHARS, MAX_TAGS, MAX_WORKING_DIR_CHARS};
use crate::domain::tags::validate_tag;
use crate::manifest::diagnostic::Diagnostic;
use crate::manifest::located::escape;
use crate::manifest::set::Located;

/// Tags assistctl adds to everything it owns (`assistctl:stack`, `assistctl:name`).
pub const OWNERSHIP_TAGS: usize = 2;
pub const RESERVED_TAG_PREFIX: &str = "assistctl:";

static REGION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]{2,}(-[a-z0-9]+){1,4}$").expect("static regex"));
static RESOURCE_GROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^rg-[a-z0-9]{5,}$").expect("static regex"));

pub fn max_chars<T>(
    doc: &Located<T>,
    pointer: &str,
    value: Option<&str>,
    max: usize,
    what: &str,
    code: &'static str,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(v) = value {
        let n = v.chars().count();
        if n > max {
            diags.push(
                doc.error(
                    code,
                    pointer,
                    format!("{what} is {n} characters long; at most {max} are allowed"),
                )
                .with_help(format!("shorten it by {} characters", n - max)),
            );
        }
    }
}

pub fn region<T>(
    doc: &Located<T>,
    pointer: &str,
    value: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(r) = value
        && !REGION.is_match(r)
    {
        diags.push(
            doc.error("region", pointer, format!("`{r}` is not a region id"))
                .with_help(
                    "use an Alibaba Cloud region id such as `cn-hangzhou` or `ap-southeast-1`",
                ),
        );
    }
}

pub fn resource_group<T>(
    doc: &Located<T>,
    pointer: &str,
    value: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(r) = value
        && !RESOURCE_GROUP.is_match(r)
    {
        diags.push(
            doc.error("resource-group", pointer, format!("`{r}` is not a resource group id"))
                .with_help("resource group ids look like `rg-acfmzw2jz2z****`: `rg-` then lower-case letters and digits"),
        );
    }
}

/// Checks a resource's own tags: each tag's rules, the reserved `assistctl:` prefix,
/// and the count with the stack's tags and the ownership tags added.
pub fn tags<T>(
    doc: &Located<T>,
    pointer: &str,
    tags: &BTreeMap<String, String>,
    inherited: usize,
    diags: &mut Vec<Diagnostic>,
) {
    for (k, v) in tags {
        let p = format!("{pointer}/{}", escape(k));
        if k.to_ascii_lowercase().starts_with(RESERVED_TAG_PREFIX) {
            diags.push(
                Diagnostic::error("tag", &doc.file, doc.key_pos(&p), format!("tag key `{k}` uses the prefix `assistctl:`, which assistctl reserves for ownership"))
                    .with_path(&p)
                    .with_help("choose another key; assistctl adds `assistctl:stack` and `assistctl:name` itself"),
            );
            continue;
        }
        if let Err(e) = validate_tag(k, v, MAX_TAG_KEY_CHARS) {
            diags.push(
                Diagnostic::error("tag", &doc.file, doc.key_pos(&p), e.to_string()).with_path(&p),
            );
        }
    }
    let total = tags.len() + inherited + OWNERSHIP_TAGS;
    if !tags.is_empty() && total > MAX_TAGS {
        diags.push(
            doc.error(
                "tag-count",
                pointer,
                format!(
                    "{} tags here, {inherited} from the stack and {OWNERSHIP_TAGS} ownership tags make {total}; a resource may carry at most {MAX_TAGS}",
                    tags.len()
                ),
            )
            .with_help(format!("remove {} tags", total - MAX_TAGS)),
        );
    }
}

/// A working directory must fit the OS the command type runs on.
pub fn working_dir<T>(
    doc: &Located<T>,
    pointer: &str,
    value: Option<&str>,
    os: Os,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(dir) = value else { return };
    max_chars(
        doc,
        pointer,
        Some(dir),
        MAX_WORKING_DIR_CHARS,
        "workingDir",
        "length",
        diags,
    );
    let windows_style = dir.len() >= 2 && dir.as_bytes()[1] == b':' || dir.starts_with("\\\\");
    match os {
        Os::Linux if windows_style || !dir.starts_with('/') => diags.push(
            doc.error(
                "working-dir",
                pointer,
                format!(
                    "`{dir}` is not an absolute Linux path, but the command type runs on Linux"
                ),
            )
            .with_help("use an absolute path such as /home or /root (the API default)"),
        ),
        Os::Windows if !windows_style => diags.push(
            doc.error(
                "working-dir",
                pointer,
                format!("`{dir}` is not a Windows path, but the command type runs on Windows"),
            )
            .with_help(r"use a path such as C:\Windows\system32 (the default)"),
        ),
        _ => {}
    }
}
