"""Rendered-once event pages: the HTML is cached, only the in-person seat count is live.

The event page and its tab fragments depend only on the content file, the configuration
(PUBLIC_URL for every link), whether registration is open (the clock) and the seat count:
never on the Host or X-Forwarded-* headers, which the client chooses.
Everything but the seat count is rendered at first use and kept, keyed by what it depends on;
the seat sentence is rendered once per (capacity, remaining) value and spliced in. The page
has no form, no CSRF token and nothing from the session: anything added to it that depends on
the visitor must go into the key, or out of the cached part.

The seat count itself is read at most once a second per worker, and again at once after any
commit of this worker: a visitor sees their own registration counted on the next page, other
workers' within a second.
"""

import hashlib
from time import monotonic

from flask import Flask, Response, current_app, has_app_context, render_template, request
from flask_sqlalchemy.session import Session
from markupsafe import Markup
from sqlalchemy import event

from . import html_cache, seats

SEATS_MARK = Markup("<!--jnt:seats-->")
MAX_ENTRIES = 64  # bounds memory (the keys are few: tab, page or fragment, open or closed, full or not)
SEATS_MAX_AGE = 1.0  # seconds a worker shows the count it read, unless it commits meanwhile


class SeatMemo:
    """This worker's last reading of the seat counter, and when it was made."""

    def __init__(self) -> None:
        self.status: seats.SeatStatus | None = None
        self.read_at = 0.0

    def get(self) -> seats.SeatStatus:
        now = monotonic()
        if self.status is None or now - self.read_at >= SEATS_MAX_AGE:
            self.status, self.read_at = seats.status(), now
        return self.status

    def forget(self) -> None:
        self.status = None


@event.listens_for(Session, "after_commit")
def _forget_seats(_session) -> None:
    """Any commit of this worker may have taken or freed a seat: read the counter again next time."""
    if has_app_context() and (memo := current_app.extensions.get("jnt_seat_memo")):
        memo.forget()


def seat_status() -> seats.SeatStatus:
    """The seat count, at most SEATS_MAX_AGE old, and never older than this worker's last commit."""
    return current_app.extensions["jnt_seat_memo"].get()


def _store(name: str) -> dict:
    return current_app.extensions.setdefault(name, {})


def _seats_html(status: seats.SeatStatus) -> bytes:
    """The seat sentence for this count (HTML rendered once per value)."""
    key = (status.capacity, status.remaining)
    cache = _store("jnt_seat_html")
    html = cache.get(key)
    if html is None:
        html = render_template("registration/_seats.html", s=status).encode()
        if len(cache) >= MAX_ENTRIES * 16:
            cache.clear()
        cache[key] = html
    return html


def _parts(key: tuple, render) -> tuple[bytes, bytes, bool]:
    """The page for `key` split around SEATS_MARK, rendered by `render()` on a miss."""
    cache = _store("jnt_page_html")
    parts = cache.get(key)
    if parts is None:
        before, mark, after = render().partition(SEATS_MARK)
        parts = (before.encode(), after.encode(), bool(mark))
        if len(cache) >= MAX_ENTRIES:
            cache.clear()  # start over rather than stop caching
        cache[key] = parts
    return parts


def _variant(key: tuple, render, status: seats.SeatStatus, encoding: str | None, vary: str) -> tuple:
    """(body, ETag, headers) of one representation: page, seat count and encoding (made once)."""
    before, after, has_seats = _parts(key, render)
    body = b"".join((before, _seats_html(status), after)) if has_seats else before
    used = encoding if encoding and len(body) >= html_cache.MIN_SIZE else None
    data = html_cache.compress(body, used) if used else body
    etag = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Vary", f"{vary}, Accept-Encoding"),
        ("ETag", f'"{etag}"'),
        ("Cache-Control", "private, no-cache"),
    ]
    if used:
        headers.append(("Content-Encoding", used))
    return data, etag, headers


def respond(key: tuple, render, vary: str, status: seats.SeatStatus) -> Response:
    """The page as a finished response: compressed as accepted, with its ETag, or a 304 when unchanged.

    Each representation is compressed and hashed once, so a request costs a few dictionary
    look-ups, not a render, a compression and a hash.
    """
    encoding = html_cache.encoding_for(request.headers.get("Accept-Encoding", ""))
    variants = _store("jnt_page_variants")
    variant = variants.get((key, status, encoding))
    if variant is None:
        variant = _variant(key, render, status, encoding, vary)
        if len(variants) >= MAX_ENTRIES * 4:
            variants.clear()
        variants[(key, status, encoding)] = variant
    data, etag, headers = variant
    # Weak comparison (RFC 9110 13.1.2): a proxy that compresses turns "x" into W/"x"; a list may hold several.
    if "If-None-Match" in request.headers and request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    return Response(data, headers=headers)


def init_app(app: Flask) -> None:
    """This worker's seat memo (empty in the preloading master: each worker reads its own)."""
    app.extensions["jnt_seat_memo"] = SeatMemo()
