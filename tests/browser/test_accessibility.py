"""axe-core (bundled by the pinned PyPI package axe-playwright-python) on every page and form state."""

import pytest
from axe_playwright_python.base import AXE_FILE_PATH

from browser.browser_states import STATES

AXE_SCRIPT = AXE_FILE_PATH.read_text(encoding="utf-8")
# Every rule axe-core ships (WCAG 2.0/2.1/2.2 A and AA, and its best practices).
RUN = "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"


def describe(violations) -> str:
    """One line per violation and element, readable in a test failure."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {node['target']}" for v in violations for node in v["nodes"]
    )


@pytest.mark.parametrize("state", list(STATES))
def test_axe_finds_no_violation(state, page, servers):
    config, reach = STATES[state]
    reach(page, servers(config).url)
    page.evaluate(AXE_SCRIPT)
    violations = page.evaluate(RUN)
    assert violations == [], describe(violations)
