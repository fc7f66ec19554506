#!/usr/bin/env python3
"""Benchmark the emulator's agent: runs per second of a trivial script on N instances
(default 1,000), sandboxed (one bubblewrap sandbox per instance) next to --unsandboxed (the
same scripts straight on the host), each cold (an instance's first run makes its files: a copy
of /etc) and warm (its second run).

Usage: python3 scripts/bench_agent.py [N]
Builds the release binary, writes an inventory of N Linux instances, and for each mode starts
`assistctl emulator serve --ephemeral` on 127.0.0.1, sends RunCommand in calls of 50 instances
with the official Python SDK (the venv `cargo test` creates under target/py-venv), and polls
DescribeInvocations until every task is final. Prints a Markdown table for BENCHMARKS.md.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000
EXE = os.path.join(ROOT, "target", "release", "assistctl")
VENV_PY = os.path.join(ROOT, "target", "py-venv", "bin", "python")

CLIENT = r'''
import base64, sys, time
from alibabacloud_ecs20140526 import models as m
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config
endpoint, n = sys.argv[1], int(sys.argv[2])
c = Client(Config(access_key_id="LTAIlocalemulator", access_key_secret="local-emulator-secret",
                  endpoint=endpoint, protocol="http", region_id="cn-hangzhou"))
ids = [f"i-bench{i:012d}" for i in range(n)]
content = base64.b64encode(b"echo ran on $(hostname)").decode()
final = {"Success", "Failed", "Error", "Timeout", "Cancelled", "Terminated", "Invalid", "Aborted", "Stopped"}
for round_ in ("cold", "warm"):
    t = time.perf_counter()
    tasks = []
    for k in range(0, n, 50):
        r = c.run_command(m.RunCommandRequest(region_id="cn-hangzhou", type="RunShellScript",
                                              command_content=content, content_encoding="Base64",
                                              instance_id=ids[k:k + 50]))
        tasks.append(r.body.invoke_id)
    pending = set(tasks)
    ok = 0
    while pending:
        time.sleep(0.2)
        for tid in list(pending):
            inv = c.describe_invocations(m.DescribeInvocationsRequest(region_id="cn-hangzhou", invoke_id=tid)).body.invocations.invocation[0]
            if inv.invocation_status in final:
                pending.discard(tid)
                ok += sum(1 for i in inv.invoke_instances.invoke_instance if i.invocation_status == "Success")
    dt = time.perf_counter() - t
    print(f"{round_} {dt:.2f} {ok}")
'''


def main():
    if not os.path.exists(VENV_PY):
        sys.exit("target/py-venv is missing: run `cargo test` once (it creates the venv with the official SDK)")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="assistctl-bench-agent-")
    inv = os.path.join(work, "inventory.yaml")
    with open(inv, "w") as f:
        f.write('accountId: "1234567890123456"\nregions: [cn-hangzhou]\ninstances:\n')
        for i in range(N):
            f.write(f"  - {{ id: i-bench{i:012d}, name: bench-{i}, os: linux }}\n")
    client = os.path.join(work, "client.py")
    with open(client, "w") as f:
        f.write(CLIENT)
    rows = {}
    for mode, extra in [("sandboxed (bubblewrap)", []), ("unsandboxed", ["--unsandboxed"])]:
        emu = subprocess.Popen([EXE, "emulator", "serve", "--listen", "127.0.0.1:0", "--ephemeral",
                                "--inventory", inv, *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "RUST_LOG": "warn"})
        try:
            endpoint = re.search(r"listening on http://(\S+)", emu.stdout.readline()).group(1)
            out = subprocess.run([VENV_PY, client, endpoint, str(N)], check=True,
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                round_, secs, ok = line.split()
                rows[(mode, round_)] = (float(secs), int(ok))
        finally:
            emu.terminate()
            emu.wait()
    print(f"instances: {N}, cpus: {os.cpu_count()}, date: {time.strftime('%Y-%m-%d')}")
    print("| mode | round | runs | wall time | runs/s |")
    print("|---|---|---|---|---|")
    for (mode, round_), (secs, ok) in rows.items():
        print(f"| {mode} | {round_} | {ok} of {N} succeeded | {secs:.2f} s | {N / secs:.0f} |")


if __name__ == "__main__":
    main()
