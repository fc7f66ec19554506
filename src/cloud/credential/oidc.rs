//! OIDC role credentials: an OIDC token read from a file (as Kubernetes RRSA projects it) is
//! exchanged for STS credentials with the unsigned `AssumeRoleWithOIDC`. The token file is read
//! again on every refresh because the platform rotates it.
//!
//! As a link of the default chain it is configured by `ALIBABA_CLOUD_ROLE_ARN`,
//! `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE` and optionally
//! `ALIBABA_CLOUD_ROLE_SESSION_NAME` (reference §5).

use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::cache::CachedProvider;
use super::context::SourceContext;
use super::source::Found;
use super::sts::{AssumeRoleWithOidc, StsClient};
use super::{CredentialProvider, Credentials};
use crate::cloud::error::{Error, Result};

pub const ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
pub const PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
pub const TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
pub const SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";

pub struct OidcProvider {
    sts: StsClient,
    role: AssumeRoleWithOidc,
    token_file: PathBuf,
}

/// The settings of an OIDC role, wherever they were configured.
#[derive(Debug, Clone, Default)]
pub struct OidcSettings {
    pub role_arn: String,
    pub oidc_provider_arn: String,
    pub token_file: PathBuf,
    pub session_name: Option<String>,
    pub policy: Option<String>,
    pub sts_region: Option<String>,
    pub duration_seconds: Option<u64>,
}

impl OidcProvider {
    /// A cached provider for `settings`.
    pub fn cached(
        ctx: &SourceContext,
        settings: OidcSettings,
    ) -> Result<Arc<dyn CredentialProvider>> {
        let provider = Self {
            sts: ctx.sts(settings.sts_region.as_deref())?,
            role: AssumeRoleWithOidc {
                role_arn: settings.role_arn,
                oidc_provider_arn: settings.oidc_provider_arn,
                session_name: settings
                    .session_name
                    .unwrap_or_else(|| ctx.default_session_name()),
                duration_seconds: settings
                    .duration_seconds
                    .unwrap_or(ctx.options.role_session_duration.as_secs()),
                policy: settings.policy,
            },
            token_file: settings.token_file,
        };
        Ok(Arc::new(CachedProvider::new(
            provider,
            ctx.clock.clone(),
            ctx.options.refresh_before,
        )))
    }

    async fn fetch(&self) -> Result<Credentials> {
        let token = tokio::fs::read_to_string(&self.token_file)
            .await
            .map_err(|e| {
                Error::Credentials(format!(
                    "cannot read the OIDC token file {}: {e}",
                    self.token_file.display()
                ))
            })?;
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::Credentials(format!(
                "the OIDC token file {} is empty",
                self.token_file.display()
            )));
        }
        self.sts.assume_role_with_oidc(&self.role, token).await
    }
}

impl CredentialProvider for OidcProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.fetch())
    }

    fn name(&self) -> &str {
        "oidc role"
    }
}

/// The chain link: configured only when all three variables are set.
pub fn resolve(ctx: &SourceContext) -> Result<Found> {
    let env = &ctx.env;
    let missing: Vec<&str> = [ROLE_ARN, PROVIDER_ARN, TOKEN_FILE]
        .into_iter()
        .filter(|v| env.get(v).is_none())
        .collect();
    if missing.len() == 3 {
        return Ok(Found::Skip(format!(
            "{ROLE_ARN}, {PROVIDER_ARN} and {TOKEN_FILE} are not set"
        )));
    }
    if !missing.is_empty() {
        return Ok(Found::Skip(format!(
            "incomplete: {} not set",
            missing.join(", ")
        )));
    }
    let get = |n: &str| env.get(n).unwrap_or_default().to_owned();
    OidcProvider::cached(
        ctx,
        OidcSettings {
            role_arn: get(ROLE_ARN),
            oidc_provider_arn: get(PROVIDER_ARN),
            token_file: PathBuf::from(get(TOKEN_FILE)),
            session_name: env.get(SESSION_NAME).map(str::to_owned),
            ..Default::default()
        },
    )
    .map(Found::Provider)
}
