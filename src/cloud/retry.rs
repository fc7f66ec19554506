//! The retry policy: which failures to retry, how long to wait, and when to give up.
//!
//! - Only [`Error::is_retryable`] failures are retried (throttling, 5xx, resets, timeouts).
//! - Throttling honours the server: an `x-acs-retry-after` header gives the wait; otherwise the
//!   client waits for the rest of the quota window (ECS counts API calls per minute), since
//!   retrying inside the same window is throttled again.
//! - Everything else waits for [`BackoffConfig::full_jitter`].
//! - Attempts and total elapsed time are both bounded; a wait that would overrun the time
//!   budget is not started: the client gives up at once and returns the last error.
//!
//! This module only decides; the client's loop sleeps, re-signs (fresh nonce and date) and
//! sends again.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::backoff::BackoffConfig;
use super::error::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts in total, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The time budget of one call, all attempts and waits included.
    pub max_elapsed: Duration,
    pub backoff: BackoffConfig,
    /// The server's throttling window; a throttled call without `x-acs-retry-after` waits for
    /// the next window boundary. Zero means "use the backoff instead".
    pub throttle_window: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(150),
            backoff: BackoffConfig::default(),
            throttle_window: Duration::from_secs(60),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    RetryAfter(Duration),
    GiveUp,
}

impl RetryConfig {
    /// Decides after attempt number `attempt` (1-based) failed with `error`, `elapsed` after
    /// the call began. `now` is wall-clock time (for the throttling window), `unit` a uniform
    /// sample in `[0, 1)` for jitter.
    pub fn decide(
        &self,
        attempt: u32,
        error: &Error,
        elapsed: Duration,
        now: DateTime<Utc>,
        unit: f64,
    ) -> Decision {
        if !error.is_retryable() || attempt >= self.max_attempts {
            return Decision::GiveUp;
        }
        let backoff = self.backoff.full_jitter(attempt.saturating_sub(1), unit);
        let wait = match error.api() {
            Some(api) if api.retry_after.is_some() => api.retry_after.unwrap_or_default(),
            Some(api) if api.is_throttling() && !self.throttle_window.is_zero() => {
                rest_of_window(now, self.throttle_window).max(backoff)
            }
            _ => backoff,
        };
        if elapsed.saturating_add(wait) > self.max_elapsed {
            Decision::GiveUp
        } else {
            Decision::RetryAfter(wait)
        }
    }
}

/// Time from `now` to the next multiple of `window` since the Unix epoch (for a one-minute
/// window: the next full minute).
pub fn rest_of_window(now: DateTime<Utc>, window: Duration) -> Duration {
    let window_ms = window.as_millis().max(1) as i128;
    let now_ms = now.timestamp_millis() as i128;
    let into = now_ms.rem_euclid(window_ms);
    Duration::from_millis((window_ms - into) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::error::ApiError;
    use chrono::TimeZone;

    fn api(code: &str, status: u16, retry_after: Option<u64>) -> Error {
        Error::Api {
            action: "X".into(),
            error: Box::new(ApiError {
                code: code.into(),
                http_status: status,
                retry_after: retry_after.map(Duration::from_secs),
                ..Default::default()
            }),
        }
    }

    fn at(sec: u32, ms: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, sec).unwrap()
            + chrono::Duration::milliseconds(ms as i64)
    }

    fn config() -> RetryConfig {
        RetryConfig {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(100),
            backoff: BackoffConfig {
                base: Duration::from_millis(100),
                cap: Duration::from_secs(5),
            },
            throttle_window: Duration::from_secs(60),
        }
    }

    #[test]
    fn server_errors_back_off_with_jitter() {
        let c = config();
        let e = api("ServiceUnavailable", 503, None);
        assert_eq!(
            c.decide(1, &e, Duration::ZERO, at(0, 0), 0.5),
            Decision::RetryAfter(Duration::from_millis(50))
        );
        assert_eq!(
            c.decide(3, &e, Duration::ZERO, at(0, 0), 0.5),
            Decision::RetryAfter(Duration::from_millis(200))
        );
    }

    #[test]
    fn client_errors_and_the_attempt_bound_give_up() {
        let c = config();
        assert_eq!(
            c.decide(
                1,
                &api("InvalidParameter", 400, None),
                Duration::ZERO,
                at(0, 0),
                0.5
            ),
            Decision::GiveUp
        );
        assert_eq!(
            c.decide(
                4,
                &api("InternalError", 500, None),
                Duration::ZERO,
                at(0, 0),
                0.5
            ),
            Decision::GiveUp
        );
    }

    #[test]
    fn throttling_waits_for_the_rest_of_the_minute() {
        let c = config();
        let e = api("Throttling.User", 400, None);
        assert_eq!(
            c.decide(1, &e, Duration::ZERO, at(45, 500), 0.0),
            Decision::RetryAfter(Duration::from_millis(14_500))
        );
    }

    #[test]
    fn retry_after_header_wins() {
        let c = config();
        let e = api("Throttling", 400, Some(3));
        assert_eq!(
            c.decide(1, &e, Duration::ZERO, at(1, 0), 0.9),
            Decision::RetryAfter(Duration::from_secs(3))
        );
    }

    #[test]
    fn a_wait_beyond_the_time_budget_gives_up() {
        let c = config();
        let e = api("Throttling", 400, None);
        assert_eq!(
            c.decide(1, &e, Duration::from_secs(90), at(1, 0), 0.0),
            Decision::GiveUp
        );
        assert_eq!(
            c.decide(1, &e, Duration::from_secs(30), at(1, 0), 0.0),
            Decision::RetryAfter(Duration::from_secs(59))
        );
    }

    #[test]
    fn rest_of_window_is_never_zero() {
        assert_eq!(
            rest_of_window(at(0, 0), Duration::from_secs(60)),
            Duration::from_secs(60)
        );
        assert_eq!(
            rest_of_window(at(59, 999), Duration::from_secs(60)),
            Duration::from_millis(1)
        );
    }
}
