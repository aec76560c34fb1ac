"""Operations: configuration checks, check-config and backup."""

import os
import sqlite3
import subprocess
import sys
import threading

import pytest
from conftest import valid_registration

from jnt import booking, create_app, seats
from jnt.config import ConfigError
from jnt.models import db

STRONG = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("secret", [None, "", "changeme", "test-secret", "short"])
def test_production_refuses_missing_or_placeholder_secret(tmp_path, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db"})


def test_production_accepts_real_secret(tmp_path):
    app = create_app({"SECRET_KEY": STRONG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db"})
    assert app.config["SECRET_KEY"] == STRONG


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("IN_PERSON_CAPACITY", -1),
        ("RSVP_DEADLINE", "2023-02-01T00:00:00+01:00"),
        ("PREVIEW_NOW", "le 2 janvier"),
        ("PREVIEW_NOW", "2023-01-02T10:00:00"),
        ("TRUSTED_PROXIES", -1),
        ("REGISTRATION_RATE_LIMIT", 0),
    ],
)
def test_inconsistent_setting_is_refused_by_name(make_app, setting, value):
    with pytest.raises(ConfigError, match=setting):
        make_app(**{setting: value})


def test_check_config_masks_secrets(runner, app):
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://jnt:motdepasse@db.example/jnt"
    app.config["MAIL_PASSWORD"] = "smtp-secret"
    result = runner.invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    assert "SECRET_KEY = '********'" in result.output
    assert "MAIL_PASSWORD = '********'" in result.output
    assert "postgresql+psycopg://jnt:***@db.example/jnt" in result.output
    for secret in ("test-secret", "motdepasse", "smtp-secret"):
        assert secret not in result.output


def test_check_config_fails_on_inconsistent_value(runner, app):
    app.config["IN_PERSON_CAPACITY"] = -5
    result = runner.invoke(args=["check-config"])
    assert result.exit_code != 0
    assert "IN_PERSON_CAPACITY" in result.output


def test_check_config_command_names_inconsistent_setting(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JNT_")}
    env.update(JNT_INSTANCE_PATH=str(tmp_path), JNT_SECRET_KEY=STRONG, JNT_RSVP_DEADLINE="2023-02-01T00:00:00+01:00")
    command = [sys.executable, "-m", "flask", "--app", "jnt", "check-config"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "RSVP_DEADLINE" in result.stderr and "Traceback" not in result.stderr
    env.pop("JNT_RSVP_DEADLINE")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "Configuration cohérente." in result.stdout
    assert STRONG not in result.stdout


def registrations_and_counter(path) -> tuple[int, int, str]:
    """Confirmed in-person rows, the seat counter and integrity_check of a database file."""
    con = sqlite3.connect(path)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        confirmed = con.execute(
            "SELECT count(*) FROM registrations WHERE mode = 'in_person' AND status = 'confirmed'"
        ).fetchone()[0]
        taken = con.execute("SELECT taken FROM seat_counters WHERE name = 'in_person'").fetchone()[0]
    finally:
        con.close()
    return confirmed, taken, integrity


@pytest.mark.sqlite_only
def test_backup_is_consistent_under_writes(make_app, tmp_path):
    app = make_app(IN_PERSON_CAPACITY=1000)
    stop = threading.Event()
    written = []

    def writer():
        with app.app_context():
            n = 0
            while not stop.is_set():
                booking.register(valid_registration(email=f"agent{n}@example.org", submission_id=None))
                written.append(n)
                n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    copies = []
    try:
        runner = app.test_cli_runner()
        for i in range(5):
            while len(written) < 10 * (i + 1):
                stop.wait(0.01)
            copy = tmp_path / f"copie-{i}.sqlite3"
            result = runner.invoke(args=["backup", str(copy)])
            assert result.exit_code == 0, result.output
            copies.append(copy)
    finally:
        stop.set()
        thread.join()
    counts = []
    for copy in copies:
        confirmed, taken, integrity = registrations_and_counter(copy)
        assert integrity == "ok"
        assert confirmed == taken
        counts.append(taken)
    assert counts == sorted(counts) and counts[-1] > counts[0] > 0
    restored = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{copies[-1]}", IN_PERSON_CAPACITY=1000)
    assert restored.test_client().get("/healthz").status_code == 200
    with restored.app_context():
        assert seats.status().taken == counts[-1]


def test_backup_refuses_non_sqlite(runner, app):
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://jnt@localhost/jnt"
    result = runner.invoke(args=["backup", "/tmp/x.sqlite3"])
    assert result.exit_code != 0 and "pg_dump" in result.output
