"""Configuration: safe defaults, then instance/config.py, then JNT_* environment variables."""

import dataclasses
import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask

from .event import DEFAULT_FILE, ContentError, in_zone
from .event import load as load_content
from .event_types import Event
from .visio import origin


class ConfigError(click.ClickException, RuntimeError):
    """A setting is missing or inconsistent; the message names it (the CLI prints it without a traceback)."""


# The one list of the site's settings, each with its meaning, unit and default. Each may be overridden,
# in this order, by instance/config.py (Python), then by a JNT_-prefixed environment variable
# (JNT_IN_PERSON_CAPACITY=150, read as JSON when it parses: numbers, true/false, lists).
# Outside this list: JNT_INSTANCE_PATH (environment only, read by create_app: the instance folder, with
# config.py, the SQLite file and the outbox; default instance/ beside the code), and gunicorn's
# JNT_BIND, PORT and JNT_WORKERS (gunicorn.conf.py).
DEFAULTS = {
    # Signs the session cookie and the CSRF tokens, and keys the HMACs of addresses in the rate-limit tables.
    # Never defaulted: tests pass one; `make run` writes a random one into instance/config.py. The site
    # refuses to start without one, or with an example value, one shorter than MIN_SECRET_LENGTH (24)
    # characters, digits only (read as a number from JNT_SECRET_KEY) or one character repeated.
    "SECRET_KEY": None,
    # The edition's content file (TOML, UTF-8): texts, dates, venue, programme, time zone. A syntax,
    # encoding or field error stops start-up with a message naming the file and the field.
    "EVENT_FILE": str(DEFAULT_FILE),
    # The edition's deadlines live in its content file ([deadlines]); each of these settings, when set (ISO
    # 8601 with its UTC offset), replaces one: the first instant at which that thing is refused (exclusive).
    # RSVP_DEADLINE: registering in person and switching to in person (the file's in_person: "avant le
    # 6 janvier 2023", open up to 5 January 23:59:59 Paris time); not after the start.
    # REMOTE_DEADLINE: registering remotely (file's default: the start of the day); not after the end.
    # CHANGES_DEADLINE: switching to remote and cancelling online (default: the start); not after the end.
    # PROMOTION_DEADLINE: until then a freed seat goes by itself to the first person waiting; after it, it
    # stays free for the organisers to give (default: the evening before, 18:00 in the event's zone).
    "RSVP_DEADLINE": None,
    "REMOTE_DEADLINE": None,
    "CHANGES_DEADLINE": None,
    "PROMOTION_DEADLINE": None,
    # TIMEZONE, the event's time zone (IANA name, e.g. "Europe/Paris"), and TIMEZONE_LABEL, how a time in
    # it is qualified in French ("heure de Paris"): the content file's event.timezone and
    # event.timezone_label unless set here (both together: a label must name the zone it follows).
    "TIMEZONE": None,
    "TIMEZONE_LABEL": None,
    # In-person seats. The announcement gives no number: a deliberate, documented default, to be set by
    # the organisers; 0 to MAX_CAPACITY (2,147,483,647, what the 32-bit seat counter can count).
    "IN_PERSON_CAPACITY": 100,
    # Preview clock: the whole site behaves as at this instant (ISO 8601 with offset), with a banner on
    # every page. None: the real time. Organiser sessions and login limits always use the real time.
    "PREVIEW_NOW": None,
    # Days after the event after which `flask --app jnt purge` deletes registrations and queued e-mails.
    "RETENTION_DAYS": 90,
    # email-validator's DNS check of the address's domain: off by default (works offline, and the
    # addresses typed are not sent to DNS resolvers).
    "EMAIL_CHECK_DELIVERABILITY": False,
    # Bytes: request bodies above MAX_CONTENT_LENGTH are refused with 413 (the form needs a few KB), and so
    # are form fields whose text read into memory exceeds MAX_FORM_MEMORY_SIZE (Flask's setting).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    # CSRF tokens do not expire with time (None): they live as long as the session, so a form left open
    # for hours still sends; forging still needs the session cookie.
    "WTF_CSRF_TIME_LIMIT": None,
    # LEGAL_PUBLISHER and LEGAL_HOSTING: publisher and host, shown on /mentions-legales (the host also on
    # /donnees-personnelles); the announcement does not say who publishes or hosts the site. Unset (None),
    # the pages say so, and check-config warns in production while they are unset.
    "LEGAL_PUBLISHER": None,
    "LEGAL_HOSTING": None,
    # A person to write to: every page's footer, the accessibility statement, the privacy notice, the
    # signature and Reply-To of every e-mail. The example value is refused in production (PUBLIC_URL not
    # on loopback).
    "CONTACT_EMAIL": "contact-jnt@example.org",
    # Privacy notice (RGPD articles 13-14): the data controller (name and address), the data protection
    # officer's contact (DPO_CONTACT), and the e-mail provider (MAIL_PROVIDER: a processor, beside the host
    # above). Unset, the notice says they are not yet filled in, and check-config warns in production
    # (MAIL_PROVIDER only when MAIL_SERVER is set).
    "DATA_CONTROLLER": None,
    "DPO_CONTACT": None,
    "MAIL_PROVIDER": None,
    # The accessibility statement's date (YYYY-MM-DD): when it was last established.
    "ACCESSIBILITY_STATEMENT_DATE": "2026-11-30",
    # The session cookie is out of reach of scripts (HTTPONLY), and not sent on cross-site POSTs
    # (SESSION_COOKIE_SAMESITE). Its Secure flag: see SESSION_COOKIE_SECURE below.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # The database. SQLALCHEMY_DATABASE_URI is not defaulted here: load() sets it to the SQLite file
    # instance/jnt.sqlite3 before reading instance/config.py and the environment; for PostgreSQL,
    # postgresql+psycopg://user:password@host/base. Engine options: Flask-SQLAlchemy's (none needed).
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # SQLite busy timeout in seconds: writers queue on the lock instead of failing.
    "SQLITE_BUSY_TIMEOUT": 30,
    # Reverse proxies in front whose headers are believed (Werkzeug's ProxyFix; 0 = none). With 1, behind
    # the nginx block of docs/exploitation.md, X-Forwarded-For and X-Forwarded-Proto are believed: only
    # these two, which that block overwrites on every request. X-Forwarded-Host/Prefix/Port never are
    # (links and redirects come from PUBLIC_URL).
    "TRUSTED_PROXIES": 0,
    # Host names served (a list, or "a.example,b.example" in the environment); others get 400. None: any
    # Host is served (links never use it), so a load balancer may probe /healthz by address (list that
    # address too when setting this).
    "TRUSTED_HOSTS": None,
    # True forces the Secure flag; otherwise the session cookie is Secure whenever the request is HTTPS.
    "SESSION_COOKIE_SECURE": False,
    # The address is proven before anything is held: the form's answer is the same for every address
    # ("un e-mail vient de partir"), a new address receives a link to confirm (its form waits apart, in
    # pending_registrations, holding no seat), a registered one its management link. False: addresses are
    # taken as proven, the registration is stored at once (the behaviour before this setting).
    "REQUIRE_EMAIL_CONFIRMATION": True,
    # Hours a confirmation link stays valid; never past the registration deadline of the form's mode.
    # `purge` deletes expired unproven registrations.
    "CONFIRMATION_HOURS": 48,
    # Registration POSTs allowed per client address (REGISTRATION_RATE_LIMIT) and window in seconds
    # (REGISTRATION_RATE_WINDOW), counted in the database, so for every worker and server; beyond, a French
    # 429 page answers. IPv6 addresses count per /64 (one household or office network). Very generous:
    # with the address proven before any seat is held, a form sent holds nothing, and hundreds of agents
    # of one administration may share one outgoing address. E-mails to one mailbox are limited apart
    # (one reply to the form every 5 minutes, jnt/mail/messages.py).
    "REGISTRATION_RATE_LIMIT": 600,
    "REGISTRATION_RATE_WINDOW": 600,
    # Folder where the content-hashed, precompressed (gzip, brotli) static files are written at start-up
    # (None = instance/static).
    "STATIC_BUILD_DIR": None,
    # Organisers' sessions, kept in the database (organiser_sessions): one ends after this many
    # seconds without a request (idle), and ORGANISER_SESSION_MAX_AGE seconds after its login
    # however active it is (absolute). Both are checked on the server at every request.
    # 20 hours each: a whole day at the door without a time limit cutting a volunteer off (RGAA 13.1.4
    # asks for a way to extend, or at least 20 hours); logout, password change or removal still end it.
    "PERMANENT_SESSION_LIFETIME": 20 * 3600,
    "ORGANISER_SESSION_MAX_AGE": 20 * 3600,
    # Failed organiser logins. One account from one client address: LOGIN_PAIR_FREE_FAILURES
    # failures, then each further attempt waits (even with the right password), LOGIN_PAIR_DELAY_SECONDS
    # at first, doubled at each failure, up to LOGIN_PAIR_MAX_DELAY_SECONDS; a success starts afresh.
    # The owner elsewhere is not held up. Ceilings over LOGIN_WINDOW_MINUTES, beyond which attempts are
    # refused: failures of one account from all addresses (LOGIN_MAX_FAILURES_PER_ACCOUNT: a spread-out
    # attack), and the distinct accounts one address failed on (LOGIN_MAX_ACCOUNTS_PER_ADDRESS: password
    # spraying; a shared Wi-Fi's typos stay well below it).
    "LOGIN_PAIR_FREE_FAILURES": 5,
    "LOGIN_PAIR_DELAY_SECONDS": 60,
    "LOGIN_PAIR_MAX_DELAY_SECONDS": 3600,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 100,
    "LOGIN_MAX_ACCOUNTS_PER_ADDRESS": 10,
    "LOGIN_WINDOW_MINUTES": 60,
    # Organisers' sign-in with ProConnect (OpenID Connect), offered on the login page when all three are set:
    # OIDC_ISSUER, the provider's issuer URL, whose /.well-known/openid-configuration is read (ProConnect:
    # https://<its domain>/api/v2), and the client id (OIDC_CLIENT_ID) and secret (OIDC_CLIENT_SECRET)
    # ProConnect gave this site. The secret belongs in instance/config.py or the environment
    # (JNT_OIDC_CLIENT_SECRET), never in git; it is never logged and check-config masks it. Give ProConnect
    # these two addresses: the return after sign-in, PUBLIC_URL + /organisateurs/connexion/proconnect/retour,
    # and after logout, PUBLIC_URL + /organisateurs/deconnexion/proconnect. None: password accounts only.
    "OIDC_ISSUER": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    # Registrations per page in the organisers' list (the dashboard).
    "ORGANISER_PAGE_SIZE": 50,
    # The site's public address, to set in production: every absolute link (canonical, og:url, JSON-LD,
    # e-mails, calendar files) and every redirect is built on it, never on the Host header; its path, if
    # any, prefixes every link. Not on loopback = "in production" for the checks of this module.
    "PUBLIC_URL": "http://127.0.0.1:5000",
    # After the day, the event page says it took place and links to the replay (REPLAY_URL) and the slides
    # (SLIDES_URL) when these are set (http(s) URLs). None: no link. The organisers' thank-you message to
    # the people who came (/organisateurs/messages/remerciement) adds these two and the satisfaction
    # survey (SURVEY_URL), each only when set, and always the person's own attestation link.
    "REPLAY_URL": None,
    "SLIDES_URL": None,
    "SURVEY_URL": None,
    # Video-conference link for remote attendees (their e-mails and calendar file); unset: "the link will
    # follow", and no "Rejoindre la visioconférence" button. Set, the remote attendee's management page shows
    # that button from 30 minutes before the start until the end: it records the first join (the remote
    # attestation) and leads there; the management pages' CSP then allows this host in form-action.
    "VISIO_URL": None,
    # Outgoing e-mail, Flask-Mail's names. No MAIL_SERVER: messages are written as .eml files in
    # instance/outbox/ (the site works without a mail server). MAIL_PORT: the relay's SMTP port.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    # One or the other (both is refused at start-up); neither: plain SMTP, for a relay on this machine.
    "MAIL_USE_TLS": False,  # STARTTLS after connecting (usually port 587)
    "MAIL_USE_SSL": False,  # TLS from the start (port 465)
    # Either way the relay's certificate and host name are always checked, against the system's trust
    # store or, if set, only the CA certificates (PEM) of this file (a relay with a private CA).
    # There is no way to turn the check off: without it the password and the private links are readable.
    # The file is checked at start-up.
    "MAIL_TLS_CA_FILE": None,
    # SMTP login, if the relay asks for one (None: no login). The password (MAIL_PASSWORD) belongs in
    # instance/config.py or the environment (JNT_MAIL_PASSWORD), never in git; check-config masks it.
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": None,  # "Name <address>" or ["Name", "address"]; required with MAIL_SERVER
    "MAIL_TIMEOUT": 10,  # seconds per SMTP socket operation (connecting, each read or write)
    # Seconds for a whole exchange, which MAIL_TIMEOUT does not bound (a server may answer a byte at a time):
    # one message, connection included (MAIL_MESSAGE_DEADLINE), then one delivery run (MAIL_RUN_DEADLINE:
    # send-mail or a background round; what is left waits for the next run). Below the 5-minute cron
    # interval of docs/exploitation.md.
    "MAIL_MESSAGE_DEADLINE": 60,
    "MAIL_RUN_DEADLINE": 240,
    # Each worker delivers the outbox in a background thread, woken right after a response that queued
    # e-mail and every MAIL_POLL_SECONDS seconds (0: only when woken). False: only `flask send-mail` delivers.
    "MAIL_BACKGROUND": True,
    "MAIL_POLL_SECONDS": 60,
    # Retries: first after MAIL_RETRY_SECONDS, doubled each time up to MAIL_RETRY_MAX_SECONDS; given up after
    # MAIL_MAX_ATTEMPTS attempts (about a day with these values).
    "MAIL_RETRY_SECONDS": 60,
    "MAIL_RETRY_MAX_SECONDS": 3600,
    "MAIL_MAX_ATTEMPTS": 30,
    # The app's log level (stderr, hence journald with gunicorn's): DEBUG, INFO, WARNING or ERROR. INFO
    # shows logins, exports and organiser actions; WARNING only problems.
    "LOG_LEVEL": "INFO",
    # /healthz writes a heartbeat row: it waits at most this many seconds for the database's lock,
    # and answers 503 when the SQLite file's file system has less than HEALTHZ_MIN_FREE_MB megabytes free
    # (not checked on PostgreSQL: its disk is the database server's business).
    "HEALTHZ_BUSY_TIMEOUT": 2,
    "HEALTHZ_MIN_FREE_MB": 50,
}

