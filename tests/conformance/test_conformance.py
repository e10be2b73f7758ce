"""Every runner, every scenario: output byte-identical to the golden files."""

import pytest

from harness import GOLDEN, diff_trees, enabled_runners, run, scenarios


@pytest.mark.parametrize("scenario", scenarios())
@pytest.mark.parametrize("runner", enabled_runners())
def test_runner_matches_golden(runner, scenario, tmp_path):
    golden = GOLDEN / scenario
    assert golden.is_dir(), f"no golden files for {scenario}: run `make conformance-regen` and review the diff"
    out = tmp_path / runner
    run(runner, scenario, out)
    report = diff_trees(golden, out, runner)
    if report:
        pytest.fail(f"{runner} drifts from golden/{scenario}:\n{report}", pytrace=False)


def test_every_scenario_has_golden_files():
    assert sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()) == scenarios()
