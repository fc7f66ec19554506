//! Queries on invocations (tasks), their per-instance results and their runs.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Page, PageRequest, Where, page};
use crate::domain::status::TargetStatus;

/// A task, with a copy of the command it ran.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvocationRow {
    pub invoke_id: String,
    pub region_id: String,
    pub command_id: String,
    pub command_name: String,
    pub command_type: String,
    pub command_description: String,
    /// Base64.
    pub command_content: String,
    pub command_kept: bool,
    pub enable_parameter: bool,
    /// Compact JSON object.
    pub parameters: String,
    pub repeat_mode: String,
    pub frequency: String,
    pub timed: bool,
    pub timeout: i64,
    pub working_dir: String,
    pub username: String,
    pub windows_password_name: String,
    pub launcher: String,
    pub container_id: String,
    pub container_name: String,
    pub termination_mode: String,
    pub oss_output_delivery: String,
    pub resource_group_id: String,
    pub creation_time: String,
    /// Overall InvocationStatus.
    pub status: String,
}

/// The result of a task on one target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstanceResultRow {
    pub invoke_id: String,
    pub instance_id: String,
    pub position: i64,
    pub status: String,
    pub repeats: i64,
    pub exit_code: Option<i64>,
    pub output: String,
    pub dropped: i64,
    pub error_code: String,
    pub error_info: String,
    pub creation_time: String,
    pub start_time: Option<String>,
    pub finish_time: Option<String>,
    pub stop_time: Option<String>,
    pub update_time: String,
}

pub use super::runs::{RunRow, runs_of};

const INV_COLUMNS: &str = "i.seq, i.invoke_id, i.region_id, i.command_id, i.command_name, i.command_type, i.command_description, i.command_content, i.command_kept, i.enable_parameter, i.parameters, i.repeat_mode, i.frequency, i.timed, i.timeout, i.working_dir, i.username, i.windows_password_name, i.launcher, i.container_id, i.container_name, i.termination_mode, i.oss_output_delivery, i.resource_group_id, i.creation_time, i.status";
const INV_COUNT: usize = 26;

fn map_inv(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, InvocationRow)> {
    Ok((
        r.get(0)?,
        InvocationRow {
            invoke_id: r.get(1)?,
            region_id: r.get(2)?,
            command_id: r.get(3)?,
            command_name: r.get(4)?,
            command_type: r.get(5)?,
            command_description: r.get(6)?,
            command_content: r.get(7)?,
            command_kept: r.get(8)?,
            enable_parameter: r.get(9)?,
            parameters: r.get(10)?,
            repeat_mode: r.get(11)?,
            frequency: r.get(12)?,
            timed: r.get(13)?,
            timeout: r.get(14)?,
            working_dir: r.get(15)?,
            username: r.get(16)?,
            windows_password_name: r.get(17)?,
            launcher: r.get(18)?,
            container_id: r.get(19)?,
            container_name: r.get(20)?,
            termination_mode: r.get(21)?,
            oss_output_delivery: r.get(22)?,
            resource_group_id: r.get(23)?,
            creation_time: r.get(24)?,
            status: r.get(25)?,
        },
    ))
}

const II_COLUMNS: &str = "ii.invoke_id, ii.instance_id, ii.position, ii.status, ii.repeats, ii.exit_code, ii.output, ii.dropped, ii.error_code, ii.error_info, ii.creation_time, ii.start_time, ii.finish_time, ii.stop_time, ii.update_time";

