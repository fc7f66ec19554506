//! The agent's side of the `runs` table: which runs are due, claiming one, recording how it
//! ended, and the next run of a repeating task. A run's per-instance result row
//! (`invocation_instances`) follows each step, so the API shows what the agent does.

use rusqlite::{Connection, OptionalExtension, params};

/// One run of a task on one target: what an agent picks up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunRow {
    pub invoke_id: String,
    pub instance_id: String,
    pub repeat: i64,
    pub status: String,
    /// `now`, `schedule` or `boot`.
    pub trigger: String,
    pub due_time: Option<String>,
    pub start_time: Option<String>,
    pub finish_time: Option<String>,
    pub stop_time: Option<String>,
    pub exit_code: Option<i64>,
    pub output: String,
    pub dropped: i64,
    pub error_code: String,
    pub error_info: String,
}

/// Every run of a task (optionally on one target), in order.
pub fn runs_of(
    conn: &Connection,
    invoke_id: &str,
    instance_id: Option<&str>,
) -> rusqlite::Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {} FROM runs WHERE invoke_id = ?1 AND (?2 IS NULL OR instance_id = ?2) ORDER BY instance_id, repeat",
        RUN_COLUMNS
    );
    conn.prepare_cached(&sql)?
        .query_map(params![invoke_id, instance_id], map_run)?
        .collect()
}

/// One run: task, target, repeat.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunKey {
    pub invoke_id: String,
    pub instance_id: String,
    pub repeat: i64,
}

impl RunKey {
    pub fn of(r: &RunRow) -> RunKey {
        RunKey {
            invoke_id: r.invoke_id.clone(),
            instance_id: r.instance_id.clone(),
            repeat: r.repeat,
        }
    }
}

/// How a run ended, as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunEnd {
    pub status: String,
    pub exit_code: Option<i64>,
    pub output: String,
    pub dropped: i64,
    pub error_code: String,
    pub error_info: String,
    pub start_time: Option<String>,
    pub finish_time: Option<String>,
    pub stop_time: Option<String>,
}

pub(crate) const RUN_COLUMNS: &str = "invoke_id, instance_id, repeat, status, trigger, due_time, start_time, finish_time, stop_time, exit_code, output, dropped, error_code, error_info";

pub(crate) fn map_run(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        invoke_id: r.get(0)?,
        instance_id: r.get(1)?,
        repeat: r.get(2)?,
        status: r.get(3)?,
        trigger: r.get(4)?,
        due_time: r.get(5)?,
        start_time: r.get(6)?,
        finish_time: r.get(7)?,
        stop_time: r.get(8)?,
        exit_code: r.get(9)?,
        output: r.get(10)?,
        dropped: r.get(11)?,
        error_code: r.get(12)?,
        error_info: r.get(13)?,
    })
}

/// Runs waiting whose due time has come, oldest first.
pub fn due(conn: &Connection, now: &str, limit: i64) -> rusqlite::Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE status IN ('Pending', 'Scheduled') AND due_time IS NOT NULL AND due_time <= ?1 ORDER BY due_time, invoke_id, instance_id LIMIT ?2"
    );
    conn.prepare_cached(&sql)?
        .query_map(params![now, limit], map_run)?
        .collect()
}

/// When the next waiting run is due, if any run waits for a time.
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT MIN(due_time) FROM runs WHERE status IN ('Pending', 'Scheduled') AND due_time IS NOT NULL",
    )?
    .query_row([], |r| r.get(0))
}

/// Runs in a status, e.g. `Running` (after a restart) or `Stopping` (StopInvocation).
pub fn in_status(conn: &Connection, status: &str) -> rusqlite::Result<Vec<RunRow>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE status = ?1");
    conn.prepare_cached(&sql)?
        .query_map(params![status], map_run)?
        .collect()
}

pub fn get(conn: &Connection, key: &RunKey) -> rusqlite::Result<Option<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE invoke_id = ?1 AND instance_id = ?2 AND repeat = ?3"
    );
    conn.prepare_cached(&sql)?
        .query_row(params![key.invoke_id, key.instance_id, key.repeat], map_run)
        .optional()
}

