"""Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright for Python.

Playwright's own browser downloads are never used. Without /usr/bin/chromium the tests skip (``make
browser`` installs it), unless OIGWATCH_TEST_REQUIRE_CHROMIUM=1 (CI), where they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE = "OIGWATCH_TEST_REQUIRE_CHROMIUM"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_or_skip() -> Path:
    """The Chromium binary; skip the test without one (fail when it is required)."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"{CHROMIUM} is missing (`make browser` installs Debian's chromium)"
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{message}, and {REQUIRE}=1 requires the browser test")
    pytest.skip(message)


@contextmanager
def chromium(profile: Path, width: int = 1100, height: int = 900) -> Iterator[BrowserContext]:
    """A Playwright BrowserContext of headless Chromium with a fresh profile in ``profile``."""
    binary = chromium_or_skip()
    profile.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(binary),
            headless=True,
            args=ARGS,
            viewport={"width": width, "height": height},
            device_scale_factor=1,
            color_scheme="light",
            timeout=60_000,
        )
        try:
            yield context
        finally:
            context.close()
