//! Identifiers shaped like the service's: `c-hz0` + 12 lower-case alphanumerics for commands,
//! `t-hz0…` for tasks (region code + `0` + random, 15 characters after the dash, as in
//! `c-hz018qng4on****`), and upper-case UUID-like request ids.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Makes ids; seeded for reproducible runs.
pub struct IdGen {
    rng: Mutex<StdRng>,
}

impl IdGen {
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            // A different stream from the fault dice, so faults do not shift ids.
            Some(s) => StdRng::seed_from_u64(s ^ 0x5eed_1d5),
            None => StdRng::from_os_rng(),
        };
        Self {
            rng: Mutex::new(rng),
        }
    }

    /// `c-…` or `t-…` for a region.
    pub fn resource(&self, prefix: &str, region: &str) -> String {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let mut id = format!("{prefix}-{}0", region_code(region));
        for _ in 0..12 {
            id.push(ALNUM[rng.random_range(0..ALNUM.len())] as char);
        }
        id
    }

    /// `8-4-4-4-12` upper-case hex.
    pub fn request_id(&self) -> String {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let b: [u8; 16] = rng.random();
        let h = hex::encode_upper(b);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// Two letters for a region, as the service's ids carry (`hz` for Hangzhou).
fn region_code(region: &str) -> String {
    match region {
        "cn-hangzhou" => "hz".into(),
        "cn-shanghai" => "sh".into(),
        "cn-beijing" => "bj".into(),
        "cn-shenzhen" => "sz".into(),
        "ap-southeast-1" => "sg".into(),
        other => {
            let city = other
                .rsplit('-')
                .find(|p| p.chars().all(|c| c.is_ascii_alphabetic()));
            let mut code: String = city
                .unwrap_or("xx")
                .chars()
                .take(2)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            while code.len() < 2 {
                code.push('x');
            }
            code
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_service_shape() {
        let g = IdGen::new(Some(1));
        let c = g.resource("c", "cn-hangzhou");
        assert!(c.starts_with("c-hz0"), "{c}");
        assert_eq!(c.len(), 17);
        assert!(
            c[2..]
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        );
        assert!(g.resource("t", "ap-southeast-1").starts_with("t-sg0"));
        assert!(g.resource("t", "us-west-1").starts_with("t-we0"));
        let r = g.request_id();
        assert_eq!(r.len(), 36);
        assert_eq!(r, r.to_uppercase());
    }

    #[test]
    fn a_seed_reproduces_ids() {
        let a = IdGen::new(Some(9)).resource("c", "cn-hangzhou");
        let b = IdGen::new(Some(9)).resource("c", "cn-hangzhou");
        assert_eq!(a, b);
    }
}
