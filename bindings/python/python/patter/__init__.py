"""libpatter for Python: every phone call of a voice agent as an OpenTelemetry trace, its cost
in dollars and a per-call record on disk, all done by one Rust core shared with C and Node.

Quick tour::

    import patter
    from patter.observability import init_tracing, shutdown_tracing

    init_tracing(service_name="my-agent")          # needs PATTER_OTEL_ENABLED=1
    with patter.Call("CA123", direction="inbound", provider_mode="pipeline",
                     telephony_provider="twilio") as call:
        with call.stt("deepgram", "nova-3") as stt:
            stt.transcript("What's my balance?", confidence=0.93, audio_seconds=1.8)
        with patter.llm("openai", "gpt-4o-mini", history_size=3) as llm:   # the current call
            llm.first_token()
            llm.usage(input_tokens=412, output_tokens=36)
        with call.tts("elevenlabs", "Your balance is $12.") as tts:
            tts.first_byte()
    print(call.ended()["cost"])
    shutdown_tracing()                               # also runs at interpreter exit

Persistence: ``patter.Call(..., logger=patter.CallLogger(persist="/var/log/patter"))`` (or
``PATTER_LOG_DIR``) writes ``calls/YYYY/MM/DD/<call_id>/``; ``patter.MetricsStore`` (also
``patter.dashboard.store.MetricsStore``) keeps recent calls and ``hydrate()``-s them from disk.

The current call lives in a :class:`contextvars.ContextVar`: asyncio tasks spawned inside a
``with call:`` block report to that call.
"""

from __future__ import annotations

import atexit as _atexit

from . import _native
from .observability import diagnostics as _diagnostics
from ._call import Call
from ._context import call_scope, current_call, current_call_id, current_side, patter_call_scope
from ._helpers import bargein, endpoint, end_turn, error, event, llm, start_turn, stt, tool, tts
from ._native import CallLogger, ManualClock, MetricsStore, Pricing, SequentialIds, Span
from .errors import (
    ConfigError,
    CorruptDataError,
    ExporterError,
    InvalidArgumentError,
    PatterError,
    StateError,
    StorageError,
)

__version__: str = _native.__version__

__all__ = [
    "Call",
    "Span",
    "CallLogger",
    "MetricsStore",
    "Pricing",
    "ManualClock",
    "SequentialIds",
    "call_scope",
    "current_call",
    "current_call_id",
    "current_side",
    "patter_call_scope",
    "start_turn",
    "end_turn",
    "stt",
    "endpoint",
    "llm",
    "tts",
    "bargein",
    "tool",
    "event",
    "error",
    "PatterError",
    "InvalidArgumentError",
    "ConfigError",
    "StateError",
    "StorageError",
    "CorruptDataError",
    "ExporterError",
]


def _flush_at_exit() -> None:
    """Hands every span still queued to its sinks, and every call record still queued to the
    disk, before the interpreter goes away (the GIL is released while it waits)."""
    _native.shutdown_tracing()
    _native.flush_default_logger()
    # What shutting down reported reaches logging while it still works; later ones go to stderr.
    _native.flush_diagnostics()
    _diagnostics.uninstall()


_diagnostics.install()
_atexit.register(_flush_at_exit)
