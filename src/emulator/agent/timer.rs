//! When a repeating task runs next on a target (aliyun_assist_client `timermanager/`):
//!
//! - `rate(...)` runs on a fixed grid anchored at the task's creation: the first run one
//!   interval after it, then every interval, whatever each run took;
//! - `at(...)` runs once;
//! - a cron expression runs at its next match in its own time zone, or in the instance's
//!   when it has none.
//!
//! Fires are never replayed: the next run is the first grid point or match after *now*, so
//! fires missed while the emulator was down (or skipped by a clock advanced past them) are
//! dropped, as the agent drops them.

use chrono::{DateTime, Utc};

use crate::domain::schedule::{Frequency, Zone};

/// The first fire strictly after `now`, if there is one.
pub fn next_after(
    frequency: &str,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
    instance_zone: &str,
) -> Option<DateTime<Utc>> {
    let f = Frequency::parse(frequency).ok()?;
    match f {
        Frequency::Rate { secs } => {
            let secs = i64::try_from(secs).ok()?.max(1);
            let elapsed = (now - created).num_seconds().max(0);
            let k = elapsed / secs + 1;
            Some(created + chrono::Duration::seconds(k * secs))
        }
        other => {
            let zone = Zone::parse(instance_zone).unwrap_or(Zone::Utc);
            other.next_fires(now, 1, &zone).into_iter().next()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn rate_is_a_grid_from_creation() {
        let c = t("2026-01-01T00:00:00Z");
        assert_eq!(
            next_after("rate(5m)", c, c, "UTC"),
            Some(t("2026-01-01T00:05:00Z"))
        );
        // A run that took 2 minutes does not move the grid; missed fires are dropped.
        assert_eq!(
            next_after("rate(5m)", c, t("2026-01-01T00:07:00Z"), "UTC"),
            Some(t("2026-01-01T00:10:00Z"))
        );
        assert_eq!(
            next_after("rate(5m)", c, t("2026-01-01T03:00:00Z"), "UTC"),
            Some(t("2026-01-01T03:05:00Z"))
        );
    }

    #[test]
    fn at_once_and_cron_in_the_instance_zone() {
        let now = t("2026-01-01T00:00:00Z");
        let at = "at(2026-01-01 09:00:00 Asia/Shanghai)";
        assert_eq!(
            next_after(at, now, now, "UTC"),
            Some(t("2026-01-01T01:00:00Z"))
        );
        assert_eq!(next_after(at, now, t("2026-01-01T01:00:00Z"), "UTC"), None);
        // 02:00 every day, in the instance's zone when the cron has none.
        assert_eq!(
            next_after("0 0 2 * * ?", now, now, "Asia/Shanghai"),
            Some(t("2026-01-01T18:00:00Z"))
        );
    }
}
