//! The console's pages, rendered from loaded data. Pure functions: what they show is tested
//! without a server. Every stored value goes through [`esc`] (or a helper that calls it).

use std::fmt::Write;

use super::html::{self, Frame, Section, esc, fields, is_active, or_dash, query_value};
use super::load::{CommandView, Listing, RegionSummary, Task};
use super::text;
use crate::emulator::inventory::{Instance, Inventory};
use crate::emulator::store::invocations::{InstanceActivity, InstanceResultRow};

/// Lines of output shown per instance in the task list; the task's own page shows it all.
pub const OUTPUT_LINES: usize = 100;

pub fn overview(inv: &Inventory, regions: &[RegionSummary]) -> String {
    let live = regions.iter().any(|r| r.tasks.active > 0);
    let mut body = String::new();
    body.push_str(
        "<p class=\"note\">A read-only view of the local emulator's state, in the shape of the \
         ECS console's Cloud Assistant pages. It has no login: the emulator listens on \
         127.0.0.1 unless started with another <code>--listen</code> address. Access key \
         secrets are never shown.</p>",
    );
    let _ = write!(
        body,
        "<div class=\"card\">{}</div>",
        fields(&[("Account ID", esc(&inv.account_id))])
    );
    body.push_str(
        "<table><thead><tr><th>Region</th><th>Commands</th><th>Tasks</th><th>Active tasks</th>\
         <th>Instances</th></tr></thead><tbody>",
    );
    for r in regions {
        let q = query_value(&r.region);
        let _ = write!(
            body,
            "<tr><td>{}</td><td><a href=\"/console/commands?region={q}\">{}</a></td>\
             <td><a href=\"/console/invocations?region={q}\">{}</a></td><td>{}</td>\
             <td><a href=\"/console/instances?region={q}\">{}</a></td></tr>",
            esc(&r.region),
            r.commands,
            r.tasks.total,
            r.tasks.active,
            r.instances
        );
    }
    body.push_str("</tbody></table>");
    html::page(
        &Frame {
            title: "Cloud Assistant overview",
            section: Section::Overview,
            region: None,
            regions: &inv.regions,
            live,
        },
        &body,
    )
}

/// "Showing 1–50 of 120" with links to the neighbouring pages.
fn pager<T>(l: &Listing<T>, path: &str, region: &str) -> String {
    let first = i64::from(l.page - 1) * i64::from(l.per_page);
    let shown = l.items.len() as i64;
    let mut out = format!(
        "<p class=\"pager note\">Showing {}–{} of {}, newest first.",
        if shown == 0 { 0 } else { first + 1 },
        first + shown,
        l.total
    );
    let q = query_value(region);
    if l.page > 1 {
        let _ = write!(
            out,
            " <a href=\"{path}?region={q}&amp;page={}\">← newer</a>",
            l.page - 1
        );
    }
    if first + shown < l.total {
        let _ = write!(
            out,
            " <a href=\"{path}?region={q}&amp;page={}\">older →</a>",
            l.page + 1
        );
    }
    out.push_str("</p>");
    out
}

/// A script block: decoded content, or the stored text with a note when it is not Base64.
fn script_block(content_b64: &str) -> String {
    match text::script(content_b64) {
        Ok(s) => format!("<pre class=\"script\">{}</pre>", esc(&s)),
        Err(raw) => format!(
            "<p class=\"note\">The stored content is not valid Base64; shown as stored.</p>\
             <pre class=\"script\">{}</pre>",
            esc(&raw)
        ),
    }
}

