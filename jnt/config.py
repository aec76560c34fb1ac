"""Configuration: safe defaults, then instance/config.py, then JNT_* environment variables."""

import datetime as dt
import os
from pathlib import Path

from flask import Flask

from .event import DEFAULT_FILE


class ConfigError(RuntimeError):
    """A setting is missing or inconsistent; the message names it."""


DEFAULTS = {
    # Secrets: never defaulted. Tests pass one; `make run` writes one into instance/config.py.
    "SECRET_KEY": None,
    # Where the event's content lives (a new edition = a new file).
    "EVENT_FILE": str(DEFAULT_FILE),
    # "avant le 6 janvier 2023": open up to 5 January 23:59:59 Paris time.
    "RSVP_DEADLINE": "2023-01-06T00:00:00+01:00",
    # The announcement gives no number: a deliberate, documented default.
    "IN_PERSON_CAPACITY": 100,
    # Make the whole site behave as at this instant (ISO 8601), with a banner.
    "PREVIEW_NOW": None,
    # Registrations are deleted this many days after the event (`flask purge`).
    "RETENTION_DAYS": 90,
    # email-validator's DNS check: off by default (offline, and no leak of addresses).
    "EMAIL_CHECK_DELIVERABILITY": False,
    # Request bodies above this are refused with 413 (the form needs a few KB).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    # Shown on /mentions-legales; the announcement does not say who publishes or hosts the site.
    "LEGAL_PUBLISHER": None,
    "LEGAL_HOSTING": None,
    # CONTROL RUN ONLY: "unsafe-count" swaps the atomic seat rule for a racy count (tests).
    "SEAT_RULE": "atomic",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # benchmarks/run.py only: adds /_bench/trivial, the cheapest route of the app (the floor).
    "BENCHMARK": False,
    # SQLite busy timeout in seconds: writers queue instead of failing.
    "SQLITE_BUSY_TIMEOUT": 30,
}


def load(app: Flask, test_config: dict | None) -> None:
    """Apply defaults, the instance file, the environment, then the test overrides."""
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "jnt.sqlite3")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("JNT")
    else:
        app.config.from_mapping(test_config)
    app.config["RSVP_DEADLINE"] = parse_instant(app.config["RSVP_DEADLINE"], "RSVP_DEADLINE")
    if app.config["PREVIEW_NOW"]:
        app.config["PREVIEW_NOW"] = parse_instant(app.config["PREVIEW_NOW"], "PREVIEW_NOW")
    check(app)


def parse_instant(value, name: str) -> dt.datetime:
    """An aware datetime from an ISO 8601 string (or a datetime), else ConfigError."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{name} : date ISO 8601 invalide ({value!r})") from None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ConfigError(f"{name} : date-heure avec fuseau horaire attendue (ex. 2023-01-06T00:00:00+01:00)")
    return value.astimezone(dt.UTC)


def check(app: Flask) -> None:
    """Refuse settings that cannot work; the message names the setting."""
    cfg = app.config
    if not cfg.get("SECRET_KEY"):
        raise ConfigError(
            "SECRET_KEY manquant : définissez JNT_SECRET_KEY ou SECRET_KEY dans instance/config.py "
            '(python -c "import secrets; print(secrets.token_hex(32))")'
        )
    cap = cfg["IN_PERSON_CAPACITY"]
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 0:
        raise ConfigError(f"IN_PERSON_CAPACITY : entier positif ou nul attendu ({cap!r})")
    days = cfg["RETENTION_DAYS"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ConfigError(f"RETENTION_DAYS : entier positif ou nul attendu ({days!r})")
    if not Path(cfg["EVENT_FILE"]).is_file():
        raise ConfigError(f"EVENT_FILE : fichier introuvable ({cfg['EVENT_FILE']})")
