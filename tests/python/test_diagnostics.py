"""The core's diagnostics reach Python's logging (logger ``patter``), rate-limited, with a
stable code; each case runs in its own interpreter (the rate limit is per process)."""

import json

from conftest import last_json, run_py

CAPTURE = """
    import json, logging, threading
    records = []
    class Keep(logging.Handler):
        def emit(self, r):
            records.append({"logger": r.name, "level": r.levelname, "code": getattr(r, "patter_code", None),
                            "suppressed": getattr(r, "patter_suppressed", None), "msg": r.getMessage(),
                            "thread": threading.current_thread().name})
    logging.getLogger("patter").addHandler(Keep())
    import patter
    from patter.observability import diagnostics_stats, flush_diagnostics
"""


def test_a_full_disk_style_failure_is_logged_once_per_interval_with_its_count(tmp_path):
    (tmp_path / "calls").write_text("a file where the calls directory should be")
    proc = run_py(CAPTURE + f"""
    logger = patter.CallLogger({str(tmp_path)!r})
    for i in range(200):
        with patter.Call(f"CA-{{i}}", direction="inbound", provider_mode="pipeline", logger=logger):
            pass
    assert logger.flush(10_000)
    assert flush_diagnostics(5_000)
    print(json.dumps({{"records": records, "stats": diagnostics_stats(), "errors": logger.stats()["errors"]}}))
    """)
    out = last_json(proc)
    writes = [r for r in out["records"] if r["code"] == "calllog.write_failed"]
    assert len(writes) == 1, out["records"]
    assert writes[0]["logger"] == "patter" and writes[0]["level"] == "WARNING"
    assert "calllog.write_failed" in writes[0]["msg"] and str(tmp_path) in writes[0]["msg"]
    assert writes[0]["thread"] != "MainThread"  # delivered off the caller's thread
    assert out["errors"] >= 400  # every failed write is counted …
    assert out["stats"]["suppressed"] >= out["errors"] - 1  # … and every held-back warning too
    assert out["stats"]["dropped"] == 0


def test_export_failures_reach_logging(tmp_path):
    proc = run_py(CAPTURE + """
    from patter.observability import init_tracing, force_flush, shutdown_tracing
    assert init_tracing(otlp_endpoint="http://127.0.0.1:9")
    with patter.Call("CA-x", direction="inbound", provider_mode="pipeline"):
        pass
    force_flush(10_000)
    shutdown_tracing()
    assert flush_diagnostics(5_000)
    print(json.dumps(records))
    """, env={"PATTER_OTEL_ENABLED": "1", "PATTER_OTEL_EXPORT_TIMEOUT_MS": "500"})
    codes = {r["code"] for r in last_json(proc)}
    assert "tracing.export_failed" in codes, codes


def test_without_logging_configuration_warnings_still_reach_stderr(tmp_path):
    (tmp_path / "calls").write_text("x")
    proc = run_py(f"""
    import patter
    logger = patter.CallLogger({str(tmp_path)!r})
    with patter.Call("CA-1", direction="inbound", provider_mode="pipeline", logger=logger):
        pass
    logger.flush(10_000)
    """)
    # Python's last-resort handler prints WARNING records of an unconfigured logger.
    assert proc.stderr.count("[calllog.write_failed]") == 1, proc.stderr


def test_a_broken_handler_never_breaks_the_call_path(tmp_path):
    (tmp_path / "calls").write_text("x")
    proc = run_py(f"""
    import json, patter
    from patter import _native
    from patter.observability import diagnostics_stats, flush_diagnostics
    def broken(*args):
        raise RuntimeError("handler bug")
    _native.set_diagnostics_handler(broken)
    logger = patter.CallLogger({str(tmp_path)!r})
    with patter.Call("CA-1", direction="inbound", provider_mode="pipeline", logger=logger) as call:
        call.event("still fine")
    logger.flush(10_000)
    assert flush_diagnostics(5_000)
    print(json.dumps(diagnostics_stats()))
    """)
    assert last_json(proc)["delivered"] >= 1
    assert "handler bug" in proc.stderr  # printed as an unraisable error, never raised into the call
