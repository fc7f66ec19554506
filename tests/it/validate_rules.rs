//! One failing fixture per validation rule, asserting the located message through the
//! binary's JSON report (file, line, column, field path, message).

use crate::common;

use common::{Fixture, STACK};
use serde_json::Value;

const CMD_HEAD: &str = "apiVersion: assistctl/v1\nkind: Command\nmetadata: { name: c1 }\nspec:\n";

/// Asserts a diagnostic with `code` at `file:line:col` whose message contains `needle`.
#[track_caller]
fn expect(report: &Value, code: &str, file: &str, line: u64, col: u64, path: &str, needle: &str) {
    let diags = report["diagnostics"].as_array().expect("diagnostics");
    let found = diags.iter().any(|d| {
        d["code"] == code
            && d["file"].as_str().unwrap_or("").ends_with(file)
            && d["line"] == line
            && d["column"] == col
            && d["path"] == path
            && d["message"].as_str().unwrap_or("").contains(needle)
    });
    assert!(
        found,
        "expected {code} at {file}:{line}:{col} `{path}` containing {needle:?}; got:\n{}",
        serde_json::to_string_pretty(diags).unwrap()
    );
}

fn command(body: &str) -> Fixture {
    Fixture::with(&format!("{CMD_HEAD}{body}"))
}

#[test]
fn type_must_be_known() {
    let r = command("  type: ruby\n  content: echo hi\n").report();
    expect(
        &r,
        "invalid-value",
        "main.yaml",
        5,
        9,
        "spec.type",
        "`ruby` is not allowed",
    );
}

#[test]
fn working_dir_must_fit_the_os() {
    let r = command("  type: bat\n  content: echo hi\n  workingDir: /home\n").report();
    expect(
        &r,
        "working-dir",
        "main.yaml",
        7,
        15,
        "spec.workingDir",
        "not a Windows path",
    );
    let r = command("  type: shell\n  content: echo hi\n  workingDir: 'C:\\Windows'\n").report();
    expect(
        &r,
        "working-dir",
        "main.yaml",
        7,
        15,
        "spec.workingDir",
        "not an absolute Linux path",
    );
}

#[test]
fn script_header_of_the_other_os_warns() {
    let r = command("  type: bat\n  content: |\n    #!/bin/bash\n    echo hi\n").report();
    expect(
        &r,
        "type-os",
        "main.yaml",
        5,
        9,
        "spec.type",
        "Unix shebang",
    );
    assert_eq!(r["valid"], true, "a warning alone does not fail");
}

#[test]
fn content_over_18kb_says_by_how_much() {
    let f = command("  type: shell\n  contentFile: big.sh\n");
    f.write("big.sh", "#".repeat(14_000));
    let r = f.report();
    // 14,000 bytes encode to 18,668 Base64 bytes: 236 over 18,432.
    expect(
        &r,
        "content-too-large",
        "main.yaml",
        6,
        16,
        "spec.contentFile",
        "18668 bytes in Base64, 236 bytes over",
    );
}

#[test]
fn content_and_content_file_are_exclusive_and_one_is_required() {
    let r = command("  type: shell\n  content: echo\n  contentFile: a.sh\n").report();
    expect(
        &r,
        "content-source",
        "main.yaml",
        7,
        16,
        "spec.contentFile",
        "both",
    );
    let r = command("  type: shell\n").report();
    expect(&r, "content-source", "main.yaml", 5, 3, "spec", "no script");
}

#[test]
fn content_file_must_exist() {
    let r = command("  type: shell\n  contentFile: scripts/missing.sh\n").report();
    expect(
        &r,
        "content-file",
        "main.yaml",
        6,
        16,
        "spec.contentFile",
        "does not exist",
    );
}

#[test]
fn at_most_20_custom_parameters() {
    let mut body = String::from("  type: shell\n  content: |\n");
    let mut decl = String::from("  parameters:\n");
    for i in 0..21 {
        body.push_str(&format!("    echo {{{{p{i}}}}}\n"));
        decl.push_str(&format!("    p{i}: {{ default: x }}\n"));
    }
    let r = command(&format!("{body}{decl}")).report();
    expect(
        &r,
        "parameter-count",
        "main.yaml",
        29,
        5,
        "spec.parameters",
        "21 custom parameters",
    );
}

