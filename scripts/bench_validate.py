#!/usr/bin/env python3
"""Benchmark `assistctl validate` on N generated manifest files (default 10,000).

Each file holds one Command (an inline shell script with two parameters) and every
fifth file also an Invocation with a cron schedule, so the run exercises YAML parsing,
the JSON Schema, placeholder, secret and schedule rules. Prints files/s and peak RSS.

Usage: python3 scripts/bench_validate.py [N]
Builds the release binary first (cargo build --release). scripts/bench.py uses its
generator for the validate rows of BENCHMARKS.md (one core next to all cores).
"""
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10_000
OUT = os.path.join(ROOT, "target", "bench-manifests")

STACK = """apiVersion: assistctl/v1
kind: Stack
metadata: {{ name: bench }}
spec:
  region: cn-hangzhou
  tags: {{ team: bench }}
"""

COMMAND = """apiVersion: assistctl/v1
kind: Command
metadata:
  name: cmd-{i:05d}
  description: Rotate logs of service {i}
spec:
  type: shell
  workingDir: /home
  timeout: 120
  tags: {{ service: svc-{i} }}
  parameters:
    dir: {{ description: Log directory, default: /var/log/svc-{i} }}
    keep: {{ description: Files to keep, default: "7" }}
  content: |
    #!/bin/bash
    set -euo pipefail
    cd "{{{{dir}}}}"
    ls -1t *.log | tail -n +$(({{{{keep}}}} + 1)) | xargs -r rm --
    echo "rotated on {{{{ACS::InstanceId}}}}"
"""

INVOCATION = """---
apiVersion: assistctl/v1
kind: Invocation
metadata: {{ name: inv-{i:05d} }}
spec:
  command: cmd-{i:05d}
  targets: {{ tags: {{ env: prod }} }}
  parameters: {{ keep: 3 }}
  schedule: {{ cron: "0 {m} 3 ? * *", timezone: Asia/Shanghai }}
"""


def generate(out=OUT, n=N):
    """Writes the Stack and n Command files (every fifth with an Invocation) under out."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    with open(os.path.join(out, "stack.yaml"), "w") as f:
        f.write(STACK.format())
    for i in range(n):
        d = os.path.join(out, f"d{i // 1000:02d}")
        os.makedirs(d, exist_ok=True)
        text = COMMAND.format(i=i)
        if i % 5 == 0:
            text += INVOCATION.format(i=i, m=i % 60)
        with open(os.path.join(d, f"cmd-{i:05d}.yaml"), "w") as f:
            f.write(text)


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    generate()
    exe = os.path.join(ROOT, "target", "release", "assistctl")
    runs = []
    rss = []
    for _ in range(3):
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "maxrss_kib=%M", exe, "validate", "--format",
                            "json", OUT], capture_output=True)
        runs.append(time.perf_counter() - t)
        rss.append(int(p.stderr.decode().rsplit("maxrss_kib=", 1)[1].split()[0]) / 1024)
        if p.returncode != 0:
            sys.stderr.write(p.stdout.decode()[:2000])
            sys.exit("validate failed on the generated manifests")
    best = min(runs)
    print(f"files: {N + 1}, documents: {N + N // 5 + 1}")
    print(f"wall time: best {best:.3f} s of {len(runs)} runs ({', '.join(f'{r:.3f}' for r in runs)})")
    print(f"throughput: {(N + 1) / best:,.0f} files/s")
    print(f"peak RSS of validate: {max(rss):.1f} MiB")
    print(f"cpus: {os.cpu_count()}, machine: {os.uname().machine}, date: {time.strftime('%Y-%m-%d')}")


if __name__ == "__main__":
    main()
