//! Validating some files of a stack in the context of the whole stack: what a
//! pre-commit hook does with `assistctl validate path/to/changed.yaml`.
//!
//! When the paths given hold no Stack document, the Stack is looked for the way editors
//! look for their configuration: in the directory of each path given (a directory
//! itself, or the one holding a file), then in each directory above it, stopping at the
//! git repository's top (the nearest directory with a `.git` entry). Outside a git
//! repository only that first directory is searched, so no unrelated YAML of a home
//! directory or of `/tmp` is ever read. Only the `*.yaml` / `*.yml` files directly in
//! each directory are read, hidden ones skipped, as in discovery.
//!
//! The Stack's directory, read recursively, is then the manifest set: references to
//! commands in other files resolve, and limits that count the stack's tags apply. The
//! problems shown are those of the files given and of the scripts their commands name,
//! plus those that concern documents across files (two documents of one name, a second
//! Stack) and other files of the set that cannot be read (their documents are missing
//! from the references): a change must not be blamed for an unrelated file's problem,
//! but must not hide a duplicate it introduced either. The other problems are counted,
//! not shown; validating the stack's directory shows them.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::Validation;
use super::confine;
use super::diagnostic::Diagnostic;
use super::load;
use super::located::Pos;
use super::rules::Context;

/// Problems between documents, shown wherever they are reported.
const ACROSS_FILES: &[&str] = &["duplicate-name", "stack-count"];
/// A manifest of the set that cannot be read: its documents are missing from the set.
const UNREADABLE: &[&str] = &["yaml", "io", "file", "empty"];

/// A validation of the paths given, in the context of the stack they belong to.
#[derive(Debug)]
pub struct Scoped {
    pub validation: Validation,
    /// The Stack file found by searching, when the paths given held none.
    pub stack_file: Option<PathBuf>,
    /// The directory read as the manifest set, when a Stack was found by searching.
    pub stack_dir: Option<PathBuf>,
    /// Problems in the stack's other files, left out of `validation.diagnostics`.
    pub not_shown: usize,
}

/// Validates `paths`; when they hold no Stack, in the context of the nearest one.
pub fn validate(paths: &[PathBuf], ctx: &Context) -> Scoped {
    let given = super::validate(paths, ctx);
    let unscoped = |validation| Scoped {
        validation,
        stack_file: None,
        stack_dir: None,
        not_shown: 0,
    };
    let has_stack =
        !given.set.stacks.is_empty() || given.set.rejected.iter().any(|(k, _)| k == "Stack");
    if has_stack || given.set.files.is_empty() {
        return unscoped(given);
    }
    let given_files: HashSet<PathBuf> = given.set.files.iter().map(|f| canonical(f)).collect();
    let mut found: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| nearest_stack(p, &given_files))
        .collect();
    found.sort();
    found.dedup();
    match found.as_slice() {
        [] => {
            let mut given = given;
            for d in &mut given.diagnostics {
                if d.code == "stack-count" && d.message.starts_with("no Stack document") {
                    d.help = Some(format!(
                        "{}; none was found in the directories of the paths given or above them, up to the git repository's top (outside a repository, only the path's own directory is searched)",
                        d.help.as_deref().unwrap_or_default()
                    ));
                }
            }
            unscoped(given)
        }
        [stack] => in_stack(paths, stack, &given, &given_files, ctx),
        many => {
            let mut given = given;
            given.diagnostics.retain(|d| {
                !(d.code == "stack-count" && d.message.starts_with("no Stack document"))
            });
            let shown: Vec<String> = many.iter().map(|p| format!("`{}`", p.display())).collect();
            given.diagnostics.insert(
                0,
                Diagnostic::error(
                    "stack-count",
                    &paths[0],
                    Pos::default(),
                    format!(
                        "the paths given belong to different stacks: {}",
                        shown.join(", ")
                    ),
                )
                .with_help("validate each stack's files in a run of their own"),
            );
            unscoped(given)
        }
    }
}

