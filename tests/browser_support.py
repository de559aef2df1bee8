"""A real browser for the tests: Debian's chromium driven by Playwright, and axe-core in the page.

``make test`` installs chromium when it is missing (``make browser``) and passes its path in
``KENNISGRAAF_CHROMIUM``; Playwright's own browser download does not work offline, so the tests
always launch that binary. axe-core comes from ``node_modules`` (``package.json``, installed by
``make install``) and is injected into the page under test, so nothing is fetched from outside.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# As DESIGN.md says: without the background-networking flags chromium keeps calling outside hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str:
    for candidate in (
        os.environ.get("KENNISGRAAF_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail(
        "chromium is not installed: run 'make browser' (as root it installs Debian's chromium) "
        "or set KENNISGRAAF_CHROMIUM to a chromium binary"
    )


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Runs axe-core (WCAG 2.1 A and AA rules) on the page; returns the violations, shortened."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run 'make install' (npm ci installs axe-core)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
            }));
        }""",
        WCAG_21_AA,
    )
    return list(result)


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )
