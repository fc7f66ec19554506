//! Queries on kept commands.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Page, PageRequest, Where, page};

/// A kept command as stored. `content` is always the Base64 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRow {
    pub command_id: String,
    pub region_id: String,
    pub name: String,
    pub description: String,
    pub type_name: String,
    pub content: String,
    pub working_dir: String,
    pub timeout: i64,
    pub enable_parameter: bool,
    pub parameter_names: Vec<String>,
    pub launcher: String,
    pub resource_group_id: String,
    pub creation_time: String,
    pub invoke_times: i64,
}

/// DescribeCommands filters; `None` means "any".
#[derive(Debug, Default, Clone)]
pub struct CommandFilter {
    pub region_id: String,
    pub command_id: Option<String>,
    pub type_name: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub resource_group_id: Option<String>,
    pub tags: Vec<(String, Option<String>)>,
}

const COLUMNS: &str = "seq, command_id, region_id, name, description, type, content, working_dir, timeout, enable_parameter, parameter_names, launcher, resource_group_id, creation_time, invoke_times";

fn map(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, CommandRow)> {
    let names: String = r.get(10)?;
    Ok((
        r.get(0)?,
        CommandRow {
            command_id: r.get(1)?,
            region_id: r.get(2)?,
            name: r.get(3)?,
            description: r.get(4)?,
            type_name: r.get(5)?,
            content: r.get(6)?,
            working_dir: r.get(7)?,
            timeout: r.get(8)?,
            enable_parameter: r.get(9)?,
            parameter_names: serde_json::from_str(&names).unwrap_or_default(),
            launcher: r.get(11)?,
            resource_group_id: r.get(12)?,
            creation_time: r.get(13)?,
            invoke_times: r.get(14)?,
        },
    ))
}

pub fn insert(conn: &Connection, c: &CommandRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO commands (command_id, region_id, name, description, type, content, working_dir, timeout, enable_parameter, parameter_names, launcher, resource_group_id, creation_time, invoke_times)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        c.command_id,
        c.region_id,
        c.name,
        c.description,
        c.type_name,
        c.content,
        c.working_dir,
        c.timeout,
        c.enable_parameter,
        serde_json::to_string(&c.parameter_names).unwrap_or_else(|_| "[]".into()),
        c.launcher,
        c.resource_group_id,
        c.creation_time,
        c.invoke_times,
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, region: &str, id: &str) -> rusqlite::Result<Option<CommandRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM commands WHERE command_id = ?1 AND region_id = ?2"
    ))?
    .query_row(params![id, region], map)
    .optional()
    .map(|o| o.map(|(_, c)| c))
}

pub fn exists_anywhere(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM commands WHERE command_id = ?1")?
        .exists(params![id])
}

/// Writes the fields ModifyCommand may change.
pub fn update(conn: &Connection, c: &CommandRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE commands SET name = ?2, description = ?3, working_dir = ?4, timeout = ?5, launcher = ?6 WHERE command_id = ?1",
    )?
    .execute(params![
        c.command_id,
        c.name,
        c.description,
        c.working_dir,
        c.timeout,
        c.launcher
    ])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM commands WHERE command_id = ?1")?
        .execute(params![id])?;
    super::tags::delete_all(conn, "command", id)
}

pub fn increment_invoke_times(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE commands SET invoke_times = invoke_times + 1 WHERE command_id = ?1",
    )?
    .execute(params![id])?;
    Ok(())
}

pub fn count_in_region(conn: &Connection, region: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .prepare_cached("SELECT n FROM command_counts WHERE region_id = ?1")?
        .query_row(params![region], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

pub fn list(
    conn: &Connection,
    f: &CommandFilter,
    p: PageRequest,
    counts: Option<super::Counts<'_>>,
) -> rusqlite::Result<Page<CommandRow>> {
    let filter = |dense_tags: bool| {
        let mut w = Where::default();
        w.region("c.region_id", &f.region_id);
        w.eq("c.command_id", f.command_id.as_deref());
        w.eq("c.type", f.type_name.as_deref());
        w.wildcard("c.name", f.name.as_deref());
        w.wildcard("c.description", f.description.as_deref());
        w.eq("c.resource_group_id", f.resource_group_id.as_deref());
        if dense_tags {
            w.tags_exists("command", "c.command_id", &f.tags);
        } else {
            w.tags("command", "c.command_id", &f.tags);
        }
        w
    };
    let w = filter(false);
    let total = if w.only_first_clause() {
        count_in_region(conn, &f.region_id)?
    } else {
        super::total(conn, "commands c", &w, counts)?
    };
    // A tag filter that matches most of the region (a stack's own commands) pages faster as
    // an EXISTS probe; a selective one faster from the tags index.
    let w = if !f.tags.is_empty() && total * 4 >= count_in_region(conn, &f.region_id)? {
        filter(true)
    } else {
        w
    };
    page(
        conn,
        &format!("SELECT {COLUMNS} FROM commands c"),
        "commands c",
        "c.seq",
        &w,
        p,
        Some(total),
        None,
        map,
    )
}

/// The sequence number of a command, to turn it into a paging token.
pub fn seq_of(conn: &Connection, id: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT seq FROM commands WHERE command_id = ?1")?
        .query_row(params![id], |r| r.get(0))
        .optional()
}
