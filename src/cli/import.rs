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
use crate::cloud::pagination::{self, Reads};
use crate::domain::command_type::CommandType;
use crate::domain::tags::{TagRuleError, validate_tag};
use crate::manifest::types::{
    ApiVersion, CommandDocument, CommandKind, CommandSpec, Metadata, ParameterSpec, TypeName,
};
use crate::reconcile::ownership::TAG_STACK;

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
    let schema = schema_line(&args.out);
    let mut used = BTreeMap::new();
    for c in &found {
        let file = unique_stem(&c.name, &mut used);
        write(&args.out, &file, &args.region, c, &schema)?;
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
        out.extend(pagination::all(client, f, &Reads::default()).await?);
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

/// Where the repository's copy of the schema is expected, relative to its top.
const SCHEMA_REL: &str = "schema/assistctl.schema.json";

/// The editor's schema line for manifests written to `out`: a path relative to `out` to
/// the nearest `schema/assistctl.schema.json` in `out` or above (up to the git
/// repository's top), as docs/manifest-reference.md recommends. assistctl publishes no
/// schema URL, so without a copy in the tree the line says how to make one instead of
/// pointing at a file that does not exist.
fn schema_line(out: &Path) -> String {
    if let Ok(dir) = std::fs::canonicalize(out) {
        for (depth, a) in dir.ancestors().enumerate() {
            if a.join(SCHEMA_REL).is_file() {
                return format!(
                    "# yaml-language-server: $schema={}{SCHEMA_REL}\n",
                    "../".repeat(depth)
                );
            }
            if a.join(".git").exists() {
                break;
            }
        }
    }
    format!(
        "# For editor completion: run `mkdir -p schema && assistctl schema --out {SCHEMA_REL}` at the repository's top and\n# start this file with a yaml-language-server schema comment giving its path relative to this file.\n"
    )
}

/// Tags a manifest may not carry: the service's own (`aliyun...`, `acs:...`, e.g. the
/// resource manager's `acs:rm:rgId`) and assistctl's ownership tags, which apply adds.
fn reserved_tag(key: &str) -> bool {
    key.to_ascii_lowercase().starts_with("assistctl:")
        || matches!(
            validate_tag(key, "", usize::MAX),
            Err(TagRuleError::ReservedPrefix(_))
        )
}

fn write(dir: &Path, stem: &str, region: &str, c: &Command, schema: &str) -> anyhow::Result<()> {
    let ty = CommandType::from_api_name(&c.command_type).with_context(|| {
        format!(
            "{} has type {}, which assistctl does not know",
            c.command_id, c.command_type
        )
    })?;
    let script =
        crate::reconcile::command::live::decode_content(&c.command_content).with_context(|| {
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
                .filter(|t| !reserved_tag(&t.key))
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
            enable_parameter: Some(c.enable_parameter),
            import_id: Some(c.command_id.clone()),
            parameters,
        },
    };
    let yaml = serde_saphyr::to_string(&doc).context("cannot write the manifest")?;
    let dropped: Vec<String> = c
        .tags
        .iter()
        .filter(|t| reserved_tag(&t.key))
        .map(|t| format!("{}={}", t.key, t.value))
        .collect();
    // Said in the file, so nobody wonders where the live command's other tags went.
    let dropped = if dropped.is_empty() {
        String::new()
    } else {
        format!(
            "# Left out, as reserved tags a manifest may not set (the service or assistctl sets them): {}\n",
            dropped.join(", ")
        )
    };
    let text = format!(
        "{schema}# Imported from {} by `assistctl import`; apply adopts it (tags it as the stack's).\n{dropped}{yaml}",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_tags_are_the_services_and_assistctls() {
        for k in [
            "acs:rm:rgId",
            "ACS:x",
            "aliyun",
            "aliyunTag",
            "assistctl:name",
            "Assistctl:stack",
        ] {
            assert!(reserved_tag(k), "{k}");
        }
        for k in ["team", "env", "acs", "my-aliyun", "assistctl"] {
            assert!(!reserved_tag(k), "{k}");
        }
    }

    #[test]
    fn the_schema_line_points_at_the_repositorys_copy_or_says_how_to_make_one() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir(repo.path().join(".git")).unwrap();
        let out = repo.path().join("stacks/ops/imported");
        std::fs::create_dir_all(&out).unwrap();
        let none = schema_line(&out);
        assert!(
            !none.contains("$schema=") && none.contains("assistctl schema --out"),
            "{none}"
        );
        std::fs::create_dir(repo.path().join("schema")).unwrap();
        std::fs::write(repo.path().join(SCHEMA_REL), "{}").unwrap();
        assert_eq!(
            schema_line(&out),
            "# yaml-language-server: $schema=../../../schema/assistctl.schema.json\n"
        );
        // A copy above the repository's top is not the repository's.
        let inner = repo.path().join("sub");
        std::fs::create_dir_all(inner.join(".git")).unwrap();
        assert!(!schema_line(&inner).contains("$schema="));
    }
}
