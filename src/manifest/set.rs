//! A loaded manifest set: the typed documents, each with the file and positions it came
//! from, so every later rule can point at the exact line.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::confine::Roots;
use super::diagnostic::{Diagnostic, did_you_mean};
use super::load::{self, RawDocument};
use super::located::{Pos, Positions};
use super::schema::KINDS;
use super::schema_errors;
use super::types::{CommandDocument, InvocationDocument, StackDocument};

/// A typed document and where it came from.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub doc: T,
    pub file: Arc<Path>,
    pub positions: Positions,
}

impl<T> Located<T> {
    pub fn pos(&self, pointer: &str) -> Pos {
        self.positions.value(pointer)
    }

    pub fn key_pos(&self, pointer: &str) -> Pos {
        self.positions.key(pointer)
    }

    pub fn error(&self, code: &'static str, pointer: &str, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, &self.file, self.pos(pointer), msg).with_path(pointer)
    }

    pub fn warning(&self, code: &'static str, pointer: &str, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(code, &self.file, self.pos(pointer), msg).with_path(pointer)
    }

    /// The directory relative paths in this document resolve against.
    pub fn dir(&self) -> PathBuf {
        self.file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default)]
pub struct ManifestSet {
    pub stacks: Vec<Located<StackDocument>>,
    pub commands: Vec<Located<CommandDocument>>,
    pub invocations: Vec<Located<InvocationDocument>>,
    /// Files read, for reports.
    pub files: Vec<PathBuf>,
    /// Documents that failed the schema, so later rules do not report them as missing.
    pub rejected: Vec<(String, String)>,
    /// The tree `contentFile` paths must stay in.
    pub roots: Roots,
}

impl ManifestSet {
    /// The one Stack, when there is exactly one.
    pub fn stack(&self) -> Option<&Located<StackDocument>> {
        match self.stacks.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// Reads every manifest under `paths` into typed documents; problems of syntax and
/// shape become diagnostics and the document is left out.
pub fn read(paths: &[PathBuf], diags: &mut Vec<Diagnostic>) -> ManifestSet {
    let mut set = ManifestSet {
        files: load::discover(paths, diags),
        roots: Roots::of(paths),
        ..Default::default()
    };
    if set.files.is_empty() && diags.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        diags.push(
            Diagnostic::error("no-manifests", Path::new(&shown.join(" ")), Pos::default(), "no manifest files found")
                .with_help("manifests are *.yaml or *.yml files; give the files or the directories that hold them"),
        );
    }
    // Files are parsed and checked against the schema in parallel (rayon, one task per
    // file), each into a part of its own; the parts are then joined in file order, so the
    // documents and diagnostics come out exactly as one file after the other would give.
    let parts: Vec<(ManifestSet, Vec<Diagnostic>)> = set
        .files
        .par_iter()
        .map(|f| {
            let (mut part, mut part_diags) = (ManifestSet::default(), Vec::new());
            for raw in load::load_file(f, &mut part_diags) {
                add_document(raw, &mut part, &mut part_diags);
            }
            (part, part_diags)
        })
        .collect();
    for (part, part_diags) in parts {
        set.stacks.extend(part.stacks);
        set.commands.extend(part.commands);
        set.invocations.extend(part.invocations);
        set.rejected.extend(part.rejected);
        diags.extend(part_diags);
    }
    set
}

/// Adds one document to `set` (a part holding one file's documents).
fn add_document(raw: RawDocument, set: &mut ManifestSet, diags: &mut Vec<Diagnostic>) {
    let file = raw.file.clone();
    let Value::Object(map) = &raw.value else {
        diags.push(
            Diagnostic::error(
                "not-a-mapping",
                &file,
                raw.pos(""),
                "a manifest document must be a mapping",
            )
            .with_help(
                "start the document with `apiVersion: assistctl/v1`, `kind:` and `metadata:`",
            ),
        );
        return;
    };
    match map.get("apiVersion") {
        Some(Value::String(v)) if v == "assistctl/v1" => {}
        Some(v) => {
            diags.push(
                Diagnostic::error(
                    "api-version",
                    &file,
                    raw.pos("/apiVersion"),
                    format!("unsupported apiVersion {v}"),
                )
                .with_path("/apiVersion")
                .with_help("the only apiVersion is `assistctl/v1`"),
            );
            return;
        }
        None => {
            diags.push(
                Diagnostic::error("api-version", &file, raw.pos(""), "missing `apiVersion`")
                    .with_help("add `apiVersion: assistctl/v1`"),
            );
            return;
        }
    }
    let kinds = KINDS.map(|(k, _)| k);
    let kind = match map.get("kind") {
        Some(Value::String(k)) if kinds.contains(&k.as_str()) => k.clone(),
        Some(k) => {
            let shown = k.as_str().map_or(k.to_string(), str::to_string);
            let mut help = did_you_mean(&shown, kinds)
                .map(|s| format!("{s} "))
                .unwrap_or_default();
            help.push_str("allowed kinds: `Stack`, `Command`, `Invocation`");
            diags.push(
                Diagnostic::error(
                    "unknown-kind",
                    &file,
                    raw.pos("/kind"),
                    format!("unknown kind `{shown}`"),
                )
                .with_path("/kind")
                .with_help(help),
            );
            return;
        }
        None => {
            diags.push(
                Diagnostic::error("unknown-kind", &file, raw.pos(""), "missing `kind`")
                    .with_help("add `kind: Stack`, `kind: Command` or `kind: Invocation`"),
            );
            return;
        }
    };
    if !schema_errors::check(&kind, &raw, diags) {
        let name = raw.value["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        set.rejected.push((kind, name));
        return;
    }
    match kind.as_str() {
        "Stack" => typed(raw, diags).map(|d| set.stacks.push(d)),
        "Command" => typed(raw, diags).map(|d| set.commands.push(d)),
        _ => typed(raw, diags).map(|d| set.invocations.push(d)),
    };
}

fn typed<T: DeserializeOwned>(raw: RawDocument, diags: &mut Vec<Diagnostic>) -> Option<Located<T>> {
    // The schema accepted the document, so this only fails if the schema and the types
    // disagree; report it at the document rather than panic.
    match serde_json::from_value::<T>(raw.value) {
        Ok(doc) => Some(Located {
            doc,
            file: raw.file,
            positions: raw.positions,
        }),
        Err(e) => {
            diags.push(Diagnostic::error(
                "invalid-document",
                &raw.file,
                raw.positions.value(""),
                e.to_string(),
            ));
            None
        }
    }
}
