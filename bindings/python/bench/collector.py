"""A discarding OTLP/HTTP collector for benchmarks (not a test): accepts protobuf trace exports
on ``/v1/traces``, counts the spans in each (decoded with the official protobuf definitions, so
a malformed export is noticed), answers 200 with an empty response, and reports the running
count on ``GET /count``. It runs in its own process so its CPU is never charged to the process
being measured.

Usage: python collector.py PORT_FILE   (writes the chosen loopback port to PORT_FILE)
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

_lock = threading.Lock()
_spans = 0
_requests = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args) -> None:  # quiet
        pass

    def _reply(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        global _spans, _requests
        body = self._body()
        if self.path != "/v1/traces":
            self._reply(404, b"", "text/plain")
            return
        req = ExportTraceServiceRequest()
        req.ParseFromString(body)
        n = sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans)
        with _lock:
            _spans += n
            _requests += 1
        self._reply(200, b"", "application/x-protobuf")

    def do_GET(self) -> None:  # noqa: N802
        with _lock:
            body = f'{{"spans": {_spans}, "requests": {_requests}}}'.encode()
        self._reply(200, body, "application/json")


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
