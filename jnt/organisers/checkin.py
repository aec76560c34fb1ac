"""Check-in on the day (/organisateurs/pointage): everybody can be found, and the printable sign-in sheet."""

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import arrivals, collation
from ..arrivals import EXPECTED, Outcome
from ..database import write
from ..htmx import page_or_fragment
from ..models import CANCELLED, CONFIRMED, IN_PERSON, Registration, Role, db
from . import audit
from .auth import requires
from .dashboard import search_text

LIVE = Registration.status != CANCELLED
bp = Blueprint("checkin", __name__, url_prefix="/pointage")


def found(text: str = "", expected_only: bool = False) -> list[Registration]:
    """Registrations whose name or organisation has every typed word, by name: everybody, or the expected only.

    Filtered in Python (a few hundred people at most) so that typing without accents matches.
    """
    words = collation.search_words(text)
    # Everybody who may turn up: cancelled registrations are kept until purge, but nobody expects them.
    query = select(Registration).where(*EXPECTED) if expected_only else select(Registration).where(LIVE)
    return sorted(
        (p for p in db.session.scalars(query) if collation.matches(words, p.first_name, p.last_name, p.organisation)),
        key=collation.person_key,
    )


def _query_text() -> str:
    """The search typed (query string or form field), trimmed and bounded."""
    return search_text(request.values.get("q"))


def _page(q: str, status: int = 200, **context):
    """The check-in page (or its results while typing), with the arrival count."""
    context = {"people": found(q), "q": q, "tally": arrivals.tally(), "offer": None, **context}
    return page_or_fragment("organisers/checkin.html", "organisers/_checkin_search.html", status, **context)


@bp.get("")
@requires(Role.ACCUEIL)
def index():
    """The phone-first check-in page; htmx gets only the result list while typing."""
    return _page(_query_text())


def _arrive(person: Registration, mark: str) -> tuple[Outcome | None, str]:
    """The change a button asks for, with its audit entry, inside the caller's write; (outcome, how)."""
    if mark == "absent":
        if person.checked_in_at is None:
            return None, ""
        person.checked_in_at = None
        audit.record("pointage-annule", person.id)
        return None, ""
    seated = person.mode == IN_PERSON and person.status == CONFIRMED
    how = "" if seated else ("liste d’attente" if person.mode == IN_PERSON else "à distance")
    outcome = arrivals.check_in(person, beyond_capacity=mark == "hors-jauge")
    if outcome is Outcome.CHECKED_IN:
        action = "pointage-hors-jauge" if person.over_capacity and not seated else "pointage"
        audit.record(action, person.id, f"place attribuée ({how})" if how else "")
    return outcome, how


@bp.post("/<int:registration_id>/<any(present, absent, 'hors-jauge'):mark>")
@requires(Role.ACCUEIL)
def toggle(registration_id: int, mark: str):
    """Mark present (a seat for whoever has none), beyond the capacity when the room allows it, or undo."""
    with write():
        person = db.session.get(Registration, registration_id)
        if person is None:
            abort(404)
        outcome, how = _arrive(person, mark)
    q = _query_text()
    # No seat was free: the same row comes back offering the check-in beyond the capacity.
    offer = person.id if outcome is Outcome.NO_SEAT else None
    if request.htmx:
        context = {"person": person, "tally": arrivals.tally(), "q": q, "offer": offer, "how": how}
        response = make_response(render_template("organisers/_checkin_update.html", **context))
        response.vary.add("HX-Request")
        return response
    if offer is not None:
        people = found(q)
        return _page(q, people=people if person in people else [person], offer=offer)
    return redirect(url_for(".index", q=q or None, _anchor=f"personne-{registration_id}"), 303)


@bp.get("/arrivees")
@requires(Role.ACCUEIL)
def arrivals_count():
    """Arrivals against the people expected; the dashboard polls the fragment (a short request, not a held one)."""
    return page_or_fragment("organisers/arrivals.html", "organisers/_arrivals.html", tally=arrivals.tally())


@bp.get("/emargement")
@requires(Role.ACCUEIL)
def sheet():
    """The printable sign-in sheet: confirmed in-person attendees sorted by last name."""
    return render_template("organisers/sign_in_sheet.html", people=found(expected_only=True))
