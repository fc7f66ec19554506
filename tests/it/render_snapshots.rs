//! The three plan formats on one hand-built plan with every kind of change, and on a
//! plan with nothing to do. Snapshots are reviewed by eye: they are the output users see.

use std::collections::BTreeMap;

use assistctl::reconcile::RepeatMode;
use assistctl::reconcile::planned_schedule as planned;
use assistctl::reconcile::{
    Action, ApiCalls, Change, CommandField, CommandState, Conflict, FieldDiff, FieldValue,
    IneligibleInstance, InvocationPlan, MovedKind, NotReconciled, OwnershipMove,
    PLAN_FORMAT_VERSION, ParameterSource, Plan, PlannedParameter, PlannedSchedule, ResourceKind,
    RunOptions, Summary, TAG_NAME, TAG_STACK, TargetSelector, TaskAction, TaskChange, TaskField,
};
use assistctl::render::{json, markdown, text};

const STACK: &str = "ops-commands";

fn tags(name: &str, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut t: BTreeMap<String, String> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    t.insert(TAG_STACK.into(), STACK.into());
    t.insert(TAG_NAME.into(), name.into());
    t
}

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
        tags: tags(name, &[]),
    }
}

fn field<F>(field: F, before: &str, after: &str, forces_replace: bool) -> FieldDiff<F> {
    FieldDiff {
        field,
        before: Some(before.into()),
        after: Some(after.into()),
        forces_replace,
    }
}

