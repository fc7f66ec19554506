//! `assistctl schema`: the manifest JSON Schema, as committed in schema/.

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write it to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let text = crate::manifest::schema::schema_text();
    match args.out {
        Some(p) => std::fs::write(&p, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?,
        None => print!("{text}"),
    }
    Ok(0)
}
