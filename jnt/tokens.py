"""Tokens: random, stored only as a hash; management tokens are kept out of the request log."""

import hashlib
import hmac
import json
import logging
import re
import secrets

from .models import Registration

TOKEN_IN_PATH = re.compile(r"(/inscription/gerer/)[^/\s?\"]+")


def hash_token(token: str) -> str:
    """What is stored for a token: its SHA-256, in hexadecimal."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(registration: Registration) -> str:
    """A fresh token for this registration; returns it (it is stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    registration.manage_token_hash = hash_token(token)
    return token


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
        if "/inscription/gerer/" in message:
            record.msg, record.args = TOKEN_IN_PATH.sub(r"\1…", message), ()
        return True
