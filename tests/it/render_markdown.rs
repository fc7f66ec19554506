//! The markdown plan as GitHub will see it: under the comment size limit however large
//! the plan, and user text (scripts, names, descriptions) that cannot break its structure.
//! An independent parser (pulldown-cmark, GitHub-flavoured tables) reads the output back.

use std::collections::BTreeMap;

use assistctl::reconcile::{
    Action, ApiCalls, Change, CommandField, CommandState, FieldDiff, PLAN_FORMAT_VERSION, Plan,
    ResourceKind, Summary,
};
use assistctl::render::markdown::{self, COMMENT_LIMIT};
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

fn state(name: &str, content: &str) -> CommandState {
    CommandState {
        name: name.into(),
        description: String::new(),
        command_type: "RunShellScript".into(),
        content: content.into(),
        working_dir: String::new(),
        timeout: 60,
        enable_parameter: false,
        launcher: String::new(),
        resource_group_id: String::new(),
        tags: BTreeMap::new(),
    }
}

fn replace(
    name: &str,
    id: &str,
    before: &str,
    after: &str,
    extra: Vec<FieldDiff<CommandField>>,
) -> Change {
    let mut fields = vec![FieldDiff {
        field: CommandField::Content,
        before: Some(before.into()),
        after: Some(after.into()),
        forces_replace: true,
    }];
    fields.extend(extra);
    Change {
        kind: ResourceKind::Command,
        action: Action::Replace,
        region: "cn-hangzhou".into(),
        name: name.into(),
        id: Some(id.into()),
        source: Some(format!("commands/{name}.yaml:1")),
        reasons: vec!["the script changed".into()],
        fields,
        desired: Some(state(name, after)),
        live: Some(state(name, before)),
        client_token: None,
        writes: 2,
    }
}

fn plan(changes: Vec<Change>) -> Plan {
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        assistctl_version: "0.1.0".into(),
        created_at: "2026-05-01T02:00:00Z".into(),
        stack: "big".into(),
        regions: vec!["cn-hangzhou".into()],
        manifest_digest: "0".repeat(64),
        live_digest: "1".repeat(64),
        options: Default::default(),
        paths: Vec::new(),
        ownership_moves: Vec::new(),
        summary: Summary::of(&changes, 0),
        api_calls: ApiCalls {
            reads: 1,
            writes: changes.len() as u64 * 2,
        },
        changes,
        invocations: Vec::new(),
        conflicts: Vec::new(),
        not_reconciled: Vec::new(),
        warnings: Vec::new(),
        blockers: Vec::new(),
    }
}

/// A script of `lines` lines, each different for each `seed`, so a diff is all changes.
fn script(seed: usize, lines: usize) -> String {
    (0..lines)
        .map(|i| format!("echo \"step {i} of command {seed}: {}\"\n", "x".repeat(40)))
        .collect()
}

fn events(md: &str) -> Vec<Event<'_>> {
    Parser::new_ext(md, Options::ENABLE_TABLES).collect()
}

/// The text of every fenced code block with the info string `diff`.
fn diff_blocks(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for e in events(md) {
        match e {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if &*info == "diff" => {
                cur = Some(String::new())
            }
            Event::Text(t) => {
                if let Some(c) = cur.as_mut() {
                    c.push_str(&t)
                }
            }
            Event::End(TagEnd::CodeBlock) => out.extend(cur.take()),
            _ => {}
        }
    }
    out
}

