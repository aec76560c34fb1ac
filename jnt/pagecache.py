"""Rendered-once event pages: the HTML is cached, only the in-person seat count is live.

The event page and its tab fragments depend only on the content file, the configuration
(PUBLIC_URL for every link), whether registration is open (the clock) and the seat count:
never on the Host or X-Forwarded-* headers, which the client chooses.
Everything but the seat count is rendered at first use and kept, keyed by what it depends on;
the seat sentence is rendered once per (capacity, remaining) value and spliced in. The page
has no form, no CSRF token and nothing from the session: anything added to it that depends on
the visitor must go into the key, or out of the cached part.
"""

import hashlib
import os
import sqlite3
import threading
from urllib.request import pathname2url

from flask import Response, current_app, render_template, request
from markupsafe import Markup

from . import html_cache, seats
from .models import IN_PERSON_COUNTER, db

SEATS_MARK = Markup("<!--jnt:seats-->")
MAX_ENTRIES = 64  # bounds memory (the keys are few: tab, page or fragment, open or closed)


def _store(name: str) -> dict:
    return current_app.extensions.setdefault(name, {})


_local = threading.local()


def _sqlite_path() -> str | None:
    """The SQLite file of the app's database, or None (another database, or in memory)."""
    if "jnt_sqlite_path" not in current_app.extensions:
        url = db.engine.url
        plain = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        current_app.extensions["jnt_sqlite_path"] = url.database if plain else None
    return current_app.extensions["jnt_sqlite_path"]


def seat_status() -> seats.SeatStatus:
    """The live seat count, read with a per-thread autocommit SQLite connection (the ORM costs ~1 ms more)."""
    app = current_app._get_current_object()
    path = _sqlite_path()
    if path is None:
        return seats.status()
    conn = getattr(_local, "conn", None)
    if conn is None or _local.path != path:  # opened lazily, so in each gunicorn worker after the fork
        if conn is not None:
            conn.close()  # one connection per thread: tests build many apps on many files
        # mode=rw: never create an empty database file as a side effect of showing a page.
        uri = f"file:{pathname2url(os.path.abspath(path))}?mode=rw"
        conn = _local.conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        _local.path = path
        conn.execute(f"PRAGMA busy_timeout = {int(app.config['SQLITE_BUSY_TIMEOUT'] * 1000)}")
    row = conn.execute("SELECT taken FROM seat_counters WHERE name = ?", (IN_PERSON_COUNTER,)).fetchone()
    return seats.SeatStatus(app.config["IN_PERSON_CAPACITY"], row[0] if row else 0)


def _seats_html(status: seats.SeatStatus | None = None) -> bytes:
    """The seat sentence for the current count (one query, unless given; HTML rendered once per value)."""
    status = status or seat_status()
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


def page(key: tuple, render) -> bytes:
    """The page for `key` (UTF-8), from the cache or from `render()`, which puts SEATS_MARK where the count goes."""
    before, after, has_seats = _parts(key, render)
    return b"".join((before, _seats_html(), after)) if has_seats else before


def respond(key: tuple, render, vary: str, status: seats.SeatStatus | None = None) -> Response:
    """The page as a finished response: compressed as accepted, with its ETag, or a 304 when unchanged.

    Each representation (page, seat sentence, encoding) is compressed and hashed once, so a
    request costs the seat query and a dictionary look-up, not a render, a compression and a hash.
    """
    before, after, has_seats = _parts(key, render)
    seats_html = _seats_html(status) if has_seats else b""
    encoding = html_cache.encoding_for(request.headers.get("Accept-Encoding", ""))
    variants = _store("jnt_page_variants")
    variant = variants.get((key, seats_html, encoding))
    if variant is None:
        body = b"".join((before, seats_html, after)) if has_seats else before
        used = encoding if encoding and len(body) >= html_cache.MIN_SIZE else None
        data = html_cache.compress(body, used) if used else body
        variant = (data, '"' + hashlib.sha1(data, usedforsecurity=False).hexdigest() + '"', used)
        if len(variants) >= MAX_ENTRIES * 4:
            variants.clear()
        variants[(key, seats_html, encoding)] = variant
    data, etag, used = variant
    headers = {"Vary": f"{vary}, Accept-Encoding", "ETag": etag, "Cache-Control": "private, no-cache"}
    if used:
        headers["Content-Encoding"] = used
    # Weak comparison (RFC 9110 13.1.2): a proxy that compresses turns "x" into W/"x"; a list may hold several.
    if request.if_none_match.contains_weak(etag.strip('"')):
        return Response(status=304, headers=headers)
    return Response(data, mimetype="text/html", headers=headers)
