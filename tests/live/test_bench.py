"""A small run of bench/bench_live.py: clients converge to the database, also when the
channel layer drops messages."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import drop_postgres_database
from tests.live.conftest import ROOT

SMALL_RUN = [
    "--clients",
    "10",
    "--seconds",
    "2",
    "--assets",
    "6",
    "--low-capacity",
    "2",
    "--resync",
    "1",
    "--lossy-resync",
    "1",
    "--settle",  # a deadline to converge by (it stops once converged): generous
    "60",
]
pytestmark = [pytest.mark.live, pytest.mark.redis, pytest.mark.postgres]


@pytest.mark.timeout(1000)
def test_small_benchmark_run_loses_no_final_state() -> None:
    suffix = os.environ.get("GENSTATUS_TEST_DB_SUFFIX", "")
    env = {**os.environ, "GENSTATUS_BENCH_DB": f"test_genstatus_bench_live{suffix}"}
    try:
        result = subprocess.run(
            [sys.executable, "bench/bench_live.py", *SMALL_RUN],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            # a guard against a hang, not a speed test: a loaded CI machine may be slow
            timeout=900,
        )
    finally:  # each run its own database (the suffix): leave none behind
        drop_postgres_database(env["GENSTATUS_BENCH_DB"])
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| 10 ")]
    assert len(rows) == 2  # the normal run and the lossy run
    assert all(row.rstrip().endswith("| 0 |") for row in rows)


@pytest.mark.timeout(1000)
def test_small_connect_storm_and_restart_lose_no_final_state() -> None:
    """bench/bench_connect.py at a small size: both consumers serve a storm, the tabs come
    back after a restart of two daphne processes, and no final state is lost."""
    suffix = os.environ.get("GENSTATUS_TEST_DB_SUFFIX", "")
    env = {**os.environ, "GENSTATUS_BENCH_DB": f"test_genstatus_bench_connect{suffix.lower()}"}
    run = ["--rates", "10", "--seconds", "1", "--users", "3", "--processes", "2"]
    run += ["--restart", "12", "--change-seconds", "1", "--admission", "50"]
    try:
        result = subprocess.run(
            [sys.executable, "bench/bench_connect.py", *run],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,  # a guard against a hang, not a speed test
        )
    finally:
        drop_postgres_database(env["GENSTATUS_BENCH_DB"])
    assert result.returncode == 0, result.stdout + result.stderr
    storms = [line for line in result.stdout.splitlines() if line.startswith("| 10/s ")]
    assert [row.split("|")[3].strip() for row in storms] == ["bare", "genstatus"]
    assert all(row.split("|")[4].strip() == "10" for row in storms)  # every tab served
    restart = result.stdout.strip().splitlines()[-1]
    assert restart.rstrip().endswith("| 0 |")  # no lost final state
