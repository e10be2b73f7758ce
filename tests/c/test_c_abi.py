"""The C ABI, from C: each tests/c/*.c is compiled with `cc -Wall -Wextra -Werror` against the
committed include/patter.h, linked to the built libpatter, and run under valgrind (any invalid
access or definite leak fails) with tracing pointed at a real OTLP/HTTP receiver.

Set PATTER_NO_VALGRIND=1 to run the programs directly (valgrind is required otherwise)."""

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from conftest import ROOT, target_dir

LIBDIR = target_dir() / "release"
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", str(ROOT / "include")]
# What rustc reports for a staticlib on Linux (`--print native-static-libs`).
STATIC_LIBS = ["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"]
VALGRIND = ["valgrind", "-q", "--error-exitcode=97", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite"]
SPANS_FULL_CALL = 14  # 2 calls + 3 turns + 9 service spans (see test_full_call.c)


@pytest.fixture(scope="session")
def lib():
    """Builds libpatter.so / libpatter.a (release) once per session."""
    subprocess.run(["make", "-s", "lib-c"], cwd=ROOT, check=True)  # also links the SONAME in-tree
    assert (LIBDIR / "libpatter.so").exists() and (LIBDIR / "libpatter.a").exists()
    return LIBDIR


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("c-abi")


def compile_c(src: Path, out: Path, static: bool = False) -> Path:
    cc = os.environ.get("CC", "cc")
    if static:
        cmd = [cc, *CFLAGS, str(src), str(LIBDIR / "libpatter.a"), *STATIC_LIBS, "-o", str(out)]
    else:
        cmd = [cc, *CFLAGS, str(src), "-L", str(LIBDIR), "-lpatter", f"-Wl,-rpath,{LIBDIR}",
               "-pthread", "-lm", "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, f"{' '.join(cmd)}\n{res.stderr}"
    return out


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PATTER_"))}
    env.update(extra)
    return env


def run_c(exe: Path, env: dict, timeout: float = 600, args=()):
    cmd = [str(exe), *args]
    if os.environ.get("PATTER_NO_VALGRIND") != "1":
        if shutil.which("valgrind") is None:
            pytest.fail("valgrind is required for the C ABI tests (or set PATTER_NO_VALGRIND=1)")
        cmd = VALGRIND + cmd
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, f"{exe.name} exited {res.returncode} (97 = valgrind error)\n{res.stderr}"
    # Valgrind's own report (invalid reads/writes, definite leaks) fails the test even if the
    # exit code were lost.
    assert "Invalid read" not in res.stderr and "Invalid write" not in res.stderr, res.stderr
    assert "definitely lost" not in res.stderr, res.stderr
    return res


def decode_pb_file(path: Path):
    data = path.read_bytes()
    names, i = [], 0
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        req = ExportTraceServiceRequest()
        req.ParseFromString(data[i + 4:i + 4 + n])
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                names.extend(sp.name for sp in ss.spans)
        i += 4 + n
    return names


def test_full_call_reaches_the_receiver_and_the_callback(lib, build_dir, receiver):
    exe = compile_c(ROOT / "tests/c/test_full_call.c", build_dir / "test_full_call")
    pb_out = build_dir / "batches.pb"
    log_dir = build_dir / "calllog"
    res = run_c(exe, clean_env(PATTER_OTEL_ENABLED="1", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
                               PATTER_TEST_PB_OUT=str(pb_out), PATTER_TEST_LOG_DIR=str(log_dir)))
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["enabled"] is True
    assert summary["trace_id"] == "000000000000002a0000000000000001"  # SequentialIds(42)
    assert summary["released"] == 1
    assert summary["callback_spans"] == SPANS_FULL_CALL
    assert summary["callback_call_spans"] == 2
    end = summary["end"]
    assert end["status"] == "completed" and end["turns"] == 3 and end["duration_ms"] == 3510
    assert end["ended_at"] == "2026-04-23T18:02:15.923Z"
    assert end["usage"]["llm_input_tokens"] == 690 and end["usage"]["llm_cached_input_tokens"] == 256
    assert end["cost"]["tts"] >= 40.0  # 40 characters at the overridden $1000 per 1,000
    assert end["cost"]["llm"] > 0 and end["cost"]["telephony"] > 0
    assert abs(end["cost"]["total"] - sum(end["cost"][k] for k in
                                          ("telephony", "stt", "tts", "llm", "realtime"))) < 1e-9
    stats = summary["stats"]
    assert stats["dropped"] == 0 and stats["failed"] == 0
    assert stats["exported"] == SPANS_FULL_CALL  # every span accepted by both sinks
    assert stats["discarded"] == 0 and stats["pending"] == 0
    assert sorted(s["exported"] for s in stats["sinks"]) == [SPANS_FULL_CALL, SPANS_FULL_CALL]

    spans = receiver.wait_for_spans(SPANS_FULL_CALL)
    assert receiver.errors == []
    assert len(spans) == SPANS_FULL_CALL
    by_id = {s["span_id"]: s for s in spans}
    names = sorted(s["name"] for s in spans)
    assert names == sorted(["getpatter.call"] * 2 + ["getpatter.turn"] * 3 + ["getpatter.stt"] * 2
                           + ["getpatter.endpoint", "getpatter.llm", "getpatter.llm", "getpatter.tool",
                              "getpatter.tts", "getpatter.tts", "getpatter.bargein"])
    assert sorted(decode_pb_file(pb_out)) == names
    for s in spans:
        assert s["resource"]["service.name"] == ("string", "c-abi-test")
        assert s["resource"]["deployment.environment"] == ("string", "test")
        if s["name"] != "getpatter.call":
            assert s["parent_span_id"] in by_id
        for _, value in s["attributes"].values():
            assert "4111-2222" not in str(value) and "book it" not in str(value)
    main = [s for s in spans if s["name"] == "getpatter.call"
            and s["attributes"]["getpatter.call.id"][1] == "CA-c-0001"][0]
    assert main["trace_id"] == summary["trace_id"]
    assert main["start"] == 1776967332413 * 1_000_000  # the manual clock
    assert main["attributes"]["getpatter.call.status"] == ("string", "completed")
    # Options given to the starters (not set on the span afterwards) reach the spans.
    tool = [s for s in spans if s["name"] == "getpatter.tool"][0]
    assert tool["attributes"]["gen_ai.tool.call.id"] == ("string", "call_balance_1")
    bargein = [s for s in spans if s["name"] == "getpatter.bargein"][0]
    assert bargein["attributes"]["getpatter.bargein.audio_played_ms"] == ("double", 400.0)
    assert main["attributes"]["patter.telephony"] == ("string", "twilio")
    abandoned = [s for s in spans if s["name"] == "getpatter.call"
                 and s["attributes"]["getpatter.call.id"][1] == "CA-c-0002"][0]
    assert abandoned["attributes"]["getpatter.call.status"] == ("string", "abandoned")
    assert abandoned["attributes"]["getpatter.call.direction"] == ("string", "outbound")
    assert abandoned["attributes"]["patter.realtime.provider"] == ("string", "openai_realtime")
    turns = {s["attributes"]["getpatter.turn.number"][1]: s for s in spans if s["name"] == "getpatter.turn"}
    assert turns[2]["attributes"]["getpatter.turn.interrupted"] == ("bool", True)
    assert turns[1]["attributes"]["patter.latency.ttfb_ms"] == ("double", 630.0)
    stt = [s for s in spans if s["name"] == "getpatter.stt" and "getpatter.stt.text_len" in s["attributes"]][0]
    assert stt["attributes"]["getpatter.stt.text_len"] == ("int", 57)  # characters (58 bytes)
    dangling = [s for s in spans if s["name"] == "getpatter.stt" and s is not stt][0]
    assert dangling["status_code"] == 2  # ended by the call's end: error status

    # The call log on disk.
    day = log_dir / "calls" / "2026" / "04" / "23"
    call_dir = day / "CA-c-0001"
    assert sorted(p.name for p in call_dir.iterdir()) == ["events.jsonl", "metadata.json", "transcript.jsonl"]
    assert (call_dir.stat().st_mode & 0o777) == 0o700
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in call_dir.iterdir())
    meta = json.loads((call_dir / "metadata.json").read_text())
    assert meta["call_id"] == "CA-c-0001" and meta["status"] == "completed" and meta["turns"] == 3
    assert meta["trace_id"] == summary["trace_id"]
    assert meta["caller"] == "***0123" and meta["callee"] == "***0100"
    assert meta["started_at"] == "2026-04-23T18:02:12.413Z" and meta["ended_at"] == end["ended_at"]
    assert meta["agent"]["voice"] == "rachel"
    transcript = [json.loads(line) for line in (call_dir / "transcript.jsonl").read_text().splitlines()]
    assert transcript[0]["role"] == "user" and "4111-2222" in transcript[0]["text"]  # PII: disk only
    assert any(t["role"] == "assistant" and t.get("interrupted") for t in transcript)
    events = [json.loads(line)["type"] for line in (call_dir / "events.jsonl").read_text().splitlines()]
    for kind in ["tool_call", "tool_result", "barge_in", "error", "dtmf", "hold"]:
        assert kind in events, events
    abandoned_meta = json.loads((day / "CA-c-0002" / "metadata.json").read_text())
    assert abandoned_meta["status"] == "abandoned"

    # The live store and a store hydrated from disk.
    assert summary["hydrate_report"]["loaded"] == 2
    assert [c["call_id"] for c in summary["calls"]] == ["CA-c-0002", "CA-c-0001"]  # newest first
    live, disk = summary["live_call"], summary["disk_call"]
    for key in ["call_id", "status", "turns", "caller", "callee", "trace_id", "started_at", "ended_at", "cost"]:
        assert live[key] == disk[key], key
    assert [t["text"] for t in live["transcript"]] == [t["text"] for t in disk["transcript"]]
    assert [e["type"] for e in live["events"]] == [e["type"] for e in disk["events"]]
    agg = summary["aggregates"]
    assert (agg["total_calls"], agg["completed"], agg["abandoned"], agg["active_calls"]) == (2, 1, 1, 0)


def test_traceparent_in_and_out(lib, build_dir, receiver):
    """An explicit traceparent: the call span is a remote child in the host's trace with its
    tracestate; a parent that is not sampled exports nothing (see test_traceparent.c)."""
    exe = compile_c(ROOT / "tests/c/test_traceparent.c", build_dir / "test_traceparent")
    res = run_c(exe, clean_env(PATTER_OTEL_ENABLED="1", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint))
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["failures"] == 0 and summary["checks"] > 30
    spans = receiver.wait_for_spans(6)  # joined: call, turn, llm, tool, bargein; root: call
    assert receiver.errors == [] and len(spans) == 6
    by_call = {}
    for s in spans:
        by_call.setdefault(s["attributes"]["getpatter.call.id"][1], []).append(s)
    assert "CA-c-tp-unsampled" not in by_call  # not sampled: nothing exported
    joined = by_call["CA-c-tp-joined"]
    call = [s for s in joined if s["name"] == "getpatter.call"][0]
    assert call["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert call["parent_span_id"] == "00f067aa0ba902b7"
    assert call["flags"] == 0x301  # sampled, context has is_remote, is_remote
    assert call["trace_state"] == "congo=t61rcWkgMzE"
    assert summary["call_traceparent"] == f"00-{call['trace_id']}-{call['span_id']}-01"
    ids = {s["span_id"]: s for s in joined}
    for s in joined:
        assert s["trace_id"] == call["trace_id"] and s["trace_state"] == "congo=t61rcWkgMzE"
        assert s["attributes"]["gen_ai.conversation.id"] == ("string", "CA-c-tp-joined")
        if s is not call:
            assert s["parent_span_id"] in ids and s["flags"] == 0x101  # local parent
    llm = [s for s in joined if s["name"] == "getpatter.llm"][0]
    assert summary["span_traceparent"] == f"00-{llm['trace_id']}-{llm['span_id']}-01"
    assert llm["attributes"]["gen_ai.usage.input_tokens"] == ("int", 556)
    assert llm["attributes"]["gen_ai.usage.cache_read.input_tokens"] == ("int", 256)
    tool = [s for s in joined if s["name"] == "getpatter.tool"][0]
    assert tool["attributes"]["gen_ai.tool.call.id"] == ("string", "call_abc123")
    assert tool["attributes"]["gen_ai.operation.name"] == ("string", "execute_tool")
    bargein = [s for s in joined if s["name"] == "getpatter.bargein"][0]
    assert bargein["attributes"]["getpatter.bargein.audio_played_ms"] == ("double", 1250.0)
    root = [s for s in by_call["CA-c-tp-root"] if s["name"] == "getpatter.call"][0]
    assert root["parent_span_id"] == "" and root["flags"] == 0x101 and root["trace_state"] == ""


def test_bad_input_never_crashes(lib, build_dir):
    exe = compile_c(ROOT / "tests/c/test_bad_input.c", build_dir / "test_bad_input")
    res = run_c(exe, clean_env())
    assert "0 failed" in res.stderr


def test_bad_input_with_tracing_on(lib, build_dir):
    exe = compile_c(ROOT / "tests/c/test_bad_input.c", build_dir / "test_bad_input_traced")
    res = run_c(exe, clean_env(PATTER_OTEL_ENABLED="1", OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9",
                               PATTER_OTEL_EXPORT_TIMEOUT_MS="200"))
    assert "0 failed" in res.stderr


def test_threads(lib, build_dir, receiver):
    exe = compile_c(ROOT / "tests/c/test_threads.c", build_dir / "test_threads")
    res = run_c(exe, clean_env(PATTER_OTEL_ENABLED="1", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint))
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    want = summary["calls"] * summary["spans_per_call"]
    spans = receiver.wait_for_spans(want)
    assert len(spans) == want
    ids = {s["attributes"]["getpatter.call.id"][1] for s in spans if s["name"] == "getpatter.call"}
    assert len(ids) == summary["calls"]


def test_static_library_links(lib, build_dir):
    exe = compile_c(ROOT / "tests/c/test_bad_input.c", build_dir / "test_bad_input_static", static=True)
    out = subprocess.run(["ldd", str(exe)], capture_output=True, text=True).stdout
    assert "libpatter" not in out
    res = subprocess.run([str(exe)], env=clean_env(), capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_install_and_pkg_config(lib, tmp_path, receiver):
    prefix = tmp_path / "prefix"
    subprocess.run(["make", "-s", "install", f"PREFIX={prefix}"], cwd=ROOT, check=True)
    for f in ["include/patter.h", "lib/libpatter.so", "lib/libpatter.a", "lib/pkgconfig/patter.pc"]:
        assert (prefix / f).exists(), f
    # The usual shared-library layout: a versioned file whose SONAME is the major version.
    version = re.search(r'^version = "(.*)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
    real = prefix / "lib" / f"libpatter.so.{version}"
    assert real.is_file() and not real.is_symlink()
    major = version.split(".")[0]
    assert os.readlink(prefix / "lib" / f"libpatter.so.{major}") == real.name
    dyn = subprocess.run(["readelf", "-d", str(real)], capture_output=True, text=True, check=True).stdout
    assert f"[libpatter.so.{major}]" in dyn and "SONAME" in dyn, dyn
    pc = (prefix / "lib/pkgconfig/patter.pc").read_text()
    assert "Libs.private: -l" in pc  # generated from rustc's native-static-libs
    assert (prefix / "include/patter.h").read_bytes() == (ROOT / "include/patter.h").read_bytes()
    env = clean_env(PKG_CONFIG_PATH=str(prefix / "lib/pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "patter"], env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    assert f"-I{prefix}/include" in flags and "-lpatter" in flags
    exe = tmp_path / "example"
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-Wall", "-Wextra", "-Werror", str(ROOT / "examples/c/example.c"), *flags, "-o", str(exe)],
                   env=env, check=True)
    run_env = clean_env(LD_LIBRARY_PATH=str(prefix / "lib"), PATTER_OTEL_ENABLED="1",
                        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint)
    res = subprocess.run([str(exe)], env=run_env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "tracing on; call ended:" in res.stdout and '"status":"completed"' in res.stdout
    spans = receiver.wait_for_spans(5)
    assert sorted(s["name"] for s in spans) == ["getpatter.call", "getpatter.llm", "getpatter.stt",
                                                 "getpatter.tts", "getpatter.turn"]
    # Static linking through pkg-config as well.
    static_flags = subprocess.run(["pkg-config", "--static", "--cflags", "--libs", "patter"], env=env,
                                  capture_output=True, text=True, check=True).stdout.split()
    static_exe = tmp_path / "example_static"
    subprocess.run([cc, str(ROOT / "examples/c/example.c"), "-Wl,-Bstatic", "-lpatter", "-Wl,-Bdynamic",
                    *[f for f in static_flags if f != "-lpatter"], "-o", str(static_exe)], env=env, check=True)
    res = subprocess.run([str(static_exe)], env=clean_env(), capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "tracing off" in res.stdout, res.stderr


@pytest.mark.parametrize("scenario", ["hostile_inputs", "barge_in", "record_llm"])
def test_conformance_runner_under_valgrind(lib, build_dir, receiver, tmp_path, scenario):
    """The C conformance runner (byte-compared with the golden files by `make conformance`)
    is clean under valgrind too, JSON reader included."""
    exe = compile_c(ROOT / "tests/c/conformance_runner.c", build_dir / "conformance_runner_c")
    run_c(exe, clean_env(PATTER_OTEL_ENABLED="1", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
                         PATTER_LOG_DIR=str(tmp_path / "log")),
          args=[str(ROOT / "tests/conformance/scenarios" / f"{scenario}.json")])
    spans = receiver.wait_for_spans(1, where=lambda s: s["name"] == "getpatter.call")
    assert len(spans) == 1


@pytest.mark.parametrize("lang,std", [("c", "c99"), ("c", "c11"), ("c", "c2x"), ("c++", "c++11"), ("c++", "c++17")])
def test_header_compiles_standalone(tmp_path, lang, std):
    """include/patter.h is self-contained and warning-free in every C standard since C99 and in C++."""
    compiler = os.environ.get("CC", "cc") if lang == "c" else os.environ.get("CXX", "c++")
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} not installed")
    src = tmp_path / ("h.c" if lang == "c" else "h.cpp")
    src.write_text('#include "patter.h"\n'
                   "int main(void) { patter_status s = patter_warm_up(); return s == PATTER_STATUS_OK ? 0 : 1; }\n")
    res = subprocess.run([compiler, f"-std={std}", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I",
                          str(ROOT / "include"), "-c", str(src), "-o", str(tmp_path / "h.o")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_diagnostics_reach_the_c_callback(lib, build_dir, tmp_path):
    exe = compile_c(ROOT / "tests/c/test_diagnostics.c", build_dir / "test_diagnostics")
    (tmp_path / "calls").write_text("a file where the calls directory should be")
    res = run_c(exe, clean_env(PATTER_TEST_LOG_DIR=str(tmp_path)))
    assert "0 failed" in res.stderr, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["got"] == 1
    assert out["stats"]["raised"] >= 200 and out["stats"]["suppressed"] >= 199, out
    # The callback replaced stderr: the warning was not printed there too.
    assert "calllog.write_failed" not in res.stderr


def test_catalogue_defines_and_error_codes(lib, build_dir):
    """patter.h's catalogue #defines are the names the spans carry; patter_status_code()
    gives the core table's codes."""
    exe = compile_c(ROOT / "tests/c/test_catalogue.c", build_dir / "test_catalogue")
    res = run_c(exe, clean_env())
    assert "0 failed" in res.stderr, res.stderr