fn tags_field(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> FieldDiff<CommandField> {
    FieldDiff {
        field: CommandField::Tags,
        before: Some(FieldValue::Tags(before.clone())),
        after: Some(FieldValue::Tags(after.clone())),
        forces_replace: false,
    }
}

fn change(action: Action, region: &str, name: &str, id: Option<&str>) -> Change {
    Change {
        kind: ResourceKind::Command,
        action,
        region: region.into(),
        name: name.into(),
        id: id.map(Into::into),
        source: Some(format!("commands/{name}.yaml:3")),
        reasons: Vec::new(),
        fields: Vec::new(),
        desired: None,
        live: None,
        client_token: None,
        writes: 0,
    }
}

const DEPLOY_LIVE: &str = "#!/bin/bash\nset -euo pipefail\ncd /srv/app\ngit fetch --all\ngit checkout {{version}}\nsystemctl stop app\ncp -r build/* /opt/app/\nsystemctl start app\nsleep 5\ncurl -fsS http://127.0.0.1:8080/health\necho done\n";
const DEPLOY_WANT: &str = "#!/bin/bash\nset -euo pipefail\ncd /srv/app\ngit fetch --all\ngit checkout {{version}}\nsystemctl stop app\nrsync -a --delete build/ /opt/app/\nsystemctl start app\nsleep 5\ncurl -fsS --retry 3 http://127.0.0.1:8080/health\necho done\n";

fn full_plan() -> Plan {
    let hz = "cn-hangzhou";
    let sh = "cn-shanghai";

    let mut unchanged = change(Action::NoOp, hz, "healthcheck", Some("c-hz0001"));
    unchanged.desired = Some(state("healthcheck", "curl -fsS localhost\n"));
    unchanged.live = unchanged.desired.clone();

    let mut create = change(Action::Create, hz, "backup-app-data", None);
    let mut want = state(
        "backup-app-data",
        "#!/bin/sh\n# archive {{file}} to /backup\ntar czf /backup/$(date +%F).tgz {{file}}\n",
    );
    want.description = "Archive a file to /backup".into();
    want.working_dir = "/home".into();
    want.enable_parameter = true;
    want.tags = tags("backup-app-data", &[("team", "ops")]);
    create.reasons = vec!["no command of this document exists yet".into()];
    create.desired = Some(want);
    create.client_token = Some("assistctl-0123456789abcdef0123456789abcdef01234567".into());
    create.writes = 1;

    let mut update = change(Action::Update, hz, "rotate-logs", Some("c-hz0002"));
    let mut live = state("rotate-logs", "logrotate -f /etc/logrotate.conf\n");
    live.description = "Rotate logs".into();
    live.timeout = 30;
    live.tags = tags("rotate-logs", &[("team", "ops"), ("legacy", "yes")]);
    let mut want = live.clone();
    want.description = "Rotate and compress logs".into();
    want.timeout = 60;
    want.tags = tags("rotate-logs", &[("team", "platform"), ("owner", "sre")]);
    update.reasons = vec!["description, timeout, tags changed".into()];
    update.fields = vec![
        field(
            CommandField::Description,
            &live.description,
            &want.description,
            false,
        ),
        field(CommandField::Timeout, "30", "60", false),
        tags_field(&live.tags, &want.tags),
    ];
    update.desired = Some(want);
    update.live = Some(live);
    update.writes = 3;

    let mut replace = change(Action::Replace, sh, "deploy-app", Some("c-sh0003"));
    let mut live = state("deploy-app", DEPLOY_LIVE);
    live.enable_parameter = true;
    let mut want = live.clone();
    want.content = DEPLOY_WANT.into();
    replace.reasons =
        vec!["the script changed, and ModifyCommand cannot change a command's content".into()];
    replace.fields = vec![field(CommandField::Content, DEPLOY_LIVE, DEPLOY_WANT, true)];
    replace.desired = Some(want);
    replace.live = Some(live);
    replace.client_token = Some("assistctl-89abcdef0123456789abcdef0123456789abcdef".into());
    replace.writes = 2;

    let mut adopt = change(Action::Adopt, hz, "legacy-cleanup", Some("c-hz0004"));
    let mut live = state("legacy-cleanup", "find /tmp -mtime +7 -delete\n");
    live.tags = BTreeMap::from([("owner".to_string(), "ops".to_string())]);
    live.description = "clean tmp".into();
    let mut want = state("legacy-cleanup", "find /tmp -mtime +7 -delete\n");
    want.description = "Remove week-old files from /tmp".into();
    want.tags = tags("legacy-cleanup", &[("owner", "ops")]);
    adopt.reasons = vec![
        "`import` marked c-hz0004 for adoption; it is tagged as the stack's, not recreated".into(),
    ];
    adopt.fields = vec![
        field(
            CommandField::Description,
            &live.description,
            &want.description,
            false,
        ),
        tags_field(&live.tags, &want.tags),
    ];
    adopt.desired = Some(want);
    adopt.live = Some(live);
    adopt.writes = 2;

    let mut delete = change(Action::Delete, sh, "old-report", Some("c-sh0005"));
    delete.source = None;
    delete.reasons = vec!["its document is gone from the manifests".into()];
    delete.live = Some(state("old-report", "echo report\n"));
    delete.writes = 1;

    let changes = vec![unchanged, create, update, replace, adopt, delete];
    let conflicts = vec![Conflict {
        kind: ResourceKind::Command,
        region: hz.into(),
        name: "db-vacuum".into(),
        id: "c-hz0009".into(),
        source: Some("commands/db-vacuum.yaml:3".into()),
        message: "an unowned command named `db-vacuum` already exists (c-hz0009)".into(),
        hint: "adopt it with `assistctl import --id c-hz0009 --out DIR` and apply, or rename the document".into(),
    }];
    let invocations = invocations();
    let writes = changes.iter().map(|c| u64::from(c.writes)).sum::<u64>()
        + invocations
            .iter()
            .flat_map(|i| &i.tasks)
            .map(|t| u64::from(t.writes))
            .sum::<u64>();
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        assistctl_version: "0.1.0".into(),
        created_at: "2026-05-01T02:00:00Z".into(),
        stack: STACK.into(),
        regions: vec![hz.into(), sh.into()],
        manifest_digest: format!("sha256:{}", "9f2c".repeat(16)),
        live_digest: format!("sha256:{}", "41ab".repeat(16)),
        options: Default::default(),
        paths: vec!["examples/commands".into()],
        ownership_moves: Vec::new(),
        summary: Summary::of(&changes, conflicts.len()).with_invocations(&invocations),
        changes,
        invocations,
        conflicts,
        not_reconciled: vec![
            NotReconciled {
                kind: "Invocation".into(),
                name: "nightly-backup".into(),
                source: "invocations/nightly.yaml:1".into(),
            },
            NotReconciled {
                kind: "Invocation".into(),
                name: "deploy-canary".into(),
                source: "invocations/deploy.yaml:9".into(),
            },
        ],
        warnings: vec![
            "command `deploy-app` runs as root with a timeout of 60 s; long deploys may be cut off"
                .into(),
            "region cn-hangzhou will use 460 of its 500 commands quota".into(),
        ],
        blockers: vec![
            "region cn-shanghai has 500 commands and its quota (max-axt-command-count) is 500; this apply would need 501 at its peak (1 created before 1 are deleted)".into(),
        ],
        api_calls: ApiCalls { reads: 4, writes },
    }
}

