//! The schema, as an ordered list of migrations; `PRAGMA user_version` records how many ran.
//! Append new migrations, never edit old ones: a state file made by an older emulator is
//! upgraded in place.

use rusqlite::{Connection, TransactionBehavior};

const MIGRATIONS: &[&str] = &[
    // 1: commands, tags, invocations with per-instance results, runs for the agent, client
    // tokens. Invocations copy what they ran from the command, because DeleteCommand keeps
    // execution records and RunCommand without KeepCommand keeps no command at all.
    r#"
    CREATE TABLE commands (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        command_id TEXT NOT NULL UNIQUE,
        region_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        type TEXT NOT NULL,
        content TEXT NOT NULL,
        working_dir TEXT NOT NULL,
        timeout INTEGER NOT NULL,
        enable_parameter INTEGER NOT NULL,
        parameter_names TEXT NOT NULL,
        launcher TEXT NOT NULL,
        resource_group_id TEXT NOT NULL,
        creation_time TEXT NOT NULL,
        invoke_times INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX commands_by_region ON commands(region_id, seq);

    CREATE TABLE tags (
        resource_type TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        tag_key TEXT NOT NULL,
        tag_value TEXT NOT NULL,
        PRIMARY KEY (resource_type, resource_id, tag_key)
    );
    CREATE INDEX tags_by_key ON tags(resource_type, tag_key, tag_value);

    CREATE TABLE invocations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        invoke_id TEXT NOT NULL UNIQUE,
        region_id TEXT NOT NULL,
        command_id TEXT NOT NULL,
        command_name TEXT NOT NULL,
        command_type TEXT NOT NULL,
        command_description TEXT NOT NULL,
        command_content TEXT NOT NULL,
        command_kept INTEGER NOT NULL,
        enable_parameter INTEGER NOT NULL,
        parameters TEXT NOT NULL,
        repeat_mode TEXT NOT NULL,
        frequency TEXT NOT NULL,
        timed INTEGER NOT NULL,
        timeout INTEGER NOT NULL,
        working_dir TEXT NOT NULL,
        username TEXT NOT NULL,
        windows_password_name TEXT NOT NULL,
        launcher TEXT NOT NULL,
        container_id TEXT NOT NULL,
        container_name TEXT NOT NULL,
        termination_mode TEXT NOT NULL,
        oss_output_delivery TEXT NOT NULL,
        resource_group_id TEXT NOT NULL,
        creation_time TEXT NOT NULL,
        status TEXT NOT NULL
    );
    CREATE INDEX invocations_by_region ON invocations(region_id, seq);
    CREATE INDEX invocations_by_day ON invocations(region_id, creation_time);

    CREATE TABLE invocation_instances (
        invoke_id TEXT NOT NULL REFERENCES invocations(invoke_id),
        instance_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        status TEXT NOT NULL,
        repeats INTEGER NOT NULL DEFAULT 0,
        exit_code INTEGER,
        output TEXT NOT NULL DEFAULT '',
        dropped INTEGER NOT NULL DEFAULT 0,
        error_code TEXT NOT NULL DEFAULT '',
        error_info TEXT NOT NULL DEFAULT '',
        creation_time TEXT NOT NULL,
        start_time TEXT,
        finish_time TEXT,
        stop_time TEXT,
        update_time TEXT NOT NULL,
        PRIMARY KEY (invoke_id, instance_id)
    );
    CREATE INDEX invocation_instances_by_instance ON invocation_instances(instance_id);

    -- One row per (task, target, repeat): what an agent picks up. `trigger` is `now`,
    -- `schedule` (due at due_time) or `boot` (next boot of the target).
    CREATE TABLE runs (
        invoke_id TEXT NOT NULL REFERENCES invocations(invoke_id),
        instance_id TEXT NOT NULL,
        repeat INTEGER NOT NULL,
        status TEXT NOT NULL,
        trigger TEXT NOT NULL,
        due_time TEXT,
        start_time TEXT,
        finish_time TEXT,
        stop_time TEXT,
        exit_code INTEGER,
        output TEXT NOT NULL DEFAULT '',
        dropped INTEGER NOT NULL DEFAULT 0,
        error_code TEXT NOT NULL DEFAULT '',
        error_info TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (invoke_id, instance_id, repeat)
    );
    CREATE INDEX runs_by_status ON runs(status, due_time);

    CREATE TABLE client_tokens (
        action TEXT NOT NULL,
        token TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        response TEXT NOT NULL,
        creation_time TEXT NOT NULL,
        PRIMARY KEY (action, token)
    );
    "#,
    // 2: kept commands per region, maintained by triggers, so the quota check and an
    // unfiltered DescribeCommands need not count rows.
    r#"
    CREATE TABLE command_counts (
        region_id TEXT PRIMARY KEY,
        n INTEGER NOT NULL
    );
    INSERT INTO command_counts (region_id, n)
        SELECT region_id, COUNT(*) FROM commands GROUP BY region_id;
    CREATE TRIGGER commands_counted AFTER INSERT ON commands BEGIN
        INSERT INTO command_counts (region_id, n) VALUES (NEW.region_id, 1)
            ON CONFLICT (region_id) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER commands_uncounted AFTER DELETE ON commands BEGIN
        UPDATE command_counts SET n = n - 1 WHERE region_id = OLD.region_id;
    END;
    "#,
    // 3: the power state of instances changed through the API (StopInstance, StartInstance,
    // RebootInstance) or by the agent (exit codes 193 / 194). The inventory is static
    // configuration; an instance without a row is still as the inventory describes it, so
    // rows are written on the first change only and read-only connections never seed them.
    r#"
    CREATE TABLE instance_states (
        instance_id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        boots INTEGER NOT NULL DEFAULT 0,
        last_boot_time TEXT,
        update_time TEXT NOT NULL
    );
    "#,
    // 4: instance tags changed through TagResources / UntagResources (ResourceType
    // instance). Like the power state, the inventory says how each instance starts; a row
    // is a change: a value sets the key, NULL removes it (an inventory tag untagged).
    r#"
    CREATE TABLE instance_tag_changes (
        instance_id TEXT NOT NULL,
        tag_key TEXT NOT NULL,
        tag_value TEXT,
        PRIMARY KEY (instance_id, tag_key)
    );
    "#,
];

/// Why the schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("schema version {found} is newer than this emulator's {supported}")]
    TooNew { found: u32, supported: u32 },
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// Runs the migrations the database has not seen yet, each in its own transaction.
///
/// Several processes may open one fresh state file at once (two `apply --local` started
/// together). Each migration therefore runs in a `BEGIN IMMEDIATE` transaction, which
/// takes the write lock before anything is read, and reads `user_version` inside it:
/// the loser of the race waits (the connection's busy timeout), then sees the version
/// the winner committed and skips what already ran. Reading the version before the
/// transaction would let both see 0 and both create the tables.
pub fn migrate(conn: &mut Connection) -> Result<u32, MigrateError> {
    let latest = latest_version();
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current > latest {
            return Err(MigrateError::TooNew {
                found: current,
                supported: latest,
            });
        }
        let Some(sql) = MIGRATIONS.get(current as usize) else {
            // Up to date: nothing to commit, the transaction rolls back on drop.
            return Ok(latest);
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
    }
}

pub fn latest_version() -> u32 {
    MIGRATIONS.len() as u32
}
