//! The shipped examples and every YAML example in the docs are valid, and an
//! independent JSON Schema validator (check-jsonschema from PyPI) agrees on the schema.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            matches!(
                e.path().extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml")
            )
        })
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn examples_validate_strictly() {
    let out = common::bin()
        .args(["validate", "--strict"])
        .arg(root().join("examples/commands"))
        .output()
        .unwrap();
    let t = common::text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("valid: 0 errors, 0 warnings"), "{t}");
}

#[test]
fn examples_use_every_type_and_schedule_kind() {
    let mut all = String::new();
    for e in walkdir::WalkDir::new(root().join("examples/commands"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.file_type().is_file() {
            all.push_str(&std::fs::read_to_string(e.path()).unwrap());
        }
    }
    // `once` is the default: some Invocation says it or leaves the schedule out.
    let once = all.split("\n---").any(|doc| {
        doc.contains("kind: Invocation")
            && (doc.contains("schedule: once") || !doc.contains("schedule:"))
    });
    assert!(once, "no example invocation runs once");
    for needle in [
        "type: shell",
        "type: python",
        "type: perl",
        "type: bat",
        "type: powershell",
        "schedule: nextBoot",
        "schedule: everyBoot",
        "rate:",
        "at:",
        "cron:",
        "timezone:",
        "fromEnv:",
        "{{ACS::",
        "resourceGroupId:",
        "mi-",
        "tags:",
    ] {
        let found = all.contains(needle);
        assert!(found, "no example uses `{needle}`");
    }
}

#[test]
fn check_jsonschema_accepts_every_example_document() {
    let py = common::pyvenv::python();
    let tmp = tempfile::tempdir().unwrap();
    let files = yaml_files(&root().join("examples/commands"));
    let out = Command::new(&py)
        .arg(root().join("tests/py/split_yaml_docs.py"))
        .arg(tmp.path())
        .args(&files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::text(&out));
    let count: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(
        count >= 9,
        "expected a Stack and at least eight documents, got {count}"
    );
    let docs: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let checker = py.parent().unwrap().join("check-jsonschema");
    let out = Command::new(checker)
        .arg("--schemafile")
        .arg(root().join("schema/assistctl.schema.json"))
        .args(&docs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check-jsonschema rejected an example:\n{}",
        common::text(&out)
    );
    // And it is not a validator that accepts anything: a misspelt field fails.
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, r#"{"apiVersion":"assistctl/v1","kind":"Command","metadata":{"name":"x"},"spec":{"type":"shell","content":"echo","timout":5}}"#).unwrap();
    let out = Command::new(py.parent().unwrap().join("check-jsonschema"))
        .arg("--schemafile")
        .arg(root().join("schema/assistctl.schema.json"))
        .arg(&bad)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "check-jsonschema accepted a misspelt field"
    );
}

/// Every ```yaml block in README.md and docs/*.md is a complete manifest set that
/// validates; blocks meant as fragments are fenced ```yaml fragment.
#[test]
fn yaml_examples_in_the_docs_validate() {
    let mut docs = vec![root().join("README.md")];
    if let Ok(rd) = std::fs::read_dir(root().join("docs")) {
        docs.extend(
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md")),
        );
    }
    let mut checked = 0;
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap();
        let mut lines = text.lines().enumerate();
        while let Some((n, line)) = lines.next() {
            if line.trim() != "```yaml" {
                continue;
            }
            let block: Vec<&str> = lines
                .by_ref()
                .map(|(_, l)| l)
                .take_while(|l| l.trim() != "```")
                .collect();
            let f = common::Fixture::new();
            f.write("example.yaml", block.join("\n"));
            // Scripts named by contentFile resolve against a copy of examples/commands/scripts.
            copy_dir(
                &root().join("examples/commands/scripts"),
                &f.path().join("scripts"),
            );
            let out = f.validate(&[]);
            assert!(
                out.status.success(),
                "{}:{}: example does not validate:\n{}",
                doc.display(),
                n + 1,
                common::text(&out)
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no yaml examples found in the docs");
}

fn copy_dir(from: &Path, to: &Path) {
    let Ok(rd) = std::fs::read_dir(from) else {
        return;
    };
    std::fs::create_dir_all(to).unwrap();
    for e in rd.filter_map(Result::ok) {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
