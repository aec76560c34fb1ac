"""The outbox: e-mails stored in the transaction that causes them, delivered afterwards with retries.

Delivery claims a row with a conditional UPDATE (the row count decides, as for seats), so the
background threads of several workers and a cron `flask send-mail` never send the same row twice
at once. A claim is a lease: a worker that dies mid-send leaves the row for a later attempt.
No transaction stays open while the SMTP server is talked to: a stuck relay never holds the
database (SQLite could not checkpoint its WAL behind an open read).

Temporary failures (4xx, network, deadline, the relay's certificate refused) are retried with a
growing delay; a permanent one (5xx to this message, an address the relay cannot take) uses up
every attempt at once. A row with no attempt left (`attempts >= MAIL_MAX_ATTEMPTS`, never sent)
is given up.
"""

import datetime as dt
import logging
import smtplib
import ssl
import time
from dataclasses import dataclass

import click
from flask import current_app, g, has_request_context
from flask.cli import with_appcontext
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..database import write
from ..models import OutboxMessage, PendingRegistration, Registration, db, utcnow
from . import broadcasts, smtp

log = logging.getLogger(__name__)
# Added to MAIL_MESSAGE_DEADLINE for the lease: recording the outcome may wait for the database.
LEASE_MARGIN = dt.timedelta(minutes=5)
# Refusals of this one message: the next message may go through. A refused sender or login, the
# network, a deadline or the relay's certificate would fail the next one too: the run stops there.
MESSAGE_ONLY = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtp.AddressNotSupported)


def queue(
    key: str,
    registration: Registration | PendingRegistration,
    subject: str,
    text: str,
    html: str,
    ics: str | None = None,
) -> None:
    """Add an e-mail to the current transaction; a key already queued is silently kept as it was.

    An e-mail to an address not proven yet (a PendingRegistration, a Handover) belongs to no registration.
    """
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    registration_id = registration.id if isinstance(registration, Registration) else None
    db.session.execute(
        dialect.insert(OutboxMessage)
        .values(dedupe_key=key, registration_id=registration_id, recipient=registration.email, subject=subject,
                body_text=text, body_html=html, ics=ics, next_attempt_at=utcnow())
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )  # fmt: skip
    if has_request_context():
        g.jnt_outbox_queued = True


def _due(limit: int) -> list[int]:
    """Ids of the rows due now, those never tried first: a message that breaks the connection cannot
    hold back the newer ones. Then an attendee's own e-mails before organisers' messages: a
    confirmation does not wait behind a message to a thousand people."""
    now = utcnow()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.attempts < current_app.config["MAIL_MAX_ATTEMPTS"])
            .order_by(OutboxMessage.attempts, OutboxMessage.broadcast_id.is_not(None), OutboxMessage.id)
            .limit(limit)
        )
    )  # fmt: skip
    db.session.rollback()  # end the read: nothing is held while the network is used
    return ids


def _claim(message_id: int) -> OutboxMessage | None:
    """Take the row for this attempt if nobody else has: a detached copy, committed before anything is sent."""
    now = utcnow()
    lease = dt.timedelta(seconds=current_app.config["MAIL_MESSAGE_DEADLINE"]) + LEASE_MARGIN
    with write():
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now
            )
            .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + lease)
        ).rowcount
        row = db.session.get(OutboxMessage, message_id) if claimed == 1 else None
        if row is not None:
            db.session.expunge(row)  # reading it while sending must not start a transaction
    return row


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential back-off: MAIL_RETRY_SECONDS, doubled after each failed attempt, capped."""
    cfg = current_app.config
    return dt.timedelta(seconds=min(cfg["MAIL_RETRY_SECONDS"] * 2 ** (attempts - 1), cfg["MAIL_RETRY_MAX_SECONDS"]))


def code(exc: Exception) -> int | None:
    """The SMTP reply code of a refusal, if any (the lowest when every recipient was refused)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min((reply[0] for reply in exc.recipients.values()), default=None)
    return getattr(exc, "smtp_code", None)


