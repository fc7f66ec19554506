//! Read-only totals for the console's overview: how many tasks a region holds and how many of
//! them are still active.

use std::sync::LazyLock;

use rusqlite::{Connection, params};

use crate::domain::status::InvocationStatus;

/// Tasks of a region.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskCounts {
    pub total: i64,
    /// Overall status not final (Pending, Scheduled, Running or Stopping): runs that may
    /// still change.
    pub active: i64,
}

static TASK_COUNTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT COUNT(*),
                COALESCE(SUM(CASE WHEN status IN ({}) THEN 1 ELSE 0 END), 0)
         FROM invocations WHERE region_id = ?1",
        super::sql_names(InvocationStatus::active(), InvocationStatus::api_name)
    )
});

pub fn task_counts(conn: &Connection, region: &str) -> rusqlite::Result<TaskCounts> {
    conn.prepare_cached(&TASK_COUNTS)?
        .query_row(params![region], |r| {
            Ok(TaskCounts {
                total: r.get(0)?,
                active: r.get(1)?,
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::store::invocations::{InvocationRow, insert};
    use crate::emulator::store::{StateLocation, Store};

    #[test]
    fn counts_only_the_region_and_its_active_tasks() {
        let mut s = Store::open(&StateLocation::Ephemeral).unwrap();
        let conn = s.conn();
        for (id, region, status) in [
            ("t-1", "cn-hangzhou", "Pending"),
            ("t-2", "cn-hangzhou", "Success"),
            ("t-3", "cn-hangzhou", "Scheduled"),
            ("t-4", "cn-shanghai", "Running"),
        ] {
            let row = InvocationRow {
                invoke_id: id.into(),
                region_id: region.into(),
                status: status.into(),
                parameters: "{}".into(),
                ..Default::default()
            };
            insert(conn, &row).unwrap();
        }
        assert_eq!(
            task_counts(conn, "cn-hangzhou").unwrap(),
            TaskCounts {
                total: 3,
                active: 2
            }
        );
        assert_eq!(
            task_counts(conn, "ap-southeast-1").unwrap(),
            TaskCounts::default()
        );
    }
}
