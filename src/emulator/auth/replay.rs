//! Replay protection shared by both signing versions: a request is accepted only within
//! ±15 minutes of the server clock, and only once per nonce. A nonce is remembered until the
//! request carrying it would be refused as expired anyway, so memory stays bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::emulator::errors::{ApiError, Code};

/// Largest clock difference accepted between the caller and the emulator.
pub const MAX_SKEW_MINUTES: i64 = 15;
/// Nonces remembered at once; past this, requests are throttled rather than replayable.
const MAX_NONCES: usize = 1_000_000;
const SWEEP_EVERY: usize = 4096;

/// The nonces seen lately, shared by every request.
#[derive(Default)]
pub(super) struct Nonces(Mutex<NonceCache>);

#[derive(Default)]
struct NonceCache {
    /// `access key id \n nonce` -> the instant after which the request is expired anyway.
    seen: HashMap<String, DateTime<Utc>>,
    inserts: usize,
}

impl Nonces {
    /// Records `nonce` of `ak`, or refuses it when it was used already.
    pub(super) fn remember(
        &self,
        ak: &str,
        nonce: &str,
        ts: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cache.inserts += 1;
        if cache.inserts.is_multiple_of(SWEEP_EVERY) || cache.seen.len() >= MAX_NONCES {
            cache.seen.retain(|_, expiry| *expiry > now);
        }
        let k = format!("{ak}\n{nonce}");
        if cache.seen.contains_key(&k) {
            return Err(ApiError::new(
                Code::SignatureNonceUsed,
                "Specified signature nonce was used already.",
            ));
        }
        if cache.seen.len() >= MAX_NONCES {
            return Err(ApiError::new(
                Code::ThrottlingUser,
                "Request was denied due to user flow control: too many distinct signature nonces within 15 minutes.",
            ));
        }
        cache
            .seen
            .insert(k, ts + Duration::minutes(MAX_SKEW_MINUTES));
        Ok(())
    }
}

/// The request's timestamp (`Timestamp` or `x-acs-date`), when it is within the window.
pub(super) fn check_time(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let ts = DateTime::parse_from_rfc3339(raw)
        .map_err(|_| {
            ApiError::new(
                Code::InvalidTimeStampFormat,
                format!("Specified time stamp {raw:?} is not in yyyy-MM-ddTHH:mm:ssZ (UTC)."),
            )
        })?
        .with_timezone(&Utc);
    if (now - ts).num_seconds().abs() > MAX_SKEW_MINUTES * 60 {
        return Err(ApiError::new(
            Code::InvalidTimeStampExpired,
            format!(
                "Specified time stamp or date value is expired: {raw} is more than {MAX_SKEW_MINUTES} minutes from the server time {}.",
                now.format("%Y-%m-%dT%H:%M:%SZ")
            ),
        ));
    }
    Ok(ts)
}
