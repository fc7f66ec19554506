"""The official Python SDK reads back real runs, as a user's own script would: RunCommand on
two instances, then DescribeInvocationResults until the runs are final; exit codes, the
output decoded from Base64, statuses and Repeats are what the scripts did. A Period task's
history and a StopInvocation of a running script too.

Environment: EMULATOR_ENDPOINT (host:port), EMULATOR_AK, EMULATOR_SECRET; the emulator runs
with --time-scale 60 (a rate(1m) task fires every real second). Exit status 0 means every
assertion held.
"""

import base64
import os
import time

from alibabacloud_ecs20140526 import models as m
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config

REGION = "cn-hangzhou"
WEB1, WEB2 = "i-bp1web0000000000001", "i-bp1web0000000000002"
FINAL = {"Success", "Failed", "Error", "Timeout", "Cancelled", "Terminated", "Invalid", "Aborted", "Stopped"}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


client = Client(Config(
    access_key_id=os.environ["EMULATOR_AK"],
    access_key_secret=os.environ["EMULATOR_SECRET"],
    endpoint=os.environ["EMULATOR_ENDPOINT"],
    protocol="http",
    region_id=REGION,
))


def b64(s):
    return base64.b64encode(s.encode()).decode()


def run(script, instances, **kw):
    req = m.RunCommandRequest(region_id=REGION, type="RunShellScript", command_content=b64(script),
                              content_encoding="Base64", instance_id=instances, **kw)
    return client.run_command(req).body.invoke_id


def results(invoke_id, history=False):
    req = m.DescribeInvocationResultsRequest(region_id=REGION, invoke_id=invoke_id, include_history=history)
    return client.describe_invocation_results(req).body.invocation.invocation_results.invocation_result


def wait(invoke_id, until, limit=30):
    started = time.time()
    while True:
        rows = results(invoke_id)
        if rows and until(rows):
            return rows
        check(time.time() - started < limit, f"{invoke_id}: not there after {limit} s: {[r.invocation_status for r in rows]}")
        time.sleep(0.2)


ok_id = run("echo hello from $(hostname); echo ran > /tmp/sdk-mark", [WEB1, WEB2])
rows = wait(ok_id, lambda rs: all(r.invocation_status in FINAL for r in rs))
for r, name in zip(sorted(rows, key=lambda r: r.instance_id), ["web-1", "web-2"]):
    check(r.invocation_status == "Success", f"status {r.invocation_status}")
    check(r.invoke_record_status == "Finished", f"legacy status {r.invoke_record_status}")
    check(r.exit_code == 0, f"exit code {r.exit_code}")
    check(base64.b64decode(r.output).decode() == f"hello from {name}\n", f"output {r.output!r}")
    check(r.repeats == 1 and r.dropped == 0, f"repeats {r.repeats} dropped {r.dropped}")
    check(r.start_time and r.finished_time, "start and finish times")

fail_id = run("echo broken >&2; exit 3", [WEB1])
r = wait(fail_id, lambda rs: rs[0].invocation_status in FINAL)[0]
check((r.invocation_status, r.exit_code, r.error_code) == ("Failed", 3, "ExitCodeNonzero"), f"failed run {r}")
check(base64.b64decode(r.output).decode() == "broken\n", f"stderr in the output {r.output!r}")
inv = client.describe_invocations(m.DescribeInvocationsRequest(region_id=REGION, invoke_id=fail_id)).body.invocations.invocation[0]
check(inv.invocation_status == "Failed", f"task status {inv.invocation_status}")

rate_id = run("date +%s", [WEB2], repeat_mode="Period", frequency="rate(1m)", timeout=30)
hist = []
started = time.time()
while len([h for h in hist if h.invocation_status in FINAL]) < 2:
    check(time.time() - started < 30, "the rate task did not fire twice")
    time.sleep(0.3)
    hist = results(rate_id, history=True)
check([h.repeats for h in hist][:2] == [1, 2], f"history repeats {[h.repeats for h in hist]}")
client.stop_invocation(m.StopInvocationRequest(region_id=REGION, invoke_id=rate_id))

long_id = run("echo begun; sleep 60", [WEB1])
wait(long_id, lambda rs: rs[0].invocation_status == "Running")
time.sleep(0.3)
client.stop_invocation(m.StopInvocationRequest(region_id=REGION, invoke_id=long_id))
r = wait(long_id, lambda rs: rs[0].invocation_status in FINAL)[0]
check(r.invocation_status == "Terminated", f"stopped run {r.invocation_status}")
check(base64.b64decode(r.output).decode() == "begun\n", f"output before the stop {r.output!r}")
print("runs: ok")
