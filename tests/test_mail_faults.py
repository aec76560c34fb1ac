"""The outbox against bad SMTP servers: deadlines, permanent refusals, addresses a relay cannot take.

Deadline tests use relays whose behaviour is certain (a greeting that never comes or never
ends): the deadline is the only thing that can end the exchange. MAIL_TIMEOUT, the bound of
each socket operation, is set far above it so that it decides nothing.
"""

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from mailtools import SMTPServer, StuckServer, TricklingServer, flush, outbox_rows, register, registered
from sqlalchemy import update
from sqlalchemy.engine import make_url

from jnt.mail import outbox
from jnt.models import OutboxMessage, db, utcnow
from jnt.typography import french

# A bound for a slow machine, not a speed requirement: past it the test fails instead of hanging.
BOUND = 60
NEVER = {"MAIL_TIMEOUT": 3600}


@pytest.fixture
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


def in_thread(function, *servers):
    """Run `function` in a thread and return its result; the servers are stopped afterwards.

    Stopping them also ends an exchange that overran BOUND (the code before deadlines).
    """
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(function)
        try:
            return future.result(timeout=BOUND)
        finally:
            for server in servers:
                server.stop()


def by_recipient(app) -> dict[str, OutboxMessage]:
    return {row.recipient: row for row in outbox_rows(app)}


def assert_retried_later(row: OutboxMessage, error: str) -> None:
    assert row.sent_at is None and row.attempts == 1 and row.last_error == error
    assert row.next_attempt_at > utcnow()


@pytest.mark.parametrize("ssl", [False, True], ids=["plain", "tls"])
def test_greeting_that_never_comes_ends_at_the_message_deadline(make_app, ssl):
    server = StuckServer()
    app = make_app(**server.settings(), **NEVER, MAIL_USE_SSL=ssl, MAIL_MESSAGE_DEADLINE=0.2)
    registered(app, "camille.martin@example.org")
    report = in_thread(lambda: flush(app), server)
    assert (report.sent, report.failed, report.given_up) == (0, 1, 0)
    [row] = outbox_rows(app)
    assert_retried_later(row, "DeadlineExceeded")


def test_starttls_handshake_that_never_ends_is_cut_at_the_deadline(make_app):
    server = StuckServer((b"220 relais\r\n", b"250-relais\r\n250 STARTTLS\r\n", b"220 allez-y\r\n"))
    app = make_app(**server.settings(), **NEVER, MAIL_USE_TLS=True, MAIL_MESSAGE_DEADLINE=0.2)
    registered(app, "camille.martin@example.org")
    assert in_thread(lambda: flush(app), server).failed == 1
    assert_retried_later(outbox_rows(app)[0], "DeadlineExceeded")


def test_send_mail_ends_when_the_greeting_trickles_for_ever(make_app):
    server = TricklingServer()
    app = make_app(**server.settings(), **NEVER, MAIL_MESSAGE_DEADLINE=0.3)
    registered(app, "camille.martin@example.org")
    result = in_thread(lambda: app.test_cli_runner().invoke(args=["send-mail"]), server)
    assert result.exit_code == 1
    assert "en échec (nouvel essai plus tard) : 1" in result.output
    assert_retried_later(outbox_rows(app)[0], "DeadlineExceeded")


def test_run_deadline_ends_the_run_and_leaves_the_rest_queued(make_app):
    server = TricklingServer()
    app = make_app(**server.settings(), **NEVER, MAIL_MESSAGE_DEADLINE=3600, MAIL_RUN_DEADLINE=0.3)
    registered(app, "a@example.org", "b@example.org")
    report = in_thread(lambda: flush(app), server)
    assert (report.sent, report.failed, report.postponed) == (0, 1, 1)
    rows = by_recipient(app)
    assert_retried_later(rows["a@example.org"], "DeadlineExceeded")
    assert rows["b@example.org"].attempts == 0  # not tried: due at the next run


@pytest.mark.both_databases
def test_no_transaction_is_open_while_the_relay_is_stuck(make_app, smtp):
    """SQLite: another connection writes and checkpoints the whole WAL; PostgreSQL: it locks the table."""
    smtp.hold = threading.Event()
    app = make_app(**smtp.settings())
    registered(app, "camille.martin@example.org")
    with ThreadPoolExecutor(1) as pool:
        delivery = pool.submit(flush, app)
        try:
            assert smtp.held.wait(BOUND)  # the relay has the message and says nothing yet
            url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
            if url.get_backend_name() == "sqlite":
                con = sqlite3.connect(url.database, timeout=0, isolation_level=None)
                try:
                    con.execute("BEGIN IMMEDIATE")
                    con.execute("UPDATE registrations SET organisation = 'Mairie de Lyon'")
                    con.execute("COMMIT")
                    # (busy, WAL frames, frames checkpointed): TRUNCATE needs every reader gone.
                    assert con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone() == (0, 0, 0)
                finally:
                    con.close()
            else:
                dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
                with psycopg.connect(dsn) as con:
                    con.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE NOWAIT")
                    con.rollback()
        finally:
            smtp.hold.set()
        assert delivery.result(timeout=BOUND).sent == 1


