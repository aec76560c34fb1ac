"""The attendee's e-mails, composed from templates (mail/*.txt and autoescaped mail/*.html) into the outbox.

Each function queues its message in the caller's write transaction: it leaves with what caused it, or not at all.
Every e-mail to a registration carries a working management link, minted for it (tokens.py keeps
only hashes, so an e-mail cannot repeat an older link); once the registration is cancelled, its
links are dead and the e-mail carries the registration form's link instead.
"""

import datetime as dt

import css_inline
from flask import current_app, render_template
from sqlalchemy import func, select

from .. import calendar
from ..models import (
    CANCELLED,
    REMOTE,
    WAITING,
    Handover,
    OutboxMessage,
    PendingRegistration,
    Registration,
    db,
    utcnow,
)
from ..tokens import new_token
from ..typography import french
from ..urls import public_url
from . import outbox

# The form sends one address at most one e-mail within this delay, known or not (e-mail bombing;
# a link just sent stays valid): a confirmation link, a management link or a confirmation.
RESEND_INTERVAL = dt.timedelta(minutes=5)
FORM_REPLIES = ("proof:", "link:", "confirmation:")


def _queue(
    kind: str,
    key: str,
    registration: Registration,
    subject: str,
    with_ics: bool = True,
    link: bool = True,
    **context,
) -> None:
    """Render both bodies of `kind` and put them, with the calendar file, in the outbox.

    Never to a walk-in's address they have not proven themselves (an organiser typed it at the door).
    """
    if not registration.email_proven:
        return
    cfg = current_app.config
    if registration.status == CANCELLED or not link:
        context["register_url"] = public_url("registration.form")
    else:
        context["manage_url"] = public_url("manage.show", token=new_token(registration))
    context.update(
        registration=registration,
        remote=registration.mode == REMOTE,
        waiting=registration.status == WAITING,
        visio_url=cfg["VISIO_URL"],
        site_url=public_url("site.index"),
        practical_url=public_url("site.practical"),
        contact_email=cfg["CONTACT_EMAIL"],
    )
    subject = french(subject)  # written in this module: « Rappel : … »
    text = render_template(f"mail/{kind}.txt", **context)
    # Mail clients keep inline styles only: the layout's <style> block is moved onto each element.
    html = css_inline.inline(render_template(f"mail/{kind}.html", **context))
    ics = calendar.build(remote=registration.mode == REMOTE).decode() if with_ics else None
    outbox.queue(key, registration, subject, text, html, ics)


def _count(registration: Registration, kind: str) -> int:
    return db.session.scalar(
        select(func.count()).where(
            OutboxMessage.registration_id == registration.id, OutboxMessage.dedupe_key.startswith(f"{kind}:")
        )
    )


def confirmation(registration: Registration, position: int | None) -> None:
    """A new registration: its management link and the confirmation (with the waiting-list place, if any)."""
    title = current_app.extensions["jnt_event"].title
    subject = f"{title} : {'liste d’attente' if registration.status == WAITING else 'inscription confirmée'}"
    _queue(
        "confirmation",
        f"confirmation:{registration.id}",
        registration,
        subject,
        position=position,
    )


def promotion(registration: Registration) -> None:
    """Tell a person from the waiting list that they now have a seat."""
    n = _count(registration, "promotion") + 1
    title = current_app.extensions["jnt_event"].title
    subject = f"{title} : une place s’est libérée pour vous"
    _queue("promotion", f"promotion:{registration.id}:{n}", registration, subject)


def mode_changed(registration: Registration, position: int | None) -> None:
    """Now remote, in person, or waiting for a seat (at `position`): what that means, and the updated calendar file."""
    n = _count(registration, "mode") + 1
    title = current_app.extensions["jnt_event"].title
    if registration.status == WAITING:
        now = "liste d’attente du présentiel"
    else:
        now = "participation à distance" if registration.mode == REMOTE else "participation en présentiel"
    _queue("mode", f"mode:{registration.id}:{n}", registration, f"{title} : {now}", position=position)


