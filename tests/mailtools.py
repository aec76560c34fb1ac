"""Test helpers for e-mail: a real SMTP server on loopback (aiosmtpd), and reading links out of the outbox."""

import asyncio
import contextlib
import email
import re
import socket
import threading
from email.policy import default

from aiosmtpd.controller import Controller
from server import free_port
from sqlalchemy import select
from support import form_fields, valid_registration

from jnt.mail import outbox
from jnt.models import OutboxMessage, db

LINK = re.compile(r"https?://\S+/inscription/gerer/[A-Za-z0-9_-]+")
PROOF = re.compile(r"https?://\S+/inscription/confirmer/[A-Za-z0-9_-]+")
OFFER = re.compile(r"https?://\S+/inscription/ceder/[A-Za-z0-9_-]+")


class SMTPServer:
    """aiosmtpd on a free loopback port.

    `refuse = True` answers 451 to every message (or `refuse` is the reply); `refuse_rcpt` maps an address to the reply its
    RCPT gets; `hold` (an Event) makes DATA wait for it, `held` being set once DATA is reached;
    `smtputf8` advertises SMTPUTF8 (off, like many relays); `options` go to aiosmtpd's Controller
    (`ssl_context` for TLS from the start, `tls_context` for STARTTLS, `authenticator`...).
    """

    def __init__(self, smtputf8: bool = False, **options):
        self.port = free_port()
        self.envelopes = []
        self.refuse = False
        self.refuse_rcpt: dict[str, str] = {}
        self.hold: threading.Event | None = None
        self.held = threading.Event()
        self.smtputf8 = smtputf8
        self.options = options
        self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold is not None:
            self.held.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait)
        if self.refuse:
            return self.refuse if isinstance(self.refuse, str) else "451 4.3.0 Essayez plus tard"
        self.envelopes.append(envelope)
        return "250 OK"

    def start(self) -> "SMTPServer":
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=self.smtputf8, **self.options
        )
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


class StuckServer:
    """A relay that answers `replies` (the greeting first, then one per line received) and then never again.

    With no replies the greeting never comes. Its behaviour is certain: no timer decides anything.
    """

    def __init__(self, replies: tuple[bytes, ...] = ()):
        self.replies = replies
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            replies = iter(self.replies)
            reader = conn.makefile("rb")
            for reply in replies:
                conn.sendall(reply)
                if not reader.readline():
                    return
            self.talk(conn)
        except OSError:
            return  # the client hung up

    def talk(self, conn: socket.socket) -> None:
        """After the script: silence (what the client sends is read and ignored) until stopped."""
        while not self.stopped.is_set() and conn.recv(4096):
            pass

    def settings(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_DEFAULT_SENDER": "JNT <jnt@example.org>"}

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


class TricklingServer(StuckServer):
    """A relay whose greeting never ends: "220-" continuation lines, one byte at a time."""

    def talk(self, conn: socket.socket) -> None:
        line = b"220-Bienvenue, un octet a la fois\r\n"
        while True:
            for i in range(len(line)):
                conn.sendall(line[i : i + 1])
                if self.stopped.wait(0.005):  # pacing only; MAIL_TIMEOUT is far longer than this
                    return


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


def flush(app) -> outbox.Report:
    """Deliver the outbox now, as the background thread or `send-mail` would."""
    with app.app_context():
        return outbox.flush()


def registered(app, *addresses: str) -> None:
    """One registration (and so one queued e-mail) per address, in this order."""
    for address in addresses:
        assert register(app.test_client(), email=address).status_code == 303
