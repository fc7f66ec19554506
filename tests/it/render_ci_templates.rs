//! The GitHub Actions templates users copy (examples/ci/github): actionlint (with
//! shellcheck on every `run:` script) reports nothing; the `run:` scripts and the
//! `actions/github-script` scripts do what the comments say, run here against a fake
//! `assistctl` and a recording stand-in for GitHub's API.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

const TEMPLATES: [&str; 3] = ["plan.yml", "apply.yml", "drift.yml"];

fn template_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci/github")
        .join(name)
}

fn venv_bin(tool: &str) -> PathBuf {
    let py = common::pyvenv::python();
    py.parent().expect("venv bin dir").join(tool)
}

/// actionlint with shellcheck from the venv and no pyflakes (no Python steps), so the
/// result does not depend on what else is installed.
fn actionlint(file: &Path) -> std::process::Output {
    Command::new(venv_bin("actionlint"))
        .arg("-no-color")
        .arg("-shellcheck")
        .arg(venv_bin("shellcheck"))
        .args(["-pyflakes", ""])
        .arg(file)
        .output()
        .expect("run actionlint")
}

#[test]
fn actionlint_reports_nothing() {
    for t in TEMPLATES {
        let out = actionlint(&template_path(t));
        assert!(
            out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
            "actionlint on {t}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn actionlint_and_shellcheck_do_report_a_broken_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo $FOO\n      - uses: actions/checkout@v5\n        with: { nosuch: 1 }\n",
    )
    .unwrap();
    let out = actionlint(&bad);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(text.contains("SC2086"), "shellcheck did not run:\n{text}");
    assert!(text.contains("nosuch"), "inputs not checked:\n{text}");
}

/// Every template installs the released binary of this crate's version with the
/// repository's own action (tests/it/ship.rs runs the action), not by building it.
#[test]
fn templates_install_the_release_with_the_action() {
    let version = env!("CARGO_PKG_VERSION");
    for t in TEMPLATES {
        let text = std::fs::read_to_string(template_path(t)).unwrap();
        assert!(!text.contains("cargo install"), "{t} builds from source");
        let install = step(t, "Install assistctl");
        assert_eq!(
            install["uses"],
            format!("assistctl/assistctl@v{version}"),
            "{t}"
        );
        assert_eq!(install["with"]["version"], version, "{t}");
        let first_use = steps(t)
            .iter()
            .position(|s| s["run"].as_str().is_some_and(|r| r.contains("assistctl ")))
            .unwrap();
        let at = steps(t)
            .iter()
            .position(|s| s["name"] == "Install assistctl")
            .unwrap();
        assert!(at < first_use, "{t}: assistctl runs before it is installed");
    }
}

fn workflow(name: &str) -> Value {
    let text = std::fs::read_to_string(template_path(name)).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The steps of the template's only job.
fn steps(name: &str) -> Vec<Value> {
    let wf = workflow(name);
    let jobs = wf["jobs"].as_object().expect("jobs");
    assert_eq!(jobs.len(), 1, "{name}: one job");
    jobs.values().next().unwrap()["steps"]
        .as_array()
        .expect("steps")
        .clone()
}

fn step(name: &str, step_name: &str) -> Value {
    steps(name)
        .into_iter()
        .find(|s| s["name"] == step_name)
        .unwrap_or_else(|| panic!("{name}: no step {step_name:?}"))
}

fn script_of(s: &Value) -> String {
    assert!(
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/github-script@")),
        "{s}"
    );
    s["with"]["script"].as_str().expect("script").to_string()
}

// ---- run: scripts against a fake assistctl ------------------------------------------

/// Runs a step's `run:` as GitHub's default bash shell does, with a fake `assistctl`
/// that prints and exits as told. Returns (exit code, $GITHUB_OUTPUT, files in cwd).
fn run_step(s: &Value, fake_exit: i32) -> (i32, String, tempfile::TempDir) {
    let run = s["run"].as_str().expect("a run: step");
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = bin.join("assistctl");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho \"### plan of: $*\"\necho \"diagnostics of: $*\" >&2\nexit \"$FAKE_EXIT\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = dir.path().join("github_output");
    std::fs::write(&output, "").unwrap();
    let script = dir.path().join("step.sh");
    std::fs::write(&script, run).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let run = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .env("MANIFESTS", "manifests")
        .env("GITHUB_OUTPUT", &output)
        .env("FAKE_EXIT", fake_exit.to_string())
        .output()
        .expect("bash");
    let out = std::fs::read_to_string(&output).unwrap();
    (run.status.code().unwrap_or(-1), out, dir)
}

#[test]
fn pr_plan_keeps_the_exit_code_and_the_markdown() {
    let s = step("plan.yml", "Plan");
    for code in [0, 1] {
        let (exit, out, dir) = run_step(&s, code);
        assert_eq!(exit, 0, "the step itself succeeds so the comment is posted");
        assert_eq!(out, format!("exitcode={code}\n"));
        let md = std::fs::read_to_string(dir.path().join("plan.md")).unwrap();
        assert_eq!(md, "### plan of: plan manifests --format markdown\n");
        let err = std::fs::read_to_string(dir.path().join("plan.err")).unwrap();
        assert!(err.contains("diagnostics of"));
    }
    let fail = step("plan.yml", "Fail when the plan failed");
    assert_eq!(fail["if"], "steps.plan.outputs.exitcode != '0'");
}

#[test]
fn drift_plan_passes_drift_on_and_fails_on_error() {
    let s = step("drift.yml", "Plan");
    for (code, step_exit) in [(0, 0), (2, 0), (1, 1)] {
        let (exit, out, dir) = run_step(&s, code);
        assert_eq!(exit, step_exit, "assistctl exit {code}");
        assert_eq!(out, format!("exitcode={code}\n"));
        let md = std::fs::read_to_string(dir.path().join("plan.md")).unwrap();
        assert_eq!(
            md,
            "### plan of: plan manifests --detailed-exitcode --format markdown\n"
        );
    }
}

#[test]
fn apply_runs_alone_with_oidc_and_auto_approve() {
    let wf = workflow("apply.yml");
    assert_eq!(wf["on"]["push"]["branches"], json!(["main"]));
    assert_eq!(wf["permissions"]["id-token"], "write");
    assert_eq!(wf["concurrency"]["cancel-in-progress"], false);
    assert!(wf["concurrency"]["group"].is_string());
    let apply = step("apply.yml", "Apply");
    assert_eq!(
        apply["run"].as_str().unwrap().trim(),
        "assistctl apply \"$MANIFESTS\" --auto-approve"
    );
    for var in ["ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"] {
        assert!(apply["env"][var].is_string(), "{var}");
    }
    let (exit, _, _) = run_step(&apply, 0);
    assert_eq!(exit, 0);
    let (exit, _, _) = run_step(&apply, 1);
    assert_eq!(exit, 1, "a failed apply fails the job");
}

// ---- github-script scripts against a recording GitHub -------------------------------

/// Runs a github-script body as the action does (an async function of require, github,
/// context, core), with `github` recording every call and returning `list` from
/// paginate. Prints the calls as JSON.
const HARNESS: &str = r#"
const fs = require('fs');
const [scriptFile, scenarioFile] = process.argv.slice(2);
const body = fs.readFileSync(scriptFile, 'utf8');
const scenario = JSON.parse(fs.readFileSync(scenarioFile, 'utf8'));
const calls = [];
const issues = new Proxy({}, {
  get: (_, name) => async (args) => { calls.push({ call: name, args }); return { data: {} }; },
});
const github = {
  rest: { issues },
  paginate: async (_fn, args) => { calls.push({ call: 'paginate', args }); return scenario.list; },
};
const core = {
  getIDToken: async (aud) => `token-for-${aud}`,
  setSecret: (s) => calls.push({ call: 'setSecret', args: s }),
  exportVariable: (k, v) => calls.push({ call: 'exportVariable', args: { [k]: v } }),
};
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', body)(require, github, scenario.context, core)
  .then(() => console.log(JSON.stringify(calls)), (e) => { console.error(e); process.exit(1); });
"#;

fn context() -> Value {
    json!({
        "repo": { "owner": "acme", "repo": "ops" },
        "issue": { "number": 7 },
        "payload": { "pull_request": { "head": { "sha": "abc123" } } },
        "serverUrl": "https://github.com",
        "runId": 99,
        "sha": "0123456789abcdef0123",
        "ref": "refs/heads/main",
    })
}

/// Runs `script` in a directory holding `files`, with `env`; returns the recorded calls
/// and the directory (also the runner's temp directory).
fn run_script_in(
    script: &str,
    list: Value,
    files: &[(&str, &str)],
    env: &[(&str, &str)],
) -> (Vec<Value>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("harness.js"), HARNESS).unwrap();
    std::fs::write(dir.path().join("script.js"), script).unwrap();
    let scenario = json!({ "list": list, "context": context() });
    std::fs::write(dir.path().join("scenario.json"), scenario.to_string()).unwrap();
    let out = Command::new("node")
        .args(["harness.js", "script.js", "scenario.json"])
        .current_dir(dir.path())
        .env("RUNNER_TEMP", dir.path())
        .envs(env.iter().copied())
        .output()
        .expect("node must be installed to run the github-script tests");
    assert!(
        out.status.success(),
        "script failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls: Vec<Value> = serde_json::from_slice(&out.stdout).expect("calls as JSON");
    let calls = calls
        .into_iter()
        .filter(|c| c["call"] != "paginate")
        .collect();
    (calls, dir)
}

fn run_script(
    script: &str,
    list: Value,
    files: &[(&str, &str)],
    env: &[(&str, &str)],
) -> Vec<Value> {
    run_script_in(script, list, files, env).0
}

const MARKER: &str = "<!-- assistctl-plan -->";

#[test]
fn pr_comment_is_created_once_then_updated() {
    let script = script_of(&step("plan.yml", "Post or update the plan comment"));
    let files = [("plan.md", "### the plan\n"), ("plan.err", "")];
    let env = [("PLAN_EXIT", "0")];

    let calls = run_script(&script, json!([]), &files, &env);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["call"], "createComment");
    assert_eq!(calls[0]["args"]["issue_number"], 7);
    let body = calls[0]["args"]["body"].as_str().unwrap();
    assert!(
        body.starts_with(&format!("{MARKER}\n### the plan\n")),
        "{body}"
    );

    // A person quoting the marker is not the bot's comment; the bot's one is updated.
    let existing = json!([
        { "id": 1, "user": { "type": "User" }, "body": format!("quoting {MARKER}") },
        { "id": 2, "user": { "type": "Bot" }, "body": "an unrelated bot" },
        { "id": 3, "user": { "type": "Bot" }, "body": format!("{MARKER}\nold plan") },
    ]);
    let calls = run_script(&script, existing, &files, &env);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["call"], "updateComment");
    assert_eq!(calls[0]["args"]["comment_id"], 3);
}

