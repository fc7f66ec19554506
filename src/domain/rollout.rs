//! Rollouts: a `once` invocation that reaches its instances wave by wave, each wave waiting
//! for its runs, and halting when failed runs spend the error budget. The manifest rules,
//! the reconciler, apply and `status` all read these definitions.
//!
//! Waves are cumulative: `[1, 10%, 50%, 100%]` reaches 1 instance, then up to 10% of the
//! instances, then half, then all. A percentage is of the instances the rollout covers now
//! (those that ran this spec, and those that can run it), rounded up, so a wave is never
//! empty for want of rounding; the budget `maxErrors: N%` is rounded down, so it never
//! allows more than it says.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::status::TargetStatus;

/// A number of instances, or a percentage of the instances a rollout covers.
/// Written as the manifest writes it (`"3"`, `"10%"`) in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Amount {
    Count(u32),
    Percent(u32),
}

impl Amount {
    /// `3` or `25%`.
    pub fn parse(text: &str) -> Result<Amount, String> {
        let t = text.trim();
        if let Some(p) = t.strip_suffix('%') {
            return p
                .trim()
                .parse::<u32>()
                .map(Amount::Percent)
                .map_err(|_| format!("`{text}` is not a whole percentage such as `10%`"));
        }
        t.parse::<u32>()
            .map(Amount::Count)
            .map_err(|_| format!("`{text}` is not a number of instances or a percentage"))
    }

    /// The cumulative size of a wave among `n` instances (percentages round up).
    pub fn wave_of(self, n: usize) -> usize {
        match self {
            Amount::Count(c) => (c as usize).min(n),
            Amount::Percent(p) => (p as usize * n).div_ceil(100).min(n),
        }
    }

    /// An error budget among `n` instances (percentages round down).
    pub fn budget_of(self, n: usize) -> usize {
        match self {
            Amount::Count(c) => c as usize,
            Amount::Percent(p) => p as usize * n / 100,
        }
    }
}

impl From<Amount> for String {
    fn from(a: Amount) -> String {
        a.to_string()
    }
}

impl TryFrom<String> for Amount {
    type Error = String;
    fn try_from(s: String) -> Result<Amount, String> {
        Amount::parse(&s)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Count(c) => write!(f, "{c}"),
            Amount::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// How the waves are given: a list of cumulative sizes, or one size repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Waves {
    List(Vec<Amount>),
    Size(Amount),
}

/// What a wave waits for before the next one starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WaitFor {
    /// Every run ended `Success`; any other end counts against the budget.
    #[default]
    Success,
    /// Every run ended: a script that ran to its end with a non-zero exit code (`Failed`)
    /// counts as done; runs that did not get to the end (timeout, error, not delivered,
    /// killed) count against the budget.
    Finished,
}

impl WaitFor {
    pub fn name(self) -> &'static str {
        match self {
            WaitFor::Success => "success",
            WaitFor::Finished => "finished",
        }
    }

    /// Whether a final run counts against the budget: `Failed` (with `success`), `Timeout`,
    /// `Error`, `Invalid` and `Aborted`. A run stopped by StopInvocation (`Cancelled` before
    /// it started, `Terminated` while it ran, `Stopped`) ended because someone stopped it,
    /// not because the script failed, so it spends no budget; the `stopOnHalt` of a halting
    /// rollout would otherwise count its own stops as failures.
    pub fn is_error(self, s: TargetStatus) -> bool {
        match s {
            TargetStatus::Failed => self == WaitFor::Success,
            TargetStatus::Timeout
            | TargetStatus::Error
            | TargetStatus::Invalid
            | TargetStatus::Aborted => true,
            _ => false,
        }
    }
}

/// A rollout as the manifests declare it, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub waves: Waves,
    pub max_errors: Amount,
    pub wait_for: WaitFor,
    /// Seconds a wave may take from its first invoke until every run has ended.
    pub wave_timeout: u64,
    /// Seconds between the end of a wave and the start of the next.
    pub pause: u64,
    /// When the rollout halts, stop the runs of the failing wave that have not ended.
    pub stop_on_halt: bool,
}

