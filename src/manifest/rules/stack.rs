//! Exactly one Stack, with a name usable as a tag value, a region and valid tags.

use std::path::Path;

use crate::domain::limits::MAX_TAG_VALUE_CHARS;
use crate::manifest::diagnostic::Diagnostic;
use crate::manifest::located::Pos;
use crate::manifest::set::ManifestSet;

use super::common;

pub fn check(set: &ManifestSet, diags: &mut Vec<Diagnostic>) {
    // A file that could not be read may hold the Stack; do not add a second error.
    let unreadable = diags
        .iter()
        .any(|d| matches!(d.code, "yaml" | "file" | "io"));
    let rejected = unreadable || set.rejected.iter().any(|(k, _)| k == "Stack");
    match set.stacks.as_slice() {
        [] if !rejected && !set.files.is_empty() => {
            let at = set
                .files
                .first()
                .map(|p| p.as_path())
                .unwrap_or(Path::new("."));
            diags.push(
                Diagnostic::error("stack-count", at, Pos::default(), "no Stack document in the manifest set")
                    .with_help("add one document `kind: Stack` with `metadata.name` and `spec.region`; it is the unit of ownership"),
            );
        }
        [_] | [] => {}
        [first, rest @ ..] => {
            for s in rest {
                diags.push(
                    s.error(
                        "stack-count",
                        "/kind",
                        format!("a second Stack `{}`", s.doc.metadata.name),
                    )
                    .with_help(format!(
                        "a manifest set has exactly one Stack; the first is `{}` at {}:{}",
                        first.doc.metadata.name,
                        first.file.display(),
                        first.pos("").line
                    )),
                );
            }
        }
    }
    for s in &set.stacks {
        let name = &s.doc.metadata.name;
        if name.trim().is_empty() {
            diags.push(s.error("name", "/metadata/name", "the stack name is empty"));
        }
        common::max_chars(
            s,
            "/metadata/name",
            Some(name),
            MAX_TAG_VALUE_CHARS,
            "the stack name (a tag value)",
            "length",
            diags,
        );
        common::region(s, "/spec/region", Some(&s.doc.spec.region), diags);
        common::resource_group(
            s,
            "/spec/resourceGroupId",
            s.doc.spec.resource_group_id.as_deref(),
            diags,
        );
        common::tags(s, "/spec/tags", &s.doc.spec.tags, 0, diags);
    }
}
