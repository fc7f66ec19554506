//! Rollouts against the emulator with real runs: waves that do not overlap, a budget that
//! halts at the right wave, a killed apply that continues, resume. Every run leaves a mark
//! in its instance's files (read here on the host), so "ran once" is counted, not assumed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::emu::Emu;
use crate::common::{Fixture, text};

const MARKS: &str = "/var/tmp/rollout-marks";

/// `n` Linux instances `web-00`... tagged `group: web`, and their files' directory.
fn fleet(world: &Fixture, n: usize) -> (Emu, PathBuf) {
    let mut inventory = String::from("regions: [cn-hangzhou]\ninstances:\n");
    for i in 0..n {
        inventory.push_str(&format!(
            "  - {{ id: {}, name: web-{i:02}, os: linux, tags: {{ group: web }} }}\n",
            id(i)
        ));
    }
    let inv = world.write("inventory.yaml", inventory);
    let dir = world.path().join("instances");
    let emu = Emu::start(&[
        "--inventory",
        inv.to_str().unwrap(),
        "--instances-dir",
        dir.to_str().unwrap(),
    ]);
    (emu, dir)
}

fn id(i: usize) -> String {
    format!("i-roll{i:015}")
}

/// A stack whose `deploy` invocation rolls `script` out to `group: web`.
fn manifests(script: &str, rollout: &str) -> Fixture {
    let f = Fixture::new();
    let body: String = script.lines().map(|l| format!("      {l}\n")).collect();
    f.write(
        "main.yaml",
        format!(
            "apiVersion: assistctl/v1\nkind: Stack\nmetadata: {{ name: roll }}\nspec: {{ region: cn-hangzhou }}\n---\napiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: release }}\nspec:\n  type: shell\n  timeout: 60\n  content: |\n{body}---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: deploy }}\nspec:\n  command: release\n  targets: {{ tags: {{ group: web }} }}\n  rollout:\n{rollout}"
        ),
    );
    f
}

/// The script: a start mark, a failure on the hosts named in `fail`, a pause, an end mark.
fn script(fail: &[&str], sleep: &str) -> String {
    let fail = if fail.is_empty() {
        String::new()
    } else {
        format!(
            "case \"$host\" in {}) echo \"release failed on $host\"; echo 'disk full' >&2; exit 4;; esac\n",
            fail.join("|")
        )
    };
    format!(
        "host=$(cat /proc/sys/kernel/hostname)\necho \"start $(date +%s.%N)\" >> {MARKS}\n{fail}sleep {sleep}\necho \"end $(date +%s.%N)\" >> {MARKS}\necho \"released on $host\"\n"
    )
}

/// The marks each instance's runs left: (start, end) seconds per run.
fn marks(dir: &Path, instance: &str) -> Vec<(f64, Option<f64>)> {
    let fs = assistctl::emulator::agent::sandbox::InstanceFs::new(dir, instance);
    let path = fs.host_path(MARKS).unwrap();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<(f64, Option<f64>)> = Vec::new();
    for l in text.lines() {
        let (kind, t) = l.split_once(' ').unwrap();
        let t: f64 = t.parse().unwrap();
        match kind {
            "start" => out.push((t, None)),
            _ => out.last_mut().unwrap().1 = Some(t),
        }
    }
    out
}

fn rollout_of(plan: &Value) -> &Value {
    &plan["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "deploy")
        .expect("the deploy invocation")["rollout"]
}

fn wave_instances(plan: &Value) -> Vec<Vec<String>> {
    rollout_of(plan)["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let mut v: Vec<String> = w["instances"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect();
            v.sort();
            v
        })
        .collect()
}

const WAVES: &str = "    waves: [1, 10%, 50%, 100%]\n";

