//! Signed requests per second against the emulator on this machine: CreateCommand until
//! 10,000 commands are stored, then DescribeCommands (first page, newest first, with TotalCount
//! over all 10,000) and DescribeCommands filtered by a tag that 100 of them carry, as a
//! stack's live-state read is. State is a WAL SQLite file with
//! synchronous=FULL, as `emulator serve --state` runs it. Run: `cargo bench --bench emulator`.

#[path = "../tests/it/emu_common.rs"]
mod emu_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use emu_common::{Api, b64};

const COMMANDS: usize = 10_000;
const READS: usize = 20_000;
const CONCURRENCY: usize = 8;

async fn drive<F, Fut>(total: usize, f: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let f = Arc::new(f);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let next = next.clone();
        let f = f.clone();
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                f(i).await;
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = assistctl::emulator::EmulatorConfig::ephemeral();
        cfg.state = assistctl::emulator::StateLocation::File(dir.path().join("bench.db"));
        cfg.service.command_quota = 50_000;
        let emu = assistctl::emulator::Emulator::start(cfg).await.unwrap();
        let api = Arc::new(Api::new(&emu.endpoint_url(), emu.access_key_id(), emu.access_key_secret()));

        let a = api.clone();
        let content = Arc::new(b64("#!/bin/sh\necho benchmark {{name}}\n"));
        let creates = drive(COMMANDS, move |i| {
            let a = a.clone();
            let content = content.clone();
            async move {
                let name = format!("bench-{i}");
                // 1% carry the tag a stack's commands would carry.
                let tag = if i % 100 == 0 { "hot" } else { "cold" };
                a.r(
                    "CreateCommand",
                    &[
                        ("Name", &name),
                        ("Type", "RunShellScript"),
                        ("CommandContent", &content),
                        ("EnableParameter", "true"),
                        ("Tag.1.Key", "tier"),
                        ("Tag.1.Value", tag),
                    ],
                )
                .await
                .ok();
            }
        })
        .await;
        println!("CreateCommand: {creates:>8.0} req/s  ({COMMANDS} signed requests, {CONCURRENCY} concurrent, fsync per commit)");

        let a = api.clone();
        let reads = drive(READS, move |_| {
            let a = a.clone();
            async move {
                let (status, text) = a
                    .send_raw("DescribeCommands", &[("RegionId", "cn-hangzhou")], Default::default())
                    .await
                    .unwrap();
                assert!(status == 200 && text.contains("\"TotalCount\":10000"), "{text}");
            }
        })
        .await;
        println!("DescribeCommands (first page of 10, {COMMANDS} stored): {reads:>8.0} req/s  ({READS} signed requests)");

        let a = api.clone();
        let filtered = drive(READS / 2, move |_| {
            let a = a.clone();
            async move {
                let (status, text) = a
                    .send_raw(
                        "DescribeCommands",
                        &[("RegionId", "cn-hangzhou"), ("Tag.1.Key", "tier"), ("Tag.1.Value", "hot"), ("MaxResults", "50")],
                        Default::default(),
                    )
                    .await
                    .unwrap();
                assert!(status == 200 && text.contains("\"TotalCount\":100"), "{text}");
            }
        })
        .await;
        println!("DescribeCommands (tag filter matching 100, MaxResults=50): {filtered:>8.0} req/s  ({} signed requests)", READS / 2);
        emu.shutdown().await;
    });
}
