//! One attempt of one API call: wait for the rate limiter and an in-flight slot, sign with
//! fresh credentials, nonce and date, send, and turn the answer into JSON or an [`Error`].
//!
//! Signing happens after the waits, so the signed date is the sending date and every attempt
//! (retries included) has its own nonce. Logging is limited to action, region, request ID,
//! status, latency and attempt: URLs and headers carry the AccessKey ID, token and signature.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::ECS_API_VERSION;
use super::client::Inner;
use super::error::{ApiError, Error, Result};
use super::ops::de::strip_nulls;
use super::sign::{Unsigned, scrub, sign};

pub(crate) async fn attempt(
    inner: &Inner,
    action: &str,
    params: &[(String, String)],
    attempt: u32,
) -> Result<Value> {
    let creds = inner.credentials.credentials().await?;
    inner.limiter.acquire(&inner.region).await;
    let _permit = inner
        .in_flight
        .acquire()
        .await
        .map_err(|_| Error::Config("the client is shutting down".into()))?;

    let host = inner.endpoint.host_header();
    let signed = sign(
        inner.config.signature_version,
        &creds,
        &Unsigned {
            method: "POST",
            host: &host,
            action,
            version: ECS_API_VERSION,
            params,
        },
        &inner.entropy.nonce(),
        inner.clock.now(),
    );
    let mut request = inner
        .http
        .post(inner.endpoint.request_url("/", &signed.query));
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
            tracing::debug!(action, region = %inner.region, attempt, latency_ms = started.elapsed().as_millis() as u64, error = %err, "request failed");
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
                tracing::debug!(action, region = %inner.region, request_id = %api.request_id, status, latency_ms, attempt, code = %api.code, "API error");
                Error::Api {
                    action: action.to_owned(),
                    error: Box::new(api),
                }
            }
            None => {
                tracing::debug!(action, region = %inner.region, status, latency_ms, attempt, "HTTP error without an API error body");
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
    tracing::debug!(action, region = %inner.region, %request_id, status, latency_ms, attempt, "API call");
    Ok(value)
}
