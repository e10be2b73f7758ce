"""Conformance harness: runs a language's runner on a scenario and compares its output tree
(the OTLP request bytes as received, the canonical OTLP-JSON, the call directory, and the
metrics and log records received on /v1/metrics and /v1/logs as canonical JSON) byte for byte
with the golden files.

Each runner drives its language's public API step by step; this harness only sets the
environment (a real OTLP receiver, the file sink, the log directory) and collects the output.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCENARIOS = HERE / "scenarios"
GOLDEN = HERE / "golden"
sys.path.insert(0, str(ROOT / "tests" / "receiver"))

from otlp_receiver import OtlpReceiver  # noqa: E402


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def runner_commands() -> dict[str, list[str]]:
    """How to start each language's runner (the scenario path is appended)."""
    venv_py = os.environ.get("PATTER_PY_RUNNER_PYTHON", str(target_dir() / "py-venv" / "bin" / "python"))
    return {
        "rust": [str(target_dir() / "debug" / "examples" / "conformance_runner")],
        "python": [venv_py, str(ROOT / "tests" / "python" / "conformance_runner.py")],
        "node": ["node", str(HERE / "runners" / "runner.js")],
        "c": [str(target_dir() / "conformance" / "conformance_runner_c")],
    }


def enabled_runners() -> list[str]:
    """Runners to check: `CONFORMANCE_RUNNERS` (comma-separated), default all."""
    names = os.environ.get("CONFORMANCE_RUNNERS", "rust,python,node,c")
    return [n.strip() for n in names.split(",") if n.strip()]


def scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIOS.glob("*.json"))


def run(runner: str, scenario: str, out: Path) -> None:
    """Runs `runner` on `scenario`, writing its output tree into `out` (emptied first)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PATTER_"))}
    with OtlpReceiver("ok") as rx:
        env.update({
            "PATTER_OTEL_ENABLED": "1",
            "OTEL_EXPORTER_OTLP_ENDPOINT": rx.endpoint,
            "OTEL_SERVICE_NAME": "patter-conformance",
            "PATTER_OTEL_FILE": str(out / "spans.otlp.json"),
            "PATTER_OTEL_BATCH_DELAY_MS": "600000",
            "PATTER_OTEL_MAX_BATCH": "65536",
            "PATTER_LOG_DIR": str(out / "log"),
            "PATTER_LOG_RETENTION_DAYS": "0",
            "PATTER_LOG_REDACT_PHONE": "mask",
            "PATTER_OTEL_LOGS": "1",
        })
        cmd = runner_commands()[runner] + [str(SCENARIOS / f"{scenario}.json")]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError(f"{runner} runner failed on {scenario} (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        if rx.errors:
            raise AssertionError(f"receiver could not decode {runner}'s request: {rx.errors}")
        if len(rx.raw_bodies) != 1:
            raise AssertionError(f"{runner} sent {len(rx.raw_bodies)} OTLP requests for {scenario}; expected exactly one")
        (out / "spans.otlp.pb").write_bytes(rx.raw_bodies[0])
        (out / "metrics.otlp.json").write_text(_canonical(rx.metric_requests, METRIC_WALL_CLOCK), encoding="utf-8")
        (out / "logs.otlp.json").write_text(_canonical(rx.log_requests, LOG_WALL_CLOCK), encoding="utf-8")


# What is not deterministic in the metric and log payloads: the wall-clock times of data points
# (collection time, start of the metrics) and of a log record's observation, and the pipelines'
# own counters (they race with the span flush at shutdown). Everything else follows the
# scenario's injected clock and ids.
METRIC_WALL_CLOCK = {"startTimeUnixNano", "timeUnixNano"}
LOG_WALL_CLOCK = {"observedTimeUnixNano"}


def _canonical(entries: list, wall_clock: set) -> str:
    """The decoded requests as JSON, wall-clock fields and pipeline counters left out."""
    import json

    from google.protobuf.json_format import MessageToDict

    def scrub(v):
        if isinstance(v, dict):
            return {k: scrub(x) for k, x in v.items() if k not in wall_clock}
        if isinstance(v, list):
            return [scrub(x) for x in v if not (isinstance(x, dict) and str(x.get("name", "")).startswith("patter.pipeline."))]
        return v

    reqs = [scrub(MessageToDict(e["request"])) for e in entries]
    return json.dumps(reqs, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def tree(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes for every file under `root` (directories must hold files)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def diff_trees(expected_root: Path, actual_root: Path, label: str) -> str:
    """A readable report of how two trees differ, or '' when identical."""
    exp, act = tree(expected_root), tree(actual_root)
    lines = []
    for path in sorted(set(exp) | set(act)):
        if path not in act:
            lines.append(f"missing in {label}: {path}")
        elif path not in exp:
            lines.append(f"unexpected in {label}: {path}")
        elif exp[path] != act[path]:
            lines.append(f"differs: {path}")
            if path.endswith(".pb"):
                lines.append(f"  (binary: {len(exp[path])} vs {len(act[path])} bytes; compare spans.otlp.json)")
                continue
            a = _pretty(exp[path]).splitlines()
            b = _pretty(act[path]).splitlines()
            d = list(difflib.unified_diff(a, b, "golden/" + path, f"{label}/" + path, lineterm="", n=2))
            lines.extend("  " + x[:300] for x in d[:80])
            if len(d) > 80:
                lines.append(f"  … {len(d) - 80} more diff lines")
    return "\n".join(lines)


def _pretty(data: bytes) -> str:
    """One-line JSON files are re-indented so the diff points at the field that differs."""
    import json

    text = data.decode("utf-8", "replace")
    if text.count("\n") <= 1 and text.lstrip().startswith("{"):
        try:
            return json.dumps(json.loads(text), indent=1, ensure_ascii=False)
        except ValueError:
            pass
    return text
