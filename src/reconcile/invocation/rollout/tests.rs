//! Rollout decisions without I/O: a hand-made set of tasks in, the state and the waves'
//! invokes out.
use std::collections::BTreeMap;

use super::*;
use crate::domain::rollout::{Amount, WaitFor, Waves, wave_tag};
use crate::domain::status::InvocationStatus;
use crate::reconcile::invocation::model::{Needs, RunOptions, TargetSelector};

fn policy(max_errors: u32) -> Policy {
    Policy {
        waves: Waves::List(vec![
            Amount::Count(1),
            Amount::Percent(10),
            Amount::Percent(50),
            Amount::Percent(100),
        ]),
        max_errors: Amount::Count(max_errors),
        wait_for: WaitFor::Success,
        wave_timeout: 600,
        pause: 0,
        stop_on_halt: false,
    }
}

fn desired(hash: &str) -> DesiredInvocation {
    DesiredInvocation {
        region: "r".into(),
        name: "deploy".into(),
        source: "f:1".into(),
        command: "c".into(),
        command_type: "RunShellScript".into(),
        command_digest: "d".into(),
        repeat_mode: RepeatMode::Once,
        frequency: None,
        parameters: Vec::new(),
        selector: TargetSelector::default(),
        run: RunOptions::default(),
        tags: BTreeMap::new(),
        needs: Needs::default(),
        hash: hash.into(),
        inputs: "in".into(),
        rollout: Some(policy(0)),
    }
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("i-{i:03}")).collect()
}

/// A task of wave `wave` holding `runs` (instance, status).
fn task(
    id: &str,
    hash: &str,
    batch: u32,
    wave: u32,
    runs: &[(&str, TargetStatus)],
    created: &str,
) -> LiveInvocation {
    LiveInvocation {
        id: id.into(),
        region: "r".into(),
        creation_time: created.into(),
        name: "deploy".into(),
        hash: hash.into(),
        inputs: "in".into(),
        batch,
        command_id: "c-1".into(),
        command_name: "c".into(),
        repeat_mode: Some(RepeatMode::Once),
        frequency: String::new(),
        parameters: BTreeMap::new(),
        timeout: 60,
        working_dir: String::new(),
        username: "root".into(),
        container_id: String::new(),
        container_name: String::new(),
        termination_mode: String::new(),
        status: Some(InvocationStatus::Running),
        instances: runs
            .iter()
            .map(|(i, s)| (i.to_string(), Some(*s)))
            .collect(),
        tags: [(TAG_WAVE.to_string(), wave_tag(wave, false))].into(),
    }
}

const T0: &str = "2026-01-01T00:00:00Z";

