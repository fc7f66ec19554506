//! List streams follow every page to the end, at the largest page size, returning each item
//! exactly once, in both paging styles.

use crate::cloud_common;

use std::collections::BTreeSet;

use assistctl::cloud::ops::*;
use assistctl::cloud::{Error, PagingStyle};
use cloud_common::*;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

const TOTAL: usize = 1000;

/// The slice of `TOTAL` items a request asks for, in either style, and the paging fields of
/// the answer.
fn page_of(r: &Recorded, default_size: usize) -> (std::ops::Range<usize>, Value) {
    if let Some(page) = r.param("PageNumber") {
        let page: usize = page.parse().unwrap();
        let size: usize = r.param("PageSize").unwrap().parse().unwrap();
        let start = ((page - 1) * size).min(TOTAL);
        let end = (start + size).min(TOTAL);
        (
            start..end,
            json!({"TotalCount": TOTAL, "PageNumber": page, "PageSize": size}),
        )
    } else {
        let size: usize = r
            .param("MaxResults")
            .map_or(default_size, |m| m.parse().unwrap());
        let start: usize = r
            .param("NextToken")
            .map_or(0, |t| t.strip_prefix("tok-").unwrap().parse().unwrap());
        let end = (start + size).min(TOTAL);
        let next = if end < TOTAL {
            format!("tok-{end}")
        } else {
            String::new()
        };
        (
            start..end,
            json!({"TotalCount": TOTAL, "MaxResults": size, "NextToken": next}),
        )
    }
}

fn merge(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn assert_each_once(ids: &[String], prefix: &str) {
    assert_eq!(ids.len(), TOTAL);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), TOTAL, "an item came twice");
    for i in 0..TOTAL {
        assert!(
            unique.contains(&format!("{prefix}{i}")),
            "{prefix}{i} missing"
        );
    }
}

#[tokio::test]
async fn describe_commands_follows_next_token_at_page_size_50() {
    let server = FakeServer::start(|r, _| {
        let (range, paging) = page_of(r, 10);
        let commands: Vec<Value> = range
            .map(|i| json!({"CommandId": format!("c-{i}")}))
            .collect();
        Reply::json(merge(
            json!({"RequestId": "R", "Commands": {"Command": commands}}),
            paging,
        ))
    })
    .await;
    let client = client_for(&server).build().unwrap();
    let ids: Vec<String> = client
        .describe_commands_all(DescribeCommandsRequest {
            name: Some("app-*".into()),
            ..Default::default()
        })
        .map_ok(|c| c.command_id)
        .try_collect()
        .await
        .unwrap();
    assert_each_once(&ids, "c-");
    let reqs = server.requests();
    assert_eq!(reqs.len(), TOTAL / 50);
    assert!(
        reqs.iter()
            .all(|r| r.param("MaxResults") == Some("50") && r.param("Name") == Some("app-*"))
    );
    assert!(reqs.iter().all(|r| r.param("PageNumber").is_none()));
    assert_eq!(reqs[0].param("NextToken"), None);
    assert_eq!(reqs[1].param("NextToken"), Some("tok-50"));
}

#[tokio::test]
async fn describe_invocations_follows_page_numbers() {
    let server = FakeServer::start(|r, _| {
        let (range, paging) = page_of(r, 10);
        let items: Vec<Value> = range
            .map(|i| json!({"InvokeId": format!("t-{i}")}))
            .collect();
        Reply::json(merge(
            json!({"RequestId": "R", "Invocations": {"Invocation": items}}),
            paging,
        ))
    })
    .await;
    let client = client_for(&server)
        .paging(PagingStyle::PageNumber)
        .build()
        .unwrap();
    let ids: Vec<String> = client
        .describe_invocations_all(DescribeInvocationsRequest::default())
        .map_ok(|i| i.invoke_id)
        .try_collect()
        .await
        .unwrap();
    assert_each_once(&ids, "t-");
    let reqs = server.requests();
    assert_eq!(reqs.len(), TOTAL / 50);
    let pages: Vec<&str> = reqs
        .iter()
        .map(|r| r.param("PageNumber").unwrap())
        .collect();
    assert_eq!(pages.first(), Some(&"1"));
    assert_eq!(pages.last(), Some(&"20"));
    assert!(
        reqs.iter()
            .all(|r| r.param("PageSize") == Some("50") && r.param("NextToken").is_none())
    );
}

#[tokio::test]
async fn describe_invocation_results_reads_paging_inside_invocation() {
    let server = FakeServer::start(|r, _| {
        let (range, paging) = page_of(r, 10);
        let items: Vec<Value> = range.map(|i| json!({"InvokeId": "t-1", "InstanceId": format!("i-{i}")})).collect();
        Reply::json(json!({"RequestId": "R", "Invocation": merge(json!({"InvocationResults": {"InvocationResult": items}}), paging)}))
    })
    .await;
    let client = client_for(&server).build().unwrap();
    let ids: Vec<String> = client
        .describe_invocation_results_all(DescribeInvocationResultsRequest {
            invoke_id: Some("t-1".into()),
            ..Default::default()
        })
        .map_ok(|r| r.instance_id)
        .try_collect()
        .await
        .unwrap();
    assert_each_once(&ids, "i-");
    assert_eq!(server.count(), TOTAL / 50);
}

