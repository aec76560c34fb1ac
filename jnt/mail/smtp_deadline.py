"""An overall deadline for an SMTP exchange: MAIL_TIMEOUT bounds each socket operation, not the exchange.

A relay that sends its greeting one byte at a time never trips a per-operation timeout. Here a
timer shuts the connection down when the deadline passes: the read or write smtplib is blocked
in (greeting, TLS handshake, any reply) fails at once, and the caller raises DeadlineExceeded.
"""

import contextlib
import smtplib
import socket
import threading
import time


class DeadlineExceeded(TimeoutError):
    """The exchange with the SMTP server took longer than allowed (a temporary failure)."""


class Watchdog:
    """Shuts the watched connection down once the armed deadline (time.monotonic()) has passed.

    It keeps a duplicate of the socket: shutdown() acts on the connection itself, TLS layer
    included, while close() only drops the duplicate, whose number is thus never reused
    under our feet.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.timer: threading.Timer | None = None
        self.token: object | None = None  # the current arming; a timer from an earlier one does nothing
        self.deadline = float("inf")
        self.expired = False

    def arm(self, deadline: float) -> None:
        """Count down to `deadline`."""
        token = object()
        with self.lock:
            self.token, self.deadline, self.expired = token, deadline, False
        self.timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire, (token,))
        self.timer.daemon = True
        self.timer.start()

    def disarm(self) -> bool:
        """Stop counting; True if the deadline passed first (the connection is then unusable)."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        with self.lock:
            self.token, self.deadline = None, float("inf")
            return self.expired

    def clip(self, timeout: float) -> float:
        """`timeout` shortened to the time left (for connecting, before there is a socket to shut)."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("délai dépassé avant la connexion")
        return min(timeout, left)

    def watch(self, sock: socket.socket) -> None:
        """Watch this new connection (cut at once if the deadline has already passed)."""
        with self.lock:
            self._forget()
            self.sock = sock.dup()
            if self.expired:
                self._shutdown()

    def forget(self) -> None:
        """The connection is closed: drop the duplicate."""
        with self.lock:
            self._forget()

    def _expire(self, token: object) -> None:
        with self.lock:
            if token is self.token:
                self.expired = True
                self._shutdown()

    def _shutdown(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):  # already closed by the other side
                self.sock.shutdown(socket.SHUT_RDWR)

    def _forget(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class WatchedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose socket is watched from its creation, greeting included."""

    def __init__(self, watchdog: Watchdog, *args, **kwargs):
        self.watchdog = watchdog
        super().__init__(*args, **kwargs)

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, self.watchdog.clip(timeout))
        sock.settimeout(timeout)  # connecting may have used less; each later operation gets MAIL_TIMEOUT
        self.watchdog.watch(sock)
        return sock


class WatchedSMTPSSL(smtplib.SMTP_SSL, WatchedSMTP):
    """The same with TLS from the start: SMTP_SSL wraps the socket WatchedSMTP has handed over (MRO)."""

    def __init__(self, watchdog: Watchdog, *args, **kwargs):
        self.watchdog = watchdog
        smtplib.SMTP_SSL.__init__(self, *args, **kwargs)  # it calls smtplib.SMTP.__init__ by name
