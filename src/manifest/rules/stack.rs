//! Exactly one Stack, with a name in the safe character set, a region and valid tags.

use std::path::Path;

use crate::domain::tags::{MAX_STACK_NAME_CHARS, normalize_stack_name, validate_stack_name};
use crate::manifest::diagnostic::Diagnostic;
use crate::manifest::located::Pos;
use crate::manifest::set::{Located, ManifestSet};
use crate::manifest::types::StackDocument;

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
        name(s, diags);
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

/// The stack name in its one allowed spelling, with that spelling suggested when the
/// name differs from it only by case, separators or look-alike characters.
fn name(s: &Located<StackDocument>, diags: &mut Vec<Diagnostic>) {
    let name = &s.doc.metadata.name;
    let Err(e) = validate_stack_name(name) else {
        return;
    };
    let mut help = String::new();
    let normal = normalize_stack_name(name);
    if normal != *name && validate_stack_name(&normal).is_ok() {
        help.push_str(&format!("did you mean `{normal}`? "));
    }
    help.push_str(&format!(
        "a stack name is 1 to {MAX_STACK_NAME_CHARS} lower-case ASCII letters, digits and `-`, starting and ending with a letter or digit; it is the `assistctl:stack` tag of everything the stack owns, so another spelling is another stack"
    ));
    diags.push(
        s.error("stack-name", "/metadata/name", e.to_string())
            .with_help(help),
    );
}
