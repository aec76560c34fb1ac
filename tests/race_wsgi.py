"""Test-only gunicorn entry: the real app, with a rendezvous across worker processes where a write starts.

A request carrying the RENDEZVOUS header (the loopback port of a tests/rendezvous.py meeting)
stops when its view starts its first write transaction (`with write():`), before the write lock: it connects to
the meeting and waits there until the test process has seen every party arrive. So all the
racing requests have read what they read before any of them writes, in as many worker
processes, every time: the race is certain, not merely likely. The pause sits before the lock
(SQLite's BEGIN IMMEDIATE, PostgreSQL's lock on the seat counter): waiting after it would
deadlock. Requests without the header run untouched (set-up, checks).

    gunicorn --pythonpath tests race_wsgi:build()                          the product's rules
    gunicorn --pythonpath tests "race_wsgi:build(seat_rule='count-then-act')"   the negative control

The control swaps the atomic seat rule for the classic oversell: count the confirmed
in-person rows, meet the others, then take a seat unconditionally if the count said one was
free. Every party counts before any of them writes, so it always oversells.

The hold wraps `database.take_write_lock`, which write() calls by its module-level name. If the
product stops taking its write lock there, this module fails at start-up (name gone) or the
meeting sees nobody arrive: the race tests fail, never pass blind.
The hold is the request's first write other than the registration flood limit's count
(`ratelimit.hit`, wrapped here to say so): that count is not the race, the seat write is.
"""

import os
import socket

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import func, select, update

from jnt import create_app, database, ratelimit, seats
from jnt.models import CONFIRMED, IN_PERSON, IN_PERSON_COUNTER, Registration, SeatCounter, db

HEADER = "X-Test-Rendezvous"
# Only turns a hang into a failure (a party that never comes); below the server's worker timeout.
TIMEOUT = 90


def meet(port: int) -> None:
    """Arrive at the meeting on loopback and wait for the release byte."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as conn:
        conn.sendall(f"{os.getpid()}\n".encode())
        if conn.recv(1) != b"!":
            raise RuntimeError("rendez-vous abandonné : toutes les requêtes ne sont pas arrivées")


def _count_free_seat() -> bool:
    """The racy read of the control: count the rows before the write lock."""
    confirmed = db.session.scalar(
        select(func.count()).where(Registration.mode == IN_PERSON, Registration.status == CONFIRMED)
    )
    db.session.rollback()
    return confirmed < current_app.config["IN_PERSON_CAPACITY"]


def build(seat_rule: str = "atomic") -> Flask:
    """The app of wsgi.py, with the meeting point (and, for the control, the racy seat rule)."""
    if seat_rule not in ("atomic", "count-then-act"):
        raise ValueError(seat_rule)
    app = create_app()
    take_write_lock, take, hit = database.take_write_lock, seats.take, ratelimit.hit

    @app.before_request
    def arm() -> None:
        g.rendezvous = request.headers.get(HEADER, type=int)

    def counted_hit(*args, **kwargs) -> bool:
        """The flood limit's count: its write is not the one to hold."""
        g.counting = True
        try:
            return hit(*args, **kwargs)
        finally:
            g.counting = False

    def held_take_write_lock() -> None:
        holding = has_request_context() and not g.get("counting")
        port = g.pop("rendezvous", None) if holding else None
        if port is not None:
            if seat_rule == "count-then-act":
                g.seat_free_by_count = _count_free_seat()
            meet(port)
        take_write_lock()

    def take_by_count() -> bool:
        if "seat_free_by_count" not in g:
            return take()
        if g.seat_free_by_count:
            db.session.execute(
                update(SeatCounter).where(SeatCounter.name == IN_PERSON_COUNTER).values(taken=SeatCounter.taken + 1)
            )
        return g.seat_free_by_count

    database.take_write_lock = held_take_write_lock
    ratelimit.hit = counted_hit
    if seat_rule == "count-then-act":
        seats.take = take_by_count
    return app
