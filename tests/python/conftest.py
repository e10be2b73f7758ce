"""Fixtures of the Python binding's suite. It runs against the wheel installed in the venv
(`make test-python`), never against bindings/python/python: see test_install.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "receiver"))
sys.path.insert(0, str(HERE))

from otlp_receiver import OtlpReceiver  # noqa: E402

import otlp_spans  # noqa: E402

import patter  # noqa: E402
from patter.observability import attach_span_exporter, detach_span_exporter, force_flush  # noqa: E402


@pytest.fixture
def receiver():
    """A real OTLP/HTTP receiver on 127.0.0.1 (decodes with the official opentelemetry-proto)."""
    with OtlpReceiver("ok") as rx:
        yield rx


class Collector:
    """A span exporter that keeps what it is given (an object with ``export(batch)``; each batch
    is OTLP protobuf bytes, flattened here to one object per span)."""

    def __init__(self) -> None:
        self.spans: List[otlp_spans.Span] = []
        self.batches = 0
        self.shutdowns = 0

    def export(self, batch):
        assert isinstance(batch, bytes)
        self.batches += 1
        self.spans.extend(otlp_spans.flatten(batch))

    def shutdown(self):
        self.shutdowns += 1

    def flushed(self) -> List[otlp_spans.Span]:
        assert force_flush(10_000)
        return list(self.spans)

    def of_call(self, call_id: str) -> List[otlp_spans.Span]:
        return [s for s in self.flushed() if s.attributes.get("getpatter.call.id") == call_id]


@pytest.fixture
def collector():
    """Attaches a Collector for the test (every call started meanwhile records spans)."""
    c = Collector()
    assert attach_span_exporter(c) is True
    yield c
    detach_span_exporter(c)


def clean_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PATTER_"))}
    env.update(extra or {})
    return env


def run_py(code: str, env: Optional[Dict[str, str]] = None, timeout: float = 60.0, cwd=None) -> subprocess.CompletedProcess:
    """Runs ``code`` in a fresh interpreter of this venv (tracing state is process-global)."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=clean_env(env), capture_output=True, text=True, timeout=timeout, cwd=cwd or str(HERE),
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def last_json(proc: subprocess.CompletedProcess):
    return json.loads(proc.stdout.strip().splitlines()[-1])
