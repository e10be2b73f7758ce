"""The current call, bound in a :class:`contextvars.ContextVar`.

Binding a call (``with call:`` or ``with patter.call_scope(call):``) makes it the current call of
this thread or asyncio task *and of every task spawned under it* (asyncio copies the context
into new tasks), so code deep inside an agent can report spans without passing the call around:
``with patter.llm("openai") as llm: ...``.
"""

from __future__ import annotations

import weakref
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, Optional, Tuple

from . import _native
from .errors import InvalidArgumentError, StateError

if TYPE_CHECKING:  # pragma: no cover
    from ._call import Call

__all__ = ["current_call", "current_call_id", "current_side", "call_scope", "patter_call_scope"]

_CURRENT: "ContextVar[Optional[Call]]" = ContextVar("patter.current_call", default=None)

# Live calls by (call_id, side), so the documented ``patter_call_scope(call_id=...)`` can find
# the call an id names. Weak: the registry never keeps a call alive.
_LIVE: "weakref.WeakValueDictionary[Tuple[str, str], Call]" = weakref.WeakValueDictionary()


def current_call() -> "Optional[Call]":
    """The call bound in the current context, or None."""
    return _CURRENT.get()


def current_call_id() -> Optional[str]:
    """The id of the current call (the ``patter.call_id`` routing tag), or None."""
    call = _CURRENT.get()
    return None if call is None else call.call_id


def current_side() -> Optional[str]:
    """The side of the current call (the ``patter.side`` routing tag), or None."""
    call = _CURRENT.get()
    return None if call is None else call.side


def require_call() -> "Call":
    """The current call; raises :class:`StateError` when none is bound."""
    call = _CURRENT.get()
    if call is None:
        raise StateError(
            "no current call: bind one with `with call:` or `with patter.call_scope(call):` "
            "(asyncio tasks spawned inside the block inherit it)"
        )
    return call


class call_scope:
    """Binds ``call`` as the current call for a ``with`` block (without ending it).

    Tasks spawned inside the block inherit the binding; leaving the block restores the previous
    one. Returns the call from ``__enter__``. Re-entrant and usable from several tasks at once
    (each ``call_scope`` object keeps its own token).
    """

    __slots__ = ("_call", "_token")

    def __init__(self, call: "Call") -> None:
        if not isinstance(call, _native.Call):
            raise TypeError(f"call_scope() needs a patter.Call, got {type(call).__name__}")
        self._call = call
        self._token: "Optional[Token[Optional[Call]]]" = None

    def __enter__(self) -> "Call":
        if self._token is not None:
            raise StateError("this call_scope is already entered; create one per `with` block")
        self._token = _CURRENT.set(self._call)
        return self._call

    def __exit__(self, *exc: Any) -> None:
        token, self._token = self._token, None
        if token is not None:
            _CURRENT.reset(token)


def register(call: "Call") -> None:
    """Makes ``call`` findable by :func:`patter_call_scope` (called by ``Call.__init__``)."""
    _LIVE[(call.call_id, call.side)] = call


def patter_call_scope(*, call_id: str, side: Optional[str] = None) -> call_scope:
    """The documented Patter name: binds the live call whose id is ``call_id`` (and whose side is
    ``side``, when given) as the current call for a ``with`` block.

    Raises :class:`InvalidArgumentError` for an empty id (or an ambiguous one: two live calls
    with that id on different sides and no ``side``) and :class:`StateError` when no live call
    has that id. The routing tags (``patter.call_id``, ``patter.side``) are the call's own:
    they were fixed when the call started.
    """
    if not isinstance(call_id, str):
        raise TypeError(f"call_id must be a str, got {type(call_id).__name__}")
    if side is not None and not isinstance(side, str):
        raise TypeError(f"side must be a str or None, got {type(side).__name__}")
    if not call_id:
        err = InvalidArgumentError("invalid argument `call_id`: must not be empty")
        err.argument, err.reason = "call_id", "must not be empty"
        raise err
    matches = [c for (cid, s), c in list(_LIVE.items()) if cid == call_id and (side is None or s == side)]
    matches = [c for c in matches if not c.is_ended]
    if not matches:
        where = "" if side is None else f" on side {side!r}"
        raise StateError(f"no live call with id {call_id!r}{where}")
    if len(matches) > 1:
        err = InvalidArgumentError(
            f"invalid argument `side`: {len(matches)} live calls have id {call_id!r}; pass side= to choose"
        )
        err.argument, err.reason = "side", "ambiguous call id"
        raise err
    return call_scope(matches[0])
