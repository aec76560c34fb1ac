"""Handing one's place to a colleague: the colleague proves their address first, then the place moves.

The holder types the colleague's address on their management page; the colleague receives a
neutral e-mail with a link (the holder's words never reach them). The link's page asks for the
colleague's details and one button; only that POST moves the place: the same registration row
(same seat or waiting-list place, same mode) takes the colleague's details and address, every
management link of the former holder dies, the former holder is told, and the colleague gets
the confirmation with their own link. Until then nothing changes; the offer expires like an
address proof (CONFIRMATION_HOURS, never past the deadline).
"""

from flask import Blueprint, Flask, abort, flash, make_response, redirect, render_template, request, session, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from . import clock, errors, proof, waiting_list
from .database import write
from .forms import AcceptForm, HandoverForm
from .mail import messages
from .models import CANCELLED, Handover, Registration, db
from .my_registration import DETAILS, REFERRER_POLICY, TOKEN, refused_when_closed, registration_for
from .registration import REGISTRATION_KEY, private_page
from .tokens import hash_token, random_token, revoke_all
from .typography import french

bp = Blueprint("handover", __name__, url_prefix="/inscription")
MAX_OPEN_OFFERS = 3
TOO_MANY = (
    f"Votre place est déjà proposée à {MAX_OPEN_OFFERS} adresses : attendez qu’une de ces offres soit acceptée "
    "ou expire avant d’en faire une autre."
)
GONE = (
    "Lien expiré ou déjà utilisé",
    "Ce lien n’est plus valable : la place a déjà été acceptée, l’offre a expiré, ou l’inscription a changé.",
)


@bp.post(f"/gerer/{TOKEN}/ceder")
def offer(token: str):
    """The holder offers their place to a colleague's address: an e-mail leaves, nothing else changes yet."""
    form = HandoverForm()
    if not form.validate():
        if not form.email.errors:
            abort(400)  # no CSRF token
        flash(french(f"Adresse de votre collègue : {form.email.errors[0]}"), "error")
        return redirect(url_for("manage.show", token=token), 303)
    with write():
        registration = registration_for(token)
        if (refused := refused_when_closed()) is not None:
            return refused
        address = form.email.data
        if address == registration.email:
            flash(french("Indiquez l’adresse de votre collègue, pas la vôtre."), "error")
            return redirect(url_for("manage.show", token=token), 303)
        if _open_offers(registration) >= MAX_OPEN_OFFERS:
            # The form must not become a way to mail many addresses.
            flash(french(TOO_MANY), "error")
            return redirect(url_for("manage.show", token=token), 303)
        if not messages.recently_replied(address):
            link, expires = random_token(), proof.expiry(registration.mode)
            handover = Handover(registration_id=registration.id, email=address, proof_hash=hash_token(link),
                                expires_at=proof.naive_utc(expires))  # fmt: skip
            db.session.add(handover)
            db.session.flush()
            messages.handover_offer(handover, link, expires)
    flash(french(f"Un e-mail vient de partir à {address}. Votre place reste la vôtre tant que votre collègue "
                 "ne l’a pas acceptée."), "success")  # fmt: skip
    return redirect(url_for("manage.show", token=token), 303)


def _open_offers(registration: Registration) -> int:
    """Offers of this registration still waiting for an answer."""
    now = proof.naive_utc(clock.now())
    mine = (Handover.registration_id == registration.id, Handover.expires_at > now)
    return db.session.scalar(select(func.count()).select_from(Handover).where(*mine))


def _offer(token: str) -> Handover | None:
    """The offer of this link, if it has not expired and its registration is still live."""
    handover = db.session.scalar(
        select(Handover).where(
            Handover.proof_hash == hash_token(token), Handover.expires_at > proof.naive_utc(clock.now())
        )
    )
    return handover if handover is not None and _live(handover) is not None else None


def _live(handover: Handover) -> Registration | None:
    """The registration offered, unless it has ended meanwhile."""
    registration = db.session.get(Registration, handover.registration_id)
    return registration if registration is not None and registration.status != CANCELLED else None


LINK = "<string(minlength=32, maxlength=64):token>"


def _gone():
    return private_page(make_response(errors.render_error(404, *GONE)))


@bp.route(f"/ceder/{LINK}", methods=["GET", "POST"])
def accept_page(token: str):
    """The colleague's page: the place offered, their details, and the button that takes it (POST)."""
    handover = _offer(token)
    if handover is None:
        return _gone()
    form = AcceptForm()
    if request.method == "POST":
        if form.validate():
            return _accept(token, form)
        if form.csrf_token.errors:
            abort(400)
    registration = _live(handover)
    page = render_template(
        "handover/accept.html",
        handover=handover,
        registration=registration,
        position=waiting_list.position(registration),
        form=form,
        token=token,
        referrer_policy=REFERRER_POLICY,
        is_open=clock.changes_open(),
    )
    return private_page(make_response(page, 422 if form.errors else 200))


def _accept(token: str, form: AcceptForm):
    """Move the place: in one write, the former holder told, the row changes hands, the colleague confirmed."""
    key = random_token()
    try:
        with write():
            handover = _offer(token)
            if handover is None:
                return _gone()
            if (refused := refused_when_closed()) is not None:
                return refused
            registration = _live(handover)
            messages.handed_over(registration)  # while the row still names the former holder
            revoke_all(registration)
            db.session.execute(delete(Handover).where(Handover.registration_id == registration.id))
            for name in DETAILS:
                setattr(registration, name, form[name].data or "")
            registration.email, registration.browser_key_hash = handover.email, hash_token(key)
            # A day-before reminder, a check-in or a video join of the former holder is not the colleague's.
            registration.reminder_sent_at = registration.checked_in_at = registration.joined_at = None
            db.session.flush()
            messages.handover_confirmation(registration, waiting_list.position(registration))
    except IntegrityError:
        # The colleague's address is registered already: nothing moves.
        return private_page(make_response(errors.render_error(409, *ALREADY)))
    session[REGISTRATION_KEY] = key
    return redirect(url_for("registration.confirmation"), 303)


ALREADY = (
    "Adresse déjà inscrite",
    "Cette adresse e-mail est déjà inscrite à la journée : la place n’a pas été transférée. "
    "Votre collègue garde sa place.",
)


def init_app(app: Flask) -> None:
    """Register the handover pages."""
    app.register_blueprint(bp)
