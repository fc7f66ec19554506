//! Where a `contentFile` may point: inside the manifest tree, never anywhere else on
//! the machine.
//!
//! The script a `contentFile` names is sent to the cloud and printed in the plan, which
//! CI posts as a pull-request comment. A path such as `../../../etc/shadow`, an absolute
//! path, or a symlink planted in the tree would otherwise publish any file the CI job
//! can read (its OIDC token, `.git/config` with the checkout's credentials). So the
//! path is checked before the file is opened, and a refused file is never read.
//!
//! The tree is, for each path given on the command line, the directory it names (for a
//! file, the directory holding it), widened to the git repository that holds it, if
//! any (the nearest ancestor with a `.git` entry), so scripts shared between manifest
//! directories of one repository stay usable. Inside it, hidden entries (a name
//! starting with `.`) are not part of the tree, as in manifest discovery: that keeps out
//! `.git/` of the repository and, for a repository at the home directory, `~/.ssh` and
//! `~/.aws`.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The canonical roots of the manifest tree, one per path given.
#[derive(Debug, Clone, Default)]
pub struct Roots(Vec<PathBuf>);

impl Roots {
    /// The roots for the paths given on the command line; a path that does not exist
    /// adds no root (discovery reports it).
    pub fn of(paths: &[PathBuf]) -> Roots {
        let mut roots: Vec<PathBuf> = paths
            .iter()
            .filter_map(|p| {
                let canonical = fs::canonicalize(p).ok()?;
                let dir = if canonical.is_dir() {
                    canonical
                } else {
                    canonical.parent()?.to_path_buf()
                };
                Some(repository_root(&dir).unwrap_or(dir))
            })
            .collect();
        roots.sort();
        roots.dedup();
        Roots(roots)
    }

    /// The roots as shown in messages.
    pub fn describe(&self) -> String {
        match self.0.as_slice() {
            [] => "the manifest tree".to_string(),
            [one] => format!("`{}`", one.display()),
            many => many
                .iter()
                .map(|r| format!("`{}`", r.display()))
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    /// The root `path` (absolute, without `..`) lies in, and its path relative to it.
    fn containing<'a>(&'a self, path: &'a Path) -> Option<(&'a Path, &'a Path)> {
        self.0
            .iter()
            .find_map(|r| path.strip_prefix(r).ok().map(|rel| (r.as_path(), rel)))
    }
}

/// The nearest ancestor of `dir` (itself included) with a `.git` entry (a directory, or
/// the file of a worktree or submodule).
pub(crate) fn repository_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|a| fs::symlink_metadata(a.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// Why a `contentFile` was refused. None of them has read the file.
#[derive(Debug)]
pub enum Refusal {
    Absolute,
    /// Lexically, or once symlinks are resolved, outside every root; `resolved` is the
    /// symlink's target when a symlink led out.
    Outside {
        resolved: Option<PathBuf>,
    },
    /// Through a hidden entry of the tree (`.git`, `.ssh`, ...).
    Hidden {
        entry: String,
    },
    Missing,
    Directory,
    NotRegular {
        kind: &'static str,
    },
    Unreadable(io::Error),
}

/// A `contentFile` accepted: the canonical path to open, and the identity of the
/// regular file checked, so the file opened can be proven to be the file checked.
#[derive(Debug)]
pub struct Allowed {
    pub canonical: PathBuf,
    pub metadata: fs::Metadata,
}

/// Checks `rel`, written in a manifest in `dir`, against the roots, touching the file
/// system only with `canonicalize` and `stat`: nothing is opened.
pub fn check(roots: &Roots, dir: &Path, rel: &str) -> Result<Allowed, Refusal> {
    let written = Path::new(rel);
    if written.has_root() || written.is_absolute() {
        return Err(Refusal::Absolute);
    }
    // Lexically first, so `../../etc/shadow` is refused without even asking whether it
    // exists: whether a file outside the tree exists is not for the manifest to learn.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let base = fs::canonicalize(dir).map_err(|_| Refusal::Missing)?;
    let lexical = normalize(&base.join(written)).ok_or(Refusal::Outside { resolved: None })?;
    let (_, rel_lexical) = roots
        .containing(&lexical)
        .ok_or(Refusal::Outside { resolved: None })?;
    hidden(rel_lexical)?;
    let canonical = match fs::canonicalize(&lexical) {
        Ok(c) => c,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Refusal::Missing),
        Err(e) => return Err(Refusal::Unreadable(e)),
    };
    let Some((_, rel_canonical)) = roots.containing(&canonical) else {
        return Err(Refusal::Outside {
            resolved: Some(canonical),
        });
    };
    hidden(rel_canonical)?;
    let metadata = fs::metadata(&canonical).map_err(Refusal::Unreadable)?;
    let ty = metadata.file_type();
    if ty.is_dir() {
        return Err(Refusal::Directory);
    }
    if !ty.is_file() {
        return Err(Refusal::NotRegular { kind: kind(&ty) });
    }
    Ok(Allowed {
        canonical,
        metadata,
    })
}

/// Whether the file opened is the one `check` accepted: a regular file with the same
/// device and inode, so a swap between the check and the open is caught.
pub fn same_file(checked: &fs::Metadata, opened: &fs::Metadata) -> bool {
    if !opened.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        checked.dev() == opened.dev() && checked.ino() == opened.ino()
    }
    #[cfg(not(unix))]
    {
        checked.len() == opened.len()
    }
}

