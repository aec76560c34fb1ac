"""Registration pages: the form, its in-place htmx version, the e-mailed confirmation link, and the confirmation."""

import secrets

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, session, url_for
from sqlalchemy import select

from . import booking, clock, errors, formatting, proof, ratelimit, seats, waiting_list
from .booking import Result
from .database import write
from .forms import MODES, MODES_WHEN_FULL, MODES_WHEN_IN_PERSON_CLOSED, ProofForm, RegistrationForm, choices
from .htmx import page_or_fragment
from .mail import messages
from .models import CANCELLED, IN_PERSON, REMOTE, Registration, db
from .my_registration import REFERRER_POLICY
from .tokens import browser_key, hash_token
from .typography import french

bp = Blueprint("registration", __name__, url_prefix="/inscription")
# Session keys: this browser's secret (see tokens.browser_key), and the key of its registration.
FORM_SECRET, REGISTRATION_KEY = "form_secret", "registration_key"


def mode_choices(status: seats.SeatStatus) -> list:
    """The modes offered now: in person marked when full, gone after its deadline."""
    if not clock.in_person_open():
        return choices(MODES_WHEN_IN_PERSON_CLOSED)
    return choices(MODES_WHEN_FULL if status.full else MODES)


def _form(**data) -> RegistrationForm:
    """The registration form with the choices of this moment (the form's data, when posted)."""
    form = RegistrationForm(**data)
    form.mode.choices = mode_choices(seats.status())
    return form


def _form_page(form: RegistrationForm, status: int = 200):
    """The form page (or its fragment), with this browser's secret and a fresh submission id."""
    session.setdefault(FORM_SECRET, secrets.token_urlsafe(32))
    if not form.submission_id.data:
        form.submission_id.data = secrets.token_urlsafe(16)
    return page_or_fragment(
        "registration/form.html",
        "registration/_form.html",
        status,
        form=form,
        seats=seats.status(),
        in_person_closed=None if clock.in_person_open() else in_person_closed_text(),
    )


def in_person_closed_text() -> str:
    """Why the form offers remote participation only (after the in-person deadline)."""
    deadline = formatting.deadline_fr(current_app.extensions["jnt_event"].deadlines.in_person)
    return french(
        f"Les inscriptions en présentiel étaient ouvertes {deadline} : il n’est plus possible de "
        "s’inscrire sur place. Vous pouvez encore vous inscrire à distance."
    )


def _in_person_refused(form: RegistrationForm):
    """A form sent for in person after its deadline (crafted, or opened before it): 403, remote offered.

    The choices no longer hold in person: the field's generic message gives way to the reason.
    """
    form.mode.choices = choices(MODES_WHEN_IN_PERSON_CLOSED)
    form.mode.errors = [in_person_closed_text()]
    return _form_page(form, 403)


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
    """The registration form (remote only after the in-person deadline), or the closed notice after both."""
    if not clock.registration_open():
        return _closed(200)
    # After the in-person deadline remote is the only choice left: already ticked.
    return _form_page(_form() if clock.in_person_open() else _form(mode=REMOTE))


@bp.post("")
@ratelimit.guarded
def submit():
    """Validate and store a registration (post/redirect/get without JavaScript)."""
    if not clock.registration_open():
        return _closed()
    form = _form()
    valid = form.validate()
    if form.mode.data == IN_PERSON and not clock.in_person_open():
        return _in_person_refused(form)
    if not valid:
        return _form_page(form, 422)
    if current_app.config["REQUIRE_EMAIL_CONFIRMATION"]:
        if proof.ask(form.data) is proof.Proof.CLOSED:
            return _closed()
        return _check_inbox(form.email.data)
    content = {name: form.data[name] for name in booking.FIELDS}
    key = browser_key(session.get(FORM_SECRET), form.submission_id.data, content)
    outcome = booking.register(form.data, hash_token(key))
    if outcome.result is Result.CLOSED:
        # The deadline passed while the form was on its way: say which one.
        return _in_person_refused(form) if form.data["mode"] == IN_PERSON and clock.remote_open() else _closed()
    if outcome.result is Result.DUPLICATE:
        # Nothing about the existing registration is shown: its owner gets a new link by e-mail.
        _send_link(form.email.data)
        return _check_inbox(form.email.data, 409)
    return _confirmed(outcome.registration, key)


def _check_inbox(address: str, status: int = 200):
    """ "Un e-mail vient de partir à …": the same page for every address, registered or not."""
    response = page_or_fragment("registration/link_sent.html", "registration/_link_sent.html", status, address=address)
    response.headers["Cache-Control"] = "no-store"
    return response


def _send_link(email: str) -> None:
    """Queue a new management link for an address already registered; nothing else changes."""
    with write():
        registration = db.session.scalar(
            select(Registration).where(Registration.email == email, Registration.status != CANCELLED)
        )
        if registration is not None:
            messages.resend_link(registration)  # nothing to an unproven walk-in's address (messages._queue)


def private_page(response):
    """A page whose address holds a token: the origin only as referrer, never indexed nor stored."""
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    return response


PROOF_TOKEN = "<string(minlength=32, maxlength=64):token>"  # noqa: S105 - a URL rule, not a secret
GONE = (
    "Lien expiré ou déjà utilisé",
    "Ce lien de confirmation n’est plus valable : il a déjà servi, ou il a expiré. Si vous avez confirmé, "
    "votre inscription est enregistrée et l’e-mail de confirmation contient votre lien de gestion ; "
    "sinon, remplissez de nouveau le formulaire d’inscription.",
)


@bp.get(f"/confirmer/{PROOF_TOKEN}")
def proof_page(token: str):
    """What will be recorded, and one button: opening the link (a mail scanner too) confirms nothing."""
    waiting = proof.pending(token)
    if waiting is None:
        return private_page(make_response(errors.render_error(404, *GONE)))
    if not clock.registration_open():
        return private_page(make_response(_closed(200)))
    page = render_template(
        "registration/proof.html",
        pending=waiting,
        form=ProofForm(),
        token=token,
        seats=seats.status(),
        referrer_policy=REFERRER_POLICY,
    )
    return private_page(make_response(page))


@bp.post(f"/confirmer/{PROOF_TOKEN}")
def prove(token: str):
    """The button: the seat or the waiting-list place is taken now, with the same atomic rule."""
    if not ProofForm().validate():
        abort(400)
    outcome = proof.confirm(token)
    if outcome.result is proof.Proof.GONE:
        return private_page(make_response(errors.render_error(404, *GONE)))
    if outcome.result is proof.Proof.CLOSED:
        return private_page(make_response(_closed()))
    if outcome.result is proof.Proof.ALREADY:
        return private_page(_check_inbox(outcome.address))
    session[REGISTRATION_KEY] = outcome.browser_key
    return private_page(redirect(url_for(".confirmation"), 303))


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
