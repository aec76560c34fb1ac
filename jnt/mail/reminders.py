"""`flask send-reminders`: the day-before e-mail, sent once per registration however often it runs."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select, update

from .. import clock
from ..database import write
from ..models import CANCELLED, Registration, db, utcnow
from . import messages, outbox


def queue_reminders() -> int:
    """Queue a reminder for everyone not reminded yet; each one claimed by a conditional UPDATE."""
    queued = 0
    # Nothing to an unproven walk-in's address, nor to cancelled people.
    due = (Registration.reminder_sent_at.is_(None), Registration.email_proven, Registration.status != CANCELLED)
    pending = list(db.session.scalars(select(Registration.id).where(*due)))
    for registration_id in pending:
        with write():
            claimed = db.session.execute(
                update(Registration).where(Registration.id == registration_id, *due).values(reminder_sent_at=utcnow())
            ).rowcount
            if claimed == 1:
                messages.reminder(db.session.get(Registration, registration_id))
                queued += 1
    return queued


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Préparer et envoyer les rappels (cron, la veille de la journée)."""
    if clock.now() >= current_app.extensions["jnt_event"].end:
        click.echo("La journée est terminée : aucun rappel envoyé.")
        return
    queued = queue_reminders()
    report = outbox.flush(limit=10_000)
    click.echo(
        f"Rappels préparés : {queued}. E-mails envoyés : {report.sent}, en échec : {report.failed}, "
        f"abandonnés : {report.given_up}."
    )
