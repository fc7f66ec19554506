//! validate parses and checks files on every core (rayon): its output does not depend on
//! how many threads there are or how the work is split among them. A set of many files,
//! with problems of every stage (YAML, schema, rules within a document, rules across
//! documents: duplicates, unknown commands; warnings), gives byte-identical text and JSON
//! with one thread and with many, and the diagnostics are in file, line, column order.

use crate::common::{self, Fixture};

fn set() -> Fixture {
    let f = Fixture::new();
    f.write("stack.yaml", common::STACK);
    for i in 0..60 {
        let mut text = format!(
            "apiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: cmd-{i} }}\nspec:\n  type: shell\n  timeout: 60\n  content: |\n    echo {{{{who}}}}\n  parameters:\n    who: {{ default: x }}\n"
        );
        match i % 6 {
            // A second Command of a name another file holds (a duplicate across files).
            0 => text = text.replace(&format!("cmd-{i} "), "cmd-1 "),
            // An unknown field.
            1 => text.push_str("  timout: 5\n"),
            // A timeout the service raises: a warning.
            2 => text = text.replace("timeout: 60", "timeout: 3"),
            // A parameter used but not declared.
            3 => text = text.replace("echo {{who}}", "echo {{who}} {{what}}"),
            _ => {}
        }
        let sched = if i % 4 == 0 {
            "*/5 * * * * ?"
        } else {
            "0 0 2 ? * *"
        };
        text.push_str(&format!(
            "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: inv-{} }}\nspec:\n  command: {}\n  targets: {{ instanceIds: [i-abc{i}] }}\n  schedule: {{ cron: \"{sched}\", timezone: Asia/Shanghai }}\n",
            i % 50,
            if i % 7 == 0 { "no-such-command".to_string() } else { format!("cmd-{i}") },
        ));
        f.write(&format!("d{}/m{i:03}.yaml", i % 5), text);
    }
    f.write("d9/broken.yaml", "apiVersion: assistctl/v1\nkind: [\n");
    f
}

/// validate's output with `threads` threads. The next fire time a cron's message shows
/// is computed from the clock, so it is masked.
fn validate(f: &Fixture, threads: &str, format: &str) -> (Option<i32>, String) {
    let out = common::bin()
        .env("RAYON_NUM_THREADS", threads)
        .args(["validate", "--format", format])
        .arg(f.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let time = regex::Regex::new(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").unwrap();
    (
        out.status.code(),
        time.replace_all(&text, "<time>").into_owned(),
    )
}

#[test]
fn output_is_the_same_with_one_thread_and_many() {
    let f = set();
    for format in ["text", "json"] {
        let (code, one) = validate(&f, "1", format);
        assert_eq!(code, Some(1));
        for threads in ["2", "7", "16"] {
            let (code, many) = validate(&f, threads, format);
            assert_eq!(code, Some(1));
            let first = one.lines().zip(many.lines()).position(|(a, b)| a != b);
            assert!(
                first.is_none() && one.len() == many.len(),
                "{format} with {threads} threads differs from one thread at line {first:?}"
            );
        }
    }
    let (_, json) = validate(&f, "4", "json");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let diags = report["diagnostics"].as_array().expect("diagnostics");
    let codes: std::collections::BTreeSet<&str> =
        diags.iter().filter_map(|d| d["code"].as_str()).collect();
    for code in [
        "yaml",
        "unknown-field",
        "duplicate-name",
        "unknown-command",
        "schedule",
    ] {
        assert!(codes.contains(code), "no {code} diagnostic: {codes:?}");
    }
    let keys: Vec<(String, u64, u64)> = diags
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        keys, sorted,
        "diagnostics are not in file, line, column order"
    );
    // Every second `cmd-1` names the first one (d0/m000.yaml, first in path order),
    // whichever thread checked which.
    let dups: Vec<&serde_json::Value> = diags
        .iter()
        .filter(|d| {
            d["code"] == "duplicate-name" && d["message"].as_str().unwrap().contains("Command")
        })
        .collect();
    assert_eq!(dups.len(), 9, "{dups:?}");
    for d in dups {
        assert!(
            d["help"].as_str().unwrap().ends_with("/d0/m000.yaml:3"),
            "{d}"
        );
    }
}
