//! The client-side rate limiter and the in-flight bound, measured against a local server.

mod cloud_common;

use std::time::{Duration, Instant};

use assistctl::cloud::ops::DeleteCommandRequest;
use cloud_common::*;
use futures::future::join_all;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_to_the_configured_rate_over_a_window() {
    let server = FakeServer::start(|_, _| ok("R")).await;
    let client = client_for(&server).rate_limit(20.0).build().unwrap();
    let started = Instant::now();
    // Concurrent callers: the limiter, not the callers' pacing, must space them.
    let calls = (0..40).map(|i| {
        let client = client.clone();
        async move {
            client
                .delete_command(&DeleteCommandRequest {
                    command_id: format!("c-{i}"),
                })
                .await
                .unwrap();
        }
    });
    join_all(calls).await;
    let elapsed = started.elapsed();
    assert_eq!(server.count(), 40);
    // 40 requests at 20/s with a burst of 1: the 40th may go 39/20 = 1.95 s after the first.
    assert!(
        elapsed >= Duration::from_millis(1900),
        "too fast: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(5850),
        "far too slow: {elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounds_requests_in_flight() {
    let server = FakeServer::start(|_, _| ok("R").with_delay(Duration::from_millis(40))).await;
    let client = client_for(&server).max_in_flight(2).build().unwrap();
    let calls = (0..8).map(|_| {
        let client = client.clone();
        async move {
            client
                .delete_command(&DeleteCommandRequest {
                    command_id: "c".into(),
                })
                .await
                .unwrap();
        }
    });
    join_all(calls).await;
    assert_eq!(server.count(), 8);
    assert!(
        server.max_in_flight() <= 2,
        "{} in flight",
        server.max_in_flight()
    );
}
