//! `contentFile` stays inside the manifest tree: escapes, absolute paths, symlinks out,
//! hidden entries, directories and special files are refused with a located error, and
//! the refused file's content never appears in any output, the plan comment included.

use crate::common;

use std::path::Path;

use common::emu::Emu;
use common::{Fixture, STACK, bin, text};
use serde_json::Value;

const CMD_HEAD: &str = "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: c1 }\nspec:\n";
/// Written into every file that must not be read; no output may contain it.
const MARKER: &str = "MARKER-d41d8cd9-outside-the-tree";

/// Asserts an error `content-file` at `file:6:16` (the value of `contentFile` in a
/// command written with [`CMD_HEAD`]) whose message contains `needle` and whose help
/// says what is allowed; returns the report's text.
#[track_caller]
fn refused(report: &Value, file: &str, needle: &str) -> String {
    let diags = report["diagnostics"].as_array().expect("diagnostics");
    let all = serde_json::to_string_pretty(diags).unwrap();
    let found = diags.iter().any(|d| {
        d["severity"] == "error"
            && d["code"] == "content-file"
            && d["file"].as_str().unwrap_or("").ends_with(file)
            && d["line"] == 6
            && d["column"] == 16
            && d["path"] == "spec.contentFile"
            && d["message"].as_str().unwrap_or("").contains(needle)
            && d["help"]
                .as_str()
                .unwrap_or("")
                .contains("relative to this manifest")
    });
    assert!(
        found,
        "expected content-file at {file}:6:16 containing {needle:?}; got:\n{all}"
    );
    assert_eq!(report["valid"], false);
    assert!(!all.contains(MARKER), "the refused file was read:\n{all}");
    all
}

fn command_file(f: &Fixture, rel: &str, content_file: &str) {
    f.write(
        rel,
        format!("{CMD_HEAD}  type: shell\n  contentFile: '{content_file}'\n"),
    );
}

/// A fixture whose `main.yaml` names `content_file`, and a directory beside it (outside
/// the tree) holding `secret.sh` with the marker.
fn escaping(content_file: impl Fn(&Path) -> String) -> (Fixture, tempfile::TempDir) {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.sh"), format!("echo {MARKER}\n")).unwrap();
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    command_file(&f, "main.yaml", &content_file(outside.path()));
    (f, outside)
}

