//! Credentials from the INI credentials file of `alibabacloud-credentials` (reference §5):
//! `ALIBABA_CLOUD_CREDENTIALS_FILE`, else `~/.alibabacloud/credentials.ini`. The section is
//! the explicit profile option, else `ALIBABA_CLOUD_PROFILE`, else `default`. Its `type` is
//! `access_key`, `ecs_ram_role`, `ram_role_arn` or `oidc_role_arn` (`rsa_key_pair` is
//! deprecated and not supported); `enable = false` turns a section off.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::context::SourceContext;
use super::metadata::EcsMetadataProvider;
use super::oidc::{OidcProvider, OidcSettings};
use super::ram_role::{RamRoleArnProvider, RamRoleSettings};
use super::source::Found;
use super::{Credentials, StaticCredentials};
use crate::cloud::error::{Error, Result};
use crate::cloud::secret::Secret;

pub const FILE_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";

pub type Sections = BTreeMap<String, BTreeMap<String, String>>;

/// A minimal INI reader: `[section]`, `key = value` (or `key: value`), `#` and `;` comments.
/// Keys are lower-cased; values are trimmed.
pub fn parse(text: &str) -> std::result::Result<Sections, String> {
    let mut sections = Sections::new();
    let mut current: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| format!("line {}: section header without ']'", n + 1))?;
            let name = name.trim().to_owned();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let (key, value) = line
            .split_once(['=', ':'])
            .ok_or_else(|| format!("line {}: expected key = value", n + 1))?;
        let section = current
            .as_ref()
            .ok_or_else(|| format!("line {}: key outside of any [section]", n + 1))?;
        sections
            .entry(section.clone())
            .or_default()
            .insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    Ok(sections)
}

/// The chain link.
pub fn resolve(ctx: &SourceContext) -> Result<Found> {
    let explicit = ctx
        .options
        .credentials_file
        .clone()
        .or_else(|| ctx.env.get(FILE_VAR).map(PathBuf::from));
    let path = match (&explicit, ctx.env.home()) {
        (Some(p), _) => p.clone(),
        (None, Some(home)) => home.join(".alibabacloud").join("credentials.ini"),
        (None, None) => return Ok(Found::Skip("no home directory".into())),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            return Ok(Found::Skip(format!("{} does not exist", path.display())));
        }
        Err(e) => {
            return Err(Error::Credentials(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let sections =
        parse(&text).map_err(|e| Error::Credentials(format!("{}: {e}", path.display())))?;
    let name = ctx.profile().unwrap_or_else(|| "default".to_owned());
    let Some(section) = sections.get(&name) else {
        return Err(Error::Credentials(format!(
            "{} has no [{name}] section",
            path.display()
        )));
    };
    if section
        .get("enable")
        .is_some_and(|v| v.eq_ignore_ascii_case("false"))
    {
        return Ok(Found::Skip(format!(
            "[{name}] in {} has enable = false",
            path.display()
        )));
    }
    let need = |key: &str| {
        section
            .get(key)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| {
                Error::Credentials(format!("[{name}] in {} has no {key}", path.display()))
            })
    };
    let opt = |key: &str| section.get(key).filter(|v| !v.is_empty()).cloned();
    let access_key = || -> Result<Credentials> {
        Ok(Credentials::new(
            need("access_key_id")?,
            Secret::new(need("access_key_secret")?),
        ))
    };
    let kind = need("type")?;
    let provider = match kind.as_str() {
        "access_key" => Arc::new(StaticCredentials::from_credentials(
            access_key()?,
            "credentials file",
        )),
        "ecs_ram_role" => EcsMetadataProvider::cached(ctx, opt("role_name"))?,
        "ram_role_arn" => {
            let source = Arc::new(StaticCredentials::from_credentials(
                access_key()?,
                "credentials file",
            ));
            RamRoleArnProvider::cached(
                ctx,
                source,
                RamRoleSettings {
                    role_arn: need("role_arn")?,
                    session_name: opt("role_session_name"),
                    policy: opt("policy"),
                    external_id: opt("external_id"),
                    duration_seconds: None,
                    sts_region: opt("sts_region"),
                },
            )?
        }
        "oidc_role_arn" => OidcProvider::cached(
            ctx,
            OidcSettings {
                role_arn: need("role_arn")?,
                oidc_provider_arn: need("oidc_provider_arn")?,
                token_file: PathBuf::from(need("oidc_token_file_path")?),
                session_name: opt("role_session_name"),
                policy: opt("policy"),
                sts_region: opt("sts_region"),
                duration_seconds: None,
            },
        )?,
        other => {
            return Err(Error::Credentials(format!(
                "[{name}] in {} has type {other:?}, which assistctl does not support \
                 (supported: access_key, ecs_ram_role, ram_role_arn, oidc_role_arn)",
                path.display()
            )));
        }
    };
    Ok(Found::Provider(provider))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections_keys_and_comments() {
        let s = parse(
            "# top\n[default]\ntype = access_key\nAccess_Key_Id=abc\n; c\n\n[other]\nk: v = w\n",
        )
        .unwrap();
        assert_eq!(s["default"]["type"], "access_key");
        assert_eq!(s["default"]["access_key_id"], "abc");
        assert_eq!(s["other"]["k"], "v = w");
    }

    #[test]
    fn rejects_malformed_lines() {
        assert!(parse("k = v").unwrap_err().contains("outside"));
        assert!(parse("[a\n").unwrap_err().contains("']'"));
        assert!(parse("[a]\njunk\n").unwrap_err().contains("line 2"));
    }
}
