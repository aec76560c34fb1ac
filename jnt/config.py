"""Configuration: safe defaults, then instance/config.py, then JNT_* environment variables."""

import datetime as dt
import os
from pathlib import Path

import click
from flask import Flask

from .event import DEFAULT_FILE


class ConfigError(click.ClickException, RuntimeError):
    """A setting is missing or inconsistent; the message names it (the CLI prints it without a traceback)."""


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
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # benchmarks/run.py only: adds /_bench/trivial, the cheapest route of the app (the floor).
    "BENCHMARK": False,
    # SQLite busy timeout in seconds: writers queue instead of failing.
    "SQLITE_BUSY_TIMEOUT": 30,
    # Production (issue 6). Reverse proxies in front whose X-Forwarded-* headers are trusted (0 = none).
    "TRUSTED_PROXIES": 0,
    # True forces the Secure flag; otherwise the session cookie is Secure whenever the request is HTTPS.
    "SESSION_COOKIE_SECURE": False,
    # Registration POSTs allowed per client address and window (seconds), counted in the database.
    # Generous: a whole administration may share one outgoing address.
    "REGISTRATION_RATE_LIMIT": 30,
    "REGISTRATION_RATE_WINDOW": 600,
    # Where hashed and precompressed static files are written at start-up (None = instance/static).
    "STATIC_BUILD_DIR": None,
    # Organisers: idle time (seconds) after which the signed session cookie is refused (login again).
    "PERMANENT_SESSION_LIFETIME": 4 * 3600,
    # Failed organiser logins allowed per account and per client address within the window;
    # beyond, attempts are refused (even with the right password) until the window has passed.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "LOGIN_WINDOW_MINUTES": 15,
    # Registrations per page in the organisers' list.
    "ORGANISER_PAGE_SIZE": 50,
    # The site's public address, for links in e-mails and calendar files (no trailing slash needed).
    "PUBLIC_URL": "http://127.0.0.1:5000",
    # Video-conference link for remote attendees (reminders, calendar file); unset: "the link will follow".
    "VISIO_URL": None,
    # Outgoing e-mail, Flask-Mail's names. No MAIL_SERVER: messages are written as .eml files in instance/outbox/.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,  # STARTTLS after connecting
    "MAIL_USE_SSL": False,  # TLS from the start (port 465)
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": None,  # "Name <address>" or ["Name", "address"]; required with MAIL_SERVER
    "MAIL_TIMEOUT": 10,  # seconds per SMTP connection
    # Each worker delivers the outbox in a background thread, right after a response and every MAIL_POLL_SECONDS.
    "MAIL_BACKGROUND": True,
    "MAIL_POLL_SECONDS": 60,
    # Retries: first after MAIL_RETRY_SECONDS, doubled each time up to MAIL_RETRY_MAX_SECONDS; given up after
    # MAIL_MAX_ATTEMPTS attempts (about a day with these values).
    "MAIL_RETRY_SECONDS": 60,
    "MAIL_RETRY_MAX_SECONDS": 3600,
    "MAIL_MAX_ATTEMPTS": 30,
}

# Values copied from examples or docs: never a real secret.
PLACEHOLDER_SECRETS = {
    "...", "changeme", "change-me", "change_me", "secret", "secret-key", "secret_key", "dev", "development",
    "test", "test-secret", "your-secret-key", "replace-me", "xxx", "none", "null",
}  # fmt: skip
MIN_SECRET_LENGTH = 24


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
    secret = str(cfg["SECRET_KEY"])
    weak = secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH
    if weak and not (cfg.get("TESTING") or cfg.get("DEBUG")):
        raise ConfigError(
            f"SECRET_KEY : valeur d'exemple ou trop courte (moins de {MIN_SECRET_LENGTH} caractères) ; "
            'générez-en une avec python -c "import secrets; print(secrets.token_hex(32))"'
        )
    cap = cfg["IN_PERSON_CAPACITY"]
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 0:
        raise ConfigError(f"IN_PERSON_CAPACITY : entier positif ou nul attendu ({cap!r})")
    days = cfg["RETENTION_DAYS"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ConfigError(f"RETENTION_DAYS : entier positif ou nul attendu ({days!r})")
    for name, minimum in (("TRUSTED_PROXIES", 0), ("REGISTRATION_RATE_LIMIT", 1), ("REGISTRATION_RATE_WINDOW", 1)):
        value = cfg[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ConfigError(f"{name} : entier supérieur ou égal à {minimum} attendu ({value!r})")
    for name in ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "LOGIN_MAX_FAILURES_PER_ADDRESS", "LOGIN_WINDOW_MINUTES"):
        if not isinstance(cfg[name], int) or isinstance(cfg[name], bool) or cfg[name] < 1:
            raise ConfigError(f"{name} : entier strictement positif attendu ({cfg[name]!r})")
    if not Path(cfg["EVENT_FILE"]).is_file():
        raise ConfigError(f"EVENT_FILE : fichier introuvable ({cfg['EVENT_FILE']})")


def check_event(app: Flask, event) -> None:
    """Settings that must agree with the event's content."""
    if app.config["RSVP_DEADLINE"] > event.start:
        raise ConfigError("RSVP_DEADLINE : la date limite d'inscription est après le début de l'événement")
