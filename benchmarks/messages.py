#!/usr/bin/env python3
"""Sending an organiser's message: is the request for 1,000 recipients as fast as for one?

Usage: .venv/bin/python benchmarks/messages.py [--rounds 15] [--recipients 1000] [--dsn postgresql+psycopg://...]

Two databases built by init-db (SQLite files in a temporary folder, or two PostgreSQL databases
created from --dsn), one with a single registration, the other with --recipients. Rounds
alternate between them: an organiser (logged in through the real login form) asks for the
preview (not timed), then confirms; only the confirmation, the request that queues the
message, is timed. The median of each, their ratio, and then the outbox's later work for one
message's rows (each rendered with its own link and written as an .eml file), per e-mail. Writes
benchmarks/results-messages-sqlite.md (or -postgresql.md). Nothing here is part of the product: it wraps the app.
"""

import argparse
import datetime as dt
import html
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from conftest import postgres_database, settings  # noqa: E402  (tests/: the same settings as the tests)
from organisers_support import add_organiser, login, page_token  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from jnt import create_app  # noqa: E402
from jnt.database import init_db, write  # noqa: E402
from jnt.mail import outbox  # noqa: E402
from jnt.models import CONFIRMED, IN_PERSON, Registration, db, utcnow  # noqa: E402

PAGE = "/organisateurs/messages"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def people(n: int) -> list[dict]:
    now = utcnow()
    return [
        {"first_name": "Prénom", "last_name": f"Nom{i}", "email": f"personne{i}@example.org", "organisation": "Commune",
         "structure_type": "collectivite", "job_title": "Agent", "mode": IN_PERSON, "status": CONFIRMED,
         "accessibility_needs": "", "created_at": now, "updated_at": now}
        for i in range(n)
    ]  # fmt: skip


def site(uri: str, instance: Path, recipients: int):
    """An app on a migrated database holding `recipients` registrations, and a logged-in organiser's client."""
    app = create_app(settings(uri, IN_PERSON_CAPACITY=recipients, LOG_LEVEL="WARNING"))
    app.instance_path = str(instance)
    with app.app_context():
        init_db()
        with write():
            db.session.execute(insert(Registration), people(recipients))
    add_organiser(app)
    client = app.test_client()
    assert login(client).status_code == 303
    return app, client


def send_once(client) -> float:
    """Preview, then time the confirmation alone (seconds)."""
    page = client.get(PAGE).text
    data = {"csrf_token": page_token(page), "kind": "message", "segment": "tous", "subject": "Changement de salle",
            "body": "La plénière a lieu en salle B.\n\nÀ bientôt."}  # fmt: skip
    shown = client.post(PAGE + "/apercu", data=data).text
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(shown)}
    fields["csrf_token"] = page_token(shown)
    start = time.perf_counter()
    response = client.post(PAGE + "/envoi", data=fields)
    elapsed = time.perf_counter() - start
    assert response.status_code == 303, response.status_code
    return elapsed


def delivery_per_message(app, rows: int) -> tuple[int, float]:
    """The outbox's later work: render and write `rows` queued rows (.eml files); (rows, seconds per row)."""
    app.config["MAIL_RUN_DEADLINE"] = 3600
    with app.app_context():
        start = time.perf_counter()
        report = outbox.flush(limit=rows)
        elapsed = time.perf_counter() - start
    return report.sent, elapsed / max(report.sent, 1)


def run(uris: tuple[str, str], folder: Path, rounds: int, recipients: int) -> dict:
    small = site(uris[0], folder / "un", 1)
    large = site(uris[1], folder / "beaucoup", recipients)
    times = {1: [], recipients: []}
    for _ in range(rounds):  # alternated, so a busy moment of the machine weighs on both alike
        times[1].append(send_once(small[1]))
        times[recipients].append(send_once(large[1]))
    one, many = statistics.median(times[1]), statistics.median(times[recipients])
    sent, per_message = delivery_per_message(large[0], recipients)
    return {"one": one, "many": many, "ratio": many / one, "sent": sent, "per_message": per_message}


def report(result: dict, args, backend: str) -> str:
    return (
        "# Envoi d'un message des organisateurs : 1 destinataire contre beaucoup\n\n"
        f"Mesuré le {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, base {backend}, {args.rounds} manches alternées, "
        "client de test Flask (sans réseau). Commande : `.venv/bin/python benchmarks/messages.py`.\n\n"
        "| Requête de confirmation (mise en file) | médiane (ms) |\n|---|---|\n"
        f"| 1 destinataire | {result['one'] * 1000:.1f} |\n"
        f"| {args.recipients} destinataires | {result['many'] * 1000:.1f} |\n"
        f"| rapport {args.recipients} / 1 | {result['ratio']:.2f} |\n\n"
        f"Ensuite, hors requête, la file d'envoi : {result['sent']} e-mails rendus (lien personnel compris) et "
        f"écrits en fichiers `.eml`, {result['per_message'] * 1000:.1f} ms par message : rendus dans la requête, "
        f"ils l'auraient fait durer environ {result['per_message'] * args.recipients:.0f} s.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--dsn", help="PostgreSQL (a role allowed to CREATE DATABASE); SQLite files otherwise")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.dsn:
            with postgres_database(args.dsn) as first, postgres_database(args.dsn) as second:
                result, backend = run((first, second), folder, args.rounds, args.recipients), "PostgreSQL"
        else:
            uris = (f"sqlite:///{folder / 'un.sqlite3'}", f"sqlite:///{folder / 'beaucoup.sqlite3'}")
            result, backend = run(uris, folder, args.rounds, args.recipients), "SQLite"
    text = report(result, args, backend)
    (HERE / f"results-messages-{backend.lower()}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