/// Whether another run of the same task on the same target is still going.
pub fn busy(conn: &Connection, key: &RunKey) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM runs WHERE invoke_id = ?1 AND instance_id = ?2 AND repeat <> ?3 AND status IN ('Running', 'Stopping')",
    )?
    .exists(params![key.invoke_id, key.instance_id, key.repeat])
}

/// The run starts: it and its target's result are `Running` from `now`. False when the run
/// no longer waits (StopInvocation cancelled it after the agent picked it up): it must not
/// start.
pub fn start(conn: &Connection, key: &RunKey, now: &str) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE runs SET status = 'Running', start_time = ?4 WHERE invoke_id = ?1 AND instance_id = ?2 AND repeat = ?3 AND status IN ('Pending', 'Scheduled')",
        )?
        .execute(params![key.invoke_id, key.instance_id, key.repeat, now])?;
    if changed == 0 {
        return Ok(false);
    }
    conn.prepare_cached(
        "UPDATE invocation_instances SET status = 'Running', start_time = ?3, finish_time = NULL, stop_time = NULL, exit_code = NULL, error_code = '', error_info = '', update_time = ?3 WHERE invoke_id = ?1 AND instance_id = ?2",
    )?
    .execute(params![key.invoke_id, key.instance_id, now])?;
    Ok(true)
}

/// Records how a run ended. `target_status` is what its target shows now: the run's
/// own status, or `Scheduled` when the task will run again there. A run that never started
/// (`end.start_time` is None) has no start time, even if the agent had claimed it.
pub fn finish(
    conn: &Connection,
    key: &RunKey,
    end: &RunEnd,
    target_status: &str,
    now: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE runs SET status = ?4, exit_code = ?5, output = ?6, dropped = ?7, error_code = ?8, error_info = ?9,
                start_time = ?10, finish_time = ?11, stop_time = ?12
         WHERE invoke_id = ?1 AND instance_id = ?2 AND repeat = ?3",
    )?
    .execute(params![
        key.invoke_id,
        key.instance_id,
        key.repeat,
        end.status,
        end.exit_code,
        end.output,
        end.dropped,
        end.error_code,
        end.error_info,
        end.start_time,
        end.finish_time,
        end.stop_time
    ])?;
    conn.prepare_cached(
        "UPDATE invocation_instances SET status = ?3, exit_code = ?4, output = ?5, dropped = ?6, error_code = ?7, error_info = ?8,
                start_time = ?9, finish_time = ?10, stop_time = COALESCE(?11, stop_time),
                repeats = repeats + ?12, update_time = ?13
         WHERE invoke_id = ?1 AND instance_id = ?2",
    )?
    .execute(params![
        key.invoke_id,
        key.instance_id,
        target_status,
        end.exit_code,
        end.output,
        end.dropped,
        end.error_code,
        end.error_info,
        end.start_time,
        end.finish_time,
        end.stop_time,
        // A run that never started (Aborted, Cancelled) is not a repeat.
        i64::from(end.start_time.is_some()),
        now
    ])?;
    Ok(())
}

/// The next run of a repeating task on a target. `due` is None for a boot run (released
/// when the instance boots).
pub fn schedule_next(
    conn: &Connection,
    after: &RunKey,
    status: &str,
    trigger: &str,
    due: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO runs (invoke_id, instance_id, repeat, status, trigger, due_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        after.invoke_id,
        after.instance_id,
        after.repeat + 1,
        status,
        trigger,
        due
    ])?;
    Ok(())
}

/// Moves a waiting run to a later due time (a fire dropped because the previous run still
/// goes, or fires missed while the emulator was down).
pub fn defer(conn: &Connection, key: &RunKey, due: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE runs SET due_time = ?4 WHERE invoke_id = ?1 AND instance_id = ?2 AND repeat = ?3",
    )?
    .execute(params![key.invoke_id, key.instance_id, key.repeat, due])?;
    Ok(())
}
