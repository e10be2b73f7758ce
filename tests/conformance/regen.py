"""Regenerates tests/conformance/golden/ from the Rust runner. Review the diff like code:
a change here is a change of what every binding emits."""

import shutil
import sys

from harness import GOLDEN, run, scenarios


def main() -> int:
    for sc in scenarios():
        out = GOLDEN / sc
        run("rust", sc, out)
        print(f"golden/{sc}: regenerated")
    for stale in sorted(p for p in GOLDEN.iterdir() if p.is_dir() and p.name not in scenarios()):
        shutil.rmtree(stale)
        print(f"golden/{stale.name}: removed (no such scenario)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
