//! Caching of expiring credentials, refreshed ahead of expiry.
//!
//! The scheme of the official SDKs' `SessionCredentialsProvider` / object_store's
//! `TokenCache`: keep the last credentials and reuse them until `refresh_before` ahead of
//! their `Expiration`; then fetch new ones. One refresh runs at a time (a mutex), so many
//! concurrent requests cause one STS or metadata call. If a refresh fails while the cached
//! credentials are still valid, they are used a little longer rather than failing the request.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::Mutex;

use super::{CredentialProvider, Credentials};
use crate::cloud::clock::Clock;
use crate::cloud::error::Result;

pub struct CachedProvider<P> {
    inner: P,
    clock: Arc<dyn Clock>,
    refresh_before: Duration,
    cached: Mutex<Option<Credentials>>,
}

impl<P: CredentialProvider> CachedProvider<P> {
    pub fn new(inner: P, clock: Arc<dyn Clock>, refresh_before: Duration) -> Self {
        Self {
            inner,
            clock,
            refresh_before,
            cached: Mutex::new(None),
        }
    }

    fn fresh(&self, creds: &Credentials) -> bool {
        match creds.expiration {
            None => true,
            Some(exp) => {
                let margin = chrono::Duration::from_std(self.refresh_before)
                    .unwrap_or(chrono::Duration::MAX);
                self.clock.now() < exp - margin
            }
        }
    }

    fn still_valid(&self, creds: &Credentials) -> bool {
        creds.expiration.is_none_or(|exp| self.clock.now() < exp)
    }

    async fn get(&self) -> Result<Credentials> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && self.fresh(c)
        {
            return Ok(c.clone());
        }
        match self.inner.credentials().await {
            Ok(new) => {
                tracing::debug!(provider = self.inner.name(), expiration = ?new.expiration, "credentials refreshed");
                *cached = Some(new.clone());
                Ok(new)
            }
            Err(e) => match cached.as_ref() {
                Some(c) if self.still_valid(c) => {
                    tracing::warn!(provider = self.inner.name(), error = %e, "credential refresh failed; using the cached credentials until they expire");
                    Ok(c.clone())
                }
                _ => Err(e),
            },
        }
    }
}

impl<P: CredentialProvider> CredentialProvider for CachedProvider<P> {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.get())
    }

    fn name(&self) -> &str {
        self.inner.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::clock::ManualClock;
    use crate::cloud::error::Error;
    use crate::cloud::secret::Secret;
    use chrono::{TimeZone, Utc};
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting {
        calls: AtomicUsize,
        clock: Arc<ManualClock>,
        fail: std::sync::atomic::AtomicBool,
    }

    impl CredentialProvider for Counting {
        fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
            Box::pin(async move {
                if self.fail.load(Ordering::SeqCst) {
                    return Err(Error::Credentials("sts down".into()));
                }
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                Ok(Credentials {
                    access_key_id: format!("STS.{n}"),
                    access_key_secret: Secret::new("s"),
                    security_token: Some(Secret::new("t")),
                    expiration: Some(self.clock.now() + chrono::Duration::minutes(60)),
                })
            })
        }
    }

    fn setup() -> (
        Arc<ManualClock>,
        CachedProvider<Arc<Counting>>,
        Arc<Counting>,
    ) {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        ));
        let inner = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            clock: clock.clone(),
            fail: false.into(),
        });
        let cache = CachedProvider::new(inner.clone(), clock.clone(), Duration::from_secs(180));
        (clock, cache, inner)
    }

    #[tokio::test]
    async fn reuses_until_three_minutes_before_expiry() {
        let (clock, cache, inner) = setup();
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "STS.0");
        clock.advance(chrono::Duration::minutes(56));
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "STS.0");
        clock.advance(chrono::Duration::seconds(61)); // 57:01, inside the 3-minute margin
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "STS.1");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn failed_refresh_uses_still_valid_credentials_then_fails() {
        let (clock, cache, inner) = setup();
        cache.credentials().await.unwrap();
        inner.fail.store(true, Ordering::SeqCst);
        clock.advance(chrono::Duration::minutes(58));
        assert_eq!(cache.credentials().await.unwrap().access_key_id, "STS.0");
        clock.advance(chrono::Duration::minutes(3));
        assert!(cache.credentials().await.is_err());
    }
}
