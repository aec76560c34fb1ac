"""The site's clock: the real time, or the preview instant (JNT_PREVIEW_NOW)."""

import datetime as dt

from flask import current_app


def now() -> dt.datetime:
    """The current instant in UTC, as the site should see it."""
    preview = current_app.config.get("PREVIEW_NOW")
    return preview if preview else dt.datetime.now(dt.UTC)


def event_over() -> bool:
    """Whether the day has taken place (from its end on)."""
    return now() >= current_app.extensions["jnt_event"].end


def registration_open() -> bool:
    """Whether registrations are still accepted (strictly before the deadline)."""
    return now() < current_app.config["RSVP_DEADLINE"]
