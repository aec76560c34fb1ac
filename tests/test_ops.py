"""Operations: configuration checks, check-config and backup."""

import os
import re
import sqlite3
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup
from support import form_fields, valid_registration

from jnt import booking, create_app, seats
from jnt.config import MAX_CAPACITY, ConfigError
from jnt.event import DEFAULT_FILE

STRONG = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "secret",
    [None, "", "changeme", "test-secret", "short", "a" * 64, "ab" * 32, "0" * 64, "12345678901234567890123456789"],
)
def test_production_refuses_missing_placeholder_or_weak_secret(tmp_path, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db"})


@pytest.mark.parametrize(
    "secret",
    [
        STRONG,
        "3f9c0b7e5d41a2c86e0f7b93d5a1c4e2",
        "Zq3-vN8_xK2pLm7RtY4wHs9B",
        b"\x8e\x13\xfa\x02\x9b\xc4\x7d\x51\xe6\x2a\x90\x3c\xd8\x45\x0f\xb7",
    ],
)
def test_production_accepts_real_secret(tmp_path, secret):
    app = create_app({"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db"})
    assert app.config["SECRET_KEY"] == secret


def production_env(tmp_path, **settings) -> dict:
    """The environment of a real deployment: no JNT_* from the test run, an instance folder, the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JNT_")}
    env.update(JNT_INSTANCE_PATH=str(tmp_path), JNT_SECRET_KEY=STRONG)
    env.update({f"JNT_{name}": value for name, value in settings.items()})
    return env


def check_config(env: dict) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "flask", "--app", "jnt", "check-config"]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_numeric_secret_from_environment_is_refused_by_name(tmp_path):
    # Flask reads JNT_* values as JSON: these digits became a number, and every form answered 500.
    result = check_config(production_env(tmp_path, SECRET_KEY="8426019573648201937465820193746582"))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "chiffres" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(ConfigError, match="SECRET_KEY"):  # even where weak keys are tolerated
        create_app({"TESTING": True, "SECRET_KEY": 8426019573648201937465820193746582})


def test_capacity_beyond_the_seat_counter_is_refused(make_app):
    with pytest.raises(ConfigError, match="IN_PERSON_CAPACITY"):
        make_app(IN_PERSON_CAPACITY=MAX_CAPACITY + 1)
    with pytest.raises(ConfigError, match="IN_PERSON_CAPACITY"):
        make_app(IN_PERSON_CAPACITY=2**63)  # registering in person answered 500 with it


def test_largest_capacity_allowed_registers_in_person(make_app):
    app = make_app(IN_PERSON_CAPACITY=MAX_CAPACITY)
    client = app.test_client()
    fields = form_fields(client.get("/inscription").text)
    response = client.post("/inscription", data={**valid_registration(), **fields})
    assert response.status_code == 303
    with app.app_context():
        assert seats.status() == seats.SeatStatus(MAX_CAPACITY, 1)


@pytest.mark.slow
def test_content_file_not_in_utf8_is_refused_by_name(tmp_path):
    latin1 = tmp_path / "jnt-latin1.toml"
    latin1.write_bytes(DEFAULT_FILE.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    with pytest.raises(ConfigError, match=r"EVENT_FILE : .*jnt-latin1\.toml : le fichier n'est pas encodé en UTF-8"):
        create_app({"TESTING": True, "SECRET_KEY": STRONG, "EVENT_FILE": str(latin1)})
    result = check_config(production_env(tmp_path, EVENT_FILE=str(latin1)))
    assert result.returncode != 0
    assert "EVENT_FILE" in result.stderr and "jnt-latin1.toml" in result.stderr and "UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


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


@pytest.mark.slow
def test_check_config_command_names_inconsistent_setting(tmp_path):
    env = production_env(tmp_path, RSVP_DEADLINE="2023-02-01T00:00:00+01:00")
    result = check_config(env)
    assert result.returncode != 0
    assert "RSVP_DEADLINE" in result.stderr and "Traceback" not in result.stderr
    env.pop("JNT_RSVP_DEADLINE")
    result = check_config(env)
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


def test_backup_is_consistent_under_writes(make_app, tmp_path):
    app = make_app(IN_PERSON_CAPACITY=1000)
    stop = threading.Event()
    written = []

    def writer():
        with app.app_context():
            n = 0
            while not stop.is_set():
                booking.register(valid_registration(email=f"agent{n}@example.org"))
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


def _listed(group, args) -> dict[str, str]:
    """The commands a `--help` lists, with their summaries."""
    output = CliRunner().invoke(group, args, catch_exceptions=False).output
    lines = output.split("Commands:\n", 1)[1].splitlines()
    return dict(line.strip().split(None, 1) for line in lines if line.startswith("  ") and len(line.split()) > 1)


def test_every_command_has_a_french_summary(app):
    """`flask --app jnt --help` and `flask db --help` list nothing in Flask's or Alembic's English."""
    group = FlaskGroup(create_app=lambda: app)
    listed = {**_listed(group, ["--help"]), **_listed(group, ["db", "--help"])}
    assert {"run", "routes", "shell", "init-db", "organiser", "upgrade", "downgrade"} <= listed.keys()
    english = re.compile(
        r"^(Show|Run|Create|Display|Revert|Upgrade|List|Edit|Check|Merge|Autogenerate|Heads|'stamp')\b"
    )
    assert not {name: text for name, text in listed.items() if english.match(text)}
