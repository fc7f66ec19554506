#!/usr/bin/env python3
"""Benchmark `assistctl apply` of 200 commands and 20 invocations against the local emulator
with injected faults, in two scenarios side by side:
  (a) 10% server errors (500/503) + 100 ms latency;
  (b) 20% throttling (Throttling.User) + 10% server errors + 100 ms latency.
For each: wall time until the stack converges, applies needed (apply, then
`plan --detailed-exitcode`, until it exits 0), and the API calls the emulator counted
(/metrics), throttled ones apart. The target is (b) in one apply within 3x the time of (a).

Usage: python3 scripts/bench_throttle.py [--seed N]
Builds the release binary and starts a fresh `assistctl emulator serve --ephemeral` on
127.0.0.1 per scenario. The client runs with its defaults (20 requests/s, --parallelism 8).
"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = os.path.join(ROOT, "target", "release", "assistctl")
COMMANDS = 200
INVOCATIONS = 20
MAX_APPLIES = 5
# Linux instances of the emulator's default inventory that are running with a current agent.
INSTANCES = ["i-bp1web0000000000001", "i-bp1web0000000000002", "i-bp1api0000000000001"]

SCENARIOS = [
    ("(a) 10% 5xx + 100 ms", ["--fail-rate", "0.1", "--latency-ms", "100"]),
    ("(b) 20% throttling + 10% 5xx + 100 ms",
     ["--throttle-rate", "0.2", "--fail-rate", "0.1", "--latency-ms", "100"]),
]


def write_stack(work):
    with open(os.path.join(work, "stack.yaml"), "w") as f:
        f.write("apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: bench-throttle }\n"
                "spec:\n  region: cn-hangzhou\n")
    with open(os.path.join(work, "commands.yaml"), "w") as f:
        for i in range(COMMANDS):
            f.write(f"---\napiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: cmd-{i:03d} }}\n"
                    f"spec:\n  type: shell\n  timeout: 120\n  workingDir: /home\n"
                    f"  content: |\n    #!/bin/bash\n    echo \"job {i} on {{{{ACS::InstanceId}}}}\"\n")
    # Daily cron tasks: real invocations on the inventory's instances that do not fire (and
    # load the machine with script runs) during the benchmark.
    with open(os.path.join(work, "invocations.yaml"), "w") as f:
        for i in range(INVOCATIONS):
            target = INSTANCES[i % len(INSTANCES)]
            f.write(f"---\napiVersion: assistctl/v1\nkind: Invocation\nmetadata: {{ name: inv-{i:02d} }}\n"
                    f"spec:\n  command: cmd-{i:03d}\n  targets: {{ instanceIds: [{target}] }}\n"
                    f"  schedule: {{ cron: \"0 0 2 ? * *\", timezone: Asia/Shanghai }}\n")


def counts(endpoint):
    body = urllib.request.urlopen(f"{endpoint}/metrics").read().decode()
    total = throttled = failed = 0
    for line in body.splitlines():
        if not line.startswith("assistctl_emulator_requests_total"):
            continue
        n = int(float(line.rsplit(" ", 1)[1]))
        total += n
        if 'code="Throttling' in line:
            throttled += n
        elif re.search(r'status="5\d\d"', line):
            failed += n
    return total, throttled, failed


def scenario(name, faults, seed, work):
    emu = subprocess.Popen([EXE, "emulator", "serve", "--listen", "127.0.0.1:0", "--ephemeral",
                            "--seed", str(seed), *faults],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           env={**os.environ, "RUST_LOG": "warn"})
    try:
        endpoint = re.search(r"listening on (\S+)", emu.stdout.readline()).group(1)
        env = {**os.environ, "ALIBABA_CLOUD_ECS_ENDPOINT": endpoint,
               "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIlocalemulator",
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "local-emulator-secret",
               "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "NO_COLOR": "1"}
        applies = 0
        apply_s = 0.0
        converged = False
        t0 = time.perf_counter()
        while applies < MAX_APPLIES:
            applies += 1
            t = time.perf_counter()
            a = subprocess.run([EXE, "apply", "--auto-approve", work], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            apply_s += time.perf_counter() - t
            if a.returncode != 0:
                print(f"  {name}: apply {applies} exited {a.returncode}: {a.stderr.strip()[-300:]}")
            p = subprocess.run([EXE, "plan", "--detailed-exitcode", work], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if p.returncode == 0:
                converged = True
                break
            if p.returncode == 1:
                print(f"  {name}: plan failed: {p.stderr.strip()[-300:]}")
        wall = time.perf_counter() - t0
        total, throttled, failed = counts(endpoint)
        return {"name": name, "applies": applies, "converged": converged, "apply_s": apply_s,
                "wall_s": wall, "calls": total, "throttled": throttled, "failed": failed}
    finally:
        emu.kill()
        emu.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="assistctl-bench-throttle-")
    try:
        write_stack(work)
        rows = [scenario(name, faults, args.seed, work) for name, faults in SCENARIOS]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    a, b = rows
    print(f"stack: {COMMANDS} commands + {INVOCATIONS} invocations, client defaults "
          f"(20 requests/s, parallelism 8), seed {args.seed}")
    print("| scenario | converged | applies | apply time (s) | API calls | throttled | 5xx |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {'yes' if r['converged'] else 'NO'} | {r['applies']} | "
              f"{r['apply_s']:.1f} | {r['calls']} | {r['throttled']} | {r['failed']} |")
    ratio = b["apply_s"] / a["apply_s"]
    met = b["converged"] and b["applies"] == 1 and ratio <= 3.0
    print(f"ratio (b)/(a) of apply time: {ratio:.2f}x; target one apply within 3x: "
          f"{'met' if met else 'NOT met'}")
    print(f"cpus: {os.cpu_count()}, date: {time.strftime('%Y-%m-%d')}")


if __name__ == "__main__":
    main()
