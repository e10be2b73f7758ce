"""``patter.dashboard.serve(store)`` and ``python -m patter dashboard``: the core's dashboard
from Python — token, Host and method checks, the JSON API over a live store, the CLI's URL."""

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

import patter
import patter.errors
from patter.dashboard import MetricsStore, serve


def _get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _token(url):
    return url.split("token=", 1)[1]


def test_serve_a_live_store():
    store = MetricsStore()
    with patter.Call("CA-pydash-1", direction="inbound", provider_mode="pipeline", caller="+15555550123",
                     logger=patter.CallLogger(False), store=store) as call:
        with call.stt("deepgram") as stt:
            stt.transcript("hello there", confidence=0.9, audio_seconds=1.0)
    live = patter.Call("CA-pydash-live", direction="outbound", provider_mode="pipeline",
                       logger=patter.CallLogger(False), store=store)
    with serve(store) as dashboard:
        assert dashboard.url.startswith(f"http://127.0.0.1:{dashboard.port}/?token=")
        base = f"http://127.0.0.1:{dashboard.port}"
        auth = {"Authorization": "Bearer " + _token(dashboard.url)}
        assert _get(base + "/api/calls")[0] == 401
        assert _get(base + "/api/calls", {"Authorization": "Bearer nope"})[0] == 401
        assert _get(base + "/api/calls", {**auth, "Host": "evil.example"})[0] == 421
        assert _get(base + "/api/calls", {**auth, "Origin": "http://evil.example"})[0] == 403
        post = urllib.request.Request(base + "/api/calls", data=b"{}", headers=auth, method="POST")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(post, timeout=10)
        assert e.value.code == 405
        status, body = _get(base + "/api/calls", auth)
        assert status == 200
        page = json.loads(body)
        assert page["total"] == 1 and page["calls"][0]["call_id"] == "CA-pydash-1"
        assert page["calls"][0]["caller"] == "***0123"
        active = json.loads(_get(base + "/api/active", auth)[1])
        assert [a["call_id"] for a in active] == ["CA-pydash-live"]
        detail = json.loads(_get(base + "/api/call?id=CA-pydash-1", auth)[1])
        assert detail["call"]["transcript"][0]["text"] == "hello there"
    assert dashboard.closed
    dashboard.close()
    live.end()


def test_port_is_checked():
    with pytest.raises(patter.errors.InvalidArgumentError):
        serve(MetricsStore(), port=70000)


def _stop_and_wait(p, stderr_file, timeout=10):
    """SIGINT (Ctrl-C) to the child, then its exit status. A child still running after
    ``timeout`` is sent SIGABRT (``-X faulthandler`` prints every Python thread's stack), then
    killed, and the test fails with whatever it wrote to stderr."""
    p.send_signal(signal.SIGINT)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGABRT)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        stderr_file.seek(0)
        pytest.fail(f"the dashboard did not stop within {timeout} s of SIGINT; its stderr:\n{stderr_file.read()}")


@pytest.mark.parametrize("parent_sigint", ["default", "ignored"])
def test_python_dash_m_patter_dashboard_prints_the_url_and_stops_on_ctrl_c(tmp_path, parent_sigint):
    # The child inherits SIGINT at its default, or ignored: how a program started with `cmd &`
    # by a non-interactive shell (a CI script) inherits it. Ctrl-C stops the dashboard either way.
    logger = patter.CallLogger(str(tmp_path / "log"))
    with patter.Call("CA-pydash-cli", direction="inbound", provider_mode="pipeline", logger=logger):
        pass
    assert logger.flush(10_000)
    # stderr goes to a file: a pipe nobody reads could fill up and block the child.
    with open(tmp_path / "stderr.txt", "w+") as stderr_file:
        handler = signal.SIG_IGN if parent_sigint == "ignored" else signal.default_int_handler
        previous = signal.signal(signal.SIGINT, handler)
        try:
            p = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "patter", "dashboard",
                                  "--dir", str(tmp_path / "log"), "--port", "0"],
                                 stdout=subprocess.PIPE, stderr=stderr_file, text=True)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        try:
            url = p.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:") and "token=" in url, url
            base = url.split("/?")[0]
            status, body = _get(base + "/api/calls", {"Authorization": "Bearer " + _token(url)})
            assert status == 200 and json.loads(body)["calls"][0]["call_id"] == "CA-pydash-cli"
            code = _stop_and_wait(p, stderr_file)
            stderr_file.seek(0)
            assert code == 130, stderr_file.read()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
