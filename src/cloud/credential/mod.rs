//! Credentials and where they come from.
//!
//! [`CredentialProvider`] is the one interface the client uses; [`StaticCredentials`] is a
//! fixed AccessKey (or STS token), and [`DefaultChain`] is the official default chain
//! of `alibabacloud-credentials` (reference §5): environment, OIDC, the `aliyun` CLI profile,
//! the credentials INI file, the ECS metadata role, and a credentials URI. Providers that hand
//! out expiring STS tokens are wrapped in a cache (`cache.rs`) that refreshes them before they
//! expire.
//!
//! Inside, dependencies go one way: the chain (`chain.rs`) names the sources, the sources name
//! what they answer (`source.rs`), the [`SourceContext`] they read, and the STS client
//! (`sts.rs`) that the context locates and that names no source.

mod cache;
mod chain;
pub(crate) mod cli_profile;
mod context;
mod env_vars;
mod fetch;
mod ini;
mod metadata;
mod oidc;
mod ram_role;
mod source;
mod sts;
mod uri;

use std::sync::Arc;

use futures::future::BoxFuture;

use super::error::Result;
use super::secret::Secret;

pub use super::secret::Credentials;
pub use chain::DefaultChain;
pub use context::{CredentialOptions, SourceContext};

/// Something that hands out credentials, possibly fetching or refreshing them.
pub trait CredentialProvider: Send + Sync {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>>;

    /// A short name for messages and logs ("environment", "ecs metadata", ...).
    fn name(&self) -> &str {
        "custom"
    }
}

impl<P: CredentialProvider + ?Sized> CredentialProvider for Arc<P> {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        (**self).credentials()
    }

    fn name(&self) -> &str {
        (**self).name()
    }
}

/// A fixed AccessKey pair, or a fixed STS token.
#[derive(Clone, Debug)]
pub struct StaticCredentials {
    credentials: Credentials,
    name: &'static str,
}

impl StaticCredentials {
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            credentials: Credentials::new(access_key_id.into(), Secret::new(access_key_secret)),
            name: "static",
        }
    }

    /// Adds an STS security token (sent as `SecurityToken` / `x-acs-security-token`).
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.credentials.security_token = Some(Secret::new(token));
        self
    }

    pub(crate) fn from_credentials(credentials: Credentials, name: &'static str) -> Self {
        Self { credentials, name }
    }
}

impl CredentialProvider for StaticCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(async move { Ok(self.credentials.clone()) })
    }

    fn name(&self) -> &str {
        self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn static_credentials_debug_redacts() {
        let p = StaticCredentials::new("LTAI5tSECRETID", "my-secret-value")
            .with_security_token("my-sts-token");
        let c = p.credentials().await.unwrap();
        assert_eq!(c.security_token.as_ref().unwrap().expose(), "my-sts-token");
        for s in [format!("{p:?}"), format!("{c:?}")] {
            assert!(!s.contains("my-secret-value"), "{s}");
            assert!(!s.contains("my-sts-token"), "{s}");
            assert!(!s.contains("LTAI5tSECRETID"), "{s}");
        }
    }
}
