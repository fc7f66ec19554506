//! The retry policy: which failures to retry, how long to wait, and when to give up.
//!
//! - Only [`Error::is_retryable`] failures are retried (throttling, 5xx, resets, timeouts).
//! - Every wait is capped exponential backoff with full jitter ([`BackoffConfig::full_jitter`]),
//!   so clients throttled together do not come back together. Throttling has its own, longer
//!   schedule, as the AWS SDKs do (AWS SDK for JavaScript v3, `@aws-sdk/middleware-retry`:
//!   a 500 ms base for throttling errors, 100 ms for others, 20 s cap).
//!   An `x-acs-retry-after` header replaces the computed wait: the server knows best.
//! - Throttled attempts and failed ones are counted apart. Throttling says the account is
//!   busy, not that the call is wrong, and under sustained throttling most calls meet several
//!   throttles: charging them to `max_attempts` made an apply give up on healthy calls. They
//!   get their own, larger bound, `max_throttles`, and the client slows down meanwhile
//!   ([`adaptive`](super::adaptive)).
//! - The time budget `max_elapsed` bounds the whole call: a wait that would overrun it is not
//!   started; the client gives up at once and returns the last error.
//!
//! This module only decides; the client's loop sleeps, re-signs (fresh nonce and date) and
//! sends again.

use std::time::Duration;

use super::backoff::BackoffConfig;
use super::error::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts in total that may end in a server or network error, the first included (1
    /// disables those retries). Throttled attempts are not counted here.
    pub max_attempts: u32,
    /// How many throttling answers of one call are retried (0: none).
    pub max_throttles: u32,
    /// The time budget of one call, all attempts and waits included.
    pub max_elapsed: Duration,
    /// Backoff after a server or network error.
    pub backoff: BackoffConfig,
    /// Backoff after throttling without `x-acs-retry-after`.
    pub throttle_backoff: BackoffConfig,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_throttles: 10,
            max_elapsed: Duration::from_secs(150),
            backoff: BackoffConfig::default(),
            throttle_backoff: BackoffConfig {
                base: Duration::from_millis(500),
                cap: Duration::from_secs(20),
            },
        }
    }
}

/// The failed attempts of one call so far, by kind; the attempt just failed included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub throttled: u32,
    pub errors: u32,
}

