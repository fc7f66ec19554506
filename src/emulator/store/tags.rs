//! Tags of commands and invocations, one row per resource and key.

use std::collections::BTreeMap;

use rusqlite::types::Value;
use rusqlite::{Connection, params};

/// Tags of one resource, ordered by key.
pub fn of(
    conn: &Connection,
    resource_type: &str,
    id: &str,
) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare_cached(
        "SELECT tag_key, tag_value FROM tags WHERE resource_type = ?1 AND resource_id = ?2 ORDER BY tag_key",
    )?
    .query_map(params![resource_type, id], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Tags of many resources at once, for a page of a listing.
pub fn of_many(
    conn: &Connection,
    resource_type: &str,
    ids: &[String],
) -> rusqlite::Result<BTreeMap<String, Vec<(String, String)>>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let marks = vec!["?"; ids.len()].join(",");
    let sql = format!(
        "SELECT resource_id, tag_key, tag_value FROM tags WHERE resource_type = ? AND resource_id IN ({marks}) ORDER BY resource_id, tag_key"
    );
    let mut args = vec![Value::Text(resource_type.to_string())];
    args.extend(ids.iter().map(|i| Value::Text(i.clone())));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, k, v) = row?;
        out.entry(id).or_default().push((k, v));
    }
    Ok(out)
}

/// Sets (adds or overwrites) tags on a resource.
pub fn set(
    conn: &Connection,
    resource_type: &str,
    id: &str,
    tags: &[(String, String)],
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO tags (resource_type, resource_id, tag_key, tag_value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (resource_type, resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
    )?;
    for (k, v) in tags {
        stmt.execute(params![resource_type, id, k, v])?;
    }
    Ok(())
}

pub fn remove(
    conn: &Connection,
    resource_type: &str,
    id: &str,
    keys: &[String],
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "DELETE FROM tags WHERE resource_type = ?1 AND resource_id = ?2 AND tag_key = ?3",
    )?;
    for k in keys {
        stmt.execute(params![resource_type, id, k])?;
    }
    Ok(())
}

pub fn delete_all(conn: &Connection, resource_type: &str, id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM tags WHERE resource_type = ?1 AND resource_id = ?2")?
        .execute(params![resource_type, id])?;
    Ok(())
}

/// One row of ListTagResources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRow {
    pub rowid: i64,
    pub resource_id: String,
    pub tag_key: String,
    pub tag_value: String,
}

/// Rows of (resource, tag) for ListTagResources, after `after_rowid`, at most `limit + 1`.
/// `ids` restricts the resources; `with_tags` keeps resources carrying all those tags.
pub fn list_resources(
    conn: &Connection,
    resource_type: &str,
    ids: &[String],
    with_tags: &[(String, Option<String>)],
    after_rowid: i64,
    limit: i64,
) -> rusqlite::Result<Vec<TagRow>> {
    let mut w = super::Where::default();
    w.push(
        "x.resource_type = ?",
        [Value::Text(resource_type.to_string())],
    );
    if !ids.is_empty() {
        let marks = vec!["?"; ids.len()].join(",");
        w.push(
            format!("x.resource_id IN ({marks})"),
            ids.iter().map(|i| Value::Text(i.clone())),
        );
    }
    w.tags(resource_type, "x.resource_id", with_tags);
    w.push("x.rowid > ?", [Value::Integer(after_rowid)]);
    let sql = format!(
        "SELECT x.rowid, x.resource_id, x.tag_key, x.tag_value FROM tags x WHERE {} ORDER BY x.rowid LIMIT {}",
        w.sql(),
        limit + 1
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map(rusqlite::params_from_iter(w.args()), |r| {
        Ok(TagRow {
            rowid: r.get(0)?,
            resource_id: r.get(1)?,
            tag_key: r.get(2)?,
            tag_value: r.get(3)?,
        })
    })?
    .collect()
}
