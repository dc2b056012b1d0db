"""A small run of bench/bench_targets.py: the middleware adds the snippet to the host
page and the batch answers every card (figures are not checked: speed lives in bench/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_small_targets_benchmark_run() -> None:
    result = subprocess.run(
        [sys.executable, "bench/bench_targets.py", "--cards", "20", "--rounds", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a speed test
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + 2  # header, rule, the middleware, the batch
    assert "+0.0 KiB" not in rows[2]  # the snippet went into the page
    assert "one batch of 20 badges" in rows[3]
