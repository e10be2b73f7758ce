"""The local dashboard: :func:`serve` shows a :class:`MetricsStore` in the browser, live.

    from patter.dashboard import MetricsStore, serve

    store = MetricsStore()
    with serve(store) as dashboard:     # 127.0.0.1, a free port, a random token
        print(dashboard.url)            # open it; calls of this process appear as they run
        ...

Everything (server, page, security, defaults) is the core's; see docs/dashboard.md.
"""

from typing import Optional

from .._native import DashboardServer, serve_dashboard
from .store import MetricsStore

__all__ = ["DashboardServer", "MetricsStore", "serve"]


def serve(store: MetricsStore, port: Optional[int] = None) -> DashboardServer:
    """Serves the dashboard over ``store`` on 127.0.0.1 (``port`` None or 0: a free port) on
    threads of the core's own; returns the server (``.url`` with the token, ``.close()``; also
    a context manager)."""
    return serve_dashboard(store, port)
