//! The two STS calls the credential sources need (STS API 2015-04-01, reference §5):
//! `AssumeRole`, a V1-signed GET made with source credentials, and `AssumeRoleWithOIDC`, an
//! unsigned GET that presents an OIDC token instead.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::Credentials;
use super::fetch::{SessionCredentials, describe_failure, http_client, parse_json, send};
use crate::cloud::clock::{Clock, format_timestamp};
use crate::cloud::endpoint::Endpoint;
use crate::cloud::entropy::Entropy;
use crate::cloud::error::{Error, Result};
use crate::cloud::sign::{self, SignatureVersion, Unsigned, percent};

pub const STS_API_VERSION: &str = "2015-04-01";

/// A role to assume with source credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: String,
    pub duration_seconds: u64,
    pub policy: Option<String>,
    pub external_id: Option<String>,
}

/// A role to assume with an OIDC token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleWithOidc {
    pub role_arn: String,
    pub oidc_provider_arn: String,
    pub session_name: String,
    pub duration_seconds: u64,
    pub policy: Option<String>,
}

#[derive(Deserialize)]
struct StsAnswer {
    #[serde(rename = "Credentials")]
    credentials: SessionCredentials,
}

pub struct StsClient {
    endpoint: Endpoint,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
}

impl StsClient {
    /// `timeout` bounds one request; `clock` and `entropy` date and nonce the signed ones.
    pub fn new(
        endpoint: Endpoint,
        timeout: Duration,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
    ) -> Result<Self> {
        Ok(Self {
            http: http_client(endpoint.url(), timeout)?,
            endpoint,
            clock,
            entropy,
        })
    }

    /// `AssumeRole`, signed with `source` (including its STS token, if any).
    pub async fn assume_role(
        &self,
        source: &Credentials,
        role: &AssumeRole,
    ) -> Result<Credentials> {
        let mut params = vec![
            ("RoleArn".to_owned(), role.role_arn.clone()),
            ("RoleSessionName".to_owned(), role.session_name.clone()),
            (
                "DurationSeconds".to_owned(),
                role.duration_seconds.to_string(),
            ),
        ];
        if let Some(p) = &role.policy {
            params.push(("Policy".to_owned(), p.clone()));
        }
        if let Some(x) = &role.external_id {
            params.push(("ExternalId".to_owned(), x.clone()));
        }
        let host = self.endpoint.host_header();
        let signed = sign::sign(
            SignatureVersion::V1,
            source,
            &Unsigned {
                method: "GET",
                host: &host,
                action: "AssumeRole",
                version: STS_API_VERSION,
                params: &params,
            },
            &self.entropy.nonce(),
            self.clock.now(),
        );
        let what = format!("STS AssumeRole of {}", role.role_arn);
        self.get(&what, &signed.query, &source.secrets()).await
    }

    /// `AssumeRoleWithOIDC`: unsigned; the OIDC token is the proof of identity.
    pub async fn assume_role_with_oidc(
        &self,
        role: &AssumeRoleWithOidc,
        oidc_token: &str,
    ) -> Result<Credentials> {
        let mut params = vec![
            ("Action".to_owned(), "AssumeRoleWithOIDC".to_owned()),
            ("Version".to_owned(), STS_API_VERSION.to_owned()),
            ("Format".to_owned(), "JSON".to_owned()),
            ("Timestamp".to_owned(), format_timestamp(self.clock.now())),
            ("RoleArn".to_owned(), role.role_arn.clone()),
            ("OIDCProviderArn".to_owned(), role.oidc_provider_arn.clone()),
            ("OIDCToken".to_owned(), oidc_token.to_owned()),
            ("RoleSessionName".to_owned(), role.session_name.clone()),
            (
                "DurationSeconds".to_owned(),
                role.duration_seconds.to_string(),
            ),
        ];
        if let Some(p) = &role.policy {
            params.push(("Policy".to_owned(), p.clone()));
        }
        let what = format!("STS AssumeRoleWithOIDC of {}", role.role_arn);
        self.get(&what, &percent::canonical_query(&params), &[oidc_token])
            .await
    }

    async fn get(&self, what: &str, query: &str, secrets: &[&str]) -> Result<Credentials> {
        let url = self.endpoint.request_url("/", query);
        let (status, body) = send(
            what,
            self.http.get(url).header("accept", "application/json"),
        )
        .await?;
        if status >= 400 {
            return Err(Error::Credentials(format!(
                "{what} failed: {}",
                describe_failure(status, &body, secrets)
            )));
        }
        parse_json::<StsAnswer>(what, &body)?
            .credentials
            .into_credentials(what)
    }
}