EXAMPLE_CONTACT_EMAIL = DEFAULTS["CONTACT_EMAIL"]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

# Values copied from examples or docs: never a real secret.
PLACEHOLDER_SECRETS = {
    "...", "changeme", "change-me", "change_me", "secret", "secret-key", "secret_key", "dev", "development",
    "test", "test-secret", "your-secret-key", "replace-me", "xxx", "none", "null",
}  # fmt: skip
MIN_SECRET_LENGTH = 24
# Enough to catch a typo in a setting; the address is not validated further.
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
LOGIN_SETTINGS = (
    "ORGANISER_SESSION_MAX_AGE", "LOGIN_PAIR_FREE_FAILURES", "LOGIN_PAIR_DELAY_SECONDS", "LOGIN_PAIR_MAX_DELAY_SECONDS",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT", "LOGIN_MAX_ACCOUNTS_PER_ADDRESS", "LOGIN_WINDOW_MINUTES",
)  # fmt: skip
MIN_SECRET_SYMBOLS = 5  # distinct characters: "aaaa…" or "abab…" is long but guessable
# The seat counter is an INTEGER column: 32 bits on PostgreSQL, the narrower of the two databases.
MAX_CAPACITY = 2**31 - 1
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Each deadline setting and the field of the content file's [deadlines] it replaces.
DEADLINE_SETTINGS = {
    "RSVP_DEADLINE": "in_person",
    "REMOTE_DEADLINE": "remote",
    "CHANGES_DEADLINE": "changes",
    "PROMOTION_DEADLINE": "promotion",
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
    for name in DEADLINE_SETTINGS:
        if app.config[name] is not None:
            app.config[name] = parse_instant(app.config[name], name)
    if app.config["PREVIEW_NOW"]:
        app.config["PREVIEW_NOW"] = parse_instant(app.config["PREVIEW_NOW"], "PREVIEW_NOW")
    if isinstance(app.config["TRUSTED_HOSTS"], str):
        hosts = [h.strip() for h in app.config["TRUSTED_HOSTS"].split(",") if h.strip()]
        app.config["TRUSTED_HOSTS"] = hosts or None
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
    check_secret(cfg["SECRET_KEY"], lenient=bool(cfg.get("TESTING") or cfg.get("DEBUG")))
    cap = cfg["IN_PERSON_CAPACITY"]
    if not isinstance(cap, int) or isinstance(cap, bool) or not 0 <= cap <= MAX_CAPACITY:
        raise ConfigError(
            f"IN_PERSON_CAPACITY : entier entre 0 et {MAX_CAPACITY} attendu, "
            f"le plus grand nombre de places que la base sait compter ({cap!r})"
        )
    days = cfg["RETENTION_DAYS"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ConfigError(f"RETENTION_DAYS : entier positif ou nul attendu ({days!r})")
    if not isinstance(cfg["REQUIRE_EMAIL_CONFIRMATION"], bool):
        raise ConfigError(f"REQUIRE_EMAIL_CONFIRMATION : true ou false attendu ({cfg['REQUIRE_EMAIL_CONFIRMATION']!r})")
    integers = (("TRUSTED_PROXIES", 0), ("REGISTRATION_RATE_LIMIT", 1), ("REGISTRATION_RATE_WINDOW", 1))
    for name, minimum in (*integers, ("CONFIRMATION_HOURS", 1)):
        value = cfg[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ConfigError(f"{name} : entier supérieur ou égal à {minimum} attendu ({value!r})")
    for name in LOGIN_SETTINGS:
        if not isinstance(cfg[name], int) or isinstance(cfg[name], bool) or cfg[name] < 1:
            raise ConfigError(f"{name} : entier strictement positif attendu ({cfg[name]!r})")
    check_contact(cfg)
    for name in ("REPLAY_URL", "SLIDES_URL", "SURVEY_URL"):
        value = cfg[name]
        if value is not None and (not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https")):
            raise ConfigError(f"{name} : adresse http(s) complète attendue ({value!r})")
    visio = cfg["VISIO_URL"]
    if visio is not None and (not isinstance(visio, str) or origin(visio) is None):
        raise ConfigError(f"VISIO_URL : adresse http(s) complète attendue ({visio!r})")
    check_oidc(cfg)
    hosts = cfg["TRUSTED_HOSTS"]
    if hosts is not None and (
        not isinstance(hosts, list | tuple) or not hosts or not all(isinstance(h, str) and h for h in hosts)
    ):
        raise ConfigError(f"TRUSTED_HOSTS : liste de noms d'hôte attendue, ex. jnt.example.gouv.fr ({hosts!r})")
    if cfg["LOG_LEVEL"] not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL : une valeur parmi {', '.join(LOG_LEVELS)} attendue ({cfg['LOG_LEVEL']!r})")
    for name in ("HEALTHZ_BUSY_TIMEOUT", "HEALTHZ_MIN_FREE_MB"):
        if not isinstance(cfg[name], int | float) or isinstance(cfg[name], bool) or cfg[name] < 0:
            raise ConfigError(f"{name} : nombre positif ou nul attendu ({cfg[name]!r})")
    if not Path(cfg["EVENT_FILE"]).is_file():
        raise ConfigError(f"EVENT_FILE : fichier introuvable ({cfg['EVENT_FILE']})")


OIDC_SETTINGS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")


def check_oidc(cfg) -> None:
    """ProConnect: the three settings together or none; the issuer an http(s) URL. Never quotes the secret."""
    given = [name for name in OIDC_SETTINGS if cfg.get(name)]
    if given and len(given) < len(OIDC_SETTINGS):
        missing = ", ".join(name for name in OIDC_SETTINGS if name not in given)
        raise ConfigError(
            f"ProConnect : {missing} manquant (OIDC_ISSUER, OIDC_CLIENT_ID et OIDC_CLIENT_SECRET vont ensemble)"
        )
    issuer = cfg.get("OIDC_ISSUER")
    if issuer and (not isinstance(issuer, str) or urlsplit(issuer).scheme not in ("http", "https")):
        raise ConfigError(f"OIDC_ISSUER : adresse http(s) complète attendue ({issuer!r})")


def in_production(cfg) -> bool:
    """The site is public: PUBLIC_URL is not on loopback (the rule the e-mail links use too)."""
    return urlsplit(str(cfg["PUBLIC_URL"])).hostname not in LOOPBACK_HOSTS


def check_contact(cfg) -> None:
    """CONTACT_EMAIL is an address, and a real one once the site is public."""
    contact = cfg["CONTACT_EMAIL"]
    if not isinstance(contact, str) or not EMAIL_SHAPE.fullmatch(contact):
        raise ConfigError(f"CONTACT_EMAIL : adresse e-mail attendue ({contact!r})")
    if contact == EXAMPLE_CONTACT_EMAIL and in_production(cfg):
        raise ConfigError(
            "CONTACT_EMAIL : valeur d'exemple ; indiquez l'adresse où le public et les inscrits "
            "peuvent écrire aux organisateurs"
        )
    try:
        dt.date.fromisoformat(str(cfg["ACCESSIBILITY_STATEMENT_DATE"]))
    except ValueError:
        raise ConfigError(
            f"ACCESSIBILITY_STATEMENT_DATE : date AAAA-MM-JJ attendue ({cfg['ACCESSIBILITY_STATEMENT_DATE']!r})"
        ) from None


# Legal mentions a public site must show; unset, the pages say so honestly.
LEGAL_SETTINGS = {
    "LEGAL_PUBLISHER": "l'éditeur du site (mentions légales)",
    "LEGAL_HOSTING": "l'hébergeur du site (mentions légales, données personnelles)",
    "DATA_CONTROLLER": "le responsable du traitement (données personnelles)",
    "DPO_CONTACT": "le contact du délégué à la protection des données (données personnelles)",
}


def production_warnings(cfg) -> list[str]:
    """What a public site should fill in but can run without (printed by check-config)."""
    if not in_production(cfg):
        return []
    missing = [f"{name} non renseigné : {what}" for name, what in LEGAL_SETTINGS.items() if not cfg.get(name)]
    if cfg.get("MAIL_SERVER") and not cfg.get("MAIL_PROVIDER"):
        missing.append("MAIL_PROVIDER non renseigné : le prestataire d'envoi des e-mails (données personnelles)")
    return missing


def check_secret(secret, lenient: bool) -> None:
    """A key that signs sessions must be a string (or bytes) nobody can guess; `lenient` for tests and debug."""
    if not isinstance(secret, str | bytes):
        # JNT_SECRET_KEY=123… is read as JSON: a number, which cannot sign anything (500 on every form).
        raise ConfigError(
            f"SECRET_KEY : texte attendu, pas une valeur de type {type(secret).__name__} "
            "(une clé faite de chiffres seuls est lue comme un nombre) ; "
            'générez-en une avec python -c "import secrets; print(secrets.token_hex(32))"'
        )
    text = secret.decode("latin-1") if isinstance(secret, bytes) else secret
    if text.isdigit():
        raise ConfigError(
            "SECRET_KEY : chiffres seuls (lue comme un nombre depuis JNT_SECRET_KEY) ; "
            'générez-en une avec python -c "import secrets; print(secrets.token_hex(32))"'
        )
    minimum = 16 if isinstance(secret, bytes) else MIN_SECRET_LENGTH  # os.urandom(16) is strong
    weak = text.strip().lower() in PLACEHOLDER_SECRETS or len(text) < minimum or len(set(text)) < MIN_SECRET_SYMBOLS
    if weak and not lenient:
        raise ConfigError(
            f"SECRET_KEY : valeur d'exemple, trop courte (moins de {MIN_SECRET_LENGTH} caractères) "
            "ou trop simple (un même caractère répété) ; "
            'générez-en une avec python -c "import secrets; print(secrets.token_hex(32))"'
        )


def load_event(app: Flask) -> Event:
    """The content file named by EVENT_FILE, with the settings that override it; errors name the setting."""
    try:
        event = load_content(app.config["EVENT_FILE"])
    except ContentError as exc:
        raise ConfigError(f"EVENT_FILE : {exc}") from None
    event = override(app.config, event)
    check_event(event)
    return event


def override(cfg, event: Event) -> Event:
    """The event with the time zone and deadlines the settings set instead of the file's."""
    zone, label = cfg["TIMEZONE"], cfg["TIMEZONE_LABEL"]
    if (zone is None) != (label is None):
        raise ConfigError("TIMEZONE et TIMEZONE_LABEL : à définir ensemble (ex. Europe/Paris et « heure de Paris »)")
    if zone is not None:
        try:
            event = in_zone(event, ZoneInfo(str(zone)), str(label))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"TIMEZONE : fuseau inconnu ({zone!r})") from None
    changed = {field: cfg[name].astimezone(event.tz) for name, field in DEADLINE_SETTINGS.items() if cfg[name]}
    return dataclasses.replace(event, deadlines=dataclasses.replace(event.deadlines, **changed)) if changed else event


def check_event(event: Event) -> None:
    """Deadlines that make sense for the day: the message names the setting and the file's field."""
    d = event.deadlines
    for name, moment, limit, what in (
        ("RSVP_DEADLINE", d.in_person, event.start, "le début"),
        ("REMOTE_DEADLINE", d.remote, event.end, "la fin"),
        ("CHANGES_DEADLINE", d.changes, event.end, "la fin"),
        ("PROMOTION_DEADLINE", d.promotion, event.start, "le début"),
    ):
        if moment > limit:
            raise ConfigError(
                f"{name} (deadlines.{DEADLINE_SETTINGS[name]}) : la date limite est après {what} de l'événement"
            )
