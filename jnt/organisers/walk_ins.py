"""Someone not registered at all, added at the entrance and checked in (/organisateurs/pointage/sur-place)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select

from .. import arrivals
from ..database import write
from ..models import CANCELLED, Registration, Role, db
from ..typography import french
from . import audit
from .auth import requires
from .forms import WalkInForm

bp = Blueprint("walk_ins", __name__, url_prefix="/pointage/sur-place")


def _form_page(form: WalkInForm, error: str | None = None, full: bool = False):
    """The form; after a refusal, the reason (and, when no seat was free, the button beyond the capacity)."""
    return render_template("organisers/walk_in.html", form=form, error=error, full=full)


@bp.get("")
@requires(Role.ACCUEIL)
def form():
    """The walk-in form."""
    return _form_page(WalkInForm())


@bp.post("")
@requires(Role.ACCUEIL)
def add():
    """Add and check in, on a free seat or (asked for explicitly) beyond the capacity; nothing is e-mailed."""
    form = WalkInForm()
    if not form.validate():
        return _form_page(form, french("Le formulaire contient des erreurs : corrigez les champs signalés."))
    data = form.data
    with write():
        live = (Registration.email == data["email"], Registration.status != CANCELLED)
        taken = data["email"] and db.session.scalar(select(Registration.id).where(*live))
        person = None
        if not taken:
            person = arrivals.add_walk_in(
                data["first_name"], data["last_name"], data["organisation"], data["email"] or None,
                beyond_capacity=data["beyond_capacity"],
            )  # fmt: skip
            if person is not None:
                audit.record("ajout-sur-place-hors-jauge" if person.over_capacity else "ajout-sur-place", person.id)
    if taken:
        message = "Cette adresse e-mail est déjà inscrite : retrouvez la personne avec la recherche du pointage."
        return _form_page(form, french(message))
    if person is None:
        message = "Aucune place n’est libre en présentiel : la personne n’a pas été ajoutée."
        return _form_page(form, french(message), full=True)
    flash(f"Présence enregistrée pour {person.full_name} (ajout sur place).", "success")
    # The search finds the new row; no #anchor, which would keep the message from taking focus on load.
    return redirect(url_for("organisers.checkin.index", q=person.last_name), 303)