#[test]
fn parameter_names_follow_the_service_rules() {
    let r =
        command("  type: shell\n  content: echo {{a.b}}\n  parameters:\n    a.b: {}\n").report();
    expect(
        &r,
        "invalid-parameter-name",
        "main.yaml",
        8,
        5,
        "spec.parameters.a.b",
        "contains `.`",
    );
    expect(
        &r,
        "invalid-parameter-name",
        "main.yaml",
        6,
        17,
        "spec.content",
        "not a valid parameter name",
    );
}

#[test]
fn used_parameters_must_be_declared() {
    let r = command("  type: shell\n  content: |\n    echo ok\n    tar -cf x {{file}}\n").report();
    expect(
        &r,
        "undeclared-parameter",
        "main.yaml",
        8,
        15,
        "spec.content",
        "`file` is not declared",
    );
}

#[test]
fn declared_parameters_must_be_used() {
    let r =
        command("  type: shell\n  content: echo {{a}}\n  parameters:\n    a: {}\n    unused: {}\n")
            .report();
    expect(
        &r,
        "unused-parameter",
        "main.yaml",
        9,
        5,
        "spec.parameters.unused",
        "never uses {{unused}}",
    );
}

#[test]
fn parameter_names_are_case_insensitive() {
    let r = command("  type: shell\n  content: echo {{a}}\n  parameters:\n    A: {}\n    a: {}\n")
        .report();
    expect(
        &r,
        "duplicate-parameter",
        "main.yaml",
        9,
        5,
        "spec.parameters.a",
        "names are case-insensitive",
    );
}