fn task(action: TaskAction, batch: u32, id: Option<&str>, instances: &[&str]) -> TaskChange {
    TaskChange {
        action,
        batch,
        id: id.map(Into::into),
        reasons: Vec::new(),
        fields: Vec::new(),
        instances: instances.iter().map(|i| i.to_string()).collect(),
        added_instances: Vec::new(),
        client_token: None,
        writes: match action {
            TaskAction::NoOp => 0,
            TaskAction::Invoke | TaskAction::Stop => 1,
            TaskAction::Modify | TaskAction::Reinvoke => 2,
        },
        wave: None,
        membership: false,
    }
}

fn invocation(name: &str, command: &str, schedule: PlannedSchedule) -> InvocationPlan {
    InvocationPlan {
        region: "cn-hangzhou".into(),
        name: name.into(),
        source: Some(format!("invocations/{name}.yaml:1")),
        command: command.into(),
        command_id: Some("c-hz0001".into()),
        schedule,
        parameters: Vec::new(),
        targets: TargetSelector::default(),
        run: RunOptions {
            timeout: 60,
            ..RunOptions::default()
        },
        tags: tags(name, &[("team", "ops")]),
        hash: "5f1e".repeat(10),
        inputs_hash: "a07c".repeat(10),
        instances: Vec::new(),
        ineligible: Vec::new(),
        tasks: Vec::new(),
    }
}