def cancellation(registration: Registration, by_organiser: bool) -> None:
    """The registration is cancelled (by the person or by an organiser): say so, and how to register again."""
    title = current_app.extensions["jnt_event"].title
    _queue("cancellation", f"cancellation:{registration.id}", registration, f"{title} : inscription annulée",
           with_ics=False, by_organiser=by_organiser)  # fmt: skip


def recently_replied(address: str) -> bool:
    """Whether the form already made an e-mail leave for this address within RESEND_INTERVAL.

    The same rule whether the address is registered or not: the limit tells nothing about it.
    """
    kinds = [OutboxMessage.dedupe_key.startswith(kind) for kind in FORM_REPLIES]
    return bool(
        db.session.scalar(
            select(func.count()).where(
                OutboxMessage.recipient == address,
                OutboxMessage.created_at > utcnow() - RESEND_INTERVAL,
                db.or_(*kinds),
            )
        )
    )


def _neutral(kind: str, key: str, to: PendingRegistration | Handover, subject: str, **context) -> None:
    """An e-mail to an address not proven yet: no registration's data, nothing anyone typed."""
    context.update(
        site_url=public_url("site.index"), contact_email=current_app.config["CONTACT_EMAIL"], registration=None
    )
    text = render_template(f"mail/{kind}.txt", **context)
    html = css_inline.inline(render_template(f"mail/{kind}.html", **context))
    outbox.queue(key, to, french(subject), text, html)


def proof(pending: PendingRegistration, token: str, expires: dt.datetime) -> None:
    """The link that proves an address: neutral text only, nothing typed in the form (anyone may type any address)."""
    title = current_app.extensions["jnt_event"].title
    url = public_url("registration.proof_page", token=token)
    _neutral("proof", f"proof:{pending.id}", pending, f"{title} : confirmez votre adresse e-mail",
             confirm_url=url, expires=expires)  # fmt: skip


def handover_offer(handover: Handover, token: str, expires: dt.datetime) -> None:
    """To the colleague offered a place: neutral too (the address and the offer were typed by someone else)."""
    title = current_app.extensions["jnt_event"].title
    url = public_url("handover.accept_page", token=token)
    _neutral("handover_offer", f"handover-offer:{handover.id}", handover, f"{title} : une place vous est proposée",
             accept_url=url, expires=expires)  # fmt: skip


def handed_over(registration: Registration) -> None:
    """Tell the holder their place went to their colleague; called before the registration changes hands.

    No management link: the registration is no longer theirs (the registration form's link instead).
    """
    n = _count(registration, "handed-over") + 1
    title = current_app.extensions["jnt_event"].title
    _queue("handed_over", f"handed-over:{registration.id}:{n}", registration, f"{title} : votre place a été cédée",
           with_ics=False, link=False)  # fmt: skip


def handover_confirmation(registration: Registration, position: int | None) -> None:
    """The colleague's confirmation, once the place is theirs: their own link and the calendar file."""
    n = _count(registration, "confirmation") + 1  # the first was the former holder's
    title = current_app.extensions["jnt_event"].title
    subject = f"{title} : {'liste d’attente' if registration.status == WAITING else 'inscription confirmée'}"
    _queue("confirmation", f"confirmation:{registration.id}:{n}", registration, subject, position=position)


def resend_link(registration: Registration, limited: bool = True) -> bool:
    """One more management link for a registered address; False if the form already replied to it just now.

    `limited=False` when the request comes from a link opened in that mailbox (the address's owner,
    who cannot flood themselves): the proof e-mail that just left must not hold the link back.
    """
    if limited and recently_replied(registration.email):
        return False
    title = current_app.extensions["jnt_event"].title
    key = f"link:{registration.id}:{_count(registration, 'link') + 1}"
    _queue("link", key, registration, f"{title} : votre lien de gestion", with_ics=False)
    return True


def reminder(registration: Registration) -> None:
    """The day-before reminder: practical information, or the video link."""
    title = current_app.extensions["jnt_event"].title
    _queue("reminder", f"reminder:{registration.id}", registration, f"Rappel : {title}")