/// `validate --format json DIR`: the report and the process output.
fn validate_json(dir: &Path) -> (Value, std::process::Output) {
    let out = bin()
        .args(["validate", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    (report, out)
}

fn dir_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn dot_dot_escape_is_refused() {
    let (f, _outside) = escaping(|o| format!("../{}/secret.sh", dir_name(o)));
    let t = refused(&f.report(), "main.yaml", "leads outside the manifest tree");
    assert!(
        t.contains(&f.path().canonicalize().unwrap().display().to_string()),
        "{t}"
    );
    // Deep enough to reach / from anywhere: refused without asking whether it exists.
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    command_file(&f, "main.yaml", &format!("{}etc/passwd", "../".repeat(40)));
    refused(&f.report(), "main.yaml", "leads outside the manifest tree");
}

#[test]
fn absolute_path_is_refused() {
    let (f, _outside) = escaping(|o| o.join("secret.sh").display().to_string());
    refused(&f.report(), "main.yaml", "is an absolute path");
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    command_file(&f, "main.yaml", "/dev/null");
    refused(&f.report(), "main.yaml", "`/dev/null` is an absolute path");
}

#[cfg(unix)]
#[test]
fn symlink_inside_the_tree_pointing_outside_is_refused() {
    let (f, outside) = escaping(|_| "scripts/link.sh".to_string());
    std::fs::create_dir_all(f.path().join("scripts")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.sh"),
        f.path().join("scripts/link.sh"),
    )
    .unwrap();
    refused(&f.report(), "main.yaml", "resolves through a symlink");
    // A symlinked directory leads out just the same.
    let (f, outside) = escaping(|_| "linked/secret.sh".to_string());
    std::os::unix::fs::symlink(outside.path(), f.path().join("linked")).unwrap();
    refused(&f.report(), "main.yaml", "resolves through a symlink");
    // And a symlink to a device.
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    command_file(&f, "main.yaml", "null.sh");
    std::os::unix::fs::symlink("/dev/null", f.path().join("null.sh")).unwrap();
    refused(
        &f.report(),
        "main.yaml",
        "resolves through a symlink to `/dev/null`",
    );
}

#[test]
fn a_directory_is_refused() {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    f.write("scripts/a.sh", "echo a\n");
    command_file(&f, "main.yaml", "scripts");
    refused(&f.report(), "main.yaml", "`scripts` is a directory");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    command_file(&f, "main.yaml", "pipe.sh");
    let made = std::process::Command::new("mkfifo")
        .arg(f.path().join("pipe.sh"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    // Opening a FIFO for reading blocks until a writer comes: a hang here is the bug.
    refused(
        &f.report(),
        "main.yaml",
        "`pipe.sh` is not a regular file (it is a named pipe (FIFO))",
    );
}

#[test]
fn hidden_entries_of_the_repository_are_refused() {
    // A repository: the tree widens to its root, but `.git/` (where a CI checkout keeps
    // its credentials) stays out.
    let f = Fixture::new();
    f.write(".git/config", format!("[http]\n\textraheader = {MARKER}\n"));
    f.write("shared/scripts/ok.sh", "echo shared\n");
    f.write("manifests/stack.yaml", STACK);
    command_file(&f, "manifests/main.yaml", "../.git/config");
    let (report, out) = validate_json(&f.path().join("manifests"));
    refused(&report, "manifests/main.yaml", "hidden entry `.git`");
    assert!(!text(&out).contains(MARKER));
}

#[test]
fn nested_relative_paths_inside_the_tree_work() {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    f.write("scripts/deep/ok.sh", "echo ok\n");
    command_file(&f, "commands/app/main.yaml", "../../scripts/./deep/ok.sh");
    let r = f.report();
    assert_eq!(r["valid"], true, "{r:#}");
    assert_eq!(r["diagnostics"].as_array().unwrap().len(), 0, "{r:#}");

    // In a repository, a manifest directory given alone may use scripts elsewhere in it.
    let f = Fixture::new();
    f.write(".git/HEAD", "ref: refs/heads/main\n");
    f.write("shared/ok.sh", "echo shared\n");
    f.write("manifests/stack.yaml", STACK);
    command_file(&f, "manifests/main.yaml", "../shared/ok.sh");
    let (report, out) = validate_json(&f.path().join("manifests"));
    assert_eq!(report["valid"], true, "{report:#}");
    assert_eq!(out.status.code(), Some(0));

    // Without a repository, the directory given is the tree.
    let f = Fixture::new();
    f.write("shared/ok.sh", "echo shared\n");
    f.write("manifests/stack.yaml", STACK);
    command_file(&f, "manifests/main.yaml", "../shared/ok.sh");
    let (report, _) = validate_json(&f.path().join("manifests"));
    refused(
        &report,
        "manifests/main.yaml",
        "leads outside the manifest tree",
    );
}

#[test]
fn plan_comment_never_shows_an_escaping_file() {
    let emu = Emu::start(&[]);
    let (f, outside) = escaping(|o| format!("../{}/secret.sh", dir_name(o)));
    // A second command reaching the same file through a symlink.
    f.write(
        "more.yaml",
        "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: c2 }\nspec:\n  type: shell\n  contentFile: link.sh\n",
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path().join("secret.sh"), f.path().join("link.sh")).unwrap();
    for format in ["markdown", "text", "json"] {
        let out = emu.run(&f, &["plan", "--format", format, "."]);
        let t = text(&out);
        assert_ne!(out.status.code(), Some(0), "{format}: {t}");
        assert_ne!(out.status.code(), Some(2), "{format}: {t}");
        assert!(t.contains("contentFile"), "{format}: {t}");
        assert!(!t.contains(MARKER), "{format} plan shows the file:\n{t}");
    }
}
