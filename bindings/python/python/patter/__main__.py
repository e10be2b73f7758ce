"""``python -m patter calls|show|cost|dashboard …``: the ``patter`` command line (run by the core,
which writes to stdout/stderr as it goes; ``dashboard`` serves until Ctrl-C)."""

import signal
import sys

from . import _native


def main() -> int:
    try:
        return _native.cli_main(sys.argv[1:])
    except KeyboardInterrupt:
        return 130


def _take_back_ctrl_c() -> None:
    """Makes SIGINT (Ctrl-C, ``kill -INT``) stop the program whatever its parent left set.

    A program started in the background by a non-interactive shell (``cmd &`` in a script, a CI
    job, a tool runner) inherits SIGINT *ignored* (POSIX), and Python then installs no handler:
    ``dashboard`` would never see KeyboardInterrupt and could only be killed. Like ``node``, which
    resets the dispositions its parent set, this program takes SIGINT back (a blocked SIGINT is
    inherited the same way, and unblocked too)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


if __name__ == "__main__":
    _take_back_ctrl_c()
    sys.exit(main())
