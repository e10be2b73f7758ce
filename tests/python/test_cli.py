"""``python -m patter``: the core's command line over calls written by this interpreter."""

import json
import subprocess
import sys

import patter


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "patter", *args], capture_output=True, text=True, timeout=60)


def test_python_dash_m_patter_lists_shows_and_totals(tmp_path):
    logger = patter.CallLogger(str(tmp_path))
    for i in range(2):
        with patter.Call(f"CA-pycli-{i}", direction="outbound", provider_mode="pipeline", logger=logger) as call:
            with call.llm("openai", "gpt-4o-mini") as llm:
                llm.usage(1000, 200)
            with call.tts("elevenlabs", "Thanks for calling."):
                pass
    assert logger.flush(10_000)

    out = _cli("calls", "--dir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    rows = out.stdout.splitlines()
    assert rows[0].startswith("STARTED (UTC)") and rows[1].endswith("CA-pycli-1") and " out " in rows[1]

    shown = _cli("show", "CA-pycli-0", "--dir", str(tmp_path), "--json")
    assert shown.returncode == 0, shown.stderr
    rec = json.loads(shown.stdout)
    assert rec["call_id"] == "CA-pycli-0" and rec["status"] == "completed" and rec["cost"]["llm"] > 0

    cost = _cli("cost", "--dir", str(tmp_path), "--by", "model", "--json")
    assert cost.returncode == 0
    # No agent snapshot was given, so the LLM cost is under "unknown", for both calls.
    assert [(r["key"], r["calls"]) for r in json.loads(cost.stdout)] == [("unknown", 2)]

    bad = _cli("frobnicate")
    assert bad.returncode == 2 and "usage: patter" in bad.stderr
    missing = _cli("show", "CA-none", "--dir", str(tmp_path))
    assert missing.returncode == 1 and "no call" in missing.stderr
