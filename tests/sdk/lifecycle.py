"""The official Python SDK (alibabacloud-ecs20140526) against the emulator's ECS instance
operations: StopInstance, StartInstance and RebootInstance, and what they change for Cloud
Assistant, once with the default V3 signature and once with signature_algorithm='v2'.

The SDK's request models of these operations have no RegionId, so this also proves the
emulator answers them without one.

Environment: EMULATOR_ENDPOINT (host:port), EMULATOR_AK, EMULATOR_SECRET; a fresh emulator
with the default inventory. Exit status 0 means every assertion held.
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
WEB1, WEB2, WIN2 = "i-bp1web0000000000001", "i-bp1web0000000000002", "i-bp1win0000000000002"
MI1 = "mi-hz0100000000000001"
REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


def eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def client(style):
    cfg = Config(
        access_key_id=AK,
        access_key_secret=SECRET,
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
    if not REQUEST_ID.match(resp.body.request_id or ""):
        raise AssertionError(f"RequestId shape: {resp.body.request_id!r}")
    return resp.body


def err(fn, status, code):
    try:
        fn()
    except Exception as e:  # the SDK raises ClientException / ServerException
        eq((getattr(e, "status_code", None), getattr(e, "code", None)), (status, code), "error status and code")
        return
    raise AssertionError(f"expected {code}, the call succeeded")


def instance_status(c, instance_id):
    body = ok(c.describe_instances(m.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([instance_id]))))
    return body.instances.instance[0].status


def assistant_status(c, instance_id):
    body = ok(c.describe_cloud_assistant_status(m.DescribeCloudAssistantStatusRequest(region_id=REGION, instance_id=[instance_id])))
    return body.instance_cloud_assistant_status_set.instance_cloud_assistant_status[0]


def scenario(style, target):
    c = client(style)
    content = base64.b64encode(b"echo hello").decode()
    cmd = ok(c.create_command(m.CreateCommandRequest(region_id=REGION, name=f"life-{style}", type="RunShellScript", command_content=content))).command_id

    def invoke(instance_id, **kw):
        return c.invoke_command(m.InvokeCommandRequest(region_id=REGION, command_id=cmd, instance_id=[instance_id], **kw))

    eq(instance_status(c, target), "Running", "starts Running")
    err(lambda: c.stop_instance(m.StopInstanceRequest(instance_id=target, dry_run=True)), 400, "DryRunOperation")
    eq(instance_status(c, target), "Running", "a dry run changes nothing")

    ok(c.stop_instance(m.StopInstanceRequest(instance_id=target, force_stop=False, stopped_mode="KeepCharging")))
    eq(instance_status(c, target), "Stopped", "Stopped right after StopInstance")
    st = assistant_status(c, target)
    eq(st.cloud_assistant_status, "false", "no agent on a stopped instance")
    eq(st.last_heartbeat_time, None, "no heartbeat on a stopped instance")
    err(lambda: invoke(target), 400, "InvalidInstance.NotMatch")
    err(lambda: c.stop_instance(m.StopInstanceRequest(instance_id=target)), 403, "IncorrectInstanceStatus")
    err(lambda: c.reboot_instance(m.RebootInstanceRequest(instance_id=target)), 403, "IncorrectInstanceStatus")

    ok(c.start_instance(m.StartInstanceRequest(instance_id=target)))
    eq(instance_status(c, target), "Running", "Running right after StartInstance")
    eq(assistant_status(c, target).cloud_assistant_status, "true", "the agent is back")
    err(lambda: c.start_instance(m.StartInstanceRequest(instance_id=target)), 403, "IncorrectInstanceStatus")

    boot = ok(invoke(target, repeat_mode="NextRebootOnly")).invoke_id
    ok(c.reboot_instance(m.RebootInstanceRequest(instance_id=target, force_stop=True)))
    eq(instance_status(c, target), "Running", "Running right after RebootInstance")
    body = ok(c.describe_invocation_results(m.DescribeInvocationResultsRequest(region_id=REGION, invoke_id=boot)))
    eq(body.invocation.invocation_results.invocation_result[0].invocation_status, "Pending", "a released boot run waits for the agent")
    ok(invoke(target))

    err(lambda: c.reboot_instance(m.RebootInstanceRequest(instance_id=WIN2)), 403, "IncorrectInstanceStatus")
    err(lambda: c.start_instance(m.StartInstanceRequest(instance_id=WIN2, dry_run=True)), 400, "DryRunOperation")
    for call in (
        lambda i: c.stop_instance(m.StopInstanceRequest(instance_id=i)),
        lambda i: c.start_instance(m.StartInstanceRequest(instance_id=i)),
        lambda i: c.reboot_instance(m.RebootInstanceRequest(instance_id=i)),
    ):
        err(lambda: call("i-bp1nope000000000000"), 404, "InvalidInstanceId.NotFound")
        err(lambda: call(MI1), 404, "InvalidInstanceId.NotFound")


def main():
    # Each signature style works on its own instance, so neither depends on the other's end state.
    for style, target in (("v3", WEB1), ("v2", WEB2)):
        scenario(style, target)
        print(f"{style}: ok", flush=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        raise
