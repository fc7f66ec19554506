//! Credentials from environment variables, the first link of the default chain:
//! `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and, for STS,
//! `ALIBABA_CLOUD_SECURITY_TOKEN` (the names of `alibabacloud-credentials`).

use std::sync::Arc;

use super::context::SourceContext;
use super::source::Found;
use super::{Credentials, StaticCredentials};
use crate::cloud::error::{Error, Result};
use crate::cloud::secret::Secret;

pub const ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
pub const ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
pub const SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

pub fn resolve(ctx: &SourceContext) -> Result<Found> {
    let env = &ctx.env;
    match (env.get(ACCESS_KEY_ID), env.get(ACCESS_KEY_SECRET)) {
        (None, None) => Ok(Found::Skip(format!("{ACCESS_KEY_ID} is not set"))),
        (Some(_), None) => Err(Error::Credentials(format!(
            "{ACCESS_KEY_ID} is set but {ACCESS_KEY_SECRET} is not"
        ))),
        (None, Some(_)) => Err(Error::Credentials(format!(
            "{ACCESS_KEY_SECRET} is set but {ACCESS_KEY_ID} is not"
        ))),
        (Some(id), Some(secret)) => {
            let credentials = Credentials {
                access_key_id: id.trim().to_owned(),
                access_key_secret: Secret::new(secret.trim()),
                security_token: env.get(SECURITY_TOKEN).map(|t| Secret::new(t.trim())),
                expiration: None,
            };
            Ok(Found::Provider(Arc::new(
                StaticCredentials::from_credentials(credentials, "environment"),
            )))
        }
    }
}
