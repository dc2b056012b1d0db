"""Figures of the reliability suite for the closing note: printed at the end of a run."""

from __future__ import annotations

from typing import Any

import pytest


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    ran = {
        report.nodeid.split("::")[0].rsplit("/", 1)[-1]
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
    }
    lines = []
    if "test_authz_matrix.py" in ran:
        from tests.reliability.test_authz_matrix import AUTHZ_CASES, MATRIX, ROLE_NAMES

        lines.append(
            f"authorization matrix: {AUTHZ_CASES} cases "
            f"({len(MATRIX)} surfaces x {len(ROLE_NAMES)} roles)"
        )
    if "test_hostile_text.py" in ran:
        from tests.reliability.test_hostile_text import PAYLOADS_TRIED, SURFACES

        lines.append(
            f"hostile text: {PAYLOADS_TRIED} payloads x {len(SURFACES)} surfaces = "
            f"{PAYLOADS_TRIED * len(SURFACES)} (prompt, error, provider, operation each)"
        )
    if lines:
        terminalreporter.section("genstatus reliability figures")
        for line in lines:
            terminalreporter.write_line(line)