fn map_ii(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<InstanceResultRow> {
    Ok(InstanceResultRow {
        invoke_id: r.get(at)?,
        instance_id: r.get(at + 1)?,
        position: r.get(at + 2)?,
        status: r.get(at + 3)?,
        repeats: r.get(at + 4)?,
        exit_code: r.get(at + 5)?,
        output: r.get(at + 6)?,
        dropped: r.get(at + 7)?,
        error_code: r.get(at + 8)?,
        error_info: r.get(at + 9)?,
        creation_time: r.get(at + 10)?,
        start_time: r.get(at + 11)?,
        finish_time: r.get(at + 12)?,
        stop_time: r.get(at + 13)?,
        update_time: r.get(at + 14)?,
    })
}

pub fn insert(conn: &Connection, i: &InvocationRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO invocations (invoke_id, region_id, command_id, command_name, command_type, command_description, command_content, command_kept, enable_parameter, parameters, repeat_mode, frequency, timed, timeout, working_dir, username, windows_password_name, launcher, container_id, container_name, termination_mode, oss_output_delivery, resource_group_id, creation_time, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
    )?
    .execute(params![
        i.invoke_id,
        i.region_id,
        i.command_id,
        i.command_name,
        i.command_type,
        i.command_description,
        i.command_content,
        i.command_kept,
        i.enable_parameter,
        i.parameters,
        i.repeat_mode,
        i.frequency,
        i.timed,
        i.timeout,
        i.working_dir,
        i.username,
        i.windows_password_name,
        i.launcher,
        i.container_id,
        i.container_name,
        i.termination_mode,
        i.oss_output_delivery,
        i.resource_group_id,
        i.creation_time,
        i.status,
    ])?;
    Ok(())
}

pub fn insert_instance(conn: &Connection, r: &InstanceResultRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO invocation_instances (invoke_id, instance_id, position, status, repeats, exit_code, output, dropped, error_code, error_info, creation_time, start_time, finish_time, stop_time, update_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        r.invoke_id,
        r.instance_id,
        r.position,
        r.status,
        r.repeats,
        r.exit_code,
        r.output,
        r.dropped,
        r.error_code,
        r.error_info,
        r.creation_time,
        r.start_time,
        r.finish_time,
        r.stop_time,
        r.update_time,
    ])?;
    Ok(())
}

