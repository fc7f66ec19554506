//! The first use, as an SRE meets it (issue 12), through the binary: `--local` beside an
//! endpoint or profile in the environment, where the local state is, `apply --plan` without
//! paths, hints that lead somewhere, `status --format json`, and the exit codes README lists.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use common::emu::Emu;
use common::{Fixture, bin, text};
use serde_json::Value;

const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: shop }\nspec:\n  region: cn-hangzhou\n";

const WEB1: &str = "i-bp1web0000000000001";
const WEB2: &str = "i-bp1web0000000000002";

fn command(name: &str, content: &str) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: {name} }}\nspec:\n  type: shell\n  timeout: 30\n  content: |\n    {content}\n"
    )
}

fn invocation(name: &str, command: &str, instances: &[&str]) -> String {
    format!(
        "---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: {name} }}\nspec:\n  command: {command}\n  targets: {{ instanceIds: [{}] }}\n",
        instances.join(", ")
    )
}

fn set(docs: &[String]) -> Fixture {
    let f = Fixture::new();
    f.write("stack.yaml", STACK);
    f.write("main.yaml", docs.join("\n"));
    f
}

/// `assistctl` in `dir` with nothing of the user's configuration nor any credential.
fn bare(dir: &Path) -> Command {
    let mut c = bin();
    c.current_dir(dir)
        .env("HOME", dir)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
    for v in [
        "ALIBABA_CLOUD_ECS_ENDPOINT",
        "ALIBABA_CLOUD_PROFILE",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        "ALIBABA_CLOUD_ROLE_ARN",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
        "ALIBABA_CLOUD_CREDENTIALS_URI",
        "ALIBABA_CLOUD_CREDENTIALS_FILE",
        "ALIBABA_CLOUD_REGION_ID",
    ] {
        c.env_remove(v);
    }
    c
}

fn run(mut c: Command, args: &[&str]) -> Output {
    c.args(args).output().expect("run assistctl")
}

