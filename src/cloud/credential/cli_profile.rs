//! Credentials from the `aliyun` CLI's configuration file, `~/.aliyun/config.json`
//! (reference §5). The profile is the explicit option, else `ALIBABA_CLOUD_PROFILE`, else the
//! file's `current`. Modes (matched case-insensitively): `AK`, `StsToken`, `RamRoleArn` (STS
//! AssumeRole, V1-signed), `EcsRamRole` (metadata service), `OIDC`, `ChainableRamRoleArn`
//! (a role assumed with another profile's credentials) and `CredentialsURI`. The chain skips
//! this source when `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use super::context::SourceContext;
use super::metadata::EcsMetadataProvider;
use super::oidc::{OidcProvider, OidcSettings};
use super::ram_role::{RamRoleArnProvider, RamRoleSettings};
use super::source::Found;
use super::uri::UriProvider;
use super::{CredentialProvider, Credentials, StaticCredentials};
use crate::cloud::error::{Error, Result};
use crate::cloud::secret::Secret;

pub const DISABLED: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";

/// Chained profiles deeper than this are taken for a loop.
const MAX_CHAIN_DEPTH: usize = 5;

#[derive(Deserialize, Default)]
#[serde(default)]
struct CliConfig {
    current: String,
    profiles: Vec<CliProfile>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CliProfile {
    name: String,
    mode: String,
    access_key_id: String,
    access_key_secret: String,
    sts_token: String,
    ram_role_arn: String,
    ram_session_name: String,
    #[serde(deserialize_with = "crate::cloud::ops::de::int")]
    expired_seconds: i64,
    external_id: String,
    sts_region: String,
    ram_role_name: String,
    oidc_provider_arn: String,
    oidc_token_file: String,
    region_id: String,
    source_profile: String,
    credentials_uri: String,
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn config_path(ctx: &SourceContext) -> Option<PathBuf> {
    ctx.options.cli_config_path.clone().or_else(|| {
        ctx.env
            .home()
            .map(|h| h.join(".aliyun").join("config.json"))
    })
}

fn load(path: &PathBuf) -> Result<Option<CliConfig>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Credentials(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Error::Credentials(format!(
            "{} is not a valid aliyun CLI configuration: line {} column {}: {}",
            path.display(),
            e.line(),
            e.column(),
            match e.classify() {
                serde_json::error::Category::Data => "unexpected field type",
                _ => "malformed JSON",
            }
        ))
    })
}

fn selected_name(ctx: &SourceContext, config: &CliConfig) -> String {
    ctx.profile()
        .or_else(|| non_empty(&config.current))
        .unwrap_or_else(|| "default".to_owned())
}

/// The default region of the selected profile (`region_id`), if any.
pub fn region(ctx: &SourceContext) -> Option<String> {
    if ctx.env.flag(DISABLED) {
        return None;
    }
    let config = load(&config_path(ctx)?).ok()??;
    let name = selected_name(ctx, &config);
    config
        .profiles
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| non_empty(&p.region_id))
}

/// The chain link.
pub fn resolve(ctx: &SourceContext) -> Result<Found> {
    if ctx.env.flag(DISABLED) {
        return Ok(Found::Skip(format!("{DISABLED}=true")));
    }
    let Some(path) = config_path(ctx) else {
        return Ok(Found::Skip("no home directory".into()));
    };
    let Some(config) = load(&path)? else {
        return Ok(Found::Skip(format!("{} does not exist", path.display())));
    };
    let name = selected_name(ctx, &config);
    provider_for(ctx, &config, &name, 0).map(Found::Provider)
}

fn provider_for(
    ctx: &SourceContext,
    config: &CliConfig,
    name: &str,
    depth: usize,
) -> Result<Arc<dyn CredentialProvider>> {
    let Some(p) = config.profiles.iter().find(|p| p.name == name) else {
        let known: Vec<&str> = config.profiles.iter().map(|p| p.name.as_str()).collect();
        return Err(Error::Credentials(format!(
            "profile {name:?} is not in the aliyun CLI configuration (profiles: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    };
    let need = |field: &str, value: &str| {
        non_empty(value).ok_or_else(|| {
            Error::Credentials(format!(
                "aliyun CLI profile {name:?} (mode {}) has no {field}",
                p.mode
            ))
        })
    };
    let access_key = |with_token: bool| -> Result<Credentials> {
        let mut c = Credentials::new(
            need("access_key_id", &p.access_key_id)?,
            Secret::new(need("access_key_secret", &p.access_key_secret)?),
        );
        if with_token {
            c.security_token = Some(Secret::new(need("sts_token", &p.sts_token)?));
        }
        Ok(c)
    };
    let role = || -> Result<RamRoleSettings> {
        Ok(RamRoleSettings {
            role_arn: need("ram_role_arn", &p.ram_role_arn)?,
            session_name: non_empty(&p.ram_session_name),
            policy: None,
            external_id: non_empty(&p.external_id),
            duration_seconds: (p.expired_seconds > 0).then_some(p.expired_seconds as u64),
            sts_region: non_empty(&p.sts_region),
        })
    };
    let fixed = |c: Credentials| -> Arc<dyn CredentialProvider> {
        Arc::new(StaticCredentials::from_credentials(c, "aliyun cli profile"))
    };
    match p.mode.to_ascii_lowercase().as_str() {
        "ak" => Ok(fixed(access_key(false)?)),
        "ststoken" => Ok(fixed(access_key(true)?)),
        "ramrolearn" => {
            let mut source = access_key(false)?;
            source.security_token = non_empty(&p.sts_token).map(Secret::new);
            RamRoleArnProvider::cached(ctx, fixed(source), role()?)
        }
        "chainableramrolearn" => {
            let source_name = need("source_profile", &p.source_profile)?;
            if depth >= MAX_CHAIN_DEPTH {
                return Err(Error::Credentials(format!(
                    "aliyun CLI profile {name:?}: source_profile chain is deeper than {MAX_CHAIN_DEPTH} (a loop?)"
                )));
            }
            let source = provider_for(ctx, config, &source_name, depth + 1)?;
            RamRoleArnProvider::cached(ctx, source, role()?)
        }
        "ecsramrole" => EcsMetadataProvider::cached(ctx, non_empty(&p.ram_role_name)),
        "oidc" => OidcProvider::cached(
            ctx,
            OidcSettings {
                role_arn: need("ram_role_arn", &p.ram_role_arn)?,
                oidc_provider_arn: need("oidc_provider_arn", &p.oidc_provider_arn)?,
                token_file: PathBuf::from(need("oidc_token_file", &p.oidc_token_file)?),
                session_name: non_empty(&p.ram_session_name),
                policy: None,
                sts_region: non_empty(&p.sts_region),
                duration_seconds: (p.expired_seconds > 0).then_some(p.expired_seconds as u64),
            },
        ),
        "credentialsuri" => UriProvider::cached(ctx, &need("credentials_uri", &p.credentials_uri)?),
        other => Err(Error::Credentials(format!(
            "aliyun CLI profile {name:?} uses mode {:?}, which assistctl does not support \
             (supported: AK, StsToken, RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC, CredentialsURI)",
            if other.is_empty() {
                ""
            } else {
                p.mode.as_str()
            }
        ))),
    }
}
