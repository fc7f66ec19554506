//! Opening one fresh state file from several connections at once: every one of them
//! migrates or waits for the one that does, none fails with "table already exists".

use crate::common;

use std::sync::{Arc, Barrier};

use assistctl::emulator::store::{StateLocation, Store};
use common::{Fixture, text};

const THREADS: usize = 8;
const ROUNDS: usize = 40;

#[test]
fn connections_opening_a_fresh_state_file_at_once_all_succeed() {
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("emulator.db");
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&StateLocation::File(path)).map(|mut s| {
                        s.conn()
                            .query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
                            .unwrap()
                    })
                })
            })
            .collect();
        let versions: Vec<u32> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap()
                    .unwrap_or_else(|e| panic!("round {round}: {e}"))
            })
            .collect();
        assert!(
            versions.windows(2).all(|w| w[0] == w[1]) && versions[0] > 0,
            "round {round}: every connection sees the migrated schema: {versions:?}"
        );
    }
}

#[test]
fn two_local_applies_on_a_fresh_state_directory_both_succeed() {
    const STACK: &str = "apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: race }\nspec:\n  region: cn-hangzhou\n---\napiVersion: assistctl/v1\nkind: Command\nmetadata: { name: hello }\nspec:\n  type: shell\n  content: echo hello\n";
    for round in 0..6 {
        let f = Fixture::new();
        f.write("stack.yaml", STACK);
        let start = || {
            common::bin()
                .current_dir(f.path())
                .env("HOME", f.path())
                .args(["apply", "--local", "--auto-approve", "."])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run assistctl")
        };
        let (a, b) = (start(), start());
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            let t = text(&out);
            assert!(out.status.success(), "round {round}: {t}");
            assert!(!t.contains("already exists"), "round {round}: {t}");
        }
    }
}
