"""Headless Chromium for the browser tests (pytest marker ``browser``), driven by Playwright.

Playwright never downloads a browser here: it launches the system's Chromium (Debian's ``chromium``
package, which ``.ci/run`` installs), or the executable named by ``$SALESOPS_CHROMIUM``. A missing
browser fails the test with the reason; the README's test command leaves these tests out by marker, so
nothing is skipped silently. Screenshots go under ``test-artifacts/`` (``$SALESOPS_TEST_ARTIFACTS``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("SALESOPS_TEST_ARTIFACTS") or REPO_ROOT / "test-artifacts")

# Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str:
    """The Chromium to drive, or an AssertionError that says how to get one."""
    found = os.environ.get("SALESOPS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "browser tests need Chromium: apt-get install chromium (or set SALESOPS_CHROMIUM)"
    return found


def artifact_path(name: str) -> Path:
    """Where a test keeps a screenshot or page it produced (the folder is made)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


@dataclass
class PageErrors:
    """What the page reported while a test drove it: console errors and uncaught exceptions."""

    console: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.console, *self.exceptions]


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000) -> Iterator[tuple[object, PageErrors]]:
    """A fresh headless Chromium page (Playwright ``Page``) and the errors it collects."""
    from playwright.sync_api import sync_playwright

    errors = PageErrors()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda m: errors.console.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.exceptions.append(str(e)))
            yield page, errors
        finally:
            browser.close()
