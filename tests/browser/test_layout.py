"""Small screens and zoom: no horizontal scrolling and nothing cut off, on every page and form state.

200 % zoom is emulated as a desktop window of 1280 × 800 device pixels at zoom 2, which is
what the browser does: a CSS viewport of 640 × 400 px with a device pixel ratio of 2.
"""

import pytest

from browser.browser_states import STATES

VIEWPORTS = {
    "mobile 360 px": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True},
    "zoom 200 %": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}

# Elements sticking out of the viewport, and boxes whose content is wider than they are.
OVERFLOWS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    if (style.display === 'none' || style.visibility === 'hidden' || rect.width <= 1 || rect.height <= 1) continue;
    if (el.closest('.fr-skiplinks')) continue;  // off screen until focused, by design
    if (el.closest('[aria-hidden="true"]')) continue;  // the honeypot: hidden from people on purpose
    // Data tables scroll inside their own container (WCAG 1.4.10 exempts two-dimensional tables);
    // the page itself must still not scroll sideways (checked by scrollWidth below).
    if (el.closest('.fr-table__container')) continue;
    if (rect.right > width + 1 || rect.left < -1)
      out.push(`${name(el)} spans ${Math.round(rect.left)}..${Math.round(rect.right)} px`);
    if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'visible')
      out.push(`${name(el)} content ${el.scrollWidth} px in ${el.clientWidth} px (overflow-x: ${style.overflowX})`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width, offenders: out};
}"""


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("state", list(STATES))
def test_layout_fits_without_horizontal_scrolling(state, viewport, new_context, servers):
    config, reach = STATES[state]
    page = new_context(**VIEWPORTS[viewport]).new_page()
    reach(page, servers(config).url)
    result = page.evaluate(OVERFLOWS)
    assert result["scrollWidth"] <= result["clientWidth"], f"horizontal scrolling: {result}"
    assert result["offenders"] == [], "\n".join(result["offenders"])


def test_call_to_register_is_near_the_top_on_a_phone(new_context, servers):
    page = new_context(**VIEWPORTS["mobile 360 px"]).new_page()
    page.goto(servers("open").url + "/")
    button = page.get_by_role("link", name="S’inscrire").bounding_box()
    # Right after the date, hours, place and terms: not after the whole introduction.
    assert button["y"] + button["height"] < 2.5 * 740
    intro = page.locator(".jnt-hero__intro").bounding_box()
    assert button["y"] < intro["y"]


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 740}, {"width": 1280, "height": 800}])
def test_key_facts_values_are_aligned_with_their_labels(new_context, servers, viewport):
    page = new_context(viewport=viewport).new_page()
    page.goto(servers("open").url + "/")
    rows = page.locator(".jnt-facts li").all()
    assert len(rows) == 4
    lefts = set()
    for row in rows:
        label, value = row.locator("> span").all()
        label_box, value_box = label.bounding_box(), value.bounding_box()
        assert abs(label_box["y"] - value_box["y"]) <= 1  # the value starts on the label's line
        lefts.add(round(value_box["x"]))
    assert len(lefts) == 1  # every value, wrapped or not, starts in the same column
