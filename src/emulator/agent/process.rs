//! Running one script process as the real agent does (aliyun_assist_client
//! `util/process/process.go: SyncRun`, `outputbuffer/`): stdout and stderr share one pipe,
//! so the output interleaves as written; the process leads its own process group; a timeout,
//! a StopInvocation or the emulator stopping kill it with SIGKILL, no grace period.
//!
//! The agent kills only the direct child unless `TerminationMode=ProcessTree`; here the
//! whole process group is killed always (and in the sandbox the PID namespace dies with it),
//! so a script that forks children never leaves them running on a machine that is the user's
//! own: a deliberate difference.
//!
//! Output is capped as the agent caps it: the first [`OUTPUT_HEAD`] bytes and the last
//! `OUTPUT_QUOTA - OUTPUT_HEAD` bytes are kept, and `Dropped` counts the bytes between.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

/// Output kept per run: the API's 24 KB.
pub const OUTPUT_QUOTA: usize = crate::domain::limits::MAX_OUTPUT_BYTES;
/// Of which the head: the agent's `defaultQuotoPre`.
pub const OUTPUT_HEAD: usize = 6000;

/// Why a running process is ended from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// StopInvocation.
    Stop,
    /// The emulator is stopping.
    Shutdown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    /// Killed by a signal nobody here sent.
    Signaled(i32),
    TimedOut,
    Cancelled(Cancel),
    SpawnFailed(String),
}

#[derive(Debug, Clone)]
pub struct Ran {
    pub ending: Ending,
    pub output: Vec<u8>,
    pub dropped: u64,
}

/// Head and tail of everything written, and how much was written.
#[derive(Debug, Default)]
struct Capped {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
}

impl Capped {
    fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let room = OUTPUT_HEAD.saturating_sub(self.head.len());
        let take = room.min(bytes.len());
        self.head.extend_from_slice(&bytes[..take]);
        bytes = &bytes[take..];
        let cap = OUTPUT_QUOTA - OUTPUT_HEAD;
        if bytes.len() >= cap {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - cap..]);
        } else {
            let over = (self.tail.len() + bytes.len()).saturating_sub(cap);
            self.tail.drain(..over);
            self.tail.extend(bytes);
        }
    }

    fn snapshot(&self) -> (Vec<u8>, u64) {
        let mut out = self.head.clone();
        out.extend(self.tail.iter());
        (out, self.total.saturating_sub(OUTPUT_QUOTA as u64))
    }
}

fn kill_group(pgid: u32) {
    if let Ok(pgid) = i32::try_from(pgid) {
        // SAFETY: kill(2) takes plain integers and touches no memory of ours; a negative pid
        // names the process group the child leads (it was spawned with process_group(0)).
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// Runs `cmd` to its end, its timeout, or a cancellation.
pub async fn run(
    mut cmd: std::process::Command,
    timeout: Duration,
    mut cancel: watch::Receiver<Option<Cancel>>,
) -> Ran {
    use std::os::unix::process::CommandExt;
    let failed = |e: String| Ran {
        ending: Ending::SpawnFailed(e),
        output: Vec::new(),
        dropped: 0,
    };
    let (mut reader, writer) = match std::io::pipe() {
        Ok(p) => p,
        Err(e) => return failed(format!("cannot make the output pipe: {e}")),
    };
    let writer2 = match writer.try_clone() {
        Ok(w) => w,
        Err(e) => return failed(format!("cannot make the output pipe: {e}")),
    };
    cmd.stdout(writer).stderr(writer2).process_group(0);
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    let spawned = cmd.spawn();
    // The parent's copies of the write end must close, or the reader never sees the end.
    drop(cmd);
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return failed(e.to_string()),
    };
    let pgid = child.id().unwrap_or(0);
    let buffer = Arc::new(Mutex::new(Capped::default()));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    {
        let buffer = buffer.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match reader.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buffer
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(&chunk[..n]),
                }
            }
            let _ = done_tx.send(());
        });
    }
    let ending = tokio::select! {
        status = child.wait() => match status {
            Ok(s) => {
                use std::os::unix::process::ExitStatusExt;
                match (s.code(), s.signal()) {
                    (Some(c), _) => Ending::Exited(c),
                    (None, Some(sig)) => Ending::Signaled(sig),
                    (None, None) => Ending::Exited(-1),
                }
            }
            Err(e) => Ending::SpawnFailed(format!("waiting for the process failed: {e}")),
        },
        _ = tokio::time::sleep(timeout) => Ending::TimedOut,
        c = async {
            loop {
                if let Some(c) = *cancel.borrow_and_update() {
                    return c;
                }
                if cancel.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        } => Ending::Cancelled(c),
    };
    if !matches!(ending, Ending::Exited(_) | Ending::Signaled(_)) {
        kill_group(pgid);
        let _ = child.wait().await;
    }
    // The agent gives the output 200 ms to drain after the process ends; what a leftover
    // background process still holds open is cut off with it.
    if tokio::time::timeout(Duration::from_millis(200), done_rx)
        .await
        .is_err()
    {
        kill_group(pgid);
    }
    let (output, dropped) = buffer.lock().unwrap_or_else(|e| e.into_inner()).snapshot();
    Ran {
        ending,
        output,
        dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_head_and_tail_and_counts_the_rest() {
        let mut c = Capped::default();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for piece in data.chunks(777) {
            c.push(piece);
        }
        let (out, dropped) = c.snapshot();
        assert_eq!(out.len(), OUTPUT_QUOTA);
        assert_eq!(dropped, 100_000 - OUTPUT_QUOTA as u64);
        assert_eq!(&out[..OUTPUT_HEAD], &data[..OUTPUT_HEAD]);
        assert_eq!(
            &out[OUTPUT_HEAD..],
            &data[data.len() - (OUTPUT_QUOTA - OUTPUT_HEAD)..]
        );
        let mut small = Capped::default();
        small.push(b"hello");
        assert_eq!(small.snapshot(), (b"hello".to_vec(), 0));
    }

    #[tokio::test]
    async fn timeout_kills_the_whole_group() {
        let (_tx, rx) = watch::channel(None);
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", "(sleep 30; echo late) & echo started; sleep 30"]);
        let started = std::time::Instant::now();
        let ran = run(cmd, Duration::from_millis(500), rx).await;
        assert_eq!(ran.ending, Ending::TimedOut);
        assert_eq!(String::from_utf8_lossy(&ran.output), "started\n");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn exit_codes_and_merged_output() {
        let (_tx, rx) = watch::channel(None);
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let ran = run(cmd, Duration::from_secs(10), rx).await;
        assert_eq!(ran.ending, Ending::Exited(3));
        assert_eq!(String::from_utf8_lossy(&ran.output), "out\nerr\n");
    }

    #[tokio::test]
    async fn a_stop_kills_it() {
        let (tx, rx) = watch::channel(None);
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", "echo begun; sleep 30"]);
        let h = tokio::spawn(run(cmd, Duration::from_secs(60), rx));
        tokio::time::sleep(Duration::from_millis(300)).await;
        tx.send(Some(Cancel::Stop)).unwrap();
        let ran = h.await.unwrap();
        assert_eq!(ran.ending, Ending::Cancelled(Cancel::Stop));
        assert_eq!(String::from_utf8_lossy(&ran.output), "begun\n");
    }
}
