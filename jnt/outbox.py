"""The outbox: e-mails stored in the transaction that causes them, delivered afterwards with retries.

Delivery claims a row with a conditional UPDATE (the row count decides, as for seats), so the
background threads of several workers and a cron `flask send-mail` never send the same row twice
at once. A claim is a lease: a worker that dies mid-send leaves the row for a later attempt.
"""

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

import click
from flask import Flask, current_app, g, has_request_context
from flask.cli import with_appcontext
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from . import background, seats, transport
from .models import OutboxMessage, Registration, db, utcnow

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=10)  # longer than any SMTP exchange (MAIL_TIMEOUT per step)
# The server refused this one message; the connection is still good for the others.
REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def queue(key: str, registration: Registration, subject: str, text: str, html: str, ics: str | None = None) -> None:
    """Add an e-mail to the current transaction; a key already queued is silently kept as it was."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(OutboxMessage)
        .values(dedupe_key=key, registration_id=registration.id, recipient=registration.email, subject=subject,
                body_text=text, body_html=html, ics=ics, next_attempt_at=utcnow())
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )  # fmt: skip
    if has_request_context():
        g.jnt_outbox_queued = True


def _due(limit: int) -> list[int]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.attempts < current_app.config["MAIL_MAX_ATTEMPTS"])
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )  # fmt: skip


def _claim(message_id: int) -> OutboxMessage | None:
    """Take the row for this attempt if nobody else has; committed before anything is sent."""
    now = utcnow()
    seats.begin_write()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
    ).rowcount
    db.session.commit()
    return db.session.get(OutboxMessage, message_id) if claimed == 1 else None


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential back-off: MAIL_RETRY_SECONDS, doubled after each failed attempt, capped."""
    cfg = current_app.config
    return dt.timedelta(seconds=min(cfg["MAIL_RETRY_SECONDS"] * 2 ** (attempts - 1), cfg["MAIL_RETRY_MAX_SECONDS"]))


def describe(exc: Exception) -> str:
    """The error's kind and SMTP code only: server replies may quote the address."""
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}{f' {code}' if code else ''}"[:200]


def _record(message_id: int, attempts: int, error: Exception | None) -> None:
    seats.begin_write()
    if error is None:
        # Sent: keep the trace, drop the bodies (they carry the private management link).
        values = {"sent_at": utcnow(), "last_error": "", "body_text": "", "body_html": "", "ics": None}
    else:
        values = {"next_attempt_at": utcnow() + retry_delay(attempts), "last_error": describe(error)}
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
    db.session.commit()


@dataclass
class Report:
    sent: int = 0
    failed: int = 0


def flush(limit: int = 200) -> Report:
    """Deliver what is due, one claimed row at a time; stops early if the server cannot be reached."""
    report = Report()
    with transport.Transport() as carrier:
        for message_id in _due(limit):
            row = _claim(message_id)
            if row is None:
                continue  # another worker has it
            message_id, attempts = row.id, row.attempts
            try:
                carrier.send(
                    transport.build(row), f"{row.created_at:%Y%m%d-%H%M%S}-{row.id}-{row.dedupe_key.split(':')[0]}"
                )
            except Exception as exc:
                log.warning("E-mail %s non remis (tentative %s) : %s", message_id, attempts, describe(exc))
                _record(message_id, attempts, exc)
                report.failed += 1
                if isinstance(exc, OSError) and not isinstance(exc, REFUSED):
                    break  # server down or connection lost (SMTPException is an OSError): wait for the next run
                continue
            _record(message_id, attempts, None)
            report.sent += 1
    db.session.remove()
    return report


def _kick_after_response(response):
    """Once the response is out, wake this worker's delivery thread (rows are already committed)."""
    courier = current_app.extensions.get("jnt_courier")
    if g.pop("jnt_outbox_queued", False) and courier is not None:
        response.call_on_close(courier.kick)
    return response


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Deliver the outbox now (for cron); exit status 1 if an e-mail failed or was given up."""
    report = flush(limit=10_000)
    click.echo(f"E-mails envoyés : {report.sent}, en échec (nouvel essai plus tard) : {report.failed}.")
    given_up = db.session.scalar(
        select(func.count()).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
        )
    )
    if given_up:
        click.echo(f"E-mails abandonnés après {current_app.config['MAIL_MAX_ATTEMPTS']} essais : {given_up}.")
    if report.failed or given_up:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    """Check the settings, register the command, the after-response kick and the delivery thread."""
    transport.check(app)
    app.cli.add_command(send_mail_command)
    app.after_request(_kick_after_response)
    if app.config["MAIL_BACKGROUND"]:
        app.extensions["jnt_courier"] = background.Courier(app, flush)