#[test]
fn builtins_are_recognised_and_unknown_ones_rejected() {
    let r = command("  type: shell\n  content: |\n    echo {{ACS::InstanceId}} {{ACS::RegionId}} {{ACS::InvokeId}}\n    echo {{ACS::InstanceNmae}}\n").report();
    expect(
        &r,
        "unknown-builtin",
        "main.yaml",
        8,
        10,
        "spec.content",
        "`{{ACS::InstanceNmae}}` is not a built-in",
    );
    let diags = r["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "known built-ins are accepted: {diags:?}");
    assert!(
        diags[0]["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `ACS::InstanceName`?")
    );
}

/// Parameters are inferred off when the script has no custom or known built-in
/// placeholder; a mistyped built-in must not slip through because of that.
#[test]
fn an_unknown_builtin_alone_is_rejected_unless_parameters_are_switched_off() {
    let r = command("  type: shell\n  content: echo {{ACS::NoSuchThing}}\n").report();
    expect(
        &r,
        "unknown-builtin",
        "main.yaml",
        6,
        17,
        "spec.content",
        "`{{ACS::NoSuchThing}}` is not a built-in",
    );
    assert_eq!(r["errors"], 1, "{r}");
    let r = command("  type: shell\n  content: echo {{ACS::InstanceNme}}\n").report();
    let help = r["diagnostics"][0]["help"].as_str().unwrap_or_default();
    assert!(help.contains("did you mean `ACS::InstanceName`?"), "{r}");
    // Written literally on purpose: enableParameter: false says the braces are text.
    let r =
        command("  type: shell\n  enableParameter: false\n  content: echo {{ACS::NoSuchThing}}\n")
            .report();
    assert_eq!(r["errors"], 0, "{r}");
}

#[test]
fn literal_braces_need_enable_parameter_false() {
    let r = command("  type: shell\n  content: echo {{x}} $(docker inspect -f '{{.State}}' c)\n  parameters: { x: {} }\n").report();
    expect(
        &r,
        "invalid-parameter-name",
        "main.yaml",
        6,
        44,
        "spec.content",
        "`.State` is not a valid parameter name",
    );
    let r = command(
        "  type: shell\n  enableParameter: false\n  content: docker inspect -f '{{.State}}' c\n",
    )
    .report();
    assert_eq!(r["errors"], 0, "{r}");
}

#[test]
fn timeout_below_10_warns_and_strict_fails() {
    let f = command("  type: shell\n  content: echo\n  timeout: 5\n");
    let r = f.report();
    expect(
        &r,
        "timeout",
        "main.yaml",
        7,
        12,
        "spec.timeout",
        "raises it to 10 s",
    );
    assert_eq!(r["valid"], true);
    let out = f.validate(&["--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
}

#[test]
fn timeout_has_a_maximum() {
    let r = command("  type: shell\n  content: echo\n  timeout: 90000\n").report();
    expect(
        &r,
        "out-of-range",
        "main.yaml",
        7,
        12,
        "spec.timeout",
        "above the maximum 86400",
    );
}

#[test]
fn name_description_working_dir_and_launcher_lengths() {
    let long = "n".repeat(129);
    let r = Fixture::with(&format!(
        "apiVersion: assistctl/v1\nkind: Command\nmetadata:\n  name: {long}\n  description: {}\nspec:\n  type: shell\n  content: echo\n  workingDir: /{}\n  launcher: {}\n",
        "d".repeat(513),
        "w".repeat(200),
        "l".repeat(1025)
    ))
    .report();
    expect(
        &r,
        "length",
        "main.yaml",
        4,
        9,
        "metadata.name",
        "129 characters long; at most 128",
    );
    expect(
        &r,
        "length",
        "main.yaml",
        5,
        16,
        "metadata.description",
        "513 characters long; at most 512",
    );
    expect(
        &r,
        "length",
        "main.yaml",
        9,
        15,
        "spec.workingDir",
        "201 characters long; at most 200",
    );
    expect(
        &r,
        "length",
        "main.yaml",
        10,
        13,
        "spec.launcher",
        "1025 bytes",
    );
}

#[test]
fn launcher_takes_only_the_script_file_name() {
    let r =
        command("  type: python\n  content: print(1)\n  launcher: python3 {{ACS::InstanceId}}\n")
            .report();
    expect(
        &r,
        "launcher",
        "main.yaml",
        7,
        13,
        "spec.launcher",
        "cannot be used in a launcher",
    );
    let r = command("  type: python\n  content: print(1)\n  launcher: 'python3 -u {{ACS::ScriptFileName|Ext(\".py\")}}'\n").report();
    assert_eq!(r["errors"], 0, "{r}");
}

#[test]
fn tag_rules() {
    let r = command("  type: shell\n  content: echo\n  tags:\n    aliyun-x: a\n    assistctl:owner: me\n    ok: 'see http://x'\n").report();
    expect(
        &r,
        "tag",
        "main.yaml",
        8,
        5,
        "spec.tags.aliyun-x",
        "reserved prefix",
    );
    expect(
        &r,
        "tag",
        "main.yaml",
        9,
        5,
        "spec.tags.assistctl:owner",
        "reserves for ownership",
    );
    expect(&r, "tag", "main.yaml", 10, 5, "spec.tags.ok", "http://");
}

#[test]
fn tag_count_includes_stack_and_ownership_tags() {
    let f = Fixture::new();
    f.write("stack.yaml", "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: s }\nspec:\n  region: cn-hangzhou\n  tags: { a: '1', b: '2' }\n");
    let tags: String = (0..17).map(|i| format!("    t{i}: v\n")).collect();
    f.write(
        "main.yaml",
        format!("{CMD_HEAD}  type: shell\n  content: echo\n  tags:\n{tags}"),
    );
    let r = f.report();
    expect(
        &r,
        "tag-count",
        "main.yaml",
        8,
        5,
        "spec.tags",
        "17 tags here, 2 from the stack and the 2 tags assistctl reserves on every command (`assistctl:stack` and `assistctl:name`) make 21",
    );
}

/// A task carries five assistctl: tags, so 15 of the stack's and its own fit, not 18: the
/// count the planner refuses too, told at validate, where the tags are written.
#[test]
fn an_invocation_task_keeps_room_for_its_five_reserved_tags() {
    let own = |n: usize| -> String { (0..n).map(|i| format!("    t{i}: v\n")).collect() };
    let inv = |n: usize| {
        format!(
            "  type: shell\n  content: echo\n{INV_HEAD}  command: c1\n  targets: {{ instanceIds: [i-abc] }}\n  tags:\n{}",
            own(n)
        )
    };
    let stack_with = |n: usize| {
        let tags: String = (0..n).map(|i| format!("s{i}: v, ")).collect();
        format!(
            "apiVersion: assistctl/v1\nkind: Stack\nmetadata: {{ name: s }}\nspec:\n  region: cn-hangzhou\n  tags: {{ {} }}\n",
            tags.trim_end_matches(", ")
        )
    };
    let count_errors = |r: &Value| {
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "tag-count")
            .cloned()
            .collect::<Vec<_>>()
    };
    // 16 of its own: 21 on the task.
    let f = Fixture::with(&format!("{CMD_HEAD}{}", inv(16)));
    let r = f.report();
    expect(
        &r,
        "tag-count",
        "main.yaml",
        15,
        5,
        "spec.tags",
        "16 tags here and the 5 tags assistctl reserves on every invocation task (`assistctl:stack`, `assistctl:name`, `assistctl:hash`, `assistctl:inputs` and `assistctl:batch`) make 21; a resource may carry at most 20",
    );
    let help = count_errors(&r)[0]["help"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(help.contains("at most 15 of the stack's"), "{help}");
    assert_eq!(f.validate(&[]).status.code(), Some(1));
    // With the stack's: 13 + 2 fit exactly, 14 + 2 do not.
    let f = Fixture::new();
    f.write("stack.yaml", stack_with(2));
    f.write("main.yaml", format!("{CMD_HEAD}{}", inv(13)));
    assert!(count_errors(&f.report()).is_empty(), "{}", f.report());
    f.write("main.yaml", format!("{CMD_HEAD}{}", inv(14)));
    expect(
        &f.report(),
        "tag-count",
        "main.yaml",
        15,
        5,
        "spec.tags",
        "14 tags here, 2 from the stack and the 5 tags assistctl reserves on every invocation task",
    );
    // The stack's tags go onto every task, so they are counted against a task's room once,
    // at the stack, whether or not a document has tags of its own.
    f.write("stack.yaml", stack_with(16));
    f.write(
        "main.yaml",
        format!("{CMD_HEAD}{}", inv(0).trim_end_matches("  tags:\n")),
    );
    let r = f.report();
    expect(
        &r,
        "tag-count",
        "stack.yaml",
        6,
        9,
        "spec.tags",
        "16 tags here and the 5 tags assistctl reserves on every invocation task",
    );
    assert_eq!(count_errors(&r).len(), 1, "{r}");
}

#[test]
fn duplicate_names_per_kind_and_region() {
    let doc = format!("{CMD_HEAD}  type: shell\n  content: echo\n");
    let r = Fixture::with(&format!(
        "{doc}---\n{doc}---\n{}  region: cn-beijing\n",
        doc
    ))
    .report();
    expect(
        &r,
        "duplicate-name",
        "main.yaml",
        10,
        19,
        "metadata.name",
        "a second Command named `c1` in region cn-hangzhou",
    );
    assert_eq!(
        r["errors"], 1,
        "the same name in another region is fine: {r}"
    );
}

#[test]
fn exactly_one_stack() {
    let f = Fixture::new();
    f.write(
        "a.yaml",
        format!("{CMD_HEAD}  type: shell\n  content: echo\n"),
    );
    let r = f.report();
    expect(&r, "stack-count", "a.yaml", 0, 0, "", "no Stack document");
    let f = Fixture::with(STACK);
    let r = f.report();
    expect(
        &r,
        "stack-count",
        "stack.yaml",
        2,
        7,
        "kind",
        "a second Stack",
    );
}

/// A manifest set whose only file is a Stack named `name` (written as is in YAML).
fn stack_named(name: &str) -> Value {
    let f = Fixture::new();
    f.write(
        "stack.yaml",
        format!("apiVersion: assistctl/v1\nkind: Stack\nmetadata:\n  name: {name}\nspec:\n  region: cn-hangzhou\n"),
    );
    f.report()
}

/// The one diagnostic of a report, asserting it is the stack-name error at 4:9.
#[track_caller]
fn stack_name_error(r: &Value, needle: &str, help: &str) {
    expect(r, "stack-name", "stack.yaml", 4, 9, "metadata.name", needle);
    let diags = r["diagnostics"].as_array().unwrap();
    assert_eq!(
        diags.len(),
        1,
        "one error, not a schema error too: {diags:#?}"
    );
    let h = diags[0]["help"].as_str().unwrap();
    assert!(h.contains(help), "{h}");
    assert!(
        h.contains("lower-case ASCII letters, digits and `-`"),
        "{h}"
    );
    assert_eq!(r["valid"], false);
}

#[test]
fn stack_name_is_lower_case_ascii_digits_and_dashes() {
    stack_name_error(
        &stack_named("Stack-A"),
        "`Stack-A` contains the upper-case letter `S` at character 1",
        "did you mean `stack-a`?",
    );
    stack_name_error(
        &stack_named("sre_ops.prod"),
        "`_` at character 4",
        "did you mean `sre-ops-prod`?",
    );
    // A Cyrillic `о` (U+043E) that looks like the Latin `o`.
    stack_name_error(
        &stack_named("sre-\u{43e}ps"),
        "the non-ASCII character `\u{43e}` (U+043E) at character 5",
        "did you mean `sre-ops`?",
    );
    stack_name_error(
        &stack_named("'sre ops'"),
        "whitespace (U+0020) at character 4",
        "did you mean `sre-ops`?",
    );
    stack_name_error(
        &stack_named("-ops"),
        "starts or ends with `-`",
        "did you mean `ops`?",
    );
    stack_name_error(
        &stack_named(&"a".repeat(64)),
        "64 characters long; at most 63",
        "1 to 63",
    );
    stack_name_error(&stack_named("''"), "the stack name is empty", "1 to 63");
    // No suggestion when there is no safe spelling to suggest.
    let r = stack_named("'ops!'");
    stack_name_error(&r, "`!` at character 4", "1 to 63");
    assert!(
        !r["diagnostics"][0]["help"]
            .as_str()
            .unwrap()
            .contains("did you mean")
    );
    for ok in ["a", "sre-ops", "0ps-2", &"a".repeat(63)] {
        let r = stack_named(ok);
        assert_eq!(r["valid"], true, "{ok}: {r:#}");
    }
}

#[test]
fn plaintext_secrets_point_at_the_script_line() {
    let f = command("  type: shell\n  contentFile: s.sh\n");
    f.write(
        "s.sh",
        "#!/bin/sh\nexport ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tAbCdEfGhIjKlMnOpQr\n",
    );
    let r = f.report();
    let d = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "plaintext-secret")
        .expect("finding");
    assert!(d["file"].as_str().unwrap().ends_with("s.sh"), "{d}");
    assert_eq!(d["line"], 2);
    assert!(
        !d.to_string().contains("LTAI5tAbCdEfGhIjKlMnOpQr"),
        "the secret itself is not echoed: {d}"
    );
    let inline = command(
        "  type: shell\n  content: |\n    echo start\n    export KEY=LTAI5tAbCdEfGhIjKlMnOpQr\n",
    )
    .report();
    expect(
        &inline,
        "plaintext-secret",
        "main.yaml",
        8,
        16,
        "spec.content",
        "AccessKey ID: export KEY=****",
    );
}

#[test]
fn allow_secret_comment_silences_a_false_positive() {
    let r = command(
        "  type: shell\n  content: |\n    echo LTAI5tAbCdEfGhIjKlMnOpQr # assistctl:allow-secret\n",
    )
    .report();
    assert_eq!(r["errors"], 0, "{r}");
}

const INV_HEAD: &str =
    "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: { name: i1 }\nspec:\n";

fn with_invocation(cmd_body: &str, inv_body: &str) -> Fixture {
    Fixture::with(&format!("{CMD_HEAD}{cmd_body}{INV_HEAD}{inv_body}"))
}

const ECHO: &str = "  type: shell\n  content: echo {{file}}\n  parameters:\n    file: { default: /tmp/x }\n    token: { secret: true }\n  timeout: 60\n";
const ECHO_TOKEN: &str = "  type: shell\n  content: echo {{file}} {{token}}\n  parameters:\n    file: { default: /tmp/x }\n    token: { secret: true }\n  timeout: 60\n";

#[test]
fn invocation_names_a_known_command() {
    let r = with_invocation(
        "  type: shell\n  content: echo\n",
        "  command: c2\n  targets: { instanceIds: [i-abc] }\n",
    )
    .report();
    expect(
        &r,
        "unknown-command",
        "main.yaml",
        12,
        12,
        "spec.command",
        "no Command named `c2`",
    );
}

#[test]
fn values_for_undeclared_parameters_are_rejected() {
    let r = with_invocation(ECHO_TOKEN, "  command: c1\n  targets: { instanceIds: [i-abc] }\n  parameters: { fiel: x, token: { fromEnv: T } }\n").report();
    expect(
        &r,
        "undeclared-parameter",
        "main.yaml",
        18,
        17,
        "spec.parameters.fiel",
        "`fiel` is not a parameter of command `c1`",
    );
}

#[test]
fn required_and_secret_parameters_need_a_value() {
    let r = with_invocation(
        ECHO_TOKEN,
        "  command: c1\n  targets: { instanceIds: [i-abc] }\n",
    )
    .report();
    expect(
        &r,
        "missing-parameter",
        "main.yaml",
        16,
        3,
        "spec.parameters",
        "requires a value for `token`",
    );
}

#[test]
fn secret_parameters_must_come_from_the_environment() {
    let r = with_invocation(
        ECHO_TOKEN,
        "  command: c1\n  targets: { instanceIds: [i-abc] }\n  parameters: { token: hunter2 }\n",
    )
    .report();
    expect(
        &r,
        "secret-literal",
        "main.yaml",
        18,
        24,
        "spec.parameters.token",
        "secret but given literally",
    );
}

#[test]
fn unused_declared_parameter_in_a_command_is_reported_once() {
    let r = with_invocation(ECHO, "  command: c1\n  targets: { instanceIds: [i-abc] }\n  parameters: { token: { fromEnv: T } }\n").report();
    expect(
        &r,
        "unused-parameter",
        "main.yaml",
        9,
        5,
        "spec.parameters.token",
        "never uses",
    );
}

#[test]
fn targets_are_required_and_shaped_like_ids() {
    let r = with_invocation(
        "  type: shell\n  content: echo\n",
        "  command: c1\n  targets: {}\n",
    )
    .report();
    expect(
        &r,
        "no-targets",
        "main.yaml",
        13,
        12,
        "spec.targets",
        "no targets",
    );
    let r = with_invocation(
        "  type: shell\n  content: echo\n",
        "  command: c1\n  targets: { instanceIds: [i-ok1, web-01] }\n",
    )
    .report();
    expect(
        &r,
        "instance-id",
        "main.yaml",
        13,
        35,
        "spec.targets.instanceIds[1]",
        "`web-01` is not an instance id",
    );
}

#[test]
fn rate_between_60s_and_7_days_and_longer_than_the_timeout() {
    let inv = |rate: &str| {
        format!(
            "  command: c1\n  targets: {{ instanceIds: [i-abc] }}\n  schedule: {{ rate: {rate} }}\n"
        )
    };
    let cmd = "  type: shell\n  content: echo\n  timeout: 120\n";
    let r = with_invocation(cmd, &inv("30s")).report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        15,
        21,
        "spec.schedule.rate",
        "between 60 s and 7 days",
    );
    let r = with_invocation(cmd, &inv("8d")).report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        15,
        21,
        "spec.schedule.rate",
        "out of range",
    );
    let r = with_invocation(cmd, &inv("2m")).report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        15,
        21,
        "spec.schedule.rate",
        "must be longer than the timeout (120 s)",
    );
    let r = with_invocation(cmd, &inv("5m")).report();
    assert_eq!(r["errors"], 0, "{r}");
}

