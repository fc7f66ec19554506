//! A rollout in words, the same for the text and markdown plans and for `status`: its
//! policy, where it stands, and each wave with its first instances and a count.

use crate::domain::rollout::{Policy, Waves};
use crate::domain::schedule::format_span;
use crate::reconcile::{RolloutPlan, RolloutState, WavePlan, WaveStatus, describe_rollout};

/// Instances named per wave before "and N more".
const SHOWN: usize = 5;

/// `(label, text)` pairs: `rollout`, `state`, then one `wave k/n` per wave.
pub fn lines(name: &str, r: &RolloutPlan) -> Vec<(String, String)> {
    let mut out = vec![
        (
            "rollout".to_string(),
            policy(&r.policy, r.instances, r.budget),
        ),
        ("state".to_string(), state(name, r)),
    ];
    let n = r.waves.len();
    for w in &r.waves {
        out.push((format!("wave {}/{n}", w.wave + 1), wave(w)));
    }
    out
}

/// `waves 1, 10%, 50%, 100% of 40 instances; maxErrors 1; waitFor success; ...`
pub fn policy(p: &Policy, instances: usize, budget: usize) -> String {
    let waves = match &p.waves {
        Waves::List(list) => format!(
            "waves {}",
            list.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Waves::Size(s) => format!("waves of {s}"),
    };
    let mut s = format!(
        "{waves} of {instances} {}; maxErrors {} ({budget} allowed); waitFor {}; waveTimeout {}",
        if instances == 1 {
            "instance"
        } else {
            "instances"
        },
        p.max_errors,
        p.wait_for.name(),
        format_span(p.wave_timeout)
    );
    if p.pause > 0 {
        s.push_str(&format!("; pause {}", format_span(p.pause)));
    }
    if p.stop_on_halt {
        s.push_str("; stopOnHalt");
    }
    s
}

/// Where it stands, with the errors against the budget.
pub fn state(name: &str, r: &RolloutPlan) -> String {
    let mut s = describe_rollout(&r.state);
    if let RolloutState::Halted { failed, .. } = &r.state {
        let list: Vec<String> = failed
            .iter()
            .take(SHOWN)
            .map(|f| format!("{} {}", f.instance_id, f.status))
            .collect();
        if !list.is_empty() {
            s.push_str(&format!(" ({}", list.join(", ")));
            if failed.len() > SHOWN {
                s.push_str(&format!(" and {} more", failed.len() - SHOWN));
            }
            s.push(')');
        }
        s.push_str(&format!(
            "; nothing more is invoked until the spec or maxErrors changes, or `apply --resume {name}`"
        ));
    } else if !matches!(r.state, RolloutState::NotStarted) {
        s.push_str(&format!(
            "; {} of {} failed runs allowed",
            r.errors, r.budget
        ));
    }
    if r.resume {
        s.push_str("; this apply resumes it (the failures so far are accepted)");
    }
    s
}

fn wave(w: &WavePlan) -> String {
    let status = match w.status {
        WaveStatus::Done => "done",
        WaveStatus::Running => "running",
        WaveStatus::Halted => "halted",
        WaveStatus::Planned => "planned",
        WaveStatus::Waiting => "waiting",
        WaveStatus::Empty => "empty",
    };
    let mut s = format!("{status}, cumulative {}", w.size);
    if !w.instances.is_empty() {
        let mut ids: Vec<&str> = w.instances.iter().take(SHOWN).map(String::as_str).collect();
        let more = w.instances.len().saturating_sub(SHOWN);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        ids.sort_unstable();
        s.push_str(&format!(
            "; {} {}: {}{more}",
            w.instances.len(),
            if w.instances.len() == 1 {
                "instance"
            } else {
                "instances"
            },
            ids.join(", ")
        ));
    }
    let ran = w.succeeded + w.failed + w.running;
    if ran > 0 {
        s.push_str(&format!(
            " ({} succeeded, {} failed, {} running{})",
            w.succeeded,
            w.failed,
            w.running,
            if w.counted {
                ""
            } else {
                "; failures accepted by --resume"
            }
        ));
    }
    s
}
