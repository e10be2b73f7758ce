"""fork(): a child of a process with tracing and the call log running (a gunicorn --preload
worker, a multiprocessing fork child) never hangs, whatever the parent's threads held, and gets
working tracing and logging of its own: its spans reach the sink and its calls reach the disk."""

import json
import os
from pathlib import Path

from conftest import last_json, run_py

FORKS = 200


def _child_call_ids_in(span_file: Path):
    ids = set()
    for line in span_file.read_text().splitlines():
        for rs in json.loads(line)["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for s in ss["spans"]:
                    for a in s["attributes"]:
                        if a["key"] == "getpatter.call.id" and a["value"]["stringValue"].startswith("CA-child-"):
                            ids.add(a["value"]["stringValue"])
    return ids


def _call_dirs(log_dir: Path):
    return {p.parent.name for p in log_dir.glob("calls/*/*/*/*/metadata.json")}


def test_os_fork_loop_with_a_busy_parent_never_hangs_and_children_export(tmp_path):
    span_file, log_dir = tmp_path / "spans" / "spans.jsonl", tmp_path / "log"
    proc = run_py(f"""
        import json, os, sys, threading, time
        import patter
        from patter.observability import init_tracing, tracing_stats

        assert init_tracing(service_name="fork", disable_otlp=True, file={str(span_file)!r})
        stop = threading.Event()

        def one_call(call_id):
            with patter.Call(call_id, direction="inbound", provider_mode="pipeline") as call:
                with call.llm("openai", model="gpt-4o-mini") as llm:
                    llm.usage(10, 5)

        def busy():
            n = 0
            while not stop.is_set():
                one_call(f"CA-parent-{{n}}")
                n += 1
                time.sleep(0.0005)

        t = threading.Thread(target=busy, daemon=True)
        t.start()
        hung, failed, started = 0, 0, time.monotonic()
        for i in range({FORKS}):
            pid = os.fork()
            if pid == 0:
                # The child makes one call and leaves through the normal interpreter exit, so
                # the atexit hook (shutdown_tracing + flushing the call log) runs.
                one_call(f"CA-child-{{i}}")
                sys.exit(0)
            deadline = time.monotonic() + 20
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done == pid:
                    failed += int(not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0)
                    break
                if time.monotonic() > deadline:
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    hung += 1
                    break
                time.sleep(0.002)
        elapsed = time.monotonic() - started
        stop.set()
        t.join()
        print(json.dumps({{"hung": hung, "failed": failed, "elapsed": elapsed, "stats": tracing_stats()}}))
    """, env={"PATTER_OTEL_ENABLED": "1", "PATTER_LOG_DIR": str(log_dir)}, timeout=600)
    out = last_json(proc)
    assert out["hung"] == 0 and out["failed"] == 0, out
    assert out["elapsed"] < 120, out
    assert _child_call_ids_in(span_file) == {f"CA-child-{i}" for i in range(FORKS)}
    written = _call_dirs(log_dir)
    assert {f"CA-child-{i}" for i in range(FORKS)} <= written


def test_multiprocessing_fork_pool_children_export_and_write(tmp_path):
    span_file, log_dir = tmp_path / "spans.jsonl", tmp_path / "log"
    run_py(f"""
        import multiprocessing as mp
        import patter
        from patter.observability import init_tracing, force_flush

        def work(i):
            with patter.Call(f"CA-child-{{i}}", direction="outbound", provider_mode="pipeline") as call:
                with call.tts("elevenlabs", text="hello there"):
                    pass
            # Pool workers leave through os._exit (no atexit): flush explicitly, as documented.
            return force_flush(10_000) and patter.CallLogger.default().flush(10_000)

        if __name__ == "__main__":
            assert init_tracing(service_name="pool", disable_otlp=True, file={str(span_file)!r})
            with patter.Call("CA-parent", direction="inbound", provider_mode="pipeline"):
                pass
            ctx = mp.get_context("fork")
            with ctx.Pool(4) as pool:
                assert all(pool.map(work, range(40), chunksize=1))
            print("ok")
    """, env={"PATTER_OTEL_ENABLED": "1", "PATTER_LOG_DIR": str(log_dir)}, timeout=300)
    assert _child_call_ids_in(span_file) == {f"CA-child-{i}" for i in range(40)}
    assert {f"CA-child-{i}" for i in range(40)} <= _call_dirs(log_dir)
