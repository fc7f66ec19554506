#!/usr/bin/env python3
"""Writes BENCHMARKS.md: every row measured in one run of this script, assistctl next to the
alternative measured in the same run, against the same emulator.

Rows:
  - binary size: the release binary, and dist's archive of it when `dist build` made one;
  - validate: 10,000 generated files, on one core (`taskset -c 0`) next to all cores, with
    the outputs compared byte for byte;
  - plan over 1,000 and 10,000 commands next to a one-describe-per-resource refresh (what
    Terraform's alicloud provider does: one DescribeCommands per command, 10 in parallel),
    written here as a small client on the official Python SDK; API calls, wall time and
    peak memory; at 0 ms and 50 ms of emulator latency (`emulator serve --latency-ms`);
  - apply of 1,000 creates at a client cap of 100 requests/s, as a ratio to the 10 s floor;
  - emulator signed requests per second (`cargo bench --bench emulator`);
  - agent runs per second of a trivial script on 1,000 instances, sandboxed and not
    (the client of scripts/bench_agent.py).
Sections of BENCHMARKS.md after the line MARKER below are measured by other scripts and kept
as they are.

Usage: python3 scripts/bench.py [--exe PATH] [--profile-exe PATH] [--out FILE] [--skip-cargo-bench]
                                [--agent-instances N] [--note TEXT]
Builds `cargo build --release` unless --exe is given. Needs target/py-venv (made by
`cargo test`) for the official SDK, and bubblewrap for the sandboxed agent rows. Every
server runs on 127.0.0.1 and is stopped at the end.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_agent  # noqa: E402  (its SDK client)
import bench_validate  # noqa: E402  (its manifest generator)

VENV_PY = os.path.join(ROOT, "target", "py-venv", "bin", "python")
MARKER = "<!-- Measured by other scripts: scripts/bench.py keeps what follows as it is. -->"
AK, SECRET = "LTAIlocalemulator", "local-emulator-secret"
VALIDATE_FILES = 10_000
PLAN_SIZES = (1_000, 10_000)
LATENCIES_MS = (0, 50)
APPLY_CREATES = 1_000
APPLY_RPS = 100

# The one-describe-per-resource refresh: list the ids (not timed, as Terraform has them in
# its state), then one DescribeCommands per command id, 10 at a time (Terraform's default
# -parallelism), with the official SDK, which signs every request as Alibaba Cloud wants.
REFRESH = r'''
import concurrent.futures, sys, threading, time
from alibabacloud_ecs20140526 import models as m
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config
endpoint, parallel = sys.argv[1], int(sys.argv[2])
local = threading.local()
def client():
    if not hasattr(local, "c"):
        local.c = Client(Config(access_key_id="LTAIlocalemulator", access_key_secret="local-emulator-secret",
                                endpoint=endpoint, protocol="http", region_id="cn-hangzhou",
                                read_timeout=60000, connect_timeout=10000))
    return local.c
ids, token = [], None
while True:
    r = client().describe_commands(m.DescribeCommandsRequest(region_id="cn-hangzhou", max_results=50, next_token=token))
    ids += [c.command_id for c in r.body.commands.command]
    token = r.body.next_token
    if not token:
        break
def one(cid):
    r = client().describe_commands(m.DescribeCommandsRequest(region_id="cn-hangzhou", command_id=cid))
    assert len(r.body.commands.command) == 1, cid
t = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
    list(pool.map(one, ids))
print(f"{len(ids)} {time.perf_counter() - t:.3f}")
'''


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    osname = "Linux"
    if os.path.exists("/etc/os-release"):
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip().strip('"')
    return f"{os.cpu_count()} vCPUs ({model}, {os.uname().machine}), {mem:.0f} GiB RAM, {osname}"


def load():
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def rss_run(cmd, cpu=None, **kw):
    """Runs cmd under /usr/bin/time; returns (seconds, peak RSS MiB, CompletedProcess).
    With cpu=[], appends the CPU seconds (user + system) it used to that list."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "maxrss_kib=%M cpu=%U+%S", *cmd],
                       capture_output=True, **kw)
    dt = time.perf_counter() - t
    err = p.stderr.decode() if isinstance(p.stderr, bytes) else p.stderr
    rss = int(re.findall(r"maxrss_kib=(\d+)", err)[-1]) / 1024
    if cpu is not None:
        u, s_ = re.findall(r"cpu=([\d.]+)\+([\d.]+)", err)[-1]
        cpu.append(float(u) + float(s_))
    return dt, rss, p