#[tokio::test]
async fn describe_instances_uses_page_size_100_in_both_styles() {
    let server = FakeServer::start(|r, _| {
        let (range, paging) = page_of(r, 10);
        let items: Vec<Value> = range
            .map(|i| json!({"InstanceId": format!("i-{i}")}))
            .collect();
        Reply::json(merge(
            json!({"RequestId": "R", "Instances": {"Instance": items}}),
            paging,
        ))
    })
    .await;
    let client = client_for(&server).build().unwrap();
    let ids: Vec<String> = client
        .describe_instances_all(DescribeInstancesRequest::default())
        .map_ok(|i| i.instance_id)
        .try_collect()
        .await
        .unwrap();
    assert_each_once(&ids, "i-");
    assert_eq!(server.count(), 10);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.param("MaxResults") == Some("100"))
    );

    let by_number = client_for(&server)
        .paging(PagingStyle::PageNumber)
        .build()
        .unwrap();
    let ids: Vec<String> = by_number
        .describe_instances_all(DescribeInstancesRequest::default())
        .map_ok(|i| i.instance_id)
        .try_collect()
        .await
        .unwrap();
    assert_each_once(&ids, "i-");
    assert_eq!(server.count(), 20);
    assert!(
        server.requests()[10..]
            .iter()
            .all(|r| r.param("PageSize") == Some("100"))
    );
}

#[tokio::test]
async fn managed_instances_and_assistant_status_stream_too() {
    let server = FakeServer::start(|r, _| {
        let (range, paging) = page_of(r, 10);
        let body = match r.action().unwrap() {
            "DescribeManagedInstances" => json!({"RequestId": "R", "Instances": range.map(|i| json!({"InstanceId": format!("mi-{i}")})).collect::<Vec<_>>()}),
            _ => json!({"RequestId": "R", "InstanceCloudAssistantStatusSet": {"InstanceCloudAssistantStatus": range.map(|i| json!({"InstanceId": format!("i-{i}"), "CloudAssistantStatus": "true"})).collect::<Vec<_>>()}}),
        };
        Reply::json(merge(body, paging))
    })
    .await;
    let client = client_for(&server).build().unwrap();
    let ids: Vec<String> = client
        .describe_managed_instances_all(DescribeManagedInstancesRequest::default())
        .map_ok(|i| i.instance_id)
        .try_collect()
        .await
        .unwrap();
    assert_each_once(&ids, "mi-");
    let statuses: Vec<_> = client
        .describe_cloud_assistant_status_all(DescribeCloudAssistantStatusRequest::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(statuses.len(), TOTAL);
    assert!(statuses.iter().all(|s| s.cloud_assistant_status));
}

#[tokio::test]
async fn list_tag_resources_pages_by_token_only_even_in_page_number_mode() {
    let server = FakeServer::start(|r, _| {
        assert!(r.param("MaxResults").is_none() && r.param("PageNumber").is_none());
        let (range, paging) = page_of(r, 50);
        let items: Vec<Value> = range.map(|i| json!({"ResourceId": format!("c-{i}"), "ResourceType": "command", "TagKey": "assistctl:stack", "TagValue": "ops"})).collect();
        Reply::json(json!({"RequestId": "R", "NextToken": paging["NextToken"], "TagResources": {"TagResource": items}}))
    })
    .await;
    let client = client_for(&server)
        .paging(PagingStyle::PageNumber)
        .build()
        .unwrap();
    let ids: Vec<String> = client
        .list_tag_resources_all(ListTagResourcesRequest {
            resource_type: "command".into(),
            tags: vec![Tag::new("assistctl:stack", "ops")],
            ..Default::default()
        })
        .map_ok(|t| t.resource_id)
        .try_collect()
        .await
        .unwrap();
    assert_each_once(&ids, "c-");
    assert_eq!(server.count(), TOTAL / 50);
}

#[tokio::test]
async fn a_repeated_next_token_is_an_error_not_a_loop() {
    let server = FakeServer::start(|_, _| Reply::json(json!({"RequestId": "R", "NextToken": "same", "Commands": {"Command": [{"CommandId": "c-1"}]}}))).await;
    let client = client_for(&server).build().unwrap();
    let results: Vec<_> = client
        .describe_commands_all(DescribeCommandsRequest::default())
        .collect()
        .await;
    // The first page's item, then the error (the repeated page is not yielded again).
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().unwrap().command_id, "c-1");
    assert!(matches!(results.last(), Some(Err(Error::Decode { .. }))));
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn an_error_mid_stream_ends_the_stream_with_it() {
    let server = FakeServer::start(|r, i| {
        if i == 2 {
            return Reply::error(403, "Forbidden.RAM", "R-forbidden");
        }
        let (range, paging) = page_of(r, 10);
        let commands: Vec<Value> = range
            .map(|i| json!({"CommandId": format!("c-{i}")}))
            .collect();
        Reply::json(merge(
            json!({"RequestId": "R", "Commands": {"Command": commands}}),
            paging,
        ))
    })
    .await;
    let client = client_for(&server).build().unwrap();
    let err = client
        .describe_commands_all(DescribeCommandsRequest::default())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Forbidden.RAM"));
    assert_eq!(server.count(), 3);
}
