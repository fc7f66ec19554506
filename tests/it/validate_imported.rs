//! What `assistctl import` writes passes `validate --strict` as it is: a schema line that
//! points at a file that exists, and no reserved tag copied from the live command.

use crate::common;

use common::emu::Emu;
use common::{Fixture, text};

const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: shop }\nspec:\n  region: cn-hangzhou\n";

const LEGACY: &str = "---\napiVersion: assistctl/v1\nkind: Command\nmetadata: { name: legacy }\nspec:\n  type: shell\n  timeout: 30\n  tags: { team: sre }\n  content: |\n    echo hello\n";

#[test]
fn imported_manifests_validate_strictly_with_the_repositorys_schema_and_no_reserved_tags() {
    let emu = Emu::start(&[]);
    // A command made by hand: another stack creates it, then loses its stack tag but keeps
    // `assistctl:name`, a reserved tag that validate refuses in a manifest.
    let manual = Fixture::new();
    manual.write("stack.yaml", STACK.replace("shop", "handmade"));
    manual.write("legacy.yaml", LEGACY);
    emu.apply(&manual);
    let id = emu.plan_json(&manual)["changes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    common::sdk::Sdk::new(&emu).run(&format!("untag {id} assistctl:stack"));

    // The repository to import into: its top has `.git`, the Stack and the schema.
    let repo = Fixture::new();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    repo.write("stack.yaml", STACK);
    // The schema as docs/manifest-reference.md says to write it into the repository.
    std::fs::create_dir(repo.path().join("schema")).unwrap();
    let out = common::bin()
        .current_dir(repo.path())
        .args(["schema", "--out", "schema/assistctl.schema.json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = emu.run(
        &repo,
        &[
            "import",
            "--region",
            "cn-hangzhou",
            "--id",
            &id,
            "--out",
            "stacks/imported",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let written = std::fs::read_to_string(repo.path().join("stacks/imported/legacy.yaml")).unwrap();
    assert!(
        written.starts_with("# yaml-language-server: $schema=../../schema/assistctl.schema.json\n"),
        "{written}"
    );
    assert!(
        written.contains("# Left out, as reserved tags a manifest may not set (the service or assistctl sets them): assistctl:name=legacy\n"),
        "{written}"
    );
    assert!(
        written.contains("team: sre"),
        "the user's own tag is kept: {written}"
    );

    // The whole set, and the imported directory alone (checked with the Stack above it).
    for path in [".", "stacks/imported"] {
        let out = common::bin()
            .current_dir(repo.path())
            .args(["validate", "--strict", path])
            .output()
            .unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{path}: {t}\n{written}");
        assert!(t.contains("valid: 0 errors, 0 warnings"), "{path}: {t}");
    }
}
