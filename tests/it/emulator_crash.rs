//! `kill -9` during a stream of CreateCommand requests loses nothing that was acknowledged:
//! each operation commits (synchronous=FULL) before it answers.

use crate::emu_common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use emu_common::{AK, Api, SECRET, Spawned, b64};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_commands_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let state_arg = state.to_str().unwrap().to_string();
    let mut emu = Spawned::start(&["--state", &state_arg, "--command-quota", "50000"]);
    let api = Arc::new(Api::new(&emu.base, AK, SECRET));
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));

    // Four writers keep requests in flight; the kill lands in the middle of the stream.
    let mut writers = Vec::new();
    for w in 0..4 {
        let api = api.clone();
        let acked = acked.clone();
        writers.push(tokio::spawn(async move {
            let content = b64("echo durable");
            for i in 0..10_000 {
                let name = format!("w{w}-{i}");
                let p = [
                    ("RegionId", "cn-hangzhou"),
                    ("Name", name.as_str()),
                    ("Type", "RunShellScript"),
                    ("CommandContent", content.as_str()),
                ];
                let Ok(r) = tokio::time::timeout(
                    std::time::Duration::from_secs(5),
                    api.try_call("CreateCommand", &p),
                )
                .await
                else {
                    return;
                };
                match r {
                    Some(resp) if resp.status == 200 => acked
                        .lock()
                        .unwrap()
                        .push(resp.body["CommandId"].as_str().unwrap().to_string()),
                    _ => return,
                }
            }
        }));
    }
    while acked.lock().unwrap().len() < 60 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    emu.kill9();
    for w in writers {
        let _ = w.await;
    }
    let acked: Vec<String> = acked.lock().unwrap().clone();
    assert!(acked.len() >= 60);

    let emu = Spawned::start(&["--state", &state_arg, "--command-quota", "50000"]);
    let api = Api::new(&emu.base, AK, SECRET);
    let mut stored = HashSet::new();
    let mut token = String::new();
    loop {
        let mut p = vec![("MaxResults", "50")];
        if !token.is_empty() {
            p.push(("NextToken", token.as_str()));
        }
        let body = api.r("DescribeCommands", &p).await.ok();
        for c in body["Commands"]["Command"].as_array().unwrap() {
            stored.insert(c["CommandId"].as_str().unwrap().to_string());
        }
        token = body["NextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "acknowledged but lost after kill -9: {lost:?}"
    );
}
