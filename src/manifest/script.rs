//! The script of a Command: inline `content` or a `contentFile` read relative to the
//! manifest and confined to the manifest tree, with what is needed to point a diagnostic at a line of it.

use std::path::{Path, PathBuf};

use base64::Engine;

use super::confine::{self, Refusal, Roots};
use super::diagnostic::Diagnostic;
use super::load::{self, MAX_SCRIPT_BYTES};
use super::located::{Pos, Positions};
use super::set::Located;
use super::types::CommandDocument;

#[derive(Debug, Clone)]
pub enum Origin {
    /// Inline in the manifest's `spec.content`; positions are looked up only when a
    /// problem is reported.
    Inline(Positions),
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Script {
    pub text: String,
    pub origin: Origin,
}

impl Script {
    /// Size of the content as the API measures it: its Base64 form.
    pub fn base64_len(&self) -> usize {
        base64::engine::general_purpose::STANDARD
            .encode(&self.text)
            .len()
    }

    /// The file and position of `line` (1-based) of the script.
    pub fn locate(&self, manifest: &Path, line: usize, column: usize) -> (PathBuf, Pos) {
        match &self.origin {
            Origin::Inline(positions) => {
                let (first_line, first_column) = text_start(positions);
                (
                    manifest.to_path_buf(),
                    Pos {
                        line: first_line + line as u64 - 1,
                        column: first_column + column as u64 - 1,
                    },
                )
            }
            Origin::File(p) => (
                p.clone(),
                Pos {
                    line: line as u64,
                    column: column as u64,
                },
            ),
        }
    }
}

/// Reads the command's script; reports a missing, doubled or unreadable one.
///
/// A `contentFile` is confined to the manifest tree (see [`confine`]); a refused file is
/// never opened, so nothing of it can reach a plan or a diagnostic.
pub fn resolve(
    cmd: &Located<CommandDocument>,
    roots: &Roots,
    diags: &mut Vec<Diagnostic>,
) -> Option<Script> {
    let spec = &cmd.doc.spec;
    match (&spec.content, &spec.content_file) {
        (Some(_), Some(_)) => {
            diags.push(
                cmd.error(
                    "content-source",
                    "/spec/contentFile",
                    "both `content` and `contentFile` are set",
                )
                .with_help(
                    "give the script inline in `content` or as a file in `contentFile`, not both",
                ),
            );
            None
        }
        (None, None) => {
            diags.push(
                cmd.error("content-source", "/spec", "the command has no script")
                    .with_help("add `content:` with the script inline, or `contentFile:` with its path relative to this manifest"),
            );
            None
        }
        (Some(text), None) => Some(Script {
            text: text.clone(),
            origin: Origin::Inline(cmd.positions.clone()),
        }),
        (None, Some(rel)) => {
            let shown = cmd.dir().join(rel);
            let allowed = match confine::check(roots, &cmd.dir(), rel) {
                Ok(a) => a,
                Err(refusal) => {
                    diags.push(refused(cmd, rel, &shown, roots, refusal));
                    return None;
                }
            };
            // The file opened must be the regular file checked: a FIFO swapped in would
            // block, a symlink swapped in would lead out of the tree.
            let opened = std::fs::File::open(&allowed.canonical).and_then(|f| {
                if confine::same_file(&allowed.metadata, &f.metadata()?) {
                    Ok(f)
                } else {
                    Err(std::io::Error::other(
                        "the file changed while it was being checked",
                    ))
                }
            });
            let mut inner = Vec::new();
            let text = load::read_opened(&shown, opened, MAX_SCRIPT_BYTES, "script", &mut inner);
            diags.extend(inner);
            text.map(|text| Script {
                text,
                origin: Origin::File(shown),
            })
        }
    }
}

/// The located error for a refused `contentFile`: what is wrong and what is allowed.
fn refused(
    cmd: &Located<CommandDocument>,
    rel: &str,
    shown: &Path,
    roots: &Roots,
    refusal: Refusal,
) -> Diagnostic {
    const AT: &str = "/spec/contentFile";
    let tree = roots.describe();
    let inside = format!(
        "contentFile is a path relative to this manifest, to a regular file inside {tree} (the directory given on the command line, or the git repository holding it)"
    );
    match refusal {
        Refusal::Absolute => cmd
            .error(
                "content-file",
                AT,
                format!("`{rel}` is an absolute path; contentFile must be relative"),
            )
            .with_help(inside),
        Refusal::Outside { resolved: None } => cmd
            .error(
                "content-file",
                AT,
                format!("`{rel}` leads outside the manifest tree {tree}"),
            )
            .with_help(format!("{inside}; copy the script into the tree")),
        Refusal::Outside {
            resolved: Some(target),
        } => cmd
            .error(
                "content-file",
                AT,
                format!(
                    "`{rel}` resolves through a symlink to `{}`, outside the manifest tree {tree}",
                    target.display()
                ),
            )
            .with_help(format!(
                "{inside}; replace the symlink with the script itself"
            )),
        Refusal::Hidden { entry } => cmd
            .error(
                "content-file",
                AT,
                format!("`{rel}` goes through the hidden entry `{entry}`, which is not part of the manifest tree"),
            )
            .with_help(format!(
                "{inside}, with no hidden (`.`-prefixed) file or directory on the way, as in manifest discovery"
            )),
        Refusal::Missing => cmd
            .error(
                "content-file",
                AT,
                format!("script file `{}` does not exist", shown.display()),
            )
            .with_help("contentFile is relative to the manifest that names it"),
        Refusal::Directory => cmd
            .error(
                "content-file",
                AT,
                format!("`{rel}` is a directory"),
            )
            .with_help(format!("{inside}: name the script file itself")),
        Refusal::NotRegular { kind } => cmd
            .error(
                "content-file",
                AT,
                format!("`{rel}` is not a regular file (it is {kind})"),
            )
            .with_help(inside),
        Refusal::Unreadable(e) => cmd
            .error(
                "content-file",
                AT,
                format!("cannot check script file `{}`: {e}", shown.display()),
            )
            .with_help("check the path and its permissions"),
    }
}

/// The manifest line and column where the text of `spec.content` starts: the line after
/// a `|` or `>` block header at the block's indentation, or just after a quote.
fn text_start(positions: &Positions) -> (u64, u64) {
    let pos = positions.value("/spec/content");
    let src = positions.source();
    let line = |n: u64| src.lines().nth(n.saturating_sub(1) as usize);
    let rest: String = line(pos.line)
        .map(|l| {
            l.chars()
                .skip(pos.column.saturating_sub(1) as usize)
                .collect()
        })
        .unwrap_or_default();
    match rest.trim_start().chars().next() {
        Some('|' | '>') => {
            let indent = src
                .lines()
                .skip(pos.line as usize)
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| l.len() - l.trim_start().len());
            (pos.line + 1, indent as u64 + 1)
        }
        Some('"' | '\'') => (pos.line, pos.column + 1),
        _ => (pos.line, pos.column),
    }
}
