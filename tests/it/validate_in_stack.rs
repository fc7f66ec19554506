//! `assistctl validate` given some files of a stack (a pre-commit hook's changed files)
//! finds the nearest Stack above them and checks them in its context; the pre-commit
//! hook of docs/manifest-reference.md is run as written, by a real `git commit`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Fixture, text};

const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: ops }\nspec:\n  region: cn-hangzhou\n";

const BACKUP: &str = "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: backup }\nspec:\n  type: shell\n  timeout: 30\n  content: echo backup\n";

fn invocation(command: &str) -> String {
    format!(
        "apiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: nightly }}\nspec:\n  command: {command}\n  targets: {{ instanceIds: [i-abc] }}\n  schedule: {{ cron: \"0 0 2 ? * *\", timezone: Asia/Shanghai }}\n"
    )
}

/// A repository whose manifests are in `manifests/`: the Stack at the top of it, a
/// command and an invocation in subdirectories, and YAML that is not a manifest at the
/// repository's top.
fn repo() -> Fixture {
    let f = Fixture::new();
    std::fs::create_dir(f.path().join(".git")).unwrap();
    f.write("compose.yaml", "services: { web: { image: nginx } }\n");
    f.write("manifests/stack.yaml", STACK);
    f.write("manifests/commands/backup.yaml", BACKUP);
    f.write("manifests/invocations/nightly.yaml", invocation("backup"));
    f
}

fn validate(dir: &Path, args: &[&str]) -> Output {
    common::bin()
        .current_dir(dir)
        .arg("validate")
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

#[test]
fn one_file_is_checked_with_the_nearest_stack_above_it() {
    let f = repo();
    let out = validate(
        f.path(),
        &["--strict", "manifests/invocations/nightly.yaml"],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("note: the paths given hold no Stack: checked with the Stack in manifests/stack.yaml and the manifests under manifests, problems shown for the paths given"),
        "{t}"
    );
    // Without the search the same file fails for want of a Stack, as before.
    let alone = Fixture::new();
    alone.write("nightly.yaml", invocation("backup"));
    let out = validate(alone.path(), &["nightly.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = json(&validate(
        alone.path(),
        &["--format", "json", "nightly.yaml"],
    ));
    let help = r["diagnostics"][0]["help"].as_str().unwrap_or_default();
    assert!(
        help.contains("none was found in the directories of the paths given"),
        "{r}"
    );
}

#[test]
fn problems_of_the_file_given_are_located_and_other_files_problems_only_counted() {
    let f = repo();
    // A typo in the changed file, and an unrelated problem in another file of the stack.
    f.write("manifests/invocations/nightly.yaml", invocation("backpu"));
    f.write(
        "manifests/commands/other.yaml",
        "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: other }\nspec:\n  type: shell\n  content: echo {{x}}\n",
    );
    let out = validate(f.path(), &["manifests/invocations/nightly.yaml"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("manifests/invocations/nightly.yaml:5:12: spec.command"),
        "located in the file as given: {t}"
    );
    assert!(t.contains("did you mean `backup`?"), "{t}");
    assert!(!t.contains("other.yaml"), "{t}");
    assert!(
        t.contains(
            "1 problem in its other files not shown (`assistctl validate manifests` shows them)"
        ),
        "{t}"
    );
    let r = json(&validate(
        f.path(),
        &["--format", "json", "manifests/invocations/nightly.yaml"],
    ));
    assert_eq!(r["errors"], 1, "{r}");
    assert_eq!(r["stack"]["file"], "manifests/stack.yaml", "{r}");
    assert_eq!(r["stack"]["directory"], "manifests", "{r}");
    assert_eq!(r["stack"]["notShown"], 1, "{r}");
    // The other file's problem alone does not fail a run on the file given.
    f.write("manifests/invocations/nightly.yaml", invocation("backup"));
    let out = validate(f.path(), &["manifests/invocations/nightly.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_duplicate_the_file_given_makes_is_shown_wherever_it_is_reported() {
    let f = repo();
    // `a-copy.yaml` sorts before `backup.yaml`, so the duplicate is reported at the latter.
    f.write("manifests/commands/a-copy.yaml", BACKUP);
    let out = validate(f.path(), &["manifests/commands/a-copy.yaml"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("error[duplicate-name]") && t.contains("a second Command named `backup`"),
        "{t}"
    );
}

#[test]
fn files_of_two_stacks_are_refused_together() {
    let f = repo();
    f.write("other/stack.yaml", STACK.replace("ops", "other"));
    f.write("other/backup.yaml", BACKUP);
    let out = validate(
        f.path(),
        &["manifests/commands/backup.yaml", "other/backup.yaml"],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("the paths given belong to different stacks"),
        "{t}"
    );
}

/// The hook as docs/manifest-reference.md gives it.
fn documented_hook() -> String {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/manifest-reference.md"),
    )
    .unwrap();
    let at = doc
        .find("A git pre-commit hook that validates")
        .expect("the pre-commit section");
    let rest = &doc[at..];
    let start = rest.find("```sh\n").expect("its sh block") + "```sh\n".len();
    let end = rest[start..].find("```").unwrap();
    rest[start..start + end].to_string()
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_assistctl"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .env("PATH", path)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("run git")
}

#[test]
fn the_documented_pre_commit_hook_refuses_a_broken_change_and_lets_a_good_one_through() {
    let f = Fixture::new();
    let ok = |o: &Output| assert!(o.status.success(), "{}", text(o));
    ok(&git(f.path(), &["init", "-q"]));
    f.write("compose.yaml", "services: { web: { image: nginx } }\n");
    f.write("manifests/stack.yaml", STACK);
    f.write("manifests/commands/backup.yaml", BACKUP);
    let hook = f.write(".git/hooks/pre-commit", documented_hook());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    ok(&git(f.path(), &["add", "."]));
    ok(&git(f.path(), &["commit", "-q", "-m", "stack"]));

    // A change to one file: the hook validates just it, with the Stack above.
    f.write("manifests/invocations/nightly.yaml", invocation("backpu"));
    ok(&git(f.path(), &["add", "."]));
    let out = git(f.path(), &["commit", "-q", "-m", "nightly"]);
    let t = text(&out);
    assert!(!out.status.success(), "the broken change is refused: {t}");
    assert!(
        t.contains("manifests/invocations/nightly.yaml:5:12: spec.command"),
        "{t}"
    );
    f.write("manifests/invocations/nightly.yaml", invocation("backup"));
    ok(&git(f.path(), &["add", "."]));
    let out = git(f.path(), &["commit", "-q", "-m", "nightly"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("valid: 0 errors, 0 warnings"),
        "the hook ran: {t}"
    );
}
