"""The exceptions libpatter raises, rooted at :class:`PatterError`.

Each maps one core error kind and also derives from the matching builtin, so existing
``except ValueError`` / ``except OSError`` code keeps working. Each class's ``code`` is the
stable code of its kind (``"PATTER_INVALID_ARGUMENT"``, …), the one Node's errors carry and the
C ``patter_status_code()`` returns; it comes from the core's error table
(``patter._native.ERROR_CODES``). Wrong Python *types* (a number where a str is expected,
``None`` for a required argument) raise the builtin ``TypeError``.
"""

from __future__ import annotations

from typing import Optional

from . import _native

__all__ = [
    "PatterError",
    "InvalidArgumentError",
    "ConfigError",
    "StateError",
    "StorageError",
    "CorruptDataError",
    "ExporterError",
]


class PatterError(Exception):
    """Base class of every error raised by libpatter. ``code`` is the stable code of its kind."""

    code: Optional[str] = None


class InvalidArgumentError(PatterError, ValueError):
    """An argument was malformed: empty where a value is required, too long, wrong enum value.

    ``argument`` names the argument as the API spells it; ``reason`` says what is wrong.
    """

    argument: Optional[str] = None
    reason: Optional[str] = None


class ConfigError(PatterError, ValueError):
    """A configuration value (explicit or from the environment) could not be used.

    ``key`` is the option or environment variable.
    """

    key: Optional[str] = None
    reason: Optional[str] = None


class StateError(PatterError, RuntimeError):
    """The object is no longer in a state that allows the operation (e.g. a span on an ended
    call, or a helper used with no current call)."""


class StorageError(PatterError, OSError):
    """A filesystem operation failed (only raised by explicit operations such as ``hydrate``,
    never inside a live call). ``path`` is the path concerned."""

    path: Optional[str] = None
    reason: Optional[str] = None


class CorruptDataError(PatterError, ValueError):
    """Stored data could not be parsed. ``path`` is the file concerned."""

    path: Optional[str] = None
    reason: Optional[str] = None


class ExporterError(PatterError, RuntimeError):
    """A span exporter could not be built or attached."""


# Each class's ``code`` from the core's error table (rows without a class, such as
# PATTER_INTERNAL, are raised as PyO3's PanicException).
for _name, _code, _status, _meaning, _class in _native.ERROR_CODES:
    if _class is not None:
        globals()[_class].code = _code
del _name, _code, _status, _meaning, _class