/// A new cron run in Berlin with a secret parameter and an instance left out; a rate
/// task changed in place; a boot task replaced; a removed document's task stopped.
fn invocations() -> Vec<InvocationPlan> {
    // The example's cron, planned a week before Berlin's change to summer time.
    let berlin = planned(
        RepeatMode::Period,
        Some("0 15 4 ? * SUN Europe/Berlin"),
        chrono::DateTime::parse_from_rfc3339("2026-03-20T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    let mut rotate = invocation("weekly-log-rotation", "rotate-app-logs", berlin);
    rotate.command_id = None;
    rotate.parameters = vec![
        PlannedParameter {
            name: "keep_days".into(),
            source: ParameterSource::Literal,
            value: Some("45".into()),
            from_env: None,
        },
        PlannedParameter {
            name: "log_dir".into(),
            source: ParameterSource::Default,
            value: Some("/var/log/app".into()),
            from_env: None,
        },
        PlannedParameter {
            name: "s3_key".into(),
            source: ParameterSource::FromEnv,
            value: None,
            from_env: Some("ARCHIVE_KEY".into()),
        },
    ];
    rotate.targets.tags = BTreeMap::from([("app".to_string(), "orders".to_string())]);
    rotate.instances = vec!["i-bp1ord01".into(), "i-bp1ord02".into()];
    rotate.ineligible = vec![IneligibleInstance {
        instance_id: "i-bp1ord03".into(),
        reason: "a rate, at or time-zone schedule needs agent 2.2.3.282 or later and it has 2.2.0.106 (ClientNeedUpgrade)".into(),
        code: "ClientNeedUpgrade".into(),
    }];
    let mut invoke = task(TaskAction::Invoke, 0, None, &["i-bp1ord01", "i-bp1ord02"]);
    invoke.reasons = vec!["first run: no task of this document exists yet".into()];
    invoke.client_token = Some("assistctl-3c1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d".into());
    rotate.tasks = vec![invoke];

    let mut disk = invocation(
        "disk-usage-web",
        "disk-usage-check",
        PlannedSchedule {
            repeat_mode: RepeatMode::Period,
            frequency: Some("rate(15m)".into()),
            description: "every 15 minutes".into(),
            time_zone: Some("UTC".into()),
            next_fires: vec![
                "2026-05-01 02:15:00 +00:00 (UTC)".into(),
                "2026-05-01 02:30:00 +00:00 (UTC)".into(),
                "2026-05-01 02:45:00 +00:00 (UTC)".into(),
            ],
        },
    );
    disk.instances = vec![
        "i-bp1web01".into(),
        "i-bp1web02".into(),
        "i-bp1web03".into(),
    ];
    let mut modify = task(
        TaskAction::Modify,
        0,
        Some("t-hz0007"),
        &["i-bp1web01", "i-bp1web02", "i-bp1web03"],
    );
    modify.reasons =
        vec!["parameters, instances changed; ModifyInvocationAttribute changes it in place".into()];
    modify.fields = vec![
        field(TaskField::Parameters, "threshold=85", "threshold=80", false),
        field(
            TaskField::Instances,
            "i-bp1web01, i-bp1web02",
            "i-bp1web01, i-bp1web02, i-bp1web03",
            false,
        ),
    ];
    modify.added_instances = vec!["i-bp1web03".into()];
    disk.tasks = vec![modify];

    let mut kernel = invocation(
        "tune-kernel-staging",
        "tune-kernel",
        PlannedSchedule {
            repeat_mode: RepeatMode::EveryReboot,
            frequency: None,
            description: "at every boot of each instance".into(),
            time_zone: None,
            next_fires: Vec::new(),
        },
    );
    kernel.instances = vec!["i-bp1stg01".into()];
    let mut reinvoke = task(TaskAction::Reinvoke, 0, Some("t-hz0008"), &["i-bp1stg01"]);
    reinvoke.reasons =
        vec!["`username` changed, which ModifyInvocationAttribute cannot change".into()];
    reinvoke.fields = vec![field(TaskField::Username, "", "ecs-user", true)];
    reinvoke.client_token = Some("assistctl-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b".into());
    kernel.tasks = vec![reinvoke];

    let mut gone = invocation(
        "old-cleanup",
        "cleanup",
        PlannedSchedule {
            repeat_mode: RepeatMode::Period,
            frequency: Some("rate(1h)".into()),
            description: "every hour".into(),
            time_zone: Some("UTC".into()),
            next_fires: Vec::new(),
        },
    );
    gone.source = None;
    gone.hash = String::new();
    gone.inputs_hash = String::new();
    gone.instances = vec!["i-bp1web01".into()];
    let mut stop = task(TaskAction::Stop, 0, Some("t-hz0009"), &["i-bp1web01"]);
    stop.reasons = vec!["its document is gone from the manifests".into()];
    gone.tasks = vec![stop];

    let mut done = invocation(
        "diagnose-win-1",
        "collect-windows-diagnostics",
        PlannedSchedule {
            repeat_mode: RepeatMode::Once,
            frequency: None,
            description: "once, when apply invokes it".into(),
            time_zone: None,
            next_fires: Vec::new(),
        },
    );
    done.instances = vec!["i-bp1win01".into()];
    let mut noop = task(TaskAction::NoOp, 0, Some("t-hz0010"), &["i-bp1win01"]);
    noop.reasons =
        vec!["this spec ran as t-hz0010 (Success); a `once` invocation runs once per spec".into()];
    done.tasks = vec![noop];

    let mut idle = invocation(
        "grow-root-after-resize",
        "grow-root-filesystem",
        planned(RepeatMode::NextRebootOnly, None, chrono::Utc::now()),
    );
    idle.targets.instance_ids = vec!["i-bp1gone01".into()];
    idle.ineligible = vec![IneligibleInstance {
        instance_id: "i-bp1gone01".into(),
        reason: "it does not exist in this region".into(),
        code: "InstanceNotExists".into(),
    }];
    vec![done, disk, gone, idle, kernel, rotate]
}

fn in_sync_plan() -> Plan {
    let mut a = change(Action::NoOp, "cn-hangzhou", "healthcheck", Some("c-hz0001"));
    a.desired = Some(state("healthcheck", "curl -fsS localhost\n"));
    a.live = a.desired.clone();
    let mut b = a.clone();
    b.name = "rotate-logs".into();
    b.id = Some("c-hz0002".into());
    let changes = vec![a, b];
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        assistctl_version: "0.1.0".into(),
        created_at: "2026-05-01T02:00:00Z".into(),
        stack: STACK.into(),
        regions: vec!["cn-hangzhou".into()],
        manifest_digest: format!("sha256:{}", "9f2c".repeat(16)),
        live_digest: format!("sha256:{}", "41ab".repeat(16)),
        options: Default::default(),
        paths: Vec::new(),
        ownership_moves: Vec::new(),
        summary: Summary::of(&changes, 0),
        changes,
        invocations: Vec::new(),
        conflicts: Vec::new(),
        not_reconciled: Vec::new(),
        warnings: Vec::new(),
        blockers: Vec::new(),
        api_calls: ApiCalls {
            reads: 2,
            writes: 0,
        },
    }
}

fn plain() -> text::TextOptions {
    text::TextOptions {
        color: false,
        width: 100,
        script_lines: None,
    }
}

#[test]
fn text_of_every_kind_of_change() {
    let out = text::render(&full_plan(), &plain());
    // The cron's next three fires keep 04:15 Berlin time across the change to summer time.
    assert!(out.contains(
        "      next fires: 2026-03-22 04:15:00 +01:00 (Europe/Berlin)\n                  2026-03-29 04:15:00 +02:00 (Europe/Berlin)\n                  2026-04-05 04:15:00 +02:00 (Europe/Berlin)\n"
    ), "{out}");
    insta::assert_snapshot!("text_full", out);
}

/// The compact form: a create shows the first lines of its script and how many there are;
/// a replacement still shows its whole diff.
#[test]
fn text_compact_shortens_created_scripts_only() {
    let full = text::render(&full_plan(), &plain());
    let out = text::render(
        &full_plan(),
        &text::TextOptions {
            script_lines: Some(2),
            ..plain()
        },
    );
    assert!(
        out.contains("      + content: 3 lines (first 2 shown; --full to see all)\n          +#!/bin/sh\n          +# archive {{file}} to /backup\n\n"),
        "{out}"
    );
    assert!(!out.contains("+tar czf"), "{out}");
    // Everything but the created script is as in the full form.
    let diff_start = full.find("--- live (c-sh0003)").unwrap();
    let diff_end = full[diff_start..].find("\n\n").unwrap() + diff_start;
    assert!(out.contains(&full[diff_start..diff_end]), "{out}");
    assert_eq!(full.lines().count() - out.lines().count(), 1);
    insta::assert_snapshot!("text_compact", out);
}

#[test]
fn text_of_a_plan_in_sync() {
    let out = text::render(&in_sync_plan(), &plain());
    assert!(out.contains("No changes. The stack matches the manifests (2 commands checked)."));
    insta::assert_snapshot!("text_in_sync", out);
}

#[test]
fn markdown_of_every_kind_of_change() {
    insta::assert_snapshot!("markdown_full", markdown::render(&full_plan()));
}

#[test]
fn markdown_of_a_plan_in_sync() {
    insta::assert_snapshot!("markdown_in_sync", markdown::render(&in_sync_plan()));
}

#[test]
fn json_of_every_kind_of_change_reads_back_as_the_same_plan() {
    let plan = full_plan();
    let out = json::render(&plan);
    let back: Plan = serde_json::from_str(&out).expect("the JSON plan parses");
    assert_eq!(back, plan);
    insta::assert_snapshot!("json_full", out);
}

#[test]
fn json_of_a_plan_in_sync() {
    let plan = in_sync_plan();
    let out = json::render(&plan);
    assert_eq!(serde_json::from_str::<Plan>(&out).unwrap(), plan);
    insta::assert_snapshot!("json_in_sync", out);
}

#[test]
fn colour_only_when_asked() {
    let plan = full_plan();
    let plain_out = text::render(&plan, &plain());
    assert!(!plain_out.contains('\x1b'), "escape codes without color");
    let coloured = text::render(
        &plan,
        &text::TextOptions {
            color: true,
            width: 100,
            script_lines: None,
        },
    );
    // green +, yellow ~, magenta -/+, cyan <=, red -
    for (code, symbol) in [
        ("\x1b[32m", "  +"),
        ("\x1b[33m", "  ~"),
        ("\x1b[35m", "-/+"),
        ("\x1b[36m", " <="),
        ("\x1b[31m", "  -"),
    ] {
        assert!(
            coloured.contains(&format!("{code}{symbol}\x1b[0m")),
            "{symbol:?} not coloured {code:?}"
        );
    }
    assert!(!markdown::render(&plan).contains('\x1b'));
    assert!(!json::render(&plan).contains('\x1b'));
}

/// Objects taken over from another stack are shown in every format, before the changes.
#[test]
fn ownership_moves_are_shown() {
    let mut plan = full_plan();
    plan.ownership_moves.push(OwnershipMove {
        kind: MovedKind::Invocation,
        region: "cn-hangzhou".into(),
        name: "nightly-backup".into(),
        id: "t-hz0moved".into(),
        from: "old-stack".into(),
    });
    plan.summary.take_over = 1;
    let text = text::render(&plan, &plain());
    let line = "<= invocation nightly-backup (t-hz0moved) in cn-hangzhou: taken over from stack `old-stack`";
    assert!(text.contains(line), "{text}");
    assert!(text.contains("1 to take over from other stacks"), "{text}");
    let md = markdown::render(&plan);
    assert!(md.contains("### Taken over from other stacks"), "{md}");
    assert!(
        md.contains("t-hz0moved") && md.contains("old-stack"),
        "{md}"
    );
    let saved: Plan = serde_json::from_str(&json::render(&plan)).unwrap();
    assert_eq!(saved.ownership_moves, plan.ownership_moves);
}

/// docs/plan-format.md: its example is a plan exactly as `json::render` writes it, and
/// every key a plan can hold is documented.
#[test]
fn the_plan_format_doc_matches_the_format() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/plan-format.md"))
        .unwrap();
    let start = doc.find("```json\n").expect("an example") + "```json\n".len();
    let example = &doc[start..start + doc[start..].find("```\n").unwrap()];
    let plan: Plan = serde_json::from_str(example).expect("the example is a plan");
    assert_eq!(json::render(&plan), example);

    fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    out.push(k.clone());
                    // Tag keys are data, not format (a `tags` map, or the tag maps a
                    // `tags` field difference holds before and after).
                    let tag_map = k == "tags" || (v.is_object() && (k == "before" || k == "after"));
                    if !tag_map {
                        keys(v, out);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    keys(&serde_json::to_value(full_plan()).unwrap(), &mut all);
    for k in all {
        assert!(
            doc.contains(&format!("| `{k}` |")),
            "`{k}` is not documented"
        );
    }
    for a in ["noOp", "create", "update", "replace", "adopt", "delete"] {
        assert!(
            doc.contains(&format!("| `{a}` |")),
            "action {a} is not documented"
        );
    }
}
