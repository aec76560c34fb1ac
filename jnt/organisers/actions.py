"""Waiting-list actions: promote, move to remote, cancel; each confirmed, then recorded."""

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from .. import seats, waiting_list
from ..database import write
from ..mail import messages
from ..models import CANCELLED, IN_PERSON, WAITING, Registration, Role, db
from ..typography import french
from . import audit
from .auth import requires
from .forms import ActionForm

bp = Blueprint("actions", __name__, url_prefix="/inscriptions")


@dataclass(frozen=True)
class Action:
    slug: str
    title: str
    question: str
    button: str


ACTIONS = {
    "promouvoir": Action(
        "promouvoir",
        "Attribuer une place en présentiel",
        french("Attribuer une place en présentiel à cette personne de la liste d’attente ?"),
        "Attribuer la place",
    ),
    "distanciel": Action(
        "distanciel",
        "Passer à distance",
        french(
            "Faire participer cette personne à distance ? Sa place en présentiel (ou sa place dans la "
            "liste d’attente) est libérée ; avant la date limite de promotion, elle revient aussitôt à la "
            "première personne en attente. Un e-mail la prévient."
        ),
        "Passer à distance",
    ),
    "annuler": Action(
        "annuler",
        "Annuler l’inscription",
        french(
            "Annuler cette inscription ? Sa place en présentiel est libérée ; avant la date limite de "
            "promotion, elle revient aussitôt à la première personne en attente. Ses liens de gestion cessent "
            "de fonctionner et un e-mail la prévient. Cette action est définitive."
        ),
        "Annuler l’inscription",
    ),
}


def allowed(action: str, registration: Registration) -> bool:
    """Whether the action makes sense for this registration right now (none for a cancelled one)."""
    if registration.status == CANCELLED:
        return False
    if action == "promouvoir":
        return registration.status == WAITING
    if action == "distanciel":
        return registration.mode == IN_PERSON
    return action == "annuler"


def seen(registration: Registration) -> str:
    """What a confirmation page shows: this person (created then) in this version of their registration.

    Ids are never reused, and the creation time would tell two people apart even if one were.
    """
    return f"{registration.version}-{registration.created_at:%Y%m%d%H%M%S%f}"


def _load(registration_id: int) -> Registration:
    """The registration, or a 404 page."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        abort(404)
    return registration


@bp.get("/<int:registration_id>/<any(promouvoir, distanciel, annuler):action>")
@requires(Role.ORGANISATION)
def confirm(registration_id: int, action: str):
    """The confirmation step: who, what will happen, and the button that does it."""
    registration = _load(registration_id)
    return render_template(
        "organisers/confirm.html",
        registration=registration,
        action=ACTIONS[action],
        possible=allowed(action, registration),
        free=seats.status().remaining,
        form=ActionForm(seen=seen(registration)),
    )


@bp.post("/<int:registration_id>/<any(promouvoir, distanciel, annuler):action>")
@requires(Role.ORGANISATION)
def perform(registration_id: int, action: str):
    """Do the confirmed action in one write transaction, with its audit entry."""
    form = ActionForm()
    with write():
        registration = db.session.get(Registration, registration_id)
        shown = registration is not None and form.seen.data == seen(registration)
        if shown:
            message, category = _do(action, registration)
    if not shown:
        # A page opened before the registration changed (or was cancelled): never act on what it did not show.
        return render_template("organisers/stale.html", registration=registration, action=action), 409
    flash(message, category)
    return redirect(url_for("organisers.dashboard"), 303)


def _do(action: str, registration: Registration) -> tuple[str, str]:
    """The action and its audit entries, inside the caller's write; returns the flash message and its category."""
    if not allowed(action, registration):
        return french("Cette action n’est plus possible : l’inscription a changé entre-temps."), "warning"
    registration_id, name = registration.id, registration.full_name
    promoted = None
    if action == "promouvoir":
        if not waiting_list.promote(registration):
            return french("Aucune place en présentiel n’est libre : la personne reste en liste d’attente."), "error"
        message = f"{name} a maintenant une place en présentiel."
    elif action == "distanciel":
        promoted = waiting_list.switch_to_remote(registration)
        messages.mode_changed(registration, None)
        message = f"{name} participe maintenant à distance."
    else:
        promoted = waiting_list.cancel(registration)
        messages.cancellation(registration, by_organiser=True)
        message = f"L’inscription de {name} est annulée."
    audit.record(action, registration_id)
    if promoted is not None:
        audit.record("promotion-automatique", promoted.id)
        message += f" La place libérée a été attribuée à {promoted.full_name}."
    return message, "success"
