//! Rules for `spec.rollout`: waves that grow and reach every instance, a budget that can
//! halt, durations that parse, and a schedule that has a run to wait for.

use crate::domain::rollout::{Amount, Policy, WaitFor, Waves};
use crate::domain::schedule::parse_span;
use crate::domain::tags::MAX_TASK_USER_TAGS;
use crate::manifest::diagnostic::{Diagnostic, Severity};
use crate::manifest::set::Located;
use crate::manifest::types::{AmountValue, InvocationDocument, Schedule, ScheduleKeyword};
use crate::manifest::types::{Rollout, WaitForName};

/// Extra time a wave gets beyond its run's timeout by default: delivery to a busy agent
/// and the report back.
const WAVE_TIMEOUT_SLACK_SECS: u64 = 300;

/// The checked rollout, or `None` (nothing declared, or an error reported).
pub fn check(
    inv: &Located<InvocationDocument>,
    run_timeout: u64,
    stack_tags: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<Policy> {
    let r = inv.doc.spec.rollout.as_ref()?;
    let before = diags.len();
    if !matches!(
        inv.doc.spec.schedule,
        Schedule::Keyword(ScheduleKeyword::Once)
    ) {
        diags.push(
            inv.error(
                "rollout-schedule",
                "/spec/rollout",
                "a rollout needs a `once` invocation: each wave waits for the runs of the one before, and a rate, cron, at or boot schedule has no run to wait for when apply invokes it",
            )
            .with_help("roll the script out first with a `once` Invocation of the same command (the rollout gates it), then let the schedule run it; or remove `rollout`"),
        );
    }
    let waves = waves(inv, r, diags);
    let max_errors = match &r.max_errors {
        None => Some(Amount::Count(0)),
        Some(v) => amount(inv, "/spec/rollout/maxErrors", v, diags),
    };
    if let Some(Amount::Percent(p)) = max_errors
        && p >= 100
    {
        diags.push(
            inv.error("rollout-budget", "/spec/rollout/maxErrors", format!("maxErrors {p}% can never be exceeded, so the rollout would never halt"))
                .with_help("give the failures you can accept, e.g. `1` or `5%`; without a rollout every instance runs at once"),
        );
    }
    let ids = &inv.doc.spec.targets.instance_ids;
    if let Some(Amount::Count(n)) = max_errors
        && inv.doc.spec.targets.tags.is_empty()
        && !ids.is_empty()
        && n as usize >= ids.len()
    {
        diags.push(
            inv.error(
                "rollout-budget",
                "/spec/rollout/maxErrors",
                format!(
                    "maxErrors {n} is not below the {} instances the targets name, so the rollout would never halt",
                    ids.len()
                ),
            )
            .with_help(format!("use at most {}", ids.len().saturating_sub(1))),
        );
    }
    let wave_timeout = match &r.wave_timeout {
        None => Some(run_timeout + WAVE_TIMEOUT_SLACK_SECS),
        Some(t) => duration(inv, "/spec/rollout/waveTimeout", t, diags),
    };
    if let Some(t) = wave_timeout
        && r.wave_timeout.is_some()
        && t < run_timeout
    {
        diags.push(
            inv.warning("rollout-timeout", "/spec/rollout/waveTimeout", format!("waveTimeout {t}s is shorter than the run's timeout ({run_timeout}s): a slow run halts the rollout before the agent gives up on it")),
        );
    }
    let pause = match &r.pause {
        None => Some(0),
        Some(t) => duration(inv, "/spec/rollout/pause", t, diags),
    };
    let user_tags = stack_tags + inv.doc.spec.tags.len();
    if user_tags >= MAX_TASK_USER_TAGS {
        diags.push(
            inv.error("tag-count", "/spec/tags", format!("{user_tags} tags of the stack's and this document's: a rollout's tasks carry one more reserved tag (assistctl:wave), so at most {} fit", MAX_TASK_USER_TAGS - 1))
                .with_help("drop a tag from the document or the stack"),
        );
    }
    if diags[before..]
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        return None;
    }
    Some(Policy {
        waves: waves?,
        max_errors: max_errors?,
        wait_for: match r.wait_for {
            Some(WaitForName::Finished) => WaitFor::Finished,
            _ => WaitFor::Success,
        },
        wave_timeout: wave_timeout?,
        pause: pause?,
        stop_on_halt: r.stop_on_halt,
    })
}

