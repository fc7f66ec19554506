//! What every credential source needs: the environment, the options, time and randomness,
//! and where STS and the metadata service are.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::sts::StsClient;
use crate::cloud::clock::{Clock, SystemClock};
use crate::cloud::endpoint::{Endpoint, is_metadata_address, validate_region};
use crate::cloud::entropy::{Entropy, SystemEntropy};
use crate::cloud::env::Env;
use crate::cloud::error::Result;

/// Options of the credential chain; each falls back to an environment variable.
#[derive(Debug, Clone)]
pub struct CredentialOptions {
    /// Profile of `~/.aliyun/config.json` and section of the INI file
    /// (else `ALIBABA_CLOUD_PROFILE`, else the CLI's `current` / the INI's `default`).
    pub profile: Option<String>,
    /// The `aliyun` CLI configuration file (default `~/.aliyun/config.json`).
    pub cli_config_path: Option<PathBuf>,
    /// The INI credentials file (else `ALIBABA_CLOUD_CREDENTIALS_FILE`, else
    /// `~/.alibabacloud/credentials.ini`).
    pub credentials_file: Option<PathBuf>,
    /// The STS endpoint (else `ALIBABA_CLOUD_STS_ENDPOINT`, else from
    /// `ALIBABA_CLOUD_STS_REGION` and `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`, else
    /// `sts.aliyuncs.com`).
    pub sts_endpoint: Option<String>,
    /// The ECS metadata service (else `ALIBABA_CLOUD_ECS_METADATA_ENDPOINT`, else
    /// `http://100.100.100.200`).
    pub metadata_endpoint: Option<String>,
    /// Refresh expiring credentials this long before they expire.
    pub refresh_before: Duration,
    /// Timeout of one STS or credentials-URI request.
    pub http_timeout: Duration,
    /// Timeout of one metadata-service request (short: off ECS nothing answers).
    pub metadata_timeout: Duration,
    /// `DurationSeconds` of assumed-role sessions.
    pub role_session_duration: Duration,
}

impl Default for CredentialOptions {
    fn default() -> Self {
        Self {
            profile: None,
            cli_config_path: None,
            credentials_file: None,
            sts_endpoint: None,
            metadata_endpoint: None,
            refresh_before: Duration::from_secs(180),
            http_timeout: Duration::from_secs(10),
            metadata_timeout: Duration::from_secs(1),
            role_session_duration: Duration::from_secs(3600),
        }
    }
}

/// The environment and options the credential sources read, plus injectable time and
/// randomness.
#[derive(Clone)]
pub struct SourceContext {
    pub env: Env,
    pub options: CredentialOptions,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
}

impl SourceContext {
    pub fn new(env: Env, options: CredentialOptions) -> Self {
        Self {
            env,
            options,
            clock: Arc::new(SystemClock),
            entropy: Arc::new(SystemEntropy),
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_entropy(mut self, entropy: Arc<dyn Entropy>) -> Self {
        self.entropy = entropy;
        self
    }

    /// The profile name given explicitly or by `ALIBABA_CLOUD_PROFILE`.
    pub fn profile(&self) -> Option<String> {
        self.options
            .profile
            .clone()
            .or_else(|| self.env.get("ALIBABA_CLOUD_PROFILE").map(str::to_owned))
    }

    /// An STS client; `region` (a profile's `sts_region`) picks a regional endpoint when no
    /// endpoint is configured.
    pub(crate) fn sts(&self, region: Option<&str>) -> Result<StsClient> {
        StsClient::new(
            self.sts_endpoint(region)?,
            self.options.http_timeout,
            self.clock.clone(),
            self.entropy.clone(),
        )
    }

    fn sts_endpoint(&self, region: Option<&str>) -> Result<Endpoint> {
        let configured = self.options.sts_endpoint.clone().or_else(|| {
            self.env
                .get("ALIBABA_CLOUD_STS_ENDPOINT")
                .map(str::to_owned)
        });
        match configured {
            Some(e) => Endpoint::parse(&e),
            None => {
                let region = region
                    .map(str::to_owned)
                    .or_else(|| self.env.get("ALIBABA_CLOUD_STS_REGION").map(str::to_owned));
                match region {
                    Some(r) => {
                        validate_region(&r)?;
                        let vpc = if self.env.flag("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED") {
                            "-vpc"
                        } else {
                            ""
                        };
                        Endpoint::parse(&format!("sts{vpc}.{r}.aliyuncs.com"))
                    }
                    None => Endpoint::parse("sts.aliyuncs.com"),
                }
            }
        }
    }

    /// The metadata service base URL.
    pub fn metadata_endpoint(&self) -> Result<Endpoint> {
        let configured = self.options.metadata_endpoint.clone().or_else(|| {
            self.env
                .get("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT")
                .map(str::to_owned)
        });
        let raw = configured.unwrap_or_else(|| "http://100.100.100.200".to_owned());
        Endpoint::parse_with(&raw, is_metadata_address)
    }

    /// Session name for assumed roles when none is configured (the SDKs use a
    /// tool name and a timestamp the same way).
    pub fn default_session_name(&self) -> String {
        format!("assistctl-{}", self.clock.now().timestamp())
    }
}

impl std::fmt::Debug for SourceContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceContext")
            .field("env", &self.env)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(env: Env) -> SourceContext {
        SourceContext::new(env, CredentialOptions::default())
    }

    #[test]
    fn sts_endpoint_resolution() {
        let base = Env::isolated("/nonexistent");
        assert_eq!(
            ctx(base.clone()).sts_endpoint(None).unwrap().to_string(),
            "https://sts.aliyuncs.com"
        );
        let regional = base
            .clone()
            .with_var("ALIBABA_CLOUD_STS_REGION", "cn-beijing");
        assert_eq!(
            ctx(regional.clone())
                .sts_endpoint(None)
                .unwrap()
                .to_string(),
            "https://sts.cn-beijing.aliyuncs.com"
        );
        let vpc = regional.with_var("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "true");
        assert_eq!(
            ctx(vpc).sts_endpoint(None).unwrap().to_string(),
            "https://sts-vpc.cn-beijing.aliyuncs.com"
        );
        assert_eq!(
            ctx(base.clone())
                .sts_endpoint(Some("cn-shanghai"))
                .unwrap()
                .to_string(),
            "https://sts.cn-shanghai.aliyuncs.com"
        );
        let explicit = base.with_var("ALIBABA_CLOUD_STS_ENDPOINT", "http://127.0.0.1:9");
        assert_eq!(
            ctx(explicit)
                .sts_endpoint(Some("cn-shanghai"))
                .unwrap()
                .to_string(),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn metadata_endpoint_resolution() {
        let base = Env::isolated("/nonexistent");
        assert_eq!(
            ctx(base.clone()).metadata_endpoint().unwrap().to_string(),
            "http://100.100.100.200"
        );
        let local = base
            .clone()
            .with_var("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", "http://127.0.0.1:7");
        assert_eq!(
            ctx(local).metadata_endpoint().unwrap().to_string(),
            "http://127.0.0.1:7"
        );
        let remote = base.with_var("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", "http://192.0.2.1");
        assert!(ctx(remote).metadata_endpoint().is_err());
    }
}
