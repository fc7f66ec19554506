//! Rules for Invocation documents: the command it names, parameter values, schedule,
//! targets, user, container and the per-run overrides.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use base64::Engine;
use chrono::NaiveDateTime;
use rayon::prelude::*;
use regex::Regex;

use crate::domain::command_type::Os;
use crate::domain::limits::{
    MAX_CONTENT_BASE64_BYTES, MAX_PARAMETERS_PER_CALL, MAX_RESOURCE_TAGS, MAX_TAG_KEY_CHARS,
    MAX_USERNAME_CHARS, MAX_WINDOWS_PASSWORD_NAME_CHARS,
};
use crate::domain::schedule::{Frequency, Zone};
use crate::domain::tags::validate_tag;
use crate::manifest::diagnostic::{Diagnostic, did_you_mean};
use crate::manifest::effective;
use crate::manifest::located::escape;
use crate::manifest::set::{Located, ManifestSet};
use crate::manifest::types::{InvocationDocument, ParameterValue, Schedule, ScheduleKeyword};
use crate::manifest::valid::Recurrence;

use super::Context;
use super::command::{CommandInfo, Commands, timeout};
use super::common;

static INSTANCE_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(i|mi)-[a-z0-9]{2,}$").expect("static regex"));
static CONTAINER_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^((docker|containerd|cri-o)://)?[0-9a-f]{64}$").expect("static regex")
});
static CONTAINER_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$").expect("static regex"));

/// An invocation that passed its duplicate check, with what its rules resolved.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    pub doc: &'a Located<InvocationDocument>,
    pub region: String,
    /// Its command's index in [`Commands::checked`], when there is such a command.
    pub command: Option<usize>,
    /// Its schedule, when it parses and fits the run's timeout.
    pub schedule: Option<Recurrence>,
    /// The run's timeout: its own, else its command's.
    pub timeout: u64,
    /// Its rollout, when it declares one and it is valid.
    pub rollout: Option<crate::domain::rollout::Policy>,
}

