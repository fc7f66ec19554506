//! The default credential chain of `alibabacloud-credentials` (and credentials-go), in the
//! official order (reference §5):
//! 1. environment variables, 2. OIDC from environment variables, 3. the `aliyun` CLI profile,
//! 4. the INI credentials file, 5. the ECS metadata RAM role, 6. `ALIBABA_CLOUD_CREDENTIALS_URI`.
//!
//! The first source that yields credentials is remembered and reused (it caches and refreshes
//! its own credentials). A source that is not configured is skipped; one that is configured but
//! fails is recorded and the next is tried. When none yields credentials the error lists every
//! source and why it gave nothing.

use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::sync::Mutex;

use super::context::{CredentialOptions, SourceContext};
use super::source::Found;
use super::{CredentialProvider, Credentials, cli_profile, env_vars, ini, metadata, oidc, uri};
use crate::cloud::env::Env;
use crate::cloud::error::{Error, Result, SourceAttempt};

type Resolver = fn(&SourceContext) -> Result<Found>;

/// The sources in order, with the names the "not found" error uses.
const SOURCES: [(&str, Resolver); 6] = [
    ("environment", env_vars::resolve),
    ("oidc (environment)", oidc::resolve),
    ("aliyun cli profile", cli_profile::resolve),
    ("credentials file", ini::resolve),
    ("ecs metadata", metadata::resolve),
    ("credentials uri", uri::resolve),
];

pub struct DefaultChain {
    ctx: SourceContext,
    chosen: Mutex<Option<(&'static str, Arc<dyn CredentialProvider>)>>,
}

impl DefaultChain {
    pub fn new(ctx: SourceContext) -> Self {
        Self {
            ctx,
            chosen: Mutex::new(None),
        }
    }

    /// The chain over `env` with default options.
    pub fn from_env(env: Env) -> Self {
        Self::new(SourceContext::new(env, CredentialOptions::default()))
    }

    /// The name of the source in use, once one has been found.
    pub async fn source(&self) -> Option<&'static str> {
        self.chosen.lock().await.as_ref().map(|(name, _)| *name)
    }

    async fn get(&self) -> Result<Credentials> {
        let mut chosen = self.chosen.lock().await;
        if let Some((_, provider)) = chosen.as_ref() {
            return provider.credentials().await;
        }
        let mut tried = Vec::new();
        for (name, resolve) in SOURCES {
            let outcome = match resolve(&self.ctx) {
                Ok(Found::Skip(why)) => format!("skipped: {why}"),
                Err(e) => format!("failed: {e}"),
                Ok(Found::Provider(provider)) => match provider.credentials().await {
                    Ok(creds) => {
                        tracing::debug!(source = name, "credentials found");
                        *chosen = Some((name, provider));
                        return Ok(creds);
                    }
                    Err(e) => format!("failed: {e}"),
                },
            };
            tried.push(SourceAttempt {
                source: name.to_owned(),
                outcome,
            });
        }
        Err(Error::NoCredentials { tried })
    }
}

impl CredentialProvider for DefaultChain {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.get())
    }

    fn name(&self) -> &str {
        "default chain"
    }
}
