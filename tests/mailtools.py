"""Test helpers for e-mail: a real SMTP server on loopback (aiosmtpd), and reading links out of the outbox."""

import email
import re
from email.policy import default

from aiosmtpd.controller import Controller
from conftest import form_fields, valid_registration
from server import free_port
from sqlalchemy import select

from jnt.models import OutboxMessage, db

LINK = re.compile(r"https?://\S+/inscription/gerer/[A-Za-z0-9_-]+")


class SMTPServer:
    """aiosmtpd on a free loopback port; `refuse = True` makes it answer 451 to every message."""

    def __init__(self):
        self.port = free_port()
        self.envelopes = []
        self.refuse = False
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Essayez plus tard"
        self.envelopes.append(envelope)
        return "250 OK"

    def start(self) -> "SMTPServer":
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=default) for e in self.envelopes]

    def settings(self) -> dict:
        """App settings that send through this server."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_DEFAULT_SENDER": "JNT <jnt@example.org>"}


def register(client, **overrides):
    """Fill in and send the registration form like a visitor (no JavaScript)."""
    fields = form_fields(client.get("/inscription").get_data(as_text=True))
    return client.post("/inscription", data={**valid_registration(**overrides), **fields})


def manage_path(app, email_address: str) -> str:
    """The management link path from the last confirmation or link e-mail queued for an address."""
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.recipient == email_address)
            .where(OutboxMessage.dedupe_key.startswith("confirmation:") | OutboxMessage.dedupe_key.startswith("link:"))
            .order_by(OutboxMessage.id.desc())
        ).all()
    url = LINK.search(bodies[0]).group(0)
    return url[url.index("/inscription/") :]


def outbox_rows(app) -> list[OutboxMessage]:
    """Every outbox row, oldest first (detached, attributes loaded)."""
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
    return rows
