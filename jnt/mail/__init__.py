"""The mail pipeline: messages composed into the outbox, delivered by SMTP (or as files) by the courier."""

from flask import Flask

from . import courier, outbox, reminders, smtp


def init_app(app: Flask) -> None:
    """Check the mail settings; `send-mail`, `send-reminders`; this worker's delivery thread, woken after responses."""
    smtp.check(app)
    app.cli.add_command(outbox.send_mail_command)
    app.cli.add_command(reminders.send_reminders_command)
    app.after_request(outbox.kick_after_response)
    if app.config["MAIL_BACKGROUND"]:
        app.extensions["jnt_courier"] = courier.Courier(app, outbox.flush)
