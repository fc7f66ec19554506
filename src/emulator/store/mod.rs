//! State in SQLite: WAL, `synchronous=FULL`, schema migrations by `user_version`. Every
//! operation runs in one transaction that is committed before the answer is sent, so nothing
//! acknowledged is lost on `kill -9`.

pub mod commands;
pub mod instances;
pub mod invocations;
pub mod overview;
pub mod runs;
pub mod schema;
pub mod tags;
pub mod tokens;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// How long a connection waits for another one's lock (a write's fsync, a migration
/// another process runs on the same fresh file) before failing with SQLITE_BUSY.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Switches the connection to WAL. On a fresh file another process may be switching it
/// or migrating at the same moment; SQLite then answers SQLITE_BUSY at once rather than
/// calling the busy handler (waiting could deadlock, since the switch upgrades a lock
/// already held), so the switch is retried here for up to the busy timeout.
fn wal(conn: &Connection) -> rusqlite::Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
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
                // Before anything that takes a lock: switching a fresh file to WAL, or the
                // migrations, may wait for another process opening the same file.
                conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
                wal(&conn).map_err(open_err)?;
                conn
            }
            StateLocation::Ephemeral => Connection::open_in_memory().map_err(open_err)?,
        };
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // Listings build their SQL from the filters given; keep the common shapes prepared.
        conn.set_prepared_statement_cache_capacity(128);
        match schema::migrate(&mut conn) {
            Ok(_) => Ok(Self { conn }),
            Err(schema::MigrateError::TooNew { found, supported }) => Err(StoreError::TooNew {
                path: name,
                found,
                supported,
            }),
            Err(schema::MigrateError::Sql(source)) => {
                Err(StoreError::Migrate { path: name, source })
            }
        }
    }

    pub fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// A second, read-only connection to a state file. In WAL mode it reads the last
    /// committed state while a write waits for its fsync. In-memory state has none.
    pub fn open_reader(location: &StateLocation) -> Result<Option<Connection>, StoreError> {
        let StateLocation::File(path) = location else {
            return Ok(None);
        };
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Some(conn))
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

/// Totals of list queries, remembered until the next write. A stack's live-state read pages
/// through thousands of commands with the same filter, and recounting them on every page
/// cost more than the page itself. Every committed write bumps the generation, which is read
/// before a request's transaction begins, so a remembered total is never older than the
/// request's snapshot.
#[derive(Debug, Default)]
pub struct CountCache {
    generation: AtomicU64,
    totals: Mutex<HashMap<String, (u64, i64)>>,
}

/// Entries kept at most; the map is cleared when full.
const COUNT_CACHE_ENTRIES: usize = 1024;

impl CountCache {
    /// The generation to read totals at; take it before the request's transaction begins.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Called after every committed write.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn total(
        &self,
        generation: u64,
        key: String,
        count: impl FnOnce() -> rusqlite::Result<i64>,
    ) -> rusqlite::Result<i64> {
        let remembered = self
            .totals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .copied();
        if let Some((g, n)) = remembered
            && g == generation
        {
            return Ok(n);
        }
        let n = count()?;
        let mut totals = self.totals.lock().unwrap_or_else(|e| e.into_inner());
        if totals.len() >= COUNT_CACHE_ENTRIES {
            totals.clear();
        }
        totals.insert(key, (generation, n));
        Ok(n)
    }
}

/// A count cache and the generation a request reads at.
#[derive(Debug, Clone, Copy)]
pub struct Counts<'a> {
    pub cache: &'a CountCache,
    pub generation: u64,
}

/// A WHERE clause being built: SQL fragments joined by AND, with their arguments.
#[derive(Debug, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    args: Vec<Value>,
    /// Index in `clauses` of the region equality, written by `region`.
    region: Option<(usize, String)>,
    has_tags: bool,
}

