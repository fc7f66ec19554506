//! The power state of instances: the single home of "the instance as it is now".
//!
//! The inventory says how each instance starts; StopInstance, StartInstance and
//! RebootInstance (and the agent, after a script exits 193 / 194) change it. A row in
//! `instance_states` is written on the first change, seeded from nothing but that change, so
//! an instance without a row is exactly as the inventory describes it. Reads never write:
//! Describe* run on a read-only connection.
//!
//! Every status check of the service reads [`current`] (or [`reachable`]), never the
//! inventory's `initial_status`, so an instance stopped through the API is treated exactly
//! like one stopped in the inventory.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::invocations;
use crate::emulator::inventory::Instance;

/// `Status` of a running instance, as DescribeInstances spells it: the one status in which an
/// instance can run commands.
pub const RUNNING: &str = crate::domain::eligibility::RUNNING;
/// `Status` of a stopped instance.
pub const STOPPED: &str = "Stopped";

/// An instance as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceState {
    /// `Pending`, `Running`, `Starting`, `Stopping` or `Stopped`.
    pub status: String,
    /// Boots seen by the emulator (StartInstance, RebootInstance, agent reboots); 0 until the
    /// first one. The inventory's own boot is not counted.
    pub boots: i64,
    /// When the last of those boots happened.
    pub last_boot_time: Option<String>,
}

/// The instance as it is now: its stored state, or the inventory's when it never changed.
pub fn current(conn: &Connection, instance: &Instance) -> rusqlite::Result<InstanceState> {
    let stored = conn
        .prepare_cached(
            "SELECT status, boots, last_boot_time FROM instance_states WHERE instance_id = ?1",
        )?
        .query_row(params![instance.id], |r| {
            Ok(InstanceState {
                status: r.get(0)?,
                boots: r.get(1)?,
                last_boot_time: r.get(2)?,
            })
        })
        .optional()?;
    Ok(stored.unwrap_or_else(|| InstanceState {
        status: instance.initial_status.clone(),
        boots: 0,
        last_boot_time: None,
    }))
}

/// Running with a live agent: the only targets the service delivers commands to, and the
/// only ones whose agent sends heartbeats.
pub fn reachable(conn: &Connection, instance: &Instance) -> rusqlite::Result<bool> {
    Ok(instance.agent_online && current(conn, instance)?.status == RUNNING)
}

/// Sets the status without a boot (a stop). The caller has checked the transition.
pub fn set_status(
    conn: &Connection,
    instance_id: &str,
    status: &str,
    now: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO instance_states (instance_id, status, boots, last_boot_time, update_time)
         VALUES (?1, ?2, 0, NULL, ?3)
         ON CONFLICT (instance_id) DO UPDATE SET status = excluded.status, update_time = excluded.update_time",
    )?
    .execute(params![instance_id, status, now])?;
    Ok(())
}

/// The instance boots and is Running at once: the boot counter goes up and the runs waiting
/// for this boot become due (see [`invocations::release_boot_runs`]). Returns how many runs
/// were released. The caller has checked the transition.
pub fn boot(conn: &Connection, instance_id: &str, now: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO instance_states (instance_id, status, boots, last_boot_time, update_time)
         VALUES (?1, 'Running', 1, ?2, ?2)
         ON CONFLICT (instance_id) DO UPDATE SET status = 'Running', boots = boots + 1,
             last_boot_time = excluded.last_boot_time, update_time = excluded.update_time",
    )?
    .execute(params![instance_id, now])?;
    invocations::release_boot_runs(conn, instance_id, now)
}

/// The stored status, `None` when the instance never changed.
fn stored_status(conn: &Connection, instance_id: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT status FROM instance_states WHERE instance_id = ?1")?
        .query_row(params![instance_id], |r| r.get(0))
        .optional()
}

/// Whether a script on the instance could have just finished: the agent only runs scripts
/// on running instances, so an instance that never changed counts as running here; one
/// stopped meanwhile (StopInstance while the script ran) does not.
fn agent_may_act(conn: &Connection, instance_id: &str) -> rusqlite::Result<bool> {
    Ok(stored_status(conn, instance_id)?.is_none_or(|s| s == RUNNING))
}

