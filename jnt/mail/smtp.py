"""How an outbox row leaves: an EmailMessage sent by SMTP (Flask-Mail's settings) or written as an .eml file."""

import contextlib
import logging
import math
import os
import re
import smtplib
import ssl
import time
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app

from ..config import ConfigError
from ..models import OutboxMessage
from .smtp_deadline import DeadlineExceeded, Watchdog, WatchedSMTP, WatchedSMTPSSL

log = logging.getLogger(__name__)
LOCAL_SENDER = "ne-pas-repondre@localhost"


class AddressNotSupported(smtplib.SMTPNotSupportedError):
    """The relay cannot take this address (non-ASCII before the @, no SMTPUTF8): retrying will not help."""


# The server refused this one message; smtplib has reset the session, the connection stays usable.
MESSAGE_REFUSED = (
    smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError, AddressNotSupported
)  # fmt: skip


def tls_context(cfg) -> ssl.SSLContext:
    """Certificate and host-name checks against the system's trust store, or MAIL_TLS_CA_FILE's CAs instead.

    smtplib without a context trusts any certificate: whoever sits on the path would read the
    messages (private links) and the SMTP password.
    """
    return ssl.create_default_context(cafile=cfg["MAIL_TLS_CA_FILE"] or None)


def sender() -> str:
    """MAIL_DEFAULT_SENDER as a header value ("Name <address>" or a [name, address] pair)."""
    value = current_app.config["MAIL_DEFAULT_SENDER"] or LOCAL_SENDER
    return formataddr(tuple(value)) if isinstance(value, list | tuple) else str(value)


def ascii_address(address: str) -> str:
    """The address with its domain in ASCII (IDNA), which every relay takes; a non-ASCII local part stays."""
    try:
        return validate_email(address, check_deliverability=False).ascii_email or address
    except EmailNotValidError:
        return address


def build(row: OutboxMessage) -> EmailMessage:
    """The MIME message: text, its HTML alternative, and the calendar file if any."""
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    msg = EmailMessage()
    msg["From"] = sender()
    msg["To"] = ascii_address(row.recipient)
    # Answers reach a person (CONTACT_EMAIL), never the automatic sender.
    msg["Reply-To"] = current_app.config["CONTACT_EMAIL"]
    # Encoded by the legacy Header: the new folding drops a space between encoded words (CPython bug in 3.11).
    msg.set_raw("Subject", Header(row.subject, "utf-8", header_name="Subject").encode())
    msg["Date"] = formatdate(localtime=False)
    # Stable per row: if a crash makes us send it again, mail software can recognise the copy.
    msg["Message-ID"] = f"<{re.sub(r'[^a-z0-9]', '.', row.dedupe_key)}.{row.created_at:%Y%m%d%H%M%S}.{row.id}@{host}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row.body_text)
    msg.add_alternative(row.body_html, subtype="html")
    if row.ics:
        msg.add_attachment(row.ics, subtype="calendar", filename="evenement.ics", params={"method": "PUBLISH"})
    return msg


