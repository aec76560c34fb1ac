"""The Journée Numérique & Territoires microsite: app factory."""

import os

from flask import Flask
from htmx_flask import Htmx

from . import (
    calendar,
    config,
    errors,
    html_cache,
    logs,
    models,
    my_registration,
    ops,
    organisers,
    ratelimit,
    registration,
    retention,
    security,
    site,
    static_files,
)
from .forms import csrf
from .mail import messages, outbox, reminders
from .typography import FrenchTypography
from .urls import App

htmx = Htmx()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, content, extensions, blueprints."""
    # JNT_INSTANCE_PATH moves instance/ (config.py, SQLite file, outbox) out of the code tree.
    app = App(__name__, instance_path=os.environ.get("JNT_INSTANCE_PATH") or None, instance_relative_config=True)
    # French typography in every template's text, applied once when the template is compiled.
    app.jinja_env.add_extension(FrenchTypography)
    config.load(app, test_config)
    logs.init_app(app)
    app.extensions["jnt_event"] = config.load_event(app)
    html_cache.init_app(app)  # first: its after_request hook then runs last
    htmx.init_app(app)
    csrf.init_app(app)
    models.init_app(app)
    site.init_app(app)
    errors.init_app(app)
    retention.init_app(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(registration.bp)
    # Production hooks (issue 6): health, CLI, rate limit, static files, then headers and proxies outermost.
    ops.init_app(app)
    ratelimit.init_app(app)
    static_files.init_app(app)
    security.init_app(app)
    organisers.init_app(app)
    app.register_blueprint(calendar.bp)
    outbox.init_app(app)
    messages.init_app(app)
    my_registration.init_app(app)
    reminders.init_app(app)
    return app
