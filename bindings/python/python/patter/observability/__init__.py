"""Observability with the names of the Patter docs::

    from patter.observability import init_tracing, is_enabled, shutdown_tracing
    from patter.observability import SPAN_CALL, SPAN_LLM, attach_span_exporter
    from patter.observability import patter_call_scope, record_patter_attrs
"""

from __future__ import annotations

from .attributes import (
    DEFAULT_SIDE,
    attach_span_exporter,
    decode_spans,
    detach_span_exporter,
    patter_call_scope,
    record_patter_attrs,
)
from .diagnostics import diagnostics_stats, flush_diagnostics
from .tracing import (
    ENV_FLAG,
    SERVICE_NAME,
    SPAN_BARGEIN,
    SPAN_CALL,
    SPAN_ENDPOINT,
    SPAN_LLM,
    SPAN_STT,
    SPAN_TOOL,
    SPAN_TTS,
    SPAN_TURN,
    force_flush,
    init_tracing,
    is_enabled,
    is_recording,
    shutdown_tracing,
    tracing_stats,
)

__all__ = [
    "DEFAULT_SIDE",
    "ENV_FLAG",
    "SERVICE_NAME",
    "SPAN_CALL",
    "SPAN_TURN",
    "SPAN_STT",
    "SPAN_LLM",
    "SPAN_TTS",
    "SPAN_TOOL",
    "SPAN_ENDPOINT",
    "SPAN_BARGEIN",
    "init_tracing",
    "is_enabled",
    "is_recording",
    "shutdown_tracing",
    "force_flush",
    "tracing_stats",
    "diagnostics_stats",
    "flush_diagnostics",
    "attach_span_exporter",
    "detach_span_exporter",
    "decode_spans",
    "patter_call_scope",
    "record_patter_attrs",
]