class Emulator:
    """`assistctl emulator serve --ephemeral` on 127.0.0.1 (an ephemeral port)."""

    def __init__(self, exe, *extra):
        self.p = subprocess.Popen([exe, "emulator", "serve", "--listen", "127.0.0.1:0", "--ephemeral",
                                   *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True, env={**os.environ, "RUST_LOG": "warn"})
        self.endpoint = re.search(r"listening on (\S+)", self.p.stdout.readline()).group(1)

    def env(self):
        return {**os.environ, "ALIBABA_CLOUD_ECS_ENDPOINT": self.endpoint,
                "ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
                "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "NO_COLOR": "1"}

    def calls(self):
        body = urllib.request.urlopen(f"{self.endpoint}/metrics").read().decode()
        return int(sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
                       if line.startswith("assistctl_emulator_requests_total")))

    def stop(self):
        self.p.terminate()
        self.p.wait()


def write_stack(work, n):
    with open(os.path.join(work, "stack.yaml"), "w") as f:
        f.write("apiVersion: assistctl/v1\nkind: Stack\nmetadata: { name: bench }\n"
                "spec:\n  region: cn-hangzhou\n")
    with open(os.path.join(work, "commands.yaml"), "w") as f:
        for i in range(n):
            f.write(f"---\napiVersion: assistctl/v1\nkind: Command\nmetadata: {{ name: cmd-{i:05d} }}\n"
                    f"spec:\n  type: shell\n  timeout: 120\n  workingDir: /home\n"
                    f"  content: |\n    #!/bin/bash\n    echo \"job {i} on {{{{ACS::InstanceId}}}}\"\n")


# ---- rows ---------------------------------------------------------------------------------

def dist_profile():
    """How Cargo.toml's [profile.dist] builds: its lto and codegen-units lines."""
    text = open(os.path.join(ROOT, "Cargo.toml")).read()
    # The section's own header line: comments elsewhere may name it too.
    sect = text.split("\n[profile.dist]\n", 1)[1].split("\n[", 1)[0]
    keys = [ln.strip() for ln in sect.splitlines() if ln.strip().startswith(("lto", "codegen-units"))]
    return ", ".join(keys) or "release"


def size_rows(exe, work):
    rows = [("`cargo build --release` (no debug info, stripped, no LTO)", os.path.getsize(exe))]
    distrib = os.path.join(ROOT, "target", "distrib")
    if os.path.isdir(distrib):
        for name in sorted(os.listdir(distrib)):
            m = re.fullmatch(r"assistctl-(.*)\.tar\.xz", name)
            if not m:
                continue
            path = os.path.join(distrib, name)
            rows.append((f"dist's archive `{name}` (`[profile.dist]`: {dist_profile()})",
                         os.path.getsize(path)))
            x = os.path.join(work, "archive")
            os.makedirs(x)
            subprocess.run(["tar", "-xJf", path, "-C", x], check=True)
            rows.append(("the binary in it, as the installers and the action install it",
                         os.path.getsize(os.path.join(x, f"assistctl-{m.group(1)}", "assistctl"))))
            shutil.rmtree(x)
    return rows


def validate_rows(exe, work):
    out = os.path.join(work, "manifests")
    bench_validate.generate(out, VALIDATE_FILES)
    res = {}
    outputs = {}
    for label, prefix in [("1 core (`taskset -c 0`)", ["taskset", "-c", "0"]),
                          (f"{os.cpu_count()} cores", [])]:
        runs, rss, cpu = [], [], []
        for _ in range(3):
            dt, r, p = rss_run([*prefix, exe, "validate", "--format", "json", out], cpu=cpu)
            if p.returncode != 0:
                sys.exit("validate failed on the generated manifests:\n" + p.stdout.decode()[:2000])
            runs.append(dt)
            rss.append(r)
            outputs.setdefault(label, p.stdout)
        best = runs.index(min(runs))
        res[label] = (runs[best], runs, max(rss), cpu[best])
    same = len(set(outputs.values())) == 1
    return res, same


def validate_profile(profile_exe, work):
    """perf's view of one validate on one thread (RAYON_NUM_THREADS=1) with the profiling
    build (release + debug info): the share of samples per crate, and the top functions."""
    out = os.path.join(work, "manifests")
    data = os.path.join(work, "perf.data")
    subprocess.run(["perf", "record", "-q", "-F", "2000", "-o", data, "--", profile_exe, "validate",
                    "--format", "json", out], check=True, capture_output=True,
                   env={**os.environ, "RAYON_NUM_THREADS": "1"})
    rep = sh(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "dso,symbol",
              "--percent-limit", "0.05"])
    crates, funcs = {}, []
    for line in rep.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*)", line)
        if not m:
            continue
        pct, dso = float(m.group(1)), m.group(2)
        sym = re.sub(r"\s+-\s+-\s*$", "", m.group(3)).strip()
        funcs.append((pct, sym, dso))
        name = re.sub(r"^[_<]+", "", sym)
        crate = name.split("::")[0] if "::" in name else (
            "libc (malloc, memcpy, ...)" if dso.startswith("libc") else
            "kernel" if dso == "[kernel.kallsyms]" else sym)
        crates[crate] = crates.get(crate, 0) + pct
    return sorted(crates.items(), key=lambda kv: -kv[1])[:12], funcs[:12]