#[test]
fn cron_is_quartz_with_seconds_and_runs_10s_apart_and_longer_than_the_timeout() {
    let inv = |cron: &str| {
        format!(
            "  command: c1\n  targets: {{ instanceIds: [i-abc] }}\n  schedule: {{ cron: \"{cron}\", timezone: Asia/Shanghai }}\n"
        )
    };
    let cmd = "  type: shell\n  content: echo\n  timeout: 60\n";
    let r = with_invocation(cmd, &inv("0 0 2 * *")).report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        15,
        21,
        "spec.schedule.cron",
        "has 5 fields",
    );
    let r = with_invocation(cmd, &inv("*/5 * * * * ?")).report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        15,
        21,
        "spec.schedule.cron",
        "at least 10 s apart",
    );
    let r = with_invocation(cmd, &inv("0 * * * * ?")).report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        15,
        21,
        "spec.schedule.cron",
        "not longer than the timeout (60 s)",
    );
    let r = with_invocation(cmd, &inv("0 0 25 * * ?")).report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        15,
        21,
        "spec.schedule.cron",
        "is invalid",
    );
    // One day field names days, the other has `*`: the service's rule wants `?` there,
    // and the help gives the expression with it.
    let r = with_invocation(cmd, &inv("0 0 2 * * MON-FRI")).report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        15,
        21,
        "spec.schedule.cron",
        "sets day-of-week (`MON-FRI`) but has `*` in day-of-month",
    );
    let help = r["diagnostics"][0]["help"].as_str().unwrap_or_default();
    assert!(help.contains("did you mean `0 0 2 ? * MON-FRI`?"), "{r}");
    let r = with_invocation(cmd, &inv("0 0 2 1 * MON")).report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        15,
        21,
        "spec.schedule.cron",
        "sets both day-of-month and day-of-week",
    );
    for ok in [
        "0 0 2 ? * *",
        "0 0 2 * * ?",
        "0 0 2 * * *",
        "0 0 2 ? * MON-FRI",
        "0 0/30 10-11 * * ? 2099",
        "0 0 12 ? * WED",
        "0 15 10 L * ?",
        "0 0 9 15W * ?",
        "0 0 9 ? * 6#3",
    ] {
        let r = with_invocation(cmd, &inv(ok)).report();
        assert_eq!(r["errors"], 0, "{ok}: {r}");
    }
}

