//! Exponential backoff with "full jitter", from the AWS Architecture Blog post
//! "Exponential Backoff And Jitter" (Marc Brooker, 2015):
//! `sleep = random_between(0, min(cap, base * 2^retry))`.
//!
//! Full jitter spreads the retries of many clients that failed together over the whole window,
//! which is what keeps a throttled or recovering service from being hit in waves. The random
//! sample comes from the caller (an injectable [`Entropy`](super::entropy::Entropy)) so tests
//! are deterministic.

use std::time::Duration;

/// The backoff window's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffConfig {
    /// The window of the first retry.
    pub base: Duration,
    /// The largest window.
    pub cap: Duration,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
        }
    }
}

impl BackoffConfig {
    /// The upper bound of the wait before retry number `retry` (0 for the first retry).
    pub fn window(&self, retry: u32) -> Duration {
        let factor = 2u32.checked_pow(retry.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The wait before retry number `retry`, given a uniform sample `unit` in `[0, 1)`.
    pub fn full_jitter(&self, retry: u32, unit: f64) -> Duration {
        self.window(retry).mul_f64(unit.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_doubles_up_to_the_cap() {
        let b = BackoffConfig {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        let windows: Vec<u128> = (0..6).map(|r| b.window(r).as_millis()).collect();
        assert_eq!(windows, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.window(1000), Duration::from_secs(1));
    }

    #[test]
    fn jitter_scales_the_window() {
        let b = BackoffConfig::default();
        assert_eq!(b.full_jitter(0, 0.0), Duration::ZERO);
        assert_eq!(b.full_jitter(0, 0.5), Duration::from_millis(100));
        assert_eq!(b.full_jitter(2, 0.25), Duration::from_millis(200));
        assert!(b.full_jitter(3, 0.999_999) < b.window(3));
    }
}
