//! The adaptive part of the client-side rate limit: AIMD (additive increase, multiplicative
//! decrease), the congestion control of TCP (RFC 5681: halve the window on a loss, grow it by
//! one segment per round trip), applied to a request rate as the AWS SDKs' "adaptive" retry
//! mode does (its client rate limiter cuts the rate on a throttling answer and grows it back on
//! successes; AWS grows it along a CUBIC curve, RFC 8312, where this grows it linearly).
//!
//! - A throttling answer halves the rate, down to a floor. Answers to requests that were
//!   already in flight arrive together, and they report the old rate's excess, not the new
//!   one's: so the rate drops at most once per `decrease_interval` (2 s).
//! - Each success adds `step / rate`. At `rate` successes a second that is `step` requests per
//!   second more every second, whatever the rate (TCP's `cwnd += 1/cwnd` per ACK); a client
//!   that sends less than its rate grows more slowly, as TCP does when it has little to send.
//!   `step` is the ceiling divided by `ramp`, so the climb back to the ceiling takes the same
//!   time whether the ceiling is 20 or 5,000 requests per second.
//!
//! Time is passed in, so the tests need no clock.

use std::time::Duration;

use tokio::time::Instant;

/// How the rate reacts to throttling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveConfig {
    /// Off: the rate stays at the ceiling whatever the service says.
    pub enabled: bool,
    /// The rate never goes below this (nor above the ceiling).
    pub floor: f64,
    /// The factor a throttling answer multiplies the rate by.
    pub decrease_factor: f64,
    /// At most one decrease per interval. Long enough that the answers in flight when the
    /// rate dropped have come back, and that a few throttles at random (a busy neighbour on
    /// the account) do not keep the rate at the floor; short enough that sustained throttling
    /// takes a ceiling of 20/s to the floor in under 10 s.
    pub decrease_interval: Duration,
    /// Time the additive increase takes to climb from zero to the ceiling at full use.
    pub ramp: Duration,
}

impl Default for AdaptiveConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            floor: 1.0,
            decrease_factor: 0.5,
            decrease_interval: Duration::from_secs(2),
            ramp: Duration::from_secs(4),
        }
    }
}

/// The current rate of one region.
#[derive(Debug, Clone)]
pub struct AimdRate {
    config: AdaptiveConfig,
    ceiling: f64,
    rate: f64,
    last_decrease: Option<Instant>,
}

impl AimdRate {
    /// Starts at the ceiling: nothing says yet that the service wants less.
    pub fn new(ceiling: f64, config: AdaptiveConfig) -> Self {
        Self {
            config,
            ceiling,
            rate: ceiling,
            last_decrease: None,
        }
    }

    /// Requests per second now.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    fn floor(&self) -> f64 {
        self.config.floor.clamp(f64::MIN_POSITIVE, self.ceiling)
    }

    /// A throttling answer arrived at `now`. Returns whether the rate went down.
    pub fn on_throttle(&mut self, now: Instant) -> bool {
        if !self.config.enabled {
            return false;
        }
        if let Some(last) = self.last_decrease
            && now.saturating_duration_since(last) < self.config.decrease_interval
        {
            return false;
        }
        self.last_decrease = Some(now);
        self.rate = (self.rate * self.config.decrease_factor.clamp(0.0, 1.0)).max(self.floor());
        true
    }

    /// A success arrived.
    pub fn on_success(&mut self) {
        if !self.config.enabled || self.rate >= self.ceiling {
            return;
        }
        let step = self.ceiling / self.config.ramp.as_secs_f64().max(1e-3);
        self.rate = (self.rate + step / self.rate).min(self.ceiling);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate() -> AimdRate {
        AimdRate::new(20.0, AdaptiveConfig::default())
    }

    #[test]
    fn a_throttle_halves_the_rate_once_per_interval() {
        let t = Instant::now();
        let mut r = rate();
        assert!(r.on_throttle(t));
        assert_eq!(r.rate(), 10.0);
        // The rest of the burst that was in flight.
        for ms in [1, 200, 1999] {
            assert!(!r.on_throttle(t + Duration::from_millis(ms)));
        }
        assert_eq!(r.rate(), 10.0);
        assert!(r.on_throttle(t + Duration::from_secs(2)));
        assert_eq!(r.rate(), 5.0);
    }

    #[test]
    fn the_rate_stops_at_the_floor() {
        let t = Instant::now();
        let mut r = rate();
        for s in 0..10 {
            r.on_throttle(t + Duration::from_secs(2 * s));
        }
        assert_eq!(r.rate(), 1.0);
        // A ceiling under the floor is its own floor.
        let mut low = AimdRate::new(0.5, AdaptiveConfig::default());
        low.on_throttle(t);
        assert_eq!(low.rate(), 0.5);
    }

    #[test]
    fn successes_climb_back_additively_to_the_ceiling() {
        let mut r = rate();
        r.on_throttle(Instant::now());
        // step = 20 / 4 s = 5 req/s per second: one success at 10 req/s adds 0.5.
        r.on_success();
        assert!((r.rate() - 10.5).abs() < 1e-9, "{}", r.rate());
        // About 2 s of successes at ~10..20 req/s bring it back: far fewer than doubling
        // per success would need, far more than one.
        let mut n = 1;
        while r.rate() < 20.0 {
            r.on_success();
            n += 1;
        }
        assert!((25..35).contains(&n), "{n} successes");
        r.on_success();
        assert_eq!(r.rate(), 20.0);
    }

    #[test]
    fn disabled_keeps_the_ceiling() {
        let mut r = AimdRate::new(
            20.0,
            AdaptiveConfig {
                enabled: false,
                ..AdaptiveConfig::default()
            },
        );
        assert!(!r.on_throttle(Instant::now()));
        assert_eq!(r.rate(), 20.0);
    }
}