#[test]
fn cron_without_time_zone_warns() {
    let r = with_invocation(
        "  type: shell\n  content: echo\n",
        "  command: c1\n  targets: { instanceIds: [i-abc] }\n  schedule: { cron: '0 0 2 ? * *' }\n",
    )
    .report();
    expect(
        &r,
        "timezone",
        "main.yaml",
        14,
        21,
        "spec.schedule.cron",
        "each instance's own time zone",
    );
    assert_eq!(r["valid"], true);
}

#[test]
fn at_needs_a_valid_time_zone() {
    let r = with_invocation("  type: shell\n  content: echo\n", "  command: c1\n  targets: { instanceIds: [i-abc] }\n  schedule: { at: '2099-01-01T02:00:00', timezone: Asia/Shangai }\n").report();
    expect(
        &r,
        "schedule",
        "main.yaml",
        14,
        52,
        "spec.schedule.timezone",
        "`Asia/Shangai` is not a time zone",
    );
}

#[test]
fn at_in_the_past_warns() {
    let r = with_invocation("  type: shell\n  content: echo\n", "  command: c1\n  targets: { instanceIds: [i-abc] }\n  schedule: { at: '2020-01-01T02:00:00', timezone: UTC }\n").report();
    expect(
        &r,
        "schedule-past",
        "main.yaml",
        14,
        19,
        "spec.schedule.at",
        "already passed",
    );
}

