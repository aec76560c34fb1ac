"""The Journée Numérique & Territoires microsite: app factory."""

import os

from flask import Flask

from . import (
    calendar,
    config,
    database,
    errors,
    extensions,
    handover,
    html_cache,
    logs,
    mail,
    my_registration,
    ops,
    organisers,
    registration,
    retention,
    security,
    site,
    static_files,
)
from .typography import FrenchTypography
from .urls import App


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configure -> extensions -> blueprints -> middleware."""
    # JNT_INSTANCE_PATH moves instance/ (config.py, SQLite file, outbox) out of the code tree.
    app = App(__name__, instance_path=os.environ.get("JNT_INSTANCE_PATH") or None, instance_relative_config=True)
    configure(app, test_config)
    extensions.init_app(app)
    register_blueprints(app)
    add_middleware(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    """Settings (checked), the log, the edition's content file, French typography in templates."""
    # Applied once, when each template is compiled.
    app.jinja_env.add_extension(FrenchTypography)
    config.load(app, test_config)
    logs.init_app(app)
    app.extensions["jnt_event"] = config.load_event(app)


def register_blueprints(app: Flask) -> None:
    """Each area: its blueprints, its request hooks and its commands."""
    html_cache.init_app(app)  # first: its after_request hook then runs after every other one
    errors.init_app(app)
    database.init_app(app)
    site.init_app(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(registration.bp)
    my_registration.init_app(app)
    handover.init_app(app)
    app.register_blueprint(calendar.bp)
    organisers.init_app(app)
    mail.init_app(app)
    retention.init_app(app)
    ops.init_app(app)


def add_middleware(app: Flask) -> None:
    """WSGI layers: static files, then security headers and trusted proxies outermost."""
    static_files.init_app(app)
    security.init_app(app)
