"""Every htmx URL is also a real page: the whole page by default, the fragment only when htmx swaps."""

from flask import Response, make_response, render_template, request

# The two request headers that choose between page and fragment: caches must keep them apart.
VARY = ("HX-Request", "HX-History-Restore-Request")


def wants_fragment() -> bool:
    """htmx asks for a part to swap in place (a history restore needs the whole page)."""
    return bool(request.htmx and not request.htmx.history_restore_request)


def page_or_fragment(template: str, fragment: str, status: int = 200, **context) -> Response:
    """The whole page, or only the fragment htmx swaps in place; always with the same Vary."""
    response = make_response(render_template(fragment if wants_fragment() else template, **context), status)
    response.vary.update(VARY)
    return response