/// For the agent: a script exited 193 (Linux) / 3009 (Windows), and the real agent runs
/// `shutdown -h now` after reporting the result. The instance becomes Stopped; no boot runs
/// are released. Returns false (and changes nothing) when the instance is not running, e.g.
/// StopInstance stopped it while the script ran.
pub fn power_off(conn: &Connection, instance_id: &str, now: &str) -> rusqlite::Result<bool> {
    if !agent_may_act(conn, instance_id)? {
        return Ok(false);
    }
    set_status(conn, instance_id, STOPPED, now)?;
    Ok(true)
}

/// For the agent: a script exited 194 (Linux) / 3010 (Windows), and the real agent runs
/// `shutdown -r now` after reporting the result. The instance boots as after
/// RebootInstance: `Some(n)` with the number of boot runs released. `None` (and nothing
/// changed) when the instance is not running, e.g. StopInstance stopped it meanwhile.
pub fn reboot(conn: &Connection, instance_id: &str, now: &str) -> rusqlite::Result<Option<usize>> {
    if !agent_may_act(conn, instance_id)? {
        return Ok(None);
    }
    boot(conn, instance_id, now).map(Some)
}

/// The instance's tags now: the inventory's with what TagResources and UntagResources
/// changed applied (a new instance joins a tag-selected group by being tagged).
pub fn tags(conn: &Connection, instance: &Instance) -> rusqlite::Result<BTreeMap<String, String>> {
    let mut out = instance.tags.clone();
    let changes = conn
        .prepare_cached(
            "SELECT tag_key, tag_value FROM instance_tag_changes WHERE instance_id = ?1",
        )?
        .query_map(params![instance.id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (k, v) in changes {
        match v {
            Some(v) => out.insert(k, v),
            None => out.remove(&k),
        };
    }
    Ok(out)
}

/// Whether the instance carries every wanted tag now (a key without a value: any value).
pub fn has_tags(
    conn: &Connection,
    instance: &Instance,
    wanted: &[(String, Option<String>)],
) -> rusqlite::Result<bool> {
    if wanted.is_empty() {
        return Ok(true);
    }
    let have = tags(conn, instance)?;
    Ok(wanted.iter().all(|(k, v)| match (have.get(k), v) {
        (Some(_), None) => true,
        (Some(have), Some(want)) => have == want,
        (None, _) => false,
    }))
}

/// Sets tags on an instance (TagResources).
pub fn set_tags(conn: &Connection, id: &str, tags: &[(String, String)]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO instance_tag_changes (instance_id, tag_key, tag_value) VALUES (?1, ?2, ?3)
         ON CONFLICT (instance_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
    )?;
    for (k, v) in tags {
        stmt.execute(params![id, k, v])?;
    }
    Ok(())
}

/// Removes tags from an instance (UntagResources), the inventory's included.
pub fn remove_tags(conn: &Connection, id: &str, keys: &[String]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO instance_tag_changes (instance_id, tag_key, tag_value) VALUES (?1, ?2, NULL)
         ON CONFLICT (instance_id, tag_key) DO UPDATE SET tag_value = NULL",
    )?;
    for k in keys {
        stmt.execute(params![id, k])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::inventory::Inventory;
    use crate::emulator::store::invocations::{InvocationRow, RunRow, insert, insert_run, runs_of};
    use crate::emulator::store::{StateLocation, Store};

    const WEB1: &str = "i-bp1web0000000000001";
    const WIN2: &str = "i-bp1win0000000000002";
    const T0: &str = "2026-01-01T00:00:00Z";
    const T1: &str = "2026-01-01T00:05:00Z";

    fn instance(id: &str) -> Instance {
        Inventory::default_world()
            .instances
            .into_iter()
            .find(|i| i.id == id)
            .unwrap()
    }

    fn task(conn: &Connection, invoke_id: &str) {
        insert(
            conn,
            &InvocationRow {
                invoke_id: invoke_id.into(),
                region_id: "cn-hangzhou".into(),
                repeat_mode: "NextRebootOnly".into(),
                status: "Pending".into(),
                ..Default::default()
            },
        )
        .unwrap();
    }

    fn run(
        conn: &Connection,
        invoke_id: &str,
        instance_id: &str,
        trigger: &str,
        due: Option<&str>,
    ) {
        insert_run(
            conn,
            &RunRow {
                invoke_id: invoke_id.into(),
                instance_id: instance_id.into(),
                repeat: 1,
                status: "Pending".into(),
                trigger: trigger.into(),
                due_time: due.map(String::from),
                ..Default::default()
            },
        )
        .unwrap();
    }

    fn due(conn: &Connection, invoke_id: &str) -> Option<String> {
        runs_of(conn, invoke_id, None).unwrap()[0].due_time.clone()
    }

    #[test]
    fn an_unchanged_instance_is_as_the_inventory_says() {
        let mut s = Store::open(&StateLocation::Ephemeral).unwrap();
        let c = s.conn();
        let web = instance(WEB1);
        let win = instance(WIN2);
        assert_eq!(current(c, &web).unwrap().status, "Running");
        assert_eq!(current(c, &win).unwrap().status, "Stopped");
        assert!(reachable(c, &web).unwrap());
        assert!(!reachable(c, &win).unwrap());
    }

    #[test]
    fn stop_and_boot_change_what_current_answers() {
        let mut s = Store::open(&StateLocation::Ephemeral).unwrap();
        let c = s.conn();
        let web = instance(WEB1);
        set_status(c, WEB1, STOPPED, T0).unwrap();
        assert_eq!(current(c, &web).unwrap().status, "Stopped");
        assert!(!reachable(c, &web).unwrap());
        boot(c, WEB1, T1).unwrap();
        let now = current(c, &web).unwrap();
        assert_eq!(
            (
                now.status.as_str(),
                now.boots,
                now.last_boot_time.as_deref()
            ),
            ("Running", 1, Some(T1))
        );
        boot(c, WEB1, T1).unwrap();
        assert_eq!(current(c, &web).unwrap().boots, 2);
    }

    #[test]
    fn a_boot_releases_only_the_runs_waiting_for_it() {
        let mut s = Store::open(&StateLocation::Ephemeral).unwrap();
        let c = s.conn();
        for t in ["t-boot", "t-other", "t-now", "t-released"] {
            task(c, t);
        }
        run(c, "t-boot", WEB1, "boot", None);
        run(c, "t-other", "i-bp1web0000000000002", "boot", None);
        run(c, "t-now", WEB1, "now", Some(T0));
        run(c, "t-released", WEB1, "boot", Some(T0));
        assert_eq!(boot(c, WEB1, T1).unwrap(), 1);
        assert_eq!(due(c, "t-boot").as_deref(), Some(T1));
        assert_eq!(due(c, "t-other"), None, "another instance's boot run waits");
        assert_eq!(due(c, "t-now").as_deref(), Some(T0));
        assert_eq!(
            due(c, "t-released").as_deref(),
            Some(T0),
            "a run already released keeps its due time"
        );
    }

    #[test]
    fn the_agent_acts_only_on_a_running_instance() {
        let mut s = Store::open(&StateLocation::Ephemeral).unwrap();
        let c = s.conn();
        let web = instance(WEB1);
        task(c, "t-boot");
        run(c, "t-boot", WEB1, "boot", None);
        assert!(power_off(c, WEB1, T0).unwrap());
        assert_eq!(current(c, &web).unwrap().status, "Stopped");
        assert_eq!(due(c, "t-boot"), None, "a power-off is no boot");
        assert!(!power_off(c, WEB1, T0).unwrap());
        assert_eq!(
            reboot(c, WEB1, T1).unwrap(),
            None,
            "a stopped instance does not reboot"
        );
        assert_eq!(current(c, &web).unwrap().boots, 0);
        boot(c, WEB1, T1).unwrap();
        assert_eq!(due(c, "t-boot").as_deref(), Some(T1));
        assert_eq!(reboot(c, WEB1, T1).unwrap(), Some(0));
        assert_eq!(current(c, &web).unwrap().boots, 2);
    }
}