def test_permanent_refusal_is_given_up_at_once_and_a_temporary_one_retried(make_app, smtp):
    smtp.refuse_rcpt = {"inconnu@example.org": "550 5.1.1 Inconnu", "plein@example.org": "452 4.2.2 Boite pleine"}
    app = make_app(**smtp.settings(), IN_PERSON_CAPACITY=10)
    registered(app, "a@example.org", "inconnu@example.org", "plein@example.org", "b@example.org")
    report = flush(app)
    assert (report.sent, report.failed, report.given_up) == (2, 1, 1)
    assert sorted(e.rcpt_tos[0] for e in smtp.envelopes) == ["a@example.org", "b@example.org"]
    rows = by_recipient(app)
    assert_retried_later(rows["plein@example.org"], "SMTPRecipientsRefused 452")
    refused = rows["inconnu@example.org"]
    assert refused.sent_at is None and refused.last_error == "SMTPRecipientsRefused 550"
    # Never tried again, even once its back-off has passed.
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
        db.session.commit()
    smtp.refuse_rcpt = {}
    assert flush(app).sent == 1
    assert sorted(e.rcpt_tos[0] for e in smtp.envelopes)[-1] == "plein@example.org"
    assert by_recipient(app)["inconnu@example.org"].sent_at is None


def test_content_refused_for_good_is_given_up(make_app, smtp):
    app = make_app(**smtp.settings())
    registered(app, "camille.martin@example.org")
    smtp.refuse = "554 5.6.0 Contenu refuse"
    assert flush(app).given_up == 1
    [row] = outbox_rows(app)
    assert row.last_error == "SMTPDataError 554"
    with app.app_context():
        assert outbox._due(10) == []


def test_send_mail_fails_for_this_runs_failures_only(make_app, smtp):
    smtp.refuse_rcpt = {"inconnu@example.org": "550 5.1.1 Inconnu"}
    app = make_app(**smtp.settings())
    registered(app, "inconnu@example.org")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-mail"])
    assert first.exit_code == 1
    assert "abandonnés : 1" in first.output
    registered(app, "camille.martin@example.org")
    second = runner.invoke(args=["send-mail"])
    assert second.exit_code == 0, second.output
    assert "E-mails envoyés : 1, en échec (nouvel essai plus tard) : 0, abandonnés : 0." in second.output


def test_address_the_relay_cannot_take_holds_back_no_one(make_app, smtp):
    """A non-ASCII local part (queued before registration refused it) and a relay without SMTPUTF8."""
    app = make_app(**smtp.settings())
    registered(app, "elodie@example.org", "a@example.org", "b@example.org")
    with app.app_context():
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient == "elodie@example.org")
            .values(recipient="élodie@example.org")
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "E-mails envoyés : 2, en échec (nouvel essai plus tard) : 0, abandonnés : 1." in result.output
    assert sorted(e.rcpt_tos[0] for e in smtp.envelopes) == ["a@example.org", "b@example.org"]
    assert by_recipient(app)["élodie@example.org"].last_error == "AddressNotSupported"


def test_non_ascii_local_part_goes_out_with_smtputf8_when_the_relay_offers_it(make_app):
    relay = SMTPServer(smtputf8=True).start()
    try:
        app = make_app(**relay.settings())
        registered(app, "elodie@example.org")
        with app.app_context():
            db.session.execute(update(OutboxMessage).values(recipient="élodie@example.org"))
            db.session.commit()
        assert flush(app).sent == 1
    finally:
        relay.stop()
    assert relay.envelopes[0].rcpt_tos == ["élodie@example.org"]


def test_internationalised_domain_goes_out_in_ascii_form(make_app, smtp):
    app = make_app(**smtp.settings())
    registered(app, "jean@exämple.fr")
    assert flush(app).sent == 1
    assert smtp.envelopes[0].rcpt_tos == ["jean@xn--exmple-cua.fr"]
    assert smtp.messages[0]["To"] == "jean@xn--exmple-cua.fr"


def test_registration_refuses_non_ascii_before_the_at_sign(app, client):
    response = register(client, email="élodie.martin@example.org")
    assert response.status_code == 422
    assert french("sans accent ni caractère spécial avant le « @ »") in response.get_data(as_text=True)
    assert outbox_rows(app) == []


def test_exhausted_attempts_are_given_up_in_the_run_that_uses_the_last_one(make_app):
    server = StuckServer()
    app = make_app(**server.settings(), **NEVER, MAIL_MESSAGE_DEADLINE=0.2, MAIL_MAX_ATTEMPTS=1)
    registered(app, "camille.martin@example.org")
    report = in_thread(lambda: flush(app), server)
    assert (report.failed, report.given_up) == (0, 1)
    assert outbox_rows(app)[0].last_error == "DeadlineExceeded"
