"""Races made certain: a meeting on loopback for requests held in several gunicorn workers.

The server side is tests/race_wsgi.py: a request sent with `meeting.headers` stops where its
view starts writing and connects here. Once `parties` requests, in as many worker processes,
have arrived, each gets the release byte. A `threading.Barrier` in the test process only lines
up the clients; this lines up the server's code. Never more parties than workers: a sync
worker holds one request, so one more party would wait for a worker that never frees.
"""

import select
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from race_wsgi import HEADER, TIMEOUT
from server import ROOT, Gunicorn


def race_server(instance: Path, settings: dict, workers: int, seat_rule: str = "atomic") -> Gunicorn:
    """A real gunicorn serving tests/race_wsgi.py (seat_rule "count-then-act": the negative control)."""
    return Gunicorn(
        instance,
        settings,
        workers=workers,
        app=f"race_wsgi:build(seat_rule={seat_rule!r})",
        # A held request must not be killed as a stuck worker before the meeting gives up.
        extra_args=("--pythonpath", str(ROOT / "tests"), "--timeout", str(TIMEOUT * 2)),
    )


def at_once(function: Callable, items: Iterable) -> list:
    """Call `function` on every item, each in its own thread; the results in order."""
    items = list(items)
    with ThreadPoolExecutor(len(items)) as pool:
        return list(pool.map(function, items))


class Rendezvous:
    """Hold `parties` requests, each in its own worker process, until all have arrived; then release them.

    Leaving the block without an error asserts that the meeting happened: otherwise the
    product no longer starts its writes where race_wsgi.py waits, and the race was not run.
    """

    def __init__(self, parties: int):
        self.parties = parties
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.headers = {HEADER: str(self.listener.getsockname()[1])}
        self.pids: list[int] = []
        self.released = False
        self._stop, self._stopped = socket.socketpair()
        self._thread = threading.Thread(target=self._hold, name="rendezvous", daemon=True)

    def _hold(self) -> None:
        arrived = []
        deadline = time.monotonic() + TIMEOUT  # a party that never comes fails the test, not hangs it
        try:
            while len(arrived) < self.parties:
                left = max(deadline - time.monotonic(), 0)
                ready, _, _ = select.select([self.listener, self._stopped], [], [], left)
                if self.listener not in ready:
                    return  # given up: closing lets the held requests go, with an error
                conn, _ = self.listener.accept()
                arrived.append(conn)
                conn.settimeout(left)
                self.pids.append(int(conn.makefile().readline()))
            for conn in arrived:
                conn.sendall(b"!")
            self.released = True
        finally:
            for conn in arrived:
                conn.close()

    def __enter__(self) -> "Rendezvous":
        self._thread.start()
        return self

    def __exit__(self, exc_type, *_) -> None:
        self._stop.send(b"x")
        self._thread.join()
        for s in (self.listener, self._stop, self._stopped):
            s.close()
        if exc_type is None:
            assert self.released and len(set(self.pids)) == self.parties, (
                f"rendez-vous manqué : {len(self.pids)} arrivée(s) sur {self.parties} (processus {self.pids})"
            )
