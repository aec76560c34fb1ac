"""Real gunicorn, several workers: the rate limit is shared, a killed worker loses nothing acknowledged,
and a replacement worker never depends on files edited since the start."""

import contextlib
import os
import re
import shutil
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from server import Gunicorn
from sqlalchemy import create_engine, text
from support import OPEN_NOW, valid_registration

from jnt.event import DEFAULT_FILE

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


@pytest.mark.both_databases
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


@pytest.mark.both_databases
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


def replaced_worker(server: Gunicorn, gone: int) -> int:
    """Poll the master's children until a worker other than `gone` is there; fail if the master exits."""
    deadline = time.monotonic() + 120  # only bounds a failure: the loop ends as soon as the state is reached
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail("gunicorn's master exited:\n" + server.logs())
        others = [pid for pid in worker_pids(server.proc.pid) if pid != gone]
        if others:
            return others[0]
        time.sleep(0.01)
    pytest.fail("no replacement worker")


def open_files(pid: int) -> set[str]:
    """What a process holds open (targets of /proc/PID/fd)."""
    paths = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            paths.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return paths


def test_worker_replaced_after_a_broken_edit_still_serves(tmp_path):
    content = tmp_path / "jnt.toml"
    shutil.copy(DEFAULT_FILE, content)
    with Gunicorn(tmp_path / "instance", {"EVENT_FILE": content, "PREVIEW_NOW": OPEN_NOW}, workers=1) as server:
        [first] = worker_pids(server.proc.pid)
        assert requests.get(server.url + "/", timeout=30).status_code == 200
        content.write_text("[event\ntitle = enregistré à moitié", encoding="utf-8")  # a save gone wrong
        os.kill(first, signal.SIGKILL)  # a crash, a timeout, or routine recycling
        second = replaced_worker(server, first)
        response = requests.get(server.url + "/", timeout=30)
        assert response.status_code == 200 and "Journée Numérique" in response.text
        assert worker_pids(server.proc.pid) == [second] and server.proc.poll() is None
        # Built once in the master, which serves nothing: it holds no database connection to share,
        # and runs no background thread (they start in the workers).
        master = server.proc.pid
        assert not any("jnt.sqlite3" in path for path in open_files(master))
        assert os.listdir(f"/proc/{master}/task") == [str(master)]


def gone(pid: int) -> bool:
    """The process has exited (a zombie left to a parent that does not reap counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def poll(condition, what: str, server: Gunicorn):
    """Check `condition` until it holds; the deadline only bounds a failure."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    pytest.fail(f"{what}:\n{server.logs()}")


def test_usr2_upgrade_takes_over_only_with_a_valid_app_and_tells_systemd(tmp_path):
    content = tmp_path / "jnt.toml"
    original = DEFAULT_FILE.read_text(encoding="utf-8")
    content.write_text(original, encoding="utf-8")
    # systemd's end of NOTIFY_SOCKET: the datagrams gunicorn sends to the service manager.
    systemd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    systemd.bind(str(tmp_path / "notify"))
    systemd.settimeout(120)  # bounds a failure only

    def main_pid() -> int:
        while True:
            fields = dict(line.split("=", 1) for line in systemd.recv(4096).decode().splitlines())
            if "MAINPID" in fields:
                return int(fields["MAINPID"])

    server = Gunicorn(tmp_path / "instance", {"EVENT_FILE": content, "PREVIEW_NOW": OPEN_NOW}, workers=1)
    server.env["NOTIFY_SOCKET"] = str(tmp_path / "notify")
    new = None
    try:
        with server:
            old = server.proc.pid
            assert main_pid() == old
            # A broken edit: the new master cannot build the app, exits, and the old one keeps serving.
            content.write_text("[event\ntitle = enregistré à moitié", encoding="utf-8")
            os.kill(old, signal.SIGUSR2)
            poll(lambda: "EVENT_FILE" in server.logs() and len(worker_pids(old)) == 1, "no failed upgrade", server)
            response = requests.get(server.url + "/", timeout=30)
            assert response.status_code == 200 and "Rencontre annuelle" not in response.text
            # The edit fixed: the new master builds the app, tells systemd it is the main process now,
            # and the old master, stopped, leaves the site to it.
            content.write_text(original.replace("Journée d'échanges", "Rencontre annuelle"), encoding="utf-8")
            os.kill(old, signal.SIGUSR2)
            new = main_pid()
            assert new != old and new in worker_pids(old)
            os.kill(old, signal.SIGTERM)
            server.proc.wait(60)
            response = requests.get(server.url + "/", timeout=30)
            assert response.status_code == 200 and "Rencontre annuelle" in response.text
            assert not gone(new)
    finally:
        systemd.close()
        if new is not None and not gone(new):
            os.kill(new, signal.SIGTERM)
            poll(lambda: gone(new), "the new master did not stop", server)
