//! Client-side rate limiting: a token bucket per region, implemented as GCRA (the Generic Cell
//! Rate Algorithm of the ATM Forum's Traffic Management spec, the algorithm of the `governor`
//! crate), in its reserving form, at a rate that adapts to throttling ([`adaptive`]).
//!
//! Each region keeps a "theoretical arrival time" `tat`. With emission interval `T = 1/rate`
//! and burst tolerance `tau = (burst - 1) * T`, a request may go at `max(now, tat) - tau`; it
//! then moves `tat` on by `T`. Reserving the slot before sleeping gives concurrent callers
//! distinct, evenly spaced slots with no retry loop, and keeps the long-run rate at exactly
//! `rate` whatever the concurrency. `T` is read at each reservation, so when the adaptive rate
//! changes, slots already handed out keep their time and the next ones take the new spacing.
//!
//! [`adaptive`]: super::adaptive

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::adaptive::{AdaptiveConfig, AimdRate};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitConfig {
    /// Sustained requests per second, per region: the ceiling of the adaptive rate.
    pub requests_per_second: f64,
    /// Requests that may go back to back after a quiet period (at least 1).
    pub burst: u32,
    pub adaptive: AdaptiveConfig,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            requests_per_second: 20.0,
            burst: 1,
            adaptive: AdaptiveConfig::default(),
        }
    }
}

#[derive(Debug)]
struct Region {
    tat: Instant,
    rate: AimdRate,
}

#[derive(Debug)]
pub struct RateLimiter {
    ceiling: f64,
    burst: u32,
    adaptive: AdaptiveConfig,
    regions: Mutex<HashMap<String, Region>>,
}

impl RateLimiter {
    /// A limiter; a non-positive or non-finite rate is rejected by the builder before this.
    pub fn new(config: RateLimitConfig) -> Self {
        let ceiling = if config.requests_per_second.is_finite() && config.requests_per_second > 0.0
        {
            config.requests_per_second
        } else {
            f64::MAX
        };
        Self {
            ceiling,
            burst: config.burst.max(1),
            adaptive: config.adaptive,
            regions: Mutex::new(HashMap::new()),
        }
    }

    fn with_region<R>(&self, key: &str, f: impl FnOnce(&mut Region, Instant) -> R) -> R {
        let now = Instant::now();
        let mut regions = self.regions.lock().unwrap_or_else(|e| e.into_inner());
        let region = regions.entry(key.to_owned()).or_insert_with(|| Region {
            tat: now,
            rate: AimdRate::new(self.ceiling, self.adaptive),
        });
        f(region, now)
    }

    /// Reserves the next slot for `key` and returns how long to wait for it.
    pub fn reserve(&self, key: &str) -> Duration {
        let burst = self.burst;
        self.with_region(key, |region, now| {
            let interval = Duration::from_secs_f64(1.0 / region.rate.rate());
            let tolerance = interval.saturating_mul(burst - 1);
            let start = region.tat.max(now);
            let allowed_at = start.checked_sub(tolerance).unwrap_or(start).max(now);
            region.tat = start + interval;
            allowed_at - now
        })
    }

    /// Waits for the next slot of `key`.
    pub async fn acquire(&self, key: &str) {
        let wait = self.reserve(key);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// The service throttled a request of `key`: slow down (see [`AimdRate::on_throttle`]).
    pub fn on_throttle(&self, key: &str) {
        self.with_region(key, |region, now| {
            if region.rate.on_throttle(now) {
                tracing::debug!(
                    region = key,
                    rate = region.rate.rate(),
                    "throttled: request rate lowered"
                );
            }
        });
    }

    /// A request of `key` succeeded: speed up again towards the ceiling.
    pub fn on_success(&self, key: &str) {
        self.with_region(key, |region, _| region.rate.on_success());
    }

    /// The current rate of `key`, in requests per second.
    pub fn rate(&self, key: &str) -> f64 {
        self.with_region(key, |region, _| region.rate.rate())
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
            ..RateLimitConfig::default()
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
            ..RateLimitConfig::default()
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
            ..RateLimitConfig::default()
        }));
        assert_eq!(limiter.reserve("a"), Duration::ZERO);
        assert_eq!(limiter.reserve("b"), Duration::ZERO);
        let waits: Vec<Duration> = (0..4).map(|_| limiter.reserve("a")).collect();
        assert_eq!(waits, [100, 200, 300, 400].map(Duration::from_millis));
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_widens_the_spacing_of_that_region_only_and_successes_narrow_it() {
        let limiter = RateLimiter::new(RateLimitConfig {
            requests_per_second: 10.0,
            burst: 1,
            ..RateLimitConfig::default()
        });
        assert_eq!(limiter.reserve("a"), Duration::ZERO);
        assert_eq!(limiter.reserve("b"), Duration::ZERO);
        limiter.on_throttle("a");
        limiter.on_throttle("a");
        assert_eq!(limiter.rate("a"), 5.0);
        assert_eq!(limiter.rate("b"), 10.0);
        // The slot reserved at 10/s stands; the ones after it are 1/5 s apart.
        let waits: Vec<Duration> = (0..3).map(|_| limiter.reserve("a")).collect();
        assert_eq!(waits, [100, 300, 500].map(Duration::from_millis));
        for _ in 0..200 {
            limiter.on_success("a");
        }
        assert_eq!(limiter.rate("a"), 10.0);
    }
}
