"""The official Python SDK (alibabacloud-ecs20140526 on alibabacloud-tea-openapi) against the
emulator: every operation, every response field the product reads, and the error codes of the
service's rules, once with the default V3 signature (ACS3-HMAC-SHA256) and once with
signature_algorithm='v2' (RPC HMAC-SHA1).

Environment: EMULATOR_ENDPOINT (host:port), EMULATOR_AK, EMULATOR_SECRET. The emulator runs with
--command-quota 40. Exit status 0 means every assertion held.
"""

import base64
import json
import os
import re
import sys

from alibabacloud_ecs20140526 import models as m
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config

ENDPOINT = os.environ["EMULATOR_ENDPOINT"]
AK = os.environ["EMULATOR_AK"]
SECRET = os.environ["EMULATOR_SECRET"]
REGION = "cn-hangzhou"
WEB1, WEB2, API1 = "i-bp1web0000000000001", "i-bp1web0000000000002", "i-bp1api0000000000001"
WIN1, WIN2 = "i-bp1win0000000000001", "i-bp1win0000000000002"
OLD, OFFLINE = "i-bp1old0000000000001", "i-bp1off0000000000001"
MI1, MI2 = "mi-hz0100000000000001", "mi-hz0100000000000002"
REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CHECKS = 0


def check(cond, what):
    global CHECKS
    CHECKS += 1
    if not cond:
        raise AssertionError(what)


def eq(got, want, what):
    check(got == want, f"{what}: got {got!r}, want {want!r}")


def client(style, secret=SECRET):
    cfg = Config(
        access_key_id=AK,
        access_key_secret=secret,
        endpoint=ENDPOINT,
        protocol="http",
        region_id=REGION,
        read_timeout=10000,
        connect_timeout=5000,
    )
    if style == "v2":
        cfg.signature_algorithm = "v2"
    return Client(cfg)


def ok(resp):
    eq(resp.status_code, 200, "HTTP status")
    check(REQUEST_ID.match(resp.body.request_id or ""), f"RequestId shape: {resp.body.request_id!r}")
    return resp.body


def err(fn, status, code):
    try:
        fn()
    except Exception as e:  # the SDK raises ClientException / ServerException
        got = (getattr(e, "status_code", None), getattr(e, "code", None))
        eq(got, (status, code), "error status and code")
        data = getattr(e, "data", {}) or {}
        for field in ("RequestId", "HostId", "Code", "Message", "Recommend"):
            check(field in data, f"error body has {field}: {data}")
        check(data["Recommend"].startswith("https://api.aliyun.com/troubleshoot?q=" + code), data["Recommend"])
        return data
    raise AssertionError(f"expected {code}, the call succeeded")


def b64(s):
    return base64.b64encode(s.encode()).decode()


