"""Messages to registrants (/organisateurs/messages): write, preview with the exact count, confirm, queue.

Nothing is sent in the request: sending stores the message once and queues one outbox row per
recipient in one statement (mail/broadcasts.py); the outbox renders and delivers each later.
"""

import secrets

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from .. import clock
from ..database import write
from ..htmx import page_or_fragment
from ..mail import broadcasts
from ..models import Broadcast, Role, db
from ..typography import french
from . import audit, segments
from .auth import requires
from .forms import BODY_MAX, SUBJECT_MAX, MessageForm, SendForm

bp = Blueprint("messages", __name__, url_prefix="/messages")
# The thank-you message after the day, ready to send (the organiser may change it).
FOLLOW_UP_SUBJECT = "Merci pour votre participation"
FOLLOW_UP_BODY = french(
    "Merci d'avoir participé à la {title}.\n\n"
    "Vous trouverez ci-dessous les ressources de la journée et votre attestation de présence. "
    "Votre avis nous aidera à préparer la prochaine édition : n'hésitez pas à nous le donner."
)
PLACEHOLDER_NAME, PLACEHOLDER_LINK = "[prénom]", "[lien personnel]"


def _segment(form: MessageForm) -> str:
    """The segment asked for; the thank-you message goes only to the people who came, whatever was sent."""
    return segments.FOLLOW_UP if form.kind.data == broadcasts.FOLLOW_UP else form.segment.data


def _compose_page(form: MessageForm, status: int = 200):
    """The writing page, with each segment's count (the chosen one's also live, through htmx)."""
    follow_up = form.kind.data == broadcasts.FOLLOW_UP
    counts = segments.counts()
    segment = _segment(form)
    segment = segment if segment in segments.SEGMENTS else segments.DEFAULT
    context = {
        "form": form,
        "follow_up": follow_up,
        "counts": counts,
        "segments": segments.SEGMENTS,
        "segment": segments.SEGMENTS[segment],
        "recipients": counts[segment],
        "subject_max": SUBJECT_MAX,
        "body_max": BODY_MAX,
        "links": broadcasts.links(broadcasts.FOLLOW_UP, PLACEHOLDER_LINK) if follow_up else [],
        "over": clock.event_over(),
    }
    return page_or_fragment("organisers/messages.html", "organisers/_message_recipients.html", status, **context)


@bp.get("")
@requires(Role.ORGANISATION)
def compose():
    """Write a message; htmx gets only the number of recipients of the segment chosen."""
    form = MessageForm(formdata=None, kind=broadcasts.MESSAGE)
    if request.args.get("segment") in segments.SEGMENTS:
        form.segment.data = request.args["segment"]
    return _compose_page(form)


@bp.get("/remerciement")
@requires(Role.ORGANISATION)
def follow_up():
    """The thank-you message after the day, prefilled, for the people who came."""
    title = current_app.extensions["jnt_event"].title
    form = MessageForm(formdata=None, kind=broadcasts.FOLLOW_UP, segment=segments.FOLLOW_UP,
                       subject=FOLLOW_UP_SUBJECT, body=FOLLOW_UP_BODY.format(title=title))  # fmt: skip
    return _compose_page(form)


def _preview_page(form: MessageForm, status: int = 200, changed: bool = False):
    """The message as a recipient will read it, the exact number of recipients, and the button that sends it."""
    segment = _segment(form)
    recipients = segments.count(segment)
    fields = {name: form[name].data for name in ("kind", "subject", "body")}
    send = SendForm(formdata=None, segment=segment, form_key=secrets.token_urlsafe(24), count=recipients, **fields)
    draft = Broadcast(kind=form.kind.data, subject=form.subject.data, body=form.body.data)
    attestation = PLACEHOLDER_LINK if draft.kind == broadcasts.FOLLOW_UP else None
    text, _html = broadcasts.render(draft, PLACEHOLDER_NAME, PLACEHOLDER_LINK, attestation)
    context = {"form": send, "segment": segments.SEGMENTS[segment], "recipients": recipients, "text": text}
    return render_template("organisers/message_preview.html", changed=changed, **context), status


@bp.post("/apercu")
@requires(Role.ORGANISATION)
def preview():
    """Check the message, then show it with its exact number of recipients before anything is sent."""
    form = MessageForm()
    if not form.validate():
        return _compose_page(form, 422)
    return _preview_page(form)


@bp.post("/envoi")
@requires(Role.ORGANISATION)
def send():
    """Queue the confirmed message for each recipient, once (the same form sent twice sends nothing more)."""
    form = SendForm()
    if not form.validate():
        return _compose_page(form, 422)
    if "modifier" in request.form:
        return _compose_page(form)
    slug = _segment(form)
    with write():
        if broadcasts.already_sent(form.form_key.data):
            message, category = "Ce message a déjà été envoyé : il ne part qu’une fois.", "info"
        elif segments.count(slug) != int(form.count.data):
            message = None  # people registered, cancelled or came since the preview: show the new number
        else:
            message, category = _queue(form, slug), "success"
    if message is None:
        return _preview_page(form, 409, changed=True)
    flash(french(message), category)
    return redirect(url_for(".compose"), 303)


def _queue(form: SendForm, slug: str) -> str:
    """Store the message, queue its rows and its audit entry, inside the caller's write; the flash message."""
    broadcast = Broadcast(form_key=form.form_key.data, kind=form.kind.data, segment=slug, subject=form.subject.data,
                          body=form.body.data, organiser_id=g.organiser.id)  # fmt: skip
    db.session.add(broadcast)
    db.session.flush()  # its id, for the rows' dedupe keys
    broadcast.recipients = broadcasts.queue(broadcast, segments.SEGMENTS[slug].condition())
    # Which message (its text is in the broadcasts table), to whom, by whom: no attendee's data.
    n, plural = broadcast.recipients, "s" if broadcast.recipients > 1 else ""
    audit.record(form.kind.data, detail=f"message {broadcast.id}, segment {slug}, {n} destinataire{plural}")
    return f"Message mis en file d’envoi pour {n} personne{plural}."
