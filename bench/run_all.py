"""`make bench`: run every benchmark and rewrite docs/benchmarks.md with its output.

Each benchmark is a script in bench/ that prints Markdown (its figures, with ratios
against a baseline measured in the same run). This runner adds the machine, the versions
and the exact commands, so anyone can rerun a figure.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks.md"

# (title, arguments after `python`, extra environment) — full sizes; CI runs small sizes
# inside the tests. Scripts print Markdown, except those whose output is shown as printed.
BENCHMARKS: list[tuple[str, list[str], dict[str, str]]] = [
    (
        "Gallery badges (500 cards, SQLite)",
        ["bench/bench_gallery.py", "--rounds", "100", "--runs", "5"],
        {},
    ),
    (
        "Badges from settings: the middleware and the batch (500 cards, SQLite)",
        ["bench/bench_targets.py", "--cards", "500", "--rounds", "200"],
        {},
    ),
    (
        "Generations panel at 1,000,000 rows (PostgreSQL)",
        ["bench/bench_panel.py", "--repeat", "9", "--runs", "3"],
        {},
    ),
    (
        "Statistics and metrics at 1,000,000 rows (PostgreSQL)",
        ["bench/bench_stats.py", "--repeat", "9"],
        {},
    ),
    (
        "Write path: status changes per second (PostgreSQL + Redis layer)",
        ["bench/bench_write.py", "--rounds", "5"],
        {},
    ),
    (
        "Live updates (daphne + Redis + PostgreSQL)",
        ["bench/bench_live.py"],
        {"GENSTATUS_DB": "postgres"},
    ),
    (
        "Live connect storms and restarts (daphne + Redis + PostgreSQL, issue 19)",
        ["bench/bench_connect.py", "--admission", "200", "--restart", "1000"],
        {"GENSTATUS_DB": "postgres"},
    ),
    (
        "Live fan-out in one process (issue 19)",
        ["bench/bench_fanout.py"],
        {},
    ),
]
PRINTED_AS_IS = {"bench/bench_gallery.py"}


def version_of(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "not found"


def machine() -> list[str]:
    import django

    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu}, {os.cpu_count()} cores",
        f"- Python {platform.python_version()}, Django {django.get_version()}",
        f"- {version_of(['psql', '--version'])}; "
        f"{' '.join(version_of(['redis-server', '--version']).split()[:3])}",
    ]


def baseline_tree(ref: str) -> Path:
    """A work tree of ``ref`` (the landed code a figure is compared with), made once."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = Path("/tmp") / f"genstatus-baseline-{sha}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=ROOT, check=True)
    return tree


def run_one(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, Any]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    took = time.monotonic() - started
    print(result.stdout[-3000:], result.stderr[-2000:], sep="\n", flush=True)
    return took, result


def section(args: list[str], took: float, command: str, result: Any) -> list[str]:
    lines = [f"Command: `{command}` ({took:.0f} s)", ""]
    if result.returncode:
        return [
            *lines,
            f"**Failed** (exit {result.returncode}):",
            "",
            "```",
            result.stderr.strip()[-1500:],
            "```",
            "",
        ]
    if args[0] in PRINTED_AS_IS:
        return [*lines, "```", result.stdout.strip(), "```", ""]
    return [*lines, result.stdout.strip(), ""]


def main() -> int:
    argv = sys.argv[1:]
    baseline = None
    if "--baseline" in argv:  # --baseline REF: each figure beside the code at REF
        at = argv.index("--baseline")
        baseline = argv[at + 1]
        del argv[at : at + 2]
    only = set(argv)
    sections = ["# Benchmarks", "", "Produced by `make bench` (`python bench/run_all.py`).", ""]
    sections += [*machine(), ""]
    failed = 0
    for title, args, env in BENCHMARKS:
        if only and not any(arg in only for arg in args):
            continue
        command = " ".join([*(f"{k}={v}" for k, v in env.items()), "python", *args])
        print(f"== {title}: {command}", flush=True)
        took, result = run_one(args, env, ROOT)
        failed += bool(result.returncode)
        sections += [f"## {title}", "", *section(args, took, command, result)]
        if baseline:
            tree = baseline_tree(baseline)
            print(f"== {title}, landed code ({baseline}): {command}", flush=True)
            took, result = run_one(args, env, tree)
            sections += [
                f"### The same, on the landed code (`{baseline}`, same run, same machine)",
                "",
                *section(args, took, command, result),
            ]
    OUT.write_text("\n".join(sections) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
