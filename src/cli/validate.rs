//! `assistctl validate`: offline checks of manifests, every problem with its location.

use std::path::PathBuf;

use anstream::println;
use serde_json::json;

use super::output::{self, ERROR, OK, WARNING};
use crate::manifest::{self, rules::Context};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories (searched recursively for *.yaml and *.yml).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Fail on warnings too.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    // Paths without a Stack (a pre-commit hook's changed files) are checked in the
    // context of the nearest Stack above them; see manifest::scope.
    let scoped = manifest::scope::validate(&args.paths, &Context::default());
    let v = &scoped.validation;
    let (errors, warnings) = (v.errors(), v.warnings());
    let failed = errors > 0 || (args.strict && warnings > 0);
    match args.format {
        Format::Json => {
            let mut out = json!({
                "valid": !failed,
                "files": v.set.files.len(),
                "documents": v.documents(),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": v.diagnostics,
            });
            if let (Some(file), Some(dir)) = (&scoped.stack_file, &scoped.stack_dir) {
                out["stack"] = json!({
                    "file": file,
                    "directory": dir,
                    "notShown": scoped.not_shown,
                });
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Text => {
            for d in &v.diagnostics {
                output::print_diagnostic(d);
            }
            if let (Some(file), Some(dir)) = (&scoped.stack_file, &scoped.stack_dir) {
                let hidden = if scoped.not_shown == 0 {
                    String::new()
                } else {
                    format!(
                        "; {} in its other files not shown (`assistctl validate {}` shows them)",
                        plural(scoped.not_shown, "problem"),
                        dir.display()
                    )
                };
                println!(
                    "note: the paths given hold no Stack: checked with the Stack in {} and the manifests under {}, problems shown for the paths given{hidden}",
                    file.display(),
                    dir.display()
                );
            }
            let counts = format!(
                "{} in {}, {}",
                plural(errors, "error") + ", " + &plural(warnings, "warning"),
                plural(v.documents(), "document"),
                plural(v.set.files.len(), "file")
            );
            if failed {
                let why = if errors == 0 {
                    " (--strict fails on warnings)"
                } else {
                    ""
                };
                println!("{ERROR}invalid{ERROR:#}: {counts}{why}");
            } else if warnings > 0 {
                println!("{WARNING}valid{WARNING:#}: {counts}");
            } else {
                println!("{OK}valid{OK:#}: {counts}");
            }
        }
    }
    Ok(u8::from(failed))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
