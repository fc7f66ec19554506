//! The list reader plan, apply, import and status use (`reconcile::listing`), against a
//! fake ECS endpoint: it follows NextToken to the end, and a token the service repeats is
//! an error, never a list taken as complete. A list of owned tasks cut short would make a
//! `once` script run again.

use crate::cloud_common;

use assistctl::cloud::Error;
use assistctl::cloud::ops::invocations::DescribeInvocationsRequest;
use assistctl::cloud::pagination::{self, Reads};
use cloud_common::*;
use serde_json::{Value, json};

/// A DescribeInvocations page holding task `t-{n}` of stack `shop`, with `next` as its
/// NextToken.
fn page(n: usize, next: &str) -> Reply {
    let task = json!({
        "InvokeId": format!("t-{n}"),
        "CreationTime": "2026-01-01T00:00:00Z",
        "RepeatMode": "Once",
        "InvocationStatus": "Success",
        "Tags": {"Tag": [
            {"TagKey": "assistctl:stack", "TagValue": "shop"},
            {"TagKey": "assistctl:name", "TagValue": "greet"},
        ]},
    });
    Reply::json(json!({
        "RequestId": format!("R-{n}"),
        "NextToken": next,
        "MaxResults": 50,
        "Invocations": {"Invocation": [task]},
    }))
}

/// Pages 0, 1, 2, ... whose tokens are `tokens[i]` (the last one empty ends the list).
async fn server(tokens: &'static [&'static str]) -> FakeServer {
    FakeServer::start(move |_, i| page(i, tokens.get(i).copied().unwrap_or(""))).await
}

fn ids(items: &[assistctl::cloud::ops::invocations::Invocation]) -> Vec<&str> {
    items.iter().map(|t| t.invoke_id.as_str()).collect()
}

#[tokio::test]
async fn every_page_is_read_to_the_end_and_each_read_counted() {
    let server = server(&["tok-1", "tok-2", ""]).await;
    let client = client_for(&server).build().unwrap();
    let reads = Reads::default();
    let items = pagination::all(&client, DescribeInvocationsRequest::default(), &reads)
        .await
        .unwrap();
    assert_eq!(ids(&items), ["t-0", "t-1", "t-2"]);
    assert_eq!(reads.get(), 3);
    let sent: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.param("NextToken").map(str::to_string))
        .collect();
    assert_eq!(sent, [None, Some("tok-1".into()), Some("tok-2".into())]);
}

#[tokio::test]
async fn a_next_token_answered_twice_is_an_error_not_the_end_of_the_list() {
    // The second page hands back the token the first one gave: following it would loop,
    // and stopping would take two tasks for all of them.
    let server = server(&["tok-1", "tok-1", "tok-3", ""]).await;
    let client = client_for(&server).build().unwrap();
    let reads = Reads::default();
    let err = pagination::all(&client, DescribeInvocationsRequest::default(), &reads)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("DescribeInvocations")
            && msg.contains("NextToken \"tok-1\" twice after 2 items")
            && msg.contains("incomplete"),
        "{msg}"
    );
    // It stops at the repeat: the third page is never asked for.
    assert_eq!(server.count(), 2);
    assert_eq!(reads.get(), 2);
}

#[tokio::test]
async fn the_owned_tasks_a_plan_reads_fail_rather_than_come_back_truncated() {
    let server = server(&["tok-1", "tok-1"]).await;
    let client = client_for(&server).build().unwrap();
    let r = assistctl::reconcile::read_tasks(
        &client,
        "shop",
        &["cn-hangzhou".into()],
        &Reads::default(),
    )
    .await;
    let err = r.expect_err("a truncated list of owned tasks must not be returned");
    assert!(err.to_string().contains("twice"), "{err}");
    // The stack's tag filter went with every page.
    for req in server.requests() {
        let filter: Value = json!(req.param("Tag.1.Key"));
        assert_eq!(filter, json!("assistctl:stack"), "{req:?}");
    }
}
