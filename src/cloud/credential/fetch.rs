//! HTTP plumbing shared by the credential sources that fetch (STS, metadata, URI), and the
//! `{AccessKeyId, AccessKeySecret, SecurityToken, Expiration}` shape they all return.

use std::time::Duration;

use serde::Deserialize;

use super::Credentials;
use crate::cloud::clock::parse_timestamp;
use crate::cloud::error::{Error, Result};
use crate::cloud::secret::Secret;
use crate::cloud::sign::scrub;

/// An HTTP client for one credential endpoint. IP addresses (loopback, the metadata service)
/// and `localhost` never go through a proxy.
pub(super) fn http_client(url: &url::Url, timeout: Duration) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("assistctl/", env!("CARGO_PKG_VERSION")));
    let direct = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(_) => true,
        None => false,
    };
    if direct {
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|e| Error::Credentials(format!("cannot build an HTTP client: {e}")))
}

/// Sends `req`, returning the status and body. `what` names the call in errors.
pub(super) async fn send(what: &str, req: reqwest::RequestBuilder) -> Result<(u16, String)> {
    let resp = req
        .send()
        .await
        .map_err(|e| match Error::transport(what, e) {
            Error::Transport { message, .. } => Error::Credentials(format!("{what}: {message}")),
            other => other,
        })?;
    let status = resp.status().as_u16();
    let body = resp.text().await.map_err(|e| {
        Error::Credentials(format!("{what}: reading the answer: {}", e.without_url()))
    })?;
    Ok((status, body))
}

/// The session credentials STS, the metadata service and credential URIs return.
#[derive(Deserialize)]
pub(super) struct SessionCredentials {
    #[serde(rename = "AccessKeyId", default)]
    access_key_id: String,
    #[serde(rename = "AccessKeySecret", default)]
    access_key_secret: String,
    #[serde(rename = "SecurityToken", default)]
    security_token: String,
    #[serde(rename = "Expiration", default)]
    expiration: String,
}

impl SessionCredentials {
    pub(super) fn into_credentials(self, what: &str) -> Result<Credentials> {
        if self.access_key_id.is_empty() || self.access_key_secret.is_empty() {
            return Err(Error::Credentials(format!(
                "{what}: the answer has no AccessKeyId/AccessKeySecret"
            )));
        }
        let expiration = if self.expiration.is_empty() {
            None
        } else {
            Some(parse_timestamp(&self.expiration).ok_or_else(|| {
                Error::Credentials(format!(
                    "{what}: cannot read Expiration {:?}",
                    self.expiration
                ))
            })?)
        };
        Ok(Credentials {
            access_key_id: self.access_key_id,
            access_key_secret: Secret::new(self.access_key_secret),
            security_token: (!self.security_token.is_empty())
                .then(|| Secret::new(self.security_token)),
            expiration,
        })
    }
}

/// Parses a JSON body, describing failures without echoing the body (it holds secrets).
pub(super) fn parse_json<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| {
        Error::Credentials(format!(
            "{what}: the answer is not the expected JSON ({} at line {} column {})",
            classify(&e),
            e.line(),
            e.column()
        ))
    })
}

fn classify(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io => "I/O error",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected field type",
        Category::Eof => "truncated",
    }
}

/// A short, secret-free description of an error answer for messages.
pub(super) fn describe_failure(status: u16, body: &str, secrets: &[&str]) -> String {
    match crate::cloud::error::ApiError::parse(status, body) {
        Some(mut api) => {
            api.message = scrub(&api.message, secrets);
            api.to_string()
        }
        None => format!("HTTP {status}"),
    }
}