#[test]
fn local_wins_over_an_endpoint_or_profile_in_the_environment() {
    let f = set(&[command("hello", "echo hello")]);
    // An endpoint nothing listens on and a profile that does not exist: were either used,
    // the plan would fail.
    for (var, value) in [
        ("ALIBABA_CLOUD_ECS_ENDPOINT", "http://127.0.0.1:9"),
        ("ALIBABA_CLOUD_PROFILE", "no-such-profile"),
    ] {
        let mut c = bare(f.path());
        c.env(var, value);
        let out = run(c, &["plan", "--local", "-vv", "."]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{var}: {t}");
        assert!(t.contains("1 to create"), "{var}: {t}");
        assert!(
            t.contains(&format!("--local: ignoring {var} of the environment")),
            "{var}: {t}"
        );
    }
    // The flags themselves still conflict: both were typed, so the user must choose.
    let out = run(
        bare(f.path()),
        &["plan", "--local", "--endpoint", "http://127.0.0.1:9", "."],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("cannot be used with"), "{}", text(&out));
}

#[test]
fn local_says_where_its_state_is_and_when_it_is_new() {
    let f = set(&[command("hello", "echo hello"), command("bye", "echo bye")]);
    let db = f.path().join(".assistctl").join("emulator.db");
    let out = run(bare(f.path()), &["apply", "--local", "--auto-approve", "."]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        err.contains(&format!(
            "--local created a new, empty emulator state in {}",
            db.display()
        )),
        "{err}"
    );
    let out = run(bare(f.path()), &["plan", "--local", "."]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        err.contains(&format!(
            "--local uses the emulator state in {} (2 commands)",
            db.display()
        )),
        "{err}"
    );
    assert!(!err.contains("created"), "{err}");
    // Another directory: a new state, which the note names, and a plan to create it all.
    let other = Fixture::new();
    let out = run(
        bare(other.path()),
        &["plan", "--local", &f.path().display().to_string()],
    );
    let t = text(&out);
    assert!(
        t.contains(&format!(
            "--local created a new, empty emulator state in {}",
            other
                .path()
                .join(".assistctl")
                .join("emulator.db")
                .display()
        )),
        "{t}"
    );
    assert!(t.contains("2 to create"), "{t}");
}

#[test]
fn no_credentials_points_at_local() {
    let emu = Emu::start(&[]);
    let f = set(&[command("hello", "echo hello")]);
    let mut c = bare(f.path());
    c.env("ALIBABA_CLOUD_ECS_ENDPOINT", &emu.endpoint);
    let out = run(c, &["plan", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("no Alibaba Cloud credentials found"), "{t}");
    assert!(t.contains("pass --local"), "{t}");
}

#[test]
fn apply_of_a_saved_plan_reads_the_paths_it_was_made_from() {
    let emu = Emu::start(&[]);
    let f = Fixture::new();
    f.write("manifests/stack.yaml", STACK);
    f.write("manifests/main.yaml", command("hello", "echo hello"));
    // Unrelated YAML at the top of the repository, as in most repositories.
    f.write(
        "docker-compose.yml",
        "services:\n  web:\n    image: nginx\n",
    );
    let out = emu.run(&f, &["plan", "--out", "plan.json", "manifests"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(f.path().join("plan.json")).unwrap())
            .unwrap();
    assert_eq!(saved["paths"], serde_json::json!(["manifests"]), "{saved}");
    // Paths given explicitly win: `.` holds the compose file, which is not a manifest.
    let out = emu.run(&f, &["apply", "--plan", "plan.json", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = emu.run(&f, &["apply", "--plan", "plan.json"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("Apply complete: 1 change applied"), "{t}");
    let out = emu.run(&f, &["plan", "--detailed-exitcode", "manifests"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn status_of_a_command_or_a_typo_says_what_it_is() {
    let emu = Emu::start(&[]);
    let f = set(&[
        command("check-http", "echo ok"),
        invocation("check-http-web", "check-http", &[WEB1]),
    ]);
    emu.apply(&f);
    let out = emu.run(&f, &["status", "check-http"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("`check-http` is a command, not an invocation")
            && t.contains("the invocations that run it: `check-http-web`"),
        "{t}"
    );
    assert!(!t.contains("applied"), "{t}");
    let out = emu.run(&f, &["status", "check-htp-web"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("did you mean `check-http-web`?"), "{t}");
    // Declared but not applied yet.
    f.write(
        "main.yaml",
        [
            command("check-http", "echo ok"),
            invocation("check-http-web", "check-http", &[WEB1]),
            invocation("later", "check-http", &[WEB2]),
        ]
        .join("\n"),
    );
    let out = emu.run(&f, &["status", "later"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("apply the manifests first"), "{t}");
}

#[test]
fn status_wait_counts_only_declared_invocations() {
    let emu = Emu::start(&[]);
    let f = set(&[
        command("ok", "echo fine"),
        command("broken", "echo broken; exit 3"),
        invocation("good", "ok", &[WEB1]),
        invocation("bad", "broken", &[WEB1]),
    ]);
    emu.apply(&f);
    let out = emu.run(&f, &["status", "--wait", "--timeout", "60"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // `bad` is removed from the manifests (not applied yet): its failed run no longer counts.
    f.write(
        "main.yaml",
        [
            command("ok", "echo fine"),
            command("broken", "echo broken; exit 3"),
            invocation("good", "ok", &[WEB1]),
        ]
        .join("\n"),
    );
    let out = emu.run(&f, &["status", "--wait", "--timeout", "60"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("--wait ignores the tasks of 1 invocation that the manifests no longer declare (apply stops them): bad (cn-hangzhou)"),
        "{t}"
    );
    assert!(
        t.contains("invocation good") && !t.contains("invocation bad"),
        "{t}"
    );
}

const SECRET: &str = "s3cr3t-Value-42";

#[test]
fn status_json_is_the_documented_shape_with_secrets_masked() {
    let emu = Emu::start(&[]);
    let f = set(&[
        "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: { name: hello }\nspec:\n  type: shell\n  timeout: 30\n  content: |\n    for i in 1 2 3 4 5 6 7; do echo line $i; done\n    echo token {{token}}\n  parameters:\n    token: { secret: true, required: true }\n".into(),
        invocation("greet", "hello", &[WEB1, WEB2])
            + "  parameters: { token: { fromEnv: HELLO_TOKEN } }\n",
    ]);
    let with_env = |args: &[&str]| {
        emu.cmd(f.path())
            .env("HELLO_TOKEN", SECRET)
            .args(args)
            .output()
            .unwrap()
    };
    let out = with_env(&["apply", "--auto-approve", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // --wait prints one document, when the runs have finished.
    let out = with_env(&[
        "status",
        "--wait",
        "--timeout",
        "60",
        "--format",
        "json",
        "--lines",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(SECRET), "{stdout}");
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(doc["formatVersion"], 1);
    assert_eq!(doc["stack"], "shop");
    let inv = &doc["invocations"][0];
    assert_eq!(inv["region"], "cn-hangzhou");
    assert_eq!(inv["name"], "greet");
    let task = &inv["tasks"][0];
    assert!(task["id"].as_str().unwrap().starts_with("t-"), "{task}");
    assert_eq!(task["batch"], 0);
    // The task's overall status may trail its instances' by a moment.
    assert!(
        ["Pending", "Running", "Success"].contains(&task["status"].as_str().unwrap()),
        "{task}"
    );
    assert_eq!(task["command"], "hello");
    assert!(task["commandId"].as_str().unwrap().starts_with("c-"));
    assert_eq!(task["repeatMode"], "Once");
    assert_eq!(task["frequency"], Value::Null);
    let instances = task["instances"].as_array().unwrap();
    let ids: Vec<&str> = instances
        .iter()
        .map(|i| i["instanceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&WEB1) && ids.contains(&WEB2), "{ids:?}");
    for i in instances {
        assert_eq!(i["status"], "Success", "{i}");
        assert_eq!(i["exitCode"], 0, "{i}");
        assert_eq!(i["errorCode"], Value::Null, "{i}");
        assert_eq!(i["errorInfo"], Value::Null, "{i}");
        assert!(
            i["startTime"].is_string() && i["finishedTime"].is_string(),
            "{i}"
        );
        assert_eq!(i["repeats"], 1, "{i}");
        assert_eq!(i["dropped"], 0, "{i}");
        // The last 3 lines, the secret masked exactly as in the text form.
        assert_eq!(
            i["output"],
            serde_json::json!(["line 6", "line 7", "token ****"]),
            "{i}"
        );
    }
    let text_out = with_env(&["status", "--lines", "3"]);
    let t = text(&text_out);
    assert!(t.contains("| token ****"), "{t}");
    // Without --wait the same document.
    let out = with_env(&["status", "greet", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["invocations"][0]["tasks"][0]["id"], task["id"]);
    assert_eq!(
        again["invocations"][0]["tasks"][0]["instances"][0]["output"]
            .as_array()
            .unwrap()
            .len(),
        5,
        "--lines defaults to 5"
    );
}

/// The keys of a JSON value, recursively, as `a.b.c` paths (array items share their path).
fn key_paths(v: &Value, at: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = format!("{at}.{k}");
                out.insert(p.clone());
                key_paths(v, &p, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| key_paths(v, at, out)),
        _ => {}
    }
}

/// docs/status-format.md: its example has the keys, in the order, that the binary prints,
/// and every key is documented in a table.
#[test]
fn the_status_format_doc_matches_the_output() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/status-format.md"
    ))
    .unwrap();
    let start = doc.find("```json\n").expect("an example") + "```json\n".len();
    let example: Value =
        serde_json::from_str(&doc[start..start + doc[start..].find("```\n").unwrap()]).unwrap();

    let emu = Emu::start(&[]);
    let f = set(&[
        command("hello", "echo hi"),
        invocation("greet", "hello", &[WEB1]),
    ]);
    emu.apply(&f);
    let out = emu.run(&f, &["status", "--wait", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let real: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (mut a, mut b) = (Default::default(), Default::default());
    key_paths(&example, "$", &mut a);
    key_paths(&real, "$", &mut b);
    assert_eq!(a, b, "the example's keys are the output's");
    // Same order too: the serialized key sequence of the first task.
    let order = |v: &Value| -> Vec<String> {
        v["invocations"][0]["tasks"][0]["instances"][0]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(order(&example), order(&real));
    for k in a {
        let key = k.rsplit('.').next().unwrap();
        assert!(
            doc.contains(&format!("| `{key}` |")),
            "`{key}` is not documented"
        );
    }
}

/// A command whose script has 7 lines.
fn seven_lines(name: &str) -> String {
    command(
        name,
        &(1..=7)
            .map(|i| format!("echo {name} {i}"))
            .collect::<Vec<_>>()
            .join("\n    "),
    )
}

#[test]
fn a_plan_of_many_creates_is_compact_unless_full() {
    let emu = Emu::start(&[]);
    let many = set(&(0..21)
        .map(|i| seven_lines(&format!("c{i:02}")))
        .collect::<Vec<_>>());
    let out = emu.run(&many, &["plan", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert_eq!(
        t.matches("+ content: 7 lines (first 5 shown; --full to see all)")
            .count(),
        21,
        "{t}"
    );
    assert!(
        t.contains("+echo c00 5\n") && !t.contains("echo c00 6"),
        "{t}"
    );
    let out = emu.run(&many, &["plan", "--full", "."]);
    let t = text(&out);
    assert!(
        !t.contains("first 5 shown") && t.contains("+echo c20 7\n"),
        "{t}"
    );

    // 20 creates or fewer: every line, unless --compact.
    let few = set(&[seven_lines("one")]);
    let t = text(&emu.run(&few, &["plan", "."]));
    assert!(
        t.contains("+echo one 7\n") && !t.contains("first 5 shown"),
        "{t}"
    );
    let t = text(&emu.run(&few, &["plan", "--compact", "."]));
    assert!(
        t.contains("+ content: 7 lines (first 5 shown; --full to see all)"),
        "{t}"
    );
    let out = emu.run(&few, &["plan", "--compact", "--full", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // apply takes the same flags; a changed script still shows its whole diff.
    let out = emu.run(&few, &["apply", "--auto-approve", "--compact", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("first 5 shown") && t.contains("Apply complete: 1 change applied."),
        "{t}"
    );
    few.write(
        "main.yaml",
        seven_lines("one").replace("echo one 7", "echo one seven"),
    );
    let t = text(&emu.run(&few, &["plan", "--compact", "."]));
    assert!(
        t.contains("-echo one 7\n") && t.contains("+echo one seven\n"),
        "{t}"
    );
    assert!(t.contains(" echo one 4\n"), "3 lines of context: {t}");
}

#[test]
fn counts_read_right_in_the_singular() {
    let f = set(&[command("hello", "echo hello")]);
    let out = f.validate(&[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("0 errors, 0 warnings in 2 documents, 2 files"),
        "{t}"
    );
    let one = Fixture::new();
    one.write(
        "all.yaml",
        format!("{STACK}{}", command("hello", "echo {{x}}")),
    );
    let out = one.validate(&[]);
    let t = text(&out);
    assert!(
        t.contains("1 error, 0 warnings in 2 documents, 1 file"),
        "{t}"
    );
    let out = run(bare(one.path()), &["plan", "--local", "."]);
    let t = text(&out);
    assert!(t.contains("the manifests have 1 error;"), "{t}");
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

/// README's "Exit codes" table, row by row (apply's 130 / 143 are in tests/it/trust.rs, the
/// usage error of every subcommand in tests/it/validate_inputs.rs).
#[test]
fn every_documented_exit_code() {
    let emu = Emu::start(&[]);
    // validate: 0 valid with a warning, 1 with --strict, 1 on an error.
    let warned = set(&[command("hello", "echo hello").replace("timeout: 30", "timeout: 5")]);
    let out = warned.validate(&[]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(text(&out).contains("1 warning"), "{}", text(&out));
    assert_eq!(code(&warned.validate(&["--strict"])), Some(1));
    let broken = set(&[command("hello", "echo {{x}}")]);
    assert_eq!(code(&broken.validate(&[])), Some(1));

    // plan: 0 with changes, 2 with --detailed-exitcode, 1 on invalid manifests.
    let f = set(&[command("hello", "echo hello")]);
    assert_eq!(code(&emu.run(&f, &["plan", "."])), Some(0));
    assert_eq!(
        code(&emu.run(&f, &["plan", "--detailed-exitcode", "."])),
        Some(2)
    );
    assert_eq!(code(&emu.run(&broken, &["plan", "."])), Some(1));

    // apply: 1 off a terminal without --auto-approve, 0 applied, 0 with nothing to do.
    let out = emu
        .cmd(f.path())
        .args(["apply", "."])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    assert!(text(&out).contains("pass --auto-approve"), "{}", text(&out));
    assert_eq!(
        code(&emu.run(&f, &["apply", "--auto-approve", "."])),
        Some(0)
    );
    assert_eq!(
        code(&emu.run(&f, &["apply", "--auto-approve", "."])),
        Some(0)
    );
    assert_eq!(
        code(&emu.run(&f, &["plan", "--detailed-exitcode", "."])),
        Some(0)
    );

    // status: 0 shown (no tasks), 1 for a name with no task, 1 with --wait and nothing to
    // wait for.
    let out = emu.run(&f, &["status"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(code(&emu.run(&f, &["status", "nope"])), Some(1));
    assert_eq!(code(&emu.run(&f, &["status", "--wait"])), Some(1));

    // import: 1 when nothing unowned matches, 0 when it writes.
    let out = emu.run(
        &f,
        &[
            "import",
            "--region",
            "cn-hangzhou",
            "--name",
            "hello",
            "--out",
            "imported",
        ],
    );
    assert_eq!(
        code(&out),
        Some(1),
        "owned commands are not imported: {}",
        text(&out)
    );
    let other = Fixture::new();
    other.write("stack.yaml", STACK.replace("shop", "other"));
    other.write("main.yaml", command("stray", "echo stray"));
    emu.apply(&other);
    let sdk = common::sdk::Sdk::new(&emu);
    let id = emu.plan_json(&other)["changes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    sdk.run(&format!("untag {id} assistctl:stack assistctl:name"));
    let out = emu.run(
        &f,
        &[
            "import",
            "--region",
            "cn-hangzhou",
            "--id",
            &id,
            "--out",
            "imported",
        ],
    );
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Imported 1 command."), "{}", text(&out));

    // schema and completions: 0 printed, 1 when the file cannot be written.
    assert_eq!(code(&run(bin(), &["schema"])), Some(0));
    assert_eq!(code(&run(bin(), &["completions", "bash"])), Some(0));
    let out = run(
        bin(),
        &[
            "schema",
            "--out",
            &f.path().join("no/such/dir/s.json").display().to_string(),
        ],
    );
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    assert_eq!(code(&run(bin(), &["--help"])), Some(0));
    assert_eq!(code(&run(bin(), &["--version"])), Some(0));
}

#[test]
fn emulator_serve_exits_0_when_stopped_and_1_on_bad_input() {
    use std::io::{BufRead, BufReader};
    for signal in ["-TERM", "-INT"] {
        let mut child = bin()
            .args([
                "emulator",
                "serve",
                "--ephemeral",
                "--listen",
                "127.0.0.1:0",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // It is serving once it has printed its endpoint.
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(
            lines
                .by_ref()
                .map_while(Result::ok)
                .any(|l| l.contains("http://127.0.0.1:")),
            "no endpoint printed"
        );
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        assert_eq!(child.wait().unwrap().code(), Some(0), "{signal}");
    }
    let out = run(
        bin(),
        &["emulator", "serve", "--ephemeral", "--fail-rate", "1.5"],
    );
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    // An address already taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(
        bin(),
        &["emulator", "serve", "--ephemeral", "--listen", &addr],
    );
    assert_eq!(code(&out), Some(1), "{}", text(&out));
}
