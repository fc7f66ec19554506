//! What a client is configured with, apart from credentials and injected time and
//! randomness. A module of its own, below both the builder that fills it and the client that
//! reads it.

use std::time::Duration;

use super::pagination::PagingStyle;
use super::ratelimit::RateLimitConfig;
use super::retry::RetryConfig;
use super::sign::SignatureVersion;

/// Everything about a client except its credentials and injected randomness.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub region: Option<String>,
    /// Overrides the region's endpoint: `http://127.0.0.1:8080` or a host (https).
    pub endpoint: Option<String>,
    pub signature_version: SignatureVersion,
    pub retry: RetryConfig,
    pub rate_limit: RateLimitConfig,
    /// Requests in flight at once, across all clones of the client.
    pub max_in_flight: usize,
    pub connect_timeout: Duration,
    /// Timeout of one attempt (the retry budget bounds the whole call).
    pub request_timeout: Duration,
    pub paging: PagingStyle,
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            region: None,
            endpoint: None,
            signature_version: SignatureVersion::default(),
            retry: RetryConfig::default(),
            rate_limit: RateLimitConfig::default(),
            max_in_flight: 16,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            paging: PagingStyle::default(),
            user_agent: concat!("assistctl/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}
