//! ECS RAM role credentials from the instance metadata service (reference §5):
//! 1. IMDSv2: `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds`, then send
//!    the token as `X-aliyun-ecs-metadata-token`. When that fails the SDKs fall back to v1
//!    (no token) unless `ALIBABA_CLOUD_IMDSV1_DISABLED=true`.
//! 2. The role name from `ALIBABA_CLOUD_ECS_METADATA` (or a profile), else discovered with
//!    `GET /latest/meta-data/ram/security-credentials/`.
//! 3. `GET /latest/meta-data/ram/security-credentials/<role>` returns
//!    `{Code:"Success", AccessKeyId, AccessKeySecret, SecurityToken, Expiration}`.
//!
//! The chain skips this source when `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Deserialize;

use super::cache::CachedProvider;
use super::context::SourceContext;
use super::fetch::{SessionCredentials, http_client, parse_json, send};
use super::source::Found;
use super::{CredentialProvider, Credentials};
use crate::cloud::endpoint::Endpoint;
use crate::cloud::error::{Error, Result};
use crate::cloud::sign::percent;

pub const DISABLED: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
pub const ROLE_NAME: &str = "ALIBABA_CLOUD_ECS_METADATA";
pub const IMDSV1_DISABLED: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";

const TOKEN_PATH: &str = "/latest/api/token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const TOKEN_TTL_HEADER: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "X-aliyun-ecs-metadata-token";
const TOKEN_TTL_SECONDS: &str = "21600";

pub struct EcsMetadataProvider {
    endpoint: Endpoint,
    http: reqwest::Client,
    role_name: Option<String>,
    imdsv1_disabled: bool,
}

#[derive(Deserialize)]
struct MetadataAnswer {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(flatten)]
    credentials: SessionCredentials,
}

impl EcsMetadataProvider {
    /// A cached provider; `role_name` None means discover it.
    pub fn cached(
        ctx: &SourceContext,
        role_name: Option<String>,
    ) -> Result<Arc<dyn CredentialProvider>> {
        let endpoint = ctx.metadata_endpoint()?;
        let provider = Self {
            http: http_client(endpoint.url(), ctx.options.metadata_timeout)?,
            endpoint,
            role_name,
            imdsv1_disabled: ctx.env.flag(IMDSV1_DISABLED),
        };
        Ok(Arc::new(CachedProvider::new(
            provider,
            ctx.clock.clone(),
            ctx.options.refresh_before,
        )))
    }

    /// The IMDSv2 session token, or None to continue with v1.
    async fn token(&self) -> Result<Option<String>> {
        let req = self
            .http
            .put(self.endpoint.request_url(TOKEN_PATH, ""))
            .header(TOKEN_TTL_HEADER, TOKEN_TTL_SECONDS);
        let failure = match send("ECS metadata token (IMDSv2)", req).await {
            Ok((200, body)) if !body.trim().is_empty() => return Ok(Some(body.trim().to_owned())),
            Ok((status, _)) => format!("HTTP {status}"),
            Err(e) => e.to_string(),
        };
        if self.imdsv1_disabled {
            Err(Error::Credentials(format!(
                "ECS metadata: the IMDSv2 token request failed ({failure}) and {IMDSV1_DISABLED}=true forbids falling back to IMDSv1"
            )))
        } else {
            tracing::debug!(%failure, "IMDSv2 token unavailable; falling back to IMDSv1");
            Ok(None)
        }
    }

    async fn get(&self, what: &str, path: &str, token: Option<&str>) -> Result<String> {
        let mut req = self.http.get(self.endpoint.request_url(path, ""));
        if let Some(t) = token {
            req = req.header(TOKEN_HEADER, t);
        }
        match send(what, req).await? {
            (200, body) => Ok(body),
            (404, _) if path == CREDENTIALS_PATH => Err(Error::Credentials(format!(
                "{what}: HTTP 404: no RAM role is attached to this instance"
            ))),
            (status, _) => Err(Error::Credentials(format!("{what}: HTTP {status}"))),
        }
    }

    async fn fetch(&self) -> Result<Credentials> {
        let token = self.token().await?;
        let role = match &self.role_name {
            Some(r) => r.clone(),
            None => {
                let body = self
                    .get(
                        "ECS metadata role discovery",
                        CREDENTIALS_PATH,
                        token.as_deref(),
                    )
                    .await?;
                body.lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        Error::Credentials(
                            "ECS metadata: no RAM role is attached to this instance".into(),
                        )
                    })?
            }
        };
        let what = format!("ECS metadata credentials of role {role}");
        let path = format!("{CREDENTIALS_PATH}{}", percent::encode(&role));
        let body = self.get(&what, &path, token.as_deref()).await?;
        let answer: MetadataAnswer = parse_json(&what, &body)?;
        if answer.code != "Success" {
            return Err(Error::Credentials(format!(
                "{what}: Code is {:?}, not \"Success\"",
                answer.code
            )));
        }
        answer.credentials.into_credentials(&what)
    }
}

impl CredentialProvider for EcsMetadataProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.fetch())
    }

    fn name(&self) -> &str {
        "ecs metadata"
    }
}

/// The chain link.
pub fn resolve(ctx: &SourceContext) -> Result<Found> {
    if ctx.env.flag(DISABLED) {
        return Ok(Found::Skip(format!("{DISABLED}=true")));
    }
    EcsMetadataProvider::cached(ctx, ctx.env.get(ROLE_NAME).map(str::to_owned)).map(Found::Provider)
}
