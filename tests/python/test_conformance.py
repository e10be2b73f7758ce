"""The conformance scenarios driven through the installed Python package must give the golden
files byte for byte (OTLP protobuf as received, OTLP-JSON, call directory)."""

import sys
from pathlib import Path

import pytest

from conftest import HERE, ROOT

sys.path.insert(0, str(ROOT / "tests" / "conformance"))
import harness  # noqa: E402

RUNNER = [sys.executable, str(HERE / "conformance_runner.py")]


@pytest.mark.parametrize("scenario", harness.scenarios())
def test_python_runner_matches_golden(scenario, tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "runner_commands", lambda: {"python": RUNNER})
    golden = harness.GOLDEN / scenario
    assert golden.is_dir()
    out = tmp_path / "python"
    harness.run("python", scenario, out)
    report = harness.diff_trees(golden, out, "python")
    if report:
        pytest.fail(f"python drifts from golden/{scenario}:\n{report}", pytrace=False)


def test_scenarios_exist():
    assert len(harness.scenarios()) >= 7 and Path(harness.GOLDEN).is_dir()
