"""Rendered-once event pages: the HTML is cached, only the in-person seat count is live.

The event page and its tab fragments depend only on the content file, the configuration,
the host name (canonical URL), whether registration is open (the clock) and the seat count.
Everything but the seat count is rendered at first use and kept, keyed by what it depends on;
the seat sentence is rendered once per (capacity, remaining) value and spliced in. The page
has no form, no CSRF token and nothing from the session: anything added to it that depends on
the visitor must go into the key, or out of the cached part.
"""

from flask import current_app
from markupsafe import Markup

from . import seats

SEATS_MARK = Markup("<!--jnt:seats-->")
MAX_ENTRIES = 64  # bounds memory when clients send many different Host headers


def _store(name: str) -> dict:
    return current_app.extensions.setdefault(name, {})


def _seats_html(render) -> str:
    """The seat sentence for the current count (one query; HTML rendered once per value)."""
    status = seats.status()
    key = (status.capacity, status.remaining)
    cache = _store("jnt_seat_html")
    html = cache.get(key)
    if html is None:
        html = render("registration/_seats.html", s=status)
        if len(cache) < MAX_ENTRIES * 16:
            cache[key] = html
    return html


def page(key: tuple, render, template: str, **context) -> str:
    """The page for `key`, from the cache or rendered now; `render` is flask.render_template."""
    cache = _store("jnt_page_html")
    parts = cache.get(key)
    if parts is None:
        html = render(template, seats_html=SEATS_MARK, **context)
        before, mark, after = html.partition(SEATS_MARK)
        parts = (before, after, bool(mark))
        if len(cache) < MAX_ENTRIES:
            cache[key] = parts
    before, after, has_seats = parts
    return before + _seats_html(render) + after if has_seats else before
