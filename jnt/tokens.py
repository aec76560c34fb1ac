"""Management tokens: random, stored only as a hash, and kept out of the request log."""

import hashlib
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


class RedactTokens(logging.Filter):
    """Mask management tokens in request lines (the development server's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/inscription/gerer/" in message:
            record.msg, record.args = TOKEN_IN_PATH.sub(r"\1…", message), ()
        return True
