"""``python -m patter calls|show|cost|dashboard …``: the ``patter`` command line (run by the core,
which writes to stdout/stderr as it goes; ``dashboard`` serves until Ctrl-C)."""

import sys

from . import _native


def main() -> int:
    try:
        return _native.cli_main(sys.argv[1:])
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
