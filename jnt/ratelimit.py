"""Registration POSTs: a honeypot for bots, and a per-address limit counted in the database."""

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress

from flask import current_app, make_response, request
from sqlalchemy import delete, func, select

from . import errors
from .database import write
from .forms import HONEYPOT_FIELD
from .models import ThrottleEvent, db, utcnow

SCOPE = "register"
HONEYPOT_MESSAGE = (
    "Demande refusée",
    "Votre demande n’a pas pu être traitée. Si vous êtes une personne, rechargez la page et réessayez.",
)


def client_network(address: str | None) -> str:
    """What one client is: an IPv4 address, or an IPv6 address's /64 (one network hands out a whole /64)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "inconnue"
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def client_key() -> str:
    """The client's network (client_network), keyed with the secret: comparable, but no IP address stored."""
    network = client_network(request.remote_addr).encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), network, hashlib.sha256).hexdigest()


def hit(scope: str, key: str, limit: int, window: int) -> bool:
    """Count one event; False when the key already had `limit` events in the window.

    Counted and written in one write transaction (writers take turns): all workers share the count,
    and concurrent requests cannot both see room for one more.
    """
    now = utcnow()
    since = now - dt.timedelta(seconds=window)
    mine = (ThrottleEvent.scope == scope, ThrottleEvent.key == key)
    with write():
        # Expired events of the scope go (all addresses): the table stays as small as the window.
        db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.scope == scope, ThrottleEvent.at < since))
        if db.session.scalar(select(func.count()).where(*mine, ThrottleEvent.at >= since)) >= limit:
            return False
        db.session.add(ThrottleEvent(scope=scope, key=key, at=now))
    return True


def guarded(view):
    """On the view that stores a registration: refuse a filled honeypot (400), then a flooding address (429).

    The honeypot is checked first, so a bot's request costs no write; the count is written before
    the view's own write transaction, and counts every POST, valid or not.
    """

    @functools.wraps(view)
    def guarded_view(*args, **kwargs):
        if request.form.get(HONEYPOT_FIELD):
            return errors.render_error(400, *HONEYPOT_MESSAGE)
        cfg = current_app.config
        if not hit(SCOPE, client_key(), cfg["REGISTRATION_RATE_LIMIT"], cfg["REGISTRATION_RATE_WINDOW"]):
            response = make_response(errors.render_error(429, *errors.MESSAGES[429]))
            response.headers["Retry-After"] = str(cfg["REGISTRATION_RATE_WINDOW"])
            return response
        return view(*args, **kwargs)

    return guarded_view
