//! Randomness, injectable: signature nonces, ClientTokens and backoff jitter.
//!
//! Production uses the operating system's generator; tests use [`SeededEntropy`] so nonces,
//! tokens and jitter are the same on every run.

use std::sync::Mutex;

use rand::{Rng, RngCore, SeedableRng, rngs::StdRng};

pub trait Entropy: Send + Sync {
    /// A fresh `SignatureNonce` / `x-acs-signature-nonce` (unique per request).
    fn nonce(&self) -> String;
    /// A fresh `ClientToken` (ASCII, at most 64 characters).
    fn client_token(&self) -> String;
    /// A uniform sample in `[0, 1)`, for jitter.
    fn unit(&self) -> f64;
}

/// The operating system's randomness.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn nonce(&self) -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    fn client_token(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }

    fn unit(&self) -> f64 {
        rand::rng().random::<f64>()
    }
}

/// Deterministic randomness from a seed; for tests.
#[derive(Debug)]
pub struct SeededEntropy(Mutex<StdRng>);

impl SeededEntropy {
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(StdRng::seed_from_u64(seed)))
    }

    fn bytes(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .fill_bytes(&mut b);
        b
    }
}

impl Entropy for SeededEntropy {
    fn nonce(&self) -> String {
        hex::encode(self.bytes())
    }

    fn client_token(&self) -> String {
        uuid::Builder::from_random_bytes(self.bytes())
            .into_uuid()
            .to_string()
    }

    fn unit(&self) -> f64 {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .random::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_repeatable_and_varies() {
        let a = SeededEntropy::new(7);
        let b = SeededEntropy::new(7);
        let (n1, n2) = (a.nonce(), a.nonce());
        assert_eq!((n1.clone(), n2.clone()), (b.nonce(), b.nonce()));
        assert_ne!(n1, n2);
        assert_eq!(a.client_token(), b.client_token());
        let u = a.unit();
        assert!((0.0..1.0).contains(&u));
    }

    #[test]
    fn system_values_fit_the_api_limits() {
        let e = SystemEntropy;
        assert_ne!(e.nonce(), e.nonce());
        let t = e.client_token();
        assert!(t.len() <= 64 && t.is_ascii());
    }
}
