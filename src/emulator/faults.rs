//! Fault injection: a share of requests fails with 500 `InternalError` / 503
//! `ServiceUnavailable` or is throttled with `Throttling.User`, and every request can be
//! delayed. The roll happens before the operation runs, so a failed request changes nothing.
//! With a seed the sequence of outcomes is reproducible.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::errors::{ApiError, Code};

/// How often things go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaultConfig {
    /// Share of requests answered 500 InternalError or 503 ServiceUnavailable (0..=1).
    pub fail_rate: f64,
    /// Share of requests answered Throttling.User (0..=1).
    pub throttle_rate: f64,
    /// Added to every API request.
    pub latency_ms: u64,
}

impl FaultConfig {
    /// Checks the rates are shares.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("fail rate", self.fail_rate),
            ("throttle rate", self.throttle_rate),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name} {v} must be between 0 and 1"));
            }
        }
        if self.fail_rate + self.throttle_rate > 1.0 {
            return Err("fail rate plus throttle rate must not exceed 1".into());
        }
        Ok(())
    }
}

/// Rolls the dice for each request.
pub struct Faults {
    config: FaultConfig,
    rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(config: FaultConfig, seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_os_rng(),
        };
        Self {
            config,
            rng: Mutex::new(rng),
        }
    }

    pub fn latency_ms(&self) -> u64 {
        self.config.latency_ms
    }

    /// The injected error for this request, if any.
    pub fn roll(&self) -> Option<ApiError> {
        if self.config.fail_rate <= 0.0 && self.config.throttle_rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let x: f64 = rng.random();
        if x < self.config.fail_rate {
            if rng.random::<bool>() {
                Some(ApiError::new(
                    Code::InternalError,
                    "The request processing has failed due to some unknown error, exception or failure.",
                ))
            } else {
                Some(ApiError::new(
                    Code::ServiceUnavailable,
                    "The request has failed due to a temporary failure of the server.",
                ))
            }
        } else if x < self.config.fail_rate + self.config.throttle_rate {
            Some(ApiError::new(
                Code::ThrottlingUser,
                "Request was denied due to user flow control.",
            ))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(seed: u64) -> Vec<Option<Code>> {
        let f = Faults::new(
            FaultConfig {
                fail_rate: 0.3,
                throttle_rate: 0.3,
                latency_ms: 0,
            },
            Some(seed),
        );
        (0..200).map(|_| f.roll().map(|e| e.code)).collect()
    }

    #[test]
    fn a_seed_reproduces_the_sequence_and_all_kinds_occur() {
        let a = outcomes(7);
        assert_eq!(a, outcomes(7));
        for c in [
            Code::InternalError,
            Code::ServiceUnavailable,
            Code::ThrottlingUser,
        ] {
            assert!(a.contains(&Some(c)), "{c:?} never happened");
        }
        assert!(a.contains(&None));
    }

    #[test]
    fn zero_rates_never_fail_and_bad_rates_are_refused() {
        let f = Faults::new(FaultConfig::default(), Some(1));
        assert!((0..100).all(|_| f.roll().is_none()));
        assert!(
            FaultConfig {
                fail_rate: 1.5,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            FaultConfig {
                fail_rate: 0.6,
                throttle_rate: 0.6,
                latency_ms: 0
            }
            .validate()
            .is_err()
        );
    }
}
