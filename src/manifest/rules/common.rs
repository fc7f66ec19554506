//! Checks shared by several kinds: lengths, tags, ids, working directories.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::domain::command_type::Os;
use crate::domain::limits::{MAX_TAG_KEY_CHARS, MAX_TAGS, MAX_WORKING_DIR_CHARS};
use crate::domain::tags::{COMMAND_RESERVED_TAGS, TASK_RESERVED_TAGS, validate_tag};
use crate::manifest::diagnostic::Diagnostic;
use crate::manifest::located::escape;
use crate::manifest::set::Located;
use crate::manifest::types::{CommandDocument, InvocationDocument, StackDocument};

pub const RESERVED_TAG_PREFIX: &str = "assistctl:";

/// The tags assistctl reserves on what a document of this kind becomes. The counts are
/// the ones the planner checks too (`domain::tags`), so validate and plan agree.
pub trait ReservedTags {
    /// How many: the room left for user tags is `MAX_TAGS` less this.
    const RESERVED: usize;
    /// What carries them, and which they are, for messages.
    const CARRIER: &'static str;
    const NAMES: &'static str;
}

impl ReservedTags for CommandDocument {
    const RESERVED: usize = COMMAND_RESERVED_TAGS;
    const CARRIER: &'static str = "command";
    const NAMES: &'static str = "`assistctl:stack` and `assistctl:name`";
}

impl ReservedTags for InvocationDocument {
    const RESERVED: usize = TASK_RESERVED_TAGS;
    const CARRIER: &'static str = "invocation task";
    const NAMES: &'static str = "`assistctl:stack`, `assistctl:name`, `assistctl:hash`, `assistctl:inputs` and `assistctl:batch`";
}

/// The stack's tags go onto every command and every invocation task, so they must leave
/// room for a task's reserved tags.
impl ReservedTags for StackDocument {
    const RESERVED: usize = TASK_RESERVED_TAGS;
    const CARRIER: &'static str = "invocation task";
    const NAMES: &'static str = InvocationDocument::NAMES;
}

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
/// and the count with the stack's tags and the reserved tags added. A document without
/// tags of its own is not counted: the stack's tags alone are checked at the stack, once,
/// against the larger reservation of a task.
pub fn tags<T: ReservedTags>(
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
                    .with_help(format!("choose another key; assistctl adds {} itself", T::NAMES)),
            );
            continue;
        }
        if let Err(e) = validate_tag(k, v, MAX_TAG_KEY_CHARS) {
            diags.push(
                Diagnostic::error("tag", &doc.file, doc.key_pos(&p), e.to_string()).with_path(&p),
            );
        }
    }
    let total = tags.len() + inherited + T::RESERVED;
    if !tags.is_empty() && total > MAX_TAGS {
        let stack = if inherited > 0 {
            format!(", {inherited} from the stack")
        } else {
            String::new()
        };
        diags.push(
            doc.error(
                "tag-count",
                pointer,
                format!(
                    "{} tags here{stack} and the {} tags assistctl reserves on every {} ({}) make {total}; a resource may carry at most {MAX_TAGS}",
                    tags.len(),
                    T::RESERVED,
                    T::CARRIER,
                    T::NAMES,
                ),
            )
            .with_help(format!(
                "remove {} tags: at most {} of the stack's and the document's own fit (a key set in both counts twice)",
                total - MAX_TAGS,
                MAX_TAGS - T::RESERVED
            )),
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
