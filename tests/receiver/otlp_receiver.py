"""A real OTLP/HTTP receiver for tests, independent of libpatter's Rust crates.

It decodes each POSTed ``ExportTraceServiceRequest`` (``/v1/traces``),
``ExportMetricsServiceRequest`` (``/v1/metrics``) and ``ExportLogsServiceRequest``
(``/v1/logs``) with the official OpenTelemetry protobuf definitions (the ``opentelemetry-proto``
package from PyPI) and keeps the decoded requests: traces in ``requests``, metrics in
``metric_requests``, logs in ``log_requests``.

Use in-process::

    with OtlpReceiver(mode="ok") as rx:
        ... export to rx.endpoint ...
        spans = rx.wait_for_spans(n=10)

or as a process: ``python otlp_receiver.py --mode ok`` prints ``LISTENING <port>`` and writes one
JSON object per request (the request as OTLP-JSON plus the headers) to ``--out`` when given.

Modes: ``ok`` (200), ``fail500`` (HTTP 500), ``slow`` (sleeps ``--delay`` seconds, then 200).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

# Request and response types by path; any other path is decoded as traces (the span sink's
# URL may be given in full).
SIGNALS = {
    "/v1/metrics": ("metric_requests", ExportMetricsServiceRequest, ExportMetricsServiceResponse),
    "/v1/logs": ("log_requests", ExportLogsServiceRequest, ExportLogsServiceResponse),
}


class OtlpReceiver:
    """An OTLP/HTTP protobuf receiver on 127.0.0.1 with an ephemeral port."""

    def __init__(self, mode: str = "ok", delay: float = 2.0, out: str | None = None):
        self.mode = mode
        self.delay = delay
        self.out = out
        self.requests: list[dict] = []  # {"headers": {...}, "request": ExportTraceServiceRequest, "path": str}
        self.metric_requests: list[dict] = []  # same, with ExportMetricsServiceRequest
        self.log_requests: list[dict] = []  # same, with ExportLogsServiceRequest
        self.raw_bodies: list[bytes] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if receiver.mode == "fail500":
                    self.send_response(500)
                    self.end_headers()
                    return
                if receiver.mode == "slow":
                    time.sleep(receiver.delay)
                path = self.path.split("?")[0]
                kept, req_type, resp_type = SIGNALS.get(
                    path, ("requests", ExportTraceServiceRequest, ExportTraceServiceResponse))
                req = req_type()
                try:
                    if self.headers.get("Content-Type") != "application/x-protobuf":
                        raise ValueError(f"content-type {self.headers.get('Content-Type')!r}")
                    req.ParseFromString(body)
                except Exception as exc:  # a malformed request is a test failure, recorded
                    with receiver._lock:
                        receiver.errors.append(repr(exc))
                    self.send_response(400)
                    self.end_headers()
                    return
                entry = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "request": req}
                with receiver._lock:
                    getattr(receiver, kept).append(entry)
                    if kept == "requests":
                        receiver.raw_bodies.append(body)
                    if receiver.out:
                        with open(receiver.out, "a", encoding="utf-8") as fh:
                            fh.write(json.dumps({"path": entry["path"], "headers": entry["headers"],
                                                 "request": MessageToDict(req)}) + "\n")
                resp = resp_type().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(resp)))
                self.end_headers()
                self.wfile.write(resp)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "OtlpReceiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "OtlpReceiver":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def spans(self) -> list[dict]:
        """Every received span as a dict: name, ids (hex), parent, flags, trace_state, attributes {key: (type, value)},
        resource attributes, scope name, status code, start/end nanos."""
        out = []
        with self._lock:
            reqs = list(self.requests)
        for entry in reqs:
            for rs in entry["request"].resource_spans:
                resource = {kv.key: _value(kv.value) for kv in rs.resource.attributes}
                for ss in rs.scope_spans:
                    for sp in ss.spans:
                        out.append({
                            "name": sp.name,
                            "trace_id": sp.trace_id.hex(),
                            "span_id": sp.span_id.hex(),
                            "parent_span_id": sp.parent_span_id.hex(),
                            "flags": sp.flags,
                            "trace_state": sp.trace_state,
                            "attributes": {kv.key: _value(kv.value) for kv in sp.attributes},
                            "resource": resource,
                            "scope": ss.scope.name,
                            "status_code": sp.status.code,
                            "start": sp.start_time_unix_nano,
                            "end": sp.end_time_unix_nano,
                        })
        return out

    def wait_for_spans(self, n: int, timeout: float = 10.0, where=None) -> list[dict]:
        """Waits until at least ``n`` spans (matching ``where`` if given) arrived."""
        deadline = time.monotonic() + timeout
        while True:
            spans = [s for s in self.spans() if where is None or where(s)]
            if len(spans) >= n or time.monotonic() > deadline:
                return spans
            time.sleep(0.02)


    def metrics(self) -> list[dict]:
        """Every received metric as a dict: name, unit, description, type (``sum`` or
        ``histogram``), temporality (1 delta, 2 cumulative), monotonic, resource attributes,
        scope name and its data points (attributes {key: (type, value)}, value or count/sum/
        bucket_counts/explicit_bounds/min/max, start/time nanos)."""
        out = []
        with self._lock:
            reqs = list(self.metric_requests)
        for entry in reqs:
            for rm in entry["request"].resource_metrics:
                resource = {kv.key: _value(kv.value) for kv in rm.resource.attributes}
                for sm in rm.scope_metrics:
                    for m in sm.metrics:
                        kind = m.WhichOneof("data")
                        data = getattr(m, kind)
                        points = []
                        for p in data.data_points:
                            point = {"attributes": {kv.key: _value(kv.value) for kv in p.attributes},
                                     "start": p.start_time_unix_nano, "time": p.time_unix_nano}
                            if kind == "histogram":
                                point.update(count=p.count, sum=p.sum, bucket_counts=list(p.bucket_counts),
                                             explicit_bounds=list(p.explicit_bounds),
                                             min=p.min if p.HasField("min") else None,
                                             max=p.max if p.HasField("max") else None)
                            else:
                                point["value"] = p.as_double if p.WhichOneof("value") == "as_double" else p.as_int
                            points.append(point)
                        out.append({
                            "name": m.name, "unit": m.unit, "description": m.description, "type": kind,
                            "temporality": data.aggregation_temporality,
                            "monotonic": getattr(data, "is_monotonic", None),
                            "resource": resource, "scope": sm.scope.name, "points": points,
                            "path": entry["path"], "headers": entry["headers"],
                        })
        return out

    def logs(self) -> list[dict]:
        """Every received log record as a dict: event_name, body (or None), attributes
        {key: (type, value)}, trace/span ids (hex), severity, time nanos, resource, scope."""
        out = []
        with self._lock:
            reqs = list(self.log_requests)
        for entry in reqs:
            for rl in entry["request"].resource_logs:
                resource = {kv.key: _value(kv.value) for kv in rl.resource.attributes}
                for sl in rl.scope_logs:
                    for r in sl.log_records:
                        out.append({
                            "event_name": r.event_name,
                            "body": _value(r.body)[1] if r.HasField("body") else None,
                            "attributes": {kv.key: _value(kv.value) for kv in r.attributes},
                            "trace_id": r.trace_id.hex(),
                            "span_id": r.span_id.hex(),
                            "flags": r.flags,
                            "severity_number": r.severity_number,
                            "severity_text": r.severity_text,
                            "time": r.time_unix_nano,
                            "resource": resource,
                            "scope": sl.scope.name,
                        })
        return out

    def wait_for(self, what: str, n: int, timeout: float = 10.0) -> list[dict]:
        """Waits until at least ``n`` items of ``metrics()`` or ``logs()`` arrived."""
        deadline = time.monotonic() + timeout
        while True:
            items = getattr(self, what)()
            if len(items) >= n or time.monotonic() > deadline:
                return items
            time.sleep(0.02)


def _value(v) -> tuple[str, object]:
    kind = v.WhichOneof("value")
    if kind == "string_value":
        return ("string", v.string_value)
    if kind == "int_value":
        return ("int", v.int_value)
    if kind == "double_value":
        return ("double", v.double_value)
    if kind == "bool_value":
        return ("bool", v.bool_value)
    if kind == "array_value":
        return ("array", [_value(x) for x in v.array_value.values])
    return (str(kind), None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", default="ok", choices=["ok", "fail500", "slow"])
    ap.add_argument("--delay", type=float, default=2.0)
    ap.add_argument("--out")
    ap.add_argument("--duration", type=float, default=600.0, help="exit after this many seconds")
    args = ap.parse_args()
    rx = OtlpReceiver(args.mode, args.delay, args.out).start()
    print(f"LISTENING {rx.port}", flush=True)
    try:
        time.sleep(args.duration)
    except KeyboardInterrupt:
        pass
    rx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
