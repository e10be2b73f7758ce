"""Routing tags and billable attributes (``patter.call_id``, ``patter.side``, ``patter.cost.*``)
with the names of the Patter docs: ``patter_call_scope``, ``record_patter_attrs`` and
``attach_span_exporter``.

libpatter stamps every cost and latency attribute itself, from what the Call API is told (a
transcript's audio seconds, an LLM iteration's tokens, a sentence's text, the call's duration).
``record_patter_attrs`` therefore accepts only the billable events the core can record without
inventing anything; for the rest it raises and names the API that records them.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional, Union

from .. import _native
from .._context import patter_call_scope, require_call
from ..errors import InvalidArgumentError

__all__ = [
    "DEFAULT_SIDE",
    "patter_call_scope",
    "record_patter_attrs",
    "attach_span_exporter",
    "detach_span_exporter",
    "decode_spans",
]

_N = _native.NAMES

#: The side stamped on cost/latency spans when a call does not name one.
DEFAULT_SIDE: str = _N["DEFAULT_SIDE"]

_CALL_ID, _SIDE = _N["PATTER_CALL_ID"], _N["PATTER_SIDE"]
_STT_KEYS = {_N["COST_STT_SECONDS"], _N["STT_PROVIDER"]}
_LLM_KEYS = {_N["COST_LLM_INPUT_TOKENS"], _N["COST_LLM_OUTPUT_TOKENS"], _N["LLM_PROVIDER"]}
_COMPUTED = {
    _N["COST_TTS_CHARS"]: "call.tts(provider, text) (the core counts the characters of the text)",
    _N["TTS_PROVIDER"]: "call.tts(provider, text)",
    _N["COST_TELEPHONY_MINUTES"]: "Call(..., telephony_provider=...) (billed from the call's duration at end)",
    _N["TELEPHONY"]: "Call(..., telephony_provider=...)",
    _N["DIRECTION"]: "Call(..., direction=...)",
    _N["COST_REALTIME_MINUTES"]: "Call(..., realtime_provider=...) (billed from the call's duration at end)",
    _N["REALTIME_PROVIDER"]: "Call(..., realtime_provider=...)",
    _N["LATENCY_TTFB_MS"]: "the spans themselves (the core measures turn latency)",
    _N["LATENCY_TURN_MS"]: "the spans themselves (the core measures turn latency)",
}

Exporter = Union[Callable[[list], Any], Any]


def _invalid(argument: str, reason: str) -> InvalidArgumentError:
    err = InvalidArgumentError(f"invalid argument `{argument}`: {reason}")
    err.argument, err.reason = argument, reason
    return err


def _number(attrs: Mapping[str, Any], key: str, kind: type) -> Any:
    value = attrs.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        raise TypeError(f"{key} must be {'a number' if kind is float else 'an int'}, got {type(value).__name__}")
    return value


def _provider(attrs: Mapping[str, Any], key: str) -> str:
    provider = attrs.get(key)
    if not isinstance(provider, str) or not provider:
        raise _invalid("attrs", f"{key} (a non-empty str) is required: prices are per provider")
    return provider


def record_patter_attrs(attrs: Mapping[str, Any]) -> None:
    """Records one billable event on the current call, given as ``patter.*`` attributes.

    Supported, each recorded through the Call API exactly as the core records it:

    * ``patter.cost.stt_seconds`` + ``patter.stt.provider``: a final transcript's billed audio
      (a ``getpatter.stt`` span with text length 0; the text is not known here);
    * ``patter.cost.llm_input_tokens`` / ``patter.cost.llm_output_tokens`` +
      ``patter.llm.provider``: one LLM completion's usage (a ``getpatter.llm`` span).

    ``patter.call_id`` / ``patter.side`` may be given and must match the current call. Keys the
    core computes itself (TTS characters, telephony/realtime minutes, latencies) raise
    :class:`InvalidArgumentError` naming the API that records them, and so does any other key:
    nothing is silently dropped. With no current call it raises
    :class:`~patter.errors.StateError` (the reference SDK silently did nothing).
    """
    if not isinstance(attrs, Mapping):
        raise TypeError(f"attrs must be a mapping, got {type(attrs).__name__}")
    call = require_call()
    for key, own in ((_CALL_ID, call.call_id), (_SIDE, call.side)):
        if key in attrs and attrs[key] != own:
            raise _invalid("attrs", f"{key}={attrs[key]!r} does not match the current call ({own!r})")
    keys = set(attrs) - {_CALL_ID, _SIDE}
    for key in sorted(keys):
        if key in _COMPUTED:
            raise _invalid("attrs", f"{key} is computed by the core; report it through {_COMPUTED[key]}")
    if keys and keys <= _STT_KEYS and _N["COST_STT_SECONDS"] in keys:
        seconds = float(_number(attrs, _N["COST_STT_SECONDS"], float))
        with call.stt(_provider(attrs, _N["STT_PROVIDER"])) as span:
            span.transcript("", None, seconds)
        return
    if keys and keys <= _LLM_KEYS and keys & {_N["COST_LLM_INPUT_TOKENS"], _N["COST_LLM_OUTPUT_TOKENS"]}:
        tokens_in = _number(attrs, _N["COST_LLM_INPUT_TOKENS"], int)
        tokens_out = _number(attrs, _N["COST_LLM_OUTPUT_TOKENS"], int)
        with call.llm(_provider(attrs, _N["LLM_PROVIDER"])) as span:
            span.usage(tokens_in, tokens_out)
        return
    raise _invalid(
        "attrs",
        f"unsupported key set {sorted(keys)}: pass either patter.cost.stt_seconds + patter.stt.provider, "
        "or patter.cost.llm_input_tokens/llm_output_tokens + patter.llm.provider",
    )


def attach_span_exporter(exporter: Exporter, side: Optional[str] = None) -> bool:
    """Attaches a span exporter: any object with an ``export(batch)`` method, or a callable
    taking the batch. A batch is ``bytes``: the OTLP protobuf of an ``ExportTraceServiceRequest``,
    exactly what Node and C exporters receive (forward it to any OTLP endpoint as is, or read it
    with :func:`decode_spans`).

    From then on every span is recorded and handed to it, whether or not
    ``PATTER_OTEL_ENABLED`` is set (no ``init_tracing`` needed). The exporter runs on a thread of
    its own, so a slow one never holds up the OTLP export; when it falls behind by
    64 batches (the core's ``HOST_EXPORTER_QUEUE_BATCHES``), newer batches are dropped and counted. Raising, or
    returning ``False``, counts the batch as failed in
    :func:`~patter.observability.tracing_stats`. Attaching the same object again is a no-op and
    returns False. ``side`` becomes the side of calls started without one (the Patter docs'
    ``side``, default ``"uut"``). The object's ``shutdown()``, if any, is called when it is
    detached or tracing shuts down.
    """
    return _native.attach_span_exporter(exporter, side)


def decode_spans(batch: bytes) -> Dict[str, Any]:
    """A batch an exporter received, decoded into the canonical OTLP-JSON shape
    (``{"resourceSpans": [{"resource": ..., "scopeSpans": [{"scope": ..., "spans": [...]}]}]}``),
    identical to Node's ``decodeSpans`` and C's ``patter_decode_spans_json``. Bytes that are not
    an OTLP trace request raise :class:`~patter.InvalidArgumentError`."""
    return _native.decode_spans(batch)


def detach_span_exporter(exporter: Exporter) -> bool:
    """Detaches an exporter attached earlier after flushing what it is owed; returns whether it
    was attached."""
    return _native.detach_span_exporter(exporter)