#[test]
fn forty_instances_are_reached_wave_by_wave_without_overlap() {
    let world = Fixture::new();
    let (emu, dir) = fleet(&world, 40);
    let f = manifests(&script(&[], "0.3"), WAVES);
    // The plan shows the waves with their instances before anything runs.
    let plan = emu.plan_json(&f);
    let r = rollout_of(&plan);
    assert_eq!(r["state"]["state"], "notStarted", "{r}");
    let sizes: Vec<usize> = wave_instances(&plan).iter().map(Vec::len).collect();
    assert_eq!(sizes, [1, 3, 16, 20]);
    assert!(!plan["warnings"].to_string().contains("at once"), "{plan}");
    assert_eq!(wave_instances(&plan)[0], [id(0)]);
    let out = emu.run(&f, &["plan"]);
    let t = text(&out);
    assert!(t.contains("wave 1/4") && t.contains("planned"), "{t}");
    assert!(t.contains("waves 1, 10%, 50%, 100% of 40 instances"), "{t}");

    let out = emu.run(&f, &["apply", "--auto-approve", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    for w in 1..=4 {
        assert!(
            t.contains(&format!(
                "rollout deploy (cn-hangzhou) wave {w}/4: invoking"
            )),
            "{t}"
        );
    }
    assert!(t.contains("wave 4/4: 20 succeeded, 0 failed of 20"), "{t}");
    // Every instance ran exactly once, and no wave started before the one before it ended.
    let after = emu.plan_json(&f);
    assert_eq!(rollout_of(&after)["state"]["state"], "complete");
    let waves = wave_instances(&after);
    let mut previous_end = 0.0_f64;
    for (k, wave) in waves.iter().enumerate() {
        let runs: Vec<(f64, Option<f64>)> = wave
            .iter()
            .map(|i| {
                let m = marks(&dir, i);
                assert_eq!(m.len(), 1, "{i} ran {} times", m.len());
                m[0]
            })
            .collect();
        let first_start = runs.iter().map(|r| r.0).fold(f64::MAX, f64::min);
        assert!(
            first_start >= previous_end,
            "wave {} started at {first_start} before wave {k} ended at {previous_end}",
            k + 1
        );
        previous_end = runs.iter().map(|r| r.1.unwrap()).fold(0.0, f64::max);
    }
    let total: usize = waves.iter().map(Vec::len).sum();
    assert_eq!(total, 40);
    // In sync now: nothing to do, exit 0.
    let out = emu.run(&f, &["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn failures_over_the_budget_halt_at_their_wave_and_resume_goes_on() {
    let world = Fixture::new();
    let (emu, dir) = fleet(&world, 40);
    // web-02 and web-03 are in wave 2 (instances 1 to 3); one failure is allowed.
    let f = manifests(
        &script(&["web-02", "web-03"], "0.1"),
        &format!("{WAVES}    maxErrors: 1\n"),
    );
    let out = emu.run(&f, &["apply", "--auto-approve", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert!(
        t.contains("rollout deploy (cn-hangzhou) halted at wave 2: 2 failed > maxErrors 1"),
        "{t}"
    );
    for i in [2, 3] {
        assert!(t.contains(&format!("{} Failed exit 4", id(i))), "{t}");
    }
    assert!(
        t.contains("release failed on web-02") && t.contains("disk full"),
        "{t}"
    );
    assert!(!t.contains("wave 3/4: invoking"), "{t}");
    // Waves 1 and 2 ran, nobody after them.
    for i in 0..40 {
        let runs = marks(&dir, &id(i)).len();
        assert_eq!(runs, usize::from(i < 4), "{}", id(i));
    }
    // The plan and status show the halt; --detailed-exitcode says it needs a person.
    let plan = emu.plan_json(&f);
    let r = rollout_of(&plan);
    assert_eq!(r["state"]["state"], "halted", "{r}");
    assert_eq!(r["state"]["wave"], 1);
    let failed: Vec<&str> = r["state"]["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["instanceId"].as_str().unwrap())
        .collect();
    assert_eq!(failed, [id(2), id(3)]);
    assert_eq!(plan["summary"]["rolloutsHalted"], 1);
    let out = emu.run(&f, &["plan", "--detailed-exitcode"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert!(
        t.contains("halted at wave 2: 2 failed > maxErrors 1"),
        "{t}"
    );
    let out = emu.run(&f, &["status", "--path", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("rollout: halted at wave 2: 2 failed > maxErrors 1"),
        "{t}"
    );
    // Apply again without --resume: still halted, nothing runs.
    let out = emu.run(&f, &["apply", "--auto-approve", "."]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(marks(&dir, &id(4)).len(), 0);
    // --resume of a document that is not halted is refused.
    let out = emu.run(&f, &["plan", "--resume", "nope"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // Resume: the two failures are accepted, the rest of the fleet runs once.
    let out = emu.run(&f, &["apply", "--auto-approve", "--resume", "deploy", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    for i in 0..40 {
        assert_eq!(marks(&dir, &id(i)).len(), 1, "{}", id(i));
    }
    let plan = emu.plan_json(&f);
    assert_eq!(rollout_of(&plan)["state"]["state"], "complete", "{plan}");
    let out = emu.run(&f, &["plan", "--resume", "deploy"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "resuming a complete rollout: {}",
        text(&out)
    );
}

/// Runs apply until `stop_at` shows in its output, waits `grace`, then kills it with
/// SIGKILL; returns what it printed.
fn kill_apply_at(emu: &Emu, f: &Fixture, stop_at: &str, grace: Duration) -> String {
    let mut child = emu
        .cmd(f.path())
        .args(["apply", "--auto-approve", "."])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = String::new();
    let reader = BufReader::new(child.stdout.take().unwrap());
    let started = Instant::now();
    for line in reader.lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(stop_at) {
            std::thread::sleep(grace);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{seen}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        seen.contains(stop_at),
        "apply ended before `{stop_at}`:\n{seen}"
    );
    seen
}

#[test]
fn a_killed_apply_continues_where_it_stopped_and_nobody_runs_twice() {
    let world = Fixture::new();
    let (emu, dir) = fleet(&world, 20);
    let f = manifests(&script(&[], "2"), &format!("{WAVES}    pause: 3s\n"));
    // Killed mid-wave: wave 2's runs are going.
    kill_apply_at(&emu, &f, "wave 2/4: invoking", Duration::from_millis(800));
    let plan = emu.plan_json(&f);
    let state = &rollout_of(&plan)["state"];
    assert_eq!(state["state"], "inProgress", "{state}");
    assert_eq!(state["wave"], 1, "{state}");
    // Killed between waves: during the pause before wave 3.
    let seen = kill_apply_at(&emu, &f, "wave 3/4: pausing", Duration::from_millis(500));
    assert!(
        seen.contains("wave 2/4: waiting for the runs of a previous apply"),
        "{seen}"
    );
    assert!(!seen.contains("wave 2/4: invoking"), "{seen}");
    let out = emu.run(&f, &["apply", "--auto-approve", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        !t.contains("wave 1/4: invoking") && !t.contains("wave 2/4: invoking"),
        "{t}"
    );
    for i in 0..20 {
        assert_eq!(
            marks(&dir, &id(i)).len(),
            1,
            "{} ran more or less than once",
            id(i)
        );
    }
    let plan = emu.plan_json(&f);
    assert_eq!(rollout_of(&plan)["state"]["state"], "complete");
}

#[test]
fn no_wait_invokes_one_wave_per_apply() {
    let world = Fixture::new();
    let (emu, dir) = fleet(&world, 4);
    let f = manifests(&script(&[], "0.1"), "    waves: [1, 100%]\n");
    let out = emu.run(&f, &["apply", "--auto-approve", "--no-wait", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("wave 1 was invoked and not waited for (--no-wait)"),
        "{t}"
    );
    // The next apply waits for wave 1 only if it still runs, then invokes wave 2 and leaves.
    let deadline = Instant::now() + Duration::from_secs(30);
    while marks(&dir, &id(0)).first().and_then(|m| m.1).is_none() {
        assert!(Instant::now() < deadline, "wave 1 never ended");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = emu.run(&f, &["apply", "--auto-approve", "--no-wait", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("wave 2/2: invoking 3 instances"), "{t}");
    assert_eq!(marks(&dir, &id(0)).len(), 1);
}

#[test]
fn rollout_rules_are_checked_by_validate() {
    let cases = [
        ("    waves: [1, 50%]\n", "the last wave must be `100%`"),
        ("    waves: [10%, 5%, 100%]\n", "must grow"),
        ("    waveSize: 0\n", "reaches nobody"),
        ("    waves: [1, 100%]\n    maxErrors: 100%\n", "never halt"),
        ("    waves: [1, 100%]\n    pause: 0s\n", "is not a duration"),
        (
            "    waves: [1, 100%]\n    pause: soon\n",
            "spec.rollout.pause",
        ),
        (
            "    waves: [1, 100%]\n    waveSize: 10%\n",
            "either `waves`",
        ),
    ];
    for (rollout, message) in cases {
        let f = manifests("echo hi\n", rollout);
        let out = f.validate(&[]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(1), "{rollout}: {t}");
        assert!(t.contains(message), "{rollout}: {t}");
    }
    // A rollout on a repeating schedule is refused with the reason.
    let f = manifests("echo hi\n", WAVES);
    let main = std::fs::read_to_string(f.path().join("main.yaml")).unwrap();
    f.write(
        "main.yaml",
        main.replace("  rollout:\n", "  schedule: { rate: 1h }\n  rollout:\n"),
    );
    let t = text(&f.validate(&[]));
    assert!(t.contains("a rollout needs a `once` invocation"), "{t}");
    let f = manifests("echo hi\n", WAVES);
    let out = f.validate(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn stop_on_halt_stops_the_runs_still_going_in_the_failing_wave() {
    let world = Fixture::new();
    let (emu, dir) = fleet(&world, 4);
    // web-00 fails at once; the others would sleep 60 s.
    let f = manifests(
        &script(&["web-00"], "60"),
        "    waves: [100%]\n    stopOnHalt: true\n",
    );
    let out = emu.run(&f, &["apply", "--auto-approve", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert!(
        t.contains("halted at wave 1: 1 failed > maxErrors 0"),
        "{t}"
    );
    let out = emu.run(&f, &["status", "--path", ".", "--format", "json"]);
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = status["invocations"][0]["tasks"][0]["instances"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(runs.len(), 4, "{status}");
    for r in &runs {
        let who = r["instanceId"].as_str().unwrap();
        // Stopped while it ran, or before it started.
        let st = r["status"].as_str().unwrap();
        if who == id(0) {
            assert_eq!(st, "Failed", "{status}");
        } else {
            assert!(["Terminated", "Cancelled"].contains(&st), "{status}");
        }
        // Stopped before they reached their end mark.
        let m = marks(&dir, who);
        assert!(
            m.len() <= 1 && m.iter().all(|(_, end)| end.is_none()),
            "{who}: {m:?}"
        );
    }
    // The stops it made are not failures of their own.
    let state = &status["invocations"][0]["rollout"]["state"];
    assert_eq!(state["state"], "halted", "{status}");
    assert_eq!(state["reason"], "1 failed > maxErrors 0", "{status}");
}
