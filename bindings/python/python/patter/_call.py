"""``patter.Call``: the native call plus its context-manager and registry glue."""

from __future__ import annotations

import inspect
from typing import Any, Optional

from . import _native
from ._context import _CURRENT, register
from .errors import StateError

__all__ = ["Call"]


class Call(_native.Call):
    """A live phone call; see the native class for the constructor's arguments.

    ``Call(call_id, *, direction, provider_mode, side=None, caller=None, callee=None,
    telephony_provider=None, realtime_provider=None, realtime_model=None, agent=None,
    logger=None, store=None, pricing=None, clock=None, ids=None, traceparent=None,
    tracestate=None)`` starts the call. Without ``traceparent``, a call started inside a span of
    the host's OpenTelemetry (``opentelemetry.trace`` loaded, a valid current span) joins that
    span's trace.

    Used as a context manager it is bound as the current call for the block and ended when the
    block exits (as failed, with the exception's class name as error code, if an exception
    escapes).
    """

    __slots__ = ("_token",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the native __new__ did the work
        self._token = None
        register(self)

    def __enter__(self) -> "Call":
        if self._token is not None:
            raise StateError("this call is already entered; use patter.call_scope(call) to bind it again")
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, exc_type: Optional[type], exc: Optional[BaseException], tb: Any) -> bool:
        token, self._token = self._token, None
        if token is not None:
            try:
                _CURRENT.reset(token)
            except ValueError:  # exited from another context than it was entered in
                pass
        if not self.is_ended:
            self.end(None if exc_type is None else exc_type.__name__)
        return False


def _native_signature() -> Optional["inspect.Signature"]:
    """The constructor's real signature, from the native class (for ``help()`` and IDEs)."""
    try:
        return inspect.signature(_native.Call)
    except (TypeError, ValueError):
        return None


Call.__signature__ = _native_signature()  # type: ignore[attr-defined]
