//! docs/ci.md's RAM permissions never fall behind the code: each CI job (plan, drift,
//! apply, status, import) runs on the shipped examples against an emulator, which counts
//! every API call by action at /metrics, and the actions each job made must all be in
//! the list docs/ci.md gives for it.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

use common::emu::Emu;
use common::{Fixture, text};

/// Requests so far by action (every status: a refused call needs the permission too).
fn counts(emu: &Emu) -> BTreeMap<String, u64> {
    use std::io::{Read, Write};
    let host = emu.endpoint.strip_prefix("http://").expect("http endpoint");
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    write!(s, "GET /metrics HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    let mut out = BTreeMap::new();
    for l in body
        .lines()
        .filter(|l| l.starts_with("assistctl_emulator_requests_total{"))
    {
        let action = l
            .split("action=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("an action label");
        let n: f64 = l.rsplit(' ').next().unwrap().parse().unwrap();
        *out.entry(action.to_string()).or_insert(0) += n as u64;
    }
    out
}

/// The RAM actions docs/ci.md lists per job: the `- **job**: ...` items of its
/// "RAM permissions" section, each action written `ecs:Action`.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let section = doc
        .split("\n## ")
        .find(|s| s.starts_with("RAM permissions"))
        .expect("docs/ci.md has a `## RAM permissions` section");
    let mut out = BTreeMap::new();
    let mut job: Option<String> = None;
    for line in section.lines() {
        if let Some(rest) = line.strip_prefix("- **") {
            job = rest.split("**").next().map(str::to_string);
        } else if !line.starts_with("  ") {
            job = None;
        }
        if let Some(j) = &job {
            let set: &mut BTreeSet<String> = out.entry(j.clone()).or_default();
            for part in line.split('`').skip(1).step_by(2) {
                if let Some(a) = part.strip_prefix("ecs:") {
                    set.insert(a.to_string());
                }
            }
        }
    }
    out
}

struct Jobs<'a> {
    emu: &'a Emu,
    f: &'a Fixture,
    made: BTreeMap<String, BTreeSet<String>>,
}

impl Jobs<'_> {
    /// Runs `assistctl ARGS` as `job`, records the actions it made, returns its output.
    fn run(&mut self, job: &str, args: &[&str]) -> Output {
        let before = counts(self.emu);
        let out = self
            .emu
            .cmd(self.f.path())
            .args(args)
            .env("MYSQL_MONITOR_PASSWORD", "example-only")
            .output()
            .unwrap();
        let after = counts(self.emu);
        let set = self.made.entry(job.to_string()).or_default();
        for (action, n) in after {
            if n > before.get(&action).copied().unwrap_or(0) {
                set.insert(action);
            }
        }
        out
    }
}

fn copy_examples(f: &Fixture) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/commands");
    for e in walkdir::WalkDir::new(&src)
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(&src).unwrap();
            f.write(
                &format!("manifests/{}", rel.display()),
                std::fs::read(e.path()).unwrap(),
            );
        }
    }
}

#[test]
fn every_api_action_a_ci_job_makes_is_in_its_list_in_docs_ci_md() {
    // Runs are held: this is about the calls assistctl makes, not the scripts.
    let emu = Emu::start(&["--hold-runs"]);
    let f = Fixture::new();
    copy_examples(&f);
    let mut jobs = Jobs {
        emu: &emu,
        f: &f,
        made: BTreeMap::new(),
    };
    let ok = |o: &Output, code: i32| assert_eq!(o.status.code(), Some(code), "{}", text(o));

    // First use: the pull request's plan, the apply after merge, the nightly drift job.
    ok(
        &jobs.run("plan", &["plan", "--format", "markdown", "manifests"]),
        0,
    );
    ok(
        &jobs.run("apply", &["apply", "--auto-approve", "manifests"]),
        0,
    );
    ok(
        &jobs.run("drift", &["plan", "--detailed-exitcode", "manifests"]),
        0,
    );
    ok(&jobs.run("status", &["status", "--path", "manifests"]), 0);

    // A change of every kind: a command updated in place (and its nightly task stopped and
    // invoked again), a script replaced, a schedule changed in place, a document removed
    // (its command deleted, its task stopped); planned, saved, and applied from the saved
    // plan.
    let edit = |rel: &str, from: &str, to: &str| {
        let p = f.path().join("manifests").join(rel);
        let t = std::fs::read_to_string(&p).unwrap();
        assert!(t.contains(from), "{rel} has {from:?}");
        std::fs::write(&p, t.replacen(from, to, 1)).unwrap();
    };
    edit("backup-app-data.yaml", "timeout: 600", "timeout: 900");
    edit(
        "scripts/disk-usage-check.py",
        "\n",
        "\n# changed in a pull request\n",
    );
    edit("check-mysql-replication.yaml", "rate: 5m", "rate: 10m");
    std::fs::remove_file(f.path().join("manifests/clean-iis-logs.yaml")).unwrap();
    ok(
        &jobs.run("drift", &["plan", "--detailed-exitcode", "manifests"]),
        2,
    );
    ok(
        &jobs.run("plan", &["plan", "--out", "plan.json", "manifests"]),
        0,
    );
    ok(
        &jobs.run("apply", &["apply", "--plan", "plan.json", "manifests"]),
        0,
    );
    ok(
        &jobs.run("drift", &["plan", "--detailed-exitcode", "manifests"]),
        0,
    );
    ok(&jobs.run("status", &["status", "--path", "manifests"]), 0);

    // Onboarding: a command nobody owns (its stack tag removed in the console) imported.
    let listed = jobs.run("plan", &["plan", "--format", "json", "manifests"]);
    ok(&listed, 0);
    let plan: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let id = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "command" && c["name"] == "rotate-app-logs")
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("rotate-app-logs in {plan}"))
        .to_string();
    common::sdk::Sdk::new(&emu).run(&format!("untag {id} assistctl:stack assistctl:name"));
    ok(
        &jobs.run(
            "import",
            &[
                "import",
                "--region",
                "cn-hangzhou",
                "--name",
                "rotate-*",
                "--out",
                "imported",
            ],
        ),
        0,
    );

    let doc = documented();
    let behind: Vec<String> = jobs
        .made
        .iter()
        .filter_map(|(job, made)| {
            let listed = doc.get(job).cloned().unwrap_or_default();
            let missing: Vec<&String> = made.difference(&listed).collect();
            (!missing.is_empty()).then(|| {
                format!("the {job} job called {missing:?}, not listed for it (it made {made:?})")
            })
        })
        .collect();
    assert!(
        behind.is_empty(),
        "docs/ci.md's RAM permissions are behind:\n{}",
        behind.join("\n")
    );
    // The test saw each job call the API, so the comparison above means something.
    for job in ["plan", "drift", "apply", "status", "import"] {
        assert!(
            jobs.made.get(job).is_some_and(|m| !m.is_empty()),
            "{job}: {:?}",
            jobs.made
        );
    }
}
