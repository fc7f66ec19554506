//! `assistctl import`: adopt commands that already exist and no stack owns. Writes a
//! manifest per command (its script to a file) carrying `importId`, so the next apply
//! tags the command as the stack's instead of creating a new one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anstream::println;
use anyhow::{Context, bail};

use super::connect::{self, ConnectArgs};
use super::output::OK;
use crate::cloud::ops::commands::{Command, DescribeCommandsRequest};
use crate::domain::command_type::CommandType;
use crate::manifest::types::{
    ApiVersion, CommandDocument, CommandKind, CommandSpec, Metadata, ParameterSpec, TypeName,
};
use crate::reconcile::listing::{self, Reads};
use crate::reconcile::model::TAG_STACK;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("which").required(true).multiple(true).args(["name", "id"])))]
pub struct Args {
    /// Region to import from.
    #[arg(long, env = "ALIBABA_CLOUD_REGION_ID")]
    pub region: String,
    /// Commands whose name matches this pattern (`*` matches anything); may be repeated.
    #[arg(long)]
    pub name: Vec<String>,
    /// Commands with this id (`c-...`); may be repeated.
    #[arg(long)]
    pub id: Vec<String>,
    /// Directory to write the manifests and scripts to.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

pub async fn run(args: Args) -> anyhow::Result<u8> {
    let conn = connect::connect(&args.connect, &args.region).await?;
    let found = find(&conn.client, &args).await;
    conn.close().await;
    let mut found = found?;
    found.retain(|c| !c.tags.iter().any(|t| t.key == TAG_STACK));
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.command_id.cmp(&b.command_id)));
    found.dedup_by(|a, b| a.command_id == b.command_id);
    if found.is_empty() {
        bail!(
            "no unowned command matches in {} (commands already owned by a stack are left out)",
            args.region
        );
    }
    std::fs::create_dir_all(args.out.join("scripts"))
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut used = BTreeMap::new();
    for c in &found {
        let file = unique_stem(&c.name, &mut used);
        write(&args.out, &file, &args.region, c)?;
        println!(
            "imported {} `{}` -> {}",
            c.command_id,
            c.name,
            args.out.join(format!("{file}.yaml")).display()
        );
    }
    println!(
        "{OK}Imported {} {}.{OK:#} Put the files in your manifest set (the Stack supplies the rest), then `assistctl plan` shows them as adopted and `apply` tags them as the stack's.",
        found.len(),
        if found.len() == 1 {
            "command"
        } else {
            "commands"
        }
    );
    Ok(0)
}

async fn find(client: &crate::cloud::Client, args: &Args) -> anyhow::Result<Vec<Command>> {
    let filters = args
        .name
        .iter()
        .map(|n| DescribeCommandsRequest {
            name: Some(n.clone()),
            ..Default::default()
        })
        .chain(args.id.iter().map(|i| DescribeCommandsRequest {
            command_id: Some(i.clone()),
            ..Default::default()
        }));
    let mut out = Vec::new();
    for f in filters {
        out.extend(listing::all(client, f, &Reads::default()).await?);
    }
    Ok(out)
}

/// A file name from the command name: safe characters only, unique in this import.
fn unique_stem(name: &str, used: &mut BTreeMap<String, usize>) -> String {
    let mut stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if stem.trim_matches('-').is_empty() {
        stem = "command".into();
    }
    let n = used.entry(stem.clone()).or_insert(0);
    *n += 1;
    if *n > 1 { format!("{stem}-{n}") } else { stem }
}

fn write(dir: &Path, stem: &str, region: &str, c: &Command) -> anyhow::Result<()> {
    let ty = CommandType::from_api_name(&c.command_type).with_context(|| {
        format!(
            "{} has type {}, which assistctl does not know",
            c.command_id, c.command_type
        )
    })?;
    let script = crate::reconcile::live::decode_content(&c.command_content).with_context(|| {
        format!(
            "the content of {} is not Base64 of UTF-8 text",
            c.command_id
        )
    })?;
    let script_rel = format!("scripts/{stem}.{}", ty.extension());
    std::fs::write(dir.join(&script_rel), &script)
        .with_context(|| format!("cannot write {script_rel}"))?;
    let parameters = if c.enable_parameter {
        c.parameter_names
            .iter()
            .map(|n| (n.clone(), ParameterSpec::default()))
            .collect()
    } else {
        BTreeMap::new()
    };
    let doc = CommandDocument {
        api_version: ApiVersion::V1,
        kind: CommandKind::Command,
        metadata: Metadata {
            name: c.name.clone(),
            description: (!c.description.is_empty()).then(|| c.description.clone()),
        },
        spec: CommandSpec {
            command_type: type_name(ty),
            content: None,
            content_file: Some(script_rel),
            working_dir: (!c.working_dir.is_empty()).then(|| c.working_dir.clone()),
            timeout: Some(u64::try_from(c.timeout).unwrap_or(60)),
            launcher: (!c.launcher.is_empty()).then(|| c.launcher.clone()),
            resource_group_id: (!c.resource_group_id.is_empty())
                .then(|| c.resource_group_id.clone()),
            region: Some(region.to_string()),
            tags: c
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
            enable_parameter: Some(c.enable_parameter),
            import_id: Some(c.command_id.clone()),
            parameters,
        },
    };
    let yaml = serde_saphyr::to_string(&doc).context("cannot write the manifest")?;
    let text = format!(
        "# yaml-language-server: $schema=https://assistctl.dev/schema/assistctl.schema.json\n# Imported from {} by `assistctl import`; apply adopts it (tags it as the stack's).\n{yaml}",
        c.command_id
    );
    std::fs::write(dir.join(format!("{stem}.yaml")), text)
        .with_context(|| format!("cannot write {stem}.yaml"))?;
    Ok(())
}

fn type_name(t: CommandType) -> TypeName {
    match t {
        CommandType::Shell => TypeName::Shell,
        CommandType::Python => TypeName::Python,
        CommandType::Perl => TypeName::Perl,
        CommandType::Bat => TypeName::Bat,
        CommandType::PowerShell => TypeName::PowerShell,
    }
}