impl Failures {
    /// Counts one more failure.
    pub fn add(&mut self, error: &Error) {
        if error.is_throttling() {
            self.throttled += 1;
        } else {
            self.errors += 1;
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
    /// Decides after an attempt failed with `error`; `failures` already counts it. `elapsed`
    /// is the time since the call began, `unit` a uniform sample in `[0, 1)` for jitter.
    pub fn decide(
        &self,
        failures: Failures,
        error: &Error,
        elapsed: Duration,
        unit: f64,
    ) -> Decision {
        if !error.is_retryable() {
            return Decision::GiveUp;
        }
        let wait = if error.is_throttling() {
            if failures.throttled > self.max_throttles {
                return Decision::GiveUp;
            }
            match error.api().and_then(|api| api.retry_after) {
                Some(after) => after,
                None => self
                    .throttle_backoff
                    .full_jitter(failures.throttled.saturating_sub(1), unit),
            }
        } else {
            if failures.errors >= self.max_attempts {
                return Decision::GiveUp;
            }
            self.backoff
                .full_jitter(failures.errors.saturating_sub(1), unit)
        };
        if elapsed.saturating_add(wait) > self.max_elapsed {
            Decision::GiveUp
        } else {
            Decision::RetryAfter(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::error::ApiError;

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

    fn config() -> RetryConfig {
        RetryConfig {
            max_attempts: 4,
            max_throttles: 6,
            max_elapsed: Duration::from_secs(100),
            backoff: BackoffConfig {
                base: Duration::from_millis(100),
                cap: Duration::from_secs(5),
            },
            throttle_backoff: BackoffConfig {
                base: Duration::from_secs(1),
                cap: Duration::from_secs(10),
            },
        }
    }

    fn errors(n: u32) -> Failures {
        Failures {
            throttled: 0,
            errors: n,
        }
    }

    fn throttled(n: u32) -> Failures {
        Failures {
            throttled: n,
            errors: 0,
        }
    }

    #[test]
    fn server_errors_back_off_with_jitter() {
        let c = config();
        let e = api("ServiceUnavailable", 503, None);
        assert_eq!(
            c.decide(errors(1), &e, Duration::ZERO, 0.5),
            Decision::RetryAfter(Duration::from_millis(50))
        );
        assert_eq!(
            c.decide(errors(3), &e, Duration::ZERO, 0.5),
            Decision::RetryAfter(Duration::from_millis(200))
        );
    }

    #[test]
    fn client_errors_and_the_attempt_bound_give_up() {
        let c = config();
        let bad = api("InvalidParameter", 400, None);
        assert_eq!(
            c.decide(errors(1), &bad, Duration::ZERO, 0.5),
            Decision::GiveUp
        );
        let e = api("InternalError", 500, None);
        assert_eq!(
            c.decide(errors(4), &e, Duration::ZERO, 0.5),
            Decision::GiveUp
        );
    }

    #[test]
    fn throttling_backs_off_exponentially_with_jitter_up_to_the_cap() {
        let c = config();
        let e = api("Throttling.User", 400, None);
        let waits: Vec<Duration> = (1..=6)
            .map(|n| match c.decide(throttled(n), &e, Duration::ZERO, 0.5) {
                Decision::RetryAfter(w) => w,
                Decision::GiveUp => panic!("gave up after {n} throttles"),
            })
            .collect();
        assert_eq!(
            waits,
            [500, 1000, 2000, 4000, 5000, 5000].map(Duration::from_millis)
        );
        assert_eq!(
            c.decide(throttled(1), &e, Duration::ZERO, 0.0),
            Decision::RetryAfter(Duration::ZERO)
        );
    }

    #[test]
    fn throttles_do_not_use_up_the_attempts_for_errors_nor_the_reverse() {
        let c = config();
        let both = Failures {
            throttled: 5,
            errors: 3,
        };
        let throttle = api("Throttling", 400, None);
        let error = api("InternalError", 500, None);
        assert!(matches!(
            c.decide(both, &throttle, Duration::ZERO, 0.5),
            Decision::RetryAfter(_)
        ));
        assert!(matches!(
            c.decide(both, &error, Duration::ZERO, 0.5),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            c.decide(throttled(7), &throttle, Duration::ZERO, 0.5),
            Decision::GiveUp
        );
        let no_throttle_retries = RetryConfig {
            max_throttles: 0,
            ..config()
        };
        assert_eq!(
            no_throttle_retries.decide(throttled(1), &throttle, Duration::ZERO, 0.5),
            Decision::GiveUp
        );
    }

    #[test]
    fn failures_are_counted_by_kind() {
        let mut f = Failures::default();
        f.add(&api("Throttling.User", 400, None));
        f.add(&api("Anything", 400, Some(1)));
        f.add(&api("ServiceUnavailable", 503, None));
        f.add(&Error::Http {
            action: "X".into(),
            status: 429,
        });
        assert_eq!(
            f,
            Failures {
                throttled: 3,
                errors: 1
            }
        );
    }

    #[test]
    fn retry_after_header_wins() {
        let c = config();
        let e = api("Throttling", 400, Some(3));
        assert_eq!(
            c.decide(throttled(1), &e, Duration::ZERO, 0.9),
            Decision::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            c.decide(throttled(6), &e, Duration::ZERO, 0.9),
            Decision::RetryAfter(Duration::from_secs(3))
        );
    }

    #[test]
    fn a_wait_beyond_the_time_budget_gives_up() {
        let c = config();
        let e = api("Throttling", 400, Some(20));
        assert_eq!(
            c.decide(throttled(1), &e, Duration::from_secs(90), 0.0),
            Decision::GiveUp
        );
        assert_eq!(
            c.decide(throttled(1), &e, Duration::from_secs(30), 0.0),
            Decision::RetryAfter(Duration::from_secs(20))
        );
        let e = api("InternalError", 500, None);
        assert_eq!(
            c.decide(errors(1), &e, Duration::from_millis(99_990), 0.5),
            Decision::GiveUp
        );
    }
}
