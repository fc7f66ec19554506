//! Repeating tasks and the fleet: a member that is stopped (or whose agent is offline)
//! stays in its task. The service keeps a scheduled task on an instance that stops; the
//! agent fetches its tasks when it starts again and schedules them anew (see
//! `emulator::agent`), so the task fires there again at its next fire. Taking the instance
//! out would need a new task (ModifyInvocationAttribute only adds instances), which
//! restarts every member's `rate` cadence, and a nightly plan would report drift each
//! time a machine is off.

use crate::domain::error_codes::InstanceErrorCode;

use super::super::change::IneligibleInstance;
use super::super::model::LiveInvocation;
use super::Target;

/// Whether an instance is left out only for a while: it is not running, or its agent is
/// offline. It comes back by itself, unlike a wrong OS or an old agent.
pub(crate) fn transient(x: &IneligibleInstance) -> bool {
    [
        InstanceErrorCode::InstanceNotRunning,
        InstanceErrorCode::ClientNotRunning,
    ]
    .iter()
    .any(|c| c.api_name() == x.code)
}

/// The members of live task `l` that stay in it though they cannot run now: the selector
/// still selects them (they are among the target's ineligible instances) and the reason
/// is [`transient`].
pub(crate) fn staying<'a>(t: &'a Target, l: &LiveInvocation) -> Vec<&'a IneligibleInstance> {
    t.ineligible
        .iter()
        .filter(|x| transient(x) && l.instances.iter().any(|(i, _)| *i == x.instance_id))
        .collect()
}

/// The plan's note on a member that stays: why it cannot run now, and when it runs.
pub(super) fn stays_note(x: &IneligibleInstance, task: &str) -> String {
    let when = if x.code == InstanceErrorCode::ClientNotRunning.api_name() {
        "once its agent is back online"
    } else {
        "after it starts"
    };
    format!(
        "{}: {}; it stays in task {task} and runs at its next fire {when}",
        x.instance_id, x.reason
    )
}
