//! Everything before a run's process starts: the instance's files, the user, the working
//! directory, the script file and the command line, in the sandbox or on the host.

use std::path::PathBuf;
use std::sync::Arc;

use super::sandbox::{self, InstanceFs, Launch, Mode};
use super::{Inner, outcome, script};
use crate::domain::error_codes::InstanceErrorCode;
use crate::domain::status::TargetStatus;
use crate::emulator::inventory::Instance;
use crate::emulator::store::invocations::InvocationRow;
use crate::emulator::store::runs::{RunEnd, RunKey};

/// Everything before the process starts: the instance's files, the user, the working
/// directory, the script file. An error is the run's end (nothing ran).
pub(super) async fn prepare(
    inner: &Arc<Inner>,
    key: &RunKey,
    task: &InvocationRow,
    instance: &Instance,
) -> Result<std::process::Command, Box<RunEnd>> {
    let now = inner.state.clock.now();
    let fail = move |status: TargetStatus, code: InstanceErrorCode, info: String| {
        Box::new(outcome::not_started(status, Some(code), info, now))
    };
    if instance.os != crate::domain::command_type::Os::Linux {
        return Err(fail(
            TargetStatus::Error,
            InstanceErrorCode::ExecutionException,
            format!(
                "the local emulator cannot run scripts on {} instances: it has no Windows runtime, so nothing was run",
                instance.os_type
            ),
        ));
    }
    let mode = inner.config.mode.clone();
    if let Mode::Unavailable(why) = &mode {
        return Err(fail(
            TargetStatus::Error,
            InstanceErrorCode::ExecutionException,
            format!("the local emulator cannot run scripts here: {why}"),
        ));
    }
    let builtins = script::Builtins {
        region_id: task.region_id.clone(),
        account_id: inner.state.inventory.account_id.clone(),
        instance_id: instance.id.clone(),
        instance_name: instance.name.clone(),
        invoke_id: key.invoke_id.clone(),
        command_id: task.command_id.clone(),
    };
    let prepared = script::prepare(
        &script::TaskScript {
            command_type: &task.command_type,
            command_name: &task.command_name,
            content_base64: &task.command_content,
            enable_parameter: task.enable_parameter,
            parameters: &task.parameters,
            launcher: &task.launcher,
        },
        &builtins,
    )
    .map_err(|e| {
        let status = if e.info.contains("Windows") {
            TargetStatus::Error
        } else {
            TargetStatus::Invalid
        };
        fail(status, e.code, e.info)
    })?;
    let fs = InstanceFs::new(&inner.config.instances_dir, &instance.id);
    let user = if task.username.is_empty() {
        "root".to_string()
    } else {
        task.username.clone()
    };
    let working_dir = task.working_dir.clone();
    let hostname = if instance.host_name.is_empty() {
        instance.name.clone()
    } else {
        instance.host_name.clone()
    };
    tokio::task::spawn_blocking(move || {
        let sandboxed = matches!(mode, Mode::Bwrap(_));
        if sandboxed {
            fs.ensure().map_err(|e| {
                fail(
                    TargetStatus::Error,
                    InstanceErrorCode::ExecutionException,
                    format!("the instance's files could not be made: {e}"),
                )
            })?;
        }
        let found = if sandboxed {
            fs.user(&user)
        } else {
            sandbox::lookup_user(std::path::Path::new("/etc/passwd"), &user)
        };
        let Some((uid, gid, home)) = found else {
            return Err(fail(
                TargetStatus::Invalid,
                InstanceErrorCode::AccountNotExists,
                format!("{} (UserInvalid_{user})", outcome::ACCOUNT_NOT_EXISTS),
            ));
        };
        let cwd = if working_dir.is_empty() {
            home.clone()
        } else {
            working_dir
        };
        let cwd_exists = if sandboxed {
            fs.host_path(&cwd)
                .unwrap_or_else(|| PathBuf::from(&cwd))
                .is_dir()
        } else {
            std::path::Path::new(&cwd).is_dir()
        };
        if !cwd_exists {
            return Err(fail(
                TargetStatus::Invalid,
                InstanceErrorCode::DirectoryNotExists,
                format!(
                    "{} (WorkingDirectoryNotExist: {cwd} does not exist)",
                    outcome::DIRECTORY_NOT_EXISTS
                ),
            ));
        }
        let (host_file, inside_file) = if sandboxed {
            let inside = format!("{}/{}", sandbox::SCRIPT_DIR, prepared.file_name);
            let host = fs.host_path(&inside).expect("the script dir is the instance's");
            (host, inside)
        } else {
            let dir = fs.root.join("scripts");
            std::fs::create_dir_all(&dir).map_err(|e| {
                fail(TargetStatus::Error, InstanceErrorCode::ExecutionException, format!("saving the script failed: {e}"))
            })?;
            let host = dir.join(&prepared.file_name);
            let shown = host.display().to_string();
            (host, shown)
        };
        write_script(&host_file, &prepared.content).map_err(|e| {
            fail(
                TargetStatus::Error,
                InstanceErrorCode::ExecutionException,
                format!("ScriptFileExisted or unwritable: saving the script to {inside_file} failed: {e}"),
            )
        })?;
        let argv: Vec<String> = prepared
            .argv
            .iter()
            .map(|a| a.replace(script::FILE, &inside_file))
            .collect();
        let launch = Launch {
            argv,
            cwd,
            uid,
            gid,
            user: user.clone(),
            home,
            hostname,
        };
        let mut cmd = sandbox::command(&mode, &fs, &launch);
        if !sandboxed {
            use std::os::unix::process::CommandExt;
            // Only root can run as another user on the host.
            let me = own_uid();
            if me == 0 {
                cmd.uid(uid).gid(gid);
            } else if me != uid {
                return Err(fail(
                    TargetStatus::Invalid,
                    InstanceErrorCode::AccountNotExists,
                    format!(
                        "the unsandboxed emulator runs as uid {me} and cannot run a script as {user}"
                    ),
                ));
            }
        }
        Ok(cmd)
    })
    .await
    .unwrap_or_else(|e| {
        Err(Box::new(outcome::not_started(
            TargetStatus::Error,
            Some(InstanceErrorCode::ExecutionException),
            format!("preparing the run failed: {e}"),
            now,
        )))
    })
}

/// The emulator's own uid, from /proc (no libc call needed).
fn own_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|u| u.parse().ok())
        })
        .unwrap_or(u32::MAX)
}

fn write_script(path: &std::path::Path, content: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}
