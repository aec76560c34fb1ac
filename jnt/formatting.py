"""French formatting of dates and times (Babel), in the event's time zone."""

import datetime as dt

from babel.dates import format_datetime
from flask import Flask, current_app


def _local(value: dt.datetime) -> dt.datetime:
    """The instant in the event's zone (naive values are UTC, as stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(current_app.extensions["jnt_event"].tz)


def date_fr(value: dt.datetime) -> str:
    """« mercredi 18 janvier 2023 »."""
    return format_datetime(_local(value), "EEEE d MMMM y", locale="fr_FR")


def hour_fr(value: dt.datetime) -> str:
    """« 9h », « 17h30 »: the French way of writing a time of day."""
    local = _local(value)
    return f"{local.hour}h{local.minute:02d}" if local.minute else f"{local.hour}h"


def datetime_fr(value: dt.datetime) -> str:
    """« lundi 2 janvier 2023 à 10h »."""
    return f"{date_fr(value)} à {hour_fr(value)}"


def short_datetime_fr(value: dt.datetime) -> str:
    """« 2 janv. 2023, 10h »: for table cells."""
    return f"{format_datetime(_local(value), 'd MMM y', locale='fr_FR')}, {hour_fr(value)}"


def zone_fr() -> str:
    """How the event's times are qualified: « heure de Paris » (from the content file)."""
    return current_app.extensions["jnt_event"].tz_label


def deadline_fr(deadline: dt.datetime) -> str:
    """A deadline as the last moment still open, with the time zone named.

    At midnight (« avant le 6 janvier ») the last minute of the day before; otherwise the hour itself
    (« jusqu’au mercredi 18 janvier 2023 à 9h »: until the start).
    """
    local = _local(deadline)
    last = local - dt.timedelta(minutes=1) if local.time() == dt.time(0) else local
    return f"jusqu’au {date_fr(last)} à {hour_fr(last)} ({zone_fr()})"


def init_app(app: Flask) -> None:
    """Register the filters for templates."""
    for f in (date_fr, hour_fr, datetime_fr, short_datetime_fr, deadline_fr):
        app.add_template_filter(f)