/// Every table row as its cells' text (code spans included).
fn table_rows(md: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row: Option<Vec<String>> = None;
    for e in events(md) {
        match e {
            Event::Start(Tag::TableRow) | Event::Start(Tag::TableHead) => row = Some(Vec::new()),
            Event::Start(Tag::TableCell) => {
                if let Some(r) = row.as_mut() {
                    r.push(String::new())
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(cell) = row.as_mut().and_then(|r| r.last_mut()) {
                    cell.push_str(&t)
                }
            }
            Event::End(TagEnd::TableRow) | Event::End(TagEnd::TableHead) => rows.extend(row.take()),
            _ => {}
        }
    }
    rows
}

#[test]
fn hundreds_of_large_script_diffs_fit_in_one_comment() {
    let n = 300;
    let changes = (0..n)
        .map(|i| {
            replace(
                &format!("cmd-{i:03}"),
                &format!("c-{i:06}"),
                &script(i, 60),
                &script(i + 1000, 60 + i % 7),
                Vec::new(),
            )
        })
        .collect();
    let md = markdown::render(&plan(changes));

    assert!(md.chars().count() < COMMENT_LIMIT, "{} chars", md.len());
    assert!(md.encode_utf16().count() < COMMENT_LIMIT);
    let kept = md.matches("<details>").count();
    assert!(kept > 0, "some details must survive");
    assert!(kept < n, "the plan is far too large to keep them all");
    let note = format!(
        "{} of {n} change details were left out. Run `assistctl plan` locally for the full plan.",
        n - kept
    );
    assert!(
        md.contains(&note),
        "missing note {note:?} in:\n{}",
        &md[..2000]
    );
    // Every kept detail is whole: its fenced diff closed, its </details> present.
    assert_eq!(diff_blocks(&md).len(), kept);
    assert_eq!(md.matches("</details>").count(), kept);
    // Every change is still listed in the table.
    let rows = table_rows(&md);
    for i in 0..n {
        let name = format!("cmd-{i:03}");
        assert!(
            rows.iter().any(|r| r[2] == name),
            "{name} missing from the table"
        );
    }
}

#[test]
fn a_small_plan_is_not_truncated() {
    let md = markdown::render(&plan(vec![replace("a", "c-1", "x\n", "y\n", Vec::new())]));
    assert!(!md.contains("left out"));
    assert_eq!(
        diff_blocks(&md),
        ["--- live (c-1)\n+++ manifests\n@@ -1 +1 @@\n-x\n+y\n"]
    );
}

#[test]
fn scripts_names_and_descriptions_cannot_break_the_markdown() {
    let before = "#!/bin/sh\ncat <<'EOF'\n```\nnot a fence end\nEOF\n";
    // The unchanged "```" is the context line " ```", which would close a 3-backtick fence.
    let after = "#!/bin/sh\ncat <<'EOF'\n```\n| not | a | table |\nEOF\nps aux | grep `whoami`\n";
    let name = "ev|l`<b>name";
    let description = FieldDiff {
        field: CommandField::Description,
        before: Some("a | b".into()),
        after: Some("uses ``` and `x` | <i>html</i>".into()),
        forces_replace: false,
    };
    let md = markdown::render(&plan(vec![replace(
        name,
        "c-1",
        before,
        after,
        vec![description],
    )]));

    // The script diff comes back from the parser exactly, in one block.
    let blocks = diff_blocks(&md);
    assert_eq!(blocks.len(), 1, "{md}");
    assert_eq!(
        blocks[0],
        "--- live (c-1)\n+++ manifests\n@@ -1,5 +1,6 @@\n #!/bin/sh\n cat <<'EOF'\n ```\n-not a fence end\n+| not | a | table |\n EOF\n+ps aux | grep `whoami`\n"
    );

    // Each table keeps its columns and the cells their text.
    let rows = table_rows(&md);
    let change_row = rows
        .iter()
        .find(|r| r[0] == "-/+")
        .expect("the change's row");
    assert_eq!(change_row.len(), 6, "{change_row:?}");
    assert_eq!(change_row[2], name);
    let field_row = rows
        .iter()
        .find(|r| r[0] == "description")
        .expect("the description row");
    assert_eq!(
        field_row,
        &["description", "a | b", "uses ``` and `x` | <i>html</i>"]
    );

    // No user text becomes HTML: the name stays text in <summary>.
    let html: Vec<String> = events(&md)
        .into_iter()
        .filter_map(|e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Some(h.to_string()),
            _ => None,
        })
        .collect();
    assert!(
        html.iter()
            .all(|h| !h.contains("<b>name") && !h.contains("<i>")),
        "{html:?}"
    );
    assert!(md.contains("<b>ev|l`&lt;b&gt;name</b>"));
}
