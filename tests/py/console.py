"""Acts like a person in the Alibaba Cloud console, with the official Python SDK
(alibabacloud-ecs20140526): edits made outside assistctl, which plan must see as drift.

usage: console.py ENDPOINT modify COMMAND_ID Key=Value...
       console.py ENDPOINT untag COMMAND_ID TAGKEY...
Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET."""
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
else:
    sys.exit(f"unknown op {op}")
print("ok")
