"""The address proven before anything is held: a form sent waits apart until its e-mailed link is used.

Every form gets the same answer ("un e-mail vient de partir"). A new address receives a link to
confirm; its form waits in pending_registrations, holding no seat and touching no registration.
A registered address receives its management link instead. Opening the link (GET) shows what
will be recorded and one button; only pressing it (POST) takes the seat or the waiting-list place,
with the same atomic rule as registering. The link expires after CONFIRMATION_HOURS, never past
its mode's registration deadline; `purge` deletes what expired.
"""

import datetime as dt
import enum
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from . import booking, clock
from .database import write
from .mail import messages
from .models import CANCELLED, IN_PERSON, PendingRegistration, Registration, db, utcnow
from .tokens import hash_token, random_token


class Proof(enum.Enum):
    SENT = "sent"  # or not, when the address was just written to: the answer is the same
    REGISTERED = "registered"
    ALREADY = "already"  # the address was registered meanwhile: its management link goes instead
    GONE = "gone"  # unknown, used or expired link
    CLOSED = "closed"


@dataclass(frozen=True)
class Outcome:
    result: Proof
    registration: Registration | None = None
    browser_key: str | None = None
    address: str | None = None


def naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def deadline(mode: str) -> dt.datetime:
    """The last instant (exclusive) a form of this mode may be confirmed: that mode's registration deadline."""
    deadlines = current_app.extensions["jnt_event"].deadlines
    return deadlines.in_person if mode == IN_PERSON else deadlines.remote


def expiry(mode: str) -> dt.datetime:
    """When a confirmation link sent now stops working: CONFIRMATION_HOURS, never past the mode's deadline."""
    hours = dt.timedelta(hours=current_app.config["CONFIRMATION_HOURS"])
    return min(clock.now() + hours, deadline(mode))


def _live(address: str) -> Registration | None:
    query = select(Registration).where(Registration.email == address, Registration.status != CANCELLED)
    return db.session.scalar(query)


def ask(data: dict) -> Proof:
    """Answer a valid form: a confirmation link for a new address, the management link for a registered one.

    Either e-mail is limited the same way (messages.recently_replied): nothing tells the two apart.
    """
    values = {k: data.get(k) for k in booking.FIELDS}
    values["accessibility_needs"] = values["accessibility_needs"] or ""
    with write():
        if not clock.mode_open(values["mode"]):
            return Proof.CLOSED
        if messages.recently_replied(values["email"]):
            return Proof.SENT
        registration = _live(values["email"])
        if registration is not None and registration.email_proven:
            messages.resend_link(registration)
            return Proof.SENT
        # A new address, or a walk-in's typed at the door: the link that proves it.
        token, expires = random_token(), expiry(values["mode"])
        pending = PendingRegistration(**values, proof_hash=hash_token(token), expires_at=naive_utc(expires))
        db.session.add(pending)
        db.session.flush()
        messages.proof(pending, token, expires)
    return Proof.SENT


def pending(token: str) -> PendingRegistration | None:
    """The form waiting for this link, unless the link expired."""
    return db.session.scalar(
        select(PendingRegistration).where(
            PendingRegistration.proof_hash == hash_token(token),
            PendingRegistration.expires_at > naive_utc(clock.now()),
        )
    )


def confirm(token: str) -> Outcome:
    """The person pressed the button: store the registration (seat or waiting list), or say why not."""
    address = None
    try:
        with write():
            waiting = pending(token)
            if waiting is None:
                return Outcome(Proof.GONE)
            if not clock.mode_open(waiting.mode):
                return Outcome(Proof.CLOSED)
            values = {k: getattr(waiting, k) for k in booking.FIELDS}
            address = waiting.email
            # Every form waiting for this address is answered: it is proven now.
            db.session.execute(delete(PendingRegistration).where(PendingRegistration.email == waiting.email))
            existing = _live(values["email"])
            if existing is not None and not existing.email_proven:
                # A walk-in proving the address typed at the door: from now on the site may write to it,
                # starting with their management link (their details stay as recorded at the door).
                existing.address_proven_at = utcnow()
                messages.confirmation(existing, None)
                return Outcome(Proof.ALREADY, address=address)
            if existing is not None:
                # Proving an address changes nothing in its registration (no squatting): its link goes instead,
                # whatever the per-address limit (the proof e-mail just sent counts there; this is its owner).
                messages.resend_link(existing, limited=False)
                return Outcome(Proof.ALREADY, address=address)
            key = random_token()
            registration = booking.store({**values, "browser_key_hash": hash_token(key)})
        return Outcome(Proof.REGISTERED, registration, key)
    except IntegrityError:
        # The same address confirmed at the same moment through another link: that one won.
        return Outcome(Proof.ALREADY, address=address)
