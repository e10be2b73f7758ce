"""``from patter.services.call_log import CallLogger``: the per-call record on disk.

``CallLogger(persist=None)``: ``None`` falls back to ``PATTER_LOG_DIR`` (off when unset),
``False`` forces off, ``True`` is the platform default directory, a path is that directory.
When disabled, ``enabled`` is False and nothing is ever written.
"""

from .._native import CallLogger

__all__ = ["CallLogger"]
