"""E-mail through the outbox: delivered to a real SMTP server, retried when it is down, never sent twice."""

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import icalendar
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from mailtools import SMTPServer, flush, manage_path, outbox_rows, register

from jnt.config import ConfigError
from jnt.mail import outbox
from jnt.models import OutboxMessage, Registration, db


@pytest.fixture
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(make_app, smtp):
    return make_app(**smtp.settings(), PUBLIC_URL="https://jnt.example.org")


def test_confirmation_delivered_with_content_and_calendar(mail_app, smtp):
    response = register(mail_app.test_client())
    assert response.status_code == 303
    assert flush(mail_app).sent == 1
    assert len(smtp.envelopes) == 1
    assert smtp.envelopes[0].rcpt_tos == ["camille.martin@example.org"]
    msg = smtp.messages[0]
    assert msg["To"] == "camille.martin@example.org"
    assert msg["From"] == "JNT <jnt@example.org>"
    assert msg["Reply-To"] == mail_app.config["CONTACT_EMAIL"]  # answers reach a person
    assert "inscription confirmée" in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for body in (text, html):
        assert "en présentiel" in body
        assert "mercredi 18 janvier 2023" in body
        assert "de 9h à 17h30" in body
        assert "20 avenue de Ségur, 75007 Paris" in body
        assert "https://jnt.example.org/inscription/gerer/" in body
        assert "Commune de Lyon" in body
    assert "Présentez-vous à l’accueil à partir de 9h" in text
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "evenement.ics"
    cal = icalendar.Calendar.from_ical(attachment.get_content())
    [event] = cal.walk("VEVENT")
    assert event.decoded("dtstart") == dt.datetime(2023, 1, 18, 9, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert event.decoded("dtend").hour == 17
    assert str(event["dtstart"].params["TZID"]) == "Europe/Paris"
    assert str(event["location"]) == "Direction interministérielle du numérique, 20 avenue de Ségur, 75007 Paris"
    assert str(event["uid"]) == "jnt-20230118T0900@jnt.example.org"
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_confirmation_html_escapes_what_the_visitor_typed(mail_app, smtp):
    register(mail_app.test_client(), organisation="<b>Mairie</b> & co")
    flush(mail_app)
    msg = smtp.messages[0]
    assert "&lt;b&gt;Mairie&lt;/b&gt; &amp; co" in msg.get_body(("html",)).get_content()
    assert "<b>Mairie</b> & co" in msg.get_body(("plain",)).get_content()


def test_remote_confirmation_gives_the_video_link_when_configured(make_app, smtp):
    app = make_app(**smtp.settings(), VISIO_URL="https://visio.example.org/jnt")
    register(app.test_client(), mode="remote")
    flush(app)
    msg = smtp.messages[0]
    assert "https://visio.example.org/jnt" in msg.get_body(("plain",)).get_content()
    [event] = icalendar.Calendar.from_ical(next(msg.iter_attachments()).get_content()).walk("VEVENT")
    assert str(event["location"]) == "https://visio.example.org/jnt"


def test_remote_confirmation_says_the_link_will_follow_without_visio_url(mail_app, smtp):
    register(mail_app.test_client(), mode="remote")
    flush(mail_app)
    text = smtp.messages[0].get_body(("plain",)).get_content()
    assert "vous sera envoyé par e-mail la veille" in text
    assert "à distance" in text


def test_waiting_list_confirmation_gives_the_position(make_app, smtp):
    app = make_app(**smtp.settings(), IN_PERSON_CAPACITY=0)
    register(app.test_client())
    flush(app)
    msg = smtp.messages[0]
    assert "liste d’attente" in msg["Subject"]
    assert "liste d’attente (position 1)" in msg.get_body(("plain",)).get_content()


def test_server_down_delays_the_mail_without_losing_the_registration(mail_app, smtp):
    smtp.stop()
    client = mail_app.test_client()
    assert register(client).status_code == 303
    assert "Inscription confirmée" in client.get("/inscription/confirmation").get_data(as_text=True)
    report = flush(mail_app)
    assert (report.sent, report.failed) == (0, 1)
    [row] = outbox_rows(mail_app)
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError"
    assert row.next_attempt_at > row.created_at + dt.timedelta(seconds=59)
    with mail_app.app_context():
        assert db.session.query(Registration).count() == 1
        # Back-off: nothing is due before next_attempt_at, even once the server is back.
        smtp.start()
        assert outbox.flush().sent == 0
        db.session.execute(db.update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
        db.session.commit()
    assert flush(mail_app).sent == 1
    assert flush(mail_app).sent == 0
    assert len(smtp.envelopes) == 1
    [row] = outbox_rows(mail_app)
    assert row.sent_at is not None and row.attempts == 2 and row.last_error == ""
    assert row.body_text == "" and row.ics is None  # the private link does not stay in the database


def test_refusing_server_delays_the_mail_and_keeps_no_address_in_the_error(mail_app, smtp):
    smtp.refuse = True
    register(mail_app.test_client())
    assert flush(mail_app).failed == 1
    [row] = outbox_rows(mail_app)
    assert row.last_error == "SMTPDataError 451"
    assert "camille" not in row.last_error


def test_retry_delay_doubles_up_to_the_cap(mail_app):
    with mail_app.app_context():
        delays = [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 8, 30)]
    assert delays == [60, 120, 240, 3600, 3600, 3600]


@pytest.mark.both_databases
def test_row_claimed_by_another_worker_is_not_sent_again(mail_app, smtp):
    register(mail_app.test_client())
    with mail_app.app_context():
        [message_id] = outbox._due(10)
        assert outbox._claim(message_id) is not None  # another worker took it
        assert outbox._claim(message_id) is None
        assert outbox.flush().sent == 0
    assert smtp.envelopes == []


def test_send_mail_command_flushes_the_outbox(mail_app, smtp):
    register(mail_app.test_client())
    result = mail_app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "E-mails envoyés : 1" in result.output
    assert len(smtp.envelopes) == 1


def test_send_mail_command_fails_while_the_server_is_down(mail_app, smtp):
    smtp.stop()
    register(mail_app.test_client())
    result = mail_app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "en échec (nouvel essai plus tard) : 1" in result.output


def test_without_mail_server_messages_are_eml_files(make_app, tmp_path):
    app = make_app()
    app.instance_path = str(tmp_path / "instance")
    register(app.test_client())
    assert flush(app).sent == 1
    [path] = (tmp_path / "instance" / "outbox").glob("*.eml")
    assert path.name.endswith("-confirmation.eml")
    assert b"Content-Type: text/calendar" in path.read_bytes()


def test_background_thread_delivers_after_the_response(make_app, smtp):
    app = make_app(**smtp.settings(), MAIL_BACKGROUND=True, MAIL_POLL_SECONDS=0)
    register(app.test_client()).close()  # closing the response wakes this process's delivery thread
    deadline = time.monotonic() + 30  # a bound for a slow machine, not a speed requirement
    while outbox_rows(app)[0].sent_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert outbox_rows(app)[0].sent_at is not None
    assert len(smtp.envelopes) == 1


def test_management_link_in_the_mail_is_a_working_page(mail_app):
    client = mail_app.test_client()
    register(client)
    assert client.get(manage_path(mail_app, "camille.martin@example.org")).status_code == 200


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MAIL_SERVER": "smtp.example.org"}, "MAIL_DEFAULT_SENDER"),
        ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "MAIL_USE_TLS"),
        ({"PUBLIC_URL": "jnt.example.org"}, "PUBLIC_URL"),
        ({"VISIO_URL": "javascript:alert(1)"}, "VISIO_URL"),
        ({"MAIL_MESSAGE_DEADLINE": 0}, "MAIL_MESSAGE_DEADLINE"),
        ({"MAIL_RUN_DEADLINE": "cinq minutes"}, "MAIL_RUN_DEADLINE"),
        ({"MAIL_TIMEOUT": True}, "MAIL_TIMEOUT"),
    ],
)
def test_mail_settings_that_cannot_work_are_refused(make_app, settings, named):
    with pytest.raises(ConfigError, match=named):
        make_app(**settings)


