"""``python -m patter calls|show|cost …``: the ``patter`` command line (run by the core)."""

import sys

from . import _native


def main() -> int:
    code, out, err = _native.cli_run(sys.argv[1:])
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main())