def scenario(style):
    c = client(style)
    tag = f"sdk-{style}"

    # --- CreateCommand / DescribeCommands ---------------------------------------------------
    content = "#!/bin/bash\ntar -cf /backup/x.tgz {{file}} {{ dest }}\n"
    body = ok(
        c.create_command(
            m.CreateCommandRequest(
                region_id=REGION,
                name=f"backup-{style}",
                type="RunShellScript",
                command_content=b64(content),
                description="Archive a file",
                working_dir="/home",
                timeout=90,
                enable_parameter=True,
                launcher="",
                tag=[m.CreateCommandRequestTag(key="suite", value=tag), m.CreateCommandRequestTag(key="env", value="prod")],
                client_token=f"create-{style}",
            )
        )
    )
    cmd = body.command_id
    check(re.match(r"^c-[a-z0-9]{15,17}$", cmd), f"command id shape {cmd}")
    again = ok(
        c.create_command(
            m.CreateCommandRequest(
                region_id=REGION,
                name=f"backup-{style}",
                type="RunShellScript",
                command_content=b64(content),
                description="Archive a file",
                working_dir="/home",
                timeout=90,
                enable_parameter=True,
                launcher="",
                tag=[m.CreateCommandRequestTag(key="suite", value=tag), m.CreateCommandRequestTag(key="env", value="prod")],
                client_token=f"create-{style}",
            )
        )
    )
    eq(again.command_id, cmd, "same ClientToken and parameters give the first result")
    err(
        lambda: c.create_command(
            m.CreateCommandRequest(region_id=REGION, name="other", type="RunShellScript", command_content=b64("x"), client_token=f"create-{style}")
        ),
        403,
        "IdempotentParameterMismatch",
    )

    body = ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, command_id=cmd)))
    eq(body.total_count, 1, "TotalCount")
    eq(body.page_number, 1, "PageNumber")
    eq(body.page_size, 10, "PageSize")
    got = body.commands.command[0]
    eq(got.command_id, cmd, "CommandId")
    eq(got.name, f"backup-{style}", "Name")
    eq(got.type, "RunShellScript", "Type")
    eq(base64.b64decode(got.command_content).decode(), content, "CommandContent (Base64)")
    eq(got.description, "Archive a file", "Description")
    eq(got.working_dir, "/home", "WorkingDir")
    eq(got.timeout, 90, "Timeout")
    eq(got.enable_parameter, True, "EnableParameter")
    eq(got.invoke_times, 0, "InvokeTimes")
    check(TIME.match(got.creation_time), f"CreationTime {got.creation_time}")
    eq(got.parameter_names.parameter_name, ["file", "dest"], "ParameterNames")
    eq(sorted((t.tag_key, t.tag_value) for t in got.tags.tag), [("env", "prod"), ("suite", tag)], "Tags")

    plain = ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, command_id=cmd, content_encoding="PlainText")))
    eq(plain.commands.command[0].command_content, content, "CommandContent (PlainText)")

    # --- ModifyCommand ------------------------------------------------------------------------
    ok(c.modify_command(m.ModifyCommandRequest(region_id=REGION, command_id=cmd, name=f"backup2-{style}", timeout=5, command_content=b64("ignored"))))
    got = ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, command_id=cmd))).commands.command[0]
    eq(got.name, f"backup2-{style}", "modified Name")
    eq(got.timeout, 10, "Timeout below 10 is raised to 10")
    eq(base64.b64decode(got.command_content).decode(), content, "ModifyCommand ignores CommandContent")
    err(lambda: c.modify_command(m.ModifyCommandRequest(region_id=REGION, command_id="c-hz0nope000000000", name="x")), 404, "InvalidCmdId.NotFound")

    # --- paging and filters --------------------------------------------------------------------
    page_ids = []
    for i in range(5):
        r = ok(
            c.create_command(
                m.CreateCommandRequest(
                    region_id=REGION,
                    name=f"page-{style}-{i}",
                    type="RunShellScript",
                    command_content=b64(f"echo {i}"),
                    tag=[m.CreateCommandRequestTag(key="page", value=style)],
                )
            )
        )
        page_ids.append(r.command_id)
    flt = [m.DescribeCommandsRequestTag(key="page", value=style)]
    seen, token = [], None
    while True:
        body = ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, tag=flt, max_results=2, next_token=token)))
        seen += [x.command_id for x in body.commands.command]
        token = body.next_token
        if not token:
            break
    eq(seen, list(reversed(page_ids)), "NextToken paging, newest first")
    body = ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, tag=flt, page_number=2, page_size=2)))
    eq([x.command_id for x in body.commands.command], [page_ids[2], page_ids[1]], "PageNumber/PageSize paging")
    eq(body.total_count, 5, "TotalCount with filters")
    body = ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, name=f"page-{style}-*")))
    eq(body.total_count, 5, "Name wildcard")
    body = ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, name=f"*-{style}-3")))
    eq([x.command_id for x in body.commands.command], [page_ids[3]], "suffix wildcard")
    body = ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, type="RunBatScript", tag=flt)))
    eq(body.total_count, 0, "Type filter")
    err(lambda: c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, max_results=100)), 400, "InvalidParameter.MaxResults")
    err(lambda: c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, next_token="garbage")), 400, "InvalidParameter.NextToken")
    err(lambda: c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, type="RunCobol")), 404, "InvalidCommandType.NotFound")

    # --- CreateCommand rules ----------------------------------------------------------------------
    def create(**kw):
        args = dict(region_id=REGION, name="n", type="RunShellScript", command_content=b64("echo"))
        args.update(kw)
        return c.create_command(m.CreateCommandRequest(**args))

    err(lambda: create(type="RunRubyScript"), 404, "InvalidCmdType.NotFound")
    err(lambda: create(name="n" * 129), 403, "CmdName.ExceedLimit")
    err(lambda: create(description="d" * 513), 403, "CmdDesc.ExceedLimit")
    err(lambda: create(working_dir="/" * 201), 400, "InvalidParameter.WorkingDir")
    err(lambda: create(launcher="l" * 1025), 403, "InvalidLauncher.LengthLimitExceeded")
    err(lambda: create(timeout=86401), 403, "InvalidTimeout.ExceedLimit")
    err(lambda: create(command_content="%%%"), 400, "CmdContent.DecodeError")
    err(lambda: create(command_content=b64("x" * 13900)), 403, "CmdContent.ExceedLimit")
    err(lambda: create(command_content=b64("{{}}"), enable_parameter=True), 400, "CmdParam.EmptyKey")
    err(lambda: create(command_content=b64("{{bad name}}"), enable_parameter=True), 400, "CmdParam.InvalidParamName")
    err(lambda: create(command_content=b64("{{" + "p" * 65 + "}}"), enable_parameter=True), 403, "CmdParamName.ExceedLimit")
    many = "".join("{{p%d}}" % i for i in range(21))
    err(lambda: create(command_content=b64(many), enable_parameter=True), 403, "CmdParamCount.ExceedLimit")
    err(lambda: create(tag=[m.CreateCommandRequestTag(key="aliyun-x", value="v")]), 400, "InvalidTagKey.Malformed")
    err(lambda: create(tag=[m.CreateCommandRequestTag(key="k", value="see http://x")]), 400, "InvalidTagValue.Malformed")
    err(lambda: create(tag=[m.CreateCommandRequestTag(key=f"k{i}", value="v") for i in range(21)]), 400, "NumberExceed.Tags")
    err(lambda: create(region_id="mars-1"), 404, "InvalidRegionId.NotFound")
    err(lambda: create(resource_group_id="rg-missing"), 404, "InvalidResourceGroup.NotFound")
    plain_cmd = ok(create(name=f"plain-{style}", command_content=b64("echo {{x}}"))).command_id
    bat_cmd = ok(create(name=f"bat-{style}", type="RunBatScript", command_content=b64("echo hi"))).command_id

    # --- InvokeCommand --------------------------------------------------------------------------
    def invoke(**kw):
        args = dict(region_id=REGION, command_id=cmd, instance_id=[WEB1], parameters={"file": "/etc/hosts"})
        args.update(kw)
        return c.invoke_command(m.InvokeCommandRequest(**args))

    body = ok(invoke(instance_id=[WEB1, API1], tag=[m.InvokeCommandRequestTag(key="suite", value=tag)], client_token=f"inv-{style}"))
    once = body.invoke_id
    check(re.match(r"^t-[a-z0-9]{15,17}$", once), f"invoke id shape {once}")
    eq(ok(invoke(instance_id=[WEB1, API1], tag=[m.InvokeCommandRequestTag(key="suite", value=tag)], client_token=f"inv-{style}")).invoke_id, once, "idempotent invoke")
    err(lambda: invoke(instance_id=[WEB1], client_token=f"inv-{style}"), 403, "IdempotentParameterMismatch")
    err(lambda: invoke(command_id="c-hz0nope000000000"), 404, "InvalidCmdId.NotFound")
    err(lambda: invoke(instance_id=["i-bp1nope000000000000"]), 404, "InvalidInstance.NotFound")
    err(lambda: invoke(instance_id=[WIN1]), 400, "InvalidInstance.NotMatch")
    err(lambda: invoke(instance_id=[OFFLINE]), 400, "InvalidInstance.NotMatch")
    err(lambda: invoke(command_id=bat_cmd, instance_id=[WIN2], parameters=None), 400, "InvalidInstance.NotMatch")
    err(lambda: invoke(instance_id=[MI2]), 400, "InvalidInstance.NotMatch")
    data = err(lambda: invoke(instance_id=[OLD], frequency="rate(10m)"), 400, "InvalidInstance.NotMatch")
    check("ClientNeedUpgrade" in data["Message"], data["Message"])
    err(lambda: invoke(instance_id=None), 400, "MissingParam.InstanceId")
    err(lambda: invoke(resource_tag=[m.InvokeCommandRequestResourceTag(key="env", value="prod")]), 400, "InvalidResourceTag.ConflictWithInstanceIds")
    err(lambda: invoke(instance_id=None, resource_tag=[m.InvokeCommandRequestResourceTag(key="env", value="nowhere")]), 400, "InvalidResourceTag.InstanceNotFound")
    err(lambda: invoke(instance_id=[f"i-bp1x{i:016d}" for i in range(51)]), 403, "InstanceIds.ExceedLimit")
    err(lambda: invoke(command_id=plain_cmd, parameters={"x": "1"}), 400, "Parameter.Disabled")
    err(lambda: invoke(parameters={"nope": "1"}), 403, "Parameter.NotMatched")
    err(lambda: invoke(parameters={f"k{i}": "v" for i in range(11)}), 403, "ParameterCount.ExceedLimit")
    err(lambda: invoke(parameters=None), 400, "Parameter.MissingValue")
    err(lambda: invoke(repeat_mode="Period"), 400, "MissingParam.Frequency")
    err(lambda: invoke(repeat_mode="Sometimes"), 404, "InvalidRepeatMode.NotFound")
    err(lambda: invoke(frequency="rate(30s)"), 400, "InvalidParam.Frequency")
    err(lambda: invoke(frequency="0/5 * * * * ?"), 400, "InvalidParam.Frequency")
    err(lambda: invoke(frequency="rate(5m)", timeout=600), 400, "InvalidParam.Frequency")
    err(lambda: invoke(repeat_mode="DryRun"), 400, "DryRunOperation")

    web_prod = [m.InvokeCommandRequestResourceTag(key="app", value="web"), m.InvokeCommandRequestResourceTag(key="env", value="prod")]
    by_tag = ok(invoke(instance_id=None, resource_tag=web_prod)).invoke_id
    period = ok(invoke(repeat_mode="Once", frequency="0 0 2 ? * * Asia/Shanghai")).invoke_id
    managed = ok(invoke(instance_id=[MI1])).invoke_id

    # --- DescribeInvocations ------------------------------------------------------------------------
    body = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, invoke_id=once)))
    eq(body.total_count, 1, "one task")
    inv = body.invocations.invocation[0]
    eq(inv.invoke_id, once, "InvokeId")
    eq(inv.command_id, cmd, "CommandId")
    eq(inv.command_name, f"backup2-{style}", "CommandName")
    eq(inv.command_type, "RunShellScript", "CommandType")
    eq(base64.b64decode(inv.command_content).decode(), content, "CommandContent")
    eq(json.loads(inv.parameters), {"file": "/etc/hosts"}, "Parameters (a JSON string)")
    eq(inv.repeat_mode, "Once", "RepeatMode")
    eq(inv.timed, False, "Timed")
    eq(inv.timeout, 10, "Timeout from the command")
    eq(inv.username, "root", "Username default")
    eq(inv.invocation_status, "Pending", "nothing ran: Pending, never a fake success")
    eq(inv.invoke_status, "Running", "legacy InvokeStatus")
    eq([(t.tag_key, t.tag_value) for t in inv.tags.tag], [("suite", tag)], "task Tags")
    targets = inv.invoke_instances.invoke_instance
    eq([t.instance_id for t in targets], [WEB1, API1], "targets in order")
    for t in targets:
        eq(t.invocation_status, "Pending", "per-instance status")
        eq(t.exit_code, None, "no exit code before a run")
        eq(t.start_time, None, "no start time before a run")
        eq(t.repeats, 0, "Repeats")
        check(TIME.match(t.creation_time), "instance CreationTime")
    body = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, invoke_id=by_tag)))
    eq([t.instance_id for t in body.invocations.invocation[0].invoke_instances.invoke_instance], [WEB1, WEB2], "ResourceTag selection")
    body = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, invoke_id=period)))
    p = body.invocations.invocation[0]
    eq((p.repeat_mode, p.frequency, p.timed, p.invocation_status), ("Period", "0 0 2 ? * * Asia/Shanghai", True, "Scheduled"), "Period task")
    body = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, tag=[m.DescribeInvocationsRequestTag(key="suite", value=tag)])))
    eq([i.invoke_id for i in body.invocations.invocation], [once], "tag filter on tasks")
    body = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, instance_id=MI1)))
    check(managed in [i.invoke_id for i in body.invocations.invocation], "InstanceId filter")
    body = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, command_id=cmd, max_results=1)))
    check(body.next_token, "more pages of tasks")

    # --- DescribeInvocationResults -----------------------------------------------------------------
    body = ok(c.describe_invocation_results(m.DescribeInvocationResultsRequest(region_id=REGION, invoke_id=once, max_results=1)))
    eq(body.invocation.total_count, 2, "results TotalCount inside Invocation")
    r = body.invocation.invocation_results.invocation_result[0]
    eq((r.invoke_id, r.instance_id, r.command_id), (once, WEB1, cmd), "result ids")
    eq((r.invocation_status, r.invoke_record_status), ("Pending", "Running"), "result statuses")
    eq(r.exit_code, None, "no ExitCode")
    body = ok(
        c.describe_invocation_results(
            m.DescribeInvocationResultsRequest(region_id=REGION, invoke_id=once, max_results=1, next_token=body.invocation.next_token)
        )
    )
    eq(body.invocation.invocation_results.invocation_result[0].instance_id, API1, "second page of results")
    eq(body.invocation.next_token or "", "", "last page")

    # --- StopInvocation -------------------------------------------------------------------------------
    err(lambda: c.stop_invocation(m.StopInvocationRequest(region_id=REGION, invoke_id="t-hz0nope000000000")), 404, "InvalidInvokeId.NotFound")
    err(lambda: c.stop_invocation(m.StopInvocationRequest(region_id=REGION, invoke_id=once, instance_id=[WIN1])), 404, "InvalidInstanceId.NotFound")
    ok(c.stop_invocation(m.StopInvocationRequest(region_id=REGION, invoke_id=once, instance_id=[WEB1])))
    inv = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, invoke_id=once))).invocations.invocation[0]
    eq([t.invocation_status for t in inv.invoke_instances.invoke_instance], ["Cancelled", "Pending"], "stop one target")
    ok(c.stop_invocation(m.StopInvocationRequest(region_id=REGION, invoke_id=once)))
    ok(c.stop_invocation(m.StopInvocationRequest(region_id=REGION, invoke_id=period)))
    inv = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, invoke_id=period))).invocations.invocation[0]
    eq((inv.invocation_status, inv.invoke_status), ("Stopped", "Stopped"), "stopped Period task")
    eq(inv.invoke_instances.invoke_instance[0].invocation_status, "Stopped", "Scheduled -> Stopped")

    # --- ModifyInvocationAttribute --------------------------------------------------------------------
    rate = ok(invoke(frequency="rate(1h)")).invoke_id
    body = ok(c.modify_invocation_attribute(m.ModifyInvocationAttributeRequest(region_id=REGION, invoke_id=rate, frequency="rate(2h)", parameters={"dest": "/tmp"}, instance_id=[API1])))
    eq(body.command_id, cmd, "ModifyInvocationAttribute returns the CommandId")
    inv = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, invoke_id=rate))).invocations.invocation[0]
    eq((inv.frequency, json.loads(inv.parameters)), ("rate(2h)", {"dest": "/tmp"}), "modified task")
    eq(len(inv.invoke_instances.invoke_instance), 2, "added a target")
    err(lambda: c.modify_invocation_attribute(m.ModifyInvocationAttributeRequest(region_id=REGION, invoke_id=once, frequency="rate(2h)")), 403, "InvalidOperation.RepeatModeUnsupported")
    err(lambda: c.modify_invocation_attribute(m.ModifyInvocationAttributeRequest(region_id=REGION, invoke_id=period, frequency="rate(2h)")), 403, "InvalidOperation.InvokeAlreadyFinished")

    # --- RunCommand --------------------------------------------------------------------------------------
    body = ok(
        c.run_command(
            m.RunCommandRequest(
                region_id=REGION,
                type="RunShellScript",
                command_content='echo "hello world" {{name}} ~/a*b',
                enable_parameter=True,
                parameters={"name": "Jack"},
                instance_id=[WEB1, WEB2],
                tag=[m.RunCommandRequestTag(key="suite", value=tag)],
                name=f"run-{style}",
            )
        )
    )
    run_cmd, run_inv = body.command_id, body.invoke_id
    check(run_cmd.startswith("c-") and run_inv.startswith("t-"), "RunCommand ids")
    eq(ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, command_id=run_cmd))).total_count, 0, "KeepCommand=false keeps nothing")
    inv = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, invoke_id=run_inv, content_encoding="PlainText"))).invocations.invocation[0]
    eq(inv.command_content, 'echo "hello world" {{name}} ~/a*b', "PlainText is RunCommand's default encoding")
    eq(inv.command_name, f"run-{style}", "RunCommand Name")
    big = "y" * 15000  # 20 KB of Base64: over 18 KB, under 24 KB
    ok(c.run_command(m.RunCommandRequest(region_id=REGION, type="RunShellScript", command_content=big, instance_id=[WEB1])))
    err(lambda: c.run_command(m.RunCommandRequest(region_id=REGION, type="RunShellScript", command_content=big, instance_id=[WEB1], keep_command=True)), 403, "CmdContent.ExceedLimit")
    err(lambda: c.run_command(m.RunCommandRequest(region_id=REGION, type="RunShellScript", command_content="z" * 19000, instance_id=[WEB1])), 403, "CmdContent.ExceedLimit")
    kept = ok(c.run_command(m.RunCommandRequest(region_id=REGION, type="RunPowerShellScript", command_content="Write-Output 1", instance_id=[WIN1], keep_command=True, name=f"kept-{style}"))).command_id
    got = ok(c.describe_commands(m.DescribeCommandsRequest(region_id=REGION, command_id=kept))).commands.command[0]
    eq((got.type, got.invoke_times), ("RunPowerShellScript", 1), "kept RunCommand command")
    err(lambda: c.run_command(m.RunCommandRequest(region_id=REGION, type="RunBatScript", command_content="echo", instance_id=[WEB1])), 400, "InvalidInstance.NotMatch")
    err(lambda: c.run_command(m.RunCommandRequest(region_id=REGION, type="RunLispScript", command_content="x", instance_id=[WEB1])), 404, "InvalidCmdType.NotFound")

    # --- instances, status, managed instances --------------------------------------------------------
    body = ok(c.describe_instances(m.DescribeInstancesRequest(region_id=REGION, page_size=50)))
    eq(body.total_count, 8, "DescribeInstances TotalCount")
    ins = {i.instance_id: i for i in body.instances.instance}
    eq((ins[WEB1].instance_name, ins[WEB1].ostype, ins[WEB1].status, ins[WEB1].region_id), ("web-1", "linux", "Running", REGION), "instance fields")
    eq(ins[WIN2].status, "Stopped", "a stopped instance")
    eq({(t.tag_key, t.tag_value) for t in ins[WEB1].tags.tag}, {("env", "prod"), ("app", "web")}, "instance tags")
    body = ok(c.describe_instances(m.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([WIN1, WIN2]))))
    eq(body.total_count, 2, "InstanceIds JSON array")
    body = ok(c.describe_cloud_assistant_status(m.DescribeCloudAssistantStatusRequest(region_id=REGION, instance_id=[WEB1, OFFLINE, WIN2])))
    st = {s.instance_id: s for s in body.instance_cloud_assistant_status_set.instance_cloud_assistant_status}
    eq(st[WEB1].cloud_assistant_status, "true", "CloudAssistantStatus is the string 'true'")
    eq(st[OFFLINE].cloud_assistant_status, "false", "offline agent")
    eq(st[WIN2].cloud_assistant_status, "false", "stopped instance")
    eq(st[WEB1].ostype, "Linux", "OSType")
    check(st[WEB1].cloud_assistant_version, "agent version")
    check(st[WEB1].invocation_count >= 1, "InvocationCount counts tasks")
    err(lambda: c.describe_cloud_assistant_status(m.DescribeCloudAssistantStatusRequest(region_id=REGION, instance_id=["i-bp1nope000000000000"])), 404, "InvalidInstance.NotFound")
    body = ok(c.describe_managed_instances(m.DescribeManagedInstancesRequest(region_id=REGION)))
    eq(body.total_count, 2, "managed instances")
    mi = {i.instance_id: i for i in body.instances}
    eq((mi[MI1].connected, mi[MI2].connected), (True, False), "Connected")
    eq(mi[MI1].os_type, "linux", "OsType")
    check(mi[MI1].invocation_count >= 1, "managed InvocationCount")
    eq({(t.tag_key, t.tag_value) for t in mi[MI1].tags}, {("env", "prod"), ("app", "db")}, "managed tags are a plain list")

    # --- tag APIs --------------------------------------------------------------------------------------
    ok(c.tag_resources(m.TagResourcesRequest(region_id=REGION, resource_type="command", resource_id=[cmd, plain_cmd], tag=[m.TagResourcesRequestTag(key="owner", value=style)])))
    body = ok(c.list_tag_resources(m.ListTagResourcesRequest(region_id=REGION, resource_type="command", tag=[m.ListTagResourcesRequestTag(key="owner", value=style)])))
    rows = {(r.resource_id, r.tag_key, r.tag_value, r.resource_type) for r in body.tag_resources.tag_resource}
    check((cmd, "owner", style, "command") in rows and (plain_cmd, "owner", style, "command") in rows, f"ListTagResources {rows}")
    check((cmd, "env", "prod", "command") in rows, "all tags of a matching resource are listed")
    ok(c.untag_resources(m.UntagResourcesRequest(region_id=REGION, resource_type="command", resource_id=[cmd], tag_key=["owner"])))
    body = ok(c.list_tag_resources(m.ListTagResourcesRequest(region_id=REGION, resource_type="command", resource_id=[cmd])))
    eq(sorted(r.tag_key for r in body.tag_resources.tag_resource), ["env", "suite"], "untagged")
    ok(c.tag_resources(m.TagResourcesRequest(region_id=REGION, resource_type="invocation", resource_id=[run_inv], tag=[m.TagResourcesRequestTag(key="k", value="v")])))
    body = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, tag=[m.DescribeInvocationsRequestTag(key="k", value="v")])))
    check(run_inv in [i.invoke_id for i in body.invocations.invocation], "tagged task is found")
    err(lambda: c.tag_resources(m.TagResourcesRequest(region_id=REGION, resource_type="command", resource_id=["c-hz0nope000000000"], tag=[m.TagResourcesRequestTag(key="k", value="v")])), 404, "InvalidResourceId.NotFound")
    err(lambda: c.tag_resources(m.TagResourcesRequest(region_id=REGION, resource_type="command", resource_id=[cmd], tag=[m.TagResourcesRequestTag(key="acs:x", value="v")])), 400, "InvalidTagKey.Malformed")

    # --- DescribeAccountAttributes ----------------------------------------------------------------------
    body = ok(c.describe_account_attributes(m.DescribeAccountAttributesRequest(region_id=REGION, attribute_name=["max-axt-command-count", "max-axt-invocation-daily"])))
    items = {i.attribute_name: i.attribute_values.value_item[0] for i in body.account_attribute_items.account_attribute_item}
    eq(items["max-axt-command-count"].value, "40", "command quota")
    check(int(items["max-axt-invocation-daily"].value) > 0, "daily quota")

    # --- DeleteCommand ------------------------------------------------------------------------------------
    for x in [plain_cmd, bat_cmd, kept] + page_ids:
        ok(c.delete_command(m.DeleteCommandRequest(region_id=REGION, command_id=x)))
    ok(c.delete_command(m.DeleteCommandRequest(region_id=REGION, command_id=cmd)))
    err(lambda: c.delete_command(m.DeleteCommandRequest(region_id=REGION, command_id=cmd)), 404, "InvalidCmdId.NotFound")
    body = ok(c.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, invoke_id=once)))
    eq(body.total_count, 1, "execution records outlive their command")


def quota(style):
    c = client(style)
    made = []
    for i in range(41):
        try:
            made.append(c.create_command(m.CreateCommandRequest(region_id=REGION, name=f"q{i}", type="RunShellScript", command_content=b64("echo"))).body.command_id)
        except Exception as e:
            eq((e.status_code, e.code), (403, "CmdCount.ExceedQuota"), "quota error")
            break
    else:
        raise AssertionError("the command quota was never reached")
    for x in made:
        ok(c.delete_command(m.DeleteCommandRequest(region_id=REGION, command_id=x)))


def wrong_secret(style):
    c = client(style, secret="not-the-secret")
    data = err(lambda: c.describe_commands(m.DescribeCommandsRequest(region_id=REGION)), 400, "SignatureDoesNotMatch")
    check("server string to sign is:" in data["Message"], data["Message"])
    check(SECRET not in json.dumps(data), "the secret never appears in an error")


def main():
    for style in ("v3", "v2"):
        scenario(style)
        quota(style)
        wrong_secret(style)
        print(f"{style}: ok", flush=True)
    print(f"{CHECKS} checks passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        raise
