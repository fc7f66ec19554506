//! The emulator over HTTP with hand-signed V1 requests: each test is a claim about the
//! service's behaviour (reference §1–§3).

use crate::emu_common;

use emu_common::{Api, Opts, REGION, b64, start};
use serde_json::Value;

async fn create(api: &Api, name: &str, extra: &[(&str, &str)]) -> String {
    let content = b64("echo hello");
    let mut p = vec![
        ("Name", name),
        ("Type", "RunShellScript"),
        ("CommandContent", content.as_str()),
    ];
    p.extend_from_slice(extra);
    let body = api.r("CreateCommand", &p).await.ok();
    body["CommandId"].as_str().unwrap().to_string()
}

fn commands(body: &Value) -> Vec<Value> {
    body["Commands"]["Command"].as_array().unwrap().clone()
}

#[tokio::test]
async fn command_lifecycle_create_describe_modify_delete() {
    let (_emu, api) = start(|_| {}).await;
    let content = b64("#!/bin/sh\necho {{ file }} {{Dir}} {{ACS::InstanceId}}");
    let body = api
        .r(
            "CreateCommand",
            &[
                ("Name", "backup"),
                ("Type", "RunShellScript"),
                ("CommandContent", &content),
                ("Description", "Archive a file"),
                ("WorkingDir", "/home"),
                ("Timeout", "5"),
                ("EnableParameter", "True"),
                ("Launcher", "sh {{ACS::ScriptFileName}}"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "prod"),
                ("Tag.2.Key", "team"),
            ],
        )
        .await
        .ok();
    let id = body["CommandId"].as_str().unwrap().to_string();
    assert!(id.starts_with("c-hz0") && id.len() == 17, "{id}");

    let body = api.r("DescribeCommands", &[("CommandId", &id)]).await.ok();
    let c = &commands(&body)[0];
    assert_eq!(c["Name"], "backup");
    assert_eq!(c["Type"], "RunShellScript");
    assert_eq!(c["CommandContent"], content.as_str());
    assert_eq!(c["Description"], "Archive a file");
    assert_eq!(c["WorkingDir"], "/home");
    assert_eq!(c["Timeout"], 10, "a timeout below 10 is raised to 10");
    assert_eq!(c["EnableParameter"], true);
    assert_eq!(c["InvokeTimes"], 0);
    assert_eq!(
        c["ParameterNames"]["ParameterName"],
        serde_json::json!(["file", "Dir"])
    );
    assert_eq!(
        c["Tags"]["Tag"],
        serde_json::json!([{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": ""}])
    );
    assert!(c["CreationTime"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["TotalCount"], 1);

    let plain = api
        .r(
            "DescribeCommands",
            &[("CommandId", &id), ("ContentEncoding", "PlainText")],
        )
        .await
        .ok();
    assert!(
        commands(&plain)[0]["CommandContent"]
            .as_str()
            .unwrap()
            .starts_with("#!/bin/sh")
    );

    api.r(
        "ModifyCommand",
        &[
            ("CommandId", &id),
            ("Name", "backup-v2"),
            ("Timeout", "120"),
            ("CommandContent", &b64("rm -rf /")),
        ],
    )
    .await
    .ok();
    let c = &commands(&api.r("DescribeCommands", &[("CommandId", &id)]).await.ok())[0];
    assert_eq!(c["Name"], "backup-v2");
    assert_eq!(c["Timeout"], 120);
    assert_eq!(
        c["CommandContent"],
        content.as_str(),
        "ModifyCommand ignores CommandContent"
    );

    api.r("DeleteCommand", &[("CommandId", &id)]).await.ok();
    api.r("DeleteCommand", &[("CommandId", &id)])
        .await
        .err(404, "InvalidCmdId.NotFound");
    api.r("ModifyCommand", &[("CommandId", &id), ("Name", "x")])
        .await
        .err(404, "InvalidCmdId.NotFound");
    let body = api.r("DescribeCommands", &[]).await.ok();
    assert_eq!(body["TotalCount"], 0);
}

#[tokio::test]
async fn parameter_names_are_empty_without_enable_parameter() {
    let (_emu, api) = start(|_| {}).await;
    let content = b64("echo {{name}}");
    let body = api
        .r(
            "CreateCommand",
            &[
                ("Name", "n"),
                ("Type", "RunShellScript"),
                ("CommandContent", &content),
            ],
        )
        .await
        .ok();
    let id = body["CommandId"].as_str().unwrap();
    let c = &commands(&api.r("DescribeCommands", &[("CommandId", id)]).await.ok())[0];
    assert_eq!(c["EnableParameter"], false);
    assert_eq!(c["ParameterNames"]["ParameterName"], serde_json::json!([]));
}

#[tokio::test]
async fn create_command_validation_codes() {
    let (_emu, api) = start(|_| {}).await;
    let ok = b64("echo");
    let base = |extra: Vec<(&'static str, String)>| {
        let mut v: Vec<(&'static str, String)> = vec![
            ("Name", "n".into()),
            ("Type", "RunShellScript".into()),
            ("CommandContent", ok.clone()),
        ];
        for (k, val) in extra {
            v.retain(|(x, _)| *x != k);
            v.push((k, val));
        }
        v
    };
    type Case = (Vec<(&'static str, String)>, u16, &'static str);
    let cases: Vec<Case> = vec![
        (
            base(vec![("Type", "RunRubyScript".into())]),
            404,
            "InvalidCmdType.NotFound",
        ),
        (
            base(vec![("Name", "n".repeat(129))]),
            403,
            "CmdName.ExceedLimit",
        ),
        (
            base(vec![("Description", "d".repeat(513))]),
            403,
            "CmdDesc.ExceedLimit",
        ),
        (
            base(vec![("WorkingDir", "/".repeat(201))]),
            400,
            "InvalidParameter.WorkingDir",
        ),
        (
            base(vec![("Launcher", "l".repeat(1025))]),
            403,
            "InvalidLauncher.LengthLimitExceeded",
        ),
        (
            base(vec![("Timeout", "86401".into())]),
            403,
            "InvalidTimeout.ExceedLimit",
        ),
        (
            base(vec![("CommandContent", "!!not base64!!".into())]),
            400,
            "CmdContent.DecodeError",
        ),
        (
            base(vec![("CommandContent", b64(&"x".repeat(13_900)))]),
            403,
            "CmdContent.ExceedLimit",
        ),
        (
            base(vec![
                ("CommandContent", b64("echo {{}}")),
                ("EnableParameter", "true".into()),
            ]),
            400,
            "CmdParam.EmptyKey",
        ),
        (
            base(vec![
                ("CommandContent", b64("echo {{a b}}")),
                ("EnableParameter", "true".into()),
            ]),
            400,
            "CmdParam.InvalidParamName",
        ),
        (
            base(vec![
                (
                    "CommandContent",
                    b64(&format!("{{{{{}}}}}", "p".repeat(65))),
                ),
                ("EnableParameter", "true".into()),
            ]),
            403,
            "CmdParamName.ExceedLimit",
        ),
        (
            base(vec![
                (
                    "CommandContent",
                    b64(&(0..21).map(|i| format!("{{{{p{i}}}}}")).collect::<String>()),
                ),
                ("EnableParameter", "true".into()),
            ]),
            403,
            "CmdParamCount.ExceedLimit",
        ),
        (
            base(vec![("Tag.1.Key", "aliyun-x".into())]),
            400,
            "InvalidTagKey.Malformed",
        ),
        (
            base(vec![("Tag.1.Key", "acs:x".into())]),
            400,
            "InvalidTagKey.Malformed",
        ),
        (
            base(vec![
                ("Tag.1.Key", "k".into()),
                ("Tag.1.Value", "https://x".into()),
            ]),
            400,
            "InvalidTagValue.Malformed",
        ),
        (
            base(vec![("Tag.21.Key", "k".into())]),
            400,
            "NumberExceed.Tags",
        ),
        (
            base(vec![("ResourceGroupId", "rg-nope".into())]),
            404,
            "InvalidResourceGroup.NotFound",
        ),
        (
            base(vec![("ClientToken", "t".repeat(65))]),
            400,
            "InvalidClientToken.Malformed",
        ),
        (
            base(vec![("EnableParameter", "maybe".into())]),
            400,
            "InvalidParameter",
        ),
    ];
    for (params, status, code) in cases {
        let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        api.r("CreateCommand", &p).await.err(status, code);
    }
    // Exactly 18 KB of Base64 is fine; 20 parameters are fine.
    let at_limit = "x".repeat(18_432 / 4 * 3);
    assert_eq!(b64(&at_limit).len(), 18_432);
    api.r(
        "CreateCommand",
        &[
            ("Name", "n"),
            ("Type", "RunShellScript"),
            ("CommandContent", &b64(&at_limit)),
        ],
    )
    .await
    .ok();
    api.r(
        "CreateCommand",
        &[("Name", "n"), ("Type", "RunShellScript")],
    )
    .await
    .err(400, "MissingParameter");
    api.call(
        "CreateCommand",
        &[
            ("RegionId", "mars-north-1"),
            ("Name", "n"),
            ("Type", "RunShellScript"),
            ("CommandContent", &ok),
        ],
    )
    .await
    .err(404, "InvalidRegionId.NotFound");
    api.call("CreateCommand", &[("Name", "n")])
        .await
        .err(400, "MissingParameter");
}

#[tokio::test]
async fn command_quota_is_enforced_per_region() {
    let (_emu, api) = start(|c| c.service.command_quota = 2).await;
    create(&api, "a", &[]).await;
    create(&api, "b", &[]).await;
    let content = b64("echo");
    api.r(
        "CreateCommand",
        &[
            ("Name", "c"),
            ("Type", "RunShellScript"),
            ("CommandContent", &content),
        ],
    )
    .await
    .err(403, "CmdCount.ExceedQuota");
    let attrs = api
        .r(
            "DescribeAccountAttributes",
            &[("AttributeName.1", "max-axt-command-count")],
        )
        .await
        .ok();
    let item = &attrs["AccountAttributeItems"]["AccountAttributeItem"][0];
    assert_eq!(item["AttributeName"], "max-axt-command-count");
    assert_eq!(item["AttributeValues"]["ValueItem"][0]["Value"], "2");
    assert_eq!(item["AttributeValues"]["ValueItem"][0]["Count"], 2);
    // Another region has its own count.
    api.call(
        "CreateCommand",
        &[
            ("RegionId", "cn-shanghai"),
            ("Name", "c"),
            ("Type", "RunShellScript"),
            ("CommandContent", &content),
        ],
    )
    .await
    .ok();
}

#[tokio::test]
async fn describe_commands_filters_and_both_paging_styles() {
    let (_emu, api) = start(|_| {}).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let tag = if i % 2 == 0 { "even" } else { "odd" };
        ids.push(
            create(
                &api,
                &format!("deploy-{i}-app"),
                &[("Tag.1.Key", "parity"), ("Tag.1.Value", tag)],
            )
            .await,
        );
    }
    let content = b64("Write-Output hi");
    api.r(
        "CreateCommand",
        &[
            ("Name", "win"),
            ("Type", "RunPowerShellScript"),
            ("CommandContent", &content),
            ("Description", "for windows"),
        ],
    )
    .await
    .ok();

    // Newest first, PageNumber/PageSize.
    let p1 = api.r("DescribeCommands", &[("PageSize", "3")]).await.ok();
    assert_eq!(p1["TotalCount"], 8);
    assert_eq!(p1["PageSize"], 3);
    assert_eq!(commands(&p1)[0]["Name"], "win");
    let p3 = api
        .r(
            "DescribeCommands",
            &[("PageSize", "3"), ("PageNumber", "3")],
        )
        .await
        .ok();
    let names: Vec<String> = commands(&p3)
        .iter()
        .map(|c| c["Name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["deploy-1-app", "deploy-0-app"]);

    // MaxResults + NextToken walks everything exactly once.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let mut p = vec![("MaxResults", "3")];
        if !token.is_empty() {
            p.push(("NextToken", token.as_str()));
        }
        let body = api.r("DescribeCommands", &p).await.ok();
        seen.extend(
            commands(&body)
                .iter()
                .map(|c| c["CommandId"].as_str().unwrap().to_string()),
        );
        token = body["NextToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), 8);
    assert_eq!(seen[7], ids[0]);

    let count = |b: &Value| commands(b).len();
    assert_eq!(
        count(
            &api.r("DescribeCommands", &[("Name", "deploy-*")])
                .await
                .ok()
        ),
        7
    );
    assert_eq!(
        count(&api.r("DescribeCommands", &[("Name", "*-app")]).await.ok()),
        7
    );
    assert_eq!(
        count(&api.r("DescribeCommands", &[("Name", "*3*")]).await.ok()),
        1
    );
    assert_eq!(
        count(&api.r("DescribeCommands", &[("Name", "deploy")]).await.ok()),
        0
    );
    assert_eq!(
        count(
            &api.r("DescribeCommands", &[("Description", "for *")])
                .await
                .ok()
        ),
        1
    );
    assert_eq!(
        count(
            &api.r("DescribeCommands", &[("Type", "RunPowerShellScript")])
                .await
                .ok()
        ),
        1
    );
    assert_eq!(
        count(
            &api.r(
                "DescribeCommands",
                &[("Tag.1.Key", "parity"), ("Tag.1.Value", "even")]
            )
            .await
            .ok()
        ),
        4
    );
    assert_eq!(
        count(
            &api.r("DescribeCommands", &[("Tag.1.Key", "parity")])
                .await
                .ok()
        ),
        7
    );
    assert_eq!(
        count(
            &api.r("DescribeCommands", &[("CommandId", "c-unknown")])
                .await
                .ok()
        ),
        0
    );
    api.r("DescribeCommands", &[("Type", "RunCobol")])
        .await
        .err(404, "InvalidCommandType.NotFound");
    api.r("DescribeCommands", &[("MaxResults", "51")])
        .await
        .err(400, "InvalidParameter.MaxResults");
    api.r("DescribeCommands", &[("NextToken", "bogus")])
        .await
        .err(400, "InvalidParameter.NextToken");
    api.r("DescribeCommands", &[("PageSize", "0")])
        .await
        .err(400, "InvalidParam.PageSize");
    api.r("DescribeCommands", &[("PageNumber", "0")])
        .await
        .err(400, "InvalidParam.PageNumber");
    api.r("DescribeCommands", &[("Name", &"n".repeat(129))])
        .await
        .err(403, "InvalidName.LengthLimitExceeded");
}

#[tokio::test]
async fn client_token_makes_creates_idempotent() {
    let (_emu, api) = start(|_| {}).await;
    let a = create(&api, "same", &[("ClientToken", "tok-1")]).await;
    let b = create(&api, "same", &[("ClientToken", "tok-1")]).await;
    assert_eq!(a, b);
    assert_eq!(api.r("DescribeCommands", &[]).await.ok()["TotalCount"], 1);
    let content = b64("echo hello");
    api.r(
        "CreateCommand",
        &[
            ("Name", "other"),
            ("Type", "RunShellScript"),
            ("CommandContent", &content),
            ("ClientToken", "tok-1"),
        ],
    )
    .await
    .err(403, "IdempotentParameterMismatch");

    let p = [
        ("CommandId", a.as_str()),
        ("InstanceId.1", "i-bp1web0000000000001"),
        ("ClientToken", "inv-1"),
    ];
    let t1 = api.r("InvokeCommand", &p).await.ok()["InvokeId"].clone();
    let t2 = api.r("InvokeCommand", &p).await.ok()["InvokeId"].clone();
    assert_eq!(t1, t2);
    assert_eq!(
        api.r("DescribeInvocations", &[]).await.ok()["TotalCount"],
        1
    );
}

#[tokio::test]
async fn invoke_targets_must_exist_and_suit_the_task() {
    let (_emu, api) = start(|_| {}).await;
    let sh = create(&api, "sh", &[]).await;
    let bat = {
        let c = b64("echo hi");
        api.r(
            "CreateCommand",
            &[
                ("Name", "bat"),
                ("Type", "RunBatScript"),
                ("CommandContent", &c),
            ],
        )
        .await
        .ok()["CommandId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let inv = |cmd: &str, inst: &str| {
        vec![
            ("CommandId".to_string(), cmd.to_string()),
            ("InstanceId.1".to_string(), inst.to_string()),
        ]
    };
    let call = |p: Vec<(String, String)>| {
        let api = &api;
        async move {
            let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            api.r("InvokeCommand", &p).await
        }
    };
    call(inv(&sh, "i-bp1nope000000000000"))
        .await
        .err(404, "InvalidInstance.NotFound");
    call(inv("c-hz0doesnotexist", "i-bp1web0000000000001"))
        .await
        .err(404, "InvalidCmdId.NotFound");
    call(inv(&bat, "i-bp1web0000000000001"))
        .await
        .err(400, "InvalidInstance.NotMatch");
    call(inv(&sh, "i-bp1win0000000000001"))
        .await
        .err(400, "InvalidInstance.NotMatch");
    call(inv(&bat, "i-bp1win0000000000002"))
        .await
        .err(400, "InvalidInstance.NotMatch"); // Stopped
    call(inv(&sh, "i-bp1off0000000000001"))
        .await
        .err(400, "InvalidInstance.NotMatch"); // agent offline
    // Managed instances are targets too; one offline.
    call(inv(&sh, "mi-hz0100000000000001")).await.ok();
    call(inv(&sh, "mi-hz0100000000000002"))
        .await
        .err(400, "InvalidInstance.NotMatch");
    // Old agent: fine for Once, refused for a rate schedule.
    call(inv(&sh, "i-bp1old0000000000001")).await.ok();
    let mut p = inv(&sh, "i-bp1old0000000000001");
    p.push(("Frequency".into(), "rate(5m)".into()));
    let r = call(p).await;
    r.err(400, "InvalidInstance.NotMatch");
    assert!(r.text.contains("ClientNeedUpgrade"));
    // Instance in another region does not exist there.
    api.call(
        "InvokeCommand",
        &[
            ("RegionId", "cn-shanghai"),
            ("CommandId", &sh),
            ("InstanceId.1", "i-bp1web0000000000001"),
        ],
    )
    .await
    .err(404, "InvalidCmdId.NotFound");

    api.r("InvokeCommand", &[("CommandId", &sh)])
        .await
        .err(400, "MissingParam.InstanceId");
    api.r(
        "InvokeCommand",
        &[
            ("CommandId", &sh),
            ("InstanceId.1", "i-bp1web0000000000001"),
            ("ResourceTag.1.Key", "env"),
        ],
    )
    .await
    .err(400, "InvalidResourceTag.ConflictWithInstanceIds");
    api.r(
        "InvokeCommand",
        &[
            ("CommandId", &sh),
            ("ResourceTag.1.Key", "env"),
            ("ResourceTag.1.Value", "nowhere"),
        ],
    )
    .await
    .err(400, "InvalidResourceTag.InstanceNotFound");
    let many: Vec<(String, String)> = (1..=51)
        .map(|i| (format!("InstanceId.{i}"), format!("i-bp1x{i:016}")))
        .collect();
    let mut p: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    p.push(("CommandId", &sh));
    api.r("InvokeCommand", &p)
        .await
        .err(403, "InstanceIds.ExceedLimit");

    // Selection by tag: web-1, web-2 (app=web, env=prod).
    let t = api
        .r(
            "InvokeCommand",
            &[
                ("CommandId", &sh),
                ("ResourceTag.1.Key", "app"),
                ("ResourceTag.1.Value", "web"),
                ("ResourceTag.2.Key", "env"),
                ("ResourceTag.2.Value", "prod"),
            ],
        )
        .await
        .ok()["InvokeId"]
        .as_str()
        .unwrap()
        .to_string();
    let body = api.r("DescribeInvocations", &[("InvokeId", &t)]).await.ok();
    let targets: Vec<&str> =
        body["Invocations"]["Invocation"][0]["InvokeInstances"]["InvokeInstance"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["InstanceId"].as_str().unwrap())
            .collect();
    assert_eq!(
        targets,
        vec!["i-bp1web0000000000001", "i-bp1web0000000000002"]
    );
    let c = &commands(&api.r("DescribeCommands", &[("CommandId", &sh)]).await.ok())[0];
    assert_eq!(
        c["InvokeTimes"], 3,
        "the managed instance, the old agent and the tag selection"
    );
}

#[tokio::test]
async fn schedules_and_parameters_follow_the_rules() {
    let (_emu, api) = start(|_| {}).await;
    let content = b64("echo {{name}} {{Size}}");
    let cmd = api
        .r(
            "CreateCommand",
            &[
                ("Name", "p"),
                ("Type", "RunShellScript"),
                ("CommandContent", &content),
                ("EnableParameter", "true"),
            ],
        )
        .await
        .ok()["CommandId"]
        .as_str()
        .unwrap()
        .to_string();
    let plain = create(&api, "plain", &[]).await;
    let web = "i-bp1web0000000000001";
    let go = |extra: Vec<(&'static str, String)>, cmd: &str| {
        let mut p: Vec<(&str, String)> = vec![
            ("CommandId", cmd.to_string()),
            ("InstanceId.1", web.to_string()),
        ];
        p.extend(extra);
        let api = &api;
        async move {
            let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api.r("InvokeCommand", &p).await
        }
    };
    go(vec![("Parameters", r#"{"name":"a"}"#.into())], &plain)
        .await
        .err(400, "Parameter.Disabled");
    go(vec![("Parameters", r#"{"nope":"a"}"#.into())], &cmd)
        .await
        .err(403, "Parameter.NotMatched");
    go(vec![("Parameters", r#"{"name":1}"#.into())], &cmd)
        .await
        .err(403, "ParameterType.NotSupported");
    go(
        vec![("Parameters", r#"{"name":"a","NAME":"b"}"#.into())],
        &cmd,
    )
    .await
    .err(403, "ParameterKey.Duplicate");
    go(vec![("Parameters", "not json".into())], &cmd)
        .await
        .err(400, "InvalidParameter.Parameters");
    let eleven: String = format!(
        "{{{}}}",
        (0..11)
            .map(|i| format!("\"k{i}\":\"v\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    go(vec![("Parameters", eleven)], &cmd)
        .await
        .err(403, "ParameterCount.ExceedLimit");
    go(vec![], &cmd).await.err(400, "Parameter.MissingValue");
    // Names are case-insensitive and may be left out (they become "").
    go(vec![("Parameters", r#"{"NAME":"x"}"#.into())], &cmd)
        .await
        .ok();

    go(vec![("RepeatMode", "Sometimes".into())], &plain)
        .await
        .err(404, "InvalidRepeatMode.NotFound");
    go(vec![("RepeatMode", "Period".into())], &plain)
        .await
        .err(400, "MissingParam.Frequency");
    go(vec![("Frequency", "rate(30s)".into())], &plain)
        .await
        .err(400, "InvalidParam.Frequency");
    go(
        vec![("Frequency", "rate(2m)".into()), ("Timeout", "600".into())],
        &plain,
    )
    .await
    .err(400, "InvalidParam.Frequency");
    go(vec![("Frequency", "0/5 * * * * ?".into())], &plain)
        .await
        .err(400, "InvalidParam.Frequency");
    go(
        vec![("Frequency", "at(2000-01-01 00:00:00)".into())],
        &plain,
    )
    .await
    .err(400, "InvalidParam.Frequency");
    go(vec![("RepeatMode", "DryRun".into())], &plain)
        .await
        .err(400, "DryRunOperation");
    go(vec![("TerminationMode", "Kill".into())], &plain)
        .await
        .err(404, "InvalidTerminationMode.NotFound");
    go(vec![("ContainerId", "abc".into())], &plain)
        .await
        .err(400, "InvalidContainerId.Malformed");
    go(vec![("Username", "u".repeat(256))], &plain)
        .await
        .err(403, "Username.ExceedLimit");
    go(vec![("WorkingDir", "w".repeat(201))], &plain)
        .await
        .err(400, "InvalidParameter.WorkingDir");

    // Any Frequency forces Period; the task is Scheduled; its run waits for its fire time.
    let t = go(
        vec![
            ("RepeatMode", "Once".into()),
            ("Frequency", "0 0 2 ? * * Asia/Shanghai".into()),
        ],
        &plain,
    )
    .await
    .ok()["InvokeId"]
        .as_str()
        .unwrap()
        .to_string();
    let inv = &api.r("DescribeInvocations", &[("InvokeId", &t)]).await.ok()["Invocations"]["Invocation"]
        [0];
    assert_eq!(inv["RepeatMode"], "Period");
    assert_eq!(inv["Frequency"], "0 0 2 ? * * Asia/Shanghai");
    assert_eq!(inv["Timed"], true);
    assert_eq!(inv["InvocationStatus"], "Scheduled");
    assert_eq!(inv["InvokeStatus"], "Running");
    assert_eq!(
        inv["InvokeInstances"]["InvokeInstance"][0]["InvocationStatus"],
        "Scheduled"
    );
    let boot = go(vec![("RepeatMode", "EveryReboot".into())], &plain)
        .await
        .ok();
    let inv = &api
        .r(
            "DescribeInvocations",
            &[("InvokeId", boot["InvokeId"].as_str().unwrap())],
        )
        .await
        .ok()["Invocations"]["Invocation"][0];
    assert_eq!(inv["InvocationStatus"], "Pending");
    assert_eq!(inv["Timed"], true);
}

#[tokio::test]
async fn run_command_content_limits_and_keep_command() {
    let (_emu, api) = start(|_| {}).await;
    let web = "i-bp1web0000000000001";
    // 20 KB of Base64: too big to keep, fine for a one-off run.
    let big = "y".repeat(15_000);
    api.r(
        "RunCommand",
        &[
            ("Type", "RunShellScript"),
            ("CommandContent", &big),
            ("InstanceId.1", web),
            ("KeepCommand", "true"),
        ],
    )
    .await
    .err(403, "CmdContent.ExceedLimit");
    let body = api
        .r(
            "RunCommand",
            &[
                ("Type", "RunShellScript"),
                ("CommandContent", &big),
                ("InstanceId.1", web),
            ],
        )
        .await
        .ok();
    assert!(body["CommandId"].as_str().unwrap().starts_with("c-"));
    assert_eq!(
        api.r("DescribeCommands", &[]).await.ok()["TotalCount"],
        0,
        "not kept"
    );
    let huge = "z".repeat(19_000);
    api.r(
        "RunCommand",
        &[
            ("Type", "RunShellScript"),
            ("CommandContent", &huge),
            ("InstanceId.1", web),
        ],
    )
    .await
    .err(403, "CmdContent.ExceedLimit");

    // PlainText is the default encoding; KeepCommand keeps it and tags both.
    let body = api
        .r(
            "RunCommand",
            &[
                ("Type", "RunShellScript"),
                ("CommandContent", "echo \"hello world\" ~/a*b"),
                ("InstanceId.1", web),
                ("KeepCommand", "true"),
                ("Name", "kept"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "dev"),
            ],
        )
        .await
        .ok();
    let cmd = body["CommandId"].as_str().unwrap();
    let c = &commands(
        &api.r(
            "DescribeCommands",
            &[("CommandId", cmd), ("ContentEncoding", "PlainText")],
        )
        .await
        .ok(),
    )[0];
    assert_eq!(c["CommandContent"], "echo \"hello world\" ~/a*b");
    assert_eq!(c["InvokeTimes"], 1);
    let t = api
        .r(
            "DescribeInvocations",
            &[("InvokeId", body["InvokeId"].as_str().unwrap())],
        )
        .await
        .ok();
    assert_eq!(
        t["Invocations"]["Invocation"][0]["Tags"]["Tag"][0]["TagValue"],
        "dev"
    );
    api.r(
        "RunCommand",
        &[
            ("Type", "RunShellScript"),
            ("CommandContent", "x"),
            ("InstanceId.1", web),
            ("ContentEncoding", "base64"),
        ],
    )
    .await
    .err(400, "CmdContent.DecodeError");
}

#[tokio::test]
async fn invocations_results_and_stop() {
    let (_emu, api) = start(|_| {}).await;
    let cmd = create(&api, "c", &[]).await;
    let once = api
        .r(
            "InvokeCommand",
            &[
                ("CommandId", &cmd),
                ("InstanceId.1", "i-bp1web0000000000001"),
                ("InstanceId.2", "i-bp1api0000000000001"),
                ("Tag.1.Key", "run"),
                ("Tag.1.Value", "1"),
            ],
        )
        .await
        .ok()["InvokeId"]
        .as_str()
        .unwrap()
        .to_string();
    let period = api
        .r(
            "InvokeCommand",
            &[
                ("CommandId", &cmd),
                ("InstanceId.1", "i-bp1web0000000000001"),
                ("Frequency", "rate(1h)"),
            ],
        )
        .await
        .ok()["InvokeId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(once.starts_with("t-hz0"));

    // Nothing has run: results are Pending, not a success, no exit code, no start time.
    let body = api
        .r(
            "DescribeInvocationResults",
            &[("InvokeId", &once), ("MaxResults", "1")],
        )
        .await
        .ok();
    let inv = &body["Invocation"];
    assert_eq!(inv["TotalCount"], 2);
    assert!(
        !inv["NextToken"].as_str().unwrap().is_empty(),
        "paging lives inside Invocation"
    );
    let r = &inv["InvocationResults"]["InvocationResult"][0];
    assert_eq!(r["InvocationStatus"], "Pending");
    assert_eq!(r["InvokeRecordStatus"], "Running");
    assert!(
        r.get("ExitCode").is_none()
            && r.get("StartTime").is_none()
            && r.get("FinishedTime").is_none()
    );
    assert_eq!(r["InstanceId"], "i-bp1web0000000000001");
    assert_eq!(r["Username"], "root");
    let next = api
        .r(
            "DescribeInvocationResults",
            &[
                ("InvokeId", &once),
                ("MaxResults", "1"),
                ("NextToken", inv["NextToken"].as_str().unwrap()),
            ],
        )
        .await
        .ok();
    assert_eq!(
        next["Invocation"]["InvocationResults"]["InvocationResult"][0]["InstanceId"],
        "i-bp1api0000000000001"
    );

    let by_instance = api
        .r(
            "DescribeInvocations",
            &[("InstanceId", "i-bp1api0000000000001")],
        )
        .await
        .ok();
    assert_eq!(by_instance["TotalCount"], 1);
    let tagged = api
        .r("DescribeInvocations", &[("Tag.1.Key", "run")])
        .await
        .ok();
    assert_eq!(
        tagged["Invocations"]["Invocation"][0]["InvokeId"],
        once.as_str()
    );
    let timed = api
        .r("DescribeInvocations", &[("Timed", "true")])
        .await
        .ok();
    assert_eq!(timed["TotalCount"], 1);
    assert_eq!(
        api.r("DescribeInvocations", &[("InvokeStatus", "Pending")])
            .await
            .ok()["TotalCount"],
        1
    );
    api.r("DescribeInvocations", &[("IncludeOutput", "true")])
        .await
        .err(400, "InvalidParameter");

    // Stop one target of the Once task, then all of the Period task.
    api.r(
        "StopInvocation",
        &[
            ("InvokeId", &once),
            ("InstanceId.1", "i-bp1win0000000000001"),
        ],
    )
    .await
    .err(404, "InvalidInstanceId.NotFound");
    api.r("StopInvocation", &[("InvokeId", "t-hz0unknown00000")])
        .await
        .err(404, "InvalidInvokeId.NotFound");
    api.r(
        "StopInvocation",
        &[
            ("InvokeId", &once),
            ("InstanceId.1", "i-bp1web0000000000001"),
        ],
    )
    .await
    .ok();
    let inv = &api
        .r("DescribeInvocations", &[("InvokeId", &once)])
        .await
        .ok()["Invocations"]["Invocation"][0];
    assert_eq!(inv["InvocationStatus"], "Pending");
    let first = &inv["InvokeInstances"]["InvokeInstance"][0];
    assert_eq!(first["InvocationStatus"], "Cancelled");
    assert!(first["StopTime"].is_string());
    api.r("StopInvocation", &[("InvokeId", &once)]).await.ok();
    api.r("StopInvocation", &[("InvokeId", &period)]).await.ok();
    let body = api
        .r("DescribeInvocations", &[("InvokeStatus", "Stopped")])
        .await
        .ok();
    assert_eq!(body["TotalCount"], 2);
    let p = &api
        .r("DescribeInvocations", &[("InvokeId", &period)])
        .await
        .ok()["Invocations"]["Invocation"][0];
    assert_eq!(
        p["InvokeInstances"]["InvokeInstance"][0]["InvocationStatus"],
        "Stopped"
    );
    assert_eq!(p["InvokeStatus"], "Stopped");
    let hist = api
        .r(
            "DescribeInvocationResults",
            &[("InvokeId", &period), ("IncludeHistory", "true")],
        )
        .await
        .ok();
    assert_eq!(
        hist["Invocation"]["InvocationResults"]["InvocationResult"][0]["InvocationStatus"],
        "Cancelled"
    );
    api.r(
        "DescribeInvocationResults",
        &[("InvokeId", &once), ("IncludeHistory", "true")],
    )
    .await
    .err(400, "InvalidParameter");
    // Stopped tasks cannot be modified; Once tasks never can.
    api.r(
        "ModifyInvocationAttribute",
        &[("InvokeId", &period), ("Frequency", "rate(2h)")],
    )
    .await
    .err(403, "InvalidOperation.InvokeAlreadyFinished");
    api.r(
        "ModifyInvocationAttribute",
        &[("InvokeId", &once), ("Frequency", "rate(2h)")],
    )
    .await
    .err(403, "InvalidOperation.RepeatModeUnsupported");
    // Deleting the command keeps the records.
    api.r("DeleteCommand", &[("CommandId", &cmd)]).await.ok();
    assert_eq!(
        api.r("DescribeInvocations", &[]).await.ok()["TotalCount"],
        2
    );
}

#[tokio::test]
async fn modify_invocation_attribute_changes_a_scheduled_task() {
    let (_emu, api) = start(|_| {}).await;
    let content = b64("echo {{who}}");
    let cmd = api
        .r(
            "CreateCommand",
            &[
                ("Name", "p"),
                ("Type", "RunShellScript"),
                ("CommandContent", &content),
                ("EnableParameter", "true"),
            ],
        )
        .await
        .ok()["CommandId"]
        .as_str()
        .unwrap()
        .to_string();
    let t = api
        .r(
            "InvokeCommand",
            &[
                ("CommandId", &cmd),
                ("InstanceId.1", "i-bp1web0000000000001"),
                ("Frequency", "rate(1h)"),
                ("Parameters", r#"{"who":"a"}"#),
            ],
        )
        .await
        .ok()["InvokeId"]
        .as_str()
        .unwrap()
        .to_string();
    let body = api
        .r(
            "ModifyInvocationAttribute",
            &[
                ("InvokeId", &t),
                ("Frequency", "rate(2h)"),
                ("Parameters", r#"{"who":"b"}"#),
                ("InstanceId.1", "i-bp1web0000000000002"),
            ],
        )
        .await
        .ok();
    assert_eq!(body["CommandId"], cmd.as_str());
    let inv = &api.r("DescribeInvocations", &[("InvokeId", &t)]).await.ok()["Invocations"]["Invocation"]
        [0];
    assert_eq!(inv["Frequency"], "rate(2h)");
    assert_eq!(inv["Parameters"], r#"{"who":"b"}"#);
    assert_eq!(
        inv["InvokeInstances"]["InvokeInstance"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    api.r(
        "ModifyInvocationAttribute",
        &[("InvokeId", &t), ("Parameters", r#"{"x":"b"}"#)],
    )
    .await
    .err(403, "Parameter.NotMatched");
    api.r(
        "ModifyInvocationAttribute",
        &[("InvokeId", &t), ("Frequency", "rate(5s)")],
    )
    .await
    .err(400, "InvalidParameter.Frequency");
    let changed = api
        .r(
            "ModifyInvocationAttribute",
            &[
                ("InvokeId", &t),
                ("CommandContent", &b64("echo new {{who}}")),
            ],
        )
        .await
        .ok();
    assert_ne!(
        changed["CommandId"],
        cmd.as_str(),
        "new content gets its own command id"
    );
}

#[tokio::test]
async fn instances_status_and_managed_instances() {
    let (_emu, api) = start(|_| {}).await;
    let body = api.r("DescribeInstances", &[]).await.ok();
    assert_eq!(body["TotalCount"], 8);
    assert_eq!(body["Instances"]["Instance"].as_array().unwrap().len(), 8);
    let i = &body["Instances"]["Instance"][0];
    assert_eq!(i["OSType"], "linux");
    assert_eq!(i["RegionId"], REGION);
    let win = api
        .r("DescribeInstances", &[("InstanceName", "win-*")])
        .await
        .ok();
    assert_eq!(win["TotalCount"], 2);
    let ids = api
        .r(
            "DescribeInstances",
            &[("InstanceIds", r#"["i-bp1web0000000000001"]"#)],
        )
        .await
        .ok();
    assert_eq!(ids["TotalCount"], 1);
    let stopped = api
        .r("DescribeInstances", &[("Status", "Stopped")])
        .await
        .ok();
    assert_eq!(
        stopped["Instances"]["Instance"][0]["InstanceId"],
        "i-bp1win0000000000002"
    );
    let tagged = api
        .r(
            "DescribeInstances",
            &[("Tag.1.Key", "app"), ("Tag.1.Value", "iis")],
        )
        .await
        .ok();
    assert_eq!(tagged["TotalCount"], 2);
    let paged = api
        .r("DescribeInstances", &[("MaxResults", "5")])
        .await
        .ok();
    assert_eq!(
        paged["Instances"]["Instance"].as_array().unwrap().len(),
        8,
        "MaxResults is clamped to 10..100"
    );

    let managed = api.r("DescribeManagedInstances", &[]).await.ok();
    let list = managed["Instances"].as_array().expect("a plain array");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["Connected"], true);
    assert!(list[0]["Tags"].is_array());
    let offline = api
        .r("DescribeManagedInstances", &[("Connected", "false")])
        .await
        .ok();
    assert_eq!(
        offline["Instances"][0]["InstanceId"],
        "mi-hz0100000000000002"
    );

    let st = api
        .r(
            "DescribeCloudAssistantStatus",
            &[
                ("InstanceId.1", "i-bp1web0000000000001"),
                ("InstanceId.2", "i-bp1off0000000000001"),
            ],
        )
        .await
        .ok();
    let set = st["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"]
        .as_array()
        .unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set[0]["CloudAssistantStatus"], "true");
    assert_eq!(set[1]["CloudAssistantStatus"], "false");
    assert_eq!(set[1]["CloudAssistantVersion"], "");
    assert_eq!(set[0]["OSType"], "Linux");
    api.r(
        "DescribeCloudAssistantStatus",
        &[("InstanceId.1", "i-bp1nope000000000000")],
    )
    .await
    .err(404, "InvalidInstance.NotFound");
    let win = api
        .r("DescribeCloudAssistantStatus", &[("OSType", "Windows")])
        .await
        .ok();
    assert_eq!(win["TotalCount"], 2);
}

#[tokio::test]
async fn tag_apis_on_commands_and_invocations() {
    let (_emu, api) = start(|_| {}).await;
    let a = create(&api, "a", &[]).await;
    let b = create(&api, "b", &[("Tag.1.Key", "env"), ("Tag.1.Value", "prod")]).await;
    api.r(
        "TagResources",
        &[
            ("ResourceType", "command"),
            ("ResourceId.1", &a),
            ("ResourceId.2", &b),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "ops"),
        ],
    )
    .await
    .ok();
    let list = api
        .r(
            "ListTagResources",
            &[("ResourceType", "command"), ("ResourceId.1", &b)],
        )
        .await
        .ok();
    let rows = list["TagResources"]["TagResource"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r["ResourceType"] == "command" && r["ResourceId"] == b.as_str())
    );
    let by_tag = api
        .r(
            "ListTagResources",
            &[
                ("ResourceType", "command"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "prod"),
            ],
        )
        .await
        .ok();
    assert!(
        by_tag["TagResources"]["TagResource"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ResourceId"] == b.as_str())
    );
    api.r(
        "UntagResources",
        &[
            ("ResourceType", "command"),
            ("ResourceId.1", &b),
            ("TagKey.1", "team"),
        ],
    )
    .await
    .ok();
    api.r(
        "UntagResources",
        &[
            ("ResourceType", "command"),
            ("ResourceId.1", &a),
            ("All", "true"),
        ],
    )
    .await
    .ok();
    let after = api
        .r(
            "ListTagResources",
            &[
                ("ResourceType", "command"),
                ("ResourceId.1", &a),
                ("ResourceId.2", &b),
            ],
        )
        .await
        .ok();
    assert_eq!(
        after["TagResources"]["TagResource"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(after["NextToken"], "");

    api.r(
        "TagResources",
        &[
            ("ResourceType", "command"),
            ("ResourceId.1", "c-hz0nope00000000"),
            ("Tag.1.Key", "k"),
        ],
    )
    .await
    .err(404, "InvalidResourceId.NotFound");
    api.r(
        "TagResources",
        &[
            ("ResourceType", "disk"),
            ("ResourceId.1", &a),
            ("Tag.1.Key", "k"),
        ],
    )
    .await
    .err(404, "InvalidResourceType.NotFound");
    api.r(
        "TagResources",
        &[
            ("ResourceType", "command"),
            ("ResourceId.1", &a),
            ("Tag.1.Key", "aliyun:x"),
        ],
    )
    .await
    .err(400, "InvalidTagKey.Malformed");
    let twenty: Vec<(String, String)> = (1..=20)
        .map(|i| (format!("Tag.{i}.Key"), format!("k{i}")))
        .collect();
    let mut p: Vec<(&str, &str)> = twenty
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    p.extend([("ResourceType", "command"), ("ResourceId.1", b.as_str())]);
    api.r("TagResources", &p)
        .await
        .err(400, "OperationDenied.QuotaExceed");
    api.r(
        "ListTagResources",
        &[("ResourceType", "command"), ("Tag.1.Value", "x")],
    )
    .await
    .err(400, "InvalidParameter.TagValue");

    let t = api
        .r(
            "InvokeCommand",
            &[("CommandId", &a), ("InstanceId.1", "i-bp1web0000000000001")],
        )
        .await
        .ok();
    let t = t["InvokeId"].as_str().unwrap();
    api.r(
        "TagResources",
        &[
            ("ResourceType", "invocation"),
            ("ResourceId.1", t),
            ("Tag.1.Key", "k"),
            ("Tag.1.Value", "v"),
        ],
    )
    .await
    .ok();
    let found = api
        .r(
            "DescribeInvocations",
            &[("Tag.1.Key", "k"), ("Tag.1.Value", "v")],
        )
        .await
        .ok();
    assert_eq!(found["TotalCount"], 1);
}

#[tokio::test]
async fn signature_and_protocol_errors() {
    let (_emu, api) = start(|c| {
        c.access_keys.push(assistctl::emulator::AccessKey {
            id: "STS.local".into(),
            secret: "sts-secret".into(),
            security_token: Some("the-token".into()),
        })
    })
    .await;
    let wrong = api
        .call_with(
            "DescribeCommands",
            &[("RegionId", REGION)],
            Opts {
                secret: Some("nope".into()),
                ..Default::default()
            },
        )
        .await;
    wrong.err(400, "SignatureDoesNotMatch");
    assert!(
        wrong.body["Message"]
            .as_str()
            .unwrap()
            .contains("server string to sign is:POST&%2F&")
    );
    assert!(!wrong.text.contains("local-emulator-secret"));
    api.call_with(
        "DescribeCommands",
        &[("RegionId", REGION)],
        Opts {
            access_key_id: Some("LTAInobody".into()),
            ..Default::default()
        },
    )
    .await
    .err(404, "InvalidAccessKeyId.NotFound");
    api.call_with(
        "DescribeCommands",
        &[("RegionId", REGION)],
        Opts {
            timestamp: Some("2020-01-01T00:00:00Z".into()),
            ..Default::default()
        },
    )
    .await
    .err(400, "InvalidTimeStamp.Expired");
    api.call_with(
        "DescribeCommands",
        &[("RegionId", REGION)],
        Opts {
            timestamp: Some("yesterday".into()),
            ..Default::default()
        },
    )
    .await
    .err(400, "InvalidTimeStamp.Format");
    let o = Opts {
        nonce: Some("fixed-nonce".into()),
        ..Default::default()
    };
    api.call_with("DescribeCommands", &[("RegionId", REGION)], o.clone())
        .await
        .ok();
    api.call_with("DescribeCommands", &[("RegionId", REGION)], o)
        .await
        .err(400, "SignatureNonceUsed");
    api.call_with(
        "DescribeCommands",
        &[("RegionId", REGION)],
        Opts {
            get: true,
            ..Default::default()
        },
    )
    .await
    .ok();
    api.call("DescribeRegionsOfMars", &[("RegionId", REGION)])
        .await
        .err(404, "InvalidAction.NotFound");

    // STS pairs need their token.
    let sts = Api::new(&api.base, "STS.local", "sts-secret");
    sts.call("DescribeCommands", &[("RegionId", REGION)])
        .await
        .err(400, "InvalidSecurityToken.Malformed");
    sts.call_with(
        "DescribeCommands",
        &[("RegionId", REGION)],
        Opts {
            security_token: Some("the-token".into()),
            ..Default::default()
        },
    )
    .await
    .ok();
    sts.call_with(
        "DescribeCommands",
        &[("RegionId", REGION)],
        Opts {
            security_token: Some("other".into()),
            ..Default::default()
        },
    )
    .await
    .err(400, "InvalidSecurityToken.MismatchWithAccessKey");

    // XML when asked for it.
    let xml = api
        .call_with(
            "DescribeCommands",
            &[("RegionId", REGION)],
            Opts {
                format: Some("XML"),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(xml.status, 200);
    assert!(
        xml.text.contains("<DescribeCommandsResponse><RequestId>"),
        "{}",
        xml.text
    );
    let xml_err = api
        .call_with(
            "DeleteCommand",
            &[("RegionId", REGION), ("CommandId", "c-x")],
            Opts {
                format: Some("XML"),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(xml_err.status, 404);
    assert!(
        xml_err.text.contains("<Error><RequestId>")
            && xml_err.text.contains("<Code>InvalidCmdId.NotFound</Code>")
    );
}

#[tokio::test]
async fn injected_faults_change_nothing_and_metrics_count_them() {
    let (emu, api) = start(|c| c.faults.fail_rate = 1.0).await;
    let content = b64("echo");
    for _ in 0..5 {
        let r = api
            .r(
                "CreateCommand",
                &[
                    ("Name", "n"),
                    ("Type", "RunShellScript"),
                    ("CommandContent", &content),
                ],
            )
            .await;
        assert!(
            (r.status == 500 && r.code() == "InternalError")
                || (r.status == 503 && r.code() == "ServiceUnavailable"),
            "{}",
            r.text
        );
    }
    let metrics = reqwest::get(format!("{}/metrics", emu.endpoint_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("assistctl_emulator_requests_total{action=\"CreateCommand\""),
        "{metrics}"
    );
    assert!(metrics.contains("assistctl_emulator_request_duration_seconds_bucket"));
    drop(emu);

    let (_emu, api) = start(|c| c.faults.throttle_rate = 1.0).await;
    api.r("DescribeCommands", &[])
        .await
        .err(400, "Throttling.User");
}

#[tokio::test]
async fn failed_requests_leave_no_trace_in_a_shared_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let content = b64("echo");
    {
        let p = path.clone();
        let (emu, api) = start(move |c| {
            c.state = assistctl::emulator::StateLocation::File(p);
            c.faults.fail_rate = 1.0;
        })
        .await;
        for _ in 0..3 {
            let r = api
                .r(
                    "CreateCommand",
                    &[
                        ("Name", "n"),
                        ("Type", "RunShellScript"),
                        ("CommandContent", &content),
                    ],
                )
                .await;
            assert!(r.status >= 500);
        }
        emu.shutdown().await;
    }
    let (_emu, api) =
        start(move |c| c.state = assistctl::emulator::StateLocation::File(path)).await;
    assert_eq!(api.r("DescribeCommands", &[]).await.ok()["TotalCount"], 0);
}

#[tokio::test]
async fn daily_invocation_quota_is_enforced() {
    let (_emu, api) = start(|c| c.service.invocation_daily_quota = 2).await;
    let cmd = create(&api, "q", &[]).await;
    let p = [
        ("CommandId", cmd.as_str()),
        ("InstanceId.1", "i-bp1web0000000000001"),
    ];
    api.r("InvokeCommand", &p).await.ok();
    api.r(
        "RunCommand",
        &[
            ("Type", "RunShellScript"),
            ("CommandContent", "echo"),
            ("InstanceId.1", "i-bp1web0000000000001"),
        ],
    )
    .await
    .ok();
    api.r("InvokeCommand", &p)
        .await
        .err(403, "Invocation.ExceedQuota");
    let attrs = api.r("DescribeAccountAttributes", &[]).await.ok();
    let items = attrs["AccountAttributeItems"]["AccountAttributeItem"]
        .as_array()
        .unwrap();
    let daily = items
        .iter()
        .find(|i| i["AttributeName"] == "max-axt-invocation-daily")
        .unwrap();
    assert_eq!(daily["AttributeValues"]["ValueItem"][0]["Value"], "2");
    assert_eq!(daily["AttributeValues"]["ValueItem"][0]["Count"], 2);
}

#[tokio::test]
async fn form_bodies_and_v3_signatures_are_accepted() {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    let (emu, api) = start(|_| {}).await;
    // V1 with every parameter in a form body (`+` for spaces).
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut params: Vec<(String, String)> = [
        ("Action", "CreateCommand"),
        ("Version", "2014-05-26"),
        ("Format", "JSON"),
        ("AccessKeyId", emu_common::AK),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "form-body-nonce"),
        ("Timestamp", &now),
        ("RegionId", REGION),
        ("Name", "form body name"),
        ("Type", "RunShellScript"),
        ("CommandContent", "echo a+b"),
        ("ContentEncoding", "PlainText"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let sig = emu_common::sign_v1("POST", &params, emu_common::SECRET);
    params.push(("Signature".into(), sig));
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    assert!(body.contains("form+body+name"));
    let resp = reqwest::Client::new()
        .post(format!("{}/", api.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let c = &commands(
        &api.r("DescribeCommands", &[("ContentEncoding", "PlainText")])
            .await
            .ok(),
    )[0];
    assert_eq!(c["Name"], "form body name");
    assert_eq!(c["CommandContent"], "echo a+b");

    // V3: parameters in the query, signed headers rebuilt by the server.
    let host = emu.addr().to_string();
    let query = "Name=v3%2A&RegionId=cn-hangzhou";
    let empty = hex::encode(Sha256::digest(b""));
    let headers = [
        ("host", host.as_str()),
        ("x-acs-action", "DescribeCommands"),
        ("x-acs-content-sha256", empty.as_str()),
        ("x-acs-date", now.as_str()),
        ("x-acs-signature-nonce", "v3-nonce-1"),
        ("x-acs-version", "2014-05-26"),
    ];
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed = headers
        .iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(";");
    let canonical = format!("POST\n/\n{query}\n{canonical_headers}\n{signed}\n{empty}");
    let sts = format!(
        "ACS3-HMAC-SHA256\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(emu_common::SECRET.as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let mut req = reqwest::Client::new().post(format!("{}/?{query}", api.base));
    for (k, v) in headers.iter().filter(|(k, _)| *k != "host") {
        req = req.header(*k, *v);
    }
    let auth = format!(
        "ACS3-HMAC-SHA256 Credential={},SignedHeaders={signed},Signature={signature}",
        emu_common::AK
    );
    let resp = req
        .header("authorization", auth.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["TotalCount"], 0);

    // The same signature over a different body is refused.
    let mut req = reqwest::Client::new().post(format!("{}/?{query}", api.base));
    for (k, v) in headers
        .iter()
        .filter(|(k, _)| *k != "host" && *k != "x-acs-signature-nonce")
    {
        req = req.header(*k, *v);
    }
    let resp = req
        .header("x-acs-signature-nonce", "v3-nonce-2")
        .header("authorization", auth)
        .body("tampered")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["Code"], "SignatureDoesNotMatch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_on_a_state_file_see_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let (_emu, api) =
        start(move |c| c.state = assistctl::emulator::StateLocation::File(path)).await;
    for i in 0..20 {
        let id = create(&api, &format!("rw-{i}"), &[]).await;
        let body = api.r("DescribeCommands", &[("CommandId", &id)]).await.ok();
        assert_eq!(
            body["TotalCount"], 1,
            "write {i} not visible to the next read"
        );
        api.r("DeleteCommand", &[("CommandId", &id)]).await.ok();
        assert_eq!(
            api.r("DescribeCommands", &[("CommandId", &id)]).await.ok()["TotalCount"],
            0
        );
    }
    assert_eq!(api.r("DescribeCommands", &[]).await.ok()["TotalCount"], 0);
}

/// Totals are remembered between the pages of one listing, never across a write: a create,
/// a tag change or a delete shows in the next TotalCount.
#[tokio::test]
async fn list_totals_follow_every_write() {
    let (_emu, api) = start(|_| {}).await;
    let by_tag = [
        ("Tag.1.Key", "stack"),
        ("Tag.1.Value", "s1"),
        ("MaxResults", "2"),
    ];
    let total = |b: &Value| b["TotalCount"].as_i64().unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            create(
                &api,
                &format!("c{i}"),
                &[("Tag.1.Key", "stack"), ("Tag.1.Value", "s1")],
            )
            .await,
        );
    }
    let first = api.r("DescribeCommands", &by_tag).await.ok();
    assert_eq!(total(&first), 3);
    let token = first["NextToken"].as_str().unwrap().to_string();
    let mut next = by_tag.to_vec();
    next.push(("NextToken", &token));
    assert_eq!(total(&api.r("DescribeCommands", &next).await.ok()), 3);
    create(&api, "c3", &[("Tag.1.Key", "stack"), ("Tag.1.Value", "s1")]).await;
    assert_eq!(
        total(&api.r("DescribeCommands", &by_tag).await.ok()),
        4,
        "after a create"
    );
    api.r(
        "UntagResources",
        &[
            ("ResourceType", "command"),
            ("ResourceId.1", &ids[0]),
            ("TagKey.1", "stack"),
        ],
    )
    .await
    .ok();
    assert_eq!(
        total(&api.r("DescribeCommands", &by_tag).await.ok()),
        3,
        "after an untag"
    );
    api.r("DeleteCommand", &[("CommandId", &ids[1])]).await.ok();
    assert_eq!(
        total(&api.r("DescribeCommands", &by_tag).await.ok()),
        2,
        "after a delete"
    );
}

/// ECS instances are tagged as ECS tags them (ResourceType `instance`): the inventory's tags
/// with the API's changes applied, seen by DescribeInstances (its Tag filter too),
/// ListTagResources and RunCommand's ResourceTag selection.
#[tokio::test]
async fn instances_are_tagged_through_the_tag_apis() {
    let (_emu, api) = start(|_| {}).await;
    const API1: &str = "i-bp1api0000000000001";
    let tagged = |body: &Value| -> Vec<String> {
        body["Instances"]["Instance"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["InstanceId"].as_str().unwrap().to_string())
            .collect()
    };
    let by_group = || async {
        api.r(
            "DescribeInstances",
            &[("Tag.1.Key", "group"), ("Tag.1.Value", "blue")],
        )
        .await
        .ok()
    };
    assert!(tagged(&by_group().await).is_empty());
    api.r(
        "TagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", API1),
            ("Tag.1.Key", "group"),
            ("Tag.1.Value", "blue"),
        ],
    )
    .await
    .ok();
    let found = by_group().await;
    assert_eq!(tagged(&found), [API1]);
    let tags = &found["Instances"]["Instance"][0]["Tags"]["Tag"];
    assert!(
        tags.as_array()
            .unwrap()
            .iter()
            .any(|t| t["TagKey"] == "app" && t["TagValue"] == "api"),
        "the inventory's tags stay: {tags}"
    );
    let list = api
        .r(
            "ListTagResources",
            &[
                ("ResourceType", "instance"),
                ("Tag.1.Key", "group"),
                ("Tag.1.Value", "blue"),
            ],
        )
        .await
        .ok();
    let rows = list["TagResources"]["TagResource"].as_array().unwrap();
    assert!(
        rows.iter()
            .all(|r| r["ResourceId"] == API1 && r["ResourceType"] == "instance")
    );
    assert!(rows.iter().any(|r| r["TagKey"] == "group"));
    // RunCommand by ResourceTag reaches it now.
    let body = api
        .r(
            "RunCommand",
            &[
                ("Type", "RunShellScript"),
                ("CommandContent", "true"),
                ("ResourceTag.1.Key", "group"),
                ("ResourceTag.1.Value", "blue"),
            ],
        )
        .await
        .ok();
    assert!(body["InvokeId"].is_string(), "{body}");
    // An inventory tag can be removed too.
    api.r(
        "UntagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", API1),
            ("TagKey.1", "app"),
            ("TagKey.2", "group"),
        ],
    )
    .await
    .ok();
    assert!(tagged(&by_group().await).is_empty());
    let all = api
        .r(
            "DescribeInstances",
            &[("InstanceIds", &format!("[\"{API1}\"]"))],
        )
        .await
        .ok();
    let tags = all["Instances"]["Instance"][0]["Tags"]["Tag"]
        .as_array()
        .unwrap();
    assert!(tags.iter().all(|t| t["TagKey"] != "app"), "{tags:?}");
    // Unknown ids and other prefixes are refused as for the other types.
    api.r(
        "TagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", "i-bp1nope0000000000001"),
            ("Tag.1.Key", "k"),
        ],
    )
    .await
    .err(404, "InvalidResourceId.NotFound");
    api.r(
        "TagResources",
        &[
            ("ResourceType", "instance"),
            ("ResourceId.1", "c-123"),
            ("Tag.1.Key", "k"),
        ],
    )
    .await
    .err(403, "InvalidResourceId.NotSupported");
}
