"""Check-in on the day (/organisateurs/pointage) and the printable sign-in sheet."""

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from sqlalchemy import func, select, update

from .. import collation
from ..database import write
from ..htmx import page_or_fragment
from ..models import CONFIRMED, IN_PERSON, Registration, Role, db, utcnow
from . import audit
from .auth import requires
from .dashboard import search_text

bp = Blueprint("checkin", __name__, url_prefix="/pointage")
EXPECTED = (Registration.mode == IN_PERSON, Registration.status == CONFIRMED)


def expected(text: str = "") -> list[Registration]:
    """Confirmed in-person attendees whose name or organisation has every typed word, by name.

    Filtered in Python (a few hundred people at most) so that typing without accents matches.
    """
    words = collation.search_words(text)
    people = db.session.scalars(select(Registration).where(*EXPECTED))
    return sorted(
        (p for p in people if collation.matches(words, p.first_name, p.last_name, p.organisation)),
        key=collation.person_key,
    )


def tally() -> tuple[int, int]:
    """(present, expected) among confirmed in-person attendees."""
    present = func.count(Registration.checked_in_at)
    return tuple(db.session.execute(select(present, func.count()).where(*EXPECTED)).one())


def _query_text() -> str:
    """The search typed (query string or form field), trimmed and bounded."""
    return search_text(request.values.get("q"))


@bp.get("")
@requires(Role.ACCUEIL)
def index():
    """The phone-first check-in page; htmx gets only the result list while typing."""
    q = _query_text()
    context = {"people": expected(q), "q": q, "tally": tally()}
    return page_or_fragment("organisers/checkin.html", "organisers/_checkin_search.html", **context)


@bp.post("/<int:registration_id>/<any(present, absent):mark>")
@requires(Role.ACCUEIL)
def toggle(registration_id: int, mark: str):
    """Mark present (or undo) with a single UPDATE, so concurrent check-ins never overwrite each other."""
    value = utcnow() if mark == "present" else None
    # Present: only when not already marked (the first time is kept); undo: clears it.
    condition = Registration.checked_in_at.is_(None) if mark == "present" else Registration.checked_in_at.is_not(None)
    with write():
        changed = db.session.execute(
            update(Registration)
            .where(Registration.id == registration_id, *EXPECTED, condition)
            .values(checked_in_at=value)
        ).rowcount
        if changed:
            audit.record("pointage" if mark == "present" else "pointage-annule", registration_id)
    person = db.session.scalar(select(Registration).where(Registration.id == registration_id, *EXPECTED))
    if person is None:
        abort(404)
    if request.htmx:
        context = {"person": person, "tally": tally(), "q": _query_text()}
        response = make_response(render_template("organisers/_checkin_update.html", **context))
        response.vary.add("HX-Request")
        return response
    return redirect(url_for(".index", q=_query_text() or None, _anchor=f"personne-{registration_id}"), 303)


@bp.get("/emargement")
@requires(Role.ACCUEIL)
def sheet():
    """The printable sign-in sheet: confirmed in-person attendees sorted by last name."""
    return render_template("organisers/sign_in_sheet.html", people=expected())
