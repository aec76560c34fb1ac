"""The Flask extensions, created bare here and bound to the app by create_app (init_app)."""

import os

from flask import Flask, current_app, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


class Base(DeclarativeBase):
    """The models' base class: typed Mapped columns (models.py)."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=MIGRATIONS)
csrf = CSRFProtect()
htmx = Htmx()


def check_csrf() -> None:
    """Refuse (400) a POST, PUT, PATCH or DELETE without a valid CSRF token, unless its view is exempt."""
    config = current_app.config
    if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
        csrf.protect(apply_exemptions=True)


def init_app(app: Flask) -> None:
    """Bind every extension to the app."""
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)  # `flask --app jnt db ...` (batch: SQLite's ALTER TABLE)
    # Flask-WTF's own hook looks up the view's exemptions before the method, on every request; ours
    # asks only for the methods a token protects (the same check: CSRFProtect.protect).
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(check_csrf)
    htmx.init_app(app)
