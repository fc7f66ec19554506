//! State in SQLite: WAL, `synchronous=FULL`, schema migrations by `user_version`. Every
//! operation runs in one transaction that is committed before the answer is sent, so nothing
//! acknowledged is lost on `kill -9`.

pub mod commands;
pub mod invocations;
pub mod schema;
pub mod tags;
pub mod tokens;

use std::path::PathBuf;

use rusqlite::Connection;
use rusqlite::types::Value;

/// Where the state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    File(PathBuf),
    /// In memory, gone when the emulator stops.
    Ephemeral,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the state directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the state database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot migrate the state database {path}: {source}")]
    Migrate {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "the state database {path} has schema version {found}, newer than this emulator's {supported}; use a newer assistctl or another --state"
    )]
    TooNew {
        path: String,
        found: u32,
        supported: u32,
    },
}

/// The open database.
pub struct Store {
    conn: Connection,
}

impl Store {
    pub fn open(location: &StateLocation) -> Result<Self, StoreError> {
        let name = match location {
            StateLocation::File(p) => p.display().to_string(),
            StateLocation::Ephemeral => ":memory:".to_string(),
        };
        let open_err = |source| StoreError::Open {
            path: name.clone(),
            source,
        };
        let mut conn = match location {
            StateLocation::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                        path: dir.display().to_string(),
                        source,
                    })?;
                }
                let conn = Connection::open(path).map_err(open_err)?;
                conn.pragma_update(None, "journal_mode", "WAL")
                    .map_err(open_err)?;
                conn
            }
            StateLocation::Ephemeral => Connection::open_in_memory().map_err(open_err)?,
        };
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        let found: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(open_err)?;
        if found > schema::latest_version() {
            return Err(StoreError::TooNew {
                path: name,
                found,
                supported: schema::latest_version(),
            });
        }
        schema::migrate(&mut conn).map_err(|source| StoreError::Migrate {
            path: name.clone(),
            source,
        })?;
        Ok(Self { conn })
    }

    pub fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Which slice of a newest-first listing to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Only rows older than this sequence number (NextToken paging).
    pub before_seq: Option<i64>,
    /// Rows to skip (PageNumber paging).
    pub offset: i64,
    pub limit: i64,
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Rows matching the filters, all pages together.
    pub total: i64,
    /// Sequence number of the last item when more rows follow.
    pub next_seq: Option<i64>,
}

/// A WHERE clause being built: SQL fragments joined by AND, with their arguments.
#[derive(Debug, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    args: Vec<Value>,
}

impl Where {
    pub fn push(&mut self, clause: impl Into<String>, args: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause.into());
        self.args.extend(args);
    }

    pub fn eq(&mut self, column: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.push(format!("{column} = ?"), [Value::Text(v.to_string())]);
        }
    }

    /// A user pattern with `*` wildcards; anything else is literal.
    pub fn wildcard(&mut self, column: &str, pattern: Option<&str>) {
        if let Some(p) = pattern {
            self.push(format!("{column} GLOB ?"), [Value::Text(glob_pattern(p))]);
        }
    }

    /// Resources that carry every tag (`None` value: the key with any value).
    pub fn tags(
        &mut self,
        resource_type: &str,
        id_column: &str,
        tags: &[(String, Option<String>)],
    ) {
        for (k, v) in tags {
            let mut clause = format!(
                "EXISTS (SELECT 1 FROM tags t WHERE t.resource_type = '{resource_type}' AND t.resource_id = {id_column} AND t.tag_key = ?"
            );
            let mut args = vec![Value::Text(k.clone())];
            if let Some(v) = v {
                clause.push_str(" AND t.tag_value = ?");
                args.push(Value::Text(v.clone()));
            }
            clause.push(')');
            self.push(clause, args);
        }
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".to_string()
        } else {
            self.clauses.join(" AND ")
        }
    }

    pub fn args(&self) -> &[Value] {
        &self.args
    }
}

/// `*` stays a wildcard; GLOB's other specials are made literal.
pub fn glob_pattern(user: &str) -> String {
    let mut out = String::with_capacity(user.len());
    for c in user.chars() {
        match c {
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
    out
}

/// Runs a newest-first listing: `select` is `SELECT cols FROM table alias` and `seq_column`
/// the ordering column.
pub(crate) fn page<T>(
    conn: &Connection,
    select: &str,
    count_from: &str,
    seq_column: &str,
    filter: &Where,
    page: PageRequest,
    map: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<(i64, T)>,
) -> rusqlite::Result<Page<T>> {
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM {count_from} WHERE {}", filter.sql()),
        rusqlite::params_from_iter(filter.args()),
        |r| r.get(0),
    )?;
    let mut args = filter.args().to_vec();
    let mut where_sql = filter.sql();
    if let Some(before) = page.before_seq {
        where_sql.push_str(&format!(" AND {seq_column} < ?"));
        args.push(Value::Integer(before));
    }
    args.push(Value::Integer(page.limit + 1));
    args.push(Value::Integer(page.offset));
    let sql = format!("{select} WHERE {where_sql} ORDER BY {seq_column} DESC LIMIT ? OFFSET ?");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows: Vec<(i64, T)> = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), map)?
        .collect::<rusqlite::Result<_>>()?;
    let more = rows.len() as i64 > page.limit;
    rows.truncate(page.limit as usize);
    let next_seq = if more {
        rows.last().map(|(s, _)| *s)
    } else {
        None
    };
    Ok(Page {
        items: rows.into_iter().map(|(_, t)| t).collect(),
        total,
        next_seq,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_keeps_star_and_escapes_the_rest() {
        assert_eq!(glob_pattern("a*b?[c]"), "a*b[?][[]c]");
    }

    #[test]
    fn migrations_run_once_and_record_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.db");
        let loc = StateLocation::File(path.clone());
        drop(Store::open(&loc).unwrap());
        let mut s = Store::open(&loc).unwrap();
        let v: u32 = s
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema::latest_version());
        let mode: String = s
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let e = Store::open(&StateLocation::File(path)).err().unwrap();
        assert!(matches!(e, StoreError::TooNew { found: 99, .. }));
    }
}
