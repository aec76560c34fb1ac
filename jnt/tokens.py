"""Tokens: random, stored only as a hash; management tokens are kept out of the request log.

Management links: each e-mail mints its own token (only hashes are stored, so an e-mail cannot
repeat an older link). Older links stay valid as long as the registration lives: the person may
use the link of any e-mail received. All of them die when the registration is cancelled (by the
person or an organiser) or purged.
"""

import hashlib
import hmac
import json
import logging
import re
import secrets

from sqlalchemy import delete, select

from .models import CANCELLED, ManageToken, Registration, db

TOKEN_IN_PATH = re.compile(r"(/inscription/(?:gerer|confirmer|ceder)/)[^/\s?\"]+")


def hash_token(token: str) -> str:
    """What is stored for a token: its SHA-256, in hexadecimal."""
    return hashlib.sha256(token.encode()).hexdigest()


def random_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_token(registration: Registration) -> str:
    """One more valid management token for this registration (only its hash is stored); returns it."""
    if registration.id is None:
        db.session.flush()
    token = random_token()
    db.session.add(ManageToken(token_hash=hash_token(token), registration_id=registration.id))
    return token


def registration_of(token: str) -> Registration | None:
    """The live registration a management token opens (None: unknown, or the registration has ended)."""
    return db.session.scalar(
        select(Registration)
        .join(ManageToken, ManageToken.registration_id == Registration.id)
        .where(ManageToken.token_hash == hash_token(token), Registration.status != CANCELLED)
    )


def revoke_all(registration: Registration) -> None:
    """Every management link of this registration stops working (it has ended)."""
    db.session.execute(delete(ManageToken).where(ManageToken.registration_id == registration.id))


def browser_key(secret: str | None, form_id: str | None, content: dict) -> str:
    """The key a browser keeps for the registration it sends (stored only as a hash).

    Derived from the browser's own secret (in its session), the form's random id and what was
    sent, so that a form sent twice (a double click, even one that left before the first answer
    set the cookie) gets the same key, and nothing else does: not another browser replaying the
    form id, not the same form sent again with other content. Random without a secret or form id.
    """
    if not secret or not form_id:
        return secrets.token_urlsafe(32)
    message = json.dumps([form_id, content], sort_keys=True, ensure_ascii=False, default=str)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class RedactTokens(logging.Filter):
    """Mask management tokens in request lines (the development server's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(f"/inscription/{kind}/" in message for kind in ("gerer", "confirmer", "ceder")):
            record.msg, record.args = TOKEN_IN_PATH.sub(r"\1…", message), ()
        return True
