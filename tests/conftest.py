"""Shared pytest fixtures: the independent OTLP receiver and paths to built artefacts."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "receiver"))

from otlp_receiver import OtlpReceiver  # noqa: E402


@pytest.fixture
def receiver():
    with OtlpReceiver("ok") as rx:
        yield rx


@pytest.fixture
def make_receiver():
    started = []

    def make(mode="ok", delay=2.0):
        rx = OtlpReceiver(mode, delay).start()
        started.append(rx)
        return rx

    yield make
    for rx in started:
        rx.stop()


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
