"""Joining the video conference from the management page: who may, from when, and the first join recorded.

The button is a form (POST): mail scanners open links, and a GET would record joins that never
happened, which would later become attestations. The POST records the first join, then
redirects to VISIO_URL; Chromium and Safari hold that redirect to the page's CSP form-action,
so the management pages allow the video host there (form_action_origin).
"""

import datetime as dt
import re
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import update

from . import clock
from .models import REMOTE, Registration, db, utcnow

# The button appears this long before the start: time to set up sound and camera.
OPENS_BEFORE = dt.timedelta(minutes=30)
# A host name or an IP address (IPv6 without its brackets, as urlsplit gives it).
CSP_HOST = re.compile(r"[a-z0-9.-]+|[0-9a-f:.]+")


def url() -> str | None:
    """The video conference's address (VISIO_URL), None when not set."""
    return current_app.config["VISIO_URL"] or None


def opens_at() -> dt.datetime:
    """When the button appears: 30 minutes before the start."""
    return current_app.extensions["jnt_event"].start - OPENS_BEFORE


def offered(registration: Registration) -> bool:
    """A remote attendee, and a video link to go to."""
    return registration.mode == REMOTE and url() is not None


def opens_later(registration: Registration) -> dt.datetime | None:
    """When the button will appear for this person, if it is not there yet (the page says so)."""
    return opens_at() if offered(registration) and clock.now() < opens_at() else None


def can_join(registration: Registration) -> bool:
    """The button is shown and works: remote, a link, from 30 minutes before the start until the end."""
    return offered(registration) and opens_at() <= clock.now() < current_app.extensions["jnt_event"].end


def record_join(registration: Registration) -> None:
    """Note the first join (inside the caller's write); later ones change nothing.

    A single conditional UPDATE, as at check-in: two joins at once keep the first, and the
    registration's version (what an organiser's open page showed) does not change.
    """
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.joined_at.is_(None))
        .values(joined_at=utcnow())
    )


def origin(link: str) -> str | None:
    """scheme://host[:port] of an http(s) address, as a CSP source; None if it cannot be one safely.

    Built from the parsed host and port only: no user name, and nothing (« ; », a space) that
    would end the directive and add another to the policy.
    """
    try:
        parts = urlsplit(link)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or not CSP_HOST.fullmatch(host):
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def form_action_origin() -> str | None:
    """The video host for the management pages' CSP form-action; None without a link."""
    link = url()
    return origin(link) if link else None
