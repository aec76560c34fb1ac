"""The site's clock: the real time, or the preview instant (JNT_PREVIEW_NOW)."""

import datetime as dt

from flask import current_app

from .models import IN_PERSON


def now() -> dt.datetime:
    """The current instant in UTC, as the site should see it."""
    preview = current_app.config.get("PREVIEW_NOW")
    return preview if preview else dt.datetime.now(dt.UTC)


def event_over() -> bool:
    """Whether the day has taken place (from its end on)."""
    return now() >= current_app.extensions["jnt_event"].end


def _deadlines():
    """The edition's deadlines (content file, or the settings that replace them)."""
    return current_app.extensions["jnt_event"].deadlines


def in_person_open() -> bool:
    """Whether one may still register in person, or switch to in person (strictly before its deadline)."""
    return now() < _deadlines().in_person


def remote_open() -> bool:
    """Whether one may still register remotely."""
    return now() < _deadlines().remote


def registration_open() -> bool:
    """Whether the form still accepts a registration in some mode."""
    return in_person_open() or remote_open()


def mode_open(mode: str) -> bool:
    """Whether one may still register in this mode (IN_PERSON or REMOTE)."""
    return in_person_open() if mode == IN_PERSON else remote_open()


def changes_open() -> bool:
    """Whether a registration may still be switched to remote or cancelled online."""
    return now() < _deadlines().changes


def promotion_open() -> bool:
    """Whether a freed seat still goes by itself to the first person waiting."""
    return now() < _deadlines().promotion
