"""Data retention: registrations go once the retention period after the event is over; unproven ones on expiry."""

import datetime as dt
import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, update

from . import clock
from .database import write
from .models import (
    IN_PERSON_COUNTER,
    Broadcast,
    Handover,
    ManageToken,
    OutboxMessage,
    PendingRegistration,
    Registration,
    SeatCounter,
    db,
)

log = logging.getLogger(__name__)


def purge_due() -> dt.datetime:
    """The instant from which registrations may be deleted."""
    event = current_app.extensions["jnt_event"]
    return event.end + dt.timedelta(days=current_app.config["RETENTION_DAYS"])


def purge_expired() -> int:
    """Delete the unproven registrations whose link has expired (they never held anything); returns how many."""
    with write():
        now = clock.now().astimezone(dt.UTC).replace(tzinfo=None)  # the site's clock, as the links' expiry
        db.session.execute(delete(Handover).where(Handover.expires_at <= now))  # offers nobody accepted
        expired = PendingRegistration.expires_at <= now
        return db.session.execute(delete(PendingRegistration).where(expired)).rowcount


def purge() -> int | None:
    """Delete every registration (cancelled ones too) if the retention period is over; returns how many, or None."""
    if clock.now() < purge_due():
        return None
    with write():
        db.session.execute(delete(ManageToken))
        db.session.execute(delete(Handover))
        db.session.execute(delete(PendingRegistration))
        deleted = db.session.execute(delete(Registration)).rowcount
        # Queued and sent e-mails hold names and addresses too, and organisers' messages what they typed.
        db.session.execute(delete(OutboxMessage))
        db.session.execute(delete(Broadcast))
        db.session.execute(update(SeatCounter).where(SeatCounter.name == IN_PERSON_COUNTER).values(taken=0))
    return deleted


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Supprimer les inscriptions non vérifiées expirées ; toutes les inscriptions après la durée de conservation."""
    expired = purge_expired()
    if expired:
        log.warning("purge: %d inscription(s) non vérifiée(s) expirée(s) supprimée(s)", expired)
        click.echo(f"{expired} inscription(s) non vérifiée(s) expirée(s) supprimée(s).")
    deleted = purge()
    if deleted is None:
        click.echo(f"Rien à supprimer avant le {purge_due():%Y-%m-%d %H:%M} UTC (durée de conservation).")
        return
    # How many, never who.
    log.warning("purge: %d inscription(s) supprimée(s)", deleted)
    click.echo(f"{deleted} inscription(s) supprimée(s).")


def init_app(app: Flask) -> None:
    """Register the purge command."""
    app.cli.add_command(purge_command)
