"""Organiser sessions kept in the database: the browser holds only a random key, the table its hash.

Logging out deletes the session's row, so every copy of the cookie dies with it; deactivating an
account or changing its password deletes all of the account's rows. A session also ends after
PERMANENT_SESSION_LIFETIME without a request (idle) and ORGANISER_SESSION_MAX_AGE after its login
however active it is (absolute), both checked here: the cookie Flask re-issues on every response
proves nothing by itself.
"""

import datetime as dt
import hashlib
import secrets

from flask import current_app, session
from sqlalchemy import delete, or_, select, update

from ..database import write
from ..models import Organiser, OrganiserSession, db, utcnow

COOKIE_KEY = "organiser_session"
# last_seen_at is written at most once a minute, not at every request (the check-in page searches as
# one types): a session may end up to a minute before its idle time, never after.
TOUCH_EVERY = dt.timedelta(minutes=1)


def _hash(key: str) -> str:
    """What the table stores of a session key (the key itself is never stored)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _alive(now: dt.datetime):
    """The conditions of a live session at this instant: recent request, recent login."""
    idle = current_app.permanent_session_lifetime
    age = dt.timedelta(seconds=current_app.config["ORGANISER_SESSION_MAX_AGE"])
    return OrganiserSession.last_seen_at > now - idle, OrganiserSession.created_at > now - age


def start(organiser: Organiser, id_token: str | None = None) -> None:
    """Open a session for this account in the current write transaction, and put its key in the cookie.

    `id_token`: the ProConnect ID token that opened it, kept on the server to end the ProConnect session
    at logout (its `id_token_hint`).
    """
    now = utcnow()
    # Sessions of any account that can no longer be used go: the table holds only live ones.
    recent, young = _alive(now)
    db.session.execute(delete(OrganiserSession).where(or_(~recent, ~young)))
    key = secrets.token_urlsafe(32)
    db.session.add(
        OrganiserSession(
            key_hash=_hash(key), organiser_id=organiser.id, created_at=now, last_seen_at=now, id_token=id_token
        )
    )
    session.clear()  # a fresh cookie: nothing from before the login carries over
    session.permanent = True
    session[COOKIE_KEY] = key


def current() -> Organiser | None:
    """The active account whose live session the cookie names, else None; notes the request's time."""
    key = session.get(COOKIE_KEY)
    if not isinstance(key, str):
        return None
    now = utcnow()
    mine = OrganiserSession.key_hash == _hash(key)
    found = db.session.execute(
        select(OrganiserSession.last_seen_at, Organiser)
        .join(Organiser, Organiser.id == OrganiserSession.organiser_id)
        .where(mine, *_alive(now), Organiser.deactivated_at.is_(None))
    ).first()
    if found is None:
        return None
    last_seen, organiser = found
    if now - last_seen >= TOUCH_EVERY:
        with write():
            touched = db.session.execute(update(OrganiserSession).where(mine).values(last_seen_at=now)).rowcount
        if touched == 0:  # logged out in the meantime
            return None
    return organiser


def end_current() -> str | None:
    """Delete the cookie's session (in the current write transaction) and empty the cookie; its ID token, if any."""
    key = session.get(COOKIE_KEY)
    id_token = None
    if isinstance(key, str):
        mine = OrganiserSession.key_hash == _hash(key)
        id_token = db.session.scalar(select(OrganiserSession.id_token).where(mine))
        db.session.execute(delete(OrganiserSession).where(mine))
    session.clear()
    return id_token


def end_all(organiser_id: int) -> int:
    """Delete every session of the account (in the current write transaction); how many there were."""
    return db.session.execute(delete(OrganiserSession).where(OrganiserSession.organiser_id == organiser_id)).rowcount