fn now(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn invokes(tasks: &[TaskChange]) -> Vec<(u32, Vec<String>)> {
    tasks
        .iter()
        .filter(|t| t.action == TaskAction::Invoke)
        .map(|t| (t.wave.unwrap(), t.instances.clone()))
        .collect()
}

#[test]
fn a_new_rollout_plans_every_wave_in_order() {
    let d = desired("h1");
    let (p, tasks) = plan("s", &d, &policy(0), &ids(40), &[], false, now(T0));
    assert_eq!(p.state, RolloutState::NotStarted);
    let sizes: Vec<usize> = invokes(&tasks).iter().map(|(_, i)| i.len()).collect();
    assert_eq!(sizes, [1, 3, 16, 20]);
    assert_eq!(invokes(&tasks)[0].1, ["i-000"]);
    let waves: Vec<u32> = invokes(&tasks).iter().map(|(w, _)| *w).collect();
    assert_eq!(waves, [0, 1, 2, 3]);
    assert!(p.waves.iter().all(|w| w.status == WaveStatus::Planned));
    // Every invoke has its own batch and a token.
    let batches: BTreeSet<u32> = tasks.iter().map(|t| t.batch).collect();
    assert_eq!(batches.len(), 4);
}

#[test]
fn a_wave_larger_than_50_is_split_into_batches() {
    let d = desired("h1");
    let mut p = policy(0);
    p.waves = Waves::List(vec![Amount::Percent(100)]);
    let (_, tasks) = plan("s", &d, &p, &ids(120), &[], false, now(T0));
    let sizes: Vec<usize> = tasks.iter().map(|t| t.instances.len()).collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert!(tasks.iter().all(|t| t.wave == Some(0)));
}

#[test]
fn a_running_wave_is_waited_for_and_the_rest_follows() {
    let d = desired("h1");
    let t0 = task("t-0", "h1", 0, 0, &[("i-000", TargetStatus::Running)], T0);
    let (p, tasks) = plan("s", &d, &policy(0), &ids(40), &[&t0], false, now(T0));
    assert_eq!(
        p.state,
        RolloutState::InProgress {
            wave: 0,
            settled: false
        }
    );
    let sizes: Vec<usize> = invokes(&tasks).iter().map(|(_, i)| i.len()).collect();
    assert_eq!(sizes, [3, 16, 20], "nobody of wave 1 again");
    assert!(
        !invokes(&tasks)
            .iter()
            .any(|(_, i)| i.contains(&"i-000".into()))
    );
}

#[test]
fn failures_over_the_budget_halt_and_nothing_more_is_invoked() {
    let d = desired("h1");
    let t0 = task("t-0", "h1", 0, 0, &[("i-000", TargetStatus::Success)], T0);
    let t1 = task(
        "t-1",
        "h1",
        1,
        1,
        &[
            ("i-001", TargetStatus::Failed),
            ("i-002", TargetStatus::Success),
            ("i-003", TargetStatus::Timeout),
        ],
        T0,
    );
    let (p, tasks) = plan("s", &d, &policy(1), &ids(40), &[&t0, &t1], false, now(T0));
    match &p.state {
        RolloutState::Halted {
            wave,
            reason,
            failed,
        } => {
            assert_eq!(*wave, 1);
            assert_eq!(reason, "2 failed > maxErrors 1");
            let who: Vec<&str> = failed.iter().map(|f| f.instance_id.as_str()).collect();
            assert_eq!(who, ["i-001", "i-003"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(invokes(&tasks).is_empty());
    assert_eq!(p.waves[1].status, WaveStatus::Halted);
    assert_eq!(p.waves[2].status, WaveStatus::Waiting);
    // A larger budget is a new policy: the same cloud is no longer halted.
    let (p, tasks) = plan("s", &d, &policy(2), &ids(40), &[&t0, &t1], false, now(T0));
    assert!(matches!(
        p.state,
        RolloutState::InProgress {
            wave: 1,
            settled: true
        }
    ));
    assert_eq!(invokes(&tasks)[0].0, 2);
    // With finished, a non-zero exit is done, a timeout still fails.
    let mut lenient = policy(0);
    lenient.wait_for = WaitFor::Finished;
    let (p, _) = plan("s", &d, &lenient, &ids(40), &[&t0, &t1], false, now(T0));
    assert!(matches!(p.state, RolloutState::Halted { .. }));
    assert_eq!(p.errors, 1);
}

#[test]
fn resume_accepts_the_failures_so_far_and_goes_on() {
    let d = desired("h1");
    let t0 = task("t-0", "h1", 0, 0, &[("i-000", TargetStatus::Failed)], T0);
    let (p, tasks) = plan("s", &d, &policy(0), &ids(10), &[&t0], true, now(T0));
    assert!(p.resume);
    let modify: Vec<&TaskChange> = tasks
        .iter()
        .filter(|t| t.action == TaskAction::Modify)
        .collect();
    assert_eq!(modify.len(), 1);
    assert_eq!(modify[0].id.as_deref(), Some("t-0"));
    // 10% of 10 is the one instance wave 1 reached: wave 2 adds nobody.
    let waves: Vec<u32> = invokes(&tasks).iter().map(|(w, _)| *w).collect();
    assert_eq!(waves, [2, 3]);
    assert_eq!(p.waves[1].status, WaveStatus::Empty);
    // Once the wave tag says so, later plans count from there.
    let mut t0r = t0.clone();
    t0r.tags.insert(TAG_WAVE.into(), wave_tag(0, true));
    let (p, _) = plan("s", &d, &policy(0), &ids(10), &[&t0r], false, now(T0));
    assert!(!matches!(p.state, RolloutState::Halted { .. }));
    assert_eq!(p.errors, 0);
    assert!(!p.waves[0].counted);
}

#[test]
fn an_interrupted_wave_is_finished_with_the_same_instances() {
    let d = desired("h1");
    let mut p = policy(0);
    p.waves = Waves::List(vec![
        Amount::Count(1),
        Amount::Count(60),
        Amount::Percent(100),
    ]);
    let t0 = task("t-0", "h1", 0, 0, &[("i-000", TargetStatus::Success)], T0);
    let (_, first) = plan("s", &d, &p, &ids(100), &[&t0], false, now(T0));
    let wave1 = invokes(&first);
    assert_eq!(wave1[0].1.len(), 50);
    assert_eq!(wave1[1].1.len(), 9);
    // Apply was killed after the first batch of wave 2.
    let runs: Vec<(&str, TargetStatus)> = wave1[0]
        .1
        .iter()
        .map(|i| (i.as_str(), TargetStatus::Running))
        .collect();
    let t1 = task("t-1", "h1", 1, 1, &runs, T0);
    let (state, again) = plan("s", &d, &p, &ids(100), &[&t0, &t1], false, now(T0));
    assert!(matches!(
        state.state,
        RolloutState::InProgress { wave: 1, .. }
    ));
    let next = invokes(&again);
    assert_eq!(next[0], wave1[1], "the rest of wave 2, the same instances");
    assert_ne!(next[0].0, 2);
    // The continued batch is a new batch number with the same token on every retry.
    let (_, third) = plan("s", &d, &p, &ids(100), &[&t0, &t1], false, now(T0));
    assert_eq!(again, third);
}

#[test]
fn a_wave_past_its_timeout_halts() {
    let d = desired("h1");
    let t0 = task("t-0", "h1", 0, 0, &[("i-000", TargetStatus::Running)], T0);
    let (p, tasks) = plan(
        "s",
        &d,
        &policy(0),
        &ids(10),
        &[&t0],
        false,
        now("2026-01-01T00:10:01Z"),
    );
    match p.state {
        RolloutState::Halted { reason, .. } => {
            assert!(reason.contains("waveTimeout of 600s"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(invokes(&tasks).is_empty());
}

#[test]
fn a_new_spec_is_a_new_rollout_and_joiners_after_the_last_wave_run_once() {
    let old = task("t-0", "h0", 0, 3, &[("i-000", TargetStatus::Success)], T0);
    let d = desired("h1");
    let (p, tasks) = plan("s", &d, &policy(0), &ids(10), &[&old], false, now(T0));
    assert_eq!(p.state, RolloutState::NotStarted);
    assert_eq!(invokes(&tasks)[0], (0, vec!["i-000".to_string()]));
    // Every wave ran; one instance joins.
    let done: Vec<(String, TargetStatus)> = ids(10)
        .into_iter()
        .map(|i| (i, TargetStatus::Success))
        .collect();
    let runs: Vec<(&str, TargetStatus)> = done.iter().map(|(i, s)| (i.as_str(), *s)).collect();
    let all = task("t-1", "h1", 0, 3, &runs, T0);
    let mut fleet = ids(10);
    fleet.push("i-new".into());
    let (p, tasks) = plan("s", &d, &policy(0), &fleet, &[&all], false, now(T0));
    assert_eq!(invokes(&tasks), [(3, vec!["i-new".to_string()])]);
    assert!(tasks.iter().any(|t| t.membership));
    assert_eq!(p.instances, 11);
    // Once it ran, the rollout is complete.
    let joined = task("t-2", "h1", 1, 3, &[("i-new", TargetStatus::Success)], T0);
    let (p, tasks) = plan(
        "s",
        &d,
        &policy(0),
        &fleet,
        &[&all, &joined],
        false,
        now(T0),
    );
    assert_eq!(p.state, RolloutState::Complete);
    assert!(invokes(&tasks).is_empty());
}

#[test]
fn cancelled_runs_are_reached_again() {
    let d = desired("h1");
    let t0 = task(
        "t-0",
        "h1",
        0,
        0,
        &[
            ("i-000", TargetStatus::Cancelled),
            ("i-001", TargetStatus::Success),
        ],
        T0,
    );
    let mut p = policy(0);
    p.waves = Waves::List(vec![Amount::Count(2), Amount::Percent(100)]);
    let (_, tasks) = plan("s", &d, &p, &ids(4), &[&t0], false, now(T0));
    assert_eq!(invokes(&tasks)[0], (0, vec!["i-000".to_string()]));
}
