"""The Journée Numérique & Territoires microsite: app factory."""

import os

from flask import Flask
from htmx_flask import Htmx

from . import config, errors, ical, mails, manage, models, outbox, registration, reminders, retention, site
from .event import load as load_event
from .forms import csrf

htmx = Htmx()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, content, extensions, blueprints."""
    # JNT_INSTANCE_PATH moves instance/ (config.py, SQLite file, outbox) out of the code tree.
    app = Flask(__name__, instance_path=os.environ.get("JNT_INSTANCE_PATH") or None, instance_relative_config=True)
    config.load(app, test_config)
    app.extensions["jnt_event"] = event = load_event(app.config["EVENT_FILE"])
    if app.config["RSVP_DEADLINE"] > event.start:
        raise config.ConfigError("RSVP_DEADLINE : la date limite d'inscription est après le début de l'événement")
    htmx.init_app(app)
    csrf.init_app(app)
    models.init_app(app)
    site.init_app(app)
    errors.init_app(app)
    retention.init_app(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(registration.bp)
    app.register_blueprint(ical.bp)
    outbox.init_app(app)
    mails.init_app(app)
    manage.init_app(app)
    reminders.init_app(app)
    return app
