//! One bubblewrap sandbox per simulated Linux instance: an instance is a machine, not a
//! container per run. The host's root is mounted read-only; the places a script writes
//! (`/root`, `/home`, `/tmp`, `/var/tmp`, `/var/log`, `/opt`, `/srv`) and a copy of `/etc`
//! (so a script can add a user or change a config) are the instance's own directories under
//! the emulator's state directory, kept from run to run. Each run has its own network
//! namespace with no interface but loopback, its own PID, IPC and UTS namespaces (hostname =
//! the instance's name), and dies with the emulator.
//!
//! Without a usable bubblewrap, runs end with an error that says so; `--unsandboxed` (never
//! the default) runs scripts on the host itself.

use std::path::{Path, PathBuf};
use std::process::Command;

/// How scripts are run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// In a bubblewrap sandbox per instance (`bwrap` at this path).
    Bwrap(PathBuf),
    /// Directly on the host, as the emulator's own user.
    Unsandboxed,
    /// No sandbox can be made here, and running on the host was not asked for.
    Unavailable(String),
}

impl Mode {
    /// The mode for this machine: bubblewrap when it works here, otherwise why not.
    pub fn probe(unsandboxed: bool) -> Mode {
        if unsandboxed {
            return Mode::Unsandboxed;
        }
        let Some(bwrap) = find_in_path("bwrap") else {
            return Mode::Unavailable(
                "bubblewrap (`bwrap`) is not installed: install it (Debian/Ubuntu: `apt-get install bubblewrap`), or start the emulator with --unsandboxed to run scripts directly on this machine".into(),
            );
        };
        let out = Command::new(&bwrap)
            .args([
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--unshare-net",
                "--unshare-pid",
                "--unshare-uts",
                "--unshare-ipc",
                "--die-with-parent",
                "--unshare-user",
                "--",
                "true",
            ])
            .output();
        match out {
            Ok(o) if o.status.success() => Mode::Bwrap(bwrap),
            Ok(o) => Mode::Unavailable(format!(
                "bubblewrap cannot make a sandbox here ({}): run the emulator as root or enable unprivileged user namespaces (`sysctl kernel.unprivileged_userns_clone=1`, or on Ubuntu 24.04 `sysctl kernel.apparmor_restrict_unprivileged_userns=0`), or start it with --unsandboxed",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Mode::Unavailable(format!(
                "bubblewrap could not be started ({e}); reinstall it, or start the emulator with --unsandboxed"
            )),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Mode::Bwrap(p) => format!("sandboxed with bubblewrap ({})", p.display()),
            Mode::Unsandboxed => "UNSANDBOXED: scripts run directly on this machine".into(),
            Mode::Unavailable(why) => format!("scripts cannot run: {why}"),
        }
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Directories of an instance that scripts may write, relative to its root, and where they
/// appear inside the sandbox.
pub const WRITABLE: [(&str, &str); 8] = [
    ("root", "/root"),
    ("home", "/home"),
    ("tmp", "/tmp"),
    ("var/tmp", "/var/tmp"),
    ("var/log", "/var/log"),
    ("opt", "/opt"),
    ("srv", "/srv"),
    ("etc", "/etc"),
];

/// Where the agent writes scripts, inside the instance (the real agent's `work/script`).
pub const SCRIPT_DIR: &str = "/var/tmp/aliyun-assist/work/script";

/// An instance's own files on the host.
#[derive(Debug, Clone)]
pub struct InstanceFs {
    pub root: PathBuf,
}

impl InstanceFs {
    pub fn new(instances_dir: &Path, instance_id: &str) -> InstanceFs {
        InstanceFs {
            root: instances_dir.join(instance_id),
        }
    }

    /// The host path of `inside` (an absolute path in the sandbox) when it is in one of
    /// the instance's writable directories.
    pub fn host_path(&self, inside: &str) -> Option<PathBuf> {
        WRITABLE.iter().find_map(|(dir, mount)| {
            let rest = inside.strip_prefix(mount)?;
            (rest.is_empty() || rest.starts_with('/'))
                .then(|| self.root.join(dir).join(rest.trim_start_matches('/')))
        })
    }

    /// Creates the instance's directories on first use; `/etc` starts as a copy of the
    /// host's. Runs starting at once on a new instance make it once: they wait for each other.
    pub fn ensure(&self) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        // Runs of one instance may start at once: one makes its files, the others wait. One
        // lock for all instances: the copies are disk-bound, and 64 of them side by side were
        // no faster than one after another (scripts/bench_agent.py, BENCHMARKS.md).
        static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _making = MAKING.lock().unwrap_or_else(|e| e.into_inner());
        for (dir, _) in WRITABLE {
            let p = self.root.join(dir);
            if p.exists() {
                continue;
            }
            if dir == "etc" {
                copy_etc(&p)?;
            } else {
                std::fs::create_dir_all(&p)?;
            }
            let mode = match dir {
                "tmp" | "var/tmp" => 0o1777,
                "root" => 0o700,
                _ => 0o755,
            };
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode))?;
        }
        let scripts = self
            .host_path(SCRIPT_DIR)
            .expect("the script dir is writable");
        std::fs::create_dir_all(&scripts)?;
        for d in [
            scripts.as_path(),
            scripts.parent().unwrap_or(&scripts),
            scripts.parent().and_then(Path::parent).unwrap_or(&scripts),
        ] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))?;
        }
        Ok(())
    }

    /// A user of the instance from its own `/etc/passwd`: (uid, gid, home).
    pub fn user(&self, name: &str) -> Option<(u32, u32, String)> {
        lookup_user(&self.root.join("etc/passwd"), name)
    }
}