pub fn commands(region: &str, regions: &[String], l: &Listing<CommandView>) -> String {
    let mut body = pager(l, "/console/commands", region);
    if l.items.is_empty() {
        let _ = write!(body, "<p>No commands in {} yet.</p>", esc(region));
    }
    for c in &l.items {
        let r = &c.row;
        let parameters = if !r.enable_parameter {
            "not enabled".to_string()
        } else if r.parameter_names.is_empty() {
            "enabled, none in the content".to_string()
        } else {
            r.parameter_names
                .iter()
                .map(|n| format!("<code>{{{{{}}}}}</code>", esc(n)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut pairs = vec![
            ("Command ID", format!("<code>{}</code>", esc(&r.command_id))),
            ("Type", esc(&r.type_name)),
            ("Description", or_dash(Some(&r.description))),
            ("Parameters", parameters),
            ("Working directory", or_dash(Some(&r.working_dir))),
            ("Timeout", format!("{} s", r.timeout)),
            ("Tags", html::tags(&c.tags)),
            ("Created", esc(&r.creation_time)),
            ("Times invoked", r.invoke_times.to_string()),
        ];
        if !r.launcher.is_empty() {
            pairs.push(("Launcher", esc(&r.launcher)));
        }
        if !r.resource_group_id.is_empty() {
            pairs.push(("Resource group", esc(&r.resource_group_id)));
        }
        let _ = write!(
            body,
            "<section class=\"card command\" id=\"{id}\"><h2>{name}</h2>{fields}{script}</section>",
            id = esc(&r.command_id),
            name = esc(&r.name),
            fields = fields(&pairs),
            script = script_block(&r.content),
        );
    }
    html::page(
        &Frame {
            title: &format!("My Commands · {region}"),
            section: Section::Commands,
            region: Some(region),
            regions,
            live: false,
        },
        &body,
    )
}

fn task_live(t: &Task) -> bool {
    is_active(&t.row.status) || t.instances.iter().any(|i| is_active(&i.status))
}

fn instance_label(inv: &Inventory, id: &str) -> String {
    match inv.instances.iter().find(|i| i.id == id) {
        Some(i) if i.name != i.id => format!(
            "<code>{}</code> <span class=\"note\">{}</span>",
            esc(id),
            esc(&i.name)
        ),
        _ => format!("<code>{}</code>", esc(id)),
    }
}

/// The per-instance table of a task; outputs follow each row, cut to `max_lines` when given.
fn results_table(
    inv: &Inventory,
    results: &[InstanceResultRow],
    max_lines: Option<usize>,
) -> String {
    if results.is_empty() {
        return "<p class=\"note\">No instance results.</p>".into();
    }
    let mut out = String::from(
        "<table class=\"results\"><thead><tr><th>Instance</th><th>Status</th><th>Exit code</th>\
         <th>Error</th><th>Started</th><th>Finished</th><th>Repeats</th><th>Dropped bytes</th>\
         </tr></thead><tbody>",
    );
    for r in results {
        let error = match (r.error_code.is_empty(), r.error_info.is_empty()) {
            (true, true) => "–".to_string(),
            _ => format!("<code>{}</code> {}", esc(&r.error_code), esc(&r.error_info)),
        };
        let finished = r.finish_time.as_deref().or(r.stop_time.as_deref());
        let _ = write!(
            out,
            "<tr class=\"result\" data-instance=\"{id}\"><td>{label}</td><td class=\"status\">{status}</td>\
             <td>{exit}</td><td>{error}</td><td>{start}</td><td>{finish}</td><td>{repeats}</td>\
             <td>{dropped}</td></tr>",
            id = esc(&r.instance_id),
            label = instance_label(inv, &r.instance_id),
            status = html::status(&r.status),
            exit = r
                .exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "–".into()),
            start = or_dash(r.start_time.as_deref()),
            finish = or_dash(finished),
            repeats = r.repeats,
            dropped = r.dropped,
        );
        let output = if r.output.is_empty() {
            "<span class=\"note\">No output yet.</span>".to_string()
        } else {
            let (shown, cut) = match max_lines {
                Some(n) => text::tail(&r.output, n),
                None => (r.output.as_str(), None),
            };
            let note = match cut {
                Some(total) => format!(
                    "<p class=\"note\">Last {} of {total} lines; the task's page shows all.</p>",
                    max_lines.unwrap_or_default()
                ),
                None => String::new(),
            };
            format!("{note}<pre class=\"output\">{}</pre>", esc(shown))
        };
        let _ = write!(
            out,
            "<tr class=\"output-row\"><td colspan=\"8\">{output}</td></tr>"
        );
    }
    out.push_str("</tbody></table>");
    out
}

fn task_summary(t: &Task) -> Vec<(&'static str, String)> {
    let r = &t.row;
    let mut pairs = vec![
        ("Task ID", format!("<code>{}</code>", esc(&r.invoke_id))),
        (
            "Command",
            format!(
                "{} <code>{}</code>",
                or_dash(Some(&r.command_name)),
                esc(&r.command_id)
            ),
        ),
        ("Type", esc(&r.command_type)),
        ("Repeat mode", esc(&r.repeat_mode)),
    ];
    if !r.frequency.is_empty() {
        pairs.push(("Frequency", format!("<code>{}</code>", esc(&r.frequency))));
    }
    pairs.push(("Status", html::status(&r.status)));
    pairs.push(("Created", esc(&r.creation_time)));
    pairs.push(("Tags", html::tags(&t.tags)));
    pairs
}

fn task_card(inv: &Inventory, t: &Task, link: bool) -> String {
    let id = esc(&t.row.invoke_id);
    let heading = if link {
        format!(
            "<a href=\"/console/invocations/{}\">{id}</a>",
            query_value(&t.row.invoke_id)
        )
    } else {
        id.clone()
    };
    format!(
        "<section class=\"card task\" id=\"{id}\"><h2>{heading} · {name}</h2>{fields}{results}</section>",
        name = or_dash(Some(&t.row.command_name)),
        fields = fields(&task_summary(t)),
        results = results_table(inv, &t.instances, link.then_some(OUTPUT_LINES)),
    )
}

pub fn invocations(inv: &Inventory, region: &str, l: &Listing<Task>) -> String {
    let mut body = pager(l, "/console/invocations", region);
    if l.items.is_empty() {
        let _ = write!(body, "<p>No tasks in {} yet.</p>", esc(region));
    }
    for t in &l.items {
        body.push_str(&task_card(inv, t, true));
    }
    html::page(
        &Frame {
            title: &format!("Task Execution · {region}"),
            section: Section::Invocations,
            region: Some(region),
            regions: &inv.regions,
            live: l.items.iter().any(task_live),
        },
        &body,
    )
}

/// Names of a task's parameters, never their values: a `fromEnv` secret travels as one.
fn parameter_names(parameters_json: &str) -> String {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(parameters_json) {
        Ok(m) if !m.is_empty() => format!(
            "{} <span class=\"note\">(values not shown: they may be secrets)</span>",
            m.keys()
                .map(|k| format!("<code>{}</code>", esc(k)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        _ => "–".into(),
    }
}

pub fn invocation(inv: &Inventory, t: &Task) -> String {
    let r = &t.row;
    let mut body = format!(
        "<p class=\"note\"><a href=\"/console/invocations?region={}\">← all tasks in {}</a></p>",
        query_value(&r.region_id),
        esc(&r.region_id)
    );
    body.push_str(&task_card(inv, t, false));
    let mut pairs = vec![
        ("Description", or_dash(Some(&r.command_description))),
        ("Parameters", parameter_names(&r.parameters)),
        ("Working directory", or_dash(Some(&r.working_dir))),
        ("Timeout", format!("{} s", r.timeout)),
        ("Username", or_dash(Some(&r.username))),
        (
            "Command kept",
            if r.command_kept { "yes" } else { "no" }.into(),
        ),
    ];
    for (label, v) in [
        ("Launcher", &r.launcher),
        ("Container ID", &r.container_id),
        ("Container name", &r.container_name),
        ("Termination mode", &r.termination_mode),
        ("Resource group", &r.resource_group_id),
    ] {
        if !v.is_empty() {
            pairs.push((label, esc(v)));
        }
    }
    let _ = write!(
        body,
        "<section class=\"card\"><h2>What the task runs</h2>{}{}</section>",
        fields(&pairs),
        script_block(&r.command_content)
    );
    html::page(
        &Frame {
            title: &format!("Task {}", r.invoke_id),
            section: Section::Invocations,
            region: Some(&r.region_id),
            regions: &inv.regions,
            live: task_live(t),
        },
        &body,
    )
}

pub fn instances(
    inv: &Inventory,
    region: &str,
    list: &[(&Instance, String, InstanceActivity)],
) -> String {
    let mut body = String::from(
        "<table><thead><tr><th>Instance</th><th>Name</th><th>Kind</th><th>OS</th><th>Status</th>\
         <th>Agent</th><th>Tags</th><th>Tasks</th><th>Active tasks</th><th>Last invoked</th>\
         </tr></thead><tbody>",
    );
    for (i, status, a) in list {
        let agent = format!(
            "{} {}",
            if i.agent_online { "online" } else { "offline" },
            esc(&i.agent_version.to_string())
        );
        let tags: Vec<(String, String)> =
            i.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let _ = write!(
            body,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{agent}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&i.id),
            esc(&i.name),
            if i.managed { "managed" } else { "ECS" },
            esc(&i.os_type),
            esc(&i.os_name),
            html::power_state(status),
            html::tags(&tags),
            a.invocation_count,
            a.active_task_count,
            or_dash(a.last_invoked_time.as_deref()),
        );
    }
    body.push_str("</tbody></table>");
    html::page(
        &Frame {
            title: &format!("Instances · {region}"),
            section: Section::Instances,
            region: Some(region),
            regions: &inv.regions,
            live: list.iter().any(|(_, _, a)| a.active_task_count > 0),
        },
        &body,
    )
}

/// A page for a missing region or task, or a store error.
pub fn problem(inv: &Inventory, title: &str, message: &str) -> String {
    html::page(
        &Frame {
            title,
            section: Section::Overview,
            region: None,
            regions: &inv.regions,
            live: false,
        },
        &format!(
            "<p>{}</p><p><a href=\"/console/\">Back to the overview</a></p>",
            esc(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::store::commands::CommandRow;
    use crate::emulator::store::invocations::InvocationRow;
    use base64::Engine;

    const EVIL: &str = "<script>alert(1)</script>";

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn task(task_status: &str, instance_status: &str, output: &str) -> Task {
        Task {
            row: InvocationRow {
                invoke_id: "t-hz0abc".into(),
                region_id: "cn-hangzhou".into(),
                command_id: "c-hz0abc".into(),
                command_name: format!("name {EVIL}"),
                command_type: "RunShellScript".into(),
                command_content: b64(&format!("echo {EVIL}")),
                parameters: format!("{{\"token\":\"s3cret-value\",\"who\":\"{EVIL}\"}}"),
                repeat_mode: "Once".into(),
                creation_time: "2026-01-01T00:00:00Z".into(),
                status: task_status.into(),
                ..Default::default()
            },
            tags: vec![("k".into(), EVIL.into())],
            instances: vec![InstanceResultRow {
                invoke_id: "t-hz0abc".into(),
                instance_id: "i-bp1web0000000000001".into(),
                status: instance_status.into(),
                exit_code: Some(3),
                output: output.into(),
                error_info: EVIL.into(),
                ..Default::default()
            }],
        }
    }

    fn listing<T>(items: Vec<T>) -> Listing<T> {
        Listing {
            total: items.len() as i64,
            items,
            page: 1,
            per_page: 20,
        }
    }

    #[test]
    fn user_values_never_become_markup() {
        let inv = Inventory::default_world();
        let cmd = CommandView {
            row: CommandRow {
                command_id: "c-hz0abc".into(),
                region_id: "cn-hangzhou".into(),
                name: EVIL.into(),
                description: EVIL.into(),
                type_name: "RunShellScript".into(),
                content: b64(&format!(
                    "#!/bin/bash\nif [ 1 < 2 ] && true; then echo {EVIL}; fi"
                )),
                working_dir: EVIL.into(),
                timeout: 60,
                enable_parameter: true,
                parameter_names: vec![EVIL.into()],
                launcher: String::new(),
                resource_group_id: String::new(),
                creation_time: EVIL.into(),
                invoke_times: 0,
            },
            tags: vec![(EVIL.into(), EVIL.into())],
        };
        let pages = [
            commands("cn-hangzhou", &inv.regions, &listing(vec![cmd])),
            invocations(
                &inv,
                "cn-hangzhou",
                &listing(vec![task("Failed", "Failed", EVIL)]),
            ),
            invocation(&inv, &task("Failed", "Failed", EVIL)),
            problem(&inv, EVIL, EVIL),
        ];
        for page in &pages {
            assert!(!page.contains(EVIL), "{page}");
            assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
            assert!(!page.contains("<script"), "{page}");
        }
        assert!(pages[0].contains("if [ 1 &lt; 2 ] &amp;&amp; true; then"));
    }

    #[test]
    fn a_task_shows_its_schedule_and_each_instance_result() {
        let inv = Inventory::default_world();
        let mut t = task("Scheduled", "Failed", "boom\n");
        t.row.repeat_mode = "Period".into();
        t.row.frequency = "rate(5m)".into();
        let r = &mut t.instances[0];
        r.error_code = "ExitCodeNonzero".into();
        r.start_time = Some("2026-01-01T00:00:01Z".into());
        r.finish_time = Some("2026-01-01T00:00:02Z".into());
        r.repeats = 4;
        r.dropped = 512;
        let page = invocations(&inv, "cn-hangzhou", &listing(vec![t]));
        for want in [
            "t-hz0abc",
            "Period",
            "<code>rate(5m)</code>",
            "2026-01-01T00:00:00Z",
            "k=&lt;script&gt;",
            "web-1",
            "<span class=\"st bad\">Failed</span>",
            "<td>3</td>",
            "<code>ExitCodeNonzero</code>",
            "<td>2026-01-01T00:00:01Z</td><td>2026-01-01T00:00:02Z</td><td>4</td><td>512</td>",
            "<pre class=\"output\">boom\n</pre>",
        ] {
            assert!(page.contains(want), "{want} not in {page}");
        }
    }

    #[test]
    fn parameter_values_are_not_shown() {
        let inv = Inventory::default_world();
        let page = invocation(&inv, &task("Pending", "Pending", ""));
        assert!(page.contains("<code>token</code>"));
        assert!(!page.contains("s3cret-value"));
    }

    #[test]
    fn pages_refresh_only_while_a_run_is_active() {
        let inv = Inventory::default_world();
        let refresh = "http-equiv=\"refresh\"";
        for (task_status, instance_status, live) in [
            ("Pending", "Pending", true),
            ("Running", "Running", true),
            ("Scheduled", "Scheduled", true),
            ("Stopping", "Stopping", true),
            ("Success", "Success", false),
            ("Failed", "Failed", false),
            ("Stopped", "Cancelled", false),
        ] {
            let t = task(task_status, instance_status, "");
            let list = invocations(&inv, "cn-hangzhou", &listing(vec![t.clone()]));
            assert_eq!(list.contains(refresh), live, "{task_status}");
            assert_eq!(
                invocation(&inv, &t).contains(refresh),
                live,
                "{task_status}"
            );
        }
        assert!(!invocations(&inv, "cn-hangzhou", &listing(vec![])).contains(refresh));
    }

    #[test]
    fn long_outputs_show_their_last_lines_in_the_list_and_all_on_the_task_page() {
        let inv = Inventory::default_world();
        let output: String = (1..=150).map(|i| format!("out {i}\n")).collect();
        let t = task("Success", "Success", &output);
        let list = invocations(&inv, "cn-hangzhou", &listing(vec![t.clone()]));
        assert!(list.contains("Last 100 of 150 lines"), "{list}");
        assert!(list.contains("out 51\n") && !list.contains("out 50\n"));
        let one = invocation(&inv, &t);
        assert!(one.contains("out 1\n") && one.contains("out 150\n"));
        assert!(!one.contains("Last 100"));
        assert!(one.contains("<td>3</td>"), "exit code shown");
    }
}