/// Validates the stack's directory and keeps the problems of the files given.
fn in_stack(
    paths: &[PathBuf],
    stack: &Path,
    given: &Validation,
    given_files: &HashSet<PathBuf>,
    ctx: &Context,
) -> Scoped {
    let dir = shown(stack.parent().unwrap_or(Path::new("/")), paths);
    let mut read = vec![dir.clone()];
    // A file given in a hidden directory is not discovered from the stack's directory.
    let mut v = super::validate(&read, ctx);
    let discovered: HashSet<PathBuf> = v.set.files.iter().map(|f| canonical(f)).collect();
    let missing: Vec<PathBuf> = given
        .set
        .files
        .iter()
        .filter(|f| !discovered.contains(&canonical(f)))
        .cloned()
        .collect();
    if !missing.is_empty() {
        read.extend(missing);
        v = super::validate(&read, ctx);
    }
    // The scripts the given commands name: their problems are the given files' problems.
    let scripts: HashSet<PathBuf> = v
        .set
        .commands
        .iter()
        .filter(|c| given_files.contains(&canonical(&c.file)))
        .filter_map(|c| {
            let rel = c.doc.spec.content_file.as_ref()?;
            Some(canonical(&c.dir().join(rel)))
        })
        .collect();
    let manifests: HashSet<PathBuf> = v.set.files.iter().map(|f| canonical(f)).collect();
    // Files given are shown as they were written on the command line.
    let as_given: HashMap<PathBuf, PathBuf> = given
        .set
        .files
        .iter()
        .map(|f| (canonical(f), f.clone()))
        .collect();
    let before = v.diagnostics.len();
    v.diagnostics.retain(|d| {
        let f = canonical(&d.file);
        given_files.contains(&f)
            || scripts.contains(&f)
            || ACROSS_FILES.contains(&d.code)
            || (UNREADABLE.contains(&d.code) && manifests.contains(&f))
    });
    let not_shown = before - v.diagnostics.len();
    for d in &mut v.diagnostics {
        if let Some(written) = as_given.get(&canonical(&d.file)) {
            d.file = written.clone();
        }
    }
    v.diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
    Scoped {
        validation: v,
        stack_file: Some(dir.join(stack.file_name().unwrap_or_default())),
        stack_dir: Some(dir),
        not_shown,
    }
}

/// The canonical path of the nearest Stack file for `path`, if any.
fn nearest_stack(path: &Path, given: &HashSet<PathBuf>) -> Option<PathBuf> {
    let start = if path.is_dir() {
        path
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    let start = fs::canonicalize(start).ok()?;
    let stop = confine::repository_root(&start).unwrap_or_else(|| start.clone());
    for dir in start.ancestors() {
        if let Some(stack) = stack_in(dir, given) {
            return Some(stack);
        }
        if dir == stop {
            break;
        }
    }
    None
}

/// The first manifest file directly in `dir` (by name) holding a Stack document.
fn stack_in(dir: &Path, given: &HashSet<PathBuf>) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
                && p.is_file()
        })
        .collect();
    files.sort();
    files.into_iter().find(|f| {
        if given.contains(&canonical(f)) {
            return false;
        }
        // Unrelated YAML (a workflow, a compose file) that fails to parse is simply not
        // the Stack; its problems are no concern of this validation.
        let mut ignored = Vec::new();
        load::load_file(f, &mut ignored)
            .iter()
            .any(|d| d.value["apiVersion"] == "assistctl/v1" && d.value["kind"] == "Stack")
    })
}

/// `dir` as messages show it: relative to the working directory when it is there and
/// the paths given were relative, else absolute.
fn shown(dir: &Path, paths: &[PathBuf]) -> PathBuf {
    let relative = paths.iter().all(|p| p.is_relative());
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| fs::canonicalize(c).ok());
    match cwd.as_deref().and_then(|c| dir.strip_prefix(c).ok()) {
        Some(rel) if relative && rel.as_os_str().is_empty() => PathBuf::from("."),
        Some(rel) if relative => rel.to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

fn canonical(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
