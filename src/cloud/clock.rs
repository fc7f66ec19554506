//! Wall-clock time, injectable.
//!
//! Signing needs the current UTC time and credential caching compares it with expirations.
//! Tests substitute a fixed or hand-advanced clock. Durations (sleeps, latency) use tokio's monotonic clock instead.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stays where it is put; for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The `yyyy-MM-ddTHH:mm:ssZ` form used by `Timestamp` (V1) and `x-acs-date` (V3).
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses the service's times: RFC 3339, or the minute-precision `2020-11-17T06:52Z` that one
/// doc sample shows.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%MZ")
        .ok()
        .map(|n| n.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_and_parses() {
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 8, 30, 0).unwrap();
        assert_eq!(format_timestamp(t), "2024-05-01T08:30:00Z");
        assert_eq!(parse_timestamp("2024-05-01T08:30:00Z"), Some(t));
        assert_eq!(parse_timestamp("2024-05-01T08:30Z"), Some(t));
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn manual_clock_advances() {
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 8, 30, 0).unwrap();
        let c = ManualClock::new(t);
        c.advance(chrono::Duration::seconds(5));
        assert_eq!(c.now(), t + chrono::Duration::seconds(5));
    }
}
