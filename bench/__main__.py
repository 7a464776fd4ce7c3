"""`make bench`: run every bench/bench_*.py (or those named on the command line).

Each module has main() -> None and reports its figures through bench.common.record(),
which prints them and appends them to var/bench/results.jsonl for later comparison.
"""

import pkgutil
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    names = argv or sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )
    failed = 0
    for name in names:
        module = name.removesuffix(".py")
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        # Each benchmark in a process of its own: they set up Django against databases of
        # their own, and Django's settings can be configured only once per process.
        done = subprocess.run([sys.executable, "-c", f"import bench.{module}; bench.{module}.main()"])
        if done.returncode:  # one broken benchmark must not hide the others' figures
            failed += 1
            print(f"!!! {name} failed (exit {done.returncode})", flush=True)
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