fn hidden(rel: &Path) -> Result<(), Refusal> {
    match rel.components().find_map(|c| match c {
        Component::Normal(n) if n.to_string_lossy().starts_with('.') => {
            Some(n.to_string_lossy().into_owned())
        }
        _ => None,
    }) {
        Some(entry) => Err(Refusal::Hidden { entry }),
        None => Ok(()),
    }
}

/// `path` with `.` and `..` resolved lexically; None when `..` climbs above the root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

fn kind(ty: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if ty.is_socket() {
            return "a socket";
        }
        if ty.is_char_device() {
            return "a character device";
        }
        if ty.is_block_device() {
            return "a block device";
        }
    }
    let _ = ty;
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_normalisation() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")).unwrap(),
            Path::new("/a/c/d")
        );
        assert!(normalize(Path::new("/a/../..")).is_none());
    }

    #[test]
    fn inside_outside_hidden_and_directories() {
        let t = tempfile::tempdir().unwrap();
        let tree = t.path().join("tree");
        fs::create_dir_all(tree.join("scripts/sub")).unwrap();
        fs::create_dir_all(tree.join(".hidden")).unwrap();
        fs::write(tree.join("scripts/sub/a.sh"), "echo").unwrap();
        fs::write(tree.join(".hidden/a.sh"), "echo").unwrap();
        fs::write(t.path().join("outside.sh"), "secret").unwrap();
        let roots = Roots::of(std::slice::from_ref(&tree));
        assert!(check(&roots, &tree, "scripts/sub/a.sh").is_ok());
        assert!(check(&roots, &tree.join("scripts"), "sub/../sub/a.sh").is_ok());
        assert!(matches!(
            check(&roots, &tree, "../outside.sh"),
            Err(Refusal::Outside { resolved: None })
        ));
        assert!(matches!(
            check(&roots, &tree, "/etc/passwd"),
            Err(Refusal::Absolute)
        ));
        assert!(matches!(
            check(&roots, &tree, ".hidden/a.sh"),
            Err(Refusal::Hidden { .. })
        ));
        assert!(matches!(
            check(&roots, &tree, "scripts"),
            Err(Refusal::Directory)
        ));
        assert!(matches!(
            check(&roots, &tree, "scripts/nope.sh"),
            Err(Refusal::Missing)
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(t.path().join("outside.sh"), tree.join("link.sh")).unwrap();
            assert!(matches!(
                check(&roots, &tree, "link.sh"),
                Err(Refusal::Outside { resolved: Some(_) })
            ));
        }
    }

    #[test]
    fn a_repository_widens_the_tree() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("repo");
        fs::create_dir_all(repo.join(".git")).unwrap();
        fs::create_dir_all(repo.join("manifests")).unwrap();
        fs::create_dir_all(repo.join("shared")).unwrap();
        fs::write(repo.join("shared/a.sh"), "echo").unwrap();
        fs::write(repo.join(".git/config"), "token").unwrap();
        let roots = Roots::of(&[repo.join("manifests")]);
        let dir = repo.join("manifests");
        assert!(check(&roots, &dir, "../shared/a.sh").is_ok());
        assert!(matches!(
            check(&roots, &dir, "../.git/config"),
            Err(Refusal::Hidden { .. })
        ));
    }
}
