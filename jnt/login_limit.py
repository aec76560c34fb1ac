"""Failed organiser logins, counted in the database so every gunicorn worker sees the same count.

An attempt first reserves a slot (count + insert in one write transaction, so concurrent
attempts cannot overshoot the limit), the password is checked outside the lock, and the
reservation is withdrawn when the password was right. Keys are HMAC-SHA-256 digests of the
lower-cased e-mail and of the client address: no personal data is stored in clear.
"""

import datetime as dt
import hashlib
import hmac

from flask import current_app
from sqlalchemy import delete, func, select

from . import seats
from .models import ThrottleEvent, db, utcnow

ACCOUNT, ADDRESS = "login-account", "login-ip"


def digest(value: str) -> str:
    """A keyed SHA-256 of a value (hex, 64 characters), so the table holds no e-mail or IP."""
    secret = current_app.config["SECRET_KEY"].encode() if isinstance(current_app.config["SECRET_KEY"], str) else b""
    return hmac.new(secret, value.strip().lower().encode(), hashlib.sha256).hexdigest()


def _window_start() -> dt.datetime:
    """The oldest instant whose failures still count."""
    return utcnow() - dt.timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def _count(scope: str, key: str, since: dt.datetime) -> int:
    """Events of this scope and key since that instant."""
    where = (ThrottleEvent.scope == scope, ThrottleEvent.key == key, ThrottleEvent.at >= since)
    return db.session.scalar(select(func.count()).where(*where))


def reserve(email: str, address: str) -> list[int] | None:
    """Count this attempt against both limits; None (nothing stored) when either is reached."""
    cfg = current_app.config
    keys = ((ACCOUNT, digest(email), cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
            (ADDRESS, digest(address), cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]))  # fmt: skip
    since = _window_start()
    seats.begin_write()
    # Old events are useless once outside the window: the table stays small.
    stale = (ThrottleEvent.scope.in_((ACCOUNT, ADDRESS)), ThrottleEvent.at < since)
    db.session.execute(delete(ThrottleEvent).where(*stale))
    if any(_count(scope, key, since) >= limit for scope, key, limit in keys):
        db.session.commit()
        return None
    events = [ThrottleEvent(scope=scope, key=key) for scope, key, _limit in keys]
    db.session.add_all(events)
    db.session.commit()
    return [e.id for e in events]


def withdraw(event_ids: list[int]) -> None:
    """The password was right: this attempt does not count as a failure."""
    seats.begin_write()
    db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.id.in_(event_ids)))
    db.session.commit()


def retry_minutes() -> int:
    """How long a refused visitor should wait, in whole minutes (the window, at most)."""
    return current_app.config["LOGIN_WINDOW_MINUTES"]
