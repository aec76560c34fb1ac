"""The event as an iCalendar file (RFC 5545): the public /evenement.ics and e-mail attachments."""

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app
from icalendar import Calendar, Event

from .urls import public_url

bp = Blueprint("ical", __name__)

FILENAME = "evenement.ics"


def uid() -> str:
    """The event's UID: the same in every file, so calendars update one entry instead of adding another."""
    event = current_app.extensions["jnt_event"]
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    return f"jnt-{event.start:%Y%m%dT%H%M}@{host}"


def build(remote: bool = False) -> bytes:
    """The calendar file; for a remote attendee the location is the video link when one is configured."""
    event = current_app.extensions["jnt_event"]
    visio = current_app.config["VISIO_URL"]
    page = public_url("site.index")
    cal = Calendar()
    cal.add("prodid", f"-//{event.title}//{urlsplit(page).hostname}//FR")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    item = Event()
    item.add("uid", uid())
    item.add("dtstamp", dt.datetime.now(dt.UTC))
    item.add("dtstart", event.start)
    item.add("dtend", event.end)
    item.add("summary", event.title)
    item.add("url", page)
    item.add("status", "CONFIRMED")
    item.add("transp", "OPAQUE")
    if remote:
        item.add("location", visio or event.venue.remote.capitalize())
        how = (
            f"Lien de la {event.venue.remote}\u00a0: {visio}"
            if visio
            else "Le lien de connexion sera envoyé par e-mail."
        )
        item.add("description", f"{event.description}\n\nÀ distance. {how}\n\n{page}")
    else:
        item.add("location", f"{event.venue.name}, {event.venue.address}")
        item.add("description", f"{event.description}\n\n{page}")
    cal.add_component(item)
    # The zone's rules around the event only (the full history would add 60 lines to every e-mail).
    year = event.start.year
    cal.add_missing_timezones(first_date=dt.date(year, 1, 1), last_date=dt.date(year + 1, 1, 1))
    return cal.to_ical()


def download(remote: bool = False) -> Response:
    """The calendar file as a download."""
    response = Response(build(remote), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return response


@bp.get("/" + FILENAME)
def public_file():
    """The public calendar file of the event (« Ajouter à mon agenda »)."""
    return download()


@bp.app_template_global()
def calendar_file_size(remote: bool = False) -> str:
    """The calendar file's size as a download link states it (« 2 ko »), rounded up."""
    return f"{-(-len(build(remote=remote)) // 1000)} ko"
