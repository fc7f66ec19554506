#!/usr/bin/env python3
"""Benchmark `assistctl plan` over N commands (default 10,000) in one region against the
local emulator: wall time, peak memory and the API calls made, next to what a
one-describe-per-resource refresh (Terraform's alicloud provider reads each
alicloud_ecs_command with its own DescribeCommands call) would make for the same set.

Usage: python3 scripts/bench_plan.py [N]
Builds the release binary, starts `assistctl emulator serve` on loopback with a fresh
state, applies N generated commands, then times `plan` (in sync: nothing to do) 3 times.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
EXE = os.path.join(ROOT, "target", "release", "assistctl")


def metrics(endpoint, action):
    body = urllib.request.urlopen(f"{endpoint}/metrics").read().decode()
    total = 0.0
    for line in body.splitlines():
        if line.startswith("assistctl_emulator_requests_total") and f'action="{action}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def all_requests(endpoint):
    body = urllib.request.urlopen(f"{endpoint}/metrics").read().decode()
    return int(sum(float(l.rsplit(" ", 1)[1]) for l in body.splitlines()
                   if l.startswith("assistctl_emulator_requests_total")))


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="assistctl-bench-plan-")
    with open(os.path.join(work, "stack.yaml"), "w") as f:
        f.write("apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: bench }\n"
                "spec:\n  region: cn-hangzhou\n")
    with open(os.path.join(work, "commands.yaml"), "w") as f:
        for i in range(N):
            f.write(f"---\napiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: cmd-{i:05d} }}\n"
                    f"spec:\n  type: shell\n  timeout: 120\n  workingDir: /home\n"
                    f"  content: |\n    #!/bin/bash\n    echo \"job {i} on {{{{ACS::InstanceId}}}}\"\n")
    emu = subprocess.Popen([EXE, "emulator", "serve", "--listen", "127.0.0.1:0", "--ephemeral",
                            "--command-quota", "50000"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           env={**os.environ, "RUST_LOG": "warn"})
    try:
        endpoint = re.search(r"listening on (\S+)", emu.stdout.readline()).group(1)
        env = {**os.environ, "ALIBABA_CLOUD_ECS_ENDPOINT": endpoint,
               "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIlocalemulator",
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "local-emulator-secret",
               "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "NO_COLOR": "1"}
        fast = ["--requests-per-second", "5000"]
        t = time.perf_counter()
        subprocess.run([EXE, "apply", "--auto-approve", "--parallelism", "32", *fast, work],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        seed_s = time.perf_counter() - t
        runs = []
        calls = []
        rss = []
        for _ in range(3):
            before = all_requests(endpoint)
            t = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-f", "maxrss_kib=%M", EXE, "plan",
                                "--detailed-exitcode", *fast, work], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            runs.append(time.perf_counter() - t)
            rss.append(int(re.search(r"maxrss_kib=(\d+)", p.stderr).group(1)) / 1024)
            calls.append(all_requests(endpoint) - before)
            assert p.returncode == 0, f"plan exit {p.returncode}: not in sync"
        # The same plan at the default client rate limit (20 requests/s).
        t = time.perf_counter()
        subprocess.run([EXE, "plan", work], env=env, stdout=subprocess.DEVNULL, check=True)
        default_rate = time.perf_counter() - t
        best = min(runs)
        print(f"commands: {N} in one region (seeded by apply in {seed_s:.1f} s)")
        print(f"plan wall time: best {best:.2f} s of 3 ({', '.join(f'{r:.2f}' for r in runs)})"
              " with --requests-per-second 5000")
        print(f"plan wall time at the default 20 requests/s: {default_rate:.2f} s")
        print(f"API calls per plan (emulator /metrics): {calls[0]}; bound ceil(N/50)+10 = {-(-N // 50) + 10}")
        print(f"one-describe-per-resource refresh would make: {N} calls")
        print(f"plan peak RSS: {max(rss):.0f} MiB")
        print(f"cpus: {os.cpu_count()}, date: {time.strftime('%Y-%m-%d')}")
    finally:
        emu.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
