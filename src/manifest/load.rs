//! Finding manifest files and reading them into documents with positions: recursive
//! discovery, a size cap, UTF-8 and binary checks, and YAML parsing with serde-saphyr's
//! budgets on so alias bombs and huge documents fail fast.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::diagnostic::Diagnostic;
use super::located::{FileSource, Pos, Positions};

/// Largest manifest file read. Scripts are at most 18 KB base64, so this leaves room for
/// thousands of documents while refusing a stray dump or log file.
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Largest script read through `contentFile`.
pub const MAX_SCRIPT_BYTES: u64 = 1024 * 1024;

/// One YAML document of a manifest file.
#[derive(Debug, Clone)]
pub struct RawDocument {
    pub file: Arc<Path>,
    pub value: Value,
    pub positions: Positions,
}

impl RawDocument {
    pub fn pos(&self, pointer: &str) -> Pos {
        self.positions.value(pointer)
    }
}

/// Manifest files under `paths`: files as given, directories searched recursively for
/// `*.yaml` / `*.yml` (hidden directories such as `.git` skipped), in a stable order.
pub fn discover(paths: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_file() {
            files.push(p.clone());
        } else if p.is_dir() {
            let walker = walkdir::WalkDir::new(p)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                });
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() && is_manifest_name(e.path()) => {
                        files.push(e.into_path())
                    }
                    Ok(_) => {}
                    Err(e) => diags.push(Diagnostic::error(
                        "io",
                        e.path().unwrap_or(p),
                        Pos::default(),
                        format!("cannot read: {e}"),
                    )),
                }
            }
        } else {
            diags.push(
                Diagnostic::error("io", p, Pos::default(), "no such file or directory").with_help(
                    "give manifest files or directories that contain *.yaml / *.yml files",
                ),
            );
        }
    }
    files.dedup();
    files
}

fn is_manifest_name(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// Reads a text file with the size, binary and UTF-8 checks; problems become diagnostics.
pub fn read_text(path: &Path, max: u64, what: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    read_opened(path, fs::File::open(path), max, what, diags)
}

/// Reads a file already opened (or the error opening it); `path` is what messages name.
pub fn read_opened(
    path: &Path,
    opened: std::io::Result<fs::File>,
    max: u64,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let fail = |diags: &mut Vec<Diagnostic>, pos: Pos, msg: String, help: &str| {
        diags.push(Diagnostic::error("file", path, pos, msg).with_help(help.to_string()));
    };
    // One open, then the size from the handle: no second path lookup per file.
    let read = opened.and_then(|mut f| {
        let len = f.metadata()?.len();
        if len > max {
            return Ok(Err(len));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        f.read_to_end(&mut bytes)?;
        Ok(Ok(bytes))
    });
    let bytes = match read {
        Ok(Ok(b)) => b,
        Ok(Err(len)) => {
            fail(
                diags,
                Pos::default(),
                format!("{what} is {len} bytes, over the {max} byte limit"),
                "split it into smaller files, or point at the right file",
            );
            return None;
        }
        Err(e) => {
            fail(
                diags,
                Pos::default(),
                format!("cannot read {what}: {e}"),
                "check the path and its permissions",
            );
            return None;
        }
    };
    if let Some(i) = bytes.iter().position(|b| *b == 0) {
        fail(
            diags,
            pos_of_byte(&bytes, i),
            format!("{what} is binary (it contains a NUL byte)"),
            "manifests and scripts must be UTF-8 text",
        );
        return None;
    }
    match String::from_utf8(bytes) {
        Ok(s) => Some(s.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(s)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            fail(
                diags,
                pos_of_byte(e.as_bytes(), at),
                format!(
                    "{what} is not valid UTF-8 (invalid byte 0x{:02x})",
                    e.as_bytes()[at]
                ),
                "save the file as UTF-8",
            );
            None
        }
    }
}

fn pos_of_byte(bytes: &[u8], i: usize) -> Pos {
    let before = &bytes[..i];
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&bytes[line_start..i])
        .chars()
        .count() as u64
        + 1;
    Pos { line, column }
}

fn yaml_options() -> serde_saphyr::Options {
    // Manifests never need more than a few thousand alias expansions; anything near
    // these limits is an alias bomb, refused before it costs time or memory.
    let mut alias_limits = serde_saphyr::options::AliasLimits::default();
    alias_limits.max_total_replayed_events = 100_000;
    alias_limits.max_alias_expansions_per_anchor = 1_000;
    serde_saphyr::options! {
        strict_booleans: true,
        alias_limits: alias_limits,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_documents: 10_000,
            max_nodes: 1_000_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_total_scalar_bytes: MAX_MANIFEST_BYTES as usize,
        },
    }
}

/// Parses one manifest file into its non-empty documents.
pub fn load_file(path: &Path, diags: &mut Vec<Diagnostic>) -> Vec<RawDocument> {
    let Some(text) = read_text(path, MAX_MANIFEST_BYTES, "manifest", diags) else {
        return Vec::new();
    };
    let file: Arc<Path> = Arc::from(path);
    let docs: Vec<Value> = match serde_saphyr::from_multiple_with_options(&text, yaml_options()) {
        Ok(d) => d,
        Err(e) => {
            let pos = e
                .location()
                .map(|l| Pos {
                    line: l.line(),
                    column: l.column(),
                })
                .unwrap_or_default();
            diags.push(
                Diagnostic::error(
                    "yaml",
                    path,
                    pos,
                    format!("invalid YAML: {}", yaml_message(&e)),
                )
                .with_help("fix the YAML syntax; documents are separated by `---`"),
            );
            return Vec::new();
        }
    };
    let source = Arc::new(FileSource::new(Arc::from(text), yaml_options));
    let out: Vec<RawDocument> = docs
        .into_iter()
        .enumerate()
        .filter(|(_, d)| !d.is_null())
        .map(|(index, value)| RawDocument {
            file: file.clone(),
            value,
            positions: Positions::new(source.clone(), index),
        })
        .collect();
    if out.is_empty() {
        diags.push(
            Diagnostic::error("empty", path, Pos { line: 1, column: 1 }, "the file contains no YAML documents")
                .with_help("add a document with apiVersion: assistctl/v1, kind and metadata.name, or remove the file"),
        );
    }
    out
}

/// The parser's message without the location and source snippet it appends, since
/// the diagnostic carries the location itself.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let mut first = full.lines().next().unwrap_or("").trim();
    first = first.strip_prefix("error:").unwrap_or(first).trim_start();
    // Drop a leading "line N column M:" since the diagnostic has the location.
    if first.starts_with("line ")
        && let Some(i) = first.find(": ")
    {
        first = &first[i + 2..];
    }
    let trimmed = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    trimmed.trim_end_matches(':').to_string()
}