class Transport:
    """One SMTP connection reused for a batch (opened on first use), or the .eml folder.

    Each message gets MAIL_MESSAGE_DEADLINE seconds, connection included, and none goes past
    `deadline` (the run's, time.monotonic()): a watchdog cuts the connection when time is up.
    """

    def __init__(self, deadline: float = math.inf):
        self.cfg = current_app.config
        self.deadline = deadline
        self.smtp: smtplib.SMTP | None = None
        self.watchdog = Watchdog()
        self.folder = Path(current_app.instance_path) / "outbox"

    def send(self, msg: EmailMessage, name: str) -> None:
        """Deliver one message; any exception means it was not accepted."""
        if not self.cfg["MAIL_SERVER"]:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{name}.tmp"
            tmp.write_bytes(msg.as_bytes())
            tmp.replace(self.folder / f"{name}.eml")  # whole files only, even if read while written
            return
        self.watchdog.arm(min(self.deadline, time.monotonic() + self.cfg["MAIL_MESSAGE_DEADLINE"]))
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            try:
                self.smtp.send_message(msg)
            except smtplib.SMTPNotSupportedError as exc:  # raised before MAIL FROM: nothing to reset
                raise AddressNotSupported("SMTPUTF8 requis") from exc
        except Exception as exc:
            if self.watchdog.disarm():
                self._drop()
                raise DeadlineExceeded("délai dépassé") from exc
            if not isinstance(exc, MESSAGE_REFUSED):
                self.close()
            raise
        if self.watchdog.disarm():
            self._drop()  # accepted just as time ran out: the next message needs a new connection

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        host, port, timeout = cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), cfg["MAIL_TIMEOUT"]
        if cfg["MAIL_USE_SSL"]:
            smtp = WatchedSMTPSSL(self.watchdog, host, port, timeout=timeout, context=tls_context(cfg))
        else:
            smtp = WatchedSMTP(self.watchdog, host, port, timeout=timeout)
        try:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls(context=tls_context(cfg))
            if cfg["MAIL_USERNAME"]:
                smtp.login(str(cfg["MAIL_USERNAME"]), str(cfg["MAIL_PASSWORD"] or ""))
        except Exception:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """Say goodbye to the SMTP server, if connected (within MAIL_TIMEOUT and the run's deadline)."""
        if self.smtp is not None:
            self.watchdog.arm(min(self.deadline, time.monotonic() + self.cfg["MAIL_TIMEOUT"]))
            with contextlib.suppress(smtplib.SMTPException, OSError):  # closed below either way
                self.smtp.quit()
            self.watchdog.disarm()
        self._drop()

    def _drop(self) -> None:
        """Close the connection without a word (it is broken or was cut)."""
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None
        self.watchdog.forget()

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def check(app: Flask) -> None:
    """Refuse mail settings that cannot work; the message names the setting."""
    cfg = app.config
    if cfg["MAIL_USE_TLS"] and cfg["MAIL_USE_SSL"]:
        raise ConfigError("MAIL_USE_TLS et MAIL_USE_SSL : choisissez l’un ou l’autre")
    check_ca_file(cfg["MAIL_TLS_CA_FILE"])
    for name in ("MAIL_TIMEOUT", "MAIL_MESSAGE_DEADLINE", "MAIL_RUN_DEADLINE"):
        value = cfg[name]
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value < math.inf:
            raise ConfigError(f"{name} : nombre de secondes strictement positif attendu ({value!r})")
    if cfg["MAIL_SERVER"] and not cfg["MAIL_DEFAULT_SENDER"]:
        raise ConfigError("MAIL_DEFAULT_SENDER manquant : adresse d’expéditeur requise avec MAIL_SERVER")
    for name in ("PUBLIC_URL", "VISIO_URL"):
        value = cfg[name]
        if value is not None and (urlsplit(str(value)).scheme not in ("http", "https") or not urlsplit(value).netloc):
            raise ConfigError(f"{name} : adresse http(s) complète attendue ({value!r})")
    if cfg["MAIL_SERVER"] and urlsplit(cfg["PUBLIC_URL"]).hostname in ("127.0.0.1", "localhost", "::1"):
        log.warning(
            "PUBLIC_URL désigne cette machine (%s) : les liens des e-mails ne marcheront que sur elle",
            cfg["PUBLIC_URL"],
        )


def check_ca_file(path) -> None:
    """MAIL_TLS_CA_FILE, if set, holds CA certificates (PEM) that can be read now."""
    if path is None or path == "":
        return
    if not isinstance(path, str | os.PathLike):
        raise ConfigError(f"MAIL_TLS_CA_FILE : chemin d’un fichier de certificats (PEM) attendu ({path!r})")
    try:
        ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        raise ConfigError(f"MAIL_TLS_CA_FILE : fichier introuvable ({path})") from None
    except OSError as exc:  # unreadable, a folder, or no certificate in it (ssl.SSLError)
        raise ConfigError(
            f"MAIL_TLS_CA_FILE : fichier illisible ou sans certificat d’autorité au format PEM ({path} : {exc})"
        ) from None