pub fn check_all<'a>(
    set: &'a ManifestSet,
    stack_region: &str,
    stack_tags: usize,
    commands: &Commands,
    ctx: &Context,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Checked<'a>> {
    let mut out = Vec::new();
    let mut seen: HashMap<(String, String), &Located<InvocationDocument>> = HashMap::new();
    let rejected: HashSet<&str> = set
        .rejected
        .iter()
        .filter(|(k, _)| k == "Command")
        .map(|(_, n)| n.as_str())
        .collect();
    // The rules of every document run at once (rayon; the schedules' fire-time searches
    // are most of validate's rule time), each into diagnostics of its own, and the loop
    // below takes them in manifest order: the same diagnostics, in the same order, as one
    // document after the other. A duplicate's results are dropped unused (duplicates are
    // rare).
    let mut rules = set
        .invocations
        .par_iter()
        .map(|inv| {
            let region = effective::region(inv.doc.spec.region.as_deref(), stack_region);
            let cmd = commands.get(&region, &inv.doc.spec.command);
            let mut own = Vec::new();
            let result = check(inv, cmd.map(|(_, c)| c), stack_tags, ctx, &mut own);
            (result, own)
        })
        .collect::<Vec<_>>()
        .into_iter();
    for inv in &set.invocations {
        let (result, own) = rules.next().expect("one result per invocation");
        let region = effective::region(inv.doc.spec.region.as_deref(), stack_region);
        let key = (region.clone(), inv.doc.metadata.name.clone());
        if let Some(prev) = seen.get(&key) {
            diags.push(
                inv.error(
                    "duplicate-name",
                    "/metadata/name",
                    format!("a second Invocation named `{}` in region {region}", key.1),
                )
                .with_help(format!(
                    "invocation names are unique per stack and region; the first is at {}:{}",
                    prev.file.display(),
                    prev.pos("/metadata/name").line
                )),
            );
            continue;
        }
        seen.insert(key, inv);
        let cmd_name = &inv.doc.spec.command;
        let cmd = commands.get(&region, cmd_name);
        if cmd.is_none() && !rejected.contains(cmd_name.as_str()) {
            let names = commands.names_in(&region);
            let mut help = did_you_mean(cmd_name, names.iter().copied())
                .map(|s| format!("{s} "))
                .unwrap_or_default();
            help.push_str(&format!(
                "commands in {region}: {}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ));
            diags.push(
                inv.error(
                    "unknown-command",
                    "/spec/command",
                    format!("no Command named `{cmd_name}` in region {region}"),
                )
                .with_help(help),
            );
        }
        diags.extend(own);
        let (timeout, schedule) = result;
        let rollout = super::rollout::check(inv, timeout, stack_tags, diags);
        out.push(Checked {
            doc: inv,
            region,
            command: cmd.map(|(i, _)| i),
            schedule,
            timeout,
            rollout,
        });
    }
    out
}

/// Returns the run's timeout and the parsed schedule.
fn check(
    inv: &Located<InvocationDocument>,
    cmd: Option<&CommandInfo>,
    stack_tags: usize,
    ctx: &Context,
    diags: &mut Vec<Diagnostic>,
) -> (u64, Option<Recurrence>) {
    let spec = &inv.doc.spec;
    let os = cmd.map(|c| c.command_type.os());
    common::region(inv, "/spec/region", spec.region.as_deref(), diags);
    common::resource_group(
        inv,
        "/spec/resourceGroupId",
        spec.resource_group_id.as_deref(),
        diags,
    );
    common::tags(inv, "/spec/tags", &spec.tags, stack_tags, diags);
    if let Some(os) = os {
        common::working_dir(
            inv,
            "/spec/workingDir",
            spec.working_dir.as_deref(),
            os,
            diags,
        );
    }
    let run_timeout = match spec.timeout {
        Some(_) => timeout(inv, "/spec/timeout", spec.timeout, diags),
        None => cmd.map_or(crate::domain::limits::DEFAULT_TIMEOUT_SECS, |c| c.timeout),
    };
    targets(inv, diags);
    if let Some(c) = cmd {
        parameters(inv, c, diags);
    }
    let schedule = schedule(inv, run_timeout, ctx, diags);
    user(inv, os, diags);
    container(inv, os, diags);
    (run_timeout, schedule)
}

fn targets(inv: &Located<InvocationDocument>, diags: &mut Vec<Diagnostic>) {
    let t = &inv.doc.spec.targets;
    if t.instance_ids.is_empty() && t.tags.is_empty() {
        diags.push(
            inv.error(
                "no-targets",
                "/spec/targets",
                "the invocation has no targets",
            )
            .with_help("add targets.instanceIds (i-... or mi-...) or a targets.tags selector"),
        );
    }
    let mut seen = HashSet::new();
    for (i, id) in t.instance_ids.iter().enumerate() {
        let p = format!("/spec/targets/instanceIds/{i}");
        if !INSTANCE_ID.is_match(id) {
            diags.push(
                inv.error("instance-id", &p, format!("`{id}` is not an instance id"))
                    .with_help("ECS instance ids start with `i-`, managed instance ids with `mi-`, followed by lower-case letters and digits"),
            );
        } else if !seen.insert(id) {
            diags.push(inv.warning("duplicate-target", &p, format!("`{id}` is listed twice")));
        }
    }
    if t.tags.len() > MAX_RESOURCE_TAGS {
        diags.push(inv.error(
            "tag-count",
            "/spec/targets/tags",
            format!(
                "{} tag selectors; at most {MAX_RESOURCE_TAGS} are allowed",
                t.tags.len()
            ),
        ));
    }
    for (k, v) in &t.tags {
        let p = format!("/spec/targets/tags/{}", escape(k));
        if let Err(e) = validate_tag(k, v, MAX_TAG_KEY_CHARS) {
            diags.push(
                Diagnostic::error("tag", &inv.file, inv.key_pos(&p), e.to_string()).with_path(&p),
            );
        }
    }
    common::resource_group(
        inv,
        "/spec/targets/resourceGroupId",
        t.resource_group_id.as_deref(),
        diags,
    );
}

fn parameters(inv: &Located<InvocationDocument>, cmd: &CommandInfo, diags: &mut Vec<Diagnostic>) {
    let spec = &inv.doc.spec;
    if !cmd.enabled && !spec.parameters.is_empty() {
        diags.push(
            inv.error(
                "parameters-disabled",
                "/spec/parameters",
                format!("command `{}` takes no parameters", spec.command),
            )
            .with_help("remove spec.parameters, or declare the parameters in the command"),
        );
        return;
    }
    let mut given = HashSet::new();
    let mut literal_bytes = 0usize;
    for (name, value) in &spec.parameters {
        let p = format!("/spec/parameters/{}", escape(name));
        let lower = name.to_ascii_lowercase();
        let Some((declared, decl)) = cmd.parameters.get(&lower) else {
            let names: Vec<&str> = cmd.parameters.values().map(|(n, _)| n.as_str()).collect();
            let mut help = did_you_mean(name, names.iter().copied())
                .map(|s| format!("{s} "))
                .unwrap_or_default();
            help.push_str(&format!(
                "parameters of `{}`: {}",
                spec.command,
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            ));
            diags.push(
                Diagnostic::error(
                    "undeclared-parameter",
                    &inv.file,
                    inv.key_pos(&p),
                    format!("`{name}` is not a parameter of command `{}`", spec.command),
                )
                .with_path(&p)
                .with_help(help),
            );
            continue;
        };
        given.insert(lower);
        match value {
            ParameterValue::Literal(l) => {
                literal_bytes += l.as_text().len();
                if decl.secret {
                    diags.push(
                        inv.error("secret-literal", &p, format!("parameter `{declared}` is secret but given literally, which commits it to git"))
                            .with_help(format!("use `{name}: {{fromEnv: VARIABLE}}` and set VARIABLE in the apply job's environment")),
                    );
                }
            }
            ParameterValue::FromEnv(_) => {}
        }
    }
    let mut sent = given.len();
    for (lower, (name, decl)) in &cmd.parameters {
        if given.contains(lower) {
            continue;
        }
        if decl.default.is_some() {
            sent += 1;
        } else if decl.required || decl.secret {
            diags.push(
                inv.error(
                    "missing-parameter",
                    "/spec/parameters",
                    format!("command `{}` requires a value for `{name}`", spec.command),
                )
                .with_help(format!(
                    "add `{name}:` under spec.parameters (a literal, or {{fromEnv: VARIABLE}})"
                )),
            );
        }
    }
    if sent > MAX_PARAMETERS_PER_CALL {
        diags.push(
            inv.error("parameter-count", "/spec/parameters", format!("{sent} parameter values (given and defaulted) would be sent; one invocation may pass at most {MAX_PARAMETERS_PER_CALL}"))
                .with_help("drop defaults the script can supply itself, or merge parameters"),
        );
    }
    // The service measures content and expanded parameters together; literal values are
    // known now, environment values only at apply.
    let expanded = cmd.base64_len
        + base64::engine::general_purpose::STANDARD
            .encode(vec![0u8; literal_bytes])
            .len();
    if cmd.base64_len <= MAX_CONTENT_BASE64_BYTES && expanded > MAX_CONTENT_BASE64_BYTES {
        diags.push(
            inv.error("content-too-large", "/spec/parameters", format!("the script with these parameter values is about {expanded} bytes in Base64, over the {MAX_CONTENT_BASE64_BYTES}-byte limit"))
                .with_help("pass shorter values, e.g. a path to a file instead of its content"),
        );
    }
}

/// The schedule parsed, or `None` with the reason reported.
fn schedule(
    inv: &Located<InvocationDocument>,
    run_timeout: u64,
    ctx: &Context,
    diags: &mut Vec<Diagnostic>,
) -> Option<Recurrence> {
    let (ptr, freq) = match &inv.doc.spec.schedule {
        Schedule::Keyword(ScheduleKeyword::Once) => return Some(Recurrence::Once),
        Schedule::Keyword(ScheduleKeyword::NextBoot) => return Some(Recurrence::NextBoot),
        Schedule::Keyword(ScheduleKeyword::EveryBoot) => return Some(Recurrence::EveryBoot),
        Schedule::Rate(r) => (
            "/spec/schedule/rate",
            Frequency::parse(&format!("rate({})", r.rate)),
        ),
        Schedule::At(a) => {
            let local = NaiveDateTime::parse_from_str(&a.at.replace('T', " "), "%Y-%m-%d %H:%M:%S");
            let Ok(local) = local else {
                diags.push(
                    inv.error(
                        "schedule",
                        "/spec/schedule/at",
                        format!("`{}` is not a valid date and time", a.at),
                    )
                    .with_help("write yyyy-MM-ddTHH:mm:ss, e.g. 2026-12-01T02:00:00"),
                );
                return None;
            };
            if a.timezone.is_none() {
                diags.push(
                    inv.warning(
                        "timezone",
                        "/spec/schedule/at",
                        "no time zone: the time is taken as UTC, as the API does",
                    )
                    .with_help(
                        "add `timezone:` (e.g. Asia/Shanghai) to say which wall clock is meant",
                    ),
                );
            }
            let zone = a.timezone.as_deref().unwrap_or("UTC");
            let f = Frequency::parse(&format!("at({} {zone})", local.format("%Y-%m-%d %H:%M:%S")));
            let ptr = if matches!(f, Err(crate::domain::schedule::ScheduleError::BadZone(_))) {
                "/spec/schedule/timezone"
            } else {
                "/spec/schedule/at"
            };
            if let Ok(f) = &f
                && f.next_fires(ctx.now, 1, &Zone::Utc).is_empty()
            {
                diags.push(inv.warning(
                    "schedule-past",
                    ptr,
                    format!("{} has already passed; the task would never run", a.at),
                ));
            }
            (ptr, f)
        }
        Schedule::Cron(c) => {
            if c.timezone.is_none() {
                diags.push(
                    inv.warning("timezone", "/spec/schedule/cron", "no time zone: the schedule runs in each instance's own time zone")
                        .with_help("add `timezone:` (e.g. Asia/Shanghai) so every instance fires at the same moment"),
                );
            }
            let f = Frequency::cron(&c.cron, c.timezone.as_deref());
            let ptr = if matches!(f, Err(crate::domain::schedule::ScheduleError::BadZone(_))) {
                "/spec/schedule/timezone"
            } else {
                "/spec/schedule/cron"
            };
            (ptr, f)
        }
    };
    match freq.and_then(|f| f.check(run_timeout, ctx.now).map(|()| f)) {
        Ok(f) => Some(Recurrence::Period(f)),
        Err(e) => {
            diags.push(
                inv.error("schedule", ptr, e.to_string())
                    .with_help(schedule_help(&e)),
            );
            None
        }
    }
}

fn schedule_help(e: &crate::domain::schedule::ScheduleError) -> String {
    use crate::domain::schedule::ScheduleError as E;
    match e {
        E::RateNotLongerThanTimeout { .. } | E::CronNotLongerThanTimeout { .. } => "lengthen the interval or shorten the timeout: a run must end before the next one starts".into(),
        E::BadZone(_) => "use an IANA name (Asia/Shanghai, Europe/Berlin), GMT+8:00 / GMT-7:00, or UTC".into(),
        E::RateSyntax(_) | E::RateOutOfRange { .. } => "rate is <n><s|m|h|d> between 60 s and 7 days, e.g. 5m, 12h, 7d".into(),
        E::CronDayNeedsQuestionMark { fixed, .. } => format!("did you mean `{fixed}`? Cloud Assistant's cron takes `?` in day-of-month or day-of-week, whichever does not name days"),
        E::CronDomAndDow { .. } => "keep one of the two day fields and write `?` in the other, e.g. `0 0 2 ? * MON-FRI` or `0 0 2 15 * ?`".into(),
        _ => "cron is `sec min hour day-of-month month day-of-week [year]` (Quartz style), e.g. `0 0 2 ? * *`".into(),
    }
}

fn user(inv: &Located<InvocationDocument>, os: Option<Os>, diags: &mut Vec<Diagnostic>) {
    let spec = &inv.doc.spec;
    common::max_chars(
        inv,
        "/spec/username",
        spec.username.as_deref(),
        MAX_USERNAME_CHARS,
        "username",
        "length",
        diags,
    );
    common::max_chars(
        inv,
        "/spec/windowsPasswordName",
        spec.windows_password_name.as_deref(),
        MAX_WINDOWS_PASSWORD_NAME_CHARS,
        "windowsPasswordName",
        "length",
        diags,
    );
    match os {
        Some(Os::Windows) => {
            let custom_user = spec
                .username
                .as_deref()
                .is_some_and(|u| !u.eq_ignore_ascii_case("system"));
            if custom_user && spec.windows_password_name.is_none() {
                diags.push(
                    inv.error("windows-password", "/spec/username", format!("Windows user `{}` needs windowsPasswordName", spec.username.as_deref().unwrap_or_default()))
                        .with_help("store the user's password in an OOS encrypted parameter and name it in windowsPasswordName, or run as system"),
                );
            }
        }
        Some(Os::Linux) if spec.windows_password_name.is_some() => {
            diags.push(inv.warning(
                "windows-password",
                "/spec/windowsPasswordName",
                "windowsPasswordName is ignored for a Linux command",
            ));
        }
        _ => {}
    }
}

fn container(inv: &Located<InvocationDocument>, os: Option<Os>, diags: &mut Vec<Diagnostic>) {
    let spec = &inv.doc.spec;
    if spec.container_id.is_none() && spec.container_name.is_none() {
        return;
    }
    if os == Some(Os::Windows) {
        diags.push(inv.error(
            "container",
            "/spec/containerId",
            "containers are supported for Linux commands only",
        ));
    }
    if let Some(id) = &spec.container_id
        && !CONTAINER_ID.is_match(id)
    {
        diags.push(
            inv.error("container", "/spec/containerId", format!("`{id}` is not a container id"))
                .with_help("64 lower-case hex characters, optionally prefixed with docker://, containerd:// or cri-o://"),
        );
    }
    if let Some(n) = &spec.container_name
        && !CONTAINER_NAME.is_match(n)
    {
        diags.push(inv.error(
            "container",
            "/spec/containerName",
            format!("`{n}` is not a container name"),
        ));
    }
    if spec.username.is_some() || spec.working_dir.is_some() {
        diags.push(inv.warning(
            "container",
            "/spec/containerId",
            "username and workingDir are ignored when the command runs in a container",
        ));
    }
}
