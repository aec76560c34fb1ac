"""Finding Chromium, and what to do without it: skip with a reason, or fail where it is required (CI)."""

import contextlib
import os
from pathlib import Path

import pytest


def chromium_path(playwright) -> str | None:
    """The Chromium to drive, or None when there is none on this machine."""
    candidates = [os.environ.get("JNT_CHROMIUM"), "/usr/bin/chromium"]
    with contextlib.suppress(Exception):  # Playwright without its own browser build
        candidates.append(playwright.chromium.executable_path)
    return next((c for c in candidates if c and Path(c).is_file()), None)


def no_browser(reason: str):
    """Skip with a reason, or fail where the browser is required (CI)."""
    if os.environ.get("JNT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"JNT_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)
