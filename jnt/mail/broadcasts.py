"""Organisers' messages to registrants: stored once, queued in ONE statement, rendered per person at send time.

Queuing a segment is one INSERT ... SELECT of outbox rows with empty bodies, whatever its size,
so a thousand recipients cost the request what one does. When the outbox first claims a row
(outbox.flush), `compose` renders it for that person with a new management link and stores
the bodies: a retry sends the same message, and the row's dedupe key (message and person)
makes it one e-mail per person.
"""

import re

import css_inline
from flask import current_app, g, has_request_context, render_template
from sqlalchemy import String, cast, delete, insert, literal, select, update

from ..database import write
from ..models import CANCELLED, Broadcast, OutboxMessage, Registration, db, utcnow
from ..tokens import new_token
from ..urls import public_url

MESSAGE, FOLLOW_UP = "message", "remerciement"
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# The follow-up's links, by setting: shown only when set.
FOLLOW_UP_LINKS = (
    ("REPLAY_URL", "Revoir la journée en vidéo"),
    ("SLIDES_URL", "Les supports des interventions"),
    ("SURVEY_URL", "Donner votre avis sur la journée (questionnaire)"),
)


def paragraphs(text: str) -> list[list[str]]:
    """The typed text as paragraphs (split on blank lines) of lines, for the HTML e-mail."""
    return [part.split("\n") for part in PARAGRAPH_BREAK.split(text.strip()) if part]


def links(kind: str, attestation_url: str | None) -> list[tuple[str, str]]:
    """(label, url) of the links the message adds after the text: the follow-up's, none for a message."""
    if kind != FOLLOW_UP:
        return []
    found = [(label, current_app.config[name]) for name, label in FOLLOW_UP_LINKS if current_app.config[name]]
    return [*found, ("Télécharger votre attestation de présence", attestation_url)]


def render(broadcast: Broadcast, first_name: str, manage_url: str, attestation_url: str | None) -> tuple[str, str]:
    """The text and HTML bodies for one person (the HTML autoescaped: markup typed in the text shows as typed)."""
    kind, body = broadcast.kind, broadcast.body
    context = {
        "subject": broadcast.subject,
        "registration": {"first_name": first_name},
        "paragraphs": paragraphs(body),
        "body": body.strip(),
        "links": links(kind, attestation_url),
        "manage_url": manage_url,
        "site_url": public_url("site.index"),
        "contact_email": current_app.config["CONTACT_EMAIL"],
    }
    text = render_template("mail/message.txt", **context)
    # Mail clients keep inline styles only (as for the other e-mails, messages.py).
    return text, css_inline.inline(render_template("mail/message.html", **context))


def already_sent(form_key: str) -> bool:
    """Whether the confirmation form with this key has already sent its message."""
    return db.session.scalar(select(Broadcast.id).where(Broadcast.form_key == form_key)) is not None


def queue(broadcast: Broadcast, condition) -> int:
    """Inside the caller's write: one outbox row per person `condition` selects, in one statement; how many."""
    now = utcnow()
    rows = select(
        literal(f"message:{broadcast.id}:", String) + cast(Registration.id, String),
        Registration.id, Registration.email, literal(broadcast.subject, String), literal("", String),
        literal("", String), literal(broadcast.id), literal(now), literal(now), literal(0), literal("", String),
    ).where(condition)  # fmt: skip
    columns = ["dedupe_key", "registration_id", "recipient", "subject", "body_text", "body_html", "broadcast_id",
               "created_at", "next_attempt_at", "attempts", "last_error"]  # fmt: skip
    # preserve_rowcount: SQLAlchemy keeps the driver's count of an INSERT only when asked (PostgreSQL).
    statement = insert(OutboxMessage).from_select(columns, rows).execution_options(preserve_rowcount=True)
    queued = db.session.execute(statement).rowcount
    if queued and has_request_context():
        g.jnt_outbox_queued = True  # wake this worker's delivery thread after the response
    return queued


def compose(row: OutboxMessage) -> bool:
    """Render a claimed row for its recipient, with a new management link.

    False, and the row deleted, when the person has cancelled or gone since it was queued (or the
    message was purged): there is nothing to send, and nothing to try again.
    """
    with write():
        registration = db.session.get(Registration, row.registration_id) if row.registration_id else None
        broadcast = db.session.get(Broadcast, row.broadcast_id)
        if registration is None or broadcast is None or registration.status == CANCELLED:
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.id == row.id))
            return False
        token = new_token(registration)
        manage_url = public_url("manage.show", token=token)
        attestation_url = public_url("manage.attestation_file", token=token)
        text, html = render(broadcast, registration.first_name, manage_url, attestation_url)
        bodies = {"body_text": text, "body_html": html}
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**bodies))
    row.body_text, row.body_html = text, html
    return True