def test_smtp_login_with_configured_credentials(make_app):
    logins = []

    def authenticator(_server, _session, _envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"bon-mot-de-passe")

    server = SMTPServer()
    server.controller = Controller(
        server, hostname="127.0.0.1", port=server.port, authenticator=authenticator, auth_require_tls=False
    )
    server.controller.start()
    try:
        settings = {**server.settings(), "MAIL_USERNAME": "jnt"}
        wrong = make_app(**settings, MAIL_PASSWORD="mauvais")
        register(wrong.test_client())
        assert flush(wrong).failed == 1
        [row] = outbox_rows(wrong)
        assert row.sent_at is None and row.last_error.startswith("SMTP")  # refused, kept for later
        right = make_app(**settings, MAIL_PASSWORD="bon-mot-de-passe")
        with right.app_context():
            db.session.execute(db.update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
            db.session.commit()
        assert flush(right).sent == 1
    finally:
        server.stop()
    assert logins[-1] == (b"jnt", b"bon-mot-de-passe")
    assert len(server.envelopes) == 1


@pytest.mark.both_databases
def test_concurrent_flushes_send_each_message_once(make_app, smtp):
    app = make_app(**smtp.settings(), IN_PERSON_CAPACITY=50)
    for i in range(12):
        register(app.test_client(), email=f"p{i}@example.org")
    barrier = threading.Barrier(4)

    def flusher():
        barrier.wait()
        with app.app_context():
            return outbox.flush().sent

    with ThreadPoolExecutor(4) as pool:
        sent = list(pool.map(lambda _: flusher(), range(4)))
    assert sum(sent) == 12
    assert sorted(e.rcpt_tos[0] for e in smtp.envelopes) == sorted(f"p{i}@example.org" for i in range(12))
    assert all(row.sent_at and row.attempts == 1 for row in outbox_rows(app))


def test_send_mail_reports_messages_given_up_in_this_run_only(make_app, smtp):
    app = make_app(**smtp.settings(), MAIL_MAX_ATTEMPTS=1)
    smtp.stop()
    register(app.test_client())
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-mail"])
    assert first.exit_code == 1
    assert "en échec (nouvel essai plus tard) : 0, abandonnés : 1." in first.output
    smtp.start()
    with app.app_context():
        db.session.execute(db.update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
        db.session.commit()
    # The message given up stays so (no attempt left); later runs are not failures because of it.
    later = runner.invoke(args=["send-mail"])
    assert later.exit_code == 0, later.output
    assert "E-mails envoyés : 0, en échec (nouvel essai plus tard) : 0, abandonnés : 0." in later.output
    assert smtp.envelopes == []