fn waves(
    inv: &Located<InvocationDocument>,
    r: &Rollout,
    diags: &mut Vec<Diagnostic>,
) -> Option<Waves> {
    match (&r.waves, &r.wave_size) {
        (Some(_), Some(_)) | (None, None) => {
            diags.push(
                inv.error(
                    "rollout-waves",
                    "/spec/rollout",
                    "give either `waves` (cumulative sizes) or `waveSize` (one size repeated)",
                )
                .with_help("e.g. `waves: [1, 10%, 50%, 100%]` or `waveSize: 10%`"),
            );
            None
        }
        (None, Some(size)) => {
            let a = amount(inv, "/spec/rollout/waveSize", size, diags)?;
            Some(Waves::Size(a))
        }
        (Some(list), None) => {
            let mut out = Vec::new();
            for (k, v) in list.iter().enumerate() {
                out.push(amount(inv, &format!("/spec/rollout/waves/{k}"), v, diags));
            }
            let out: Vec<Amount> = out.into_iter().collect::<Option<_>>()?;
            if out.last() != Some(&Amount::Percent(100)) {
                let ptr = format!("/spec/rollout/waves/{}", out.len().saturating_sub(1));
                diags.push(
                    inv.error(
                        "rollout-waves",
                        if out.is_empty() {
                            "/spec/rollout/waves"
                        } else {
                            &ptr
                        },
                        "the last wave must be `100%`, so the rollout reaches every instance",
                    )
                    .with_help("end the list with 100%, e.g. `[1, 10%, 50%, 100%]`"),
                );
                return None;
            }
            let grows = |f: fn(&Amount) -> Option<u32>| {
                let v: Vec<u32> = out.iter().filter_map(f).collect();
                v.windows(2).all(|w| w[0] < w[1])
            };
            let counts = grows(|a| match a {
                Amount::Count(c) => Some(*c),
                _ => None,
            });
            let percents = grows(|a| match a {
                Amount::Percent(p) => Some(*p),
                _ => None,
            });
            if !counts || !percents {
                diags.push(
                    inv.error(
                        "rollout-waves",
                        "/spec/rollout/waves",
                        "waves are cumulative and must grow: each count and each percentage larger than the one before it",
                    )
                    .with_help("e.g. `[1, 10%, 50%, 100%]`: 1 instance, then up to 10% of them, then half, then all"),
                );
                return None;
            }
            Some(Waves::List(out))
        }
    }
}

/// A wave size or budget: a count of at least 1 (0 for a budget is allowed by the caller's
/// default only when written as `0`), or a percentage from 1 to 100.
fn amount(
    inv: &Located<InvocationDocument>,
    ptr: &str,
    v: &AmountValue,
    diags: &mut Vec<Diagnostic>,
) -> Option<Amount> {
    let budget = ptr.ends_with("maxErrors");
    let parsed = match v {
        AmountValue::Count(n) => u32::try_from(*n)
            .map(Amount::Count)
            .map_err(|_| format!("{n} is too large")),
        AmountValue::Percent(t) => Amount::parse(t),
    };
    let bad = match &parsed {
        Err(e) => Some(e.clone()),
        Ok(Amount::Count(0)) if !budget => Some("a wave of 0 instances reaches nobody".into()),
        Ok(Amount::Percent(0)) if !budget => Some("a wave of 0% reaches nobody".into()),
        Ok(Amount::Percent(p)) if *p > 100 => Some(format!("{p}% is more than all instances")),
        _ => None,
    };
    if let Some(why) = bad {
        diags.push(inv.error("rollout-amount", ptr, why).with_help(
            "a number of instances (e.g. `5`) or a percentage from 1% to 100% (e.g. `10%`)",
        ));
        return None;
    }
    parsed.ok()
}

/// `<n><s|m|h>` in seconds.
fn duration(
    inv: &Located<InvocationDocument>,
    ptr: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<u64> {
    // The schema allows s, m and h; a day is written 24h.
    let secs = parse_span(text).filter(|_| !text.ends_with('d'));
    match secs {
        Some(s) if s > 0 && s <= 7 * 86_400 => Some(s),
        _ => {
            diags.push(
                inv.error(
                    "rollout-duration",
                    ptr,
                    format!("`{text}` is not a duration from 1s to 168h"),
                )
                .with_help("write `<n><s|m|h>`, e.g. `90s`, `10m`, `2h`"),
            );
            None
        }
    }
}