impl Policy {
    /// The cumulative size of every wave among `n` instances: non-decreasing, the last is
    /// `n`. Indexes are stable for a given `n` (a wave that adds nobody stays in the list),
    /// so the wave number a task carries means the same on the next apply.
    pub fn sizes(&self, n: usize) -> Vec<usize> {
        let mut out: Vec<usize> = match &self.waves {
            Waves::List(list) => list.iter().map(|a| a.wave_of(n)).collect(),
            Waves::Size(step) => {
                let step = step.wave_of(n).max(1);
                let mut v: Vec<usize> = (1..).map(|k| k * step).take_while(|&s| s < n).collect();
                v.push(n);
                v
            }
        };
        let mut top = 0;
        for s in &mut out {
            top = top.max(*s);
            *s = top;
        }
        if let Some(last) = out.last_mut() {
            *last = n;
        } else {
            out.push(n);
        }
        out
    }

    /// The number of failed runs the rollout tolerates among `n` instances.
    pub fn budget(&self, n: usize) -> usize {
        self.max_errors.budget_of(n)
    }
}

/// The wave tag's value: the wave's index, and `;resumed` once `apply --resume` accepted the
/// failures of the rollout up to and including this wave.
pub fn wave_tag(wave: u32, resumed: bool) -> String {
    if resumed {
        format!("{wave};resumed")
    } else {
        wave.to_string()
    }
}

/// Reads a wave tag; `None` for a value this version did not write.
pub fn parse_wave_tag(v: &str) -> Option<(u32, bool)> {
    match v.split_once(';') {
        Some((w, "resumed")) => Some((w.parse().ok()?, true)),
        Some(_) => None,
        None => Some((v.parse().ok()?, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(waves: Waves) -> Policy {
        Policy {
            waves,
            max_errors: Amount::Count(0),
            wait_for: WaitFor::Success,
            wave_timeout: 600,
            pause: 0,
            stop_on_halt: false,
        }
    }

    #[test]
    fn waves_are_cumulative_and_reach_everyone() {
        let p = policy(Waves::List(vec![
            Amount::Count(1),
            Amount::Percent(10),
            Amount::Percent(50),
            Amount::Percent(100),
        ]));
        assert_eq!(p.sizes(40), [1, 4, 20, 40]);
        // Rounding up: 10% of 3 is one instance, never zero.
        assert_eq!(p.sizes(3), [1, 1, 2, 3]);
        assert_eq!(p.sizes(0), [0, 0, 0, 0]);
        let step = policy(Waves::Size(Amount::Percent(25)));
        assert_eq!(step.sizes(10), [3, 6, 9, 10]);
        let count = policy(Waves::Size(Amount::Count(50)));
        assert_eq!(count.sizes(120), [50, 100, 120]);
        assert_eq!(count.sizes(100), [50, 100]);
    }

    #[test]
    fn a_percentage_budget_rounds_down() {
        let mut p = policy(Waves::Size(Amount::Count(1)));
        p.max_errors = Amount::Percent(10);
        assert_eq!(p.budget(39), 3);
        assert_eq!(p.budget(9), 0);
        p.max_errors = Amount::Count(2);
        assert_eq!(p.budget(1), 2);
    }

    #[test]
    fn what_counts_against_the_budget() {
        use TargetStatus::*;
        for s in [Timeout, Error, Invalid, Aborted, Failed] {
            assert!(WaitFor::Success.is_error(s), "{s:?}");
        }
        assert!(!WaitFor::Finished.is_error(Failed));
        assert!(WaitFor::Finished.is_error(Timeout));
        for s in [Success, Cancelled, Terminated, Stopped, Running, Pending] {
            assert!(!WaitFor::Success.is_error(s), "{s:?}");
        }
    }

    #[test]
    fn amounts_and_tags_read_back() {
        assert_eq!(Amount::parse("10%"), Ok(Amount::Percent(10)));
        assert_eq!(Amount::parse("3"), Ok(Amount::Count(3)));
        assert!(Amount::parse("ten").is_err());
        assert_eq!(parse_wave_tag(&wave_tag(2, true)), Some((2, true)));
        assert_eq!(parse_wave_tag(&wave_tag(0, false)), Some((0, false)));
        assert_eq!(parse_wave_tag("x"), None);
    }
}
