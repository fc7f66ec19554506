//! The schema, as an ordered list of migrations; `PRAGMA user_version` records how many ran.
//! Append new migrations, never edit old ones: a state file made by an older emulator is
//! upgraded in place.

use rusqlite::Connection;

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
];

/// Runs the migrations the database has not seen yet, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(MIGRATIONS.len() as u32)
}

pub fn latest_version() -> u32 {
    MIGRATIONS.len() as u32
}
