"""The README quotes only what ``make bench-compare`` measured: its Benchmarks section names the
run BENCHMARKS.md holds, and every ratio it quotes is that run's median, rounded."""

from __future__ import annotations

import re

from conftest import ROOT


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def test_the_readme_quotes_the_run_benchmarks_md_holds():
    bench = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    readme = _section((ROOT / "README.md").read_text(encoding="utf-8"), "## Benchmarks")
    run = re.search(r"Run (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", bench)
    assert run, "BENCHMARKS.md does not say when it ran"
    assert f"run of {run.group(1)} UTC" in readme, f"the README does not quote the run of {run.group(1)} UTC"
    medians = [float(m) for m in re.findall(r"\*\*(\d+(?:\.\d+)?)×\*\*", bench)]
    quoted = [m for m in re.findall(r"(\d+(?:\.\d+)?)×", readme.split("\n\n", 3)[2])]
    assert quoted, "no ratio in the README's table"
    for q in quoted:
        digits = len(q.split(".")[1]) if "." in q else 0
        assert any(round(m, digits) == float(q) for m in medians), f"{q}× is no median of BENCHMARKS.md"
