//! Client-side rate limiting: a token bucket per region, implemented as GCRA (the Generic Cell
//! Rate Algorithm of the ATM Forum's Traffic Management spec, the algorithm of the `governor`
//! crate), in its reserving form.
//!
//! Each region keeps a "theoretical arrival time" `tat`. With emission interval `T = 1/rate`
//! and burst tolerance `tau = (burst - 1) * T`, a request may go at `max(now, tat) - tau`; it
//! then moves `tat` on by `T`. Reserving the slot before sleeping gives concurrent callers
//! distinct, evenly spaced slots with no retry loop, and keeps the long-run rate at exactly
//! `rate` whatever the concurrency.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitConfig {
    /// Sustained requests per second, per region.
    pub requests_per_second: f64,
    /// Requests that may go back to back after a quiet period (at least 1).
    pub burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            requests_per_second: 20.0,
            burst: 1,
        }
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    tat: Mutex<HashMap<String, Instant>>,
}

impl RateLimiter {
    /// A limiter; a non-positive or non-finite rate is rejected by the builder before this.
    pub fn new(config: RateLimitConfig) -> Self {
        let rate = if config.requests_per_second.is_finite() && config.requests_per_second > 0.0 {
            config.requests_per_second
        } else {
            f64::MAX
        };
        let interval = Duration::from_secs_f64(1.0 / rate);
        Self {
            interval,
            tolerance: interval.saturating_mul(config.burst.max(1) - 1),
            tat: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves the next slot for `key` and returns how long to wait for it.
    pub fn reserve(&self, key: &str) -> Duration {
        let now = Instant::now();
        let mut tats = self.tat.lock().unwrap_or_else(|e| e.into_inner());
        let tat = tats.entry(key.to_owned()).or_insert(now);
        let start = (*tat).max(now);
        let allowed_at = start.checked_sub(self.tolerance).unwrap_or(start).max(now);
        *tat = start + self.interval;
        allowed_at - now
    }

    /// Waits for the next slot of `key`.
    pub async fn acquire(&self, key: &str) {
        let wait = self.reserve(key);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn keeps_the_rate() {
        let limiter = RateLimiter::new(RateLimitConfig {
            requests_per_second: 20.0,
            burst: 1,
        });
        let start = Instant::now();
        for _ in 0..40 {
            limiter.acquire("cn-hangzhou").await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(1950));
    }

    #[tokio::test(start_paused = true)]
    async fn burst_goes_at_once_then_the_rate_applies() {
        let limiter = RateLimiter::new(RateLimitConfig {
            requests_per_second: 10.0,
            burst: 5,
        });
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire("r").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        for _ in 0..10 {
            limiter.acquire("r").await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn regions_are_independent_and_concurrent_callers_get_distinct_slots() {
        let limiter = std::sync::Arc::new(RateLimiter::new(RateLimitConfig {
            requests_per_second: 10.0,
            burst: 1,
        }));
        assert_eq!(limiter.reserve("a"), Duration::ZERO);
        assert_eq!(limiter.reserve("b"), Duration::ZERO);
        let waits: Vec<Duration> = (0..4).map(|_| limiter.reserve("a")).collect();
        assert_eq!(waits, [100, 200, 300, 400].map(Duration::from_millis));
    }
}
