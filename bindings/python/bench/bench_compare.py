"""``make bench-compare`` (a benchmark, not a test): runs every side-by-side comparison of
libpatter against the reference it is meant to beat, in one run on this machine, and writes
BENCHMARKS.md with the table, the machine and the exact settings of both sides.

Comparisons (each script documents its own settings):
  * compare_spans.py   Python LLM span, tracing on, OTLP/HTTP both sides: caller time, process CPU
  * compare_spans.py --memory   resident memory after a 1M-span burst, each side in its own process
  * compare-spans.js   Node LLM span, tracing on (same settings) and tracing off vs the API no-op
  * compare_hydrate.py hydrate on trees written by getpatter 0.7.0's CallLogger, warm and cold
  * cargo bench encode / export_throughput   the export thread's encoders and sustained export

Usage: python bench_compare.py --work DIR --node-modules DIR --output BENCHMARKS.md
Environment: PATTER_BENCH_N, PATTER_BENCH_ROUNDS, PATTER_BENCH_HYDRATE_SIZES (default
"1000,20000,100000"), PATTER_BENCH_SKIP_RUST=1 to skip the cargo benches.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, HERE)

from compare_spans import Collector  # noqa: E402


def sh(cmd, **kw) -> str:
    print("+ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE, **kw)
    sys.stdout.write(r.stdout)
    return r.stdout


def machine() -> dict:
    def first(path: str, key: str) -> str:
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    def version(cmd) -> str:
        try:
            return subprocess.run(cmd, text=True, capture_output=True, check=False).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "not found"

    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory": first("/proc/meminfo", "MemTotal"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": version(["node", "--version"]),
        "rustc": version(["rustc", "--version"]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def pip_versions(names) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "not installed"
    return out


def node_versions(node_modules: str, names) -> dict:
    out = {}
    for n in names:
        try:
            with open(os.path.join(node_modules, n, "package.json")) as f:
                out[n] = json.load(f)["version"]
        except OSError:
            out[n] = "not installed"
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--node-modules", required=True)
    ap.add_argument("--output", required=True)
    a = ap.parse_args()
    a.work, a.node_modules, a.output = (os.path.abspath(p) for p in (a.work, a.node_modules, a.output))
    os.makedirs(a.work, exist_ok=True)
    py = sys.executable
    res: dict = {"machine": machine()}
    res["python_versions"] = pip_versions(["opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http", "getpatter",
                                           "patter"])
    res["node_versions"] = node_versions(a.node_modules, ["patter", "@opentelemetry/api", "@opentelemetry/sdk-trace-base",
                                                          "@opentelemetry/exporter-trace-otlp-proto"])

    def out(name: str) -> str:
        return os.path.join(a.work, name)

    sh([py, os.path.join(HERE, "compare_spans.py"), "--out", out("python_spans.json")])
    res["python_spans"] = json.load(open(out("python_spans.json")))
    res["memory"] = []
    for side in ("patter", "otel"):
        sh([py, os.path.join(HERE, "compare_spans.py"), "--memory", side, "--out", out(f"memory_{side}.json")])
        res["memory"].append(json.load(open(out(f"memory_{side}.json"))))

    # The script runs from the throwaway package dir, so every module resolves from its
    # node_modules (the pinned SDK and the packed patter), never from the source tree.
    node_dir = os.path.dirname(a.node_modules)
    js = os.path.join(node_dir, "compare-spans.js")
    shutil.copyfile(os.path.join(REPO, "bindings", "node", "bench", "compare-spans.js"), js)
    node_env = dict(os.environ)
    cp, co = Collector(), Collector()
    try:
        node_env.update(COLLECTOR_P=cp.endpoint, COLLECTOR_O=co.endpoint)
        sh(["node", js, out("node_spans.json")], env=node_env, cwd=node_dir)
    finally:
        cp.close()
        co.close()
    res["node_spans"] = json.load(open(out("node_spans.json")))
    sh(["node", js, out("node_off.json"), "--off"], env=node_env, cwd=node_dir)
    res["node_off"] = json.load(open(out("node_off.json")))

    res["hydrate"] = []
    for n in [int(x) for x in os.environ.get("PATTER_BENCH_HYDRATE_SIZES", "1000,20000,100000").split(",") if x]:
        # The reference takes ~20 s warm and ~1 min cold per hydrate of 100k calls: fewer rounds there.
        rounds = ["--rounds", "3", "--cold-rounds", "2"] if n >= 100_000 else []
        sh([py, os.path.join(HERE, "compare_hydrate.py"), "--calls", str(n), "--root", out(f"hydrate-tree-{n}"),
            "--out", out(f"hydrate_{n}.json"), *rounds])
        res["hydrate"].append(json.load(open(out(f"hydrate_{n}.json"))))

    if os.environ.get("PATTER_BENCH_SKIP_RUST") != "1":
        cargo = os.environ.get("CARGO", "cargo")
        res["rust_encode"] = sh([cargo, "bench", "-q", "-p", "patter-core", "--bench", "encode"], cwd=REPO)
        res["rust_export"] = sh([cargo, "bench", "-q", "-p", "patter-core", "--bench", "export_throughput"], cwd=REPO)

    with open(out("results.json"), "w") as f:
        json.dump(res, f, indent=2)
    from write_report import write

    write(res, a.output)
    print(f"bench-compare: wrote {a.output}")


if __name__ == "__main__":
    main()
