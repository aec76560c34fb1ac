"""`flask send-reminders`: practical information or the video link, each person reminded once."""

import icalendar
import pytest
from mailtools import SMTPServer, register

from jnt.models import Registration, db


@pytest.fixture
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


def reminders(smtp) -> dict:
    """Recipient → plain-text body of the reminders received."""
    return {m["To"]: m.get_body(("plain",)).get_content() for m in smtp.messages if m["Subject"].startswith("Rappel")}


def setup(make_app, smtp, **settings):
    app = make_app(**smtp.settings(), IN_PERSON_CAPACITY=1, **settings)
    for email, mode in (
        ("ann@example.org", "in_person"),
        ("bob@example.org", "in_person"),
        ("eve@example.org", "remote"),
    ):
        register(app.test_client(), email=email, mode=mode)
    return app


def test_reminders_give_practical_information_or_the_video_link(make_app, smtp):
    app = setup(make_app, smtp, VISIO_URL="https://visio.example.org/jnt")
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Rappels préparés : 3" in result.output
    got = reminders(smtp)
    assert set(got) == {"ann@example.org", "bob@example.org", "eve@example.org"}
    assert "Présentez-vous à l’accueil à partir de 9h" in got["ann@example.org"]
    assert "20 avenue de Ségur" in got["ann@example.org"]
    assert "https://visio.example.org/jnt" not in got["ann@example.org"]
    assert "https://visio.example.org/jnt" in got["eve@example.org"]
    assert (
        "Aucune place en présentiel ne vous a été attribuée" in got["bob@example.org"]
    )  # waiting: can follow remotely
    assert "https://visio.example.org/jnt" in got["bob@example.org"]
    eve = next(m for m in smtp.messages if m["To"] == "eve@example.org" and m["Subject"].startswith("Rappel"))
    [event] = icalendar.Calendar.from_ical(next(eve.iter_attachments()).get_content()).walk("VEVENT")
    assert str(event["location"]) == "https://visio.example.org/jnt"


def test_reminder_without_visio_url_says_the_link_will_follow(make_app, smtp):
    app = setup(make_app, smtp)
    app.test_cli_runner().invoke(args=["send-reminders"])
    assert "vous sera envoyé par e-mail" in reminders(smtp)["eve@example.org"]


@pytest.mark.both_databases
def test_reminders_run_twice_send_nothing_twice(make_app, smtp):
    app = setup(make_app, smtp)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-reminders"])
    second = runner.invoke(args=["send-reminders"])
    assert "Rappels préparés : 3" in first.output
    assert "Rappels préparés : 0" in second.output
    assert len(reminders(smtp)) == 3
    assert sum(m["Subject"].startswith("Rappel") for m in smtp.messages) == 3
    with app.app_context():
        assert all(r.reminder_sent_at for r in db.session.scalars(db.select(Registration)))


def test_reminders_wait_for_the_server_and_are_not_duplicated(make_app, smtp):
    app = setup(make_app, smtp)
    smtp.stop()
    runner = app.test_cli_runner()
    assert "en échec : " in runner.invoke(args=["send-reminders"]).output
    assert "Rappels préparés : 0" in runner.invoke(args=["send-reminders"]).output
    smtp.start()
    with app.app_context():
        db.session.execute(db.text("UPDATE outbox SET next_attempt_at = created_at"))
        db.session.commit()
    assert runner.invoke(args=["send-mail"]).exit_code == 0
    assert len(reminders(smtp)) == 3
    assert sum(m["Subject"].startswith("Rappel") for m in smtp.messages) == 3


def test_no_reminder_after_the_event(make_app, smtp):
    app = setup(make_app, smtp)
    late = make_app(**smtp.settings(), PREVIEW_NOW="2023-01-19T09:00:00+01:00")
    result = late.test_cli_runner().invoke(args=["send-reminders"])
    assert "La journée est terminée" in result.output
    assert reminders(smtp) == {}
    with app.app_context():
        assert not any(r.reminder_sent_at for r in db.session.scalars(db.select(Registration)))
