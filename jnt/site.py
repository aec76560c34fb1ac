"""The public site: the event page, its three tabs, and the legal pages."""

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_date
from flask import Blueprint, Flask, current_app, render_template

from . import clock, formatting, htmx, pagecache, seats
from .forms import STRUCTURE_TYPES
from .htmx import wants_fragment
from .models import Mode, Status
from .urls import public_url

bp = Blueprint("site", __name__)


@dataclass(frozen=True)
class Tab:
    slug: str
    label: str
    endpoint: str
    template: str


TABS = (
    Tab("programme", "Programme", "site.programme", "site/_programme.html"),
    Tab("infos-pratiques", "Infos pratiques", "site.practical", "site/_infos_pratiques.html"),
    Tab("forum", "Forum", "site.forum", "site/_forum.html"),
)


def render_tab(tab: Tab, canonical_endpoint: str):
    """The full event page, or only the tabs fragment when htmx asks for it (cached, live seat count)."""
    partial = wants_fragment()
    template = "site/_tabs.html" if partial else "site/event.html"
    # Everything the HTML depends on, except the seat count (spliced in by pagecache). Links are built on
    # PUBLIC_URL (urls.py), so no header the client sends (Host, X-Forwarded-*) can change the bytes.
    # The JSON-LD's availability follows whether the in-person seats are all taken: part of the key.
    status = pagecache.seat_status()
    phase = (clock.in_person_open(), clock.remote_open(), clock.event_over(), status.full)
    key = (tab.slug, canonical_endpoint, partial, phase)
    return pagecache.respond(
        key,
        lambda: render_template(
            template,
            tab=tab,
            tabs=TABS,
            canonical_url=public_url(canonical_endpoint),
            json_ld=json_ld(current_app.extensions["jnt_event"], status),
            seats_html=pagecache.SEATS_MARK,
        ),
        vary=", ".join(htmx.VARY),
        status=status,
    )


@bp.get("/")
def index():
    """The event page, programme tab selected."""
    return render_tab(TABS[0], "site.index")


@bp.get("/programme")
def programme():
    """The programme tab (same content as the home page)."""
    return render_tab(TABS[0], "site.index")


@bp.get("/infos-pratiques")
def practical():
    """The practical information tab."""
    return render_tab(TABS[1], "site.practical")


@bp.get("/forum")
def forum():
    """The forum tab."""
    return render_tab(TABS[2], "site.forum")


@bp.get("/accessibilite")
def accessibility():
    """The accessibility statement."""
    statement_date = dt.date.fromisoformat(str(current_app.config["ACCESSIBILITY_STATEMENT_DATE"]))
    return render_template(
        "site/accessibilite.html", statement_date=format_date(statement_date, "d MMMM y", locale="fr_FR")
    )


@bp.get("/mentions-legales")
def legal():
    """The legal notice."""
    return render_template("site/mentions_legales.html")


@bp.get("/donnees-personnelles")
def privacy():
    """What personal data is collected, why, for how long, and one's rights."""
    return render_template("site/donnees_personnelles.html")


IN_STOCK, SOLD_OUT = "https://schema.org/InStock", "https://schema.org/SoldOut"


def offers(status: seats.SeatStatus) -> list[dict]:
    """One free offer per mode, valid until its own deadline; availability only while that mode is open."""
    deadlines = current_app.extensions["jnt_event"].deadlines
    result = []
    for name, deadline, open_now, available in (
        ("Participation en présentiel", deadlines.in_person, clock.in_person_open(), not status.full),
        ("Participation à distance", deadlines.remote, clock.remote_open(), True),
    ):
        offer = {"@type": "Offer", "name": name, "price": 0, "priceCurrency": "EUR"}
        offer |= {"url": public_url("registration.form"), "validThrough": deadline.isoformat()}
        if open_now:
            offer["availability"] = IN_STOCK if available else SOLD_OUT
        result.append(offer)
    return result


def json_ld(event, status: seats.SeatStatus) -> dict:
    """The schema.org Event description of the day (rendered into the cached page, keyed by its state)."""
    v = event.venue
    return {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": public_url("site.index"),
        "description": event.description,
        "startDate": event.start.isoformat(),
        "endDate": event.end.isoformat(),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
        "inLanguage": "fr",
        "isAccessibleForFree": True,
        "location": [
            {
                "@type": "Place",
                "name": v.name,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": v.street,
                    "postalCode": v.postal_code,
                    "addressLocality": v.city,
                    "addressCountry": v.country,
                },
            },
            {"@type": "VirtualLocation", "name": v.remote.capitalize()},
        ],
        "organizer": [{"@type": "GovernmentOrganization", "name": o.name, "url": o.url} for o in event.organisers],
        "offers": offers(status),
    }


def _deadline_texts(event) -> dict:
    """The deadlines in French, formatted once per edition (every template render asks for them)."""
    made = current_app.extensions.get("jnt_deadline_texts")
    if made is None or made[0] is not event:
        texts = {
            "deadline_text": formatting.deadline_fr(event.deadlines.in_person),
            "remote_deadline_text": formatting.deadline_fr(event.deadlines.remote),
            "changes_deadline_text": formatting.deadline_fr(event.deadlines.changes),
        }
        made = current_app.extensions["jnt_deadline_texts"] = (event, texts)
    return made[1]


def _globals() -> dict:
    """Values every template may use."""
    event = current_app.extensions["jnt_event"]
    return {
        "event": event,
        "preview_now": current_app.config["PREVIEW_NOW"],
        **_deadline_texts(event),
        "registration_open": clock.registration_open,
        "in_person_open": clock.in_person_open,
        "changes_open": clock.changes_open,
        "event_over": clock.event_over,
        "seat_status": seats.status,
        # Templates compare with the enums and show their labels (Status.WAITING, registration.status.label).
        "Mode": Mode,
        "Status": Status,
        "structure_labels": dict(STRUCTURE_TYPES),
    }


def init_app(app: Flask) -> None:
    """Template globals and filters, and the page cache's seat memo."""
    pagecache.init_app(app)
    app.context_processor(_globals)
    formatting.init_app(app)