/// `cp -a` keeps owners, modes and symlinks; files the emulator's user cannot read are left
/// out (their absence is the instance's, not the host's secret).
fn copy_etc(dest: &Path) -> std::io::Result<()> {
    let tmp = dest.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    let status = Command::new("cp")
        .arg("-a")
        .arg("/etc/.")
        .arg(&tmp)
        .stderr(std::process::Stdio::null())
        .status()?;
    if !status.success() && !tmp.join("passwd").exists() {
        return Err(std::io::Error::other(
            "copying /etc for the instance failed (cp -a /etc)",
        ));
    }
    std::fs::rename(&tmp, dest)
}

/// (uid, gid, home) of `name` in a passwd file.
pub fn lookup_user(passwd: &Path, name: &str) -> Option<(u32, u32, String)> {
    let text = std::fs::read_to_string(passwd).ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 7 && f[0] == name)
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?, f[5].to_string())))?
    })
}

/// What one run executes and where.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The program and its arguments, as seen inside the instance.
    pub argv: Vec<String>,
    /// Working directory inside the instance.
    pub cwd: String,
    pub uid: u32,
    pub gid: u32,
    pub user: String,
    pub home: String,
    pub hostname: String,
}

/// The command that runs `launch` in `fs`'s sandbox (or on the host when unsandboxed).
pub fn command(mode: &Mode, fs: &InstanceFs, launch: &Launch) -> Command {
    let mut c = match mode {
        Mode::Bwrap(bwrap) => {
            let mut c = Command::new(bwrap);
            // /proc/sys holds the host kernel's settings: read-only, so no script changes them.
            c.args([
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--ro-bind",
                "/proc/sys",
                "/proc/sys",
            ]);
            for (dir, mount) in WRITABLE {
                c.arg("--bind").arg(fs.root.join(dir)).arg(mount);
            }
            c.args([
                "--unshare-net",
                "--unshare-pid",
                "--unshare-ipc",
                "--unshare-uts",
                "--hostname",
                &launch.hostname,
                "--die-with-parent",
                "--unshare-user",
                "--uid",
                &launch.uid.to_string(),
                "--gid",
                &launch.gid.to_string(),
                "--chdir",
                &launch.cwd,
                "--setenv",
                "HOME",
                &launch.home,
                "--setenv",
                "USER",
                &launch.user,
                "--setenv",
                "LOGNAME",
                &launch.user,
                "--",
            ]);
            c.args(&launch.argv);
            c
        }
        Mode::Unsandboxed | Mode::Unavailable(_) => {
            let mut c = Command::new(&launch.argv[0]);
            c.args(&launch.argv[1..]).current_dir(&launch.cwd);
            c.env("HOME", &launch.home);
            c
        }
    };
    c.env(
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    );
    c.stdin(std::process::Stdio::null());
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths_stay_in_the_writable_dirs() {
        let fs = InstanceFs::new(Path::new("/state/instances"), "i-1");
        assert_eq!(
            fs.host_path("/tmp/x"),
            Some(PathBuf::from("/state/instances/i-1/tmp/x"))
        );
        assert_eq!(
            fs.host_path("/var/tmp"),
            Some(PathBuf::from("/state/instances/i-1/var/tmp/"))
        );
        assert_eq!(fs.host_path("/tmpfoo"), None);
        assert_eq!(fs.host_path("/usr/bin"), None);
    }

    #[test]
    fn users_from_passwd() {
        let dir = std::env::temp_dir().join(format!("assistctl-passwd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("passwd");
        std::fs::write(
            &p,
            "root:x:0:0:root:/root:/bin/bash\nops:x:1001:1002::/home/ops:/bin/sh\n",
        )
        .unwrap();
        assert_eq!(
            lookup_user(&p, "ops"),
            Some((1001, 1002, "/home/ops".into()))
        );
        assert_eq!(lookup_user(&p, "nobody-here"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
