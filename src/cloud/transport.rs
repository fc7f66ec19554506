//! One attempt of one API call: wait for the rate limiter and an in-flight slot, sign with
//! fresh credentials, nonce and date, send, and turn the answer into JSON or an [`Error`].
//!
//! Signing happens after the waits, so the signed date is the sending date and every attempt
//! (retries included) has its own nonce. Logging is limited to action, region, request ID,
//! status, latency and attempt: URLs and headers carry the AccessKey ID, token and signature.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::ECS_API_VERSION;
use super::clock::Clock;
use super::credential::CredentialProvider;
use super::endpoint::Endpoint;
use super::entropy::Entropy;
use super::error::{ApiError, Error, Result};
use super::ops::de::strip_nulls;
use super::ratelimit::RateLimiter;
use super::sign::{SignatureVersion, Unsigned, scrub, sign};

/// Everything an attempt needs to reach one region. The limiter, the in-flight bound, the
/// connection pool and the credentials are shared by the clients of every region.
pub(crate) struct Transport {
    pub(crate) region: String,
    pub(crate) endpoint: Endpoint,
    pub(crate) signature_version: SignatureVersion,
    pub(crate) http: reqwest::Client,
    pub(crate) credentials: Arc<dyn CredentialProvider>,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) in_flight: Arc<Semaphore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) entropy: Arc<dyn Entropy>,
}

impl Transport {
    /// The same transport, sending to `endpoint` for `region`.
    pub(crate) fn for_region(&self, region: &str, endpoint: Endpoint) -> Self {
        Self {
            region: region.to_owned(),
            endpoint,
            signature_version: self.signature_version,
            http: self.http.clone(),
            credentials: self.credentials.clone(),
            limiter: self.limiter.clone(),
            in_flight: self.in_flight.clone(),
            clock: self.clock.clone(),
            entropy: self.entropy.clone(),
        }
    }

    pub(crate) async fn attempt(
        &self,
        action: &str,
        params: &[(String, String)],
        attempt: u32,
    ) -> Result<Value> {
        let creds = self.credentials.credentials().await?;
        self.limiter.acquire(&self.region).await;
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| Error::Config("the client is shutting down".into()))?;

        let host = self.endpoint.host_header();
        let signed = sign(
            self.signature_version,
            &creds,
            &Unsigned {
                method: "POST",
                host: &host,
                action,
                version: ECS_API_VERSION,
                params,
            },
            &self.entropy.nonce(),
            self.clock.now(),
        );
        let mut request = self
            .http
            .post(self.endpoint.request_url("/", &signed.query));
        for (name, value) in &signed.headers {
            // reqwest derives `host` from the URL, identically to Endpoint::host_header.
            if name != "host" {
                request = request.header(name, value);
            }
        }

        let started = Instant::now();
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                let err = Error::transport(action, e);
                tracing::debug!(action, region = %self.region, attempt, latency_ms = started.elapsed().as_millis() as u64, error = %err, "request failed");
                return Err(err);
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("x-acs-retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let header_request_id = response
            .headers()
            .get("x-acs-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .text()
            .await
            .map_err(|e| Error::transport(action, e))?;
        let latency_ms = started.elapsed().as_millis() as u64;

        if status >= 400 {
            let err = match ApiError::parse(status, &body) {
                Some(mut api) => {
                    // SignatureDoesNotMatch echoes the string to sign, which holds the token.
                    api.message = scrub(&api.message, &creds.secrets());
                    api.retry_after = retry_after;
                    if api.request_id.is_empty() {
                        api.request_id = header_request_id.unwrap_or_default();
                    }
                    tracing::debug!(action, region = %self.region, request_id = %api.request_id, status, latency_ms, attempt, code = %api.code, "API error");
                    Error::Api {
                        action: action.to_owned(),
                        error: Box::new(api),
                    }
                }
                None => {
                    tracing::debug!(action, region = %self.region, status, latency_ms, attempt, "HTTP error without an API error body");
                    Error::Http {
                        action: action.to_owned(),
                        status,
                    }
                }
            };
            return Err(err);
        }

        let mut value: Value = serde_json::from_str(&body).map_err(|e| Error::Decode {
            action: action.to_owned(),
            message: format!("the body is not JSON ({e}); is the endpoint an ECS API endpoint?"),
        })?;
        strip_nulls(&mut value);
        let request_id = value
            .get("RequestId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or(header_request_id)
            .unwrap_or_default();
        tracing::debug!(action, region = %self.region, %request_id, status, latency_ms, attempt, "API call");
        Ok(value)
    }
}
