//! RAM role credentials: source credentials (an AccessKey, or another provider's STS token)
//! exchanged for the role's STS credentials with the V1-signed `AssumeRole`, then cached and
//! refreshed before expiry. Used by the CLI's `RamRoleArn` / `ChainableRamRoleArn` modes and
//! the INI file's `ram_role_arn` type.

use std::sync::Arc;

use futures::future::BoxFuture;

use super::cache::CachedProvider;
use super::context::SourceContext;
use super::sts::{AssumeRole, StsClient};
use super::{CredentialProvider, Credentials};
use crate::cloud::error::Result;

pub struct RamRoleArnProvider {
    source: Arc<dyn CredentialProvider>,
    sts: StsClient,
    role: AssumeRole,
}

/// The settings of a RAM role, wherever they were configured.
#[derive(Debug, Clone, Default)]
pub struct RamRoleSettings {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub policy: Option<String>,
    pub external_id: Option<String>,
    pub duration_seconds: Option<u64>,
    pub sts_region: Option<String>,
}

impl RamRoleArnProvider {
    /// A cached provider assuming `settings.role_arn` with credentials from `source`.
    pub fn cached(
        ctx: &SourceContext,
        source: Arc<dyn CredentialProvider>,
        settings: RamRoleSettings,
    ) -> Result<Arc<dyn CredentialProvider>> {
        let provider = Self {
            source,
            sts: ctx.sts(settings.sts_region.as_deref())?,
            role: AssumeRole {
                role_arn: settings.role_arn,
                session_name: settings
                    .session_name
                    .unwrap_or_else(|| ctx.default_session_name()),
                duration_seconds: settings
                    .duration_seconds
                    .unwrap_or(ctx.options.role_session_duration.as_secs()),
                policy: settings.policy,
                external_id: settings.external_id,
            },
        };
        Ok(Arc::new(CachedProvider::new(
            provider,
            ctx.clock.clone(),
            ctx.options.refresh_before,
        )))
    }

    async fn fetch(&self) -> Result<Credentials> {
        let source = self.source.credentials().await?;
        self.sts.assume_role(&source, &self.role).await
    }
}

impl CredentialProvider for RamRoleArnProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.fetch())
    }

    fn name(&self) -> &str {
        "ram role arn"
    }
}
