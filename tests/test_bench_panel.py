"""A small run of bench/bench_panel.py on PostgreSQL: the panel and the stock changelist
answer every case, twice in fresh processes (``--runs``), and the search uses the
trigram index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import drop_postgres_database

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.postgres


@pytest.mark.timeout(1000)
def test_small_panel_benchmark_run() -> None:
    database = f"test_genstatus_bench_panel{os.environ.get('GENSTATUS_TEST_DB_SUFFIX', '')}"
    command = [sys.executable, "bench/bench_panel.py", "--database", database]
    small = ["--rows", "3000", "--repeat", "1"]
    try:
        result = subprocess.run(
            [*command, *small, "--runs", "2"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,  # a guard against a hang, not a speed test
        )
    finally:
        drop_postgres_database(database)
    assert result.returncode == 0, result.stdout + result.stderr
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert len(table) == 2 + 7  # header, rule, seven cases
    for row in table[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1] != "—"  # the panel's first page
        assert cells[3] != "—"  # the stock's first page
        assert cells[5].endswith("x")
    assert "median of 2 runs in fresh processes" in result.stdout
    assert "Speed-ups of each run" in result.stdout
    assert "gs_gen_prompt_trgm" in result.stdout
    assert "WARNING" not in result.stdout