impl Where {
    pub fn push(&mut self, clause: impl Into<String>, args: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause.into());
        self.args.extend(args);
    }

    /// The region restriction. With a tag filter it is written `+column` so SQLite drives the
    /// query from the tags index rather than scanning the whole region.
    pub fn region(&mut self, column: &str, value: &str) {
        self.region = Some((self.clauses.len(), column.to_string()));
        self.push(format!("{column} = ?"), [Value::Text(value.to_string())]);
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

    /// Resources that carry every tag (`None` value: the key with any value), as an IN
    /// subquery, which lets SQLite drive from the tags index instead of testing every
    /// resource: the better plan when few resources match.
    pub fn tags(
        &mut self,
        resource_type: &str,
        id_column: &str,
        tags: &[(String, Option<String>)],
    ) {
        self.tag_clauses(tags, &format!("{id_column} IN (SELECT t.resource_id FROM tags t WHERE t.resource_type = '{resource_type}'"));
    }

    /// The same filter as a correlated EXISTS probe of the tags primary key: cheaper than
    /// [`Where::tags`] when most resources match, since a page then stops after its first
    /// rows instead of materialising every match.
    pub fn tags_exists(
        &mut self,
        resource_type: &str,
        id_column: &str,
        tags: &[(String, Option<String>)],
    ) {
        self.tag_clauses(tags, &format!("EXISTS (SELECT 1 FROM tags t WHERE t.resource_type = '{resource_type}' AND t.resource_id = {id_column}"));
    }

    /// One clause per tag: `head` opens the subquery, the key and value tests close it.
    fn tag_clauses(&mut self, tags: &[(String, Option<String>)], head: &str) {
        self.has_tags |= !tags.is_empty();
        for (k, v) in tags {
            let mut clause = format!("{head} AND t.tag_key = ?");
            let mut args = vec![Value::Text(k.clone())];
            if let Some(v) = v {
                clause.push_str(" AND t.tag_value = ?");
                args.push(Value::Text(v.clone()));
            }
            clause.push(')');
            self.push(clause, args);
        }
    }

    /// True when nothing but the first clause (the region) restricts the rows.
    pub fn only_first_clause(&self) -> bool {
        self.clauses.len() == 1
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            return "1".to_string();
        }
        let mut clauses = self.clauses.clone();
        if let (true, Some((i, column))) = (self.has_tags, &self.region) {
            clauses[*i] = format!("+{column} = ?");
        }
        clauses.join(" AND ")
    }

    pub fn args(&self) -> &[Value] {
        &self.args
    }
}

/// `'A', 'B'` for an SQL `IN (...)` list of status names, so such lists are generated from
/// `domain::status` rather than written out. The names are API names: letters only, nothing
/// to escape.
pub fn sql_names<T: Copy>(
    items: impl IntoIterator<Item = T>,
    name: fn(T) -> &'static str,
) -> String {
    items
        .into_iter()
        .map(|i| format!("'{}'", name(i)))
        .collect::<Vec<_>>()
        .join(", ")
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

/// How many rows `filter` selects, remembered in `counts` when given.
pub(crate) fn total(
    conn: &Connection,
    count_from: &str,
    filter: &Where,
    counts: Option<Counts<'_>>,
) -> rusqlite::Result<i64> {
    let count_sql = format!("SELECT COUNT(*) FROM {count_from} WHERE {}", filter.sql());
    let count = || {
        conn.prepare_cached(&count_sql)?
            .query_row(rusqlite::params_from_iter(filter.args()), |r| r.get(0))
    };
    match counts {
        Some(c) => c.cache.total(
            c.generation,
            format!("{count_sql}\u{0}{:?}", filter.args()),
            count,
        ),
        None => count(),
    }
}

/// Runs a newest-first listing: `select` is `SELECT cols FROM table alias` and `seq_column`
/// the ordering column. `known_total` skips counting when the caller knows the total.
#[allow(clippy::too_many_arguments)]
pub(crate) fn page<T>(
    conn: &Connection,
    select: &str,
    count_from: &str,
    seq_column: &str,
    filter: &Where,
    page: PageRequest,
    known_total: Option<i64>,
    counts: Option<Counts<'_>>,
    map: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<(i64, T)>,
) -> rusqlite::Result<Page<T>> {
    let total: i64 = match known_total {
        Some(t) => t,
        None => total(conn, count_from, filter, counts)?,
    };
    let mut args = filter.args().to_vec();
    let mut where_sql = filter.sql();
    if let Some(before) = page.before_seq {
        where_sql.push_str(&format!(" AND {seq_column} < ?"));
        args.push(Value::Integer(before));
    }
    // LIMIT and OFFSET are our own integers, written into the SQL: bound, they make SQLite
    // re-plan the statement on every execution.
    let sql = format!(
        "{select} WHERE {where_sql} ORDER BY {seq_column} DESC LIMIT {} OFFSET {}",
        page.limit + 1,
        page.offset
    );
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
    fn a_tag_filter_keeps_the_region_index_out_of_the_plan() {
        let mut w = Where::default();
        w.region("c.region_id", "cn-hangzhou");
        assert_eq!(w.sql(), "c.region_id = ?");
        w.tags("command", "c.command_id", &[("k".into(), Some("v".into()))]);
        assert!(
            w.sql()
                .starts_with("+c.region_id = ? AND c.command_id IN (SELECT"),
            "{}",
            w.sql()
        );
        assert_eq!(w.args().len(), 3);
    }

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
