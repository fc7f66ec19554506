//! The client-side rate limiter, its adaptation to throttling, and the in-flight bound,
//! measured against a local server.

use crate::cloud_common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use assistctl::cloud::adaptive::AdaptiveConfig;
use assistctl::cloud::ops::DeleteCommandRequest;
use assistctl::cloud::ratelimit::{RateLimitConfig, RateLimiter};
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

#[tokio::test]
async fn throttling_answers_lower_the_region_rate_and_successes_restore_it() {
    // Throttles for the first three requests, then successes.
    let server = FakeServer::start(|_, i| match i {
        0..=2 => Reply::error(400, "Throttling.User", "R"),
        _ => ok("R"),
    })
    .await;
    let limiter = Arc::new(RateLimiter::new(RateLimitConfig {
        requests_per_second: 100.0,
        adaptive: AdaptiveConfig {
            // One decrease for the whole test, however slow the machine.
            decrease_interval: Duration::from_secs(3600),
            ramp: Duration::from_millis(400),
            ..AdaptiveConfig::default()
        },
        ..RateLimitConfig::default()
    }));
    let client = client_for(&server)
        .rate_limiter(limiter.clone())
        .build()
        .unwrap();
    let delete = DeleteCommandRequest {
        command_id: "c".into(),
    };
    client.delete_command(&delete).await.unwrap();
    assert_eq!(server.count(), 4);
    let after_throttling = limiter.rate("cn-hangzhou");
    // Halved once (not three times) to 50, then one success adds step / rate = 250 / 50.
    assert!((after_throttling - 55.0).abs() < 1e-9, "{after_throttling}");
    assert_eq!(limiter.rate("cn-shanghai"), 100.0);
    // step = 100 / 0.4 s = 250 req/s per second: about 14 more successes climb to 100.
    for _ in 0..20 {
        client.delete_command(&delete).await.unwrap();
    }
    assert_eq!(limiter.rate("cn-hangzhou"), 100.0);
}
