//! Building a [`Client`]: a [`ClientConfig`] filled from options and the environment (the
//! object_store `AmazonS3Builder` pattern), credentials, and the transport they make.
//!
//! Environment (read by [`ClientBuilder::from_env`]):
//! - `ALIBABA_CLOUD_REGION_ID`: the region (else the `aliyun` CLI profile's `region_id`);
//! - `ALIBABA_CLOUD_ECS_ENDPOINT`: an endpoint URL or host overriding the region's;
//! - everything the default credential chain reads (see [`crate::cloud::credential`]).

use std::sync::Arc;
use std::time::Duration;

use super::client::Client;
use super::clock::{Clock, SystemClock};
use super::config::ClientConfig;
use super::credential::{
    CredentialOptions, CredentialProvider, DefaultChain, SourceContext, cli_profile,
};
use super::endpoint::{Endpoint, validate_region};
use super::entropy::{Entropy, SystemEntropy};
use super::env::Env;
use super::error::{Error, Result};
use super::pagination::PagingStyle;
use super::ratelimit::{RateLimitConfig, RateLimiter};
use super::retry::RetryConfig;
use super::sign::SignatureVersion;
use super::transport::Transport;

pub const REGION_VAR: &str = "ALIBABA_CLOUD_REGION_ID";
pub const ENDPOINT_VAR: &str = "ALIBABA_CLOUD_ECS_ENDPOINT";

/// Builds a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    config: ClientConfig,
    credentials: Option<Arc<dyn CredentialProvider>>,
    credential_options: CredentialOptions,
    env: Option<Env>,
    clock: Option<Arc<dyn Clock>>,
    entropy: Option<Arc<dyn Entropy>>,
    rate_limiter: Option<Arc<RateLimiter>>,
}

impl ClientBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Region, endpoint and credentials from `env`; `profile` selects the `aliyun` CLI profile
    /// and INI section (else `ALIBABA_CLOUD_PROFILE`). Options set afterwards win.
    pub fn from_env(env: &Env, profile: Option<&str>) -> Self {
        let options = CredentialOptions {
            profile: profile.map(str::to_owned),
            ..CredentialOptions::default()
        };
        let ctx = SourceContext::new(env.clone(), options.clone());
        let region = env
            .get(REGION_VAR)
            .map(|r| r.trim().to_owned())
            .or_else(|| cli_profile::region(&ctx));
        Self {
            config: ClientConfig {
                region,
                endpoint: env.get(ENDPOINT_VAR).map(str::to_owned),
                ..ClientConfig::default()
            },
            credential_options: options,
            env: Some(env.clone()),
            ..Self::default()
        }
    }

    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = Some(region.into());
        self
    }

    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.config.endpoint = Some(endpoint.into());
        self
    }

    pub fn credentials(mut self, provider: impl CredentialProvider + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    pub fn credentials_arc(mut self, provider: Arc<dyn CredentialProvider>) -> Self {
        self.credentials = Some(provider);
        self
    }

    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.config.signature_version = version;
        self
    }

    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.config.retry = retry;
        self
    }

    /// Sustained requests per second per region (burst 1): the ceiling the adaptive rate
    /// climbs back to after throttling.
    pub fn rate_limit(mut self, requests_per_second: f64) -> Self {
        self.config.rate_limit = RateLimitConfig {
            requests_per_second,
            ..self.config.rate_limit
        };
        self
    }

    pub fn rate_limit_config(mut self, config: RateLimitConfig) -> Self {
        self.config.rate_limit = config;
        self
    }

    /// Shares one limiter between clients (e.g. one per region built from the same config).
    pub fn rate_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.rate_limiter = Some(limiter);
        self
    }

    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.config.max_in_flight = n;
        self
    }

    pub fn timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.config.connect_timeout = connect;
        self.config.request_timeout = request;
        self
    }

    pub fn paging(mut self, style: PagingStyle) -> Self {
        self.config.paging = style;
        self
    }

    /// Options of the default credential chain (used when no provider is given).
    pub fn credential_options(mut self, options: CredentialOptions) -> Self {
        self.credential_options = options;
        self
    }

    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    pub fn entropy(mut self, entropy: Arc<dyn Entropy>) -> Self {
        self.entropy = Some(entropy);
        self
    }

    pub fn build(self) -> Result<Client> {
        let config = self.config;
        let region = config.region.clone().ok_or_else(|| {
            Error::Config(format!(
                "no region: set one explicitly, with {REGION_VAR}, or as region_id in the aliyun CLI profile"
            ))
        })?;
        validate_region(&region)?;
        let endpoint = match &config.endpoint {
            Some(e) => Endpoint::parse(e)?,
            None => Endpoint::for_region(&region)?,
        };
        let rl = config.rate_limit;
        if !(rl.requests_per_second.is_finite() && rl.requests_per_second > 0.0) || rl.burst == 0 {
            return Err(Error::Config(format!(
                "rate limit must be a positive number of requests per second with a burst of at least 1 (got {} rps, burst {})",
                rl.requests_per_second, rl.burst
            )));
        }
        if config.retry.max_attempts == 0 {
            return Err(Error::Config(
                "retry.max_attempts must be at least 1".into(),
            ));
        }
        if config.max_in_flight == 0 {
            return Err(Error::Config("max_in_flight must be at least 1".into()));
        }
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let entropy = self.entropy.unwrap_or_else(|| Arc::new(SystemEntropy));
        let credentials = match self.credentials {
            Some(c) => c,
            None => {
                let ctx = SourceContext::new(
                    self.env.unwrap_or_else(Env::from_process),
                    self.credential_options,
                )
                .with_clock(clock.clone())
                .with_entropy(entropy.clone());
                Arc::new(DefaultChain::new(ctx))
            }
        };
        let mut http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent.clone());
        if endpoint.is_loopback() {
            // The emulator and test fakes: a proxy could not reach them anyway.
            http = http.no_proxy();
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let limiter = self
            .rate_limiter
            .unwrap_or_else(|| Arc::new(RateLimiter::new(rl)));
        let transport = Transport {
            region,
            endpoint,
            signature_version: config.signature_version,
            http,
            credentials,
            limiter,
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.max_in_flight)),
            clock,
            entropy,
        };
        Ok(Client::new(config, transport))
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|c| c.name().to_owned()),
            )
            .field("credential_options", &self.credential_options)
            .finish_non_exhaustive()
    }
}