#[test]
fn windows_user_needs_a_password_parameter() {
    let r = with_invocation(
        "  type: powershell\n  content: Get-Date\n",
        "  command: c1\n  targets: { instanceIds: [i-abc] }\n  username: ops\n",
    )
    .report();
    expect(
        &r,
        "windows-password",
        "main.yaml",
        14,
        13,
        "spec.username",
        "needs windowsPasswordName",
    );
}

#[test]
fn containers_are_linux_only_and_ids_are_checked() {
    let r = with_invocation(
        "  type: shell\n  content: echo\n",
        "  command: c1\n  targets: { instanceIds: [i-abc] }\n  containerId: abc\n",
    )
    .report();
    expect(
        &r,
        "container",
        "main.yaml",
        14,
        16,
        "spec.containerId",
        "not a container id",
    );
    let r = with_invocation(
        "  type: bat\n  content: echo\n",
        &format!(
            "  command: c1\n  targets: {{ instanceIds: [i-abc] }}\n  containerId: docker://{}\n",
            "a".repeat(64)
        ),
    )
    .report();
    expect(
        &r,
        "container",
        "main.yaml",
        14,
        16,
        "spec.containerId",
        "Linux commands only",
    );
}

#[test]
fn at_most_10_parameter_values_per_invocation() {
    let mut cmd = String::from("  type: shell\n  content: |\n");
    let mut decl = String::from("  parameters:\n");
    for i in 0..11 {
        cmd.push_str(&format!("    echo {{{{p{i}}}}}\n"));
        decl.push_str(&format!("    p{i}: {{ default: x }}\n"));
    }
    let r = with_invocation(
        &format!("{cmd}{decl}"),
        "  command: c1\n  targets: { instanceIds: [i-abc] }\n",
    )
    .report();
    expect(
        &r,
        "parameter-count",
        "main.yaml",
        35,
        3,
        "spec.parameters",
        "11 parameter values",
    );
}
