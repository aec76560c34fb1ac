"""The attendee's e-mails, composed from templates (mail/*.txt and autoescaped mail/*.html) into the outbox.

Each function queues its message in the caller's write transaction: it leaves with what caused it, or not at all.
"""

import datetime as dt

import css_inline
from flask import current_app, render_template
from sqlalchemy import func, select

from .. import calendar
from ..models import REMOTE, WAITING, OutboxMessage, Registration, db, utcnow
from ..tokens import new_token
from ..typography import french
from ..urls import public_url
from . import outbox

# A new link is not sent again within this delay (e-mail bombing; a link just sent stays valid).
RESEND_INTERVAL = dt.timedelta(minutes=5)


def _queue(kind: str, key: str, registration: Registration, subject: str, with_ics: bool = True, **context) -> None:
    """Render both bodies of `kind` and put them, with the calendar file, in the outbox.

    Never for a walk-in: nobody has proven that their address (if they gave one) is theirs.
    """
    if registration.walk_in:
        return
    cfg = current_app.config
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
    token = new_token(registration)
    title = current_app.extensions["jnt_event"].title
    subject = f"{title} : {'liste d’attente' if registration.status == WAITING else 'inscription confirmée'}"
    _queue(
        "confirmation",
        f"confirmation:{registration.id}",
        registration,
        subject,
        manage_url=public_url("manage.show", token=token),
        position=position,
    )


def promotion(registration: Registration) -> None:
    """Tell a person from the waiting list that they now have a seat."""
    n = _count(registration, "promotion") + 1
    title = current_app.extensions["jnt_event"].title
    subject = f"{title} : une place s’est libérée pour vous"
    _queue("promotion", f"promotion:{registration.id}:{n}", registration, subject)


def resend_link(registration: Registration) -> bool:
    """A new management link (only its hash is kept, so the old one stops working); False if one was just sent."""
    recent = db.session.scalar(
        select(func.count()).where(
            OutboxMessage.registration_id == registration.id,
            OutboxMessage.created_at > utcnow() - RESEND_INTERVAL,
            OutboxMessage.dedupe_key.startswith("link:") | OutboxMessage.dedupe_key.startswith("confirmation:"),
        )
    )
    if recent:
        return False
    token = new_token(registration)
    title = current_app.extensions["jnt_event"].title
    key = f"link:{registration.id}:{_count(registration, 'link') + 1}"
    _queue("link", key, registration, f"{title} : votre lien de gestion", with_ics=False,
           manage_url=public_url("manage.show", token=token))  # fmt: skip
    return True


def reminder(registration: Registration) -> None:
    """The day-before reminder: practical information, or the video link."""
    title = current_app.extensions["jnt_event"].title
    _queue("reminder", f"reminder:{registration.id}", registration, f"Rappel : {title}")
