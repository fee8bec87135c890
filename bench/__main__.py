"""``python -m bench`` runs every benchmark, ``python -m bench NAME ...`` some.

Each benchmark runs in a child process (its own Django settings and
database), bounded by its TIMEOUT_SECONDS.  Exits non-zero when a target
is missed or a benchmark fails."""

import argparse
import importlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import BENCHMARKS
from bench.harness import RESULTS_ENV, ROOT, figures_load, reported, terminate_raises

CRASHED = 2


def _child(name: str) -> int:
    terminate_raises()
    module = importlib.import_module(f"bench.{name}")
    try:
        module.run()
    except Exception:
        traceback.print_exc()
        return CRASHED
    return 1 if any(f.passed is False for f in reported()) else 0


def _run_one(name: str, results: Path) -> int:
    timeout = importlib.import_module(f"bench.{name}").TIMEOUT_SECONDS
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"== {name} (at most {timeout // 60} min; load average {load})", flush=True)
    env = dict(os.environ, **{RESULTS_ENV: str(results)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "--child", name],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # Ctrl-C reaches us; we stop it, and it cleans up
    )
    try:
        return proc.wait(timeout=timeout)
    except (subprocess.TimeoutExpired, KeyboardInterrupt) as exc:
        why = "interrupted" if isinstance(exc, KeyboardInterrupt) else "timed out"
        print(f"== {name}: {why}; stopping it (it drops what it created)", flush=True)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return 124


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    names = args.names or list(BENCHMARKS)
    started = time.perf_counter()
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="imis-bench-") as tmp:
        results = Path(tmp) / "figures.jsonl"
        for name in names:
            if _run_one(name, results) not in (0, 1):  # 1: ran, and missed a target
                failed.append(name)
        figures = figures_load(results)
    print(f"\n== summary ({time.perf_counter() - started:.0f} s)")
    for figure in figures:
        print(figure.line())
    missed = [f for f in figures if f.passed is False]
    if missed:
        print(f"{len(missed)} figure(s) missed their target")
    if failed:
        print(f"benchmark(s) that did not finish: {', '.join(failed)}")
    return 1 if missed or failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
