//! Credentials from a URI (`ALIBABA_CLOUD_CREDENTIALS_URI`, the last link of the default
//! chain): an HTTP GET returning `{Code:"Success", AccessKeyId, AccessKeySecret,
//! SecurityToken, Expiration}`, cached until shortly before expiry.
//!
//! The URI is the operator's own credential service (often a sidecar), so like the official
//! SDKs any http(s) URL is accepted.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Deserialize;

use super::cache::CachedProvider;
use super::context::SourceContext;
use super::fetch::{SessionCredentials, http_client, parse_json, send};
use super::source::Found;
use super::{CredentialProvider, Credentials};
use crate::cloud::error::{Error, Result};

pub const CREDENTIALS_URI: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";

pub struct UriProvider {
    url: url::Url,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct UriAnswer {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(flatten)]
    credentials: SessionCredentials,
}

impl UriProvider {
    pub fn cached(ctx: &SourceContext, uri: &str) -> Result<Arc<dyn CredentialProvider>> {
        let url = url::Url::parse(uri.trim())
            .map_err(|e| Error::Config(format!("invalid credentials URI: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "invalid credentials URI: scheme {:?} is not http or https",
                url.scheme()
            )));
        }
        let http = http_client(&url, ctx.options.http_timeout)?;
        let provider = Self { url, http };
        Ok(Arc::new(CachedProvider::new(
            provider,
            ctx.clock.clone(),
            ctx.options.refresh_before,
        )))
    }

    async fn fetch(&self) -> Result<Credentials> {
        let what = "credentials URI";
        let (status, body) = send(what, self.http.get(self.url.clone())).await?;
        if status != 200 {
            return Err(Error::Credentials(format!("{what}: HTTP {status}")));
        }
        let answer: UriAnswer = parse_json(what, &body)?;
        if !answer.code.is_empty() && answer.code != "Success" {
            return Err(Error::Credentials(format!(
                "{what}: Code is {:?}, not \"Success\"",
                answer.code
            )));
        }
        answer.credentials.into_credentials(what)
    }
}

impl CredentialProvider for UriProvider {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.fetch())
    }

    fn name(&self) -> &str {
        "credentials uri"
    }
}

/// The chain link.
pub fn resolve(ctx: &SourceContext) -> Result<Found> {
    match ctx.env.get(CREDENTIALS_URI) {
        None => Ok(Found::Skip(format!("{CREDENTIALS_URI} is not set"))),
        Some(uri) => UriProvider::cached(ctx, uri).map(Found::Provider),
    }
}