pub fn insert_run(conn: &Connection, r: &RunRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO runs (invoke_id, instance_id, repeat, status, trigger, due_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        r.invoke_id,
        r.instance_id,
        r.repeat,
        r.status,
        r.trigger,
        r.due_time
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, region: &str, id: &str) -> rusqlite::Result<Option<InvocationRow>> {
    conn.prepare_cached(&format!(
        "SELECT {INV_COLUMNS} FROM invocations i WHERE i.invoke_id = ?1 AND i.region_id = ?2"
    ))?
    .query_row(params![id, region], map_inv)
    .optional()
    .map(|o| o.map(|(_, i)| i))
}

/// A task by id, whatever its region (the agent knows only the id of what it runs).
pub fn get_any(conn: &Connection, id: &str) -> rusqlite::Result<Option<InvocationRow>> {
    conn.prepare_cached(&format!(
        "SELECT {INV_COLUMNS} FROM invocations i WHERE i.invoke_id = ?1"
    ))?
    .query_row(params![id], map_inv)
    .optional()
    .map(|o| o.map(|(_, i)| i))
}

pub fn exists_anywhere(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM invocations WHERE invoke_id = ?1")?
        .exists(params![id])
}

/// Per-instance results of some tasks, in target order.
pub fn instances_of(
    conn: &Connection,
    invoke_ids: &[String],
) -> rusqlite::Result<BTreeMap<String, Vec<InstanceResultRow>>> {
    let mut out: BTreeMap<String, Vec<InstanceResultRow>> = BTreeMap::new();
    if invoke_ids.is_empty() {
        return Ok(out);
    }
    let marks = vec!["?"; invoke_ids.len()].join(",");
    let sql = format!(
        "SELECT {II_COLUMNS} FROM invocation_instances ii WHERE ii.invoke_id IN ({marks}) ORDER BY ii.invoke_id, ii.position"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(invoke_ids.iter()), |r| {
        map_ii(r, 0)
    })?;
    for row in rows {
        let row = row?;
        out.entry(row.invoke_id.clone()).or_default().push(row);
    }
    Ok(out)
}

/// DescribeInvocations filters.
#[derive(Debug, Default, Clone)]
pub struct InvocationFilter {
    pub region_id: String,
    pub invoke_id: Option<String>,
    pub command_id: Option<String>,
    pub command_name: Option<String>,
    pub command_type: Option<String>,
    pub instance_id: Option<String>,
    /// Overall statuses accepted.
    pub statuses: Option<Vec<String>>,
    pub repeat_mode: Option<String>,
    pub timed: Option<bool>,
    pub resource_group_id: Option<String>,
    pub tags: Vec<(String, Option<String>)>,
}

fn status_in(w: &mut Where, column: &str, statuses: &Option<Vec<String>>) {
    if let Some(list) = statuses {
        let marks = vec!["?"; list.len().max(1)].join(",");
        let mut args: Vec<Value> = list.iter().map(|s| Value::Text(s.clone())).collect();
        if args.is_empty() {
            args.push(Value::Text(String::new()));
        }
        w.push(format!("{column} IN ({marks})"), args);
    }
}

pub fn list(
    conn: &Connection,
    f: &InvocationFilter,
    p: PageRequest,
) -> rusqlite::Result<Page<InvocationRow>> {
    let mut w = Where::default();
    w.region("i.region_id", &f.region_id);
    w.eq("i.invoke_id", f.invoke_id.as_deref());
    w.eq("i.command_id", f.command_id.as_deref());
    w.eq("i.command_name", f.command_name.as_deref());
    w.eq("i.command_type", f.command_type.as_deref());
    w.eq("i.repeat_mode", f.repeat_mode.as_deref());
    w.eq("i.resource_group_id", f.resource_group_id.as_deref());
    if let Some(id) = &f.instance_id {
        w.push(
            "EXISTS (SELECT 1 FROM invocation_instances x WHERE x.invoke_id = i.invoke_id AND x.instance_id = ?)",
            [Value::Text(id.clone())],
        );
    }
    status_in(&mut w, "i.status", &f.statuses);
    if let Some(timed) = f.timed {
        w.push("i.timed = ?", [Value::Integer(timed as i64)]);
    }
    w.tags("invocation", "i.invoke_id", &f.tags);
    page(
        conn,
        &format!("SELECT {INV_COLUMNS} FROM invocations i"),
        "invocations i",
        "i.seq",
        &w,
        p,
        None,
        None,
        map_inv,
    )
}

/// DescribeInvocationResults filters.
#[derive(Debug, Default, Clone)]
pub struct ResultFilter {
    pub region_id: String,
    pub invoke_id: Option<String>,
    pub instance_id: Option<String>,
    pub command_id: Option<String>,
    /// Per-instance statuses accepted.
    pub statuses: Option<Vec<String>>,
    pub resource_group_id: Option<String>,
    pub tags: Vec<(String, Option<String>)>,
}

/// Per-instance results joined with their task, newest task first, then target order. The
/// paging sequence combines both: `seq * 100000 + position`.
pub fn list_results(
    conn: &Connection,
    f: &ResultFilter,
    p: PageRequest,
) -> rusqlite::Result<Page<(InvocationRow, InstanceResultRow)>> {
    let mut w = Where::default();
    w.region("i.region_id", &f.region_id);
    w.eq("i.invoke_id", f.invoke_id.as_deref());
    w.eq("ii.instance_id", f.instance_id.as_deref());
    w.eq("i.command_id", f.command_id.as_deref());
    w.eq("i.resource_group_id", f.resource_group_id.as_deref());
    status_in(&mut w, "ii.status", &f.statuses);
    w.tags("invocation", "i.invoke_id", &f.tags);
    let from = "invocations i JOIN invocation_instances ii ON ii.invoke_id = i.invoke_id";
    page(
        conn,
        &format!("SELECT {INV_COLUMNS}, {II_COLUMNS} FROM {from}"),
        from,
        "(i.seq * 100000 + (100000 - ii.position))",
        &w,
        p,
        None,
        None,
        |r| {
            let (seq, inv) = map_inv(r)?;
            let ii = map_ii(r, INV_COUNT)?;
            let key = seq * 100_000 + (100_000 - ii.position);
            Ok((key, (inv, ii)))
        },
    )
}

/// Moves one target's result to `status`, stamping the stop time.
pub fn stop_instance(
    conn: &Connection,
    invoke_id: &str,
    instance_id: &str,
    status: &str,
    now: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE invocation_instances SET status = ?3, stop_time = ?4, update_time = ?4 WHERE invoke_id = ?1 AND instance_id = ?2",
    )?
    .execute(params![invoke_id, instance_id, status, now])?;
    cancel_pending_runs(conn, invoke_id, instance_id, now)
}

