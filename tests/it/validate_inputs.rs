//! Bad input of every sort gives a clear, located error and exit code 1, never a panic.

use crate::common;

use common::{Fixture, STACK, text};

#[track_caller]
fn fails_with(f: &Fixture, needles: &[&str]) -> String {
    let out = f.validate(&[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    for n in needles {
        assert!(t.contains(n), "missing {n:?} in:\n{t}");
    }
    t
}

#[test]
fn malformed_yaml_points_at_the_line() {
    let f =
        Fixture::with("apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: x\nspec: {}\n");
    fails_with(&f, &["error[yaml]", "main.yaml:", "invalid YAML"]);
}

#[test]
fn wrong_types_say_what_was_expected() {
    let f = Fixture::with(
        "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: x }\nspec:\n  type: shell\n  content: [echo]\n  timeout: soon\n",
    );
    fails_with(
        &f,
        &[
            "main.yaml:6:12: spec.content: expected a string, found a list",
            "main.yaml:7:12: spec.timeout: expected an integer, found the string \"soon\"",
        ],
    );
}

#[test]
fn binary_file_is_refused() {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    f.write("blob.yaml", b"\x7fELF\x02\x01\x01\x00\x00\x00binary");
    fails_with(&f, &["blob.yaml:1:8", "manifest is binary"]);
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    f.write(
        "latin1.yaml",
        b"apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: caf\xe9 }\n",
    );
    fails_with(
        &f,
        &["latin1.yaml:3:22", "not valid UTF-8 (invalid byte 0xe9)"],
    );
}

#[test]
fn alias_bomb_fails_fast() {
    let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = (b'a' + (i - 1) as u8) as char;
        let cur = (b'a' + i as u8) as char;
        y.push_str(&format!("{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let f = Fixture::with(&y);
    let started = std::time::Instant::now();
    fails_with(&f, &["main.yaml", "error[yaml]"]);
    // Not a timing assertion on speed, a guard against an expansion that never ends.
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn fifty_megabyte_file_is_refused_by_size() {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    let big = f.path().join("huge.yaml");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(50 * 1024 * 1024).unwrap();
    fails_with(
        &f,
        &[
            "huge.yaml",
            "manifest is 52428800 bytes, over the 4194304 byte limit",
        ],
    );
}

#[test]
fn empty_file_is_reported() {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    f.write("empty.yaml", "");
    fails_with(&f, &["empty.yaml:1:1", "contains no YAML documents"]);
}

#[test]
fn unknown_kind_and_api_version() {
    let f = Fixture::with(
        "apiVersion: assistctl/v1\nkind: Comand\nmetadata: { name: x }\n---\napiVersion: assistctl/v2\nkind: Command\nmetadata: { name: y }\n",
    );
    fails_with(
        &f,
        &[
            "main.yaml:2:7: kind: unknown kind `Comand`",
            "did you mean `Command`?",
            "main.yaml:5:13: apiVersion: unsupported apiVersion \"assistctl/v2\"",
            "the only apiVersion is `assistctl/v1`",
        ],
    );
}

#[test]
fn unknown_field_suggests_the_right_one() {
    let f = Fixture::with(
        "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: x }\nspec:\n  type: shell\n  content: echo\n  timout: 30\n",
    );
    fails_with(
        &f,
        &[
            "main.yaml:7:3: spec.timout: unknown field `timout`",
            "did you mean `timeout`?",
        ],
    );
}

#[test]
fn missing_path_and_empty_directory() {
    let out = common::bin()
        .args(["validate", "/nonexistent/assistctl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("no such file or directory"),
        "{}",
        text(&out)
    );
    let f = Fixture::new();
    let t = fails_with(&f, &["no manifest files found"]);
    assert!(t.contains("*.yaml"));
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let f = Fixture::with(
        "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: x }\nspec:\n  type: shel\n  content: echo\n  timout: 30\n---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: { name: y }\nspec:\n  command: nope\n  targets: { instanceIds: [bad] }\n",
    );
    let t = fails_with(
        &f,
        &[
            "spec.type",
            "spec.timout",
            "spec.command",
            "spec.targets.instanceIds[0]",
        ],
    );
    assert!(t.contains("invalid: 4 errors"), "{t}");
}

#[test]
fn subcommands_have_help_and_completions_work() {
    for sub in ["validate", "schema", "completions"] {
        let out = common::bin().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: assistctl"),
            "{sub}"
        );
    }
    let out = common::bin()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("complete -F"));
}

#[test]
fn color_always_colours_and_no_color_does_not() {
    let f = Fixture::with("apiVersion: assistctl/v1\nkind: Comand\nmetadata: { name: x }\n");
    let out = common::bin()
        .args(["--color", "always", "validate"])
        .arg(f.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\u{1b}["),
        "ANSI codes with --color always"
    );
    let out = common::bin()
        .args(["validate"])
        .arg(f.path())
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("\u{1b}["),
        "none with NO_COLOR"
    );
}

/// A usage error exits 1, never 2 (which is "changes or drift" for `plan
/// --detailed-exitcode`) nor 0; help and version exit 0.
#[test]
fn usage_errors_exit_one() {
    for args in [
        &["plan", "--detailed-exitcode", "--no-such-flag"][..],
        &["apply", "--parallelism", "0"],
        &["no-such-command"],
    ] {
        let out = common::bin().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            common::text(&out)
        );
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    for args in [&["--help"][..], &["--version"], &["plan", "--help"]] {
        let out = common::bin().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}
