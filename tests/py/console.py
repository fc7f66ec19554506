"""Acts like a person in the Alibaba Cloud console, with the official Python SDK
(alibabacloud-ecs20140526): edits made outside assistctl, which plan must see as drift.

usage: console.py ENDPOINT modify COMMAND_ID Key=Value...
       console.py ENDPOINT untag COMMAND_ID TAGKEY...
       console.py ENDPOINT tag RESOURCE_TYPE ID KEY=VALUE...   (TagResources)
       console.py ENDPOINT stop INVOKE_ID              (StopInvocation, as the console's Stop)
       console.py ENDPOINT invocations STACK           (the stack's tasks as JSON, one per line)
Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET."""
import json
import os
import sys

from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config

endpoint, op, cid, *rest = sys.argv[1:]
scheme, host = endpoint.split("://", 1)
client = Client(Config(
    access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
    access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    endpoint=host,
    protocol=scheme,
    region_id="cn-hangzhou",
))
if op == "modify":
    req = models.ModifyCommandRequest(region_id="cn-hangzhou", command_id=cid)
    for kv in rest:
        k, v = kv.split("=", 1)
        snake = "".join("_" + c.lower() if c.isupper() else c for c in k).lstrip("_")
        setattr(req, snake, int(v) if v.isdigit() else v)
    client.modify_command(req)
elif op == "untag":
    client.untag_resources(models.UntagResourcesRequest(
        region_id="cn-hangzhou", resource_type="command", resource_id=[cid], tag_key=rest))
elif op == "tag":
    rid, *pairs = rest
    client.tag_resources(models.TagResourcesRequest(
        region_id="cn-hangzhou", resource_type=cid, resource_id=[rid],
        tag=[models.TagResourcesRequestTag(key=k, value=v)
             for k, v in (kv.split("=", 1) for kv in pairs)]))
elif op == "stop":
    client.stop_invocation(models.StopInvocationRequest(region_id="cn-hangzhou", invoke_id=cid))
elif op == "invocations":
    token = None
    while True:
        page = client.describe_invocations(models.DescribeInvocationsRequest(
            region_id="cn-hangzhou", max_results=50, next_token=token,
            tag=[models.DescribeInvocationsRequestTag(key="assistctl:stack", value=cid)])).body
        for inv in page.invocations.invocation:
            print(json.dumps({
                "InvokeId": inv.invoke_id, "CommandId": inv.command_id,
                "RepeatMode": inv.repeat_mode, "Frequency": inv.frequency,
                "Status": inv.invocation_status, "Parameters": inv.parameters,
                "Timeout": inv.timeout, "Username": inv.username,
                "Tags": {t.tag_key: t.tag_value for t in inv.tags.tag},
                "Instances": sorted(i.instance_id for i in inv.invoke_instances.invoke_instance),
            }))
        token = page.next_token
        if not token:
            break
    sys.exit(0)
else:
    sys.exit(f"unknown op {op}")
print("ok")
