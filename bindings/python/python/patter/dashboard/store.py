"""``from patter.dashboard.store import MetricsStore`` (the name of the Patter docs)::

    store = MetricsStore()
    restored = store.hydrate("/var/log/patter")

The store is the core's: a ring buffer of the newest ``capacity`` finished calls plus the calls
in progress; ``hydrate`` is idempotent, skips (and counts) what it cannot parse and reads the
reference SDK's records too. Queries and ``hydrate`` release the GIL.
"""

from .._native import MetricsStore

__all__ = ["MetricsStore"]
