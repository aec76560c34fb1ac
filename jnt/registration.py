"""Registration pages: the form, its in-place htmx version, and the confirmation."""

import secrets

from flask import Blueprint, redirect, request, session, url_for
from sqlalchemy import select

from . import booking, clock, seats, waiting_list
from .booking import Result
from .database import write
from .forms import MODES, MODES_WHEN_FULL, STRUCTURE_TYPES, RegistrationForm
from .htmx import page_or_fragment
from .mail import messages
from .models import CANCELLED, Registration, db
from .tokens import browser_key, hash_token

bp = Blueprint("registration", __name__, url_prefix="/inscription")
# Session keys: this browser's secret (see tokens.browser_key), and the key of its registration.
FORM_SECRET, REGISTRATION_KEY = "form_secret", "registration_key"


def _form_page(form: RegistrationForm, status: int = 200):
    session.setdefault(FORM_SECRET, secrets.token_urlsafe(32))
    if not form.submission_id.data:
        form.submission_id.data = secrets.token_urlsafe(16)
    return page_or_fragment(
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
    return page_or_fragment("registration/closed.html", "registration/_closed.html", status)


def _show(registration: Registration):
    """The confirmation (personal data: never stored by a cache)."""
    response = page_or_fragment(
        "registration/confirmation.html",
        "registration/_confirmation.html",
        registration=registration,
        position=waiting_list.position(registration),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _confirmed(registration: Registration, key: str):
    """Keep this registration's key in the browser, then show or redirect to the confirmation."""
    session[REGISTRATION_KEY] = key
    if request.htmx:
        response = _show(registration)
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
    content = {name: form.data[name] for name in booking.FIELDS}
    key = browser_key(session.get(FORM_SECRET), form.submission_id.data, content)
    outcome = booking.register(form.data, hash_token(key))
    if outcome.result is Result.CLOSED:
        return _closed()
    if outcome.result is Result.DUPLICATE:
        # Nothing about the existing registration is shown: its owner gets a new link by e-mail.
        _send_link(form.email.data)
        return page_or_fragment("registration/link_sent.html", "registration/_link_sent.html", 409)
    return _confirmed(outcome.registration, key)


def _send_link(email: str) -> None:
    """Queue a new management link for an address already registered; nothing else changes."""
    with write():
        registration = db.session.scalar(
            select(Registration).where(Registration.email == email, Registration.status != CANCELLED)
        )
        if registration is not None:
            messages.resend_link(registration)


@bp.get("/confirmation")
def confirmation():
    """What was recorded for the registration made in this browser (found by its key, never an id)."""
    key = session.get(REGISTRATION_KEY)
    registration = (
        db.session.scalar(select(Registration).filter_by(browser_key_hash=hash_token(key)))
        if isinstance(key, str)
        else None
    )
    if registration is None:
        return redirect(url_for(".form"))
    return _show(registration)