def describe(exc: Exception) -> str:
    """The error's kind and SMTP code only: server replies may quote the address."""
    return f"{type(exc).__name__}{f' {code(exc)}' if code(exc) else ''}"[:200]


def permanent(exc: Exception) -> bool:
    """A final answer about this message (5xx to its recipient or content), or an address the relay cannot take."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
        return code(exc) is not None and code(exc) >= 500
    return isinstance(exc, smtp.AddressNotSupported)


def _record(message_id: int, values: dict) -> None:
    with write():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


@dataclass
class Report:
    sent: int = 0
    failed: int = 0  # temporarily: tried again later
    given_up: int = 0  # refused for good, or its last attempt failed
    postponed: int = 0  # due but not tried in this run (deadline, server unreachable)


def _failed(row: OutboxMessage, exc: Exception, report: Report) -> None:
    """Record a failed attempt: retried after a delay, or given up."""
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    attempts = max(row.attempts, max_attempts) if permanent(exc) else row.attempts
    _record(row.id, {"attempts": attempts, "next_attempt_at": utcnow() + retry_delay(attempts),
                     "last_error": describe(exc)})  # fmt: skip
    if attempts >= max_attempts:
        report.given_up += 1
        log.warning("E-mail %s abandonné après la tentative %s : %s", row.id, row.attempts, describe(exc))
    else:
        report.failed += 1
        log.warning("E-mail %s non remis (tentative %s) : %s", row.id, row.attempts, describe(exc))


def flush(limit: int = 200) -> Report:
    """Deliver what is due, one claimed row at a time, within MAIL_RUN_DEADLINE; stops early if the server fails."""
    report = Report()
    deadline = time.monotonic() + current_app.config["MAIL_RUN_DEADLINE"]
    due = _due(limit)
    with smtp.Transport(deadline) as carrier:
        for position, message_id in enumerate(due):
            if time.monotonic() >= deadline:
                report.postponed = len(due) - position
                break
            row = _claim(message_id)
            if row is None:
                continue  # another worker has it
            try:
                if row.broadcast_id is not None and not row.body_text and not broadcasts.compose(row):
                    continue  # an organiser's message to someone who has cancelled since: nothing to send
                carrier.send(smtp.build(row), f"{row.created_at:%Y%m%d-%H%M%S}-{row.id}-{row.dedupe_key.split(':')[0]}")
            except Exception as exc:
                _failed(row, exc, report)
                if isinstance(exc, ssl.SSLCertVerificationError):
                    # A setting to fix, not a passing fault. OpenSSL's reason names no recipient.
                    log.error(
                        "Certificat du serveur SMTP refusé (%s) : vérifiez MAIL_SERVER et MAIL_TLS_CA_FILE",
                        exc.verify_message,
                    )
                if isinstance(exc, OSError) and not isinstance(exc, MESSAGE_ONLY):
                    report.postponed = len(due) - position - 1
                    break  # server down, connection lost or cut (SMTPException is an OSError): wait for the next run
                continue
            # Sent: keep the trace, drop the bodies (they carry the private management link).
            _record(row.id, {"sent_at": utcnow(), "last_error": "", "body_text": "", "body_html": "", "ics": None})
            report.sent += 1
    db.session.remove()
    return report


def kick_after_response(response):
    """Once the response is out, wake this worker's delivery thread (rows are already committed)."""
    courier = current_app.extensions.get("jnt_courier")
    if g.pop("jnt_outbox_queued", False) and courier is not None:
        response.call_on_close(courier.kick)
    return response


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Envoyer maintenant les e-mails en attente (cron) ; code de sortie 1 si un envoi a échoué ou a été abandonné."""
    report = flush(limit=10_000)
    click.echo(
        f"E-mails envoyés : {report.sent}, en échec (nouvel essai plus tard) : {report.failed}, "
        f"abandonnés : {report.given_up}."
    )
    if report.given_up:
        click.echo("Abandon : refus définitif du serveur (code 5xx, adresse non acceptée) ou dernier essai manqué.")
    if report.postponed:
        click.echo(f"Laissés pour le passage suivant : {report.postponed}.")
    if report.failed or report.given_up:
        raise SystemExit(1)
