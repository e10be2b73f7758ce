"""Module-level helpers that report on the current call (see :mod:`patter._context`).

``patter.llm("openai")`` is ``patter.current_call().llm("openai")``, with a clear
:class:`~patter.errors.StateError` when no call is bound.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from . import _native
from ._context import require_call

__all__ = ["start_turn", "end_turn", "stt", "endpoint", "llm", "tts", "bargein", "tool", "event", "error"]


def start_turn() -> int:
    """Starts a new turn on the current call; returns its 1-based number."""
    return require_call().start_turn()


def end_turn() -> None:
    """Ends the open turn of the current call."""
    require_call().end_turn()


def stt(provider: str, model: Optional[str] = None) -> _native.Span:
    """A ``getpatter.stt`` span on the current call (see :meth:`patter.Call.stt`)."""
    return require_call().stt(provider, model)


def endpoint() -> _native.Span:
    """A ``getpatter.endpoint`` span on the current call."""
    return require_call().endpoint()


def llm(provider: str, model: Optional[str] = None, history_size: Optional[int] = None) -> _native.Span:
    """A ``getpatter.llm`` span on the current call (one per LLM iteration)."""
    return require_call().llm(provider, model, history_size)


def tts(provider: str, text: str, model: Optional[str] = None) -> _native.Span:
    """A ``getpatter.tts`` span on the current call (one per sentence)."""
    return require_call().tts(provider, text, model)


def bargein(cancelled_text: Optional[str] = None, audio_played_ms: Optional[float] = None) -> _native.Span:
    """A ``getpatter.bargein`` span on the current call."""
    return require_call().bargein(cancelled_text, audio_played_ms)


def tool(
    name: str, transport: Optional[str] = None, arguments: Any = None, tool_call_id: Optional[str] = None
) -> _native.Span:
    """A ``getpatter.tool`` span on the current call."""
    return require_call().tool(name, transport, arguments, tool_call_id)


def event(kind: str, data: Optional[Mapping[str, Any]] = None) -> None:
    """Records a custom event on the current call (events.jsonl only)."""
    require_call().event(kind, data)


def error(code: str, message: Optional[str] = None, fatal: bool = False) -> None:
    """Records an error event on the current call."""
    require_call().error(code, message, fatal)
