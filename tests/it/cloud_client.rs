//! The client against a local fake ECS endpoint: signing on the wire, retries, errors,
//! ClientToken idempotency, parameter flattening and response parsing.

use crate::cloud_common;

use std::collections::BTreeMap;
use std::time::Duration;

use assistctl::cloud::ops::*;
use assistctl::cloud::retry::RetryConfig;
use assistctl::cloud::{ClientBuilder, Error, SignatureVersion, StaticCredentials};
use cloud_common::*;
use serde_json::json;

fn create_request() -> CreateCommandRequest {
    CreateCommandRequest {
        name: "backup app data".into(),
        command_type: "RunShellScript".into(),
        command_content: "ZWNobyBoZWxsbw==".into(),
        description: Some("Archive a file to /backup: a*b ~x 100% & 中文 é".into()),
        enable_parameter: Some(true),
        tags: vec![Tag::new("assistctl:stack", "ops")],
        ..Default::default()
    }
}

#[tokio::test]
async fn v3_requests_are_signed_as_the_server_verifies_them() {
    let server =
        FakeServer::start(|_, _| Reply::json(json!({"RequestId": "R1", "CommandId": "c-1"}))).await;
    let client = client_for(&server).build().unwrap();
    let resp = client.create_command(&create_request()).await.unwrap();
    assert_eq!(resp.command_id, "c-1");
    let r = &server.requests()[0];
    verify_v3(r, AK, SECRET).unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/");
    assert!(r.body.is_empty());
    assert_eq!(r.header("x-acs-action"), Some("CreateCommand"));
    assert_eq!(r.header("x-acs-version"), Some("2014-05-26"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("x-acs-security-token"), None);
    assert_eq!(r.param("RegionId"), Some("cn-hangzhou"));
    assert_eq!(
        r.param("Description"),
        Some("Archive a file to /backup: a*b ~x 100% & 中文 é")
    );
    assert_eq!(r.param("EnableParameter"), Some("true"));
    assert_eq!(r.param("Tag.1.Key"), Some("assistctl:stack"));
    assert_eq!(
        r.param("Action"),
        None,
        "V3 sends the action as a header only"
    );
}

#[tokio::test]
async fn v3_with_sts_token_signs_the_token_header() {
    let server = FakeServer::start(|_, _| ok("R")).await;
    let client = client_for(&server)
        .credentials(StaticCredentials::new(AK, SECRET).with_security_token("CAIS-sts-token+/="))
        .build()
        .unwrap();
    client
        .delete_command(&DeleteCommandRequest {
            command_id: "c-1".into(),
        })
        .await
        .unwrap();
    let r = &server.requests()[0];
    verify_v3(r, AK, SECRET).unwrap();
    assert_eq!(r.header("x-acs-security-token"), Some("CAIS-sts-token+/="));
    let signed = r.header("authorization").unwrap();
    assert!(signed.contains("x-acs-security-token"), "{signed}");
}

#[tokio::test]
async fn v1_requests_carry_common_params_and_verify() {
    let server = FakeServer::start(|_, _| {
        Reply::json(json!({"RequestId": "R1", "InvokeId": "t-1", "CommandId": "c-9"}))
    })
    .await;
    let client = client_for(&server)
        .signature_version(SignatureVersion::V1)
        .credentials(StaticCredentials::new(AK, SECRET).with_security_token("tok en"))
        .build()
        .unwrap();
    let resp = client
        .run_command(&RunCommandRequest {
            command_type: "RunShellScript".into(),
            command_content: "echo \"hello world\" {{name}} ~/a*b".into(),
            content_encoding: Some("PlainText".into()),
            instance_ids: vec!["i-a".into(), "i-b".into()],
            parameters: Some(BTreeMap::from([("name".into(), "Jack + Jill".into())])),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (resp.invoke_id.as_str(), resp.command_id.as_str()),
        ("t-1", "c-9")
    );
    let r = &server.requests()[0];
    verify_v1(r, SECRET).unwrap();
    assert_eq!(r.method, "POST");
    for (k, v) in [
        ("Action", "RunCommand"),
        ("Version", "2014-05-26"),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("AccessKeyId", AK),
        ("SecurityToken", "tok en"),
        ("InstanceId.2", "i-b"),
        ("Parameters", r#"{"name":"Jack + Jill"}"#),
        ("CommandContent", "echo \"hello world\" {{name}} ~/a*b"),
    ] {
        assert_eq!(r.param(k), Some(v), "{k}");
    }
    assert!(r.param("SignatureNonce").is_some_and(|n| !n.is_empty()));
    assert!(r.param("Timestamp").is_some_and(|t| t.ends_with('Z')));
    assert!(r.header("authorization").is_none());
    // On the wire spaces are %20 and '*' is %2A, exactly the signed encoding.
    assert!(
        r.raw_query
            .contains("CommandContent=echo%20%22hello%20world%22%20%7B%7Bname%7D%7D%20~%2Fa%2Ab"),
        "{}",
        r.raw_query
    );
}

#[tokio::test]
async fn retries_503_then_succeeds_with_fresh_nonces() {
    let server = FakeServer::start(|_, i| match i {
        0 | 1 => Reply::error(503, "ServiceUnavailable", &format!("R{i}")),
        _ => ok("R-ok"),
    })
    .await;
    let client = client_for(&server).build().unwrap();
    client
        .delete_command(&DeleteCommandRequest {
            command_id: "c-1".into(),
        })
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    let nonces: std::collections::BTreeSet<_> = reqs
        .iter()
        .map(|r| r.header("x-acs-signature-nonce").unwrap().to_owned())
        .collect();
    assert_eq!(nonces.len(), 3, "every attempt is signed with a new nonce");
    for r in &reqs {
        verify_v3(r, AK, SECRET).unwrap();
    }
}

#[tokio::test]
async fn retries_throttling_honouring_retry_after() {
    let server = FakeServer::start(|_, i| match i {
        0 => Reply::error(400, "Throttling.User", "R0").with_header("x-acs-retry-after", "0"),
        1 => Reply::error(400, "Throttling", "R1"),
        _ => ok("R-ok"),
    })
    .await;
    let client = client_for(&server).build().unwrap();
    client
        .delete_command(&DeleteCommandRequest {
            command_id: "c-1".into(),
        })
        .await
        .unwrap();
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn throttles_do_not_use_up_the_attempts_of_server_errors() {
    // Two attempts for server errors, yet six throttles and one 503 are seen through.
    let server = FakeServer::start(|_, i| match i {
        0..=2 | 4..=6 => Reply::error(400, "Throttling.User", &format!("R{i}")),
        3 => Reply::error(503, "ServiceUnavailable", "R3"),
        _ => ok("R-ok"),
    })
    .await;
    let client = client_for(&server).retry(fast_retry(2)).build().unwrap();
    client
        .delete_command(&DeleteCommandRequest {
            command_id: "c-1".into(),
        })
        .await
        .unwrap();
    assert_eq!(server.count(), 8);
}

#[tokio::test]
async fn gives_up_after_the_throttle_bound_with_the_last_error() {
    let server =
        FakeServer::start(|_, i| Reply::error(400, "Throttling.User", &format!("R{}", i + 1)))
            .await;
    let client = client_for(&server)
        .retry(RetryConfig {
            max_throttles: 3,
            ..fast_retry(5)
        })
        .build()
        .unwrap();
    let err = client
        .delete_command(&DeleteCommandRequest {
            command_id: "c-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(server.count(), 4);
    assert_eq!(err.code(), Some("Throttling.User"));
    assert_eq!(err.request_id(), Some("R4"));
}

#[tokio::test]
async fn throttling_wait_beyond_the_budget_gives_up_at_once() {
    let server = FakeServer::start(|_, _| {
        Reply::error(400, "Throttling.Api", "R").with_header("x-acs-retry-after", "30")
    })
    .await;
    let client = client_for(&server)
        .retry(RetryConfig {
            max_elapsed: Duration::from_secs(5),
            ..fast_retry(4)
        })
        .build()
        .unwrap();
    let err = client
        .delete_command(&DeleteCommandRequest {
            command_id: "c".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Throttling.Api"));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn does_not_retry_a_400() {
    let server =
        FakeServer::start(|_, _| Reply::error(400, "InvalidParameter.WorkingDir", "BAD-1")).await;
    let client = client_for(&server).build().unwrap();
    let err = client.create_command(&create_request()).await.unwrap_err();
    assert_eq!(server.count(), 1);
    let api = err.api().expect("an API error");
    assert_eq!(api.code, "InvalidParameter.WorkingDir");
    assert_eq!(api.request_id, "BAD-1");
    assert_eq!(api.http_status, 400);
    assert_eq!(api.host_id, "ecs-cn-hangzhou.aliyuncs.com");
    assert!(api.recommend.contains("requestId=BAD-1"));
    assert!(!err.is_retryable());
    assert!(
        err.to_string()
            .contains("CreateCommand failed: InvalidParameter.WorkingDir"),
        "{err}"
    );
}

#[tokio::test]
async fn gives_up_after_the_attempt_bound_with_the_last_error() {
    let server =
        FakeServer::start(|_, i| Reply::error(500, "InternalError", &format!("REQ-{}", i + 1)))
            .await;
    let client = client_for(&server).retry(fast_retry(3)).build().unwrap();
    let err = client
        .describe_commands(&DescribeCommandsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(server.count(), 3);
    assert_eq!(err.code(), Some("InternalError"));
    assert_eq!(err.request_id(), Some("REQ-3"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn non_json_5xx_is_retried_and_reported_by_status() {
    let server = FakeServer::start(|_, _| Reply::text(502, "<html>bad gateway</html>")).await;
    let client = client_for(&server).retry(fast_retry(2)).build().unwrap();
    let err = client
        .describe_commands(&DescribeCommandsRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { status: 502, .. }), "{err:?}");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = ClientBuilder::new()
        .region("cn-hangzhou")
        .endpoint(format!("http://{addr}"))
        .credentials(StaticCredentials::new(AK, SECRET))
        .retry(fast_retry(2))
        .build()
        .unwrap();
    let err = client
        .describe_commands(&DescribeCommandsRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                retryable: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains(AK));
}

#[tokio::test]
async fn client_token_is_stable_across_retries_and_new_per_call() {
    let server = FakeServer::start(|_, i| match i {
        0 | 1 => Reply::error(503, "ServiceUnavailable", "R"),
        _ => Reply::json(json!({"RequestId": "R", "CommandId": "c-1", "InvokeId": "t-1"})),
    })
    .await;
    let client = client_for(&server).build().unwrap();
    client.create_command(&create_request()).await.unwrap();
    let tokens: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.param("ClientToken").unwrap().to_owned())
        .collect();
    assert_eq!(tokens.len(), 3);
    assert!(!tokens[0].is_empty() && tokens[0].len() <= 64 && tokens[0].is_ascii());
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");

    client
        .invoke_command(&InvokeCommandRequest {
            command_id: "c-1".into(),
            instance_ids: vec!["i-1".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let next = server.requests()[3]
        .param("ClientToken")
        .unwrap()
        .to_owned();
    assert_ne!(next, tokens[0], "a new logical call gets a new token");

    let given = RunCommandRequest {
        command_type: "RunShellScript".into(),
        command_content: "ls".into(),
        client_token: Some("stack-ops-abc".into()),
        ..Default::default()
    };
    client.run_command(&given).await.unwrap();
    assert_eq!(
        server.requests()[4].param("ClientToken"),
        Some("stack-ops-abc")
    );
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused() {
    let err = ClientBuilder::new()
        .region("cn-hangzhou")
        .endpoint("http://ecs-cn-hangzhou.aliyuncs.com")
        .credentials(StaticCredentials::new(AK, SECRET))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert!(err.to_string().contains("loopback"), "{err}");
    let err = ClientBuilder::new()
        .credentials(StaticCredentials::new(AK, SECRET))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("no region"), "{err}");
}

/// Every operation sends its action and flattened parameters, and parses its answer.
#[tokio::test]
async fn every_operation_round_trips() {
    let server = FakeServer::start(|r, _| {
        let body = match r.action().unwrap_or_default() {
            "CreateCommand" => json!({"RequestId": "R", "CommandId": "c-1"}),
            "InvokeCommand" => json!({"RequestId": "R", "InvokeId": "t-1"}),
            "RunCommand" => json!({"RequestId": "R", "CommandId": "c-2", "InvokeId": "t-2"}),
            "ModifyInvocationAttribute" => json!({"RequestId": "R", "CommandId": "c-3"}),
            "DescribeCommands" => json!({"RequestId": "R", "TotalCount": 1, "Commands": {"Command": [{"CommandId": "c-1", "Timeout": "30"}]}}),
            "DescribeInvocations" => json!({"RequestId": "R", "Invocations": {"Invocation": [{"InvokeId": "t-1", "Parameters": {"a": "b"}}]}}),
            "DescribeInvocationResults" => json!({"RequestId": "R", "Invocation": {"InvocationResults": {"InvocationResult": [{"InvokeId": "t-1", "ExitCode": "3"}]}}}),
            "DescribeInstances" => json!({"RequestId": "R", "Instances": {"Instance": [{"InstanceId": "i-1", "OSType": "linux"}]}}),
            "DescribeManagedInstances" => json!({"RequestId": "R", "Instances": [{"InstanceId": "mi-1", "Connected": "true"}]}),
            "DescribeCloudAssistantStatus" => json!({"RequestId": "R", "InstanceCloudAssistantStatusSet": {"InstanceCloudAssistantStatus": [{"InstanceId": "i-1", "CloudAssistantStatus": "true"}]}}),
            "ListTagResources" => json!({"RequestId": "R", "TagResources": {"TagResource": [{"ResourceId": "c-1", "TagKey": "k", "TagValue": "v"}]}}),
            "DescribeAccountAttributes" => json!({"RequestId": "R", "AccountAttributeItems": {"AccountAttributeItem": [{"AttributeName": "max-axt-command-count", "AttributeValues": {"ValueItem": [{"Value": "500"}]}}]}}),
            _ => json!({"RequestId": "R"}),
        };
        Reply::json(body)
    })
    .await;
    let c = client_for(&server).build().unwrap();
    assert_eq!(
        c.create_command(&create_request())
            .await
            .unwrap()
            .command_id,
        "c-1"
    );
    c.modify_command(&ModifyCommandRequest {
        command_id: "c-1".into(),
        timeout: Some(90),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        c.describe_commands(&DescribeCommandsRequest::default())
            .await
            .unwrap()
            .commands[0]
            .timeout,
        30
    );
    c.delete_command(&DeleteCommandRequest {
        command_id: "c-1".into(),
    })
    .await
    .unwrap();
    let invoke = InvokeCommandRequest {
        command_id: "c-1".into(),
        resource_tags: vec![Tag::new("env", "prod")],
        repeat_mode: Some("Period".into()),
        frequency: Some("0 0 2 ? * * Asia/Shanghai".into()),
        parameters: Some(BTreeMap::from([("file".into(), "/app data".into())])),
        ..Default::default()
    };
    assert_eq!(c.invoke_command(&invoke).await.unwrap().invoke_id, "t-1");
    assert_eq!(
        c.run_command(&RunCommandRequest {
            command_type: "RunShellScript".into(),
            command_content: "ls".into(),
            keep_command: Some(false),
            ..Default::default()
        })
        .await
        .unwrap()
        .invoke_id,
        "t-2"
    );
    assert_eq!(
        c.modify_invocation_attribute(&ModifyInvocationAttributeRequest {
            invoke_id: "t-1".into(),
            frequency: Some("rate(5m)".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .command_id,
        "c-3"
    );
    assert_eq!(
        c.describe_invocations(&DescribeInvocationsRequest::default())
            .await
            .unwrap()
            .invocations[0]
            .parameters,
        r#"{"a":"b"}"#
    );
    assert_eq!(
        c.describe_invocation_results(&DescribeInvocationResultsRequest::default())
            .await
            .unwrap()
            .invocation
            .invocation_results[0]
            .exit_code,
        3
    );
    c.stop_invocation(&StopInvocationRequest {
        invoke_id: "t-1".into(),
        instance_ids: vec!["i-1".into()],
    })
    .await
    .unwrap();
    let instances = DescribeInstancesRequest {
        instance_ids: vec!["i-1".into(), "i-2".into()],
        ..Default::default()
    };
    assert_eq!(
        c.describe_instances(&instances).await.unwrap().instances[0].os_type,
        "linux"
    );
    assert!(
        c.describe_managed_instances(&DescribeManagedInstancesRequest {
            connected: Some(true),
            ..Default::default()
        })
        .await
        .unwrap()
        .instances[0]
            .connected
    );
    assert!(
        c.describe_cloud_assistant_status(&DescribeCloudAssistantStatusRequest::default())
            .await
            .unwrap()
            .statuses[0]
            .cloud_assistant_status
    );
    c.tag_resources(&TagResourcesRequest {
        resource_type: "command".into(),
        resource_ids: vec!["c-1".into()],
        tags: vec![Tag::new("k", "v")],
    })
    .await
    .unwrap();
    c.untag_resources(&UntagResourcesRequest {
        resource_type: "command".into(),
        resource_ids: vec!["c-1".into()],
        all: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        c.list_tag_resources(&ListTagResourcesRequest {
            resource_type: "command".into(),
            resource_ids: vec!["c-1".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .tag_resources[0]
            .tag_value,
        "v"
    );
    let quota = c
        .describe_account_attributes(&DescribeAccountAttributesRequest {
            attribute_names: vec![MAX_COMMAND_COUNT.into()],
        })
        .await
        .unwrap();
    assert_eq!(quota.value_of(MAX_COMMAND_COUNT), Some(500));

    let reqs = server.requests();
    let actions: Vec<&str> = reqs.iter().map(|r| r.action().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "CreateCommand",
            "ModifyCommand",
            "DescribeCommands",
            "DeleteCommand",
            "InvokeCommand",
            "RunCommand",
            "ModifyInvocationAttribute",
            "DescribeInvocations",
            "DescribeInvocationResults",
            "StopInvocation",
            "DescribeInstances",
            "DescribeManagedInstances",
            "DescribeCloudAssistantStatus",
            "TagResources",
            "UntagResources",
            "ListTagResources",
            "DescribeAccountAttributes",
        ]
    );
    for r in &reqs {
        verify_v3(r, AK, SECRET).unwrap();
        assert_eq!(r.param("RegionId"), Some("cn-hangzhou"));
    }
    let by_action = |a: &str| reqs.iter().find(|r| r.action() == Some(a)).unwrap();
    let inv = by_action("InvokeCommand");
    assert_eq!(inv.param("ResourceTag.1.Key"), Some("env"));
    assert_eq!(inv.param("Parameters"), Some(r#"{"file":"/app data"}"#));
    assert_eq!(inv.param("Frequency"), Some("0 0 2 ? * * Asia/Shanghai"));
    assert_eq!(by_action("ModifyCommand").param("Timeout"), Some("90"));
    assert_eq!(by_action("RunCommand").param("KeepCommand"), Some("false"));
    assert_eq!(
        by_action("DescribeInstances").param("InstanceIds"),
        Some(r#"["i-1","i-2"]"#)
    );
    assert_eq!(
        by_action("DescribeManagedInstances").param("Connected"),
        Some("true")
    );
    assert_eq!(
        by_action("StopInvocation").param("InstanceId.1"),
        Some("i-1")
    );
    assert_eq!(by_action("UntagResources").param("All"), Some("true"));
    assert_eq!(
        by_action("DescribeAccountAttributes").param("AttributeName.1"),
        Some("max-axt-command-count")
    );
}

#[tokio::test]
async fn with_region_shares_the_client_but_changes_region_id() {
    let server = FakeServer::start(|_, _| ok("R")).await;
    let c = client_for(&server).build().unwrap();
    let other = c.with_region("cn-shanghai").unwrap();
    assert_eq!(other.region(), "cn-shanghai");
    other
        .delete_command(&DeleteCommandRequest {
            command_id: "c".into(),
        })
        .await
        .unwrap();
    assert_eq!(server.requests()[0].param("RegionId"), Some("cn-shanghai"));
    assert!(c.with_region("Not A Region").is_err());
}

#[tokio::test]
async fn a_non_json_success_body_is_a_decode_error() {
    let server = FakeServer::start(|_, _| Reply::text(200, "<DeleteCommandResponse/>")).await;
    let c = client_for(&server).build().unwrap();
    let err = c
        .delete_command(&DeleteCommandRequest {
            command_id: "c".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(server.count(), 1);
}
