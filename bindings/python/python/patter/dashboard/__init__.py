"""The local dashboard's data: :class:`patter.dashboard.store.MetricsStore`."""

from .store import MetricsStore

__all__ = ["MetricsStore"]
