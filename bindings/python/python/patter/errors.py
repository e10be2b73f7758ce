"""The exceptions libpatter raises, rooted at :class:`PatterError`.

Each maps one core error kind and also derives from the matching builtin, so existing
``except ValueError`` / ``except OSError`` code keeps working. Wrong Python *types* (a number
where a str is expected, ``None`` for a required argument) raise the builtin ``TypeError``.
"""

from __future__ import annotations

from typing import Optional

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
    """Base class of every error raised by libpatter."""


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