def plan_rows(exe, work):
    rows = []
    for latency in LATENCIES_MS:
        for n in PLAN_SIZES:
            d = os.path.join(work, f"plan-{n}-{latency}")
            os.makedirs(d)
            write_stack(d, n)
            emu = Emulator(exe, "--command-quota", "50000", "--latency-ms", str(latency))
            try:
                env = emu.env()
                fast = ["--requests-per-second", "5000"]
                subprocess.run([exe, "apply", "--auto-approve", "--parallelism", "32", *fast, d],
                               env=env, check=True, stdout=subprocess.DEVNULL)
                plans = []
                for _ in range(3):
                    before = emu.calls()
                    dt, rss, p = rss_run([exe, "plan", "--detailed-exitcode", *fast, d], env=env)
                    assert p.returncode == 0, f"plan exit {p.returncode}: not in sync"
                    plans.append((dt, emu.calls() - before, rss))
                before = emu.calls()
                listing = -(-n // 50)
                dt_r, rss_r, p = rss_run([VENV_PY, "-c", REFRESH, emu.endpoint.removeprefix("http://"), "10"],
                                         text=True)
                if p.returncode != 0:
                    sys.exit(f"refresh client failed:\n{p.stderr[-2000:]}")
                count, secs = p.stdout.split()
                assert int(count) == n, (count, n)
                refresh_calls = emu.calls() - before - listing
                rows.append({"n": n, "latency": latency, "plan": min(plans), "plans": plans,
                             "refresh_s": float(secs), "refresh_calls": refresh_calls,
                             "refresh_rss": rss_r})
            finally:
                emu.stop()
    return rows


def apply_row(exe, work):
    d = os.path.join(work, f"apply-{APPLY_CREATES}")
    os.makedirs(d)
    write_stack(d, APPLY_CREATES)
    emu = Emulator(exe, "--command-quota", "50000")
    try:
        t = time.perf_counter()
        subprocess.run([exe, "apply", "--auto-approve", "--requests-per-second", str(APPLY_RPS), d],
                       env=emu.env(), check=True, stdout=subprocess.DEVNULL)
        dt = time.perf_counter() - t
        return dt, emu.calls()
    finally:
        emu.stop()


def emulator_rows(skip):
    if skip:
        return None
    out = subprocess.run(["nice", "-n", "15", "cargo", "bench", "--bench", "emulator"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"(.+?):\s+(\d+) req/s\s+\((.*)\)", line.strip())
        if m:
            rows.append((m.group(1), int(m.group(2)), m.group(3)))
    return rows


def agent_rows(exe, work, n):
    inv = os.path.join(work, "inventory.yaml")
    with open(inv, "w") as f:
        f.write('accountId: "1234567890123456"\nregions: [cn-hangzhou]\ninstances:\n')
        for i in range(n):
            f.write(f"  - {{ id: i-bench{i:012d}, name: bench-{i}, os: linux }}\n")
    client = os.path.join(work, "agent_client.py")
    with open(client, "w") as f:
        f.write(bench_agent.CLIENT)
    rows = {}
    for mode, extra in [("sandboxed (bubblewrap)", []), ("unsandboxed", ["--unsandboxed"])]:
        emu = Emulator(exe, "--inventory", inv, *extra)
        try:
            host = emu.endpoint.removeprefix("http://")
            out = sh([VENV_PY, client, host, str(n)])
            for line in out.splitlines():
                round_, secs, ok = line.split()
                rows[(mode, round_)] = (float(secs), int(ok))
        finally:
            emu.stop()
    return rows


# ---- the report ---------------------------------------------------------------------------

def mb(b):
    return f"{b / 1e6:.1f} MB ({b / 2**20:.1f} MiB)"


def report(args, info, sizes, val, prof, plans, apply, emu, agent):
    date, mach, load_start, load_end, commit, cmdline, secs = info
    L = []
    w = L.append
    w("# Benchmarks\n")
    w("Every number down to \"Measured by other scripts\" comes from one run of one command:\n")
    w(f"```sh\n{cmdline}\n```\n")
    w(f"Date: {date}. Commit: {commit}. Machine: {mach}. The run took {secs / 60:.1f} minutes; "
      f"load average (1/5/15 min) {load_start} at the start and {load_end} at the end"
      + (f"; {args.note}" if args.note else "") + ". "
      "Ratios first, absolute times second: absolute times differ 2–2.5x between machines "
      "of this kind, and with what else runs on them. Performance is never asserted in tests.\n")

    w("## Binary size\n")
    w("The release binary this run measured, and the host's release archive that `dist build "
      "--artifacts=local --target <host>` left in `target/distrib/` when it was run before this "
      "script (this script builds neither archive nor release profile of dist).\n")
    w("| binary | size |\n|---|---|")
    for name, b in sizes:
        w(f"| {name} | {mb(b)} |")
    w("")

    res, same = val
    one = next(v for k, v in res.items() if k.startswith("1 core"))
    many = next(v for k, v in res.items() if not k.startswith("1 core"))
    files = VALIDATE_FILES + 1
    w(f"## validate: {VALIDATE_FILES:,} manifests\n")
    w(f"{files:,} files (the generator of `scripts/bench_validate.py`: each a Command with an inline "
      "script and two parameters, every fifth also an Invocation with a cron schedule, and a "
      "Stack), `assistctl validate --format json`, best of 3.\n")
    w("| cores | files/s | ratio | wall time (best of 3) | CPU time of the best | peak RSS |")
    w("|---|---|---|---|---|---|")
    for label, (best, runs, rss, cpu) in res.items():
        w(f"| {label} | {files / best:,.0f} | **{one[0] / best:.2f}x** | {best:.3f} s "
          f"({', '.join(f'{r:.3f}' for r in runs)}) | {cpu:.2f} s | {rss:.0f} MiB |")
    w("")
    w(f"Output on one core and on all cores: {'byte-identical' if same else '**DIFFERENT**'}. "
      f"On all cores validate kept {many[3] / many[0]:.2f} cores busy on average (CPU time / "
      "wall time); what other processes took of the cores meanwhile is in the load average "
      "above.\n")
    rate, ratio = files / many[0], one[0] / many[0]
    w(f"Targets: at least 1.6x on two cores than on one: **{ratio:.2f}x, "
      f"{'met' if ratio >= 1.6 else 'not met'}**; 20,000 files/s: **{rate:,.0f}, "
      f"{'met' if rate >= 20_000 else 'not met'}**.\n")
    if prof:
        crates, funcs = prof
        w("Where one validate spends its time: `perf record` of the profiling build (`cargo build "
          "--profile profiling`: release with debug info) on one thread, share of samples:\n")
        share = dict(crates)
        yaml = share.get("granit_parser", 0) + share.get("serde_saphyr", 0)
        w(f"What bounds it: the YAML parser (`granit_parser` under `serde_saphyr`) "
          f"{yaml:.0f}% of the samples, the allocator and `memcpy` "
          f"{share.get('libc (malloc, memcpy, ...)', 0):.0f}%, the kernel (reading the files, "
          f"page faults) {share.get('kernel', 0):.0f}%, `croner` (parsing each cron and "
          f"searching its next fires for the 10 s rule) {share.get('croner', 0):.0f}%, "
          f"assistctl's own code {share.get('assistctl', 0):.0f}%. The work is split per file "
          "and per document already; faster needs a faster parse, fewer allocations per "
          "document or more cores.\n")
        w("| crate or library | share |\n|---|---|")
        for c, pct in crates:
            w(f"| `{c}` | {pct:.1f}% |")
        w("\n| top functions | share |\n|---|---|")
        for pct, sym, _ in funcs:
            sym = sym if len(sym) < 110 else sym[:107] + "..."
            w(f"| `{sym.replace('|', '/')}` | {pct:.1f}% |")
        w("")

    w("## plan next to a one-describe-per-resource refresh\n")
    w("One emulator per row (`emulator serve --ephemeral --latency-ms L`), seeded by "
      "`assistctl apply` of N commands. **assistctl**: `assistctl plan --detailed-exitcode "
      "--requests-per-second 5000` with nothing to do, best of 3 (it lists what the stack owns, "
      "50 commands a page, and scans the other regions). **per-resource refresh**: what "
      "Terraform's alicloud provider does to refresh N `alicloud_ecs_command`s, one "
      "DescribeCommands per command id, 10 in parallel (Terraform's default `-parallelism`), "
      "written in this script on the official Python SDK (`alibabacloud-ecs20140526`); the ids "
      "are listed first and not timed, as Terraform has them in its state. API calls are the "
      "emulator's `/metrics`; peak memory is the process's (the refresh's is a Python "
      "interpreter with the SDK).\n")
    w("| commands | latency | calls: refresh / plan | time: refresh / plan | plan: calls, wall, peak RSS | refresh: calls, wall, peak RSS |")
    w("|---|---|---|---|---|---|")
    for r in plans:
        dt, calls, rss = r["plan"]
        w(f"| {r['n']:,} | {r['latency']} ms | **{r['refresh_calls'] / calls:.0f}x** | "
          f"**{r['refresh_s'] / dt:.1f}x** | {calls}, {dt:.2f} s, {rss:.0f} MiB | "
          f"{r['refresh_calls']:,}, {r['refresh_s']:.2f} s, {r['refresh_rss']:.0f} MiB |")
    w("")
    slow = [r for r in plans if r["latency"] > 0]
    if slow:
        r = max(slow, key=lambda r: r["n"])
        lat, n = r["latency"] / 1000, r["n"]
        w(f"What bounds them: at {r['latency']} ms the refresh cannot take less than "
          f"{n:,} calls / 10 at a time x {r['latency']} ms = {n / 10 * lat:.0f} s, and plan "
          f"reads its {-(-n // 50)} pages of commands one after another ("
          f"{-(-n // 50) * lat:.0f} s); plan's peak memory grows with N: it "
          "holds the desired and the live state of every command to compare them. At 0 ms the refresh's time is mostly the cost of "
          "each call in the Python SDK and the emulator, so that ratio also compares clients.\n")
    w("Plan runs: " + "; ".join(
        f"{r['n']:,} at {r['latency']} ms: " + ", ".join(f"{p[0]:.2f} s" for p in r["plans"])
        for r in plans) + ".\n")

    dt, calls = apply
    floor = APPLY_CREATES / APPLY_RPS
    w(f"## apply: {APPLY_CREATES:,} creates at {APPLY_RPS} requests/s\n")
    w(f"`assistctl apply --auto-approve --requests-per-second {APPLY_RPS}` of {APPLY_CREATES:,} new "
      "commands against a fresh emulator (0 ms latency, default `--parallelism 8`). "
      f"{APPLY_CREATES:,} CreateCommand calls at {APPLY_RPS} per second cannot take less than "
      f"{floor:g} s.\n")
    w(f"| ratio to the {floor:g} s floor | wall time | API calls |\n|---|---|---|")
    w(f"| **{dt / floor:.2f}x** | {dt:.2f} s | {calls} ({APPLY_CREATES:,} creates + the plan's reads) |\n")

    w("## emulator: signed requests per second\n")
    if emu is None:
        w("Not measured in this run (`--skip-cargo-bench`).\n")
    else:
        w("`cargo bench --bench emulator` (run by this script): a Rust client in the same process, "
          "8 concurrent, every request signed, WAL + synchronous=FULL on a state file as "
          "`emulator serve --state` runs.\n")
        w("| request | req/s | |\n|---|---|---|")
        for name, rate, what in emu:
            w(f"| {name} | {rate:,} | {what} |")
        w("")

    w(f"## agent: runs per second on {args.agent_instances:,} instances\n")
    w("The client of `scripts/bench_agent.py`: an inventory of N Linux instances, RunCommand of "
      "`echo ran on $(hostname)` in calls of 50 instances with the official SDK, then "
      "DescribeInvocations until every task is final; twice (cold: each instance's first run, "
      "which makes its files, a copy of the host's `/etc`; warm: the second), sandboxed and "
      "`--unsandboxed`.\n")
    w("| mode | round | runs | wall time | runs/s |\n|---|---|---|---|---|")
    for (mode, round_), (secs, ok) in sorted(agent.items(), key=lambda kv: (kv[0][1] != "warm", kv[0][0])):
        w(f"| {mode} | {round_} | {ok} of {args.agent_instances} succeeded | {secs:.2f} s | "
          f"{args.agent_instances / secs:.0f} |")
    warm = {m: s for (m, r), (s, _) in agent.items() if r == "warm"}
    if len(warm) == 2:
        w(f"\nA warm sandboxed run costs **{warm['sandboxed (bubblewrap)'] / warm['unsandboxed']:.2f}x** "
          "an unsandboxed one. A cold sandboxed run is bound by the disk (a copy of `/etc` per "
          "new instance) and varies with the disk's state.\n")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--exe", help="the assistctl binary (default: cargo build --release)")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--skip-cargo-bench", action="store_true")
    ap.add_argument("--profile-exe", help="the profiling build (cargo build --profile profiling), "
                    "for a perf profile of validate")
    ap.add_argument("--agent-instances", type=int, default=1000)
    ap.add_argument("--note", default="", help="what else ran meanwhile, for the report")
    args = ap.parse_args()
    if not os.path.exists(VENV_PY):
        sys.exit("target/py-venv is missing: run `cargo test` once (it creates the venv with the official SDK)")
    exe = args.exe
    if not exe:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        exe = os.path.join(ROOT, "target", "release", "assistctl")
    exe = os.path.abspath(exe)
    start = time.time()
    load_start = load()
    work = tempfile.mkdtemp(prefix="assistctl-bench-")
    try:
        sizes = size_rows(exe, work)
        print("validate ...", file=sys.stderr)
        val = validate_rows(exe, work)
        prof = validate_profile(args.profile_exe, work) if args.profile_exe else None
        print("plan ...", file=sys.stderr)
        plans = plan_rows(exe, work)
        print("apply ...", file=sys.stderr)
        apply = apply_row(exe, work)
        print("emulator ...", file=sys.stderr)
        emu = emulator_rows(args.skip_cargo_bench)
        print("agent ...", file=sys.stderr)
        agent = agent_rows(exe, work, args.agent_instances)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    commit = sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
    # Uncommitted changes other than the report itself.
    dirty = [ln for ln in sh(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"])
             .splitlines() if not ln.endswith(os.path.relpath(args.out, ROOT))]
    cmdline = "python3 scripts/bench.py " + " ".join(
        a if re.fullmatch(r"[\w./=-]+", a) else f"'{a}'" for a in sys.argv[1:])
    info = (time.strftime("%Y-%m-%d"), machine(), load_start, load(),
            commit + (" (with uncommitted changes)" if dirty else ""), cmdline.strip(),
            time.time() - start)
    text = report(args, info, sizes, val, prof, plans, apply, emu, agent)
    kept = ""
    if os.path.exists(args.out):
        old = open(args.out).read()
        if MARKER in old:
            kept = old[old.index(MARKER):]
    text += "\n" + (kept or MARKER + "\n")
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
