"""The core's diagnostics (a failed export, a full disk, a refused file, spans discarded at
shutdown…) as records of the standard ``logging`` logger ``patter``.

Installed at import: configure the ``patter`` logger like any other (without configuration,
Python's last-resort handler prints warnings to stderr). Each record carries ``patter_code`` (a
stable code such as ``calllog.write_failed``) and ``patter_suppressed`` (how many of that code
the core's rate limit held back since the previous one) as attributes.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from .. import _native

LOGGER = logging.getLogger("patter")

_LEVELS = {"warn": logging.WARNING, "error": logging.ERROR}


def _to_logging(level: str, code: str, message: str, suppressed: int) -> None:
    """The handler the core calls (on its delivery thread) for every diagnostic."""
    extra = {"patter_code": code, "patter_suppressed": suppressed}
    lvl = _LEVELS.get(level, logging.WARNING)
    if suppressed:
        LOGGER.log(lvl, "%s [%s] (%d similar suppressed)", message, code, suppressed, extra=extra)
    else:
        LOGGER.log(lvl, "%s [%s]", message, code, extra=extra)


def install() -> None:
    """Routes the core's diagnostics to the ``patter`` logger (done at import)."""
    _native.set_diagnostics_handler(_to_logging)


def uninstall() -> None:
    """Routes the core's diagnostics back to stderr (done at interpreter exit)."""
    _native.set_diagnostics_handler(None)


def flush_diagnostics(timeout_ms: Optional[float] = None) -> bool:
    """Waits (GIL released) until every diagnostic raised so far reached the logger; False
    after ``timeout_ms`` milliseconds (default: the core's, 10000)."""
    return _native.flush_diagnostics(timeout_ms)


def diagnostics_stats() -> Dict[str, Any]:
    """Counters: ``raised``, ``suppressed`` (held back by the rate limit, counted in a later
    record), ``delivered`` and ``dropped``."""
    return _native.diagnostics_stats()
