//! A schedule as a plan shows it: in words, and its next three fire times as wall-clock
//! time in the schedule's own zone (so a cron in Europe/Berlin shows +01:00 before the
//! March change and +02:00 after it).

use chrono::{DateTime, Utc};

use crate::domain::schedule::{Frequency, Zone};

use super::change::PlannedSchedule;
use super::model::RepeatMode;

/// Fire times shown per schedule.
pub const SHOWN_FIRES: usize = 3;

/// `repeat_mode` and `frequency` as the API takes them; fires are counted after `now`.
pub fn planned(
    repeat_mode: RepeatMode,
    frequency: Option<&str>,
    now: DateTime<Utc>,
) -> PlannedSchedule {
    let frequency = frequency.filter(|f| !f.is_empty());
    let (description, time_zone, next_fires) = match (repeat_mode, frequency) {
        (RepeatMode::Once, _) => ("once, when apply invokes it".to_string(), None, Vec::new()),
        (RepeatMode::NextRebootOnly, _) => (
            "once, at the next boot of each instance".to_string(),
            None,
            Vec::new(),
        ),
        (RepeatMode::EveryReboot, _) => (
            "at every boot of each instance".to_string(),
            None,
            Vec::new(),
        ),
        (_, Some(f)) => match Frequency::parse(f) {
            Ok(freq) => period(&freq, now),
            Err(e) => (format!("unreadable Frequency `{f}`: {e}"), None, Vec::new()),
        },
        (mode, None) => (format!("{mode} without a Frequency"), None, Vec::new()),
    };
    PlannedSchedule {
        repeat_mode,
        frequency: frequency.map(str::to_string),
        description,
        time_zone,
        next_fires,
    }
}

fn period(f: &Frequency, now: DateTime<Utc>) -> (String, Option<String>, Vec<String>) {
    // A cron without a zone fires in each instance's own zone; UTC stands in for them.
    let zone = f.zone_or(&Zone::Utc).clone();
    let fires: Vec<String> = f
        .next_fires(now, SHOWN_FIRES, &zone)
        .iter()
        .map(|t| zone.format(t))
        .collect();
    // croner ends its sentences with a period, before the zone in parentheses.
    let mut description = f.describe().replace(". (", " (");
    match f {
        Frequency::Rate { .. } => {
            description
                .push_str(", counted from when the task is created (shown from the plan's time)");
        }
        Frequency::At { .. } if fires.is_empty() => description.push_str(", which has passed"),
        Frequency::Cron { zone: None, .. } => {
            description.push_str("; fire times shown in UTC");
        }
        _ => {}
    }
    (description, Some(zone.name()), fires)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// The rotate-app-logs example fires on Sundays at 04:15 Berlin time: the last Sunday
    /// of March 2026 (the 29th) is the first in summer time.
    #[test]
    fn cron_in_berlin_keeps_the_wall_clock_across_the_dst_change() {
        let s = planned(
            RepeatMode::Period,
            Some("0 15 4 ? * SUN Europe/Berlin"),
            utc("2026-03-20T12:00:00Z"),
        );
        assert_eq!(s.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            s.next_fires,
            [
                "2026-03-22 04:15:00 +01:00 (Europe/Berlin)",
                "2026-03-29 04:15:00 +02:00 (Europe/Berlin)",
                "2026-04-05 04:15:00 +02:00 (Europe/Berlin)",
            ]
        );
        // And back to winter time in October.
        let s = planned(
            RepeatMode::Period,
            Some("0 15 4 ? * SUN Europe/Berlin"),
            utc("2026-10-19T00:00:00Z"),
        );
        assert_eq!(
            s.next_fires,
            [
                "2026-10-25 04:15:00 +01:00 (Europe/Berlin)",
                "2026-11-01 04:15:00 +01:00 (Europe/Berlin)",
                "2026-11-08 04:15:00 +01:00 (Europe/Berlin)",
            ]
        );
        let s = planned(
            RepeatMode::Period,
            Some("0 15 4 ? * SUN Europe/Berlin"),
            utc("2026-10-18T00:00:00Z"),
        );
        assert_eq!(
            s.next_fires[0],
            "2026-10-18 04:15:00 +02:00 (Europe/Berlin)"
        );
    }

    #[test]
    fn other_schedules_in_words() {
        let now = utc("2026-01-01T00:00:00Z");
        let rate = planned(RepeatMode::Period, Some("rate(5m)"), now);
        assert!(rate.description.starts_with("every 5 minutes"));
        assert_eq!(rate.next_fires[0], "2026-01-01 00:05:00 +00:00 (UTC)");
        let at = planned(
            RepeatMode::Period,
            Some("at(2030-01-13 02:00:00 Asia/Shanghai)"),
            now,
        );
        assert_eq!(
            at.next_fires,
            ["2030-01-13 02:00:00 +08:00 (Asia/Shanghai)"]
        );
        let past = planned(RepeatMode::Period, Some("at(2020-01-13 02:00:00 UTC)"), now);
        assert!(past.description.ends_with("which has passed"));
        assert!(
            planned(RepeatMode::EveryReboot, None, now)
                .description
                .contains("every boot")
        );
        assert!(planned(RepeatMode::Once, None, now).next_fires.is_empty());
    }
}
