//! Every command the documentation shows in a ```sh block runs as written. The commands are
//! read from README.md and docs/*.md (never copied here): each one, in its document's order,
//! runs with `sh -c` in a directory holding a copy of `examples/` (and `manifests/`, the name
//! the CI pages use, pointing at `examples/commands`), with `assistctl` on PATH and
//! credentials for a test emulator in the environment, and must exit as the table below says.
//! A command added to the docs without an expectation here fails the test, so the docs cannot
//! show a command nothing runs.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::emu::Emu;
use common::text;

/// (document, the command as written) -> expected exit code. Commands that need a context a
/// test cannot give (running the whole test suite, the pre-commit hook's git plumbing, which
/// tests/it/validate_in_stack.rs runs as written) are listed with None.
const EXPECTED: &[(&str, &str, Option<i32>)] = &[
    // README's two main commands are run by tests/it/readme.rs (with their output checked).
    (
        "README.md",
        "MYSQL_MONITOR_PASSWORD=example-only cargo run --release -- apply --local --auto-approve examples/commands",
        None,
    ),
    (
        "README.md",
        "cargo run --release -- status --local --path examples/commands",
        None,
    ),
    ("README.md", "cargo test", None),
    ("docs/ci.md", "assistctl validate manifests/", Some(0)),
    (
        "docs/ci.md",
        "assistctl plan --format markdown manifests/ > plan.md",
        Some(0),
    ),
    (
        "docs/ci.md",
        "assistctl plan --out plan.json manifests/",
        Some(0),
    ),
    (
        "docs/ci.md",
        "assistctl apply --plan plan.json manifests/",
        Some(0),
    ),
    (
        "docs/ci.md",
        "assistctl apply --auto-approve manifests/",
        Some(0),
    ),
    (
        "docs/ci.md",
        "assistctl plan --detailed-exitcode manifests/",
        Some(0),
    ),
    (
        "docs/manifest-reference.md",
        "files=$(git diff --cached --name-only --diff-filter=ACMR -- 'manifests/*.yaml' 'manifests/*.yml')",
        None,
    ),
    (
        "docs/manifest-reference.md",
        "[ -n \"$files\" ] || exit 0",
        None,
    ),
    (
        "docs/manifest-reference.md",
        "exec assistctl validate --strict $files",
        None,
    ),
    (
        "docs/manifest-reference.md",
        "export MYSQL_MONITOR_PASSWORD='...'   # from your secret store",
        Some(0),
    ),
    (
        "docs/manifest-reference.md",
        "assistctl plan examples/commands",
        Some(0),
    ),
    (
        "docs/manifest-reference.md",
        "assistctl apply --auto-approve examples/commands   # without --auto-approve it asks on a terminal",
        Some(0),
    ),
    (
        "docs/plan-format.md",
        "assistctl plan --format json manifests/      # to standard output",
        Some(0),
    ),
    (
        "docs/plan-format.md",
        "assistctl plan --out plan.json manifests/    # saved, whatever --format shows",
        Some(0),
    ),
    (
        "docs/status-format.md",
        "assistctl status --local --path examples/commands --format json",
        Some(0),
    ),
    (
        "docs/status-format.md",
        "assistctl status backup-hosts-web-1 --local --path examples/commands --wait --timeout 300 --format json   # printed once, when the wait ends",
        Some(0),
    ),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The non-comment lines of every ```sh block of `doc`.
fn commands(doc: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(doc)).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("```") {
            inside = !inside && (line == "```sh" || line == "```bash");
            continue;
        }
        let l = line.trim();
        if inside && !l.is_empty() && !l.starts_with('#') {
            out.push(l.to_string());
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// `cmd` in `sh`, in `dir`, with `assistctl` on `path` and the emulator's credentials.
fn sh(cmd: &str, dir: &Path, path: &str, emu: &Emu) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .env("HOME", dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("MYSQL_MONITOR_PASSWORD", "example-only")
        .env("ALIBABA_CLOUD_ECS_ENDPOINT", &emu.endpoint)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", common::emu::AK)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", common::emu::SECRET)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .env_remove("ALIBABA_CLOUD_PROFILE")
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[test]
fn every_documented_command_runs_as_written() {
    let emu = Emu::start(&[]);
    let mut docs = vec!["README.md".to_string()];
    let mut md: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| format!("docs/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|n| n.ends_with(".md"))
        .collect();
    md.sort();
    docs.extend(md);
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_assistctl"),
        bin.path().join("assistctl"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for doc in &docs {
        // Each document is followed in a fresh directory, as a reader would.
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root().join("examples"), &dir.path().join("examples"));
        std::os::unix::fs::symlink("examples/commands", dir.path().join("manifests")).unwrap();
        if doc == "docs/status-format.md" {
            // The page reads the runs of an applied stack: apply it first, as README does.
            let out = sh(
                "assistctl apply --local --auto-approve examples/commands",
                dir.path(),
                &path,
                &emu,
            );
            assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        }
        for cmd in commands(doc) {
            let expected = EXPECTED
                .iter()
                .find(|(d, c, _)| d == doc && *c == cmd)
                .unwrap_or_else(|| {
                    panic!("{doc} shows `{cmd}`, which this test does not run: add it to EXPECTED")
                })
                .2;
            let Some(code) = expected else { continue };
            let out = sh(&cmd, dir.path(), &path, &emu);
            assert_eq!(
                out.status.code(),
                Some(code),
                "{doc}: `{cmd}`\n{}",
                text(&out)
            );
            ran += 1;
        }
        // What the commands said they wrote is there.
        if doc == "docs/ci.md" {
            let md = std::fs::read_to_string(dir.path().join("plan.md")).unwrap();
            assert!(md.starts_with("### assistctl plan for"), "{md}");
        }
        if doc == "docs/plan-format.md" {
            let saved = std::fs::read_to_string(dir.path().join("plan.json")).unwrap();
            let v: serde_json::Value = serde_json::from_str(&saved).unwrap();
            assert_eq!(v["formatVersion"], 2);
        }
    }
    assert!(ran >= 12, "only {ran} documented commands ran");
}

/// README's "A change" sample is the real plan of the change it describes (raising the
/// timeout of backup-app-data): every line it shows, but for the ids, is a line of that plan.
#[test]
fn readme_sample_plan_is_the_real_plan() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme.find("## A change").expect("the section")..];
    let start = section.find("```text\n").unwrap() + "```text\n".len();
    let sample = &section[start..start + section[start..].find("```").unwrap()];
    let emu = Emu::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples"), &dir.path().join("examples"));
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_assistctl"),
        bin.path().join("assistctl"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = sh(
        "assistctl apply --auto-approve examples/commands",
        dir.path(),
        &path,
        &emu,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let file = dir.path().join("examples/commands/backup-app-data.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    assert!(yaml.contains("timeout: 600"), "the example README edits");
    std::fs::write(&file, yaml.replacen("timeout: 600", "timeout: 900", 1)).unwrap();
    let out = sh("assistctl plan examples/commands", dir.path(), &path, &emu);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ids = regex::Regex::new(r"\b[ct]-[a-z0-9]{10,}\b").unwrap();
    let norm = |l: &str| ids.replace_all(l.trim(), "<id>").to_string();
    let real: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(norm)
        .collect();
    let mut shown = 0;
    for line in sample
        .lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && *l != "...")
    {
        assert!(
            real.contains(&norm(line)),
            "README shows {line:?}, which the real plan does not have:\n{}",
            real.join("\n")
        );
        shown += 1;
    }
    assert!(shown >= 10, "{sample}");
}
