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
        "Generations panel at 1,000,000 rows (PostgreSQL)",
        ["bench/bench_panel.py", "--repeat", "9", "--runs", "3"],
        {},
    ),
    (
        "Live updates (daphne + Redis + PostgreSQL)",
        ["bench/bench_live.py"],
        {"GENSTATUS_DB": "postgres"},
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


def main() -> int:
    only = set(sys.argv[1:])
    sections = ["# Benchmarks", "", "Produced by `make bench` (`python bench/run_all.py`).", ""]
    sections += [*machine(), ""]
    failed = 0
    for title, args, env in BENCHMARKS:
        if only and not any(arg in only for arg in args):
            continue
        command = " ".join([*(f"{k}={v}" for k, v in env.items()), "python", *args])
        print(f"== {title}: {command}", flush=True)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **env},
        )
        took = time.monotonic() - started
        print(result.stdout[-3000:], result.stderr[-2000:], sep="\n", flush=True)
        sections += [f"## {title}", "", f"Command: `{command}` ({took:.0f} s)", ""]
        if result.returncode:
            failed += 1
            sections += [
                f"**Failed** (exit {result.returncode}):",
                "",
                "```",
                result.stderr.strip()[-1500:],
                "```",
                "",
            ]
        elif args[0] in PRINTED_AS_IS:
            sections += ["```", result.stdout.strip(), "```", ""]
        else:
            sections += [result.stdout.strip(), ""]
    OUT.write_text("\n".join(sections) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