/// A target's running run is to be killed: the run and the target show `Stopping` until
/// the agent has killed it.
pub fn stopping(
    conn: &Connection,
    invoke_id: &str,
    instance_id: &str,
    now: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE runs SET status = 'Stopping' WHERE invoke_id = ?1 AND instance_id = ?2 AND status = 'Running'",
    )?
    .execute(params![invoke_id, instance_id])?;
    conn.prepare_cached(
        "UPDATE invocation_instances SET status = 'Stopping', update_time = ?3 WHERE invoke_id = ?1 AND instance_id = ?2",
    )?
    .execute(params![invoke_id, instance_id, now])?;
    Ok(())
}

/// The instance booted: its runs waiting for a boot (NextRebootOnly, and the next run of an
/// EveryReboot task, which the agent inserts after each run) become due at `now`, so the
/// agent picks them up like any due run. Only runs still waiting are touched: a run released
/// by an earlier boot keeps its due time, and cancelled or finished runs stay as they are.
/// Returns how many runs were released.
pub fn release_boot_runs(
    conn: &Connection,
    instance_id: &str,
    now: &str,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE runs SET due_time = ?2 WHERE instance_id = ?1 AND trigger = 'boot' AND status = 'Pending' AND due_time IS NULL",
    )?
    .execute(params![instance_id, now])
}

/// Runs not started yet on a target will not start: the task was stopped.
pub fn cancel_pending_runs(
    conn: &Connection,
    invoke_id: &str,
    instance_id: &str,
    now: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE runs SET status = 'Cancelled', stop_time = ?3 WHERE invoke_id = ?1 AND instance_id = ?2 AND status IN ('Pending', 'Scheduled')",
    )?
    .execute(params![invoke_id, instance_id, now])?;
    Ok(())
}

pub fn set_status(conn: &Connection, invoke_id: &str, status: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE invocations SET status = ?2 WHERE invoke_id = ?1")?
        .execute(params![invoke_id, status])?;
    Ok(())
}

/// Writes what ModifyInvocationAttribute may change.
pub fn update_modifiable(conn: &Connection, i: &InvocationRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE invocations SET command_id = ?2, command_content = ?3, enable_parameter = ?4, parameters = ?5, frequency = ?6 WHERE invoke_id = ?1",
    )?
    .execute(params![
        i.invoke_id,
        i.command_id,
        i.command_content,
        i.enable_parameter,
        i.parameters,
        i.frequency
    ])?;
    Ok(())
}

/// Moves the due time of a target's scheduled (not yet started) runs.
pub fn reschedule(conn: &Connection, invoke_id: &str, due: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE runs SET due_time = ?2 WHERE invoke_id = ?1 AND status = 'Scheduled'",
    )?
    .execute(params![invoke_id, due])?;
    Ok(())
}

pub fn count_since(conn: &Connection, region: &str, since: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM invocations WHERE region_id = ?1 AND creation_time >= ?2",
    )?
    .query_row(params![region, since], |r| r.get(0))
}

/// Per-target activity for DescribeCloudAssistantStatus and DescribeManagedInstances.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceActivity {
    pub invocation_count: i64,
    pub active_task_count: i64,
    pub last_invoked_time: Option<String>,
}

/// Targets whose status is not final count as active tasks.
static ACTIVITY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT COUNT(*),
                COALESCE(SUM(CASE WHEN status IN ({}) THEN 1 ELSE 0 END), 0),
                MAX(creation_time)
         FROM invocation_instances WHERE instance_id = ?1",
        super::sql_names(TargetStatus::active(), TargetStatus::api_name)
    )
});

pub fn activity(conn: &Connection, instance_id: &str) -> rusqlite::Result<InstanceActivity> {
    conn.prepare_cached(&ACTIVITY)?
        .query_row(params![instance_id], |r| {
            Ok(InstanceActivity {
                invocation_count: r.get(0)?,
                active_task_count: r.get(1)?,
                last_invoked_time: r.get(2)?,
            })
        })
}
