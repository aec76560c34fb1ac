"""One delivery thread per worker process: woken right after a response that queued e-mail, and now and then."""

import logging
import os
import threading
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)


class Courier:
    """Runs `deliver` in a daemon thread of this process, started on first use (threads do not survive a fork)."""

    def __init__(self, app: Flask, deliver: Callable):
        self.app, self.deliver = app, deliver
        self.poll = app.config["MAIL_POLL_SECONDS"] or None
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid: int | None = None

    def kick(self) -> None:
        """Ask for a delivery round now, without waiting for it."""
        with self.lock:
            if self.pid != os.getpid() or self.thread is None or not self.thread.is_alive():
                self.pid, self.wake = os.getpid(), threading.Event()
                self.thread = threading.Thread(target=self._run, name="jnt-outbox", daemon=True)
                self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        """Deliver when woken (or every MAIL_POLL_SECONDS); an error never ends the thread."""
        while True:
            self.wake.wait(self.poll)
            self.wake.clear()
            try:
                with self.app.app_context():
                    self.deliver()
            except Exception:
                log.exception("Envoi des e-mails en arrière-plan interrompu ; nouvel essai plus tard")
