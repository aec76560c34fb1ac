"""Without a browser the tests skip with a reason, unless JNT_REQUIRE_BROWSER=1 makes that a failure."""

from pathlib import Path

import pytest

from browser.chromium import chromium_path, no_browser


def test_no_browser_skips_with_a_reason(monkeypatch):
    monkeypatch.delenv("JNT_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium"):
        no_browser("no Chromium found")


def test_no_browser_fails_when_required(monkeypatch):
    monkeypatch.setenv("JNT_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="JNT_REQUIRE_BROWSER=1"):
        no_browser("no Chromium found")


def test_chromium_path_prefers_jnt_chromium(monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("")

    class NoOwnBuild:
        class chromium:
            executable_path = str(tmp_path / "missing")

    monkeypatch.setenv("JNT_CHROMIUM", str(fake))
    assert chromium_path(NoOwnBuild) == str(fake)
    monkeypatch.setenv("JNT_CHROMIUM", str(tmp_path / "nowhere"))
    debian = "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None
    assert chromium_path(NoOwnBuild) == debian
