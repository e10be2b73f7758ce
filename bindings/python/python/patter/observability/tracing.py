"""Tracing set-up with the names of the Patter docs: ``init_tracing``, ``is_enabled``,
``shutdown_tracing`` and the span-name constants. All of it is the core's pipeline: spans are
built by the OpenTelemetry Rust SDK and exported (OTLP/HTTP protobuf, console, file) from a
background thread, so the caller never blocks.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from .. import _native

__all__ = [
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
]

_N = _native.NAMES

#: The environment flag that turns tracing on (``1``/``true``/``yes``).
ENV_FLAG: str = "PATTER_OTEL_ENABLED"
#: Default ``service.name``.
SERVICE_NAME: str = _N["DEFAULT_SERVICE_NAME"]
SPAN_CALL: str = _N["SPAN_CALL"]
SPAN_TURN: str = _N["SPAN_TURN"]
SPAN_STT: str = _N["SPAN_STT"]
SPAN_LLM: str = _N["SPAN_LLM"]
SPAN_TTS: str = _N["SPAN_TTS"]
SPAN_TOOL: str = _N["SPAN_TOOL"]
SPAN_ENDPOINT: str = _N["SPAN_ENDPOINT"]
SPAN_BARGEIN: str = _N["SPAN_BARGEIN"]


def init_tracing(
    service_name: Optional[str] = None,
    otlp_endpoint: Optional[str] = None,
    resource_attributes: Optional[Dict[str, str]] = None,
    *,
    headers: Optional[Dict[str, str]] = None,
    console: Optional[bool] = None,
    file: Optional[str] = None,
    disable_otlp: bool = False,
    metrics: Optional[bool] = None,
    otel_logs: Optional[bool] = None,
    otel_log_texts: Optional[bool] = None,
) -> bool:
    """Starts tracing; call it once at process start.

    Returns False (and every span stays a no-op) unless ``PATTER_OTEL_ENABLED`` is
    ``1``/``true``/``yes``. Explicit arguments win over the environment
    (``OTEL_SERVICE_NAME``, ``OTEL_EXPORTER_OTLP_ENDPOINT`` — ``/v1/traces`` is appended —,
    ``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_CONSOLE_EXPORT``,
    ``PATTER_OTEL_FILE``), which win over the defaults (``patter``, ``http://localhost:4318``).
    OTLP metrics (``/v1/metrics``) are on with tracing unless ``metrics=False`` or
    ``OTEL_METRICS_EXPORTER=none``; call records as OTLP logs (``/v1/logs``) only with
    ``otel_logs=True`` or ``PATTER_OTEL_LOGS=1``, their texts only with ``otel_log_texts=True``
    or ``PATTER_OTEL_LOG_TEXTS=1`` (see docs/metrics.md).
    Calling it again while enabled keeps the running configuration and returns True.
    Raises :class:`~patter.errors.ConfigError` for an unusable endpoint.
    """
    return _native.init_tracing(
        service_name,
        otlp_endpoint,
        resource_attributes,
        headers=headers,
        console=console,
        file=file,
        disable_otlp=disable_otlp,
        metrics=metrics,
        otel_logs=otel_logs,
        otel_log_texts=otel_log_texts,
    )


def is_enabled() -> bool:
    """Whether ``init_tracing`` succeeded and ``shutdown_tracing`` has not run since."""
    return _native.is_enabled()


def is_recording() -> bool:
    """Whether new calls record spans (tracing enabled, or an exporter attached)."""
    return _native.is_recording()


def shutdown_tracing() -> None:
    """Flushes pending spans and removes every sink (attached exporters too).

    Safe to call twice or without ``init_tracing``; it also runs at interpreter exit. The GIL is
    released while it waits.
    """
    _native.shutdown_tracing()


def force_flush(timeout_ms: Optional[float] = None) -> bool:
    """Waits (GIL released) until every span ended so far reached the sinks, at most
    ``timeout_ms`` milliseconds (None: the core's default, 10000); False on timeout."""
    return _native.force_flush(timeout_ms)


def tracing_stats() -> Dict[str, Any]:
    """Counters of the span pipeline: ``enabled``, ``recording``, ``spans_ended``, ``dropped``,
    ``exported``, ``failed`` and per-sink ``sinks`` (failed exports are never silent)."""
    return _native.tracing_stats()
