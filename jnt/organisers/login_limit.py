"""Failed organiser logins, counted in the database so every gunicorn worker sees the same count.

Three limits (ASVS 2.2.1), none of which lets a stranger lock an owner out from afar:
- one account from one client address (a pair): a few free failures, then a wait stored in
  `locked_until` that doubles at each further failure; a success clears the pair;
- one account from every address: a much higher ceiling over the window (a spread-out attack);
- one address: a ceiling on the distinct accounts it failed on over the window (password spraying).
A refusal is an answer given at once, never a `sleep` in a worker. An attempt first reserves its
failure (checks and writes in one write transaction, so concurrent attempts cannot overshoot), the
password is checked outside the lock, and the reservation is withdrawn when it was right. Keys are
HMAC-SHA-256 digests of the normalised e-mail and of the client address: nothing in clear.
"""

import datetime as dt
import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, or_, select

from ..database import write
from ..models import LoginFailures, ThrottleEvent, db, utcnow

ACCOUNT = "login-account"
# A pair is forgotten a day after its last failure (unless still waiting): a slow guesser keeps its delay.
PAIR_MEMORY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Reservation:
    """A failure counted in advance, withdrawn if the password turns out right."""

    account_key: str
    address_key: str
    event_id: int


@dataclass(frozen=True)
class Refusal:
    """The attempt is refused without checking the password; the client may retry in `seconds`."""

    seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def digest(value: str) -> str:
    """A keyed SHA-256 of a value (hex, 64 characters), so the tables hold no e-mail or IP."""
    secret = current_app.config["SECRET_KEY"].encode() if isinstance(current_app.config["SECRET_KEY"], str) else b""
    return hmac.new(secret, value.strip().lower().encode(), hashlib.sha256).hexdigest()


def address_key(address: str) -> str:
    """The client's key: its IPv4 address, or its IPv6 /64 (one subscriber holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return digest(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return digest(str(ipaddress.ip_network(f"{ip}/64", strict=False)))
    return digest(str(ip))


def _delay(failures: int) -> dt.timedelta | None:
    """The wait a pair earns with this many failures (None while it has free ones left)."""
    cfg = current_app.config
    beyond = failures - cfg["LOGIN_PAIR_FREE_FAILURES"]
    if beyond < 0:
        return None
    seconds = cfg["LOGIN_PAIR_DELAY_SECONDS"] * 2 ** min(beyond, 32)
    return dt.timedelta(seconds=min(seconds, cfg["LOGIN_PAIR_MAX_DELAY_SECONDS"]))


def _refusal(until: dt.datetime, now: dt.datetime) -> Refusal:
    """A refusal until that instant, in whole seconds (at least one)."""
    return Refusal(max(1, math.ceil((until - now).total_seconds())))


def _check(account: str, address: str, pair: LoginFailures | None, now: dt.datetime) -> Refusal | None:
    """Which limit, if any, refuses this attempt (read inside the write transaction)."""
    cfg = current_app.config
    window = dt.timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"])
    if pair is not None and pair.locked_until is not None and pair.locked_until > now:
        return _refusal(pair.locked_until, now)
    mine = (ThrottleEvent.scope == ACCOUNT, ThrottleEvent.key == account, ThrottleEvent.at > now - window)
    if db.session.scalar(select(func.count()).where(*mine)) >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        return _refusal(db.session.scalar(select(func.min(ThrottleEvent.at)).where(*mine)) + window, now)
    # The address's ceiling stops new accounts only: those it already failed on keep their pair limits.
    known = pair is not None and pair.last_failure_at > now - window
    others = (LoginFailures.address_key == address, LoginFailures.last_failure_at > now - window)
    if not known and db.session.scalar(select(func.count()).where(*others)) >= cfg["LOGIN_MAX_ACCOUNTS_PER_ADDRESS"]:
        return _refusal(db.session.scalar(select(func.min(LoginFailures.last_failure_at)).where(*others)) + window, now)
    return None


def reserve(email: str, address: str) -> Reservation | Refusal:
    """Count this attempt as a failure of the account from this address, unless a limit refuses it."""
    now = utcnow()
    account, client = digest(email), address_key(address)
    window = dt.timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    with write():
        # What no limit looks at any more goes: the tables stay small.
        db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.scope == ACCOUNT, ThrottleEvent.at < now - window))
        done = or_(LoginFailures.locked_until.is_(None), LoginFailures.locked_until <= now)
        forgotten = (LoginFailures.last_failure_at < now - max(PAIR_MEMORY, window), done)
        db.session.execute(delete(LoginFailures).where(*forgotten))
        pair = db.session.get(LoginFailures, (account, client))
        refusal = _check(account, client, pair, now)
        if refusal is not None:
            return refusal
        if pair is None:
            pair = LoginFailures(account_key=account, address_key=client, failures=0)
            db.session.add(pair)
        pair.failures += 1
        pair.last_failure_at = now
        delay = _delay(pair.failures)
        pair.locked_until = now + delay if delay else None
        event = ThrottleEvent(scope=ACCOUNT, key=account, at=now)
        db.session.add(event)
        db.session.flush()
        return Reservation(account, client, event.id)


def withdraw(reservation: Reservation) -> None:
    """The password was right: this attempt was no failure, and the pair starts afresh."""
    pair = (LoginFailures.account_key == reservation.account_key, LoginFailures.address_key == reservation.address_key)
    with write():
        db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.id == reservation.event_id))
        db.session.execute(delete(LoginFailures).where(*pair))
