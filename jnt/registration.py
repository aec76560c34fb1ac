"""Registration pages: the form, its in-place htmx version, and the confirmation."""

import secrets

from flask import Blueprint, make_response, redirect, render_template, request, session, url_for
from sqlalchemy import select

from . import booking, clock, mails, seats
from .booking import Result
from .forms import MODES, MODES_WHEN_FULL, STRUCTURE_TYPES, RegistrationForm
from .models import Registration, db

bp = Blueprint("registration", __name__, url_prefix="/inscription")


def _respond(template: str, fragment: str, status: int = 200, **context):
    """The whole page, or only the fragment htmx swaps in place."""
    partial = request.htmx and not request.htmx.history_restore_request
    response = make_response(render_template(fragment if partial else template, **context), status)
    response.vary.add("HX-Request")
    return response


def _form_page(form: RegistrationForm, status: int = 200):
    if not form.submission_id.data:
        form.submission_id.data = secrets.token_urlsafe(16)
    return _respond(
        "registration/form.html",
        "registration/_form.html",
        status,
        form=form,
        seats=seats.status(),
        structure_types=STRUCTURE_TYPES,
        modes=MODES,
        modes_when_full=MODES_WHEN_FULL,
    )


def _closed(status: int = 403):
    """The closed notice: 200 for a visitor who asks (GET), 403 for a form sent too late (POST)."""
    return _respond("registration/closed.html", "registration/_closed.html", status)


def _confirmed(registration: Registration):
    """Remember who registered in this browser, then show or redirect to the confirmation."""
    session["registration_id"] = registration.id
    if request.htmx:
        response = _respond(
            "registration/confirmation.html",
            "registration/_confirmation.html",
            registration=registration,
            position=booking.waiting_position(registration),
        )
        response.headers["HX-Push-Url"] = url_for(".confirmation")
        return response
    return redirect(url_for(".confirmation"), 303)


@bp.get("")
def form():
    """The registration form, or the closed notice after the deadline."""
    if not clock.registration_open():
        return _closed(200)
    return _form_page(RegistrationForm())


@bp.post("")
def submit():
    """Validate and store a registration (post/redirect/get without JavaScript)."""
    if not clock.registration_open():
        return _closed()
    form = RegistrationForm()
    if not form.validate():
        return _form_page(form, 422)
    outcome = booking.register(form.data)
    if outcome.result is Result.CLOSED:
        return _closed()
    if outcome.result is Result.DUPLICATE:
        # Nothing about the existing registration is shown: its owner gets a new link by e-mail.
        _send_link(form.email.data)
        return _respond("registration/link_sent.html", "registration/_link_sent.html", 409)
    return _confirmed(outcome.registration)


def _send_link(email: str) -> None:
    """Queue a new management link for an address already registered; nothing else changes."""
    seats.begin_write()
    registration = db.session.scalar(select(Registration).filter_by(email=email))
    if registration is not None:
        mails.resend_link(registration)
    db.session.commit()


@bp.get("/confirmation")
def confirmation():
    """What was recorded for the registration made in this browser."""
    registration_id = session.get("registration_id")
    registration = db.session.get(Registration, registration_id) if registration_id else None
    if registration is None:
        return redirect(url_for(".form"))
    return _respond(
        "registration/confirmation.html",
        "registration/_confirmation.html",
        registration=registration,
        position=booking.waiting_position(registration),
    )
