"""Real gunicorn, several workers: the rate limit is shared, and a killed worker loses nothing acknowledged."""

import os
import re
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import OPEN_NOW, valid_registration
from server import Gunicorn
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.slow


def register(base_url: str, n: int, mode: str = "in_person") -> int | None:
    """One visitor: load the form, post it; the status code, or None if the connection broke."""
    try:
        with requests.Session() as s:
            page = s.get(base_url + "/inscription", timeout=30).text
            fields = dict(re.findall(r'name="(csrf_token|submission_id)" type="hidden" value="([^"]*)"', page))
            data = {**valid_registration(email=f"agent{n}@example.org", mode=mode), **fields}
            return s.post(base_url + "/inscription", data=data, allow_redirects=False, timeout=30).status_code
    except requests.RequestException:
        return None


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: children of the master process."""
    with open(f"/proc/{master}/task/{master}/children") as f:
        return [int(pid) for pid in f.read().split()]


def test_rate_limit_holds_across_workers(tmp_path, database_uri):
    settings = {"PREVIEW_NOW": OPEN_NOW, "REGISTRATION_RATE_LIMIT": 5, "SQLALCHEMY_DATABASE_URI": database_uri}
    with Gunicorn(tmp_path / "instance", settings, workers=3) as server, ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda n: register(server.url, n, "remote"), range(12)))
    assert sorted(codes) == [303] * 5 + [429] * 7


def database_state(uri: str) -> dict:
    """What the database holds after the burst."""
    engine = create_engine(uri)
    try:
        with engine.connect() as con:
            rows = con.execute(text("SELECT email, mode, status FROM registrations")).all()
            taken = con.execute(text("SELECT taken FROM seat_counters WHERE name = 'in_person'")).scalar_one()
            integrity = "ok"
            if engine.dialect.name == "sqlite":
                integrity = con.execute(text("PRAGMA integrity_check")).scalar_one()
    finally:
        engine.dispose()
    confirmed = sum(1 for _, mode, status in rows if mode == "in_person" and status == "confirmed")
    return {"emails": {r[0] for r in rows}, "taken": taken, "confirmed": confirmed, "integrity": integrity}


def test_killed_worker_loses_no_acknowledged_registration(tmp_path, database_uri):
    capacity, visitors = 15, 60
    settings = {
        "PREVIEW_NOW": OPEN_NOW,
        "IN_PERSON_CAPACITY": capacity,
        "REGISTRATION_RATE_LIMIT": 1000,
        "SQLALCHEMY_DATABASE_URI": database_uri,
    }
    acknowledged: set[str] = set()
    done = threading.Event()
    with Gunicorn(tmp_path / "instance", settings, workers=3) as server:

        def visitor(n: int) -> None:
            if register(server.url, n) == 303:  # the visitor was told "registered"
                acknowledged.add(f"agent{n}@example.org")
            if len(acknowledged) >= 10:
                done.set()

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(visitor, n) for n in range(visitors)]
            assert done.wait(120), "the burst never reached 10 registrations"
            killed = worker_pids(server.proc.pid)[:2]
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
            for f in futures:
                f.result()
        assert server.proc.poll() is None  # the master respawned its workers
    state = database_state(database_uri)
    assert state["integrity"] == "ok"
    assert acknowledged <= state["emails"]
    assert state["taken"] == state["confirmed"] <= capacity
    assert len(acknowledged) > 10