#[test]
fn pr_comment_of_a_failed_plan_shows_its_errors_in_a_safe_fence() {
    let script = script_of(&step("plan.yml", "Post or update the plan comment"));
    let err = "error: bad manifest\n````\ninside\n";
    let calls = run_script(
        &script,
        json!([]),
        &[("plan.md", ""), ("plan.err", err)],
        &[("PLAN_EXIT", "1")],
    );
    let body = calls[0]["args"]["body"].as_str().unwrap();
    assert!(
        body.contains("assistctl plan failed (exit code 1)"),
        "{body}"
    );
    assert!(
        body.contains(&format!("`````text\n{err}\n`````\n")),
        "{body}"
    );
}

const DRIFT_MARKER: &str = "<!-- assistctl-drift -->";

#[test]
fn drift_issue_is_opened_updated_and_closed() {
    let script = script_of(&step("drift.yml", "Open, update or close the drift issue"));
    let files = [("plan.md", "### drifted plan\n")];

    // After a failed plan (exit 1) the Plan step fails, and this step, without an `if:`,
    // is skipped: an error neither opens nor closes the issue.
    assert!(step("drift.yml", "Open, update or close the drift issue")["if"].is_null());

    let calls = run_script(&script, json!([]), &files, &[("PLAN_EXIT", "2")]);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["call"], "create");
    assert_eq!(calls[0]["args"]["labels"], json!(["drift"]));
    let body = calls[0]["args"]["body"].as_str().unwrap();
    assert!(body.starts_with(DRIFT_MARKER) && body.ends_with("### drifted plan\n"));

    let open = json!([
        { "number": 5, "body": "a drift issue someone wrote by hand" },
        { "number": 6, "body": format!("{DRIFT_MARKER}\nold"), "pull_request": {} },
        { "number": 8, "body": format!("{DRIFT_MARKER}\nold") },
    ]);
    let calls = run_script(&script, open.clone(), &files, &[("PLAN_EXIT", "2")]);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["call"], "update");
    assert_eq!(calls[0]["args"]["issue_number"], 8);

    let calls = run_script(&script, open, &files, &[("PLAN_EXIT", "0")]);
    let names: Vec<&str> = calls.iter().map(|c| c["call"].as_str().unwrap()).collect();
    assert_eq!(names, ["createComment", "update"]);
    assert_eq!(calls[1]["args"]["issue_number"], 8);
    assert_eq!(calls[1]["args"]["state"], "closed");

    let calls = run_script(&script, json!([]), &files, &[("PLAN_EXIT", "0")]);
    assert!(calls.is_empty(), "nothing to close: {calls:?}");
}

#[test]
fn every_template_writes_the_oidc_token_for_sts() {
    for t in TEMPLATES {
        let script = script_of(&step(t, "Get a GitHub OIDC token for Alibaba Cloud STS"));
        let (calls, dir) = run_script_in(&script, json!([]), &[], &[]);
        let file = calls
            .iter()
            .find_map(|c| c["args"]["ALIBABA_CLOUD_OIDC_TOKEN_FILE"].as_str())
            .unwrap_or_else(|| panic!("{t}: no ALIBABA_CLOUD_OIDC_TOKEN_FILE in {calls:?}"));
        let file = Path::new(file);
        assert!(
            file.starts_with(dir.path()),
            "{t}: not in RUNNER_TEMP: {file:?}"
        );
        assert_eq!(
            std::fs::read_to_string(file).unwrap(),
            "token-for-sts.aliyuncs.com"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{t}: token readable by others");
        assert!(
            calls
                .iter()
                .any(|c| c["call"] == "setSecret" && c["args"] == "token-for-sts.aliyuncs.com"),
            "{t}: token not masked"
        );
        let wf = workflow(t);
        assert_eq!(wf["permissions"]["id-token"], "write", "{t}");
    }
}
